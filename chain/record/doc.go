// Package record saves the JSON-RPC traffic of a run to a file and answers
// requests from such a file, so a script can be replayed offline, exactly,
// and a recording can be served as a node.
//
// # File format
//
// A recording is one JSON object, written with one exchange per line so
// that recordings diff well:
//
//	{"format": "btscript-recording", "version": 1, "exchanges": [
//	{"method": "chain_getHead", "params": [], "result": "0x…"},
//	{"method": "state_getStorage", "params": ["0x…", "0x…"], "result": "0x…"},
//	{"method": "state_call", "params": ["Foo_bar", "0x", "0x…"], "error": {"code": -32000, "message": "…"}},
//	{"method": "chain_subscribeNewHeads", "params": [], "result": "sub-1", "notifications": [{…}, {…}]}
//	]}
//
// Exchanges are sorted by method, then params, then the order they happened
// in; no time stamps are written, so recording the same run twice gives the
// same file. A request made several times with different answers (the head
// of a moving chain) keeps every answer, in order.
//
// # Writing
//
// Create checks the path (CheckPath: absent, or a writable regular file in
// a writable folder; a link, FIFO, device or directory is never followed
// or replaced), puts a journal in its place through a uniquely named
// temporary file renamed over it, and appends every exchange to the
// journal as it is added; Finish replaces the journal with the sorted form
// the same way, keeping the file's mode. A process killed mid-run leaves
// the journal, which Load reads as well (its first line is
// {"format": "btscript-recording-journal", "version": 1}; a last line
// without its newline is left out). Load reads either form as a stream,
// so a loaded recording holds about its file's size.
//
// # Matching
//
// A request is answered by the first rule that applies:
//
//  1. Exact: the same method and the same params (compared as JSON values,
//     not as text). Repeated requests get the recorded answers in turn; after
//     the last, the last answer repeats.
//  2. Storage by key: where every storage read and runtime call of the
//     recording names at most one block, state_getStorage,
//     state_getStorageAt (the same method under two names),
//     state_queryStorageAt and state_getKeysPaged are answered from the
//     storage the recording saw, whatever block they ask for, and state_call
//     by method name and argument bytes. A key the recording never saw is
//     not assumed empty: it is an error.
//  3. One answer: a method that takes at most a block hash
//     (state_getRuntimeVersion, chain_getHeader, state_getMetadata, …) and
//     has a single distinct recorded answer gets that answer for any block.
//
// Anything else fails with an error naming the method and params.
package record

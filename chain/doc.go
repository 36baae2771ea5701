// Package chain queries a Substrate chain over an rpc.Transport: blocks and
// headers, storage (single, multi and paged maps), runtime API calls,
// constants and events, each decoded with the metadata of the runtime of
// the block it targets.
//
// Every query takes a block hash, or "" for the head at the time of the
// call. The runtime of each block is looked up once and its metadata once
// per runtime version (in memory, and on disk between runs). Identical
// concurrent lookups share one request, and storage reads of the same block
// in flight together are sent as one state_queryStorageAt.
package chain

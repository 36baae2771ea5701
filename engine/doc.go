// Package engine is the Lua host: one goroutine owns each Lua state, Go
// functions run asynchronously while the calling coroutine waits, and
// gather runs many calls at once, all pinned to one block.
package engine

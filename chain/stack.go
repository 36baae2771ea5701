package chain

// growStack makes the calling goroutine's stack 8 KB, unless it is
// already. A query goes about 5 KB deep (SCALE encoding with SS58 decoding
// and hashing, then batching, decoding), and Go starts a goroutine with a
// 2 KB stack that it grows by copying every frame on it: twice, deep in
// the query, which took a third of the CPU time of 1000 queries made from
// fresh goroutines. The public calls that encode or decode grow the stack
// first, while it holds a frame or two; on a goroutine whose stack is
// already large this costs clearing the array, about 0.1 µs.
//
//go:noinline
func growStack() {
	var pad [6 << 10]byte // with the frames below, more than 4 KB
	touch(pad[:])
}

// touch keeps growStack's array, and with it its frame, from being
// optimised away.
//
//go:noinline
func touch(b []byte) { b[len(b)-1] = 1 }

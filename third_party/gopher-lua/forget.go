package lua

// Forget drops the values a finished thread's value stack and call frames
// still hold: a thread kept for reuse kept them alive, its last function,
// upvalues and results among them, until it ran again. It must not be
// called on a running or suspended thread.
func (ls *LState) Forget() {
	clear(ls.reg.array)
	ls.reg.top = 0
	switch cs := ls.stack.(type) {
	case *autoGrowingCallFrameStack:
		for _, seg := range cs.segments {
			if seg != nil {
				clear(seg.array[:])
			}
		}
	case *fixedCallFrameStack:
		clear(cs.array)
	}
	ls.currentFrame = nil
	ls.uvcache = nil
	ls.Parent = nil
}

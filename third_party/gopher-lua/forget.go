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

// Abandon ends a suspended thread without running the rest of it: its
// call frames are dropped, its open upvalues closed and its value stack
// emptied, and it is left as a thread whose function returned is (Dead),
// to be reused as one. A host that knows the rest of a thread's run would
// only return values it already has — the results of a call in tail
// position, waited for by yielding — can end the thread so instead of
// resuming it.
func (ls *LState) Abandon() {
	ls.closeUpvalues(0)
	ls.stack.SetSp(0)
	ls.reg.SetTop(0)
	ls.currentFrame = nil
	ls.Parent = nil
	ls.Dead = true
}

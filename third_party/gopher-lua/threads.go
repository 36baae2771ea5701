package lua

// NewThreads returns n new threads of ls, each as NewThread makes one,
// with their records allocated together: a host starting thousands of
// coroutines at once makes six allocations for them all instead of six a
// thread, and the collector then marks a few large objects instead of
// many small ones. A state with a context, or without
// MinimizeStackMemory, gets its threads from NewThread.
func (ls *LState) NewThreads(n int) []*LState {
	if n <= 0 {
		return nil
	}
	out := make([]*LState, n)
	opts := ls.Options
	if ls.ctx != nil || !opts.MinimizeStackMemory || opts.RegistrySize <= 0 {
		for i := range out {
			out[i], _ = ls.NewThread()
		}
		return out
	}
	maxSegs := (opts.CallStackSize + (FramesPerSegment - 1)) / FramesPerSegment
	index := min(maxSegs, 2) // the first index a stack gets (see newAutoGrowingCallFrameStack)
	states := make([]LState, n)
	stacks := make([]autoGrowingCallFrameStack, n)
	segs := make([]callFrameStackSegment, n)
	segIndex := make([]*callFrameStackSegment, n*index)
	regs := make([]registry, n)
	size := opts.RegistrySize
	slots := make([]LValue, n*size)
	for i := range states {
		th, cs, rg := &states[i], &stacks[i], &regs[i]
		cs.segments = segIndex[i*index : i*index+1 : (i+1)*index]
		cs.segments[0] = &segs[i]
		cs.maxSegs = maxSegs
		*rg = registry{array: slots[i*size : (i+1)*size : (i+1)*size], growBy: opts.RegistryGrowStep,
			maxSize: opts.RegistryMaxSize, alloc: ls.alloc, handler: th}
		*th = LState{G: ls.G, Env: ls.Env, Panic: panicWithoutTraceback, Options: opts,
			stack: cs, reg: rg, alloc: ls.alloc, mainLoop: mainLoop}
		out[i] = th
	}
	return out
}

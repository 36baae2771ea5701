package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
	"weak"

	lua "github.com/yuin/gopher-lua"
)

// Tasks and their coroutine frames: creation, the pool of Lua threads,
// how a finished frame hands its outcome on, cancellation, and gathers.

// slab holds the records of a gather's branches, allocated at once: a
// gather of a thousand branches is common. The engine keeps one slab of a
// finished gather for the next (see releaseSlab): fresh memory for every
// gather costs page and cache misses and garbage collection.
type slab struct {
	tasks    []task
	cos      []co
	branches []*task
	results  []lua.LValue
}

// takeSlab returns a zeroed slab for n branches.
func (e *Engine) takeSlab(n int) *slab {
	if s := e.spare; s != nil && cap(s.tasks) >= n {
		e.spare = nil
		s.tasks, s.cos, s.branches, s.results = s.tasks[:n], s.cos[:n], s.branches[:n], s.results[:n]
		return s
	}
	return &slab{tasks: make([]task, n), cos: make([]co, n), branches: make([]*task, n), results: make([]lua.LValue, n)}
}

// releaseSlab keeps the slab of gather g, whose branches all returned, for
// the next gather, unless it is larger than the thread pool (a branch's
// records are about 300 bytes) or something may still point into it: a task a
// branch spawned or blocked on names the branch as its parent. (A failed
// gather is never released: its cancelled branches may have calls in
// flight, whose results name their tasks.)
func (e *Engine) releaseSlab(g *group) {
	s := g.slab
	g.slab = nil
	if s == nil || len(s.tasks) > e.maxThreadPool() || e.spare != nil && cap(e.spare.tasks) >= len(s.tasks) {
		return
	}
	for _, b := range s.branches {
		if b.children != nil {
			return
		}
	}
	clear(s.tasks)
	clear(s.cos)
	clear(s.branches)
	clear(s.results)
	e.spare = s
}

// newTask creates a task running fn(args...) with the given context and
// queues it.
func (r *run) newTask(parent *task, ctx context.Context, fn lua.LValue, args []lua.LValue) *task {
	tctx, cancel := context.WithCancelCause(ctx)
	t := &task{cancel: cancel, parent: parent}
	t.top = r.newCo(coTask, nil, fn)
	t.top.ctx = tctx
	r.enqueue(t, args, "")
	return t
}

// newCo creates a coroutine frame that will run fn.
func (r *run) newCo(kind coKind, parent *co, fn lua.LValue) *co {
	return &co{th: r.e.newThread(1), kind: kind, parent: parent, fn: fn}
}

// idleThreadBytes is what an idle Lua thread holds (see README, memory of
// a gather), for the bound on the pool.
const idleThreadBytes = 2 << 10

// maxThreadPool returns how many idle Lua threads are kept for reuse: as
// many as a quarter of the memory limit holds (131 072 at the default
// limit), at least minThreadPool. The threads of one gather of that size
// are all reused by the next: a gather of 100,000 branches that makes
// its threads costs half as much again as one that reuses them.
func (e *Engine) maxThreadPool() int {
	limit := e.opts.MemoryLimit
	if limit <= 0 {
		limit = DefaultMemoryLimit
	}
	return max(minThreadPool, int(limit/4/idleThreadBytes))
}

// minThreadPool is the least number of idle Lua threads kept.
const minThreadPool = 1024

// newThread returns an idle Lua thread. Creating one is costly in
// gopher-lua (a fresh global table set and stacks), so finished threads are
// reused. When none is idle it makes up to want of them together (see
// lua.LState.NewThreads): a process's first gather of 100,000 branches
// made its threads one by one, six allocations each. It makes no more at
// once than it has made before, from 16 up to threadChunk, since most
// gather branches give their thread back when they start their call (see
// endsWithCall) and a gather of many may need few. Chunks bound what a
// kept thread keeps alive of the threads made with it that the pool let
// go.
func (e *Engine) newThread(want int) *lua.LState {
	n := len(e.threads)
	if n == 0 {
		k := min(max(want, 1), threadChunk, max(16, e.madeThreads))
		e.madeThreads += k
		for _, th := range e.state.NewThreads(k) {
			th.Panic = e.hook // kept by Resume: no call to set it as each coroutine starts
			e.threads = append(e.threads, th)
		}
		n = len(e.threads)
		e.clean = n
	}
	th := e.threads[n-1]
	// Cleared, or the pool's array would keep the thread, and all it
	// holds, alive after a run that failed in it let it go.
	e.threads[n-1] = nil
	e.threads = e.threads[:n-1]
	e.clean = min(e.clean, n-1)
	return th
}

// threadChunk is the most threads newThread makes together.
const threadChunk = 1024

// recycle keeps a thread whose body returned normally: its call stack is
// empty and gopher-lua merely marked it dead.
func (e *Engine) recycle(th *lua.LState) {
	if len(e.threads) < e.maxThreadPool() {
		th.Dead = false
		e.threads = append(e.threads, th)
	}
}

// tidy makes the threads kept since the last tidy forget what they ran:
// their last function, its upvalues and what it returned would stay alive
// (and be marked at every collection) until the thread ran again. The
// owner goroutine tidies when a job is done — after a run has given its
// result — rather than when each thread is kept: forgetting the threads of
// a gather of 100,000 takes about 25 ms, which the end of every gather
// would have waited for.
func (e *Engine) tidy() {
	for _, th := range e.threads[e.clean:] {
		th.Forget()
	}
	e.clean = len(e.threads)
}

// finishCo hands the outcome of a finished coroutine to whoever waits.
func (r *run) finishCo(t *task, c *co, ok bool, vals []lua.LValue, errObj lua.LValue, trace string) {
	parent := c.parent
	switch c.kind {
	case coTask:
		r.finishTask(t, ok, vals, errObj, trace)
	case coPcall, coXpcall:
		t.top = parent
		switch {
		case ok:
			r.enqueue(t, append([]lua.LValue{lua.LNumber(stOK), lua.LTrue}, vals...), "")
		case c.kind == coPcall:
			r.enqueue(t, []lua.LValue{lua.LNumber(stOK), lua.LFalse, errObj}, "")
		default:
			r.enqueue(t, []lua.LValue{lua.LNumber(stHandler), c.handler, errObj}, "")
		}
	case coScope:
		t.top = parent
		expired := c.timeout > 0 && errors.Is(c.ctx.Err(), context.DeadlineExceeded) && scopeOf(parent).Err() == nil
		c.cancel()
		switch {
		case ok:
			r.enqueue(t, append([]lua.LValue{lua.LNumber(stOK)}, vals...), "")
		case expired:
			cause := scopeTimeout{c.timeout}
			r.noteCause(cause)
			r.enqueue(t, []lua.LValue{lua.LNumber(stRaisePos), lua.LString(cause.Error())}, "")
		default:
			r.enqueue(t, []lua.LValue{lua.LNumber(stRaise), errObj}, trace)
		}
	case coUser:
		t.top = parent
		c.parent = nil
		c.uc.dead = true
		delete(r.e.coroMap, weak.Make(c.th))
		if ok {
			r.enqueue(t, append([]lua.LValue{lua.LNumber(stOK), lua.LTrue}, vals...), "")
		} else {
			r.enqueue(t, []lua.LValue{lua.LNumber(stOK), lua.LFalse, errObj}, "")
		}
	}
}

// scopeTimeout is the cause of a timeout scope that expired: its message,
// and context.DeadlineExceeded.
type scopeTimeout struct{ d time.Duration }

func (s scopeTimeout) Error() string { return "timeout after " + seconds(s.d) }

func (scopeTimeout) Unwrap() error { return context.DeadlineExceeded }

func seconds(d time.Duration) string {
	return fmt.Sprintf("%gs", d.Seconds())
}

// finishTask records a task's outcome and wakes its gather and waiters.
func (r *run) finishTask(t *task, ok bool, vals []lua.LValue, errObj lua.LValue, trace string) {
	t.done, t.ok, t.vals, t.err, t.trace = true, ok, vals, errObj, trace
	t.cancel(nil)
	if t.parent != nil {
		delete(t.parent.children, t)
	}
	if !ok && t.spawned {
		if len(t.waiters) > 0 {
			t.observed = true
		}
		r.failed = append(r.failed, t)
	}
	r.wake(t)
	if t.group != nil {
		// Last: the gather may end here and give t's record to the next.
		r.branchDone(t)
	}
}

// wake resumes the tasks waiting for t with its outcome.
func (r *run) wake(t *task) {
	for _, w := range t.waiters {
		if t.ok {
			r.enqueue(w, append([]lua.LValue{lua.LNumber(stOK)}, t.vals...), "")
		} else {
			r.enqueue(w, []lua.LValue{lua.LNumber(stRaise), t.err}, t.trace)
		}
	}
	t.waiters = nil
}

// kill stops a task and everything it started; it never runs again.
func (r *run) kill(t *task, reason string) {
	if t.done {
		return
	}
	t.done, t.dead, t.ok, t.err = true, true, false, lua.LString(reason)
	if c := t.top; c.th == nil && !c.started {
		r.unstarted-- // a gather branch that never ran
	}
	cause := errors.New(reason)
	t.cancel(cause)
	if p := t.pend; p != nil {
		// What the call's context would tell it (see startCompletion).
		t.pend = nil
		p.expire(cause)
	}
	if t.parent != nil {
		delete(t.parent.children, t)
	}
	if g := t.waiting; g != nil && !g.finished {
		g.finished = true
		g.cancel(errors.New(reason))
		for _, b := range g.branches {
			r.kill(b, reason)
		}
	}
	for ch := range t.children {
		r.kill(ch, reason)
	}
	for c := t.top; c != nil; c = c.parent {
		if c.cancel != nil {
			c.cancel()
		}
		if c.kind == coUser {
			c.uc.dead = true
			delete(r.e.coroMap, weak.Make(c.th))
		}
	}
	r.wake(t)
}

// branchDone records the outcome of a gather branch.
func (r *run) branchDone(b *task) {
	g := b.group
	if g.finished {
		return
	}
	p := g.parent
	if !b.ok {
		g.finished = true
		label := fmt.Sprintf("branch %d", b.index+1)
		if g.form == gatherKeys {
			label = "branch " + quoteKey(g.keys[b.index])
		}
		msg := fmt.Sprintf("gather: %s failed: %s", label, r.e.errorText(b.err))
		g.cancel(errors.New(msg))
		for _, o := range g.branches {
			r.kill(o, "cancelled: a sibling gather branch failed")
		}
		p.waiting = nil
		r.enqueue(p, []lua.LValue{lua.LNumber(stRaise), lua.LString(msg)}, b.trace)
		return
	}
	if len(b.vals) > 0 {
		g.results[b.index] = b.vals[0]
	}
	g.remaining--
	if g.remaining > 0 {
		return
	}
	g.finished = true
	g.cancel(nil)
	p.waiting = nil
	if g.form == gatherArgs {
		r.enqueue(p, append([]lua.LValue{lua.LNumber(stOK)}, g.results...), "")
	} else {
		var tbl *lua.LTable
		if g.form == gatherList {
			tbl = r.L.CreateTable(len(g.results), 0)
			for i, v := range g.results {
				tbl.RawSetInt(i+1, v)
			}
		} else {
			tbl = r.L.CreateTable(0, len(g.keys))
			for i, k := range g.keys {
				tbl.RawSet(k, g.results[i])
			}
		}
		r.enqueue(p, []lua.LValue{lua.LNumber(stOK), tbl}, "")
	}
	r.e.releaseSlab(g)
}

func quoteKey(k lua.LValue) string {
	if s, ok := k.(lua.LString); ok {
		return "'" + string(s) + "'"
	}
	return k.String()
}

// sortedKeys returns the keys of a gather table in a stable order, and
// whether they are 1..n (a list, the common case: already in order).
func sortedKeys(t *lua.LTable) ([]lua.LValue, bool) {
	var keys []lua.LValue
	t.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
	if isSequence(keys) {
		return keys, true
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Type() != b.Type() {
			return a.Type() < b.Type()
		}
		if an, ok := a.(lua.LNumber); ok {
			return an < b.(lua.LNumber)
		}
		return a.String() < b.String()
	})
	return keys, false
}

// isSequence reports whether keys are 1, 2, ..., len(keys) in order.
func isSequence(keys []lua.LValue) bool {
	for i, k := range keys {
		if n, ok := k.(lua.LNumber); !ok || n != lua.LNumber(i+1) {
			return false
		}
	}
	return true
}

// threadRegistrySize is the initial value stack, in slots, of a
// coroutine when Options.RegistrySize is the default: 256 bytes held by
// every waiting gather branch, where 128 slots held 2 KB. A coroutine that
// needs more doubles its stack until it grows by registryGrowStep slots
// at a time (third_party/gopher-lua/CHANGES.md, change 4).
const threadRegistrySize = 16

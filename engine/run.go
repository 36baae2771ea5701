package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"time"
	"weak"

	lua "github.com/yuin/gopher-lua"
)

// Status codes a yielding Go function hands to the Lua-side check function,
// as the first value of its results.
const (
	stOK       = 0 // the remaining values are the results
	stRaisePos = 1 // raise the message (2nd value) at the calling line
	stRaise    = 2 // raise the error value (2nd value) unchanged
	stHandler  = 3 // xpcall: call the handler (2nd) with the error (3rd)
)

// coKind says what a coroutine frame is for, and so what happens when its
// body finishes.
type coKind uint8

const (
	coTask   coKind = iota // body of a task (script, gather branch, spawn)
	coPcall                // body of pcall
	coXpcall               // body of xpcall
	coScope                // body of at or timeout
	coUser                 // body of a coroutine the script created
)

// co is one Lua thread in the engine's coroutine stack. Each task runs the
// innermost co of its chain (task.top); finished cos hand their results to
// their parent.
type co struct {
	th      *lua.LState
	kind    coKind
	parent  *co
	ctx     context.Context // non-nil when the co opens a scope
	cancel  context.CancelFunc
	timeout time.Duration // for timeout scopes
	handler lua.LValue    // for xpcall
	uc      *userCoro     // for coUser
	fn      lua.LValue    // body, passed on the first resume
	started bool
}

// task is an independently scheduled strand: the script, a gather branch,
// a spawned task or a blocking call.
type task struct {
	top      *co
	cancel   context.CancelCauseFunc
	group    *group // gather this task is a branch of
	index    int
	waiting  *group // gather this task waits for
	parent   *task
	children map[*task]struct{} // spawned and blocking tasks
	waiters  []*task
	nret     int         // results the call in flight must resume with (see startCall)
	blocked  *lua.LState // the thread waiting in runBlocking for this task

	// Where the call in flight was made, when known (see callSite).
	site     *lua.FunctionProto
	sitePC   int
	spawned  bool
	observed bool

	done, dead bool
	ok         bool
	vals       []lua.LValue
	err        lua.LValue
	trace      string
	handle     *lua.LUserData
}

// group is one gather in progress.
type group struct {
	parent    *task
	branches  []*task
	keys      []lua.LValue // nil for the positional form
	results   []lua.LValue
	remaining int
	finished  bool
	cancel    context.CancelCauseFunc
	slab      *slab
}

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

// maxKeptSlab bounds the branches of a slab kept for reuse (about 300
// bytes each).
const maxKeptSlab = 4096

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
// the next gather, unless something may still point into it: a task a
// branch spawned or blocked on names the branch as its parent. (A failed
// gather is never released: its cancelled branches may have calls in
// flight, whose results name their tasks.)
func (e *Engine) releaseSlab(g *group) {
	s := g.slab
	g.slab = nil
	if s == nil || len(s.tasks) > maxKeptSlab || e.spare != nil && cap(e.spare.tasks) >= len(s.tasks) {
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

type readyItem struct {
	t     *task
	vals  []lua.LValue
	trace string // traceback of an error value passed with stRaise

	// An async call's outcome, converted to Lua only when the task runs.
	call bool
	res  []any
	err  error
}

type callResult struct {
	t    *task
	vals []any
	err  error
}

// run is one Eval or RunFile: the scheduler state. Owned by the owner
// goroutine.
type run struct {
	e       *Engine
	L       *lua.LState
	ctx     context.Context
	cancel  context.CancelCauseFunc
	results chan callResult
	done    chan struct{}

	ready       []readyItem // queue from ready[head]
	head        int
	argbuf      []lua.LValue // resume arguments, reused
	outstanding int
	current     *co
	curTask     *task
	root        *task
	stopped     bool
	stopErr     error
	failed      []*task // spawned tasks that failed

	lastObj    lua.LValue
	lastTrace  string
	carryObj   lua.LValue
	carryTrace string
}

// ErrTimeout is wrapped by the error of a script stopped by Options.Timeout.
var ErrTimeout = errors.New("script timed out")

// ErrMemoryLimit is wrapped by the error of a script stopped by
// Options.MemoryLimit.
var ErrMemoryLimit = errors.New("memory limit exceeded")

// ErrDeadlock is wrapped by the error of a script whose coroutines all wait
// for each other.
var ErrDeadlock = errors.New("deadlock: every coroutine is waiting and no call is in flight")

// execute runs fn as the root task of a new run.
func (e *Engine) execute(parent context.Context, fn *lua.LFunction, args []lua.LValue) (*Result, error) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	runCtx := ctx
	if e.opts.Timeout > 0 {
		var tcancel context.CancelFunc
		runCtx, tcancel = context.WithTimeoutCause(ctx, e.opts.Timeout,
			fmt.Errorf("%w after %s", ErrTimeout, e.opts.Timeout))
		defer tcancel()
	}
	r := &run{
		e:       e,
		L:       e.L,
		ctx:     runCtx,
		cancel:  cancel,
		results: make(chan callResult, 256),
		done:    make(chan struct{}),
		ready:   e.ready[:0],
	}
	e.calls.Add(1)
	stopWake := context.AfterFunc(runCtx, func() {
		defer e.calls.Done()
		select {
		case r.results <- callResult{}:
		case <-r.done:
		}
	})
	e.memBase = e.memoryBase()
	stopWatch := e.watchMemory(cancel)
	e.run = r
	defer func() {
		if stopWake() {
			e.calls.Done()
		}
		r.finish()
		stopWatch()
		e.memoryEnd()
		e.run = nil
	}()

	rootCtx := withRunPin(runCtx, e.opts.Pinner)
	root := r.newTask(nil, rootCtx, fn, args)
	r.root = root
	r.loop(func() bool { return root.done })

	if err := r.stopError(); err != nil && (!root.done || !root.ok) {
		return nil, err
	}
	if !root.ok {
		return nil, e.runError(root.err, root.trace)
	}
	return &Result{Values: root.vals}, nil
}

// stopError reports why the run stopped early, or nil.
func (r *run) stopError() error {
	if r.ctx.Err() != nil {
		cause := context.Cause(r.ctx)
		switch {
		case errors.Is(cause, ErrTimeout):
			return &Error{Message: cause.Error(), cause: cause}
		case errors.Is(cause, ErrMemoryLimit):
			return &Error{Message: cause.Error(), cause: cause}
		default:
			return &Error{Message: "script cancelled: " + cause.Error(), cause: cause}
		}
	}
	if r.stopErr != nil {
		return &Error{Message: r.stopErr.Error(), cause: r.stopErr}
	}
	return nil
}

// finish ends the run: every task still alive is cancelled, late call
// results are dropped, and errors of spawned tasks nobody waited for are
// reported on Stderr.
func (r *run) finish() {
	r.stopped = true
	r.cancel(errors.New("script ended"))
	close(r.done)
	for k, uc := range r.e.coros() {
		if uc.body.parent != nil || uc.run == r && !uc.body.started {
			// Attached to a task of this run, which is gone.
			uc.dead = true
			uc.body.th = nil
			delete(r.e.coroMap, k)
		}
	}
	r.e.sweepCoros()
	for _, t := range r.failed {
		if !t.observed {
			fmt.Fprintf(r.e.opts.Stderr, "spawned task failed: %s\n", r.e.errorText(t.err))
		}
	}
	clear(r.ready)
	r.e.ready, r.ready = r.ready[:0], nil
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
	return &co{th: r.e.newThread(), kind: kind, parent: parent, fn: fn}
}

// maxThreadPool bounds the number of idle Lua threads kept for reuse.
const maxThreadPool = 1024

// newThread returns an idle Lua thread. Creating one is costly in
// gopher-lua (a fresh global table set and stacks), so finished threads are
// reused.
func (e *Engine) newThread() *lua.LState {
	if n := len(e.threads); n > 0 {
		th := e.threads[n-1]
		e.threads = e.threads[:n-1]
		return th
	}
	th, _ := e.L.NewThread()
	return th
}

// recycle keeps a thread whose body returned normally: its call stack is
// empty and gopher-lua merely marked it dead.
func (e *Engine) recycle(th *lua.LState) {
	if len(e.threads) < maxThreadPool {
		th.Dead = false
		e.threads = append(e.threads, th)
	}
}

func (r *run) enqueue(t *task, vals []lua.LValue, trace string) {
	r.push(readyItem{t: t, vals: vals, trace: trace})
}

func (r *run) push(item readyItem) {
	if len(r.ready) == cap(r.ready) && r.head > 0 {
		// Reuse the consumed front rather than grow.
		n := copy(r.ready, r.ready[r.head:])
		clear(r.ready[n:])
		r.ready, r.head = r.ready[:n], 0
	}
	r.ready = append(r.ready, item)
}

// pop takes the next ready item; the queue must not be empty.
func (r *run) pop() readyItem {
	item := r.ready[r.head]
	r.ready[r.head] = readyItem{}
	r.head++
	if r.head == len(r.ready) {
		r.ready, r.head = r.ready[:0], 0
	}
	return item
}

// scopeOf returns the context in effect for calls made by c.
func scopeOf(c *co) context.Context {
	for ; c != nil; c = c.parent {
		if c.ctx != nil {
			return c.ctx
		}
	}
	return context.Background()
}

// loop runs ready coroutines and delivers call results until cond holds or
// the run stops. It is re-entered by blocking calls.
func (r *run) loop(cond func() bool) {
	for !cond() {
		if r.stopped {
			return
		}
		if r.ctx.Err() != nil {
			r.stopped = true
			return
		}
		if len(r.ready) > r.head {
			// Take results that are already in without blocking, so a busy
			// coroutine cannot starve the others.
			select {
			case res := <-r.results:
				r.deliver(res)
			default:
			}
			r.step(r.pop())
			continue
		}
		if r.outstanding == 0 {
			r.stopErr = ErrDeadlock
			r.stopped = true
			return
		}
		// A plain receive: the end of the run's context sends a wake-up
		// (see execute), as a select on both would cost more than the
		// receive itself, every time the script waits.
		r.deliver(<-r.results)
	}
}

// deliver wakes the task of a call result. A result without a task is the
// wake-up sent when the run's context ends.
func (r *run) deliver(res callResult) {
	if res.t == nil {
		return
	}
	r.outstanding--
	if !res.t.done {
		r.push(readyItem{t: res.t, call: true, res: res.vals, err: res.err})
	}
}

// callArgs appends to buf the values that resume a task parked in a call
// made through the Lua wrapper: a status code and the results.
func (r *run) callArgs(buf []lua.LValue, item readyItem) []lua.LValue {
	n := len(buf)
	buf, err := r.callResults(append(buf, lua.LNumber(stOK)), item, lua.MultRet)
	if err != nil {
		return append(buf[:n], lua.LNumber(stRaisePos), lua.LString(err.Error()))
	}
	return buf
}

// callResults appends to buf the results of a call converted to Lua,
// exactly want of them unless want is lua.MultRet.
func (r *run) callResults(buf []lua.LValue, item readyItem, want int) ([]lua.LValue, error) {
	if item.err != nil {
		return buf, item.err
	}
	res := item.res
	if want >= 0 && len(res) > want {
		res = res[:want]
	}
	for _, v := range res {
		lv, err := ToLua(r.L, v)
		if err != nil {
			return buf, err
		}
		buf = append(buf, lv)
	}
	for i := len(res); i < want; i++ {
		buf = append(buf, lua.LNil)
	}
	return buf, nil
}

// failCall ends coroutine c, parked in a call that failed, with the error
// raised where it waits. Nothing in c could catch it (pcall runs its body
// in a coroutine of its own), so c is not resumed.
func (r *run) failCall(t *task, c *co, err error) {
	var msg lua.LValue
	if p, pc := t.site, t.sitePC; p != nil && pc >= 1 && pc <= len(p.DbgSourcePositions) {
		msg = lua.LString(fmt.Sprintf("%s:%d: %s", p.SourceName, p.DbgSourcePositions[pc-1], err.Error()))
	} else {
		msg = lua.LString(positioned(t, c.th, err.Error()))
	}
	prev := r.current
	r.current = c
	trace := r.traceback(c.th)
	r.current = prev
	r.finishCo(t, c, false, nil, msg, trace)
}

// step resumes the innermost coroutine of a task.
func (r *run) step(item readyItem) {
	t := item.t
	if t.done {
		return
	}
	c := t.top
	want := scopeOf(c)
	if c.th.Context() != want {
		c.th.SetContext(want)
	}
	// Resume copies its arguments onto the thread's stack before any Lua
	// runs, so a nested step (a blocking call) may reuse the buffer.
	args := r.argbuf[:0]
	if !c.started {
		args = append(args, c.fn)
	}
	if item.call {
		if t.nret == nretWrapped {
			args = r.callArgs(args, item)
		} else {
			var err error
			if args, err = r.callResults(args, item, t.nret); err != nil {
				r.failCall(t, c, err)
				return
			}
		}
	} else {
		args = append(args, item.vals...)
	}
	r.argbuf = args[:0]
	prevCo, prevTask := r.current, r.curTask
	r.current, r.curTask = c, t
	r.carryObj, r.carryTrace = nil, ""
	if item.trace != "" && len(item.vals) > 1 {
		r.carryObj, r.carryTrace = item.vals[1], item.trace
	}
	st, obj, vals := r.resumeCo(c, args)
	r.current, r.curTask = prevCo, prevTask
	if t.done {
		return // cancelled while it ran
	}
	switch st {
	case lua.ResumeYield:
		if len(vals) == 1 && vals[0] == r.e.marker {
			return // parked; whoever parked it wakes it
		}
		r.finishCo(t, c, false, nil, lua.LString("attempt to yield from outside a coroutine"), "")
	case lua.ResumeOK:
		// The trampoline returns true before the results, so that no
		// results can be told from one nil.
		switch {
		case c.kind == coUser: // the script may still hold it
		case c.kind == coTask && t.group != nil: // see recycleBranches
		default:
			r.e.recycle(c.th)
		}
		if len(vals) > 0 {
			vals = vals[1:]
		}
		r.finishCo(t, c, true, vals, nil, "")
	default:
		trace := ""
		if sameValue(r.lastObj, obj) {
			trace = r.lastTrace
		} else if obj != nil && len(vals) == 0 {
			// A Go panic in the VM ("lua callstack overflow") bypasses
			// the panic hook; the thread's frames are still there.
			prev := r.current
			r.current = c
			trace = r.traceback(c.th)
			r.current = prev
			if msg, ok := obj.(lua.LString); ok && !hasPosition.MatchString(string(msg)) {
				if m := tracePosition.FindStringSubmatch(trace); m != nil {
					obj = lua.LString(m[1] + ": " + string(msg))
				}
			}
		}
		r.finishCo(t, c, false, nil, obj, trace)
	}
}

// sameValue is == for error values, with NaN equal to itself.
func sameValue(a, b lua.LValue) bool {
	if x, ok := a.(lua.LNumber); ok {
		if y, ok := b.(lua.LNumber); ok && x != x && y != y {
			return true
		}
	}
	return a == b
}

// resumeCo resumes c's thread from the main state. A Go panic escaping
// gopher-lua becomes an error of that coroutine. The frame of this function
// marks the bottom of a yieldable Go stack (see yieldable).
//
//go:noinline
func (r *run) resumeCo(c *co, args []lua.LValue) (st lua.ResumeState, obj lua.LValue, vals []lua.LValue) {
	L := r.L
	top := L.GetTop()
	cur := L.G.CurrentThread
	defer func() {
		if p := recover(); p != nil {
			L.SetTop(top)
			L.G.CurrentThread = cur
			c.th.Dead = true
			st, obj, vals = lua.ResumeError, lua.LString("internal error: "+luaPanicMessage(p)), nil
			if api, ok := p.(*lua.ApiError); ok {
				// A Lua error raised outside the coroutine's protected
				// loop, such as registry overflow while Resume pushes the
				// values it passes in: the script's error, not ours.
				obj = api.Object
			}
		}
	}()
	var fn *lua.LFunction
	if !c.started {
		c.started = true
		fn = r.e.body
	}
	st, err, vals := L.Resume(c.th, fn, args...)
	if err != nil {
		var api *lua.ApiError
		if errors.As(err, &api) {
			obj = api.Object
		} else {
			obj = lua.LString(err.Error())
		}
	}
	return st, obj, vals
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
			r.enqueue(t, []lua.LValue{lua.LNumber(stRaisePos), lua.LString("timeout after " + seconds(c.timeout))}, "")
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
	t.cancel(errors.New(reason))
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

// recycleBranches returns to the pool the threads of a finished gather's
// branches that ended normally, last branch first, so that the next gather
// takes them in the same order. Each thread's memory is then walked in one
// direction, gather after gather; in the order branches happen to finish it
// is scattered, and the resumes pay for cache and TLB misses.
func (r *run) recycleBranches(g *group) {
	for i := len(g.branches) - 1; i >= 0; i-- {
		if b := g.branches[i]; b.done && b.ok {
			r.e.recycle(b.top.th)
		}
	}
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
		r.recycleBranches(g)
		label := fmt.Sprintf("branch %d", b.index+1)
		if g.keys != nil {
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
	r.recycleBranches(g)
	p.waiting = nil
	if g.keys == nil {
		r.enqueue(p, append([]lua.LValue{lua.LNumber(stOK)}, g.results...), "")
	} else {
		tbl := r.L.CreateTable(0, len(g.keys))
		for i, k := range g.keys {
			tbl.RawSet(k, g.results[i])
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

// nretWrapped is task.nret for a call made through the Lua wrapper, which
// takes a status code and the results.
const nretWrapped = -2

// startCall starts an async Go call for the current coroutine and parks it
// until the result comes. nret says how the coroutine resumes: with nret
// results (lua.MultRet: all of them), or nretWrapped.
func (r *run) startCall(L *lua.LState, fn Func, nret int) int {
	n := L.GetTop()
	args := make([]any, n)
	for i := 1; i <= n; i++ {
		args[i-1] = ToGo(L.Get(i))
	}
	t := r.curTask
	t.nret = nret
	ctx := scopeOf(r.current)
	r.outstanding++
	e := r.e
	e.calls.Add(1)
	results, done := r.results, r.done
	go func() {
		defer e.calls.Done()
		vals, err := e.invoke(ctx, fn, args)
		select {
		case results <- callResult{t: t, vals: vals, err: err}:
		case <-done:
		}
	}()
	return L.Yield(e.marker)
}

// invoke runs fn within the concurrency limit, turning a panic into an
// error.
func (e *Engine) invoke(ctx context.Context, fn Func, args []any) (vals []any, err error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	select {
	case e.sem <- struct{}{}:
	default:
		// Every slot is taken: wait for one. (A select of two ready-or-not
		// channels costs several times the plain send above.)
		select {
		case e.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	defer func() { <-e.sem }()
	defer func() {
		if p := recover(); p != nil {
			vals, err = nil, fmt.Errorf("panic in async function: %v", p)
		}
	}()
	return fn(ctx, args)
}

// block runs self(args...) as a separate task and drives the scheduler
// until it finishes, for yielding functions called where the coroutine
// cannot yield (iterators, metamethods, callbacks of Go functions). Other
// coroutines keep running meanwhile; the blocked one resumes afterwards.
// It returns like the Go half of a wrapped function: a status code first.
func (r *run) block(L *lua.LState, self *lua.LFunction) int {
	t := r.runBlocking(L, self)
	if t.ok {
		L.Push(lua.LNumber(stOK))
		for _, v := range t.vals {
			L.Push(v)
		}
		return len(t.vals) + 1
	}
	r.carryObj, r.carryTrace = t.err, t.trace
	L.Push(lua.LNumber(stRaise))
	L.Push(t.err)
	return 2
}

// blockCall is block for an async function called without the wrapper:
// it returns the results, or raises the error at the caller's line.
func (r *run) blockCall(L *lua.LState, self *lua.LFunction) int {
	t := r.runBlocking(L, self)
	if t.ok {
		for _, v := range t.vals {
			L.Push(v)
		}
		return len(t.vals)
	}
	r.carryObj, r.carryTrace = t.err, t.trace
	L.Error(t.err, 0)
	return 0
}

// runBlocking runs self(args...) as a task and drives the scheduler until
// that task is done; see block.
func (r *run) runBlocking(L *lua.LState, self *lua.LFunction) *task {
	n := L.GetTop()
	args := make([]lua.LValue, n)
	for i := 1; i <= n; i++ {
		args[i-1] = L.Get(i)
	}
	c, owner := r.current, r.curTask
	t := r.newTask(owner, scopeOf(c), self, args)
	t.blocked = L
	if owner.children == nil {
		owner.children = map[*task]struct{}{}
	}
	owner.children[t] = struct{}{}
	cur := L.G.CurrentThread
	r.loop(func() bool { return t.done })
	L.G.CurrentThread = cur
	r.current, r.curTask = c, owner
	if !t.done {
		if err := r.stopError(); err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.RaiseError("script stopped")
	}
	return t
}

// frameKind classifies Go stack frames for yieldable.
type frameKind uint8

const (
	frameOther frameKind = iota + 1
	frameLoop
	frameResume
)

var resumeCoName = runtime.FuncForPC(reflect.ValueOf((*run).resumeCo).Pointer()).Name()

// yieldable reports whether the running Go function, called in L, was
// called directly by Lua code of a coroutine that the scheduler resumed, so
// that yielding is safe. gopher-lua runs a nested interpreter loop for every
// call made from Go (generic-for iterators, metamethods, table.sort
// comparators, gsub callbacks); yielding from there corrupts the coroutine.
// The Lua call frames answer that cheaply (see frameYieldable); without
// them, the Go stack does.
func (e *Engine) yieldable(L *lua.LState) bool {
	if frames.ok {
		return e.frameYieldable(L)
	}
	return e.stackYieldable()
}

// stackYieldable answers yieldable from the Go stack: it counts the
// interpreter loops between the caller and resumeCo; exactly one means the
// call came straight from the coroutine's own loop.
//
//go:noinline
func (e *Engine) stackYieldable() bool {
	// The usual stack is short: try a small buffer first.
	var small [8]uintptr
	if ok, sure := e.scanFrames(small[:runtime.Callers(4, small[:])]); sure {
		return ok
	}
	var large [64]uintptr
	ok, _ := e.scanFrames(large[:runtime.Callers(4, large[:])])
	return ok
}

// scanFrames counts interpreter loops up to resumeCo. sure is false when
// the frames end before an answer; then yielding is not known to be safe.
func (e *Engine) scanFrames(pcs []uintptr) (ok, sure bool) {
	loops := 0
	for _, pc := range pcs {
		k := e.pcs[pc]
		if k == 0 {
			k = frameOther
			if f := runtime.FuncForPC(pc - 1); f != nil {
				switch f.Name() {
				case "github.com/yuin/gopher-lua.mainLoop", "github.com/yuin/gopher-lua.mainLoopWithContext":
					k = frameLoop
				case resumeCoName:
					k = frameResume
				}
			}
			e.pcs[pc] = k
		}
		switch k {
		case frameLoop:
			loops++
			if loops > 1 {
				return false, true
			}
		case frameResume:
			return loops == 1, true
		}
	}
	return false, false
}

// yielding makes a Lua function whose Go part may park the coroutine: impl
// runs in a yieldable context, otherwise the call runs as a blocking task.
// impl returns like an LGFunction whose first result is a status code, or
// yields the marker after arranging for the coroutine to be woken with one.
func (e *Engine) yielding(L *lua.LState, impl func(L *lua.LState, r *run) int) *lua.LFunction {
	var self *lua.LFunction
	raw := L.NewFunction(func(L *lua.LState) int {
		r := e.run
		if r == nil || r.current == nil {
			L.RaiseError("this function can only be called while a script runs")
		}
		if !e.yieldable(L) {
			return r.block(L, self)
		}
		return impl(L, r)
	})
	L.Push(e.wrapper)
	L.Push(raw)
	L.Call(1, 1)
	self = L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return self
}

// checkFn is the Lua-side half of every yielding function: it turns the
// status code into results or an error raised at the script's line.
func (e *Engine) checkFn(L *lua.LState) int {
	st, _ := L.Get(1).(lua.LNumber)
	switch int(st) {
	case stOK:
		return L.GetTop() - 1
	case stRaisePos:
		r := e.run
		L.Error(lua.LString(positioned(r.curTask, L, L.Get(2).String())), 0)
	case stRaise:
		L.Error(L.Get(2), 0)
	case stHandler:
		h, errObj := L.Get(2), L.Get(3)
		L.Push(h)
		L.Push(errObj)
		if err := L.PCall(1, 1, nil); err != nil {
			L.Push(lua.LFalse)
			L.Push(lua.LString("error in error handling"))
			return 2
		}
		res := L.Get(-1)
		L.Push(lua.LFalse)
		L.Push(res)
		return 2
	}
	L.RaiseError("engine: bad status")
	return 0
}

// positioned prefixes msg with the script position of L, when there is
// one. A task that runs a call for a coroutine that could not yield (see
// block) has no script frames of its own: given that task as t, the
// position is where that coroutine waits.
func positioned(t *task, L *lua.LState, msg string) string {
	pos := where(L)
	for ; pos == "" && t != nil && t.blocked != nil; t = t.parent {
		pos = where(t.blocked)
	}
	if pos != "" {
		return pos + " " + msg
	}
	return msg
}

// where returns "source:line:" of the innermost script frame: the caller
// of a running Go function, or where a parked coroutine waits.
func where(L *lua.LState) string {
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return ""
		}
		if _, err := L.GetInfo("Sl", dbg, nil); err != nil {
			continue
		}
		if dbg.What == "G" || dbg.Source == internalChunk || dbg.CurrentLine <= 0 {
			continue
		}
		return fmt.Sprintf("%s:%d:", dbg.Source, dbg.CurrentLine)
	}
}

// panicHook replaces gopher-lua's panic function in every coroutine to
// record the Lua traceback of an error before the stack unwinds.
func (e *Engine) panicHook(L *lua.LState) {
	obj := L.Get(-1)
	if s, ok := obj.(lua.LString); ok && strings.HasPrefix(string(s), internalChunk+":") {
		// error() called straight from the engine's trampoline, as in
		// pcall(error, "x"): like Lua, report no position.
		if _, rest, found := strings.Cut(string(s)[len(internalChunk)+1:], ": "); found {
			obj = lua.LString(rest)
		}
	}
	if r := e.run; r != nil {
		if r.carryObj != nil && r.carryObj == obj {
			r.lastTrace = r.carryTrace
		} else {
			r.lastTrace = r.traceback(L)
		}
		r.lastObj = obj
	}
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: obj})
}

// traceback renders the Lua stack of L and of the coroutines below it.
func (r *run) traceback(L *lua.LState) string {
	var b strings.Builder
	b.WriteString("stack traceback:")
	threads := []*lua.LState{L}
	for c := r.current; c != nil; c = c.parent {
		if c.th != L {
			threads = append(threads, c.th)
		}
	}
	prev, lines := "", 0
	for _, th := range threads {
		for level := 0; level < 200; level++ {
			dbg, ok := th.GetStack(level)
			if !ok {
				break
			}
			if _, err := th.GetInfo("Snl", dbg, nil); err != nil {
				continue
			}
			if dbg.Source == internalChunk || dbg.What == "G" {
				continue
			}
			line := fmt.Sprintf("\n\t%s:%d: in ", dbg.Source, dbg.CurrentLine)
			switch {
			case dbg.What == "main":
				line += "main chunk"
			case dbg.Name != "":
				line += fmt.Sprintf("function '%s'", dbg.Name)
			default:
				line += fmt.Sprintf("function <%s:%d>", dbg.Source, dbg.LineDefined)
			}
			if line != prev {
				b.WriteString(line)
				lines++
			}
			prev = line
		}
	}
	if lines == 0 {
		return ""
	}
	return b.String()
}

// sortedKeys returns the keys of a gather table in a stable order.
func sortedKeys(t *lua.LTable) []lua.LValue {
	var keys []lua.LValue
	t.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
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
	return keys
}

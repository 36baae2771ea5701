package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

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
	pend     *pending    // the call with a completion in flight, if any
	blocked  *lua.LState // the thread waiting in runBlocking for this task

	// Where the call in flight was made, when known (see callSite).
	site     *lua.FunctionProto
	sitePC   int
	spawned  bool
	observed bool

	done, dead bool
	ok         bool
	vals       []lua.LValue
	first      [1]lua.LValue // a gather branch's vals (see step)
	direct     bool          // the call in flight ends the branch (see endsWithCall)
	err        lua.LValue
	trace      string
	handle     *lua.LUserData
}

// gatherForm is how a gather was called, and so how it returns.
type gatherForm uint8

const (
	gatherArgs gatherForm = iota // gather(f1, f2, ...): the results, in order
	gatherList                   // gather({f1, f2, ...}): a list of the results
	gatherKeys                   // gather({k = f, ...}): a table with the same keys
)

// group is one gather in progress.
type group struct {
	parent    *task
	branches  []*task
	form      gatherForm
	keys      []lua.LValue // the table's keys, sorted, for gatherKeys
	results   []lua.LValue
	remaining int
	finished  bool
	cancel    context.CancelCauseFunc
	slab      *slab
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
	unstarted   int          // gather branches queued without a thread (see step)
	argbuf      []lua.LValue // resume arguments, reused
	resbuf      []lua.LValue // what a resumed thread yields or returns, reused
	strs        stringBoxes  // strings passed to async calls (see beginCall)
	outstanding int
	settling    atomic.Int32 // pins telling their calls, off this goroutine
	started     bool         // coroutines ran, not for call results, since onWait
	current     *co
	curTask     *task
	root        *task
	stopped     bool
	stopErr     error
	failed      []*task // spawned tasks that failed
	completions completions

	causes []error // Go errors raised in the script, latest last (see noteCause)

	lastObj    lua.LValue
	lastTrace  string
	carryObj   lua.LValue
	carryTrace string
}

// ErrTimeout is wrapped by the error of a script stopped by Options.Timeout.
var ErrTimeout = errors.New("script timed out")

// timeoutError is the cause of a run stopped by Options.Timeout: both
// ErrTimeout and context.DeadlineExceeded, as for a context deadline.
type timeoutError struct{ d time.Duration }

func (t timeoutError) Error() string { return fmt.Sprintf("%s after %s", ErrTimeout, t.d) }

func (t timeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

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
	stopClose := context.AfterFunc(e.closing, func() { cancel(context.Cause(e.closing)) })
	defer stopClose()
	runCtx := ctx
	if e.opts.Timeout > 0 {
		var tcancel context.CancelFunc
		runCtx, tcancel = context.WithTimeoutCause(ctx, e.opts.Timeout, timeoutError{e.opts.Timeout})
		defer tcancel()
	}
	r := &run{
		e:       e,
		L:       e.state,
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

	rootCtx := withRunPin(runCtx, r, e.opts.Pinner)
	root := r.newTask(nil, rootCtx, fn, args)
	r.root = root
	r.loop(func() bool { return root.done })

	if err := r.stopError(); err != nil && (!root.done || !root.ok) {
		var se *Error
		if errors.As(err, &se) {
			if pos := r.stopPosition(root); pos != "" {
				se.Message = pos + " " + se.Message
			}
		}
		return nil, err
	}
	if !root.ok {
		err := e.runError(root.err, root.trace)
		err.cause = r.causeOf(err.Message)
		return nil, err
	}
	return &Result{Values: root.vals}, nil
}

// maxCauses bounds the Go errors a run remembers for causeOf: the script's
// own error is almost always one of the last few raised.
const maxCauses = 64

// noteCause remembers a Go error raised in the script as a Lua string, so
// that the run's error can carry it if the script does not catch it.
func (r *run) noteCause(err error) {
	if len(r.causes) == maxCauses {
		copy(r.causes, r.causes[1:])
		r.causes = r.causes[:maxCauses-1]
	}
	r.causes = append(r.causes, err)
}

// causeOf returns the Go error behind an uncaught Lua error message: the
// latest one raised whose text the message is, or ends with after a
// position or a gather's "branch failed" prefix. A Lua error carries only
// text, so text is what ties it to its cause; an error the script caught
// and raised again unchanged keeps its cause, one it rewrote does not.
func (r *run) causeOf(msg string) error {
	for i := len(r.causes) - 1; i >= 0; i-- {
		text := r.causes[i].Error()
		if text != "" && (msg == text || strings.HasSuffix(msg, ": "+text)) {
			return r.causes[i]
		}
	}
	return nil
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

// stopPosition returns "file:line:" of where the script was when the run
// was stopped (by its timeout, memory limit or context), or "".
func (r *run) stopPosition(root *task) string {
	if root.done {
		if m := tracePosition.FindStringSubmatch(root.trace); m != nil {
			return m[1] + ":"
		}
		return ""
	}
	for c := root.top; c != nil; c = c.parent {
		if c.th != nil {
			if pos := where(c.th); pos != "" {
				return pos
			}
		}
	}
	return ""
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
		r.takeCompletions()
		if len(r.ready) > r.head {
			// Take results that are already in without blocking, so a busy
			// coroutine cannot starve the others.
			select {
			case res := <-r.results:
				r.deliver(res)
			default:
			}
			item := r.pop()
			if item.call && r.started {
				// The script has started all it can before answers come:
				// the calls it queued go now, not when the answers that
				// came meanwhile have all been handled.
				r.onWait()
			}
			r.started = r.started || !item.call
			r.step(item)
			continue
		}
		if r.outstanding == 0 {
			r.stopErr = ErrDeadlock
			r.stopped = true
			return
		}
		r.onWait()
		// A plain receive: the end of the run's context sends a wake-up
		// (see execute), as a select on both would cost more than the
		// receive itself, every time the script waits.
		r.deliver(<-r.results)
		r.takeCompletions()
	}
}

// onWait calls the OnWait functions, unless a pin is telling its calls
// off this goroutine (see pinCell.settle), which nudges the run when done.
func (r *run) onWait() {
	if r.settling.Load() != 0 {
		return
	}
	r.started = false
	for _, f := range r.e.onWait {
		f()
	}
}

// nudge makes the scheduler, if it waits, look again at what it has to do
// and call the OnWait functions: calls were started off its goroutine
// (see pinCell.settle). A full results channel has it busy already.
func (r *run) nudge() {
	select {
	case r.results <- callResult{}:
	default:
	}
}

// deliver wakes the task of a call result. A result without a task is the
// wake-up sent when the run's context ends.
func (r *run) deliver(res callResult) {
	if res.t == nil {
		return
	}
	r.outstanding--
	res.t.pend = nil
	if !res.t.done {
		r.push(readyItem{t: res.t, call: true, res: res.vals, err: res.err})
	}
}

// step resumes the innermost coroutine of a task.
func (r *run) step(item readyItem) {
	t := item.t
	if t.done {
		return
	}
	c := t.top
	if c.th == nil {
		if c.started {
			r.endWithCall(t, c, item)
			return
		}
		// A gather branch starting: those queued after it will want
		// threads too.
		c.th = r.e.newThread(r.unstarted)
		r.unstarted--
	}
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
		if item.err != nil {
			r.noteCause(item.err)
		}
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
			if t.direct && t.top == c {
				// A gather branch that only returns its call's results
				// (see endsWithCall) will run no more Lua: its thread
				// goes back to the pool while the call is in flight,
				// and the call's outcome ends it (see endWithCall).
				c.th.Abandon()
				r.e.recycle(c.th)
				c.th = nil
				r.e.directEnds++
			}
			return // parked; whoever parked it wakes it
		}
		r.finishCo(t, c, false, nil, lua.LString("attempt to yield from outside a coroutine"), "")
	case lua.ResumeOK:
		// The trampoline returns true before the results, so that no
		// results can be told from one nil.
		if c.kind != coUser { // the script may still hold a coroutine
			r.e.recycle(c.th)
			c.th = nil
		}
		switch {
		case c.kind == coTask && t.group != nil:
			// Its gather keeps a branch's first result only: in the
			// branch's record, not a copy of them all.
			if len(vals) > 1 {
				vals = append(t.first[:0], vals[1])
			} else {
				vals = nil
			}
		case len(vals) > 0:
			vals = slices.Clone(vals[1:]) // vals is r.resbuf, reused
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

// endWithCall ends gather branch t, whose thread was let go when it
// parked in a call that ends it, with the call's outcome: its first
// result, or the call's error raised where the call was made.
func (r *run) endWithCall(t *task, c *co, item readyItem) {
	if item.err != nil {
		r.noteCause(item.err)
	}
	vals, err := r.callResults(r.argbuf[:0], item, lua.MultRet)
	if err != nil {
		r.failCall(t, c, err)
		return
	}
	var first []lua.LValue
	if len(vals) > 0 {
		first = append(t.first[:0], vals[0])
	}
	clear(vals)
	r.argbuf = vals[:0]
	r.finishCo(t, c, true, first, nil, "")
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
	st, err, vals := L.ResumeAppend(r.resbuf[:0], c.th, fn, args...)
	r.resbuf = vals[:0]
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

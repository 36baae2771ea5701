package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
)

// Calls with a completion: a call that hands its work to something that
// already runs (a batcher, a request in flight) and is told when it ends,
// so that a waiting call costs a small record, not a goroutine.

// StartFunc is an asynchronous function callable from Lua that needs no
// goroutine of its own: it runs on the engine's goroutine, must return
// promptly (start the work, never wait for it), and calls done exactly
// once, from any goroutine, with the results or the error, as Func
// returns them. Calls after the first are ignored. ctx is that of a Func;
// when it ends before done is called, the call fails with its cause and a
// later done is ignored, so the work need not watch ctx for the call to
// stop waiting. A panic in fn becomes the call's error. Calls with a
// completion do not count against Options.MaxConcurrency, which bounds
// goroutines.
type StartFunc func(ctx context.Context, args []any, done func(vals []any, err error))

// LuaValue makes a StartFunc a Lua function of the engine of L, so that
// Module.Value and ToLua accept one.
func (f StartFunc) LuaValue(L *lua.LState) lua.LValue {
	e := engineOf(L)
	if e == nil || f == nil {
		return lua.LNil
	}
	return e.startFunction(L, f)
}

// Start adds a function field that calls fn with a completion (see
// StartFunc) and returns m.
func (m *Module) Start(name string, fn StartFunc) *Module {
	if fn == nil {
		panic("engine: nil StartFunc")
	}
	return m.Value(name, fn)
}

// startFunction is AsyncFunction for a StartFunc.
func (e *Engine) startFunction(L *lua.LState, fn StartFunc) *lua.LFunction {
	return e.asyncEntry(L, func(r *run, L *lua.LState, nret int) int { return r.startCompletion(L, fn, nret) })
}

// completions is the queue of finished calls with a completion, filled by
// any goroutine and emptied by the scheduler. A completion wakes the
// scheduler with an empty result on run.results only when the queue was
// empty and the channel has room: a full channel means the scheduler has
// results to take, after each of which it empties this queue.
type completions struct {
	mu      sync.Mutex
	pending atomic.Bool
	items   []callResult
	spare   []callResult
}

// pending is a call with a completion in flight: what its done needs.
type pending struct {
	r     *run
	t     *task
	fired atomic.Bool
	stop  func() bool // stops the watch on ctx
	argv  [4]any      // the call's arguments, when they fit: one allocation less
}

// complete queues the outcome of p, once: it is the done of the call.
func (p *pending) complete(vals []any, err error) {
	if !p.fired.CompareAndSwap(false, true) {
		return
	}
	if p.stop != nil {
		p.stop()
	}
	if err == nil {
		err = p.r.e.build(vals)
	}
	p.queue(vals, err)
}

// expire ends p when its context ends first. It does not touch p.stop,
// which its caller may still be setting.
func (p *pending) expire(err error) {
	if p.fired.CompareAndSwap(false, true) {
		p.queue(nil, err)
	}
}

func (p *pending) queue(vals []any, err error) {
	r := p.r
	q := &r.completions
	q.mu.Lock()
	q.items = append(q.items, callResult{t: p.t, vals: vals, err: err})
	first := !q.pending.Swap(true)
	q.mu.Unlock()
	if first {
		select {
		case r.results <- callResult{}:
		default:
		}
	}
}

// startCompletion starts fn for the current coroutine and parks it until
// done is called; see startCall.
func (r *run) startCompletion(L *lua.LState, fn StartFunc, nret int) int {
	p := &pending{r: r}
	args, t, ctx := r.beginCall(L, nret, p.argv[:0])
	p.t = t
	t.direct = nret == lua.MultRet && t.group != nil && t.top.kind == coTask && t.top.parent == nil &&
		t.top.th == L && r.e.endsWithCall(L)
	if ctx.Err() != nil {
		p.complete(nil, context.Cause(ctx))
		return L.Yield(r.e.marker)
	}
	t.pend = p
	if r.mayExpire(ctx) {
		p.stop = context.AfterFunc(ctx, func() { p.expire(context.Cause(ctx)) })
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				p.complete(nil, fmt.Errorf("panic in async function: %v", v))
			}
		}()
		fn(ctx, args, p.complete)
	}()
	return L.Yield(r.e.marker)
}

// mayExpire reports whether a call's context can end while the run goes
// on and the call's task lives: only by a deadline before the run's own
// (a timeout scope). Every other end is the engine's doing — a killed
// task (kill expires its call), a gather that failed (its branches are
// killed) — or the run's, which stops the run and drops what is in
// flight. Watching each call's context costs a timer-free AfterFunc, an
// entry in the parent context's set of children, and its removal: a
// tenth of the engine's time in a gather of 100,000 reads.
func (r *run) mayExpire(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	if !ok {
		return false
	}
	rd, rok := r.ctx.Deadline()
	return !rok || d.Before(rd)
}

// takeCompletions moves finished calls with a completion to the ready
// queue.
func (r *run) takeCompletions() {
	q := &r.completions
	if !q.pending.Load() {
		return
	}
	q.mu.Lock()
	items := q.items
	q.items = q.spare[:0]
	q.pending.Store(false)
	q.mu.Unlock()
	for i, res := range items {
		r.deliver(res)
		items[i] = callResult{}
	}
	q.spare = items[:0]
}

package engine

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Async calls: starting one from a coroutine, converting its results,
// and calls from frames that cannot yield (see block).

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
	switch p, pc := t.site, t.sitePC; {
	case p != nil && pc >= 1 && pc <= len(p.DbgSourcePositions):
		msg = lua.LString(fmt.Sprintf("%s:%d: %s", p.SourceName, p.DbgSourcePositions[pc-1], err.Error()))
	case c.th == nil:
		msg = lua.LString(err.Error())
	default:
		msg = lua.LString(positioned(t, c.th, err.Error()))
	}
	// A thread let go at its call (see endWithCall) had no script frames
	// left: its function was the call's caller, and a tail call had
	// replaced it.
	trace := ""
	if c.th != nil {
		prev := r.current
		r.current = c
		trace = r.traceback(c.th)
		r.current = prev
	}
	r.finishCo(t, c, false, nil, msg, trace)
}

// nretWrapped is task.nret for a call made through the Lua wrapper, which
// takes a status code and the results.
const nretWrapped = -2

// beginCall takes the arguments of an async call of the current
// coroutine as Go values, in buf when they fit, and counts the call as
// outstanding; nret is how the coroutine resumes (see startCall).
func (r *run) beginCall(L *lua.LState, nret int, buf []any) ([]any, *task, context.Context) {
	n := L.GetTop()
	var args []any
	if n <= cap(buf) {
		args = buf[:n]
	} else {
		args = make([]any, n)
	}
	for i := 1; i <= n; i++ {
		v := L.Get(i)
		if s, ok := v.(lua.LString); ok {
			args[i-1] = r.strs.box(string(s))
		} else {
			args[i-1] = ToGo(v)
		}
	}
	t := r.curTask
	t.nret = nret
	r.outstanding++
	return args, t, scopeOf(r.current)
}

// startCall starts an async Go call for the current coroutine and parks it
// until the result comes. nret says how the coroutine resumes: with nret
// results (lua.MultRet: all of them), or nretWrapped.
func (r *run) startCall(L *lua.LState, fn Func, nret int) int {
	args, t, ctx := r.beginCall(L, nret, nil)
	e := r.e
	e.calls.Add(1)
	results, done := r.results, r.done
	go func() {
		defer e.calls.Done()
		vals, err := e.invoke(ctx, fn, args)
		if err == nil {
			err = e.build(vals)
		}
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

// stringBoxes keeps the last strings passed to async calls as Go values:
// making a string a Go interface value allocates, and a gather's calls pass
// the same few strings (a pallet and an item) a hundred thousand times. A
// string is the same one when its bytes are at the same place, as a
// constant of the script's code is. A miss replaces a string not passed
// since the clock hand last came by, so that each call's own strings (an
// address) do not push out the pallet and item every call repeats.
type stringBoxes struct {
	s    [4]string
	v    [4]any
	used [4]bool
	hand int
}

func (b *stringBoxes) box(s string) any {
	for i := range b.s {
		if len(b.s[i]) == len(s) && unsafe.StringData(b.s[i]) == unsafe.StringData(s) && b.v[i] != nil {
			b.used[i] = true
			return b.v[i]
		}
	}
	for b.used[b.hand] { // at most one turn: each step clears a mark
		b.used[b.hand] = false
		b.hand = (b.hand + 1) % len(b.s)
	}
	i := b.hand
	b.hand = (b.hand + 1) % len(b.s)
	b.s[i], b.v[i] = s, s
	return b.v[i]
}

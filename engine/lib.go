package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
	"weak"

	lua "github.com/yuin/gopher-lua"
)

// internalChunk names the engine's own Lua code; its frames are skipped in
// error positions and tracebacks.
const internalChunk = "<btscript>"

const prelude = `
local check = ...
local M = {}
function M.wrapper(raw)
  return function(...) return check(raw(...)) end
end
function M.body(f, ...)
  return true, f(...)
end
function M.wrap(create, resume, wrapret)
  return function(f)
    local co = create(f)
    return function(...) return wrapret(resume(co, ...)) end
  end
end
return M
`

// userCoro is a coroutine created by the script with coroutine.create.
// While it runs, its chain of frames sits on top of its resumer's task;
// while suspended, top remembers the innermost frame.
type userCoro struct {
	body *co
	top  *co
	dead bool
	run  *run
}

func (e *Engine) coros() map[coroKey]*userCoro { return e.coroMap }

// coroKey names a script's coroutine without keeping it alive: a
// coroutine the script drops while suspended is collected while the run
// goes on, and its entry removed (see coroGone). While suspended, its
// records hold its thread only through this key; resume attaches it again.
type coroKey = weak.Pointer[lua.LState]

// coroGone is the cleanup of a collected coroutine thread. It runs on the
// runtime's cleanup goroutine, so it only queues the key for sweepCoros.
func (e *Engine) coroGone(k coroKey) {
	e.goneMu.Lock()
	e.gone = append(e.gone, k)
	e.goneMu.Unlock()
}

// sweepCoros drops the entries of collected coroutines.
func (e *Engine) sweepCoros() {
	e.goneMu.Lock()
	gone := e.gone
	e.gone = nil
	e.goneMu.Unlock()
	for _, k := range gone {
		delete(e.coroMap, k)
	}
}

// init opens the sandboxed libraries and installs the engine's globals.
// Runs on the owner goroutine.
func (e *Engine) init() {
	L := e.state
	// Threads are made with the main state's options (see newThread): a
	// coroutine starts with a smaller value stack, unless one was asked for.
	if e.opts.RegistrySize == DefaultRegistrySize {
		L.Options.RegistrySize = threadRegistrySize
	}
	e.marker = L.NewUserData()
	e.coroMap = map[coroKey]*userCoro{}

	libs := []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.OsLibName, lua.OpenOs},
		{lua.DebugLibName, lua.OpenDebug},
	}
	if e.opts.AllowIO {
		libs = append(libs,
			struct {
				name string
				fn   lua.LGFunction
			}{lua.LoadLibName, lua.OpenPackage},
			struct {
				name string
				fn   lua.LGFunction
			}{lua.IoLibName, lua.OpenIo})
	}
	for _, lib := range libs {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}

	g := L.G.Global
	g.RawSetString("_printregs", lua.LNil)
	if e.opts.AllowIO {
		umaskedOpen(L)
	}
	if !e.opts.AllowIO {
		for _, name := range []string{"dofile", "loadfile", "require", "module"} {
			g.RawSetString(name, lua.LNil)
		}
		osTbl := L.GetGlobal("os").(*lua.LTable)
		safe := L.NewTable()
		for _, name := range []string{"time", "clock", "date", "difftime"} {
			safe.RawSetString(name, osTbl.RawGetString(name))
		}
		L.SetGlobal("os", safe)
	}
	dbg := L.GetGlobal("debug").(*lua.LTable)
	onlyTrace := L.NewTable()
	onlyTrace.RawSetString("traceback", dbg.RawGetString("traceback"))
	L.SetGlobal("debug", onlyTrace)

	// print writes to Options.Stdout.
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		var b strings.Builder
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				b.WriteByte('\t')
			}
			b.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		b.WriteByte('\n')
		fmt.Fprint(e.opts.Stdout, b.String())
		return 0
	}))

	// Text chunks only, compiled as scripts are (checked concatenation).
	loadText := func(L *lua.LState, code, name string) int {
		if strings.HasPrefix(code, "\x1b") {
			L.Push(lua.LNil)
			L.Push(lua.LString("binary chunks are not allowed"))
			return 2
		}
		proto, err := compileChecked(code, name)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(syntaxMessage(err)))
			return 2
		}
		L.Push(L.NewFunctionFromProto(proto))
		return 1
	}
	L.SetGlobal("loadstring", L.NewFunction(func(L *lua.LState) int {
		return loadText(L, L.CheckString(1), L.OptString(2, "<string>"))
	}))
	// load takes text, as in Lua 5.2 and later, or a reader function whose
	// pieces are measured as they come.
	L.SetGlobal("load", L.NewFunction(func(L *lua.LState) int {
		if code, ok := L.Get(1).(lua.LString); ok {
			return loadText(L, string(code), L.OptString(2, "<string>"))
		}
		reader := L.CheckFunction(1)
		name := L.OptString(2, "=(load)")
		var b strings.Builder
		for {
			L.Push(reader)
			L.Call(0, 1)
			piece := L.Get(-1)
			L.Pop(1)
			s, ok := piece.(lua.LString)
			if piece == lua.LNil || ok && s == "" {
				break
			}
			if !ok {
				L.Push(lua.LNil)
				L.Push(lua.LString("reader function must return a string"))
				return 2
			}
			e.checkAlloc(L, "load", 2*int64(b.Len()+len(s)))
			b.WriteString(string(s))
		}
		return loadText(L, b.String(), name)
	}))
	if e.opts.AllowIO {
		e.openFileLoaders(L)
	}
	L.SetGlobal(concatName, L.NewFunction(e.concat))
	L.SetGlobal(cmpName, L.NewFunction(compare))

	e.openStrings(L)
	L.NewTypeMetatable(ArrayTypeName).RawSetString("__name", lua.LString(ArrayTypeName))
	engineUD := L.NewUserData()
	engineUD.Value = e
	L.G.Registry.RawSetString(engineKey, engineUD)

	e.openInt(L)
	e.builder = newBuilder(L)
	tonumber := L.GetGlobal("tonumber").(*lua.LFunction)
	L.SetGlobal("tonumber", L.NewFunction(func(L *lua.LState) int {
		if ud, ok := L.Get(1).(*lua.LUserData); ok && isIntUD(ud) {
			b, _ := ToInt(ud)
			L.Push(intToFloat(b))
			return 1
		}
		top := L.GetTop()
		L.Push(tonumber)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 1)
		return 1
	}))

	// The prelude: wrapper factory, coroutine trampoline, coroutine.wrap.
	e.check = L.NewFunction(e.checkFn)
	e.hook = e.panicHook // one method value, not one per coroutine
	fn, err := L.Load(strings.NewReader(prelude), internalChunk)
	if err != nil {
		panic("engine: prelude: " + err.Error())
	}
	L.Push(fn)
	L.Push(e.check)
	L.Call(1, 1)
	m := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	e.wrapper = m.RawGetString("wrapper").(*lua.LFunction)
	e.body = m.RawGetString("body").(*lua.LFunction)

	e.openControl(L)
	e.openCoroutine(L, m.RawGetString("wrap").(*lua.LFunction))
}

// raise raises msg at the script's current line.
func raise(L *lua.LState, format string, args ...any) {
	L.Error(lua.LString(positioned(nil, L, fmt.Sprintf(format, args...))), 0)
}

// pushChild runs fn(args...) as a child coroutine of the current one and
// parks the current one until the child finishes.
func (r *run) pushChild(L *lua.LState, c *co, args []lua.LValue) int {
	t := r.curTask
	c.th, c.parent = r.e.newThread(1), r.current
	t.top = c
	r.enqueue(t, args, "")
	return L.Yield(r.e.marker)
}

func argsFrom(L *lua.LState, from int) []lua.LValue {
	n := L.GetTop()
	if n < from {
		return nil
	}
	out := make([]lua.LValue, 0, n-from+1)
	for i := from; i <= n; i++ {
		out = append(out, L.Get(i))
	}
	return out
}

// checkSeconds reads a duration in seconds.
func checkSeconds(L *lua.LState, n int, fname string) time.Duration {
	v, ok := L.Get(n).(lua.LNumber)
	f := float64(v)
	if !ok || math.IsNaN(f) || f < 0 || f > 1e9 {
		raise(L, "%s: seconds must be a non-negative number, got %s", fname, L.Get(n).String())
	}
	return time.Duration(f * float64(time.Second))
}

// openControl installs pcall, xpcall, gather, spawn, sleep, timeout, at.
func (e *Engine) openControl(L *lua.LState) {
	L.SetGlobal("pcall", e.yielding(L, func(L *lua.LState, r *run) int {
		if L.GetTop() < 1 {
			raise(L, "bad argument #1 to 'pcall' (value expected)")
		}
		return r.pushChild(L, &co{kind: coPcall, fn: L.Get(1)}, argsFrom(L, 2))
	}))
	L.SetGlobal("xpcall", e.yielding(L, func(L *lua.LState, r *run) int {
		if L.GetTop() < 2 {
			raise(L, "bad argument #2 to 'xpcall' (value expected)")
		}
		return r.pushChild(L, &co{kind: coXpcall, fn: L.Get(1), handler: L.Get(2)}, argsFrom(L, 3))
	}))
	L.SetGlobal("at", e.yielding(L, func(L *lua.LState, r *run) int {
		pinner := e.opts.Pinner
		if pinner == nil {
			raise(L, "at: %s", errNoPinner)
		}
		var block any
		switch v := L.Get(1).(type) {
		case lua.LString:
			block = string(v)
		default:
			b, ok := ToInt(v)
			if !ok {
				raise(L, "at: block must be a hash string or an integer block number, got %s", describe(v))
			}
			if b.IsInt64() {
				block = b.Int64()
			} else {
				block = b
			}
		}
		if _, ok := L.Get(2).(*lua.LFunction); !ok {
			raise(L, "at: argument 2 must be a function, got %s", L.Get(2).Type().String())
		}
		parent := scopeOf(r.current)
		cell := newPinCell(parent, r, func(ctx context.Context) (string, error) { return pinner.Resolve(ctx, block) })
		ctx, cancel := context.WithCancel(context.WithValue(parent, pinKey{}, cell))
		return r.pushChild(L, &co{kind: coScope, fn: L.Get(2), ctx: ctx, cancel: cancel}, argsFrom(L, 3))
	}))
	L.SetGlobal("timeout", e.yielding(L, func(L *lua.LState, r *run) int {
		d := checkSeconds(L, 1, "timeout")
		if _, ok := L.Get(2).(*lua.LFunction); !ok {
			raise(L, "timeout: argument 2 must be a function, got %s", L.Get(2).Type().String())
		}
		ctx, cancel := context.WithTimeout(scopeOf(r.current), d)
		return r.pushChild(L, &co{kind: coScope, fn: L.Get(2), ctx: ctx, cancel: cancel, timeout: max(d, 1)}, argsFrom(L, 3))
	}))
	L.SetGlobal("sleep", e.AsyncFunction(L, func(ctx context.Context, args []any) ([]any, error) {
		var secs float64
		switch v := firstArg(args).(type) {
		case int64:
			secs = float64(v)
		case float64:
			secs = v
		default:
			return nil, fmt.Errorf("sleep: seconds must be a number, got %v", v)
		}
		if math.IsNaN(secs) || secs < 0 || secs > 1e9 {
			return nil, fmt.Errorf("sleep: seconds must be non-negative, got %v", secs)
		}
		timer := time.NewTimer(time.Duration(secs * float64(time.Second)))
		defer timer.Stop()
		select {
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}))
	L.SetGlobal("gather", e.yielding(L, func(L *lua.LState, r *run) int { return r.gather(L) }))

	taskMT := L.NewTypeMetatable("btscript.Task")
	methods := L.NewTable()
	taskMT.RawSetString("__index", methods)
	taskMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(fmt.Sprintf("task: %p", L.CheckUserData(1).Value)))
		return 1
	}))
	checkTask := func(L *lua.LState) *task {
		ud, ok := L.Get(1).(*lua.LUserData)
		if ok {
			if t, ok := ud.Value.(*task); ok {
				return t
			}
		}
		raise(L, "task expected, got %s", L.Get(1).Type().String())
		return nil
	}
	methods.RawSetString("wait", e.yielding(L, func(L *lua.LState, r *run) int {
		t := checkTask(L)
		t.observed = true
		if !t.done {
			if t == r.curTask {
				raise(L, "task:wait: a task cannot wait for itself")
			}
			t.waiters = append(t.waiters, r.curTask)
			return L.Yield(e.marker)
		}
		if !t.ok {
			r.carryObj, r.carryTrace = t.err, t.trace
			L.Push(lua.LNumber(stRaise))
			L.Push(t.err)
			return 2
		}
		L.Push(lua.LNumber(stOK))
		for _, v := range t.vals {
			L.Push(v)
		}
		return len(t.vals) + 1
	}))
	methods.RawSetString("cancel", L.NewFunction(func(L *lua.LState) int {
		t := checkTask(L)
		if r := e.run; r != nil {
			t.observed = true
			r.kill(t, "task cancelled")
		}
		return 0
	}))
	methods.RawSetString("done", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(checkTask(L).done))
		return 1
	}))
	L.SetGlobal("spawn", L.NewFunction(func(L *lua.LState) int {
		r := e.run
		if r == nil || r.current == nil {
			L.RaiseError("spawn can only be called while a script runs")
		}
		if _, ok := L.Get(1).(*lua.LFunction); !ok {
			raise(L, "spawn: argument 1 must be a function, got %s", L.Get(1).Type().String())
		}
		ctx := context.Context(r.ctx)
		if p := pinFrom(scopeOf(r.current)); p != nil {
			ctx = context.WithValue(ctx, pinKey{}, p)
		}
		owner := r.curTask
		t := r.newTask(owner, ctx, L.Get(1), argsFrom(L, 2))
		t.spawned = true
		if owner.children == nil {
			owner.children = map[*task]struct{}{}
		}
		owner.children[t] = struct{}{}
		ud := L.NewUserData()
		ud.Value = t
		ud.Metatable = taskMT
		t.handle = ud
		L.Push(ud)
		return 1
	}))
}

// noCancel is the cancel function of gather branches, which share the
// gather's context.
func noCancel(error) {}

func firstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

// gather starts one task per branch and parks the caller until they all
// finish or one fails.
func (r *run) gather(L *lua.LState) int {
	var fns, keys []lua.LValue
	form := gatherArgs
	if tbl, ok := L.Get(1).(*lua.LTable); ok && L.GetTop() == 1 {
		form = gatherList
		if fns = r.e.listFunctions(tbl); fns != nil {
			defer clear(fns) // the engine's scratch: hold no functions after
		} else {
			var list bool
			if keys, list = sortedKeys(tbl); !list {
				form = gatherKeys
			}
			fns = make([]lua.LValue, 0, len(keys))
			for _, k := range keys {
				f := tbl.RawGet(k)
				if _, ok := f.(*lua.LFunction); !ok {
					raise(L, "gather: field %s is not a function (got %s)", quoteKey(k), f.Type().String())
				}
				fns = append(fns, f)
			}
		}
	} else {
		fns = make([]lua.LValue, 0, L.GetTop())
		for i := 1; i <= L.GetTop(); i++ {
			f := L.Get(i)
			if _, ok := f.(*lua.LFunction); !ok {
				raise(L, "gather: argument %d is not a function (got %s)", i, f.Type().String())
			}
			fns = append(fns, f)
		}
	}
	if len(fns) == 0 {
		L.Push(lua.LNumber(stOK))
		if form != gatherArgs {
			L.Push(L.NewTable())
			return 2
		}
		return 1
	}
	r.e.checkAlloc(L, "gather", int64(len(fns))*branchBytes)
	ctx, cancel := context.WithCancelCause(withHeadPin(scopeOf(r.current), r, r.e.opts.Pinner))
	parent := r.curTask
	slab := r.e.takeSlab(len(fns))
	g := &group{parent: parent, form: form, keys: keys, results: slab.results, branches: slab.branches,
		remaining: len(fns), cancel: cancel, slab: slab}
	// Room in the ready queue for every branch at once: grown by append,
	// the queue of a first gather of 100,000 was copied over and over
	// (48 MB of copies for a 10 MB queue).
	r.ready = slices.Grow(r.ready, len(fns))
	r.unstarted += len(fns)
	for i, f := range fns {
		// The slab is zeroed: set only the fields that are not. A branch
		// gets its thread when it starts (see step).
		b, c := &slab.tasks[i], &slab.cos[i]
		c.kind, c.fn, c.ctx = coTask, f, ctx
		b.top, b.cancel, b.group, b.index = c, noCancel, g, i
		g.branches[i] = b
		g.results[i] = lua.LNil
		r.enqueue(b, nil, "")
	}
	parent.waiting = g
	return L.Yield(r.e.marker)
}

// listFunctions returns the functions of t when t is a list of functions
// and nothing else — keys 1..n, the common form of a large gather — or
// nil. It neither makes nor sorts a key per branch, and returns them in
// the engine's scratch slice, which the caller clears when done.
func (e *Engine) listFunctions(t *lua.LTable) []lua.LValue {
	n := t.Len()
	if n == 0 {
		return nil
	}
	fns := slices.Grow(e.fnbuf[:0], n)[:n]
	e.fnbuf = fns[:0]
	for i := range fns {
		f := t.RawGetInt(i + 1)
		if _, ok := f.(*lua.LFunction); !ok {
			clear(fns[:i])
			return nil
		}
		fns[i] = f
	}
	if k, _ := t.Next(lua.LNumber(n)); k != lua.LNil {
		clear(fns)
		return nil
	}
	return fns
}

// openCoroutine installs the yield-transparent coroutine library.
func (e *Engine) openCoroutine(L *lua.LState, wrapFactory *lua.LFunction) {
	lib := L.NewTable()
	innermost := func(r *run) *co {
		for c := r.current; c != nil; c = c.parent {
			if c.kind == coUser {
				return c
			}
		}
		return nil
	}
	create := L.NewFunction(func(L *lua.LState) int {
		r := e.run
		if r == nil {
			L.RaiseError("coroutine.create can only be called while a script runs")
		}
		f, ok := L.Get(1).(*lua.LFunction)
		if !ok {
			raise(L, "bad argument #1 to 'create' (function expected, got %s)", L.Get(1).Type().String())
		}
		e.sweepCoros()
		th, _ := r.L.NewThread()
		th.Panic = e.hook
		uc := &userCoro{run: r}
		uc.body = &co{kind: coUser, fn: f, uc: uc} // th: set by resume
		uc.top = uc.body
		k := weak.Make(th)
		e.coroMap[k] = uc
		runtime.AddCleanup(th, e.coroGone, k)
		L.Push(th)
		return 1
	})
	resume := e.yielding(L, func(L *lua.LState, r *run) int {
		th, ok := L.Get(1).(*lua.LState)
		if !ok {
			raise(L, "bad argument #1 to 'resume' (coroutine expected, got %s)", L.Get(1).Type().String())
		}
		uc := e.coroMap[weak.Make(th)]
		fail := func(msg string) int {
			L.Push(lua.LNumber(stOK))
			L.Push(lua.LFalse)
			L.Push(lua.LString(msg))
			return 3
		}
		switch {
		case uc == nil || uc.dead:
			return fail("cannot resume dead coroutine")
		case uc.body.parent != nil:
			return fail("cannot resume non-suspended coroutine")
		}
		uc.run = r
		t := r.curTask
		uc.body.th = th
		uc.body.parent = r.current
		t.top = uc.top
		args := argsFrom(L, 2)
		if uc.top.started {
			args = append([]lua.LValue{lua.LNumber(stOK)}, args...)
		}
		r.enqueue(t, args, "")
		return L.Yield(e.marker)
	})
	yield := e.yielding(L, func(L *lua.LState, r *run) int {
		uco := innermost(r)
		if uco == nil {
			raise(L, "attempt to yield from outside a coroutine")
		}
		t := r.curTask
		uc := uco.uc
		uc.top = t.top
		t.top = uco.parent
		uco.parent = nil
		uco.th = nil // held by the script alone while suspended
		r.enqueue(t, append([]lua.LValue{lua.LNumber(stOK), lua.LTrue}, argsFrom(L, 1)...), "")
		return L.Yield(e.marker)
	})
	lib.RawSetString("create", create)
	lib.RawSetString("resume", resume)
	lib.RawSetString("yield", yield)
	lib.RawSetString("status", L.NewFunction(func(L *lua.LState) int {
		th, ok := L.Get(1).(*lua.LState)
		if !ok {
			raise(L, "bad argument #1 to 'status' (coroutine expected, got %s)", L.Get(1).Type().String())
		}
		uc := e.coroMap[weak.Make(th)]
		status := "dead"
		switch {
		case uc == nil || uc.dead:
		case uc.body.parent == nil:
			status = "suspended"
		case e.run != nil && innermost(e.run) == uc.body:
			status = "running"
		default:
			status = "normal"
		}
		L.Push(lua.LString(status))
		return 1
	}))
	lib.RawSetString("running", L.NewFunction(func(L *lua.LState) int {
		if r := e.run; r != nil {
			if c := innermost(r); c != nil {
				L.Push(c.th)
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}))
	wrapret := L.NewFunction(func(L *lua.LState) int {
		if L.Get(1) == lua.LTrue {
			return L.GetTop() - 1
		}
		L.Error(L.Get(2), 0)
		return 0
	})
	L.Push(wrapFactory)
	L.Push(create)
	L.Push(resume)
	L.Push(wrapret)
	L.Call(3, 1)
	lib.RawSetString("wrap", L.Get(-1))
	L.Pop(1)
	L.SetGlobal("coroutine", lib)
}

// umaskedOpen makes io.open create files as other programs do: with mode
// 0666 less the user's umask (gopher-lua creates them 0600). A file that
// does not exist yet is created empty first, then opened as asked.
func umaskedOpen(L *lua.LState) {
	ioTbl, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	open, ok := ioTbl.RawGetString("open").(*lua.LFunction)
	if !ok {
		return
	}
	ioTbl.RawSetString("open", L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		mode := L.OptString(2, "r")
		if strings.ContainsAny(mode, "wa") {
			if f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666); err == nil {
				f.Close()
			}
		}
		top := L.GetTop()
		L.Push(open)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}))
}

// openFileLoaders replaces loadfile and dofile (open with AllowIO) by
// versions that compile as scripts are, with checked concatenation.
func (e *Engine) openFileLoaders(L *lua.LState) {
	load := func(L *lua.LState, path string) (*lua.LFunction, error) {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		code := string(src)
		if strings.HasPrefix(code, "#") { // shebang line
			code = "--" + code
		}
		proto, err := compileChecked(code, path)
		if err != nil {
			return nil, errors.New(syntaxMessage(err))
		}
		return L.NewFunctionFromProto(proto), nil
	}
	L.SetGlobal("loadfile", L.NewFunction(func(L *lua.LState) int {
		fn, err := load(L, L.CheckString(1))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(fn)
		return 1
	}))
	L.SetGlobal("dofile", L.NewFunction(func(L *lua.LState) int {
		fn, err := load(L, L.CheckString(1))
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		top := L.GetTop()
		L.Push(fn)
		L.Call(0, lua.MultRet)
		return L.GetTop() - top
	}))
}

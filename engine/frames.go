package engine

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Every async call needs three answers from gopher-lua's Lua call frames:
// may the coroutine yield here, how many results does the call site take,
// and which line made the call. gopher-lua keeps the frames in unexported
// fields, so frameLayout finds their offsets once, by reflection, checking
// the name and type of every field it relies on. When the layout is not the
// expected one (another gopher-lua version), the engine takes its slower
// paths, which need nothing from gopher-lua's internals: a Go stack walk to
// decide on yielding, and a Lua wrapper around every async function.
type frameLayout struct {
	ok           bool
	currentFrame uintptr // LState.currentFrame *callFrame
	fn           uintptr // callFrame.Fn *LFunction
	parent       uintptr // callFrame.Parent *callFrame
	pc           uintptr // callFrame.Pc int
	nret         uintptr // callFrame.NRet int
}

var frames = findFrameLayout()

func findFrameLayout() frameLayout {
	var l frameLayout
	st := reflect.TypeFor[lua.LState]()
	cur, ok := st.FieldByName("currentFrame")
	if !ok || cur.Type.Kind() != reflect.Pointer || cur.Type.Elem().Kind() != reflect.Struct {
		return l
	}
	ft := cur.Type.Elem()
	fn, ok1 := ft.FieldByName("Fn")
	parent, ok2 := ft.FieldByName("Parent")
	pc, ok3 := ft.FieldByName("Pc")
	nret, ok4 := ft.FieldByName("NRet")
	if !ok1 || !ok2 || !ok3 || !ok4 ||
		fn.Type != reflect.TypeFor[*lua.LFunction]() ||
		parent.Type != cur.Type ||
		pc.Type != reflect.TypeFor[int]() ||
		nret.Type != reflect.TypeFor[int]() {
		return l
	}
	return frameLayout{ok: true, currentFrame: cur.Offset, fn: fn.Offset, parent: parent.Offset, pc: pc.Offset, nret: nret.Offset}
}

// frame points to one of gopher-lua's call frames; only the fields of
// frameLayout are read through it.
type frame struct{ p unsafe.Pointer }

func currentFrame(L *lua.LState) frame {
	return frame{*(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frames.currentFrame))}
}

func (f frame) field(off uintptr) unsafe.Pointer { return unsafe.Add(f.p, off) }
func (f frame) parent() frame                    { return frame{*(*unsafe.Pointer)(f.field(frames.parent))} }
func (f frame) fn() *lua.LFunction               { return *(**lua.LFunction)(f.field(frames.fn)) }
func (f frame) pc() int                          { return *(*int)(f.field(frames.pc)) }
func (f frame) wantResults() int                 { return *(*int)(f.field(frames.nret)) }

// luaFn returns the Lua function of the frame, or nil for a Go function.
func (f frame) luaFn() *lua.LFunction {
	if fn := f.fn(); fn != nil && !fn.IsG && fn.Proto != nil {
		return fn
	}
	return nil
}

// frameYieldable reports whether the running Go function was called by Lua
// code that the coroutine's own interpreter loop runs, straight down from
// the engine's coroutine trampoline. Every call frame on the way must have
// been entered by a CALL or TAILCALL instruction of a Lua parent frame: a
// frame entered otherwise (a metamethod run by an arithmetic, index or
// comparison instruction, a generic-for iterator, a callback of a Go
// function) runs in a nested interpreter loop, and yielding from there
// corrupts the coroutine.
func (e *Engine) frameYieldable(L *lua.LState) bool {
	f := currentFrame(L)
	for steps := 0; f.p != nil && steps <= e.opts.CallStackSize; steps++ {
		p := f.parent()
		if p.p == nil {
			return f.fn() == e.body
		}
		pfn, pc := p.luaFn(), p.pc()
		if pfn == nil || pc < 1 || pc > len(pfn.Proto.Code) {
			return false
		}
		switch int(pfn.Proto.Code[pc-1] >> 26) {
		case lua.OP_CALL, lua.OP_TAILCALL:
		default:
			return false
		}
		f = p
	}
	return false
}

// callSite returns the script function and instruction that called the
// running Go function, or nil. Taken at the call, it gives a failed call
// its line even when the caller tail-called it: gopher-lua drops the
// caller's frame while the call waits.
func callSite(L *lua.LState) (*lua.FunctionProto, int) {
	p := currentFrame(L).parent()
	if p.p == nil {
		return nil, 0
	}
	fn := p.luaFn()
	if fn == nil || fn.Proto.SourceName == internalChunk {
		return nil, 0
	}
	return fn.Proto, p.pc()
}

// wantResults returns how many results the caller of the running Go
// function expects, or lua.MultRet for all of them. A coroutine resumed
// with fewer values than that would see stale registers in place of nils.
func wantResults(L *lua.LState) int {
	return currentFrame(L).wantResults()
}

// endsWithCall reports whether the coroutine running the Go function
// called from L has nothing left to do once the call returns but return
// its results: the call is a tail call (return f(...)) in a function that
// the engine's trampoline called, at the bottom of the thread. A gather
// branch of that shape gives its thread back as the call starts and ends
// with the call's results (see step).
func (e *Engine) endsWithCall(L *lua.LState) bool {
	if !frames.ok {
		return false
	}
	caller := currentFrame(L).parent()
	if caller.p == nil {
		return false
	}
	fn := caller.luaFn()
	if fn == nil {
		return false
	}
	pc, code := caller.pc(), fn.Proto.Code
	if pc < 1 || pc > len(code) || int(code[pc-1]>>26) != lua.OP_TAILCALL {
		return false
	}
	body := caller.parent()
	return body.p != nil && body.fn() == e.body && body.parent().p == nil
}

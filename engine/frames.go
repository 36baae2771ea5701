package engine

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Deciding whether a coroutine may yield is on the path of every async
// call, so it should not cost a Go stack walk. gopher-lua keeps its Lua call
// frames in unexported fields; frameLayout finds their offsets once, by
// reflection, and checks every field it relies on. When the layout is not
// the expected one (another gopher-lua version), yieldable falls back to the
// stack walk, which needs nothing from gopher-lua's internals.
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

// frameYieldable reports whether the running Go function was called by Lua
// code that the coroutine's own interpreter loop runs, straight down from
// the engine's coroutine trampoline. Every call frame on the way must have
// been entered by a CALL or TAILCALL instruction of a Lua parent frame: a
// frame entered otherwise (a metamethod run by an arithmetic, index or
// comparison instruction, a generic-for iterator, a callback of a Go
// function) runs in a nested interpreter loop, and yielding from there
// corrupts the coroutine.
func (e *Engine) frameYieldable(L *lua.LState) bool {
	f := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frames.currentFrame))
	for steps := 0; f != nil && steps <= e.opts.CallStackSize; steps++ {
		p := *(*unsafe.Pointer)(unsafe.Add(f, frames.parent))
		if p == nil {
			return *(**lua.LFunction)(unsafe.Add(f, frames.fn)) == e.body
		}
		pfn := *(**lua.LFunction)(unsafe.Add(p, frames.fn))
		if pfn == nil || pfn.IsG || pfn.Proto == nil {
			return false
		}
		pc := *(*int)(unsafe.Add(p, frames.pc))
		if pc < 1 || pc > len(pfn.Proto.Code) {
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

// callSite returns the Lua function and instruction that called the
// running Go function, or nil. Taken at the call, it gives a failed call
// its line even when the caller tail-called it: gopher-lua drops the
// caller's frame while the call waits.
func callSite(L *lua.LState) (*lua.FunctionProto, int) {
	f := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frames.currentFrame))
	p := *(*unsafe.Pointer)(unsafe.Add(f, frames.parent))
	if p == nil {
		return nil, 0
	}
	fn := *(**lua.LFunction)(unsafe.Add(p, frames.fn))
	if fn == nil || fn.IsG || fn.Proto == nil || fn.Proto.SourceName == internalChunk {
		return nil, 0
	}
	return fn.Proto, *(*int)(unsafe.Add(p, frames.pc))
}

// wantResults returns how many results the caller of the running Go
// function expects, or lua.MultRet for all of them. A coroutine resumed
// with fewer values than that would see stale registers in place of nils.
func wantResults(L *lua.LState) int {
	f := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frames.currentFrame))
	return *(*int)(unsafe.Add(f, frames.nret))
}

package engine

import (
	"context"
	"fmt"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestFrameYieldable checks the frame-based yield check against the Go
// stack walk and against what each context allows, for every way Lua code
// can reach a Go function.
func TestFrameYieldable(t *testing.T) {
	if !frames.ok {
		t.Fatal("gopher-lua's call frame layout is not the expected one: the fast yield check is off")
	}
	e, _ := newTestEngine(t, Options{})
	// probe returns what both checks answer where it is called, as
	// "frame stack".
	if err := e.Do(func(L *lua.LState) error {
		raw := L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(stOK))
			L.Push(lua.LString(fmt.Sprint(e.frameYieldable(L), e.stackYieldable())))
			return 2
		})
		L.Push(e.wrapper)
		L.Push(raw)
		L.Call(1, 1)
		L.SetGlobal("probe", L.Get(-1))
		L.Pop(1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, code string
		want       bool
	}{
		{"direct", `return probe()`, true},
		{"in expression", `local a = probe() return a`, true},
		{"tail call from function", `local function f() return probe() end return f()`, true},
		{"nested Lua calls", `local function f() return (probe()) end local function g() local a = probe() return a end f() return g()`, true},
		{"__call metamethod", `local t = setmetatable({}, {__call = function() return probe() end}) return t()`, true},
		{"pcall body", `return select(2, pcall(probe))`, true},
		{"pcall of Lua function", `return select(2, pcall(function() return probe() end))`, true},
		{"gather branch", `return gather(function() return probe() end)`, true},
		{"coroutine.wrap", `return coroutine.wrap(function() return probe() end)()`, true},
		{"__index metamethod", `local t = setmetatable({}, {__index = function() return probe() end}) return t.x`, false},
		{"method via __index", `local t = setmetatable({}, {__index = function() return function() return probe() end end}) return t:m()`, true},
		{"__index tail call", `local t = setmetatable({}, {__index = function() local function f() return probe() end return f() end}) return t.x`, false},
		{"__add metamethod", `local mt = {__add = function() return probe() end} return setmetatable({}, mt) + 1`, false},
		{"__lt metamethod", `local r local mt = {__lt = function() r = probe() return true end} local a, b = setmetatable({}, mt), setmetatable({}, mt) local _ = a < b return r`, false},
		{"__concat metamethod", `local mt = {__concat = function() return probe() end} return setmetatable({}, mt) .. "x"`, false},
		{"__newindex metamethod", `local r local t = setmetatable({}, {__newindex = function() r = probe() end}) t.x = 1 return r`, false},
		{"for iterator", `for v in function(_, i) if not i then return probe() end end do return v end`, false},
		{"table.sort comparator", `local r local t = {2, 1} table.sort(t, function(a, b) r = probe() return a < b end) return r`, false},
		{"string.gsub callback", `local r string.gsub("a", "a", function() r = probe() end) return r`, false},
		{"tostring __tostring", `local r tostring(setmetatable({}, {__tostring = function() r = probe() return "" end})) return r`, false},
		{"called from metamethod through a function", `local function f() return probe() end local t = setmetatable({}, {__index = function() return f() end}) return t.x`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Eval(context.Background(), tc.code)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(res.Go()...)
			want := fmt.Sprint(tc.want, tc.want)
			if got != want {
				t.Errorf("frame check, stack check = %v, want %s", got, want)
			}
		})
	}
}

// TestWithoutFrameLayout runs the call tests with the fast paths off, as
// on a gopher-lua whose call frames are laid out differently: async calls
// then go through the Lua wrapper and the yield check walks the Go stack.
func TestWithoutFrameLayout(t *testing.T) {
	saved := frames
	frames = frameLayout{}
	defer func() { frames = saved }()
	t.Run("results", TestEvalResults)
	t.Run("errors", TestAsyncErrors)
	t.Run("yield contexts", TestYieldContexts)
	t.Run("iterators", TestIteratorKeepsOthersRunning)
	t.Run("gather", TestGatherFailFast)
}

package engine

import (
	"fmt"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// Coroutines the script drops while suspended are collected while the run
// goes on: 200 000 of them (a few KB each) fit in a 128 MiB limit.
func TestAbandonedCoroutinesCollected(t *testing.T) {
	e, _ := newTestEngine(t, Options{MemoryLimit: 128 << 20})
	got := eval(t, e, `
		local n = 0
		for i = 1, 200000 do
			local gen = coroutine.wrap(function() coroutine.yield(i) coroutine.yield(i + 1) end)
			n = n + gen()
		end
		-- One kept alive still works across the collections.
		local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
		local _, x = coroutine.resume(co, 1)
		collectgarbage()
		local _, y = coroutine.resume(co, 21)
		return n, x, y, coroutine.status(co)`)
	if fmt.Sprint(got) != "[20000100000 2 42 dead]" {
		t.Fatalf("got %v", got)
	}
	var live int
	if err := e.Do(func(*lua.LState) error { e.sweepCoros(); live = len(e.coroMap); return nil }); err != nil {
		t.Fatal(err)
	}
	if live > 100000 {
		t.Errorf("%d coroutines still recorded after the run", live)
	}
}

package engine

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The memory limit belongs to a run: what the Go heap holds beyond what it
// held when the run began. An embedding program's own heap, live before
// the run, does not count; what it allocates while a script runs does
// (the runtime cannot tell the two apart), which is why the limit is
// approximate.

// allocCheckMin is the least size a builtin checks against the memory
// left before allocating: smaller results cost less than the check.
const allocCheckMin = 256 << 10

// branchBytes is what a gather branch or spawned task costs before it
// runs: its Lua thread and records (see README, memory of a gather).
const branchBytes = 3 << 10

// memoryWatchPeriod is how often the watchdog samples the heap.
const memoryWatchPeriod = 5 * time.Millisecond

// heapBytes returns the bytes of heap objects, live or not yet swept.
func heapBytes() int64 { return readMetric("/memory/classes/heap/objects:bytes") }

func readMetric(name string) int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// memoryBase returns the heap a run starts from. It counts the garbage
// not yet collected as well as the embedding program's live heap, which
// gives the run that much more room; when that garbage may be more than a
// quarter of the limit (the last run left that much, or the heap is that
// much above what the last collection found live), a collection first
// makes the base exact.
func (e *Engine) memoryBase() int64 {
	h := heapBytes()
	limit := e.opts.MemoryLimit
	if limit > 0 && (e.memDirty || h-readMetric("/gc/heap/live:bytes") > limit/4) {
		runtime.GC()
		h = heapBytes()
	}
	e.memDirty = false
	return h
}

// memoryEnd notes, at the end of a run, whether it left garbage enough
// for the next run's base to need a collection.
func (e *Engine) memoryEnd() {
	if limit := e.opts.MemoryLimit; limit > 0 && heapBytes()-e.memBase > limit/4 {
		e.memDirty = true
	}
}

// memUsed returns what the current run holds beyond the heap at its start.
func (e *Engine) memUsed() int64 {
	return heapBytes() - e.memBase
}

// checkAlloc raises a Lua error, naming what and the sizes, when n more
// bytes would take the run past Options.MemoryLimit. It runs before the
// allocation, so a script cannot reach the runtime's own out-of-memory
// failure through a builtin.
func (e *Engine) checkAlloc(L *lua.LState, what string, n int64) {
	limit := e.opts.MemoryLimit
	if n < allocCheckMin || limit <= 0 {
		return
	}
	if n > limit {
		raise(L, "%s: %d bytes would exceed the memory limit of %d bytes", what, n, limit)
	}
	if ok, used := e.allocFits(n); !ok {
		raise(L, "%s: %d more bytes would exceed the memory limit (%d of %d bytes in use)", what, n, max(used, 0), limit)
	}
}

// allocFits reports whether n more bytes fit in the run's memory limit,
// collecting garbage first when they seem not to, and what the run uses.
func (e *Engine) allocFits(n int64) (bool, int64) {
	limit := e.opts.MemoryLimit
	if limit <= 0 {
		return true, 0
	}
	if n > limit {
		return false, e.memUsed()
	}
	used := e.memUsed()
	if used+n <= limit {
		return true, used
	}
	runtime.GC() // count only what is live
	used = e.memUsed()
	return used+n <= limit, used
}

// CheckAlloc raises a Lua error when n more bytes would take the running
// script past its memory limit, for bindings that build large values
// (json.encode). It must run on the owner goroutine.
func CheckAlloc(L *lua.LState, what string, n int64) {
	if n < allocCheckMin {
		return
	}
	if e := engineOf(L); e != nil {
		e.checkAlloc(L, what, n)
	}
}

// engineKey names the registry entry that leads from a Lua state to its
// engine.
const engineKey = "btscript.engine"

func engineOf(L *lua.LState) *Engine {
	ud, ok := L.G.Registry.RawGetString(engineKey).(*lua.LUserData)
	if !ok {
		return nil
	}
	e, _ := ud.Value.(*Engine)
	return e
}

// watchMemory starts the heap watchdog for one run; the returned function
// stops it. It catches what no builtin checks: many small allocations (a
// table filled in a loop, .. in a loop).
func (e *Engine) watchMemory(cancel context.CancelCauseFunc) func() {
	limit := e.opts.MemoryLimit
	if limit <= 0 {
		return func() {}
	}
	base := e.memBase
	stop := make(chan struct{})
	e.calls.Add(1)
	go func() {
		defer e.calls.Done()
		tick := time.NewTicker(memoryWatchPeriod)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if heapBytes()-base <= limit {
					continue
				}
				runtime.GC() // count only live memory
				if used := heapBytes() - base; used > limit {
					cancel(fmt.Errorf("%w: the script holds %d MiB, limit %d MiB", ErrMemoryLimit, used>>20, limit>>20))
					return
				}
			}
		}
	}()
	return func() { close(stop) }
}

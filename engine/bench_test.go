package engine

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkGather1000 gathers 1000 concurrent async calls of 1 ms each. Each
// iteration also runs the same 1000 calls two other ways, so that machine
// noise hits all three alike: as plain goroutines that send their results
// to a channel, the least any Go program pays for them; and from 1000 bare
// gopher-lua coroutines, each parked while a goroutine makes its call and
// resumed with the result, the least a Lua host built on gopher-lua pays.
// It reports:
//
//   - overhead-ms/1000calls: the gather's wall time minus the 1 ms every
//     call sleeps;
//   - plain-go-ms/1000calls: the same for the plain goroutines;
//   - scheduler-ms/1000calls: the difference, what the engine adds;
//   - bare-lua-ms/1000calls: what the bare coroutines add to plain Go.
func BenchmarkGather1000(b *testing.B) {
	work := func(ctx context.Context, args []any) ([]any, error) {
		time.Sleep(time.Millisecond)
		return args, nil
	}
	e, bare := newGatherBench(b, work)
	results := make(chan []any, 1000)
	var engine, plain, bareLua time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		for j := 0; j < 1000; j++ {
			go func() {
				vals, _ := work(context.Background(), []any{int64(j)})
				results <- vals
			}()
		}
		for j := 0; j < 1000; j++ {
			<-results
		}
		plain += time.Since(start)

		// Each of the two runs in turn comes first: the second finds the
		// caches filled by the first's thousand coroutines.
		for k := range 2 {
			if (i+k)%2 == 0 {
				start = time.Now()
				bare.run(b)
				bareLua += time.Since(start)
				continue
			}
			start = time.Now()
			res, err := e.Eval(context.Background(), `return select('#', gather(unpack(fs)))`)
			engine += time.Since(start)
			if err != nil || res.Go()[0] != int64(1000) {
				b.Fatal(err, res)
			}
		}
	}
	ms := func(d time.Duration) float64 {
		return float64(d/time.Duration(b.N)) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(engine)-1, "overhead-ms/1000calls")
	b.ReportMetric(ms(plain)-1, "plain-go-ms/1000calls")
	b.ReportMetric(ms(engine)-ms(plain), "scheduler-ms/1000calls")
	b.ReportMetric(ms(bareLua)-ms(plain), "bare-lua-ms/1000calls")
}

// BenchmarkGatherVsBare is the CPU side of BenchmarkGather1000: 1000 calls
// that return at once, gathered by the engine and then made from bare
// gopher-lua coroutines, in turns within each iteration. ratio, the
// engine's time over the bare coroutines', is steadier than either time on
// a noisy machine; run it with -cpu 1 to leave out the cost of moving work
// between CPUs.
func BenchmarkGatherVsBare(b *testing.B) {
	e, bare := newGatherBench(b, func(ctx context.Context, args []any) ([]any, error) { return args, nil })
	var engine, bareLua time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := e.Eval(context.Background(), `return select('#', gather(unpack(fs)))`); err != nil {
			b.Fatal(err)
		}
		engine += time.Since(start)
		start = time.Now()
		bare.run(b)
		bareLua += time.Since(start)
	}
	b.ReportMetric(float64(engine)/float64(b.N)/1e6, "engine-ms")
	b.ReportMetric(float64(bareLua)/float64(b.N)/1e6, "bare-ms")
	b.ReportMetric(float64(engine)/float64(bareLua), "ratio")
}

// newGatherBench returns an engine whose global fs holds 1000 functions,
// each returning work(i), and bare coroutines calling the same work; both
// are closed when b ends.
func newGatherBench(b *testing.B, work Func) (*Engine, *bareLua) {
	e := New(Options{Stdout: &bytes.Buffer{}, MaxConcurrency: 2000})
	b.Cleanup(func() { e.Close() })
	e.Register("work", work)
	if _, err := e.Eval(context.Background(), `
		fs = {}
		for i = 1, 1000 do fs[i] = function() return work(i) end end`); err != nil {
		b.Fatal(err)
	}
	bare := newBareLua(b, work)
	b.Cleanup(bare.L.Close)
	return e, bare
}

// bareLua runs 1000 calls from 1000 gopher-lua coroutines with nothing
// else: no tasks, no queue, no contexts, no error positions.
type bareLua struct {
	L       *lua.LState
	body    *lua.LFunction
	fs      *lua.LTable
	threads []*lua.LState
	cur     int
	results chan bareResult
}

type bareResult struct {
	i    int
	vals []any
}

func newBareLua(b *testing.B, work Func) *bareLua {
	L := lua.NewState(lua.Options{CallStackSize: DefaultCallStackSize, RegistrySize: DefaultRegistrySize,
		RegistryMaxSize: DefaultRegistryMaxSize, RegistryGrowStep: DefaultRegistrySize, MinimizeStackMemory: true})
	bl := &bareLua{L: L, threads: make([]*lua.LState, 1000), results: make(chan bareResult, 256)}
	L.SetGlobal("work", L.NewFunction(func(L *lua.LState) int {
		i, args := bl.cur, []any{int64(L.CheckInt(1))}
		go func() {
			vals, _ := work(context.Background(), args)
			bl.results <- bareResult{i, vals}
		}()
		return L.Yield(lua.LTrue)
	}))
	if err := L.DoString(`
		body = function(f, ...) return true, f(...) end
		fs = {} for i = 1, 1000 do fs[i] = function() return work(i) end end`); err != nil {
		b.Fatal(err)
	}
	bl.body = L.GetGlobal("body").(*lua.LFunction)
	bl.fs = L.GetGlobal("fs").(*lua.LTable)
	for i := range bl.threads {
		bl.threads[i], _ = L.NewThread()
		bl.threads[i].SetContext(b.Context())
	}
	return bl
}

func (bl *bareLua) run(b *testing.B) {
	for i, th := range bl.threads {
		bl.cur = i
		if st, err, _ := bl.L.Resume(th, bl.body, bl.fs.RawGetInt(i+1)); st != lua.ResumeYield {
			b.Fatal(st, err)
		}
	}
	for range bl.threads {
		r := <-bl.results
		th := bl.threads[r.i]
		if st, err, _ := bl.L.Resume(th, nil, lua.LNumber(r.vals[0].(int64))); st != lua.ResumeOK {
			b.Fatal(st, err)
		}
		th.Dead = false // reused, as the engine reuses its threads
	}
}

// BenchmarkAsyncCall measures one async call made in sequence.
func BenchmarkAsyncCall(b *testing.B) {
	e := New(Options{Stdout: &bytes.Buffer{}})
	defer e.Close()
	e.Register("nop", func(ctx context.Context, args []any) ([]any, error) { return args, nil })
	b.ResetTimer()
	if _, err := e.Eval(context.Background(), `for i = 1, `+strconv.Itoa(b.N)+` do nop(i) end`); err != nil {
		b.Fatal(err)
	}
}

// benchEval runs code once per iteration in an engine where setup ran and
// nop is an async function returning its arguments.
func benchEval(b *testing.B, setup, code string) {
	e := New(Options{Stdout: &bytes.Buffer{}})
	defer e.Close()
	e.Register("nop", func(ctx context.Context, args []any) ([]any, error) { return args, nil })
	if _, err := e.Eval(context.Background(), setup); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(context.Background(), code); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGatherParts splits the cost of BenchmarkGather1000: 1000
// branches that make no call (tasks and coroutines alone), 1000 branches
// each making an async call that returns at once, and 1000 such calls in
// sequence. gopher-lua-alone is the interpreter's share, without the
// engine: 1000 coroutines started, parked in a Go function and resumed to
// their end.
func BenchmarkGatherParts(b *testing.B) {
	b.Run("gopher-lua-alone", benchLuaAlone)
	b.Run("branches", func(b *testing.B) {
		benchEval(b, `fs = {} for i = 1, 1000 do fs[i] = function() return i end end`,
			`return select('#', gather(unpack(fs)))`)
	})
	b.Run("branches+calls", func(b *testing.B) {
		benchEval(b, `fs = {} for i = 1, 1000 do fs[i] = function() return nop(i) end end`,
			`return select('#', gather(unpack(fs)))`)
	})
	b.Run("calls-in-sequence", func(b *testing.B) {
		benchEval(b, ``, `for i = 1, 1000 do nop(i) end`)
	})
}

func benchLuaAlone(b *testing.B) {
	L := lua.NewState(lua.Options{CallStackSize: DefaultCallStackSize, RegistrySize: DefaultRegistrySize,
		RegistryMaxSize: DefaultRegistryMaxSize, RegistryGrowStep: DefaultRegistrySize, MinimizeStackMemory: true})
	defer L.Close()
	L.SetGlobal("park", L.NewFunction(func(L *lua.LState) int { return L.Yield(lua.LTrue) }))
	if err := L.DoString(`
		body = function(f, ...) return true, f(...) end
		fs = {} for i = 1, 1000 do fs[i] = function() return park(i) end end`); err != nil {
		b.Fatal(err)
	}
	body := L.GetGlobal("body").(*lua.LFunction)
	fs := L.GetGlobal("fs").(*lua.LTable)
	threads := make([]*lua.LState, 1000)
	for i := range threads {
		threads[i], _ = L.NewThread()
		threads[i].SetContext(b.Context())
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i, th := range threads {
			if st, err, _ := L.Resume(th, body, fs.RawGetInt(i+1)); st != lua.ResumeYield {
				b.Fatal(st, err)
			}
		}
		for _, th := range threads {
			if st, err, _ := L.Resume(th, nil, lua.LNumber(1)); st != lua.ResumeOK {
				b.Fatal(st, err)
			}
			th.Dead = false // reused, as the engine reuses its threads
		}
	}
}

// BenchmarkIntSum sums 100,000 Ints with + in a loop over ipairs, as a
// script sums the values of a gather of chain reads.
func BenchmarkIntSum(b *testing.B) {
	e := New(Options{Stdout: &bytes.Buffer{}})
	defer e.Close()
	if _, err := e.Eval(context.Background(), `ints = {} for i = 1, 100000 do ints[i] = int(100 + i % 1000) end`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := e.Eval(context.Background(), `local s = 0 for _, v in ipairs(ints) do s = s + v end return s`)
		if err != nil {
			b.Fatal(err)
		}
		if got := fmt.Sprint(res.Go()[0]); got != "59950000" {
			b.Fatalf("sum %s", got)
		}
	}
}

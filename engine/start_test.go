package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// held starts calls that wait until release: they complete, all at once,
// from one goroutine, as a batch of reads does.
type held struct {
	mu    sync.Mutex
	dones []func([]any, error)
	args  []any
	full  chan struct{}
	want  int
}

func newHeld(want int) *held { return &held{full: make(chan struct{}), want: want} }

func (h *held) start(ctx context.Context, args []any, done func([]any, error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dones = append(h.dones, done)
	h.args = append(h.args, args[0])
	if len(h.dones) == h.want {
		close(h.full)
	}
}

// release completes every call with its argument doubled.
func (h *held) release() {
	h.mu.Lock()
	dones, args := h.dones, h.args
	h.mu.Unlock()
	go func() {
		for i, d := range dones {
			d([]any{args[i].(int64) * 2}, nil)
		}
	}()
}

func startEngine(t testing.TB, opts Options, name string, fn StartFunc) *Engine {
	t.Helper()
	if opts.Stdout == nil {
		opts.Stdout = &bytes.Buffer{}
	}
	e := New(opts)
	t.Cleanup(func() { e.Close() })
	if err := e.RegisterModule("m", NewModule().Start(name, fn)); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestStartGatherResults(t *testing.T) {
	const n = 3000
	h := newHeld(n)
	e := startEngine(t, Options{}, "f", h.start)
	go func() {
		<-h.full
		h.release()
	}()
	res, err := e.Eval(context.Background(), `
		local fs = {}
		for i = 1, 3000 do fs[i] = function() return m.f(i) end end
		local r = {gather(unpack(fs))}
		local sum, ordered = 0, true
		for i, v in ipairs(r) do sum = sum + v; ordered = ordered and v == 2 * i end
		return #r, sum, ordered`)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Go()
	if got[0] != int64(n) || got[1] != int64(n*(n+1)) || got[2] != true {
		t.Fatalf("got %v, want %d results summing to %d, in order", got, n, n*(n+1))
	}
}

func TestStartErrorsAndOnce(t *testing.T) {
	e := startEngine(t, Options{}, "f", func(ctx context.Context, args []any, done func([]any, error)) {
		switch args[0] {
		case "fail":
			go done(nil, errors.New("node said no"))
		case "twice":
			done([]any{"first"}, nil)
			done([]any{"second"}, nil)
		case "panic":
			panic("bad start")
		default:
			go done(args, nil)
		}
	})
	for _, c := range []struct{ code, want string }{
		{`return select(2, pcall(m.f, "fail"))`, "node said no"},
		{`return m.f("twice")`, "first"},
		{`return select(2, pcall(m.f, "panic"))`, "panic in async function: bad start"},
		{`return m.f("echo")`, "echo"},
		// Not yieldable here (a metamethod): the call runs as a blocking task.
		{`return tostring(setmetatable({}, {__tostring = function() return m.f("meta") end}))`, "meta"},
	} {
		res, err := e.Eval(context.Background(), c.code)
		if err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if got := res.Go()[0].(string); !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.code, got, c.want)
		}
	}
}

// A call whose work never ends still stops waiting when its scope does,
// with or without a deadline for the whole run.
func TestStartTimeoutWhileInFlight(t *testing.T) {
	for _, opts := range []Options{{}, {Timeout: time.Minute}} {
		timeoutWhileInFlight(t, opts)
	}
}

func timeoutWhileInFlight(t *testing.T, opts Options) {
	h := newHeld(1)
	e := startEngine(t, opts, "f", h.start)
	t0 := time.Now()
	res, err := e.Eval(context.Background(), `return select(2, pcall(timeout, 0.05, function() return m.f(1) end))`)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Go()[0].(string); !strings.Contains(got, "timeout after 0.05s") {
		t.Fatalf("got %q, want the timeout", got)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
	h.release() // late: ignored
	res, err = e.Eval(context.Background(), `return 1`)
	if err != nil || res.Go()[0] != int64(1) {
		t.Fatal(res, err)
	}
}

// TestStartCancelledCallsEnd: a call whose work never ends stops waiting
// when its task is cancelled or a sibling gather branch fails, and its
// context is done.
func TestStartCancelledCallsEnd(t *testing.T) {
	var mu sync.Mutex
	var ctxs []context.Context
	e := startEngine(t, Options{Timeout: 20 * time.Second}, "never", func(ctx context.Context, args []any, done func([]any, error)) {
		mu.Lock()
		ctxs = append(ctxs, ctx)
		mu.Unlock()
	})
	res, err := e.Eval(context.Background(), `
		local t = spawn(function() return m.never() end)
		sleep(0.01)
		t:cancel()
		local ok, err = pcall(function() return t:wait() end)
		local ok2, err2 = pcall(gather, function() return m.never() end, function() sleep(0.01) error("boom") end)
		return ok, tostring(err), ok2, tostring(err2)`)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing is left in flight: a deadlock after them is one.
	t0 := time.Now()
	if _, err := e.Eval(context.Background(), `
		local t = spawn(function() return m.never() end)
		sleep(0.01)
		t:cancel()
		local a, b
		a = spawn(function() sleep(0) return b:wait() end)
		b = spawn(function() sleep(0) return a:wait() end)
		return a:wait()`); !errors.Is(err, ErrDeadlock) {
		t.Fatalf("got %v after %v, want ErrDeadlock", err, time.Since(t0))
	}
	got := res.Go()
	if got[0] != false || !strings.Contains(got[1].(string), "cancel") || got[2] != false || !strings.Contains(got[3].(string), "boom") {
		t.Fatalf("got %v, want the cancelled task and the failed gather", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ctxs) != 3 {
		t.Fatalf("%d calls started, want 3", len(ctxs))
	}
	for i, ctx := range ctxs {
		if ctx.Err() == nil {
			t.Errorf("call %d: its context is not done", i+1)
		}
	}
}

// A run whose every call waits on work that never ends is stopped by the
// run's timeout, not left hanging.
func TestStartRunTimeout(t *testing.T) {
	h := newHeld(2)
	e := startEngine(t, Options{Timeout: 100 * time.Millisecond}, "f", h.start)
	_, err := e.Eval(context.Background(), `return gather(function() return m.f(1) end, function() return m.f(2) end)`)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
}

// waitingBytes measures the heap held per gather branch waiting on a call
// with a completion: heap after a collection while all n wait, less the
// heap before, over n.
func waitingBytes(t testing.TB, n int) float64 {
	return waitingBytesOf(t, n, "return m.f(i)")
}

// waitingBytesOf is waitingBytes for branches with the given body, which
// calls m.f(i) once.
func waitingBytesOf(t testing.TB, n int, body string) float64 {
	h := newHeld(n)
	e := startEngine(t, Options{MemoryLimit: -1}, "f", h.start)
	if _, err := e.Eval(context.Background(), `fs = {}`); err != nil {
		t.Fatal(err)
	}
	var before, during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	measured := make(chan struct{})
	go func() {
		<-h.full
		runtime.GC()
		runtime.ReadMemStats(&during)
		close(measured)
		h.release()
	}()
	code := `local fs = {}
		for i = 1, N do fs[i] = function() BODY end end
		local r = {gather(unpack(fs))}
		return #r`
	code = strings.Replace(strings.Replace(code, "N", itoa(n), 1), "BODY", body, 1)
	res, err := e.Eval(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	<-measured
	if res.Go()[0] != int64(n) {
		t.Fatalf("gather returned %v", res.Go())
	}
	// Closed now: the next measurement's heap must not shrink by what
	// this engine lets go late (it tidies its threads after the run).
	e.Close()
	return float64(int64(during.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

func itoa(n int) string {
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestStartWaitingMemory holds the bytes of a waiting read to what the
// README states (see memory of a gather): a branch that returns its call's
// results holds its records and its function, no thread and no goroutine;
// one resumed after its call holds its Lua thread as well.
func TestStartWaitingMemory(t *testing.T) {
	per := waitingBytes(t, 20000)
	t.Logf("%.0f bytes per waiting branch", per)
	if per > waitingBytesMax {
		t.Fatalf("%.0f bytes per waiting branch, more than %d", per, waitingBytesMax)
	}
	per = waitingBytesOf(t, 20000, "local v = m.f(i) return v")
	t.Logf("%.0f bytes per waiting branch with its thread", per)
	if per > waitingThreadBytesMax {
		t.Fatalf("%.0f bytes per waiting branch with its thread, more than %d", per, waitingThreadBytesMax)
	}
}

// TestWaitingBranchWithManyLocals: a branch that needs more than its
// first 16 stack slots (40 locals) doubles its stack rather than taking
// 1024 slots more (16 KB).
func TestWaitingBranchWithManyLocals(t *testing.T) {
	var names, vals []string
	for k := 1; k <= 40; k++ {
		names, vals = append(names, "a"+itoa(k)), append(vals, "i")
	}
	body := "local " + strings.Join(names, ", ") + " = " + strings.Join(vals, ", ") + " local v = m.f(a1 + a40 - i) return v"
	per := waitingBytesOf(t, 5000, body)
	t.Logf("%.0f bytes per waiting branch with 40 locals", per)
	if per > 4096 {
		t.Fatalf("%.0f bytes per waiting branch with 40 locals, more than 4 KB", per)
	}
}

// BenchmarkGatherWaiting reports the heap held per waiting branch of a
// gather of 10 000 calls with a completion.
func BenchmarkGatherWaiting(b *testing.B) {
	for range b.N {
		b.ReportMetric(waitingBytes(b, 10000), "bytes/branch")
	}
}

// waitingBytesMax and waitingThreadBytesMax are what the README states a
// waiting read holds (about 0.75 KB, and 1.6 KB with its thread), with room
// for the runtime's rounding.
const (
	waitingBytesMax       = 850
	waitingThreadBytesMax = 1800
)

// slowPinner answers Head once released, counting the calls.
type slowPinner struct {
	release chan struct{}
	heads   atomic.Int64
}

func (p *slowPinner) Head(ctx context.Context) (string, error) {
	p.heads.Add(1)
	select {
	case <-p.release:
		return "0xhead", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (p *slowPinner) Resolve(ctx context.Context, block any) (string, error) {
	return "", errors.New("no blocks here")
}

// TestWhenPinned: calls with a completion in a gather learn the gather's
// pin without waiting on the engine's goroutine: every branch starts
// before the head is known, the head is asked once, and each call is told
// the hash; outside any pin, a call is told there is none, at once.
func TestWhenPinned(t *testing.T) {
	p := &slowPinner{release: make(chan struct{})}
	var started atomic.Int64
	e := New(Options{Stdout: &bytes.Buffer{}, Pinner: p})
	t.Cleanup(func() { e.Close() })
	pinOf := func(ctx context.Context, args []any, done func([]any, error)) {
		if started.Add(1) == 100 {
			close(p.release) // the last branch started: the head may come
		}
		WhenPinned(ctx, func(hash string, ok bool, err error) {
			if err != nil {
				done(nil, err)
				return
			}
			done([]any{hash, ok}, nil)
		})
	}
	if err := e.RegisterModule("m", NewModule().Start("pin", pinOf)); err != nil {
		t.Fatal(err)
	}
	res, err := e.Eval(context.Background(), `
		local fs = {}
		for i = 1, 100 do fs[i] = function() local h, ok = m.pin() return h .. tostring(ok) end end
		local r = gather(fs)
		for i = 2, 100 do assert(r[i] == r[1], r[i]) end
		return r[1]`)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Go()[0]; got != "0xheadtrue" {
		t.Fatalf("got %v, want 0xheadtrue", got)
	}
	if n := p.heads.Load(); n != 1 {
		t.Fatalf("Head asked %d times, want once", n)
	}
	started.Store(1000) // no release again
	res, err = e.Eval(context.Background(), `local h, ok = m.pin() return h, ok`)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Go(); got[0] != "" || got[1] != false {
		t.Fatalf("outside a pin: got %v, want \"\", false", got)
	}
}

// TestThreadDepth: a gather branch's thread, whose call-frame index grows
// as it deepens, reaches the same depth as the script and overflows as
// it does, twice over (the second time on a reused thread).
func TestThreadDepth(t *testing.T) {
	e := New(Options{Stdout: &bytes.Buffer{}})
	t.Cleanup(func() { e.Close() })
	for range 2 {
		res, err := e.Eval(context.Background(), `
			local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end
			local function g() return 1 + g() end
			local a, b = gather(function() return f(1900) end, function() return select(2, pcall(g)) end)
			return a, b`)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Go()
		if got[0] != int64(1900) || !strings.Contains(got[1].(string), "stack overflow") {
			t.Fatalf("got %v, want 1900 and a stack overflow", got)
		}
	}
}

// queuer starts calls that finish only when flushed, as reads held in a
// chain.Batch do: flush is the engine's OnWait.
type queuer struct {
	mu      sync.Mutex
	dones   []func([]any, error)
	sizes   []int       // calls flushed each time there were any
	times   []time.Time // when
	flushes atomic.Int64
}

func (q *queuer) start(ctx context.Context, args []any, done func([]any, error)) {
	q.mu.Lock()
	q.dones = append(q.dones, func(vals []any, err error) { done(args, err) })
	q.mu.Unlock()
}

func (q *queuer) flush() {
	q.flushes.Add(1)
	q.mu.Lock()
	dones := q.dones
	q.dones = nil
	if len(dones) > 0 {
		q.sizes = append(q.sizes, len(dones))
		q.times = append(q.times, time.Now())
	}
	q.mu.Unlock()
	go func() {
		for _, d := range dones {
			d(nil, nil)
		}
	}()
}

// TestOnWait: what calls queued is flushed when the script has nothing
// left to run: all the calls of a gather at once.
func TestOnWait(t *testing.T) {
	q := &queuer{}
	e := startEngine(t, Options{Timeout: 20 * time.Second}, "f", q.start)
	if err := e.OnWait(q.flush); err != nil {
		t.Fatal(err)
	}
	if err := e.OnWait(nil); err == nil {
		t.Fatal("OnWait(nil) accepted")
	}
	res, err := e.Eval(context.Background(), `
		local fs = {}
		for i = 1, 500 do fs[i] = function() return m.f(i) end end
		local r = gather(fs)
		local sum = 0
		for _, v in ipairs(r) do sum = sum + v end
		return sum, m.f(7)`)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Go(); got[0] != int64(125250) || got[1] != int64(7) {
		t.Fatalf("got %v, want 125250 7", got)
	}
	// The gather's 500 calls go at once, then the call after it. (The
	// engine waits again each time results come in parts, which flushes
	// nothing: how often depends on the machine.)
	q.mu.Lock()
	defer q.mu.Unlock()
	if !slices.Equal(q.sizes, []int{500, 1}) {
		t.Fatalf("flushed %v calls at a time, want [500 1]", q.sizes)
	}
}

// TestOnWaitAfterPin: calls that start when their pin is resolved, off the
// engine's goroutine, after the script began to wait, are flushed too:
// resolving the pin wakes the engine to call OnWait again.
func TestOnWaitAfterPin(t *testing.T) {
	q := &queuer{}
	p := &slowPinner{release: make(chan struct{})}
	e := New(Options{Stdout: &bytes.Buffer{}, Pinner: p, Timeout: 20 * time.Second})
	t.Cleanup(func() { e.Close() })
	var started atomic.Int64
	pinned := func(ctx context.Context, args []any, done func([]any, error)) {
		WhenPinned(ctx, func(hash string, ok bool, err error) {
			q.start(ctx, args, done)
		})
		if started.Add(1) == 50 {
			go func() {
				// Resolve the pin only once the engine waits and has
				// flushed nothing.
				for q.flushes.Load() == 0 {
					time.Sleep(time.Millisecond)
				}
				close(p.release)
			}()
		}
	}
	if err := e.RegisterModule("m", NewModule().Start("f", pinned)); err != nil {
		t.Fatal(err)
	}
	if err := e.OnWait(q.flush); err != nil {
		t.Fatal(err)
	}
	res, err := e.Eval(context.Background(), `
		local fs = {}
		for i = 1, 50 do fs[i] = function() return m.f(i) end end
		local r = gather(fs)
		return #r, r[50]`)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Go(); got[0] != int64(50) || got[1] != int64(50) {
		t.Fatalf("got %v, want 50 50", got)
	}
}

// TestOnWaitNotWhilePinSettles: while a resolved pin tells its waiting
// calls (off the engine's goroutine), the engine does not flush what they
// have queued so far, even when another result wakes it meanwhile: the
// calls leave together.
func TestOnWaitNotWhilePinSettles(t *testing.T) {
	q := &queuer{}
	p := &slowPinner{release: make(chan struct{})}
	e := New(Options{Stdout: &bytes.Buffer{}, Pinner: p, Timeout: 20 * time.Second})
	t.Cleanup(func() { e.Close() })
	other := make(chan struct{})
	var told atomic.Int64
	pinned := func(ctx context.Context, args []any, done func([]any, error)) {
		WhenPinned(ctx, func(string, bool, error) {
			if told.Add(1) == 25 {
				close(other)                      // the other branch's result comes
				time.Sleep(30 * time.Millisecond) // and is taken meanwhile
			}
			q.start(ctx, args, done)
		})
	}
	soon := func(ctx context.Context, args []any, done func([]any, error)) {
		go func() {
			<-other
			done([]any{int64(0)}, nil)
		}()
	}
	if err := e.RegisterModule("m", NewModule().Start("f", pinned).Start("soon", soon)); err != nil {
		t.Fatal(err)
	}
	if err := e.OnWait(q.flush); err != nil {
		t.Fatal(err)
	}
	go func() {
		// The head comes once every branch waits and the engine has flushed
		// nothing.
		for q.flushes.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		close(p.release)
	}()
	res, err := e.Eval(context.Background(), `
		local fs = {function() m.soon() return m.soon() end}
		for i = 1, 50 do fs[#fs + 1] = function() return m.f(i) end end
		return #gather(fs)`)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Go()[0]; got != int64(51) {
		t.Fatalf("got %v, want 51", got)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !slices.Equal(q.sizes, []int{50}) {
		t.Errorf("flushed %v, want the 50 calls at once", q.sizes)
	}
}

// TestOnWaitBeforeAnswers: once the script has started all it can, what
// its calls queued goes before the answers that came meanwhile are
// handled, not when the script next waits.
func TestOnWaitBeforeAnswers(t *testing.T) {
	q := &queuer{}
	var mu sync.Mutex
	var stamps []time.Time
	now := func(ctx context.Context, args []any, done func([]any, error)) { done(nil, nil) }
	m := NewModule().Start("f", q.start).Start("now", now).Sync("stamp", func(L *lua.LState) int {
		mu.Lock()
		stamps = append(stamps, time.Now())
		mu.Unlock()
		return 0
	})
	e := New(Options{Stdout: &bytes.Buffer{}, Timeout: 20 * time.Second})
	t.Cleanup(func() { e.Close() })
	if err := e.RegisterModule("m", m); err != nil {
		t.Fatal(err)
	}
	if err := e.OnWait(q.flush); err != nil {
		t.Fatal(err)
	}
	_, err := e.Eval(context.Background(), `
		local fs = {}
		for i = 1, 20 do
			fs[i] = function()
				m.now()
				local x = 0
				for j = 1, 20000 do x = x + j end
				m.stamp()
			end
		end
		fs[21] = function() return m.f(1) end
		gather(fs)`)
	if err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	if len(q.times) == 0 || len(stamps) != 20 {
		t.Fatalf("%d flushes, %d stamps", len(q.times), len(stamps))
	}
	for i, st := range stamps {
		if !q.times[0].Before(st) {
			t.Fatalf("the queued call left after answer %d was handled", i+1)
		}
	}
}

// BenchmarkGatherCompletions is the engine's CPU for a gather of 100 000
// calls with a completion, flushed when the script waits as chain.query's
// reads are: per op, the script builds the functions, gathers and sums.
func BenchmarkGatherCompletions(b *testing.B) {
	q := &queuer{}
	e := startEngine(b, Options{}, "f", q.start)
	if err := e.OnWait(q.flush); err != nil {
		b.Fatal(err)
	}
	code := `
		local fs = {}
		for i = 1, 100000 do fs[i] = function() return m.f(i) end end
		local sum = 0
		for _, v in ipairs(gather(fs)) do sum = sum + v end
		return sum`
	b.ReportAllocs()
	for b.Loop() {
		res, err := e.Eval(context.Background(), code)
		if err != nil {
			b.Fatal(err)
		}
		if got := res.Go()[0]; got != int64(5000050000) {
			b.Fatalf("sum %v", got)
		}
	}
}

// TestThreadPoolBound: the threads of a finished gather are kept for the
// next up to a quarter of the memory limit, 2 KB each, and no more.
func TestThreadPoolBound(t *testing.T) {
	for _, c := range []struct {
		limit    int64
		branches int
		kept     int
	}{
		{64 << 20, 10000, 8192},   // 64 MiB / 4 / 2 KB
		{256 << 20, 10000, 10001}, // all of them, and the run's own
	} {
		e := New(Options{Stdout: &bytes.Buffer{}, MemoryLimit: c.limit})
		if _, err := e.Eval(context.Background(), fmt.Sprintf(`
			local fs = {}
			for i = 1, %d do fs[i] = function() sleep(0) return i end end
			return #gather(fs)`, c.branches)); err != nil {
			t.Fatal(err)
		}
		var kept int
		var slab bool
		e.Do(func(*lua.LState) error {
			kept, slab = len(e.threads), e.spare != nil && len(e.spare.tasks) >= c.branches
			return nil
		})
		e.Close()
		if kept != c.kept {
			t.Errorf("limit %d MiB: %d threads kept after a gather of %d, want %d", c.limit>>20, kept, c.branches, c.kept)
		}
		if want := c.branches < c.kept; slab != want {
			t.Errorf("limit %d MiB: the gather's records kept: %v, want %v", c.limit>>20, slab, want)
		}
	}
}

// TestBranchesGiveBackTheirThreads: a gather branch takes a thread when it
// starts and gives it back when it finishes or parks in a call that ends
// it, so 10,000 branches of return f(i) run on a few threads, where
// 10,000 that are resumed after their call each hold one until then.
func TestBranchesGiveBackTheirThreads(t *testing.T) {
	for _, c := range []struct {
		body     string
		min, max int
	}{
		{`return m.f(i)`, 2, 17},
		{`local v = m.f(i) return v`, 10001, 10001},
	} {
		q := &queuer{}
		e := startEngine(t, Options{}, "f", q.start)
		if err := e.OnWait(q.flush); err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(eval(t, e, `
			local fs = {}
			for i = 1, 10000 do fs[i] = function() `+c.body+` end end
			local sum = 0
			for _, v in ipairs(gather(fs)) do sum = sum + v end
			return sum`))
		if got != "[50005000]" {
			t.Fatalf("%s: sum %s", c.body, got)
		}
		var made, kept int
		e.Do(func(*lua.LState) error { made, kept = e.madeThreads, len(e.threads); return nil })
		if made < c.min || made > c.max || kept != made {
			t.Errorf("%s: %d threads made, %d kept; want %d to %d, all kept", c.body, made, kept, c.min, c.max)
		}
	}
}

// TestPoolKeepsNothingAlive: threads kept for reuse hold nothing of what
// they ran — their last function, its upvalues, what it returned — once
// the run has ended (the engine tidies them then), so a gather's garbage
// is collected, not kept until the threads run again. Each of 5,000 branches captures and returns a 4 KB string.
func TestPoolKeepsNothingAlive(t *testing.T) {
	q := &queuer{}
	e := startEngine(t, Options{}, "f", q.start)
	if err := e.OnWait(q.flush); err != nil {
		t.Fatal(err)
	}
	heap := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	if _, err := e.Eval(context.Background(), `return 1`); err != nil {
		t.Fatal(err)
	}
	before := heap()
	// Twice: the second run reuses the threads the first kept.
	for run := 1; run <= 2; run++ {
		if _, err := e.Eval(context.Background(), `
			local fs = {}
			for i = 1, 5000 do
				local s = string.rep(string.char(65 + i % 26), 4096) .. i
				fs[i] = function() m.f(i) return s end
			end
			return #gather(fs)`); err != nil {
			t.Fatal(err)
		}
		e.Do(func(*lua.LState) error { return nil }) // the owner tidies before this
		if grew := heap() - before; grew > 8<<20 {
			t.Fatalf("run %d: the heap kept %d MB after the run (the strings are 20 MB)", run, grew>>20)
		}
	}
	// A run that fails lets its thread go with what it held; the pool it
	// came from keeps nothing of it.
	if _, err := e.Eval(context.Background(), `local s = string.rep("x", 32 * 2^20) error("failed holding " .. #s)`); err == nil {
		t.Fatal("the run did not fail")
	}
	if grew := heap() - before; grew > 8<<20 {
		t.Fatalf("the heap kept %d MB after a failed run (its string is 32 MB)", grew>>20)
	}
}

// TestBranchEndsWithItsCall: a gather branch that only returns the
// results of a call with a completion (return f(...)) ends with them
// without its thread being resumed; every other shape is resumed as
// before, and both give the same results, errors and reusable threads.
func TestBranchEndsWithItsCall(t *testing.T) {
	q := &queuer{}
	e := startEngine(t, Options{}, "f", q.start)
	if err := e.OnWait(q.flush); err != nil {
		t.Fatal(err)
	}
	if err := e.RegisterModule("n", NewModule().Start("fail", func(ctx context.Context, args []any, done func([]any, error)) {
		done(nil, errors.New("no value"))
	})); err != nil {
		t.Fatal(err)
	}
	ends := func() int {
		var n int
		e.Do(func(*lua.LState) error { n = e.directEnds; return nil })
		return n
	}
	for _, c := range []struct {
		name, body, want string
		direct           int
	}{
		{"tail call", `return m.f(i)`, "[200 1 20100 true]", 200},
		{"tail call of many results", `return m.f(i, "x")`, "[200 1 20100 true]", 200},
		{"call, then return", `local v = m.f(i) return v`, "[200 1 20100 true]", 0},
		{"results and more", `return m.f(i), 7`, "[200 1 20100 true]", 0},
		{"one result of the call", `return (m.f(i))`, "[200 1 20100 true]", 0},
		{"in pcall", `return select(2, pcall(m.f, i))`, "[200 1 20100 true]", 0},
		{"tail call through a tail call", `local function g() return m.f(i) end return g()`, "[200 1 20100 true]", 200},
		{"tail call in a called function", `local function g() return m.f(i) end local v = g() return v`, "[200 1 20100 true]", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := ends()
			// Twice: the second gather reuses the threads of the first.
			for run := 0; run < 2; run++ {
				got := fmt.Sprint(eval(t, e, `
					local fs = {}
					for i = 1, 200 do fs[i] = function() `+c.body+` end end
					local r = gather(fs)
					local sum, ok = 0, true
					for i, v in ipairs(r) do sum = sum + v ok = ok and v == i end
					return #r, r[1], sum, ok`))
				if got != c.want {
					t.Fatalf("run %d: got %s, want %s", run+1, got, c.want)
				}
			}
			if n := ends() - before; n != 2*c.direct {
				t.Errorf("%d branches ended without a resume, want %d", n, 2*c.direct)
			}
		})
	}
	// A failed tail call is raised where it was made, with no traceback
	// (the tail call left no script frame), as when it was resumed.
	before := ends()
	_, err := e.Eval(context.Background(), "local fs = {}\nfor i = 1, 3 do fs[i] = function() return n.fail(i) end end\nreturn gather(fs)")
	var se *Error
	if !errors.As(err, &se) || se.Message != "gather: branch 1 failed: stdin:2: no value" || se.Traceback != "" {
		t.Errorf("failed tail call: %v", err)
	}
	if n := ends() - before; n != 3 {
		t.Errorf("%d failed branches ended without a resume, want 3", n)
	}
	// A branch that fails in a call it then would have returned from
	// keeps its frame in the traceback.
	_, err = e.Eval(context.Background(), "local fs = {}\nfor i = 1, 3 do fs[i] = function() local v = n.fail(i) return v end end\nreturn gather(fs)")
	if !errors.As(err, &se) || se.Message != "gather: branch 1 failed: stdin:2: no value" || se.Traceback != "stack traceback:\n\tstdin:2: in function 'f'" {
		t.Errorf("failed call: %v, traceback %q", err, se.Traceback)
	}
}

// TestGatherAllocations holds what a gathered call allocates to a budget
// of five and a half a branch: the closure the script makes (its function
// and upvalue), the call's record with its arguments in it and its
// completion, and its number argument as a Go value — the branch's records
// come from the last gather's, its strings are boxed once, and it takes
// no thread of its own and no goroutine.
func TestGatherAllocations(t *testing.T) {
	e := startEngine(t, Options{}, "f", func(ctx context.Context, args []any, done func([]any, error)) {
		done(nil, nil)
	})
	const n = 10000
	code := `local fs = {}
		for i = 1, ` + itoa(n) + ` do fs[i] = function() return m.f(i, "x", "y", "z") end end
		return #gather(fs)`
	eval(t, e, code) // the records and threads a gather keeps
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	eval(t, e, code)
	runtime.ReadMemStats(&after)
	per := float64(after.Mallocs-before.Mallocs) / n
	t.Logf("%.2f allocations a branch", per)
	if per > 5.5 {
		t.Errorf("%.2f allocations a branch, budget 5.5", per)
	}
}

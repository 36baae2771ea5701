package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	lua "github.com/yuin/gopher-lua"
)

// newTestEngine returns an engine with an "echo" async function that
// returns its arguments after an optional delay given as a duration string
// in the last argument named "wait=...".
func newTestEngine(t *testing.T, opts Options) (*Engine, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	if opts.Stdout == nil {
		opts.Stdout = &out
	}
	e := New(opts)
	t.Cleanup(func() { e.Close() })
	if err := e.Register("echo", func(ctx context.Context, args []any) ([]any, error) {
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return args, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Register("fail", func(ctx context.Context, args []any) ([]any, error) {
		return nil, fmt.Errorf("%v", args[0])
	}); err != nil {
		t.Fatal(err)
	}
	return e, &out
}

func eval(t *testing.T, e *Engine, code string) []any {
	t.Helper()
	res, err := e.Eval(context.Background(), code)
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return res.Go()
}

func TestEvalResults(t *testing.T) {
	e, out := newTestEngine(t, Options{})
	cases := []struct {
		name, code, want string
	}{
		{"expression", `1 + 2`, `[3]`},
		{"statement", `local x = 2; return x * 21`, `[42]`},
		{"async", `return echo(1, "a", true)`, `[1 a true]`},
		{"async multiple values into locals", `local a, b, c = echo(1, 2) return a, b, c`, `[1 2 <nil>]`},
		{"async in tail call", `local function f() return echo(5) end return f()`, `[5]`},
		// The coroutine resumes with as many values as the call site takes.
		{"fewer results than locals", `local a, b = echo(1) return a, b`, `[1 <nil>]`},
		{"more results than locals", `local a, b = echo(1, 2, 3) return a, b`, `[1 2]`},
		{"no results", `local a, b, c = echo() return a, b, c`, `[<nil> <nil> <nil>]`},
		{"count of no results", `return select('#', echo())`, `[0]`},
		{"count of nils", `return select('#', echo(nil, nil))`, `[2]`},
		{"no results through a tail call", `local function f() return echo() end return select('#', f())`, `[0]`},
		{"truncated in a table constructor", `local t = {echo(1, 2), echo(3, 4)} return #t, t[2]`, `[3 3]`},
		{"parenthesised", `return (echo(1, 2))`, `[1]`},
		{"in arithmetic", `return echo(1) + echo(2) * echo(3)`, `[7]`},
		{"as a condition", `if echo(false) then return 1 else return 2 end`, `[2]`},
		{"method call", `local o = {f = echo} return o.f(o == o, 2)`, `[true 2]`},
		{"recursion within the call stack limit", `local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(1900)`, `[1900]`},
		{"table results", `return {1, 2, 3}, {a = 1}`, `[[1 2 3] map[a:1]]`},
		{"nested tables to async", `return echo({x = {1, 2}})`, `[map[x:[1 2]]]`},
		{"print", `print("hi", 1, nil)`, `[]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := fmt.Sprint(eval(t, e, tc.code))
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if out.String() != "hi\t1\tnil\n" {
		t.Errorf("print wrote %q", out.String())
	}
}

// TestEvalCache evaluates chunks again after they were compiled: each run
// is a fresh function of the cached code, a syntax error is reported every
// time, and the cache stays within its bound.
func TestEvalCache(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	steps := []struct{ code, want string }{
		{`n = (n or 0) + 1`, `[]`},
		{`n = (n or 0) + 1`, `[]`},
		{`n`, `[2]`},
		{`local x = ... return select('#', ...)`, `[0]`},
		{`local x = ... return select('#', ...)`, `[0]`},
		{`n * 10`, `[20]`},
	}
	for i, s := range steps {
		if got := fmt.Sprint(eval(t, e, s.code)); got != s.want {
			t.Errorf("step %d %s: got %s, want %s", i, s.code, got, s.want)
		}
	}
	for range 2 {
		_, err := e.Eval(context.Background(), `x = = 1`)
		if err == nil || !strings.Contains(err.Error(), "stdin") {
			t.Errorf("syntax error: got %v", err)
		}
	}
	for i := range 3 * evalCacheSize {
		eval(t, e, fmt.Sprintf("return %d", i))
	}
	e.evalMu.Lock()
	size := len(e.evalCache)
	e.evalMu.Unlock()
	if size > evalCacheSize {
		t.Errorf("cache holds %d chunks, bound %d", size, evalCacheSize)
	}
}

func TestRunFile(t *testing.T) {
	e, out := newTestEngine(t, Options{})
	path := filepath.Join(t.TempDir(), "script.lua")
	src := "#!/usr/bin/env btscript\nlocal a, b = ...\nprint(arg[0] ~= nil, arg[1], a, b)\nreturn echo(a)\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := e.RunFile(context.Background(), path, []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Go()); got != "[x]" {
		t.Errorf("results %s", got)
	}
	if out.String() != "true\tx\tx\ty\n" {
		t.Errorf("output %q", out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.lua")
	os.WriteFile(bad, []byte("local x = 1\n\nlocal y = nil + x\n"), 0o644)
	_, err = e.RunFile(context.Background(), bad, nil)
	var se *Error
	if !errors.As(err, &se) || !strings.HasPrefix(se.Message, "bad.lua:3:") {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(se.Traceback, "bad.lua:3") || strings.Contains(se.Error(), "goroutine") {
		t.Errorf("traceback %q", se.Traceback)
	}
}

func TestAsyncErrors(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct {
		name, code, want string
	}{
		{"uncaught", "local x = 1\nfail('tempo: netuid must be an integer')", "stdin:2: tempo: netuid must be an integer"},
		{"expression keeps its line", "fail('bad netuid')", "stdin:1: bad netuid"},
		{"pcall catches", "local ok, err = pcall(fail, 'nope') return tostring(ok) .. ' ' .. err", ""},
		{"syntax", "local = 1", "stdin"},
		{"inside a function", "local function f()\n  local x = 1\n  fail('F')\nend\nf()", "stdin:3: F"},
		{"in a gather branch", "gather(function() return 1 end,\n function()\n fail('G') end)", "gather: branch 2 failed: stdin:3: G"},
		{"in an iterator", "for x in function()\n  local v = fail('I') return v end do end", "stdin:2: I"},
		{"in a metamethod", "local t = setmetatable({}, {__index = function()\n local v = fail('M') return v end})\nreturn t.x", "stdin:2: M"},
		{"in a coroutine", "local co = coroutine.wrap(function()\n fail('C') end)\nco()", "stdin:2: C"},
		{"yield outside coroutine", "coroutine.yield(1)", "attempt to yield from outside a coroutine"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Eval(context.Background(), tc.code)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := res.Go()[0]; got != "false nope" && !strings.HasSuffix(got.(string), ": nope") {
					t.Errorf("got %v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	// A tail call drops the caller's frame while the call waits; the line
	// comes from the call frame read when the call was made, so only
	// with the frame layout (TestWithoutFrameLayout runs without it).
	if frames.ok {
		for _, tc := range []struct{ code, want string }{
			{"local function f()\n  return fail('T')\nend\nreturn f()", "stdin:2: T"},
			{"local x = 1\nreturn fail('L')", "stdin:2: L"},
		} {
			if _, err := e.Eval(context.Background(), tc.code); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: error %v, want %q", tc.code, err, tc.want)
			}
		}
	}
	// The message of an async error keeps the text as given.
	got := eval(t, e, "local ok, err = pcall(function() fail('text as given') end) return ok, err")
	if got[0] != false || !strings.HasSuffix(got[1].(string), ": text as given") || !strings.HasPrefix(got[1].(string), "stdin:1:") {
		t.Errorf("got %v", got)
	}
}

// concurrencyProbe is an async function that records how many calls run at
// once.
type concurrencyProbe struct {
	running, max atomic.Int64
	delay        time.Duration
}

func (p *concurrencyProbe) fn(ctx context.Context, args []any) ([]any, error) {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		m := p.max.Load()
		if n <= m || p.max.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(p.delay):
		return args, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestGatherRunsConcurrently(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	p := &concurrencyProbe{delay: 200 * time.Millisecond}
	e.Register("wait200", p.fn)
	start := time.Now()
	got := eval(t, e, `return gather(function() return wait200(1) end, function() return wait200(2) end, function() return wait200(3) end)`)
	t.Logf("gather of 3 x 200ms took %v", time.Since(start))
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("results %v", got)
	}
	if p.max.Load() != 3 {
		t.Errorf("max concurrent calls %d, want 3", p.max.Load())
	}

	got = eval(t, e, `local r = gather{b = function() return echo("B") end, a = function() return echo("A") end} return r.a, r.b`)
	if fmt.Sprint(got) != "[A B]" {
		t.Errorf("named gather %v", got)
	}
	got = eval(t, e, `return select('#', gather())`)
	if fmt.Sprint(got) != "[0]" {
		t.Errorf("empty gather %v", got)
	}
	// Nested gathers and Lua-only branches.
	got = eval(t, e, `return gather(function() return 1 end, function() local a, b = gather(function() return echo(2) end, function() return echo(3) end) return a + b end)`)
	if fmt.Sprint(got) != "[1 5]" {
		t.Errorf("nested gather %v", got)
	}
}

func TestMaxConcurrency(t *testing.T) {
	e, _ := newTestEngine(t, Options{MaxConcurrency: 4})
	p := &concurrencyProbe{delay: 5 * time.Millisecond}
	e.Register("probe", p.fn)
	got := eval(t, e, `local fs = {} for i = 1, 40 do fs[i] = function() return probe(i) end end return select('#', gather(unpack(fs)))`)
	if fmt.Sprint(got) != "[40]" {
		t.Errorf("got %v", got)
	}
	if m := p.max.Load(); m != 4 {
		t.Errorf("max concurrent %d, want 4", m)
	}
}

// TestGatherReusesBranchRecords runs gathers after gathers whose branch
// records may or may not be reused: results must come out right either
// way, and a record something may still point into is never reused.
func TestGatherReusesBranchRecords(t *testing.T) {
	cases := []struct {
		name, code, want string
		kept             bool // the first gather's records are kept for the next
	}{
		{"returned", `return gather(function() return echo(1) end, function() return 2 end)`, "[1 2]", true},
		{"named", `local r = gather{a = function() return echo("x") end} return r.a`, "[x]", true},
		{"failed", `return pcall(gather, function() fail("no") end, function() return echo(1) end)`, "[false gather: branch 1 failed: stdin:1: no]", false},
		{"spawned from a branch", `
			local t
			gather(function() t = spawn(function() sleep(0.02) return echo(7) end) return 1 end)
			return t:wait()`, "[7]", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newTestEngine(t, Options{})
			if got := fmt.Sprint(eval(t, e, tc.code)); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if kept := e.spare != nil; kept != tc.kept {
				t.Errorf("records kept: %v, want %v", kept, tc.kept)
			}
			// The next gathers, of the same size and larger, in the same
			// and in nested gathers, and the spawned task above finishing
			// meanwhile, see only their own records.
			for range 3 {
				got := fmt.Sprint(eval(t, e, `
					local a, b = gather(function() return echo(3) end, function() return gather(function() return 4 end) end)
					local c = {gather(function() return 5 end, function() return echo(6) end, function() return 7 end)}
					return a, b, c[1], c[2], c[3]`))
				if got != "[3 4 5 6 7]" {
					t.Fatalf("next gathers: got %s", got)
				}
			}
		})
	}
}

func TestGatherFailFast(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	var started, cancelled atomic.Int64
	e.Register("block", func(ctx context.Context, args []any) ([]any, error) {
		started.Add(1)
		<-ctx.Done()
		cancelled.Add(1)
		return nil, ctx.Err()
	})
	cases := []struct {
		name, code, want string
	}{
		{"positional", `gather(function() return block() end, function() sleep(0.01) fail("boom") end, function() return block() end)`, "gather: branch 2 failed: stdin:1: boom"},
		{"named", `gather{balance = function() sleep(0.01) fail("no balance") end, other = function() return block() end}`, "gather: branch 'balance' failed: stdin:1: no balance"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			started.Store(0)
			cancelled.Store(0)
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			want := int64(strings.Count(tc.code, "block()"))
			waitFor(t, func() bool { return started.Load() == want && cancelled.Load() == want })
		})
	}
	got := eval(t, e, `local ok, err = pcall(gather, function() fail("x") end) return ok, err`)
	if got[0] != false || got[1] != "gather: branch 1 failed: stdin:1: x" {
		t.Errorf("pcall(gather) %v", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(time.Millisecond)
	}
}

// countingPinner counts Head and Resolve calls.
type countingPinner struct {
	heads    atomic.Int64
	mu       sync.Mutex
	resolved []any
}

func (p *countingPinner) Head(ctx context.Context) (string, error) {
	p.heads.Add(1)
	time.Sleep(2 * time.Millisecond) // let other branches ask meanwhile
	return "0xhead", nil
}

func (p *countingPinner) Resolve(ctx context.Context, block any) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resolved = append(p.resolved, block)
	return fmt.Sprintf("0xblock%v", block), nil
}

func TestPinning(t *testing.T) {
	pinFn := func(ctx context.Context, args []any) ([]any, error) {
		hash, ok, err := Pin(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return []any{"latest"}, nil
		}
		return []any{hash}, nil
	}
	cases := []struct {
		name      string
		code      string
		ctx       func(context.Context) context.Context
		heads     int64
		resolved  string
		wantFirst any
	}{
		{"no gather", `return pinned()`, nil, 0, "[]", "latest"},
		{"gather of 100", `local fs = {} for i = 1, 100 do fs[i] = function() return pinned() end end return gather(unpack(fs))`, nil, 1, "[]", "0xhead"},
		{"nested gathers", `return gather(function() return gather(function() return pinned() end, function() return pinned() end) end, function() return pinned() end)`, nil, 1, "[]", "0xhead"},
		{"spawn inherits", `return gather(function() return spawn(function() return pinned() end):wait() end, function() return pinned() end)`, nil, 1, "[]", "0xhead"},
		{"gather without pin", `return gather(function() return echo(1) end, function() return 2 end)`, nil, 0, "[]", int64(1)},
		{"at", `return at(123, function() return gather(function() return pinned() end, function() return pinned() end) end)`, nil, 0, "[123]", "0xblock123"},
		{"at hash", `return at("0xabc", pinned)`, nil, 0, "[0xabc]", "0xblock0xabc"},
		{"WithPin", `return gather(function() return pinned() end)`, func(c context.Context) context.Context { return WithPin(c, "0xrun") }, 0, "[]", "0xrun"},
		{"WithBlock", `return pinned(), pinned()`, func(c context.Context) context.Context { return WithBlock(c, int64(7)) }, 0, "[7]", "0xblock7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &countingPinner{}
			e, _ := newTestEngine(t, Options{Pinner: p})
			e.Register("pinned", pinFn)
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(ctx)
			}
			res, err := e.Eval(ctx, tc.code)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Go()[0]; got != tc.wantFirst {
				t.Errorf("first result %v, want %v", got, tc.wantFirst)
			}
			if p.heads.Load() != tc.heads {
				t.Errorf("Head called %d times, want %d", p.heads.Load(), tc.heads)
			}
			if got := fmt.Sprint(p.resolved); got != tc.resolved {
				t.Errorf("Resolve calls %s, want %s", got, tc.resolved)
			}
		})
	}
	t.Run("no pinner", func(t *testing.T) {
		e, _ := newTestEngine(t, Options{})
		_, err := e.Eval(context.Background(), `at(1, function() end)`)
		if err == nil || !strings.Contains(err.Error(), "no Pinner") {
			t.Errorf("error %v", err)
		}
	})
}

// TestYieldContexts covers every place where gopher-lua cannot yield by
// itself.
func TestYieldContexts(t *testing.T) {
	e, out := newTestEngine(t, Options{})
	cases := []struct {
		name, code, want string
	}{
		{"pcall", `return pcall(echo, 1, 2)`, "[true 1 2]"},
		{"pcall of Lua function", `return pcall(function(x) return echo(x) + 1 end, 41)`, "[true 42]"},
		{"pcall error", `local ok, err = pcall(function() fail("E") end) return ok, err`, "[false stdin:1: E]"},
		{"nested pcall", `return pcall(pcall, echo, 3)`, "[true true 3]"},
		{"xpcall", `return xpcall(function() return echo(7) end, print)`, "[true 7]"},
		{"xpcall handler", `return xpcall(function() fail("E") end, function(m) return "handled " .. m end)`, "[false handled stdin:1: E]"},
		{"xpcall handler async", `return xpcall(function() error("E", 0) end, function(m) return echo("h:" .. m) end)`, "[false h:E]"},
		{"coroutine.wrap interleaving", `
			local gen = coroutine.wrap(function()
				for i = 1, 3 do coroutine.yield(echo(i * 10)) end
				return "end"
			end)
			return gen(), gen(), gen(), gen()`, "[10 20 30 end]"},
		{"coroutine create/resume/status", `
			local co = coroutine.create(function(a)
				local b = coroutine.yield(echo(a), coroutine.status(coroutine.running()))
				return b + echo(1)
			end)
			local ok1, v1, st = coroutine.resume(co, 5)
			local s1 = coroutine.status(co)
			local ok2, v2 = coroutine.resume(co, 10)
			local ok3, msg = coroutine.resume(co)
			return ok1, v1, st, s1, ok2, v2, coroutine.status(co), ok3, msg`, "[true 5 running suspended true 11 dead false cannot resume dead coroutine]"},
		{"coroutine error", `local co = coroutine.create(function() fail("X") end) return coroutine.resume(co)`, "[false stdin:1: X]"},
		{"yield through pcall in coroutine", `
			local co = coroutine.wrap(function()
				local ok, v = pcall(function() return coroutine.yield(echo(1)) end)
				return ok, v
			end)
			local first = co()
			local ok, v = co("back")
			return first, ok, v`, "[1 true back]"},
		{"gather inside coroutine", `
			local co = coroutine.wrap(function() return gather(function() return echo(1) end, function() return echo(2) end) end)
			return co()`, "[1 2]"},
		{"for iterator", `
			local function iter(_, i) if i < 3 then return echo(i + 1) end end
			local t = {} for i in iter, nil, 0 do t[#t + 1] = i end
			return unpack(t)`, "[1 2 3]"},
		{"iterator from coroutine.wrap", `
			local t = {}
			for v in coroutine.wrap(function() for i = 1, 3 do coroutine.yield(echo(i)) end end) do t[#t + 1] = v end
			return unpack(t)`, "[1 2 3]"},
		{"__index metamethod", `
			local t = setmetatable({}, {__index = function(_, k) return echo(k .. "!") end})
			return t.a, t.b`, "[a! b!]"},
		{"__add metamethod", `
			local mt = {__add = function(a, b) return echo(a.v + b.v) end}
			local x, y = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
			return x + y`, "[3]"},
		{"table.sort comparator", `local t = {3, 1, 2} table.sort(t, function(a, b) return echo(a) < echo(b) end) return unpack(t)`, "[1 2 3]"},
		{"string.gsub callback", `return (string.gsub("a b", "%a", function(c) return echo(c:upper()) end))`, "[A B]"},
		{"gather in iterator", `
			local function iter(_, i) if i < 2 then return gather(function() return echo(i + 1) end) end end
			local s = 0 for i in iter, nil, 0 do s = s + i end return s`, "[3]"},
		{"async function as __index", `local t = setmetatable({n = 1}, {__index = echo}) return t.x.n`, "[1]"},
		{"async function as __call", `local t = setmetatable({}, {__call = echo}) return select(2, t(5))`, "[5]"},
		{"async function as iterator", `local n = 0 for a, b in echo, 1, 2 do n = n + a + b if n > 6 then break end end return n`, "[7]"},
		{"pcall in metamethod", `
			local t = setmetatable({}, {__index = function(_, k) return select(2, pcall(echo, k)) end})
			return t.x`, "[x]"},
		{"yield across metamethod", `
			local co = coroutine.wrap(function()
				local t = setmetatable({}, {__index = function() return coroutine.yield(1) end})
				return t.x
			end)
			return pcall(co)`, "[false"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Eval(context.Background(), tc.code)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(res.Go()); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	_ = out
}

// TestIteratorKeepsOthersRunning: while one coroutine waits inside an
// iterator, other coroutines of the script keep running.
func TestIteratorKeepsOthersRunning(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	p := &concurrencyProbe{delay: 50 * time.Millisecond}
	e.Register("slow", p.fn)
	got := eval(t, e, `
		local function iter(_, i) if i < 1 then return slow(i + 1) end end
		return gather(
			function() local s = 0 for i in iter, nil, 0 do s = s + i end return s end,
			function() return slow(2) end)`)
	if fmt.Sprint(got) != "[1 2]" {
		t.Errorf("got %v", got)
	}
	if p.max.Load() != 2 {
		t.Errorf("max concurrency %d, want 2", p.max.Load())
	}
}

func TestSpawnSleepTimeout(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct {
		name, code, want string
	}{
		{"spawn wait", `local t = spawn(function(a) return echo(a) end, 9) return t:wait()`, "[9]"},
		{"spawn runs concurrently", `
			local order = {}
			local t = spawn(function() sleep(0.02) order[#order+1] = "task" end)
			order[#order+1] = "main"
			t:wait()
			return unpack(order)`, "[main task]"},
		{"spawn error on wait", `local t = spawn(function() fail("bad") end) return pcall(t.wait, t)`, "[false stdin:1: bad]"},
		{"cancel", `local t = spawn(function() sleep(10) end) t:cancel() return pcall(t.wait, t)`, "[false task cancelled]"},
		{"done", `local t = spawn(function() return 1 end) local before = t:done() t:wait() return before, t:done()`, "[false true]"},
		{"timeout ok", `return timeout(1, function(x) return echo(x) end, 4)`, "[4]"},
		{"timeout expires", `return pcall(timeout, 0.02, function() sleep(5) end)`, "[false timeout after 0.02s]"},
		{"timeout in Lua loop", `return pcall(timeout, 0.02, function() while true do end end)`, "[false timeout after 0.02s]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Eval(context.Background(), tc.code)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(res.Go()); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// A task left running is cancelled when the script ends.
	var stopped atomic.Bool
	e.Register("forever", func(ctx context.Context, args []any) ([]any, error) {
		<-ctx.Done()
		stopped.Store(true)
		return nil, ctx.Err()
	})
	eval(t, e, `spawn(forever) sleep(0.01) return 1`)
	waitFor(t, stopped.Load)
}

func TestLimits(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		code string
		want string
		is   error
	}{
		{"infinite loop", Options{Timeout: 100 * time.Millisecond}, `while true do end`, "stdin:1: script timed out after 100ms", ErrTimeout},
		{"timeout while waiting", Options{Timeout: 100 * time.Millisecond}, "local x = 1\nsleep(10)", "stdin:2: script timed out", ErrTimeout},
		{"deep recursion", Options{}, `local function f(n) return 1 + f(n + 1) end return f(1)`, "stack overflow", nil},
		{"too many results", Options{RegistryMaxSize: 4096}, `return select('#', many())`, "stdin:1: registry overflow", nil},
		{"string.rep", Options{}, `return #string.rep("x", 1e10)`, "string.rep: result of 10000000000 bytes exceeds the limit", nil},
		{"table growth", Options{MemoryLimit: 64 << 20, Timeout: 30 * time.Second}, `local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end`, "memory limit exceeded", ErrMemoryLimit},
		{"deadlock", Options{}, `local a, b a = spawn(function() sleep(0) return b:wait() end) b = spawn(function() sleep(0) return a:wait() end) return a:wait()`, "deadlock", ErrDeadlock},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newTestEngine(t, tc.opts)
			// many returns more values than the value stack of a coroutine
			// with RegistryMaxSize 4096 holds.
			e.Register("many", func(ctx context.Context, args []any) ([]any, error) {
				return make([]any, 5000), nil
			})
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			t.Logf("stopped with: %v", err)
			// The engine is still usable.
			if got := fmt.Sprint(eval(t, e, `return echo(1)`)); got != "[1]" {
				t.Errorf("after limit: %s", got)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	started := make(chan struct{})
	var sawCancel atomic.Bool
	e.Register("hang", func(ctx context.Context, args []any) ([]any, error) {
		close(started)
		<-ctx.Done()
		sawCancel.Store(true)
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := e.Eval(ctx, `hang()`)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("error %v", err)
	}
	waitFor(t, sawCancel.Load)
	// A call that ignores its context does not hold up cancellation.
	release := make(chan struct{})
	e.Register("stubborn", func(ctx context.Context, args []any) ([]any, error) {
		<-release
		return nil, nil
	})
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = e.Eval(ctx, `stubborn()`)
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	// Lua loops stop on cancellation too.
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err = e.Eval(ctx, `while true do pcall(function() end) end`); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	if got := fmt.Sprint(eval(t, e, `return echo("again")`)); got != "[again]" {
		t.Errorf("after cancel: %s", got)
	}
}

func TestGoroutinesFinishOnClose(t *testing.T) {
	base := runtime.NumGoroutine()
	e := New(Options{Stdout: &bytes.Buffer{}})
	e.Register("hang", func(ctx context.Context, args []any) ([]any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	e.Eval(ctx, `gather(hang, hang, function() spawn(hang) sleep(10) end)`)
	e.Eval(context.Background(), `spawn(hang) return 1`)
	e.Close()
	e.Close()
	if _, err := e.Eval(context.Background(), "1"); !errors.Is(err, ErrClosed) {
		t.Errorf("Eval after Close: %v", err)
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= base })
}

func TestSandbox(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct {
		name, code, want string
	}{
		{"no dofile", `return dofile == nil, loadfile == nil, require == nil, module == nil`, "[true true true true]"},
		{"no io", `return io == nil`, "[true]"},
		{"os restricted", `return os.execute == nil, os.exit == nil, os.getenv == nil, type(os.time()), type(os.clock()), type(os.date())`, "[true true true number number string]"},
		{"loadstring text", `return loadstring("return 1 + 1")()`, "[2]"},
		{"loadstring binary", `local f, err = loadstring("\27Lua") return f, err`, "[<nil> binary chunks are not allowed]"},
		{"load text", `return load("return 1 + 1")()`, "[2]"},
		{"load binary", `local f, err = load("\27Lua") return f, err`, "[<nil> binary chunks are not allowed]"},
		{"load reader", `local i = 0 return load(function() i = i + 1 if i == 1 then return "return 7" end end)()`, "[7]"},
		{"string table math", `return string.format("%d", 3), table.concat({1, 2}, ","), math.floor(1.5)`, "[3 1,2 1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(eval(t, e, tc.code)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	io := New(Options{AllowIO: true})
	defer io.Close()
	res, err := io.Eval(context.Background(), `return type(io.open), type(os.getenv), type(dofile), type(require)`)
	if err != nil || fmt.Sprint(res.Go()) != "[function function function function]" {
		t.Errorf("AllowIO: %v %v", res.Go(), err)
	}
}

func TestInt(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct {
		name, code, want string
	}{
		{"2^64+1", `local x = int(2)^64 + 1 return tostring(x), isint(x), type(x)`, "[18446744073709551617 true userdata]"},
		{"arith", `local x = int("18446744073709551617") return tostring(x * 2 - 1), tostring((x - 1) / 2), tostring(x % 10), tostring(-x)`, "[36893488147419103233 9223372036854775808 7 -18446744073709551617]"},
		{"stays an Int", `local x = int(2)^64 + 5 local y = x - int(2)^64 return tostring(y), type(y)`, "[5 userdata]"},
		{"2^53 boundary", `local a = int(2)^53 local b = int(a) + 1 return type(a), type(b), tostring(b)`, "[userdata userdata 9007199254740993]"},
		{"sum stays exact", `local s = int(0) for i = 1, 3 do s = s + 4503599627370497 end return tostring(s)`, "[13510798882111491]"},
		{"number on the left", `local s = 4503599627370497 + int(4503599627370497) + 4503599627370497 return tostring(s)`, "[13510798882111491]"},
		{"exact division", `return tostring(int(12) / 4), tostring(int(-12) / 4)`, "[3 -3]"},
		{"floor division", `return tostring(int.div(7, 2)), tostring(int.div(int(-7), 2)), tostring(int.div(7, -2)), tostring(int.div(-7, -2))`, "[3 -4 -4 3]"},
		{"div and mod agree", `local ok = true for a = -9, 9 do for b = -4, 4 do if b ~= 0 then local q, m = int.div(a, b), int(a) % b ok = ok and q * b + m == int(a) and tostring(m) == tostring(a % b) end end end return ok`, "[true]"},
		{"format", `return string.format("%d|%s|%5i|%x", int(2)^64, int(-3), int(42), int(255))`, "[18446744073709551616|-3|   42|ff]"},
		{"compare", `local a, b = int(2)^64, int(2)^64 + 1 return a < b, a <= b, b < a, a == int("18446744073709551616"), a ~= b`, "[true true false true true]"},
		{"int() small is Int", `return int(5) < int(2)^60, type(int(5)), int(5) == int(5)`, "[true userdata true]"},
		{"mixed number arith", `return tostring(int(2)^64 + 1 - 1)`, "[18446744073709551616]"},
		{"concat", `return "v=" .. (int(2)^64) .. "!"`, "[v=18446744073709551616!]"},
		{"tonumber", `return tonumber(int(2)^64) == 2^64, tonumber("12")`, "[true 12]"},
		{"hex", `return tostring(int("0xffffffffffffffffff"))`, "[4722366482869645213695]"},
		{"modulo has the divisor's sign", `return tostring(int(-7) % 3), tostring(int(7) % -3)`, "[2 -2]"},
		{"to Go", `return int(2)^64`, "[18446744073709551616]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(eval(t, e, tc.code)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	errCases := []struct {
		name, code, want string
	}{
		{"mix float", `return int(2)^64 + 1.5`, "cannot mix non-integer number 1.5 with exact integer"},
		{"mix big float", `return int(2)^64 + 2^60`, "cannot mix number 1152921504606846976 with exact integer: beyond 2^53"},
		{"mix nan", `return int(1) + 0/0`, "cannot mix non-integer number nan"},
		{"inexact division", `return int(7) / 2`, "7 / 2 is not an integer: use int.div(a, b)"},
		{"div zero", `return int(2)^64 / 0`, "integer division by zero"},
		{"floor div zero", `return int.div(1, 0)`, "int.div: division by zero"},
		{"negative exponent", `return int(2) ^ -1`, "exponent"},
		{"int of fraction", `return int(1.5)`, "bad argument #1 to 'int' (1.5 is not an integer)"},
		{"int of nan", `return int(0/0)`, "bad argument #1 to 'int' (nan is not an integer)"},
		{"int of inf", `return int(1/0)`, "bad argument #1 to 'int' (inf is not an integer)"},
		{"too large product", `local x = int(2)^4096 for i = 1, 16 do x = x * x end return x`, "exact integer too large: product would have at least 1048577 bits, the limit is 1048576"},
		{"too large power", `return int(3)^4096^2`, "exponent must be between 0 and 4096"},
		{"too large string", `return int(string.rep("9", 400000))`, "exact integer too large: a string of 400000 bytes"},
		{"int parse", `return int("12abc")`, "cannot parse"},
		{"compare of different types", `return 1 < "2"`, "attempt to compare number with string"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	// Go values beyond 2^53 arrive as Int; within, as numbers.
	e.Register("big", func(ctx context.Context, args []any) ([]any, error) {
		b, _ := new(big.Int).SetString("340282366920938463463374607431768211455", 10)
		return []any{b, uint64(1 << 60), int64(42), args[0]}, nil
	})
	got := eval(t, e, `local a, b, c, d = big(int(2)^70) return tostring(a), tostring(b + 1), type(c), tostring(d)`)
	if fmt.Sprint(got) != "[340282366920938463463374607431768211455 1152921504606846977 number 1180591620717411303424]" {
		t.Errorf("got %v", got)
	}
	got = eval(t, e, `local a = big(int(5)) return type(a), tostring(a)`)
	if fmt.Sprint(got) != "[userdata 340282366920938463463374607431768211455]" {
		t.Errorf("got %v", got)
	}
	// A *big.Int from Go is an Int whatever its size.
	e.Register("small", func(ctx context.Context, args []any) ([]any, error) { return []any{big.NewInt(7)}, nil })
	got = eval(t, e, `local a = small() return type(a), tostring(a + 1)`)
	if fmt.Sprint(got) != "[userdata 8]" {
		t.Errorf("got %v", got)
	}
}

type chainValue struct{ v string }

func (c chainValue) LuaValue(L *lua.LState) lua.LValue { return lua.LString("chain:" + c.v) }

func TestConversion(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	e.Register("values", func(ctx context.Context, args []any) ([]any, error) {
		return []any{nil, true, "s", []byte("b"), 1.5, int32(-3), uint8(7), []any{1, "two"}, map[string]any{"k": []string{"x"}}, chainValue{"v"}}, nil
	})
	got := eval(t, e, `local a, b, c, d, e, f, g, h, i, j = values() return a == nil, b, c, d, e, f, g, h[2], i.k[1], j`)
	if fmt.Sprint(got) != "[true true s b 1.5 -3 7 two x chain:v]" {
		t.Errorf("got %v", got)
	}
	e.Register("bad", func(ctx context.Context, args []any) ([]any, error) { return []any{struct{}{}}, nil })
	if _, err := e.Eval(context.Background(), `bad()`); err == nil || !strings.Contains(err.Error(), "cannot convert Go value of type struct {}") {
		t.Errorf("error %v", err)
	}
	var args []any
	e.Register("capture", func(ctx context.Context, a []any) ([]any, error) { args = a; return nil, nil })
	eval(t, e, `capture(nil, 1, 1.5, "s", {1, 2}, {a = 1}, {}, int(2)^64)`)
	if got := fmt.Sprintf("%#v", args[:7]); got != `[]interface {}{interface {}(nil), 1, 1.5, "s", []interface {}{1, 2}, map[string]interface {}{"a":1}, map[string]interface {}{}}` {
		t.Errorf("args %s", got)
	}
	if b, ok := args[7].(*big.Int); !ok || b.String() != "18446744073709551616" {
		t.Errorf("Int arg %v", args[7])
	}
}

func TestModulesAndSetup(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	m := NewModule().
		Async("query", func(ctx context.Context, args []any) ([]any, error) { return []any{"q"}, nil }).
		Sync("encode", func(L *lua.LState) int { L.Push(lua.LString("enc:" + L.CheckString(1))); return 1 }).
		Value("version", 3)
	if err := e.RegisterModule("chain", m); err != nil {
		t.Fatal(err)
	}
	if err := e.Setup("helpers", `function chain.both(x) return chain.query() .. chain.encode(x) end`); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(eval(t, e, `return chain.both("x"), chain.version`)); got != "[qenc:x 3]" {
		t.Errorf("got %s", got)
	}
	if err := e.Setup("broken", `error("setup failed")`); err == nil || !strings.Contains(err.Error(), "setup failed") {
		t.Errorf("Setup error %v", err)
	}
	if err := e.Do(func(L *lua.LState) error { L.SetGlobal("raw", lua.LNumber(1)); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(eval(t, e, `raw`)); got != "[1]" {
		t.Errorf("got %s", got)
	}
}

// TestCloseCancelsRun: Close does not wait for a sleeping script, it
// cancels it, and the run reports the cancellation.
func TestCloseCancelsRun(t *testing.T) {
	base := runtime.NumGoroutine()
	e := New(Options{Stdout: &bytes.Buffer{}})
	started := make(chan struct{})
	e.Register("started", func(ctx context.Context, args []any) ([]any, error) {
		close(started)
		return nil, nil
	})
	type outcome struct {
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		_, err := e.Eval(context.Background(), "started()\nsleep(30)\nreturn 1")
		done <- outcome{err}
	}()
	<-started
	begin := time.Now()
	e.Close()
	took := time.Since(begin)
	var out outcome
	select {
	case out = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Eval did not return after Close")
	}
	if took > 100*time.Millisecond {
		t.Errorf("Close took %s during sleep(30)", took)
	}
	if !errors.Is(out.err, context.Canceled) || !errors.Is(out.err, ErrClosed) {
		t.Fatalf("error %v, want a cancellation wrapping ErrClosed", out.err)
	}
	// Close may come while the script is still returning from started()
	// (line 1) or already in sleep (line 2).
	if msg := out.err.Error(); msg != "stdin:2: script cancelled: engine: closed" && msg != "stdin:1: script cancelled: engine: closed" {
		t.Errorf("message %q", msg)
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= base })
}

// TestTimeoutIsDeadline: a run stopped by Options.Timeout is both
// ErrTimeout and context.DeadlineExceeded.
func TestTimeoutIsDeadline(t *testing.T) {
	e, _ := newTestEngine(t, Options{Timeout: 20 * time.Millisecond})
	_, err := e.Eval(context.Background(), "sleep(5)")
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	if !strings.HasSuffix(err.Error(), "script timed out after 20ms") {
		t.Errorf("message %q", err.Error())
	}
}

// TestRunString: a named chunk with arguments.
func TestRunString(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	res, err := e.RunString(context.Background(), "job-7.lua", "local a, b, c = ...\nreturn a + 1, b .. '!', c.x", 41, "hi", map[string]any{"x": true})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Go()); got != "[42 hi! true]" {
		t.Errorf("results %s", got)
	}
	_, err = e.RunString(context.Background(), "job-8.lua", "local x = ...\n\nerror('bad ' .. x)", "input")
	if err == nil || err.Error() != "job-8.lua:3: bad input" {
		t.Errorf("error %v", err)
	}
	// The same code under another name is compiled under that name.
	_, err = e.RunString(context.Background(), "job-9.lua", "local x = ...\n\nerror('bad ' .. x)", "input")
	if err == nil || err.Error() != "job-9.lua:3: bad input" {
		t.Errorf("error %v", err)
	}
	if _, err = e.RunString(context.Background(), "job.lua", "return 1 +"); err == nil || !strings.HasPrefix(err.Error(), "job.lua:1:") {
		t.Errorf("syntax error %v", err)
	}
	if _, err = e.RunString(context.Background(), "", "return 1"); err == nil || !strings.Contains(err.Error(), "chunk name") {
		t.Errorf("no name: %v", err)
	}
	if _, err = e.RunString(context.Background(), "job.lua", "return 1", make(chan int)); err == nil || !strings.Contains(err.Error(), "argument 1") {
		t.Errorf("bad argument: %v", err)
	}
	// A statement chunk: an expression alone is a syntax error, as in a file.
	if _, err = e.RunString(context.Background(), "job.lua", "1 + 1"); err == nil {
		t.Error("an expression ran as a statement block")
	}
}

// TestOptionsOutOfRange: options out of range fail every call, naming the
// field, instead of being replaced by a default.
func TestOptionsOutOfRange(t *testing.T) {
	cases := []struct {
		opts Options
		want string
	}{
		{Options{Timeout: -time.Second}, "Timeout is -1000000000"},
		{Options{CallStackSize: -1}, "CallStackSize is -1"},
		{Options{RegistrySize: -5}, "RegistrySize is -5"},
		{Options{RegistryMaxSize: -1}, "RegistryMaxSize is -1"},
		{Options{MaxConcurrency: -2}, "MaxConcurrency is -2"},
		{Options{RegistrySize: 4096, RegistryMaxSize: 1024}, "RegistryMaxSize 1024 is below RegistrySize 4096"},
	}
	for _, tc := range cases {
		if err := tc.opts.Validate(); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.opts, err, tc.want)
		}
		e := New(tc.opts)
		if _, err := e.Eval(context.Background(), "1"); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Eval on New(%+v) = %v", tc.opts, err)
		}
		if err := e.Register("f", func(context.Context, []any) ([]any, error) { return nil, nil }); !errors.Is(err, ErrOptions) {
			t.Errorf("Register: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	if err := (Options{MemoryLimit: -1, RegistrySize: 1024, RegistryMaxSize: 1024}).Validate(); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
	e, _ := newTestEngine(t, Options{MaxConcurrency: 3})
	if got := e.Options(); got.MaxConcurrency != 3 || got.CallStackSize != DefaultCallStackSize {
		t.Errorf("Options() = %+v", got)
	}
}

// TestIntMetatableOfEachEngine: Ints made by arithmetic in one engine carry
// that engine's metatable even when engines take turns (the last
// metatable looked up is remembered), and the remembered one does not keep
// a closed engine's state alive.
func TestIntMetatableOfEachEngine(t *testing.T) {
	a, _ := newTestEngine(t, Options{})
	b, _ := newTestEngine(t, Options{})
	mtOf := func(e *Engine) (got, want lua.LValue) {
		if _, err := e.Eval(context.Background(), `x = int(2)^64 + 1 y = 1 + x`); err != nil {
			t.Fatal(err)
		}
		e.Do(func(L *lua.LState) error {
			want = L.GetTypeMetatable(IntTypeName)
			for _, name := range []string{"x", "y"} {
				ud, ok := L.GetGlobal(name).(*lua.LUserData)
				if !ok || ud.Metatable != want {
					t.Errorf("%s: metatable %v, want the engine's own %v", name, ud.Metatable, want)
				}
				got = ud.Metatable
			}
			return nil
		})
		return got, want
	}
	for range 3 {
		ma, _ := mtOf(a)
		mb, _ := mtOf(b)
		if ma == mb {
			t.Fatal("two engines share an Int metatable")
		}
	}
	g := func() weak.Pointer[lua.Global] {
		c := New(Options{Stdout: io.Discard})
		if _, err := c.Eval(context.Background(), `return tostring(int(2)^64 + 1)`); err != nil {
			t.Fatal(err)
		}
		p := weak.Make(c.state.G)
		c.Close()
		return p
	}()
	for i := 0; i < 10 && g.Value() != nil; i++ {
		runtime.GC()
	}
	if g.Value() != nil {
		t.Error("a closed engine's Lua state is still reachable after Int arithmetic")
	}
}

// TestResultsOutliveLaterResumes: what a task returned is kept while other
// coroutines run (the engine reuses one buffer for what each resume
// gives back), for spawned tasks, gather branches and the run itself.
func TestResultsOutliveLaterResumes(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	got := fmt.Sprint(eval(t, e, `
		local a = spawn(function() return "a1", "a2", "a3" end)
		local b = spawn(function() sleep(0.01) return "b1", "b2" end)
		local r = {gather(function() return "g1", "x" end, function() sleep(0) return "g2", "y" end)}
		sleep(0.02)
		local a1, a2, a3 = a:wait()
		local b1, b2 = b:wait()
		return a1, a2, a3, b1, b2, r[1], r[2], "end"`))
	if want := "[a1 a2 a3 b1 b2 g1 g2 end]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestGatherTableForms: a table of functions keyed 1..n and nothing else
// is gathered into a list without a key per branch; any other table keeps
// its keys, and a field that is not a function is named.
func TestGatherTableForms(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	const fs = `local function f(x) return function() return echo(x) end end `
	for _, c := range []struct{ name, code, want string }{
		{"list", fs + `local r = gather{f(1), f(2), f(3)} return #r, r[1], r[2], r[3]`, "[3 1 2 3]"},
		{"list and a name", fs + `local r = gather{f(1), f(2), n = f(3)} return #r, r[1], r[2], r.n`, "[2 1 2 3]"},
		{"list with a hole", fs + `local r = gather{[1] = f(1), [3] = f(3)} return r[1], r[2], r[3]`, "[1 <nil> 3]"},
		{"list of one", fs + `local r = gather{f("a")} return #r, r[1]`, "[1 a]"},
		{"empty", `return #gather{}`, "[0]"},
	} {
		if got := fmt.Sprint(eval(t, e, c.code)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	for _, c := range []struct{ name, code, want string }{
		{"not a function in a list", `gather{function() end, 5, function() end}`, "gather: field 2 is not a function (got number)"},
		{"not a function after a list", `gather{function() end, x = 5}`, "gather: field 'x' is not a function (got number)"},
		{"failed branch of a list", `gather{function() end, function() error("no", 0) end}`, "gather: branch 2 failed: no"},
	} {
		_, err := e.Eval(context.Background(), c.code)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	// The functions of a list are held only while the gather starts.
	e.Do(func(*lua.LState) error {
		for i, f := range e.fnbuf[:cap(e.fnbuf)] {
			if f != nil {
				t.Errorf("the engine still holds function %d of a finished gather", i+1)
				break
			}
		}
		if cap(e.fnbuf) < 3 {
			t.Errorf("no list was gathered through the scratch (cap %d)", cap(e.fnbuf))
		}
		return nil
	})
}

// TestTableConstructors: only a positional last field of a table
// constructor takes all the values of a call; a keyed one sets its key.
func TestTableConstructors(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	const two = `local function two() return 1, 2 end `
	for _, c := range []struct{ code, want string }{
		{two + `local t = {10, n = two()} return #t, t.n, t[2]`, "[1 1 <nil>]"},
		{two + `local t = {10, 20, n = select("#", 1, 2, 3)} return #t, t.n, t[3]`, "[2 3 <nil>]"},
		{two + `local t = {10, two()} return #t, t[2], t[3]`, "[3 1 2]"},
		{two + `local t = {two(), 10} return #t, t[1], t[2]`, "[2 1 10]"},
		{two + `local t = {n = two(), 10, two()} return #t, t.n, t[1], t[3]`, "[3 1 10 2]"},
	} {
		if got := fmt.Sprint(eval(t, e, c.code)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.code, got, c.want)
		}
	}
}

// TestStringBoxes: the strings passed to async calls are boxed once while
// they repeat (a gather's pallet and item), and each call still gets its
// own string's value.
func TestStringBoxes(t *testing.T) {
	var b stringBoxes
	pallet, item := "SubtensorModule", strings.Repeat("Tempo", 2)
	b.box(pallet)
	b.box(item)
	if n := testing.AllocsPerRun(100, func() { b.box(pallet); b.box(item) }); n != 0 {
		t.Errorf("%v allocations a call passing the same two strings, want 0", n)
	}
	// Calls that pass strings of their own as well (addresses, made at
	// run time) box only those.
	var own []string
	for i := range 300 {
		own = append(own, fmt.Sprint("5Grw", i), fmt.Sprint("5Fhe", i))
	}
	k := 0
	if n := testing.AllocsPerRun(100, func() {
		b.box(pallet)
		b.box(item)
		b.box(own[k%len(own)])
		b.box(own[(k+1)%len(own)])
		k += 2
	}); n != 2 {
		t.Errorf("%v allocations a call passing two strings of its own, want 2", n)
	}
	for i, s := range []string{pallet, "", item, strings.Clone(pallet), "x", "", pallet[:6], pallet} {
		if got := b.box(s); got != s {
			t.Errorf("string %d: boxed %q, want %q", i, got, s)
		}
	}
}

// TestModulo: % of two integers takes the integer remainder, and gives what
// the float formula gives (the result has the divisor's sign), for every
// pair of integers, fractions, zeros, infinities and NaN.
func TestModulo(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	vals := []float64{0, 1, -1, 2, -2, 3, -3, 7, -7, 1000, -1000, 12345, -12345, 1 << 52, -(1 << 52),
		1<<53 - 1, 1 << 53, 1 << 60, 0.5, -0.5, 2.5, math.Inf(1), math.Inf(-1), math.NaN()}
	var sb strings.Builder
	sb.WriteString("local v = {")
	for _, v := range vals {
		fmt.Fprintf(&sb, "%s, ", luaNumber(v))
	}
	sb.WriteString("} local out = {} for i = 1, #v do for j = 1, #v do out[#out + 1] = v[i] % v[j] end end return unpack(out)")
	res, err := e.Eval(context.Background(), sb.String())
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range vals {
		for j, b := range vals {
			want := math.Mod(a, b)
			if b > 0 && want < 0 || b < 0 && want > 0 {
				want += b
			}
			got := float64(res.Values[i*len(vals)+j].(lua.LNumber))
			if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("%v %% %v = %v, want %v", a, b, got, want)
			}
		}
	}
}

func luaNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "0/0"
	case math.IsInf(f, 1):
		return "1/0"
	case math.IsInf(f, -1):
		return "-1/0"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// TestIntAddSub: + and - of Ints, done without calling the metamethods,
// give what the metamethods give — values, errors, the size limit — and a
// script that replaces __add or __sub gets its own.
func TestIntAddSub(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	for _, c := range []struct{ code, want string }{
		{`return tostring(int(2)^64 + 1), tostring(1 + int(2)^64), tostring(int(2)^64 + int(2)^64)`, "[18446744073709551617 18446744073709551617 36893488147419103232]"},
		{`return tostring(int(5) - 7), tostring(7 - int(5)), tostring(int(-3) - int(-3)), type(int(1) - 1)`, "[-2 2 0 userdata]"},
		{`local s = 0 for i = 1, 1000 do s = s + int(i) end return tostring(s)`, "[500500]"},
		{`return tostring(int(1) + 9007199254740992), tostring(int(0) - 9007199254740992)`, "[9007199254740993 -9007199254740992]"},
		// 2^1048575 has 1,048,576 bits, the limit; the sum of two is one more.
		{`local x = int(2)^4096 for i = 1, 7 do x = x * x end local y = x * (x / 2) return isint(y), y - y == int(0)`, "[true true]"},
	} {
		if got := fmt.Sprint(eval(t, e, c.code)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.code, got, c.want)
		}
	}
	for _, c := range []struct{ code, want string }{
		{`local x = int(2)^4096 for i = 1, 7 do x = x * x end local y = x * (x / 2) return y + y`, "exact integer too large: 1048577 bits, the limit is 1048576"},
		{`local x = int(2)^4096 for i = 1, 7 do x = x * x end local y = x * (x / 2) return -y - y`, "exact integer too large: 1048577 bits, the limit is 1048576"},
		{`return int(1) + 0.5`, "cannot mix non-integer number 0.5 with exact integer"},
		{`return 2^60 - int(1)`, "cannot mix number 1152921504606846976 with exact integer"},
		{`return int(1) + {}`, "attempt to perform arithmetic on table and exact integer"},
		{`return int(1) + "2"`, "attempt to perform arithmetic on string and exact integer"},
	} {
		if _, err := e.Eval(context.Background(), c.code); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.code, err, c.want)
		}
	}
	// The script's own metamethods win.
	got := eval(t, e, `local mt = getmetatable(int(1))
		local add, sub = mt.__add, mt.__sub
		mt.__add = function(a, b) return "added" end
		mt.__sub = function(a, b) return "subtracted" end
		local r = {int(1) + 1, 1 - int(1)}
		mt.__add, mt.__sub = add, sub
		return r[1], r[2], tostring(int(1) + 1)`)
	if fmt.Sprint(got) != "[added subtracted 2]" {
		t.Errorf("with the script's metamethods: %v", got)
	}
}

// TestIpairs: a for loop over ipairs, stepped without calling the
// iterator, gives what the iterator gives.
func TestIpairs(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	const seq = `local function seq(...) local o = {} for i, v in ... do o[#o + 1] = tostring(i) .. "=" .. tostring(v) end return table.concat(o, " ") end `
	for _, c := range []struct{ code, want string }{
		{seq + `return seq(ipairs({"a", "b", "c"}))`, "[1=a 2=b 3=c]"},
		{seq + `return seq(ipairs({"a", nil, "c"}))`, "[1=a]"},
		{seq + `local t = {} t[3] = "c" t[2] = "b" t[1] = "a" return seq(ipairs(t))`, "[1=a 2=b 3=c]"},
		{seq + `return seq(ipairs(setmetatable({}, {__index = function(_, i) return i end})))`, "[]"},
		{seq + `return seq(ipairs({}))`, "[]"},
		{seq + `local f = ipairs({}) return seq(f, {"a", "b", "c"}, 1.5)`, "[2=b 3=c]"},
		{`local o = {} for i in ipairs({"a", "b"}) do o[#o + 1] = i end return table.concat(o, ",")`, "[1,2]"},
		{`local o = {} for i, v, x in ipairs({"a", "b"}) do o[#o + 1] = tostring(x) end return table.concat(o, ",")`, "[nil,nil]"},
		{`local t = {1} local n = 0 for i, v in ipairs(t) do n = n + 1 if i < 5 then t[i + 1] = i + 1 end end return n`, "[5]"},
		{`local s = 0 for _, v in ipairs({int(2)^64, 1}) do s = s + v end return tostring(s)`, "[18446744073709551617]"},
	} {
		if got := fmt.Sprint(eval(t, e, c.code)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.code, got, c.want)
		}
	}
	_, err := e.Eval(context.Background(), `local f = ipairs({}) for i, v in f, "x", 0 do end`)
	if err == nil || !strings.Contains(err.Error(), "bad argument #1") {
		t.Errorf("ipairs's iterator over a string: %v", err)
	}
}

// TestGenericFor: the expressions of a generic for fill generator, state
// and control whatever the number of names (a table constructor's items
// once stayed in the control register).
func TestGenericFor(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	for _, c := range []struct{ code, want string }{
		{`local n = 0 for k, v in next, {"a", "b"} do n = n + 1 end return n`, "[2]"},
		{`local n = 0 for k in next, {"a", "b", "c"} do n = n + 1 end return n`, "[3]"},
		{`local o = {} for a, b, c, d in ipairs({"x"}) do o = {a, b, tostring(c), tostring(d)} end return unpack(o)`, "[1 x nil nil]"},
		{`local n, seen = 0, false for k in next, {"a"}, nil, (function() seen = true end)() do n = n + 1 end return n, seen`, "[1 true]"},
	} {
		if got := fmt.Sprint(eval(t, e, c.code)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.code, got, c.want)
		}
	}
}

// TestGatherBranchesGrowTheirStacks: the threads of a gather are made
// together (see newThread), each with a small value stack and one
// call-frame segment; branches that call deep, with many values, while
// the others wait, grow their own and leave their neighbours' alone.
func TestGatherBranchesGrowTheirStacks(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	got := eval(t, e, `
		local function deep(n, a, b, c, d, e, f, g, h)
			if n == 0 then sleep(0) return a + b + c + d + e + f + g + h end
			return 1 + deep(n - 1, a, b, c, d, e, f, g, h)
		end
		local fs = {}
		for i = 1, 3000 do
			fs[i] = function()
				local before = {i, i + 1, i + 2}
				local r = deep(i % 60, i, 1, 1, 1, 1, 1, 1, 1)
				return r * 10000 + before[1] + before[2] + before[3] - 3 * i
			end
		end
		local rs, bad = gather(fs), 0
		for i, r in ipairs(rs) do
			if r ~= (i % 60 + i + 7) * 10000 + 3 then bad = bad + 1 end
		end
		return #rs, bad`)
	if fmt.Sprint(got) != "[3000 0]" {
		t.Errorf("got %v, want 3000 results and none wrong", got)
	}
}

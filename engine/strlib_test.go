package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Results as the reference Lua 5.1 gives them.
func TestPatterns(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct{ code, want string }{
		{`return string.find("hello world", "o w")`, "[5 7]"},
		{`return string.find("hello", "l+")`, "[3 4]"},
		{`return string.find("hello", "(l)(l)")`, "[3 4 l l]"},
		{`return string.find("a.b", ".", 1, true)`, "[2 2]"},
		{`return string.find("a+b", "+")`, "[2 2]"},
		{`return string.find("abc", "b", -1)`, "[<nil>]"},
		{`return string.find("abc", "", 10)`, "[4 3]"},
		{`return string.find("abc", "^b")`, "[<nil>]"},
		{`return string.match("key = value", "(%w+)%s*=%s*(%w+)")`, "[key value]"},
		{`return string.match("hello", "()ll()")`, "[3 5]"},
		{`return string.match("  x  ", "^%s*(.-)%s*$")`, "[x]"},
		{`return string.match("THE (quick) fox", "%((%a+)%)")`, "[quick]"},
		{`return string.match("f(a(b)c)d", "%b()")`, "[(a(b)c)]"},
		{`return string.match("THE (quick) fox", "%f[%a]%a+%f[%A]", 5)`, "[quick]"},
		{`return string.match("abab", "(ab)%1")`, "[ab]"},
		{`return string.match("x=1, y=22", "y=(%d+)")`, "[22]"},
		{`return string.match("a]b", "[]]")`, "[]]"},
		{`return string.match("a-b", "[a%-]+")`, "[a-]"},
		{`return string.match("0xFF", "^0[xX](%x+)$")`, "[FF]"},
		{`return string.match("abc", "[^a]+")`, "[bc]"},
		{`return string.match("aaa", "a-b")`, "[<nil>]"},
		{`return string.match("aaab", "a-b")`, "[aaab]"},
		{`return string.match("hello", "xyz")`, "[<nil>]"},
		{`return string.gsub("hello world", "o", "0")`, "[hell0 w0rld 2]"},
		{`return string.gsub("hello world", "(%w+)", "<%1>")`, "[<hello> <world> 2]"},
		{`return string.gsub("hello", "", "-")`, "[-h-e-l-l-o- 6]"},
		{`return string.gsub("abc", "%w", "%0%0")`, "[aabbcc 3]"},
		{`return string.gsub("abc", "%w", "%%")`, "[%%% 3]"},
		{`return string.gsub("hello world", "%w+", {hello = "HI"})`, "[HI world 2]"},
		{`return string.gsub("a b", "%w", function(c) return c:upper() .. 1 end)`, "[A1 B1 2]"},
		{`return string.gsub("a b", "%w", function(c) return nil end)`, "[a b 2]"},
		{`return string.gsub("abc", "%w", "x", 2)`, "[xxc 2]"},
		{`return string.gsub("aaa", "^a", "b")`, "[baa 1]"},
		{`return string.gsub("abc", "b*", "-")`, "[-a--c- 4]"},
		{`local t = {} for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do t[#t+1] = k .. v end return table.concat(t, ",")`, "[a1,b2]"},
		{`local n = 0 for w in ("one two  three"):gmatch("%a+") do n = n + 1 end return n`, "[3]"},
		{`local t = {} for w in ("abc"):gmatch("") do t[#t+1] = "." end return #t`, "[4]"},
		{`return ("x"):rep(3), ("ab"):reverse(), ("aBc\200"):upper(), ("AbC"):lower()`, "[xxx ba ABC\xc8 abc]"},
		{`return table.concat({1, "b", 3.5}, "-"), table.concat({}, ","), table.concat({"a", "b", "c"}, "", 2, 3)`, "[1-b-3.5  bc]"},
		{`return string.format("%5.1f|%-3d|%s|%q|%x|%%", 3.14159, 7, "s", "q", 255)`, "[  3.1|7  |s|\"q\"|ff|%]"},
		{`return select("#", unpack({1, 2, 3}))`, "[3]"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			if got := fmt.Sprint(eval(t, e, tc.code)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	errCases := []struct{ code, want string }{
		{`return string.find("a", "%")`, "malformed pattern (ends with '%')"},
		{`return string.find("a", "[a")`, "malformed pattern (missing ']')"},
		{`return string.find("a", "(a")`, "unfinished capture"},
		{`return string.match("a", "a)")`, "invalid pattern capture"},
		{`return string.find("a", "%1")`, "invalid capture index"},
		{`return string.find("a", "%b")`, "unbalanced pattern"},
		{`return string.find("a", "%fa")`, "missing '[' after '%f' in pattern"},
		{`return string.find(("a"):rep(300), ("a?"):rep(300))`, "pattern too complex"},
		{`return string.gsub("a", "a", true)`, "string/function/table expected, got boolean"},
		{`return string.gsub("a", "a", function() return {} end)`, "invalid replacement value (a table)"},
		{`return table.concat({1, {}, 3})`, "invalid value (at index 2) in table for 'concat'"},
		{`return string.format("%123d", 1)`, "invalid format (width or precision too long)"},
		{`return string.format("%d")`, "bad argument #2 to 'format' (no value)"},
		{`return string.format("%y", 1)`, "invalid option '%y'"},
		{`return unpack({}, 1, 1e8)`, "unpack: 100000000 values exceed the stack limit of 1048576"},
		{`return string.rep("ab", 2^40)`, "string.rep: result of 2199023255552 bytes exceeds the limit of 67108864"},
	}
	for _, tc := range errCases {
		t.Run(tc.code, func(t *testing.T) {
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "stdin:1:") {
				t.Errorf("error %v, want stdin:1: … %q", err, tc.want)
			}
		})
	}
}

// A pattern with catastrophic backtracking stops when the run's time is up.
func TestPatternStopsAtTimeout(t *testing.T) {
	for _, fn := range []string{"find", "match", "gsub", "gmatch"} {
		t.Run(fn, func(t *testing.T) {
			e, _ := newTestEngine(t, Options{Timeout: 300 * time.Millisecond})
			code := fmt.Sprintf(`local p = ("a?"):rep(28) .. ("a"):rep(28) local s = ("a"):rep(28)
				if %[1]q == "gsub" then return s:gsub(p, "") elseif %[1]q == "gmatch" then return s:gmatch(p)() end
				return s:%[1]s(p)`, fn)
			start := time.Now()
			_, err := e.Eval(context.Background(), code)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("error %v, want a timeout", err)
			}
			// The bound the README promises: about a second.
			if d := time.Since(start); d > 1300*time.Millisecond {
				t.Errorf("stopped after %v", d)
			}
		})
	}
}

// Each builtin refuses a result the run's memory cannot hold, before
// allocating it, naming itself and the sizes.
func TestBuiltinMemoryChecks(t *testing.T) {
	e, _ := newTestEngine(t, Options{MemoryLimit: 64 << 20})
	cases := []struct{ code, want string }{
		{`local s = ("x"):rep(1 * 2^20) return #s:gsub(".", s)`, "string.gsub: "},
		{`local s = ("x"):rep(8 * 2^20) local t = {} for i = 1, 40 do t[i] = s end return #table.concat(t)`, "table.concat: 335544320 bytes would exceed the memory limit of 67108864 bytes"},
		{`local s = ("x"):rep(48 * 2^20) return #string.rep(s, 1)`, "string.rep: "},
		{`local s = ("x"):rep(48 * 2^20) return #s:upper()`, "string.upper: "},
		{`local s = ("x"):rep(48 * 2^20) return #s:lower()`, "string.lower: "},
		{`local s = ("x"):rep(48 * 2^20) return #s:reverse()`, "string.reverse: "},
		{`local s = ("x"):rep(48 * 2^20) return #string.format("%s%s", s, s)`, "string.format: "},
		{`local s = ("x"):rep(48 * 2^20) return #(s .. int(1))`, "..: "},
		{`local f = function() end local t = {} for i = 1, 100000 do t[i] = f end local x = gather(t) return x`, "gather: 307200000 bytes would exceed the memory limit of 67108864 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			// Garbage other tests left counts as room for the run (the
			// limit is approximate by that much): start from none.
			runtime.GC()
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "stdin:1:") {
				t.Errorf("error %v, want stdin:1: … %q", err, tc.want)
			}
		})
	}
	// A result that fits is built even where doubling its buffer would
	// not fit.
	// With 20 MiB of source, growing the buffer from 32 to 64 MiB would
	// take 116 MiB; growing it by a quarter takes 92.
	e96, _ := newTestEngine(t, Options{MemoryLimit: 96 << 20})
	runtime.GC()
	got0 := eval(t, e96, `local s = ("x"):rep(20 * 2^20) local r = s:gsub("x", "xx") return #r`)
	if fmt.Sprint(got0) != "[41943040]" {
		t.Errorf("got %v", got0)
	}
	// Within the limit, the same builtins work.
	got := eval(t, e, `local s = ("ab"):rep(2^19) return #s:gsub("a", "xy"), #table.concat({s, s}), #s:upper()`)
	if fmt.Sprint(got) != "[1572864 2097152 1048576]" {
		t.Errorf("got %v", got)
	}
}

// Concatenation keeps Lua's rules while checking the run's memory.
func TestConcat(t *testing.T) {
	e, _ := newTestEngine(t, Options{MemoryLimit: 64 << 20})
	cases := []struct{ code, want string }{
		{`return "a" .. "b" .. 1 .. 2.5`, "[ab12.5]"},
		{`local t = setmetatable({}, {__concat = function(a, b) return "T" end}) return "a" .. t, t .. "b", "x" .. "y" .. t`, "[T T xT]"},
		{`local t = setmetatable({}, {__concat = function(a, b) return (type(a) == "table" and "T" or a) .. (type(b) == "table" and "T" or b) end}) return "a" .. t .. "b" .. t`, "[aTbT]"},
		{`return "n=" .. int(2)^64 .. "!"`, "[n=18446744073709551616!]"},
		{`local f = loadstring("return 'x' .. 'y'") return f()`, "[xy]"},
		{`local s = "" for i = 1, 5 do s = s .. i end return s`, "[12345]"},
		{`return select("#", ("a" .. "b"))`, "[1]"},
		{`local function f(...) return select("#", ...) end return f("a" .. "b")`, "[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			if got := fmt.Sprint(eval(t, e, tc.code)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	errCases := []struct{ code, want string }{
		{"local x\n\nreturn 'a' .. x", "stdin:3: attempt to concatenate a nil value"},
		{"return {} .. 'a'", "stdin:1: attempt to concatenate a table value"},
		{"local s = 'x' while true do s = s .. s end", "stdin:1: ..: "},
		{"local f = loadstring('local s = \"x\" while true do s = s .. s end') f()", `<string>:1: ..: `},
	}
	for _, tc := range errCases {
		t.Run(tc.code, func(t *testing.T) {
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %q…", err, tc.want)
			}
		})
	}
}

// Cancelling the context stops a pattern match as well.
func TestPatternStopsAtCancel(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Eval(ctx, `return (("a"):rep(30)):match(("a?"):rep(30) .. ("a"):rep(30))`)
	if err == nil || !strings.Contains(err.Error(), "script cancelled") {
		t.Fatalf("error %v, want a cancellation", err)
	}
	if d := time.Since(start); d > 1200*time.Millisecond {
		t.Errorf("stopped after %v", d)
	}
}

// Chunks compiled at run time (load, loadstring, and with AllowIO
// loadfile and dofile) get the checked concatenation too.
func TestLoadedChunksAreChecked(t *testing.T) {
	e, _ := newTestEngine(t, Options{MemoryLimit: 64 << 20})
	pieces := `local parts, i = {"return ", "'a' .. ", "'b'"}, 0
		local f = load(function() i = i + 1 return parts[i] end)
		return f()`
	if got := fmt.Sprint(eval(t, e, pieces)); got != "[ab]" {
		t.Errorf("load: got %s", got)
	}
	for _, code := range []string{
		`local src = "local s = 'x' while true do s = s .. s end" local done = false
		 load(function() if done then return nil end done = true return src end)()`,
		`loadstring("local s = 'x' while true do s = s .. s end")()`,
	} {
		_, err := e.Eval(context.Background(), code)
		if err == nil || !strings.Contains(err.Error(), ":1: ..: ") {
			t.Errorf("%s: error %v", code, err)
		}
	}
	if got := fmt.Sprint(eval(t, e, `return load(function() return nil end) ~= nil, select(2, load(function() return {} end))`)); got != "[true reader function must return a string]" {
		t.Errorf("got %s", got)
	}

	io, _ := newTestEngine(t, Options{AllowIO: true, MemoryLimit: 64 << 20})
	path := filepath.Join(t.TempDir(), "double.lua")
	if err := os.WriteFile(path, []byte("#!/usr/bin/env btscript\nlocal s = 'x'\nwhile true do s = s .. s end\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{`dofile(%q)`, `loadfile(%q)()`} {
		_, err := io.Eval(context.Background(), fmt.Sprintf(code, path))
		if err == nil || !strings.Contains(err.Error(), "double.lua:3: ..: ") {
			t.Errorf("%s: error %v", code, err)
		}
	}
}

// Deeply nested chunks are refused with an error, not a Go stack
// overflow or hundreds of megabytes of compiler memory.
func TestDeepChunks(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct{ code, want string }{
		{`return select(2, loadstring("return " .. ("{"):rep(300000) .. ("}"):rep(300000)))`, "[<string>: chunk has too many syntax levels (more than 200000)]"},
		{`return select(2, loadstring("return " .. ("function() return "):rep(201) .. "1" .. (" end"):rep(201)))`, "[<string>: functions nested more than 200 deep]"},
		{`return loadstring("return " .. ("function() return "):rep(200) .. "1" .. (" end"):rep(200)) ~= nil`, "[true]"},
		{`return loadstring("return 1" .. ("+1"):rep(100000))()`, "[100001]"},
		{`local src = "local x = 0 if x == 1 then x = 1" for i = 2, 3000 do src = src .. " elseif x == " .. i .. " then x = " .. i end return loadstring(src .. " end return x")()`, "[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := fmt.Sprint(eval(t, e, tc.code)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

//go:build linux

package main

import (
	"cmp"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// addressCapEnv, set in a child's environment, caps its address space (in
// bytes) before it runs the command, as `prlimit --as` would.
const addressCapEnv = "BTSCRIPT_TEST_ADDRESS_CAP"

// hostileCap is the address-space cap of the hostile runs: a Go runtime
// that tried to allocate past it would die with "fatal error: out of
// memory" and a goroutine dump.
const hostileCap = 4 << 30

// maxHostileRSS is the peak resident memory each hostile run must stay
// under, with the default 1 GiB memory limit.
const maxHostileRSS = 1600 << 20

// hostileRun runs `btscript run` on code in a child under the address
// cap and returns its exit code, stderr, wall time and peak RSS.
func hostileRun(t *testing.T, code string, args ...string) (exit int, stderr string, wall time.Duration, rss int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.lua")
	if err := os.WriteFile(path, []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	// No chain call is made: the endpoint is never dialled.
	cmd := child(t, append(append([]string{"run", "--network", "ws://127.0.0.1:9"}, args...), path)...)
	cmd.Env = append(cmd.Env, addressCapEnv+"="+itoa(hostileCap))
	var errb strings.Builder
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	wall = time.Since(start)
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10
	}
	return exit, errb.String(), wall, rss
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}

// capAddressSpace applies addressCapEnv in a child started by hostileRun.
func capAddressSpace() {
	v := os.Getenv(addressCapEnv)
	if v == "" {
		return
	}
	var n uint64
	for _, c := range v {
		n = n*10 + uint64(c-'0')
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		panic(err)
	}
}

// Scripts a hostile user could write. Each ends within its --timeout plus
// two seconds, with exit code 1 and one line on stderr naming what
// stopped it, under the default memory limit, an address-space cap of
// 4 GiB and a peak RSS under 1.6 GiB: never a Go fatal error.
func TestHostileScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates up to 1.5 GiB per case")
	}
	// Scripts that must reach the memory limit get time enough to, on a
	// busy machine; the others stop at the short timeout.
	const timeout, slow = 3 * time.Second, 10 * time.Second
	cases := []struct {
		name, code, want string
		timeout          time.Duration
	}{
		{"gsub of a 1 MiB string by itself",
			`local s = ("x"):rep(2^20) return #s:gsub(".", s)`, "hostile.lua:1: string.gsub: ", slow},
		{"table.concat of 40 copies of 64 MiB",
			`local s = ("x"):rep(64 * 2^20) local t = {} for i = 1, 40 do t[i] = s end return #table.concat(t)`,
			"hostile.lua:1: table.concat: 2684354560 bytes would exceed the memory limit of 1073741824 bytes", 0},
		{"gather of a million no-op functions",
			`local f = function() end local t = {} for i = 1, 1000000 do t[i] = f end local r = gather(t) return #r`,
			"hostile.lua:1: gather: 3072000000 bytes would exceed the memory limit", 0},
		{"catastrophic backtracking",
			`return (("a"):rep(28)):find(("a?"):rep(28) .. ("a"):rep(28))`, "script timed out after 3s", 0},
		{"printing a huge exact integer",
			`local x = int(2)^4096 for i = 1, 16 do x = x * x end return tostring(x)`,
			"hostile.lua:1: exact integer too large: product would have at least", 0},
		{"string doubling with ..",
			`local s = "x" while true do s = s .. s end`, "hostile.lua:1: ..: ", slow},
		{"table growing forever",
			`local t, i = {}, 0 while true do i = i + 1 t[i] = {i} end`, "memory limit exceeded|script timed out after 10s", slow},
		{"many 60 MiB strings",
			`local t = {} for i = 1, 100 do t[i] = ("x"):rep(60 * 2^20) .. i end`, "memory limit|script timed out after 10s", slow},
		{"string.rep past its cap",
			`return ("x"):rep(2^40)`, "hostile.lua:1: string.rep: result of 1099511627776 bytes exceeds the limit of 67108864", 0},
		{"string.format of a huge width",
			`return string.format("%999999999d", 1)`, "hostile.lua:1: string.format: invalid format (width or precision too long)", 0},
		{"unpack of a huge range",
			`return unpack({}, 1, 1e9)`, "hostile.lua:1: unpack: 1000000000 values exceed the stack limit", 0},
		{"spawning tasks forever",
			`while true do spawn(function() sleep(100) end) end`, "memory limit exceeded|script timed out after 10s", slow},
		{"endless loop",
			`while true do end`, "script timed out after 3s", 0},
		{"infinite recursion",
			`local function f() return 1 + f() end return f()`, "stack overflow", 0},
		{"json.encode of a deep table",
			`local t = {} for i = 1, 100000 do t = {t} end return json.encode(t)`, "json.encode", 0},
		{"an error value whose __tostring never returns",
			`error(setmetatable({}, {__tostring = function() while true do end end}))`, "hostile.lua:1: (error object is a table value; its __tostring failed: ", 0},
		{"an error value whose __tostring is huge",
			`error(setmetatable({}, {__tostring = function() return ("x\n"):rep(2^20) end}))`, "hostile.lua:1: x; x; x", 0},
		{"an Int as the error value",
			`error(int(2)^64)`, "btscript: hostile.lua:1: 18446744073709551616\n", 0},
		{"NaN into a Balance",
			`return bt.tao(0/0)`, "hostile.lua:1: bad argument #1 to tao (tao: amount must be a finite number, got NaN)", 0},
		{"a million nested table constructors",
			`return assert(loadstring("return " .. ("{"):rep(10^6) .. ("}"):rep(10^6)))`, "chunk has too many syntax levels", 0},
		{"int of a huge string",
			`return int(("9"):rep(10^7))`, "hostile.lua:1: int: exact integer too large", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			timeout := cmp.Or(tc.timeout, timeout)
			exit, stderr, wall, rss := hostileRun(t, tc.code, "--timeout", timeout.String())
			t.Logf("exit %d in %v, peak RSS %d MiB: %s", exit, wall.Round(time.Millisecond), rss>>20, strings.TrimSpace(stderr))
			if exit != exitScript {
				t.Errorf("exit code %d, want %d", exit, exitScript)
			}
			checkOneLine(t, stderr)
			for _, bad := range []string{"fatal error", "out of memory", "goroutine"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr holds %q", bad)
				}
			}
			// Where the watchdog must catch many small allocations, a busy
			// machine may reach the timeout first: either ends the run.
			found := false
			for _, want := range strings.Split(tc.want, "|") {
				found = found || strings.Contains(stderr, want)
			}
			if !found {
				t.Errorf("stderr %q does not hold %q", stderr, tc.want)
			}
			if wall > timeout+2*time.Second {
				t.Errorf("took %v, more than the timeout %v + 2s", wall, timeout)
			}
			if rss >= maxHostileRSS {
				t.Errorf("peak RSS %d MiB, limit %d MiB", rss>>20, maxHostileRSS>>20)
			}
		})
	}
}

// A script that creates and drops a million suspended coroutines runs to
// the end in bounded memory: they are collected as it goes.
func TestAbandonedCoroutinesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a million coroutines")
	}
	exit, stderr, wall, rss := hostileRun(t, `
		local n = 0
		for i = 1, 1000000 do
			local gen = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end)
			n = n + gen()
		end
		print(n)`)
	t.Logf("exit %d in %v, peak RSS %d MiB", exit, wall.Round(time.Millisecond), rss>>20)
	if exit != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", exit, stderr)
	}
	if rss >= 400<<20 {
		t.Errorf("peak RSS %d MiB, want under 400 MiB", rss>>20)
	}
}

// One Ctrl-C stops a run within about a second, even inside a builtin
// that works for long (a pattern with catastrophic backtracking).
func TestInterruptInsideBuiltins(t *testing.T) {
	for _, code := range []string{
		`return (("a"):rep(30)):find(("a?"):rep(30) .. ("a"):rep(30))`,
		`return (("a"):rep(30)):gsub(("a?"):rep(30) .. ("a"):rep(30), "")`,
		`while true do end`,
	} {
		t.Run(code, func(t *testing.T) {
			took, exit, stderr, err := interrupt(t, "eval", "--network", "ws://127.0.0.1:9", code)
			if took > 1500*time.Millisecond {
				t.Errorf("stopping took %s", took)
			}
			if exit != exitInterrupted || stderr != "btscript: interrupted\n" {
				t.Fatalf("exit: %v; stderr %q", err, stderr)
			}
		})
	}
}

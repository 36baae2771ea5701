package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Error values that are not strings print what they hold, with the
// position of the error.
func TestErrorValues(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct{ code, want string }{
		{"local x = 1\nerror({})", "stdin:2: (error object is a table value)"},
		{"error(setmetatable({}, {__tostring = function() return 'custom failure' end}))", "stdin:1: custom failure"},
		{"error(setmetatable({}, {__tostring = function() error('inner') end}))", "stdin:1: (error object is a table value; its __tostring failed: stdin:1: inner)"},
		{"error(setmetatable({}, {__tostring = function() return {} end}))", "stdin:1: (error object is a table value; its __tostring gave a table)"},
		{"error(int(2)^70)", "stdin:1: 1180591620717411303424"},
		{"error(42)", "stdin:1: 42"},
		{"error(0/0)", "stdin:1: nan"},
		{"error('plain', 0)", "plain"},
		{"error('at level 1')", "stdin:1: at level 1"},
		{"local function f() return 1 + f() end\nreturn f()", "stdin:1: "},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	// A __tostring that never returns is stopped; one that returns a
	// huge string is clipped.
	start := time.Now()
	_, err := e.Eval(context.Background(), "error(setmetatable({}, {__tostring = function() while true do end end}))")
	if err == nil || err.Error() != "stdin:1: (error object is a table value; its __tostring failed: it ran past 1s)" {
		t.Errorf("error %v", err)
	}
	if d := time.Since(start); d > ErrorTostringTimeout+time.Second {
		t.Errorf("took %v", d)
	}
	_, err = e.Eval(context.Background(), "error(setmetatable({}, {__tostring = function() return ('x'):rep(2^20) end}))")
	if err == nil || len(err.Error()) > MaxErrorText+20 || !strings.HasSuffix(err.Error(), "x…") {
		t.Errorf("error of %d bytes", len(err.Error()))
	}
}

// codeError is a Go error with data a host inspects with errors.As, as
// it would an *rpc.Error.
type codeError struct{ code int }

func (c *codeError) Error() string { return fmt.Sprintf("node said no (code %d)", c.code) }

// TestErrorKeepsGoCause: a Go error a Func returns, not caught by the
// script, comes back from Eval as that error for errors.As and errors.Is,
// with the Lua position in the message; one the script caught and
// replaced does not.
func TestErrorKeepsGoCause(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	sentinel := errors.New("no such storage item")
	e.Register("refuse", func(ctx context.Context, args []any) ([]any, error) {
		code, _ := args[0].(int64)
		if code == 0 {
			return nil, fmt.Errorf("lookup: %w", sentinel)
		}
		return nil, &codeError{code: int(code)}
	})
	cases := []struct {
		name, code, msg string
		code2           int // the codeError expected, 0 for none
		sentinel        bool
		deadline        bool
	}{
		{"uncaught", "local x = 1\nrefuse(7)", "stdin:2: node said no (code 7)", 7, false, false},
		{"wrapped sentinel", "refuse(0)", "stdin:1: lookup: no such storage item", 0, true, false},
		{"inside a function", "local function f()\n refuse(8)\nend\nf()", "stdin:2: node said no (code 8)", 8, false, false},
		{"through gather", "gather(function() return 1 end,\n function() refuse(9) end)", "gather: branch 2 failed: stdin:2: node said no (code 9)", 9, false, false},
		{"in an iterator", "for x in function()\n local v = refuse(10) return v end do end", "stdin:2: node said no (code 10)", 10, false, false},
		{"raised again unchanged", "local ok, err = pcall(function() refuse(11) end)\nerror(err, 0)", "stdin:1: node said no (code 11)", 11, false, false},
		{"the latest of two", "pcall(refuse, 12)\nrefuse(13)", "stdin:2: node said no (code 13)", 13, false, false},
		{"caught and replaced", "local ok = pcall(refuse, 14)\nerror('my own')", "stdin:2: my own", 0, false, false},
		{"timeout scope", "timeout(0.01, function()\n sleep(1) end)", "timeout after 0.01s", 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Eval(context.Background(), tc.code)
			if err == nil || !strings.HasSuffix(err.Error(), tc.msg) {
				t.Fatalf("error %v, want one ending %q", err, tc.msg)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not an *Error", err)
			}
			var ce *codeError
			if got := errors.As(err, &ce); got != (tc.code2 != 0) || got && ce.code != tc.code2 {
				t.Errorf("errors.As codeError = %v (%v), want code %d", got, ce, tc.code2)
			}
			if got := errors.Is(err, sentinel); got != tc.sentinel {
				t.Errorf("errors.Is sentinel = %v", got)
			}
			if got := errors.Is(err, context.DeadlineExceeded); got != tc.deadline {
				t.Errorf("errors.Is DeadlineExceeded = %v", got)
			}
		})
	}
	// Caught, the error is a Lua string, as before.
	got := eval(t, e, "local ok, err = pcall(refuse, 5) return type(err), err")
	if got[0] != "string" || !strings.HasSuffix(got[1].(string), "node said no (code 5)") {
		t.Errorf("caught: %v", got)
	}
}

// TestErrorCauseBound: a run remembers the last maxCauses Go errors; an
// error raised again after more than that many others has no cause left.
func TestErrorCauseBound(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	e.Register("refuse", func(ctx context.Context, args []any) ([]any, error) {
		code, _ := args[0].(int64)
		return nil, &codeError{code: int(code)}
	})
	run := func(others int) error {
		_, err := e.Eval(context.Background(), fmt.Sprintf(`
			local ok, first = pcall(function() refuse(1000) end)
			for i = 1, %d do pcall(function() refuse(i) end) end
			error(first, 0)`, others))
		return err
	}
	var ce *codeError
	if err := run(maxCauses - 1); !errors.As(err, &ce) || ce.code != 1000 {
		t.Errorf("%d errors later: %v, want its cause", maxCauses-1, err)
	}
	if err := run(maxCauses); errors.As(err, &ce) || !strings.HasSuffix(err.Error(), "node said no (code 1000)") {
		t.Errorf("%d errors later: %v, want the message without a cause", maxCauses, err)
	}
}

package engine

import (
	"context"
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

package main

import (
	"strings"
	"testing"
)

// A script error reaches stderr as one line with its position, whatever
// the error value is.
func TestErrorValuesPrint(t *testing.T) {
	cases := []struct{ code, want string }{
		{`error(setmetatable({}, {__tostring = function() return "first\nsecond" end}))`, "btscript: stdin:1: first; second\n"},
		{`error(int(2)^64)`, "btscript: stdin:1: 18446744073709551616\n"},
		{`error(bt.tao("2"))`, "btscript: stdin:1: τ2.000000000\n"},
		{`error({})`, "btscript: stdin:1: (error object is a table value)\n"},
		{`bt.tao(0/0)`, "btscript: stdin:1: bad argument #1 to tao (tao: amount must be a finite number, got NaN)\n"},
		{`local function f() return 1 + f() end return f()`, "btscript: stdin:1: lua callstack overflow\n"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			r := bts(t, "eval", "--network", "ws://127.0.0.1:9", tc.code)
			if r.code != exitScript || r.stderr != tc.want {
				t.Errorf("exit %d, stderr %q, want %q", r.code, r.stderr, tc.want)
			}
			checkOneLine(t, r.stderr)
			if strings.Contains(r.stderr, "0x") {
				t.Errorf("stderr shows an address: %q", r.stderr)
			}
		})
	}
}

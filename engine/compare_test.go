package engine

import (
	"fmt"
	"strings"
	"testing"
)

// TestCompareNumbersAndInts: a number and an Int compare by value, exactly,
// with every operator; everything else compares as in Lua 5.1.
func TestCompareNumbersAndInts(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	cases := []struct{ name, code, want string }{
		{"zero", `return int(0) == 0, 0 == int(0), int(0) ~= 0, int(5) ~= 5, int(5) ~= 6`, "[true true false false true]"},
		{"order", `return int(5) < 6, 5.5 < int(6), int(6) <= 6, int(7) > 6.5, 7 >= int(8), 2 > int(1)`, "[true true true true false true]"},
		{"beyond 2^53", `local i = int("9007199254740993") return i == 2^53, i > 2^53, 2^53 < i, i <= 2^53 + 2, int(2)^64 == 2^64`, "[false true true true true]"},
		{"nan", `local n = 0/0 return n == int(0), n ~= int(0), n < int(0), n >= int(0)`, "[false true false false]"},
		{"infinity", `return int(2)^1000 < 1/0, -1/0 < -int(2)^1000`, "[true true]"},
		// The literal past 2^53 is a float, 13510798882111492: not the sum.
		{"a sum against literals", `local s = int(0) for i = 1, 3 do s = s + 4503599627370497 end
			return s == int("13510798882111491"), s ~= 13510798882111491, s < 13510798882111491, s > 2^53`, "[true true true true]"},
		{"plain values", `return 1 < 2, "a" < "b", "a" <= "a", nil == false, {} == {}, 1 == "1", "b" > "a"`, "[true true true false false false true]"},
		{"metamethods", `local mt = {__lt = function() return true end, __le = function() return false end, __eq = function() return true end}
			local t, u = setmetatable({}, mt), setmetatable({}, mt)
			return t < u, t <= u, t > u, t >= u, t == u, t ~= u`, "[true false true false true false]"},
		{"le from lt", `local mt = {__lt = function(a, b) return a.v < b.v end}
			local t, u = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
			return t <= u, u <= t`, "[true false]"},
		{"order of evaluation", `local log = {} local function f(x) log[#log + 1] = x return x end
			local r = f(2) > f(1) return r, table.concat(log, ",")`, "[true 2,1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(eval(t, e, tc.code)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	errs := []struct{ name, code, want string }{
		{"number with string", "return 1 < '2'", `stdin:1: attempt to compare number with string`},
		{"tables without metamethods", "local a = {}\nreturn a <= {}", `stdin:2: attempt to compare table with table`},
		{"Int with nil", "local x\nreturn int(1) < x", `stdin:2: attempt to compare userdata with nil`},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Eval(t.Context(), tc.code)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// BenchmarkCompareLoop is a loop of a million comparisons with a number,
// the case the checked comparison costs most.
func BenchmarkCompareLoop(b *testing.B) {
	e := New(Options{})
	defer e.Close()
	const code = `local n = 0 for i = 1, 1000000 do if i < 500000 then n = n + 1 end end return n`
	for b.Loop() {
		if _, err := e.Eval(b.Context(), code); err != nil {
			b.Fatal(err)
		}
	}
}

package bindings_test

import (
	"testing"
)

// TestJSONFloats: an integral float writes as an integer only up to 2^53,
// where every integer is exact; past it (2^63 and 2^64 included, where an
// int64 conversion would overflow) it writes in the shortest form that
// reads back as the same float.
func TestJSONFloats(t *testing.T) {
	en := offline(t)
	got := en.eval(t, `
		return json.encode(2^53), json.encode(-2^53), json.encode(2^53 + 2), json.encode(2^63),
			json.encode(2^64), json.encode(-2^64), json.encode(1e300), json.encode(0.5),
			json.decode(json.encode(2^64)) == 2^64, json.decode(json.encode(2^53 + 2)) == 2^53 + 2`)
	want := "9007199254740992 -9007199254740992 9.007199254740994e+15 9.223372036854776e+18 " +
		"1.8446744073709552e+19 -1.8446744073709552e+19 1e+300 0.5 true true"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

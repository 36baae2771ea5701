package bindings_test

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// offline is an engine whose client has no node behind it, for tests that
// make no chain calls.
func offline(t *testing.T) *env {
	return newEngine(t, chain.New(nil, chain.Options{NoDiskCache: true}), bindings.Options{})
}

// set converts v with bindings.ToLua and stores it in the global name.
func (en *env) set(t *testing.T, name string, v scale.Value) {
	t.Helper()
	if err := en.e.Do(func(L *lua.LState) error {
		L.SetGlobal(name, bindings.ToLua(L, v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestToLua(t *testing.T) {
	pub := make([]byte, 32)
	for i := range pub {
		pub[i] = byte(i)
	}
	u128, _ := new(big.Int).SetString("340282366920938463463374607431768211455", 10)
	above64, _ := new(big.Int).SetString("18446744073709551616", 10)
	tests := []struct {
		name string
		v    scale.Value
		expr string // Lua over the converted value v
		want string
	}{
		{"u64 is an Int whatever its value", scale.NewUint(5), "type(v), isint(v), tostring(v)", "userdata true 5"},
		{"u32 is a number", scale.NewUintBits(7, 32), "type(v), v", "number 7"},
		{"u16 is a number", scale.NewUintBits(65535, 16), "type(v), v", "number 65535"},
		{"u64 sums stay exact", scale.NewUint(4503599627370497), "tostring(v + v + v)", "13510798882111491"},
		{"u64 compares with Ints", scale.NewUint(5), "v == int(5), v < int(6), v + 0 == int(5)", "true true true"},
		{"u64 above 2^53 is an exact Int", scale.NewUint(1<<53 + 1), "type(v), isint(v), tostring(v)", "userdata true 9007199254740993"},
		{"u64 max", scale.NewUint(18446744073709551615), "tostring(v), v == int('18446744073709551615')", "18446744073709551615 true"},
		{"Int arithmetic stays exact", scale.NewUint(1<<53 + 1), "tostring(v + 1)", "9007199254740994"},
		{"u128 above 2^64", scale.NewBig(above64), "tostring(v)", "18446744073709551616"},
		{"u128 max", scale.NewBig(u128), "tostring(v)", "340282366920938463463374607431768211455"},
		{"i64 negative", scale.NewInt(-5), "v", "-5"},
		{"i64 min", scale.NewInt(-9223372036854775808), "tostring(v)", "-9223372036854775808"},
		{"bool", scale.NewBool(true), "type(v), v", "boolean true"},
		{"string", scale.NewString("héllo"), "v", "héllo"},
		{"bytes are hex", scale.NewBytes([]byte{0xde, 0xad, 0x01}), "v", "0xdead01"},
		{"empty bytes", scale.NewBytes(nil), "v", "0x"},
		{"account is SS58", scale.NewAccount(pub, 42), "v", scale.SS58Encode(pub, 42)},
		{"unit variant is its name", scale.NewVariant("Active"), "v", "Active"},
		{"data variant is {Name = payload}", scale.NewVariantWith("Raw3", scale.NewBytes([]byte("abc"))), "v.Raw3", "0x616263"},
		{"None is nil", scale.Null, "v == nil", "true"},
		{"seq is a 1-based array", scale.NewSeq([]scale.Value{scale.NewUint(7), scale.NewUint(8)}), "#v, v[1], v[2]", "2 7 8"},
		{"composite uses field names", scale.NewComposite([]string{"free", "flags"}, []scale.Value{scale.NewUint(1 << 60), scale.NewBool(false)}),
			"tostring(v.free), v.flags", "1152921504606846976 false"},
		{"nested", scale.NewSeq([]scale.Value{scale.NewComposite([]string{"who"}, []scale.Value{scale.NewAccount(pub, 42)})}),
			"v[1].who == '" + scale.SS58Encode(pub, 42) + "'", "true"},
	}
	en := offline(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en.set(t, "v", tt.v)
			if got := en.eval(t, "return "+tt.expr); got != tt.want {
				t.Fatalf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
}

func TestBalanceUserdata(t *testing.T) {
	en := offline(t)
	if err := en.e.Do(func(L *lua.LState) error {
		L.SetGlobal("big", bindings.NewBalance(L, bt.Balance(12345678901234567)))
		L.SetGlobal("small", bindings.NewBalance(L, bt.Balance(1_500_000_000)))
		L.SetGlobal("most", bindings.NewBalance(L, bt.Balance(math.MaxUint64)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ expr, want string }{
		{"tostring(big)", "τ12345678.901234567"},
		{"tostring(small)", "τ1.500000000"},
		{"big.rao == int('12345678901234567')", "true"},
		{"small.rao", "1500000000"},
		{"small.tao", "1.5"},
		{"tostring(big + small)", "τ12345680.401234567"},
		{"tostring(big - small)", "τ12345677.401234567"},
		{"small < big, big <= big, big > small", "true true true"},
		{"small == bt.balance(1500000000), small == bt.tao('1.5'), small == bt.tao(1.5)", "true true true"},
		{"json.encode({b = big})", `{"b":12345678901234567}`},
		{"'bal: ' .. small", "bal: τ1.500000000"},
		{"big.nope", "nil"},
		{"select(2, pcall(function() return most + small end))", "stdin:1: balance overflow: τ18446744073.709551615 + τ1.500000000 exceeds 18446744073709551615 rao"},
		{"select(2, pcall(function() return small - big end))", "stdin:1: balance underflow: τ1.500000000 - τ12345678.901234567 is negative"},
	}
	for _, tt := range tests {
		if got := en.eval(t, "return "+tt.expr); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestAlphaUserdata(t *testing.T) {
	en := offline(t)
	if err := en.e.Do(func(L *lua.LState) error {
		L.SetGlobal("a", bindings.Alpha{Amount: 2_500_000_000, Netuid: 3}.LuaValue(L))
		L.SetGlobal("b", bindings.Alpha{Amount: 1_000_000_001, Netuid: 3}.LuaValue(L))
		L.SetGlobal("other", bindings.Alpha{Amount: 1_000_000_001, Netuid: 4}.LuaValue(L))
		L.SetGlobal("tao", bindings.NewBalance(L, bt.Balance(1_000_000_001)))
		L.SetGlobal("most", bindings.Alpha{Amount: math.MaxUint64, Netuid: 3}.LuaValue(L))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ expr, want string }{
		{"tostring(a)", "α2.500000000 (subnet 3)"},
		{"a.rao, a.alpha, a.tao, a.netuid, a.nope", "2500000000 2.5 2.5 3 nil"},
		{"tostring(a + b), (a + b).netuid", "α3.500000001 (subnet 3) 3"},
		{"tostring(a - b)", "α1.499999999 (subnet 3)"},
		{"b < a, a <= a, a > b, a == a, b == other, b == tao", "true true true true false false"},
		{"'x: ' .. b .. '!'", "x: α1.000000001 (subnet 3)!"},
		{"json.encode({a})", "[2500000000]"},
		{"select(2, pcall(function() return a + other end))", "cannot add alpha of subnet 3 and alpha of subnet 4"},
		{"select(2, pcall(function() return most + b end))", "alpha overflow: α18446744073.709551615 (subnet 3) + α1.000000001 (subnet 3) exceeds 18446744073709551615 rao"},
		{"select(2, pcall(function() return b - a end))", "alpha underflow: α1.000000001 (subnet 3) - α2.500000000 (subnet 3) is negative"},
		// Lua compares only operands with the same __lt or __le.
		{"select(2, pcall(function() return a < tao end))", "attempt to compare userdata with userdata"},
		{"select(2, pcall(function() return tao + a end))", "cannot add an alpha amount and a Balance (TAO): convert with .rao first"},
		{"select(2, pcall(function() return a - 1 end))", "cannot subtract an alpha amount and a number: convert with .rao first"},
		{"select(2, pcall(function() return a + a.rao end))", "cannot add an alpha amount and a exact integer: convert with .rao first"},
		{"select(2, pcall(function() return tao + tao.rao end))", "cannot add a Balance and a exact integer: convert with .rao or bt.balance(rao) first"},
		{"select(2, pcall(function() return 1 <= tao end))", "attempt to compare number with userdata"},
	}
	for _, tt := range tests {
		got := en.eval(t, "return "+tt.expr)
		if got != tt.want && !strings.HasSuffix(got, ": "+tt.want) {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestJSON(t *testing.T) {
	en := offline(t)
	tests := []struct{ code, want string }{
		// Integers beyond 2^53 survive a round trip exactly.
		{`return json.encode(json.decode('{"a":12345678901234567890,"b":[1,2.5,-3],"c":"x","d":true}'))`,
			`{"a":12345678901234567890,"b":[1,2.5,-3],"c":"x","d":true}`},
		{`local v = json.decode('340282366920938463463374607431768211455') return isint(v), tostring(v)`,
			"true 340282366920938463463374607431768211455"},
		{`local v = json.decode('9007199254740992') return type(v), v`, "number 9007199254740992"},
		{`local v = json.decode('9007199254740993') return type(v), tostring(v)`, "userdata 9007199254740993"},
		{`return json.encode(int("-9223372036854775809"))`, "-9223372036854775809"},
		{`return json.encode({1, 2, 3})`, "[1,2,3]"},
		{`return json.encode({})`, "{}"},
		{`return json.encode({[1] = "a", [3] = "c"})`, `{"1":"a","3":"c"}`},
		{`return json.encode("<&>\n")`, `"<&>\n"`},
		{`return json.encode(0.1)`, "0.1"},
		{`return json.encode({a = {b = 1}}, 2)`, "{\n  \"a\": {\n    \"b\": 1\n  }\n}"},
		{`return json.decode('null') == nil`, "true"},
	}
	for _, tt := range tests {
		if got := en.eval(t, tt.code); got != tt.want {
			t.Errorf("%s\ngot  %s\nwant %s", tt.code, got, tt.want)
		}
	}
	// The Go side used by --json output.
	var out string
	en.e.Do(func(L *lua.LState) error {
		tbl := L.NewTable()
		tbl.RawSetString("free", bindings.NewBalance(L, bt.Balance(1<<62)))
		tbl.RawSetString("n", lua.LNumber(3))
		b, err := bindings.ToJSON(L, tbl)
		if err != nil {
			return err
		}
		out = string(b)
		return nil
	})
	if out != `{"free":4611686018427387904,"n":3}` {
		t.Fatalf("ToJSON = %s", out)
	}
}

func TestSS58(t *testing.T) {
	en := offline(t)
	const alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	const alicePub = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
	tests := []struct{ code, want string }{
		{`return ss58.decode("` + alice + `")`, alicePub + " 42"},
		{`return ss58.encode("` + alicePub + `")`, alice},
		{`return ss58.encode("` + alicePub + `", 0)`, "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"},
		{`return ss58.is_valid("` + alice + `"), ss58.is_valid("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ"), ss58.is_valid(42)`, "true false false"},
		{`local pub = ss58.decode("` + alice + `") return ss58.encode(pub) == "` + alice + `"`, "true"},
	}
	for _, tt := range tests {
		if got := en.eval(t, tt.code); got != tt.want {
			t.Errorf("%s\ngot  %s\nwant %s", tt.code, got, tt.want)
		}
	}
	if msg := en.evalErr(t, `ss58.decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ")`); !strings.Contains(msg, "bad checksum") {
		t.Fatalf("error %q", msg)
	}
}

func TestPretty(t *testing.T) {
	en := offline(t)
	tests := []struct{ code, want string }{
		{`return {1, 2, 3}`, "{ 1, 2, 3 }"},
		{`return "x"`, `"x"`},
		{`return int("123456789012345678901")`, "123456789012345678901"},
		{`return bt.balance(1500000000)`, "τ1.500000000"},
		{`return {b = 2, a = 1, ["key with space"] = true}`, `{ a = 1, b = 2, ["key with space"] = true }`},
		{`return {hotkey = "5G", stake = bt.balance(1), list = {1, 2}}`,
			"{\n  hotkey = \"5G\",\n  list = { 1, 2 },\n  stake = τ0.000000001,\n}"},
		{`return {}`, "{}"},
		{`local t = {} t.self = t return t`, "{\n  self = <cycle>,\n}"},
	}
	for _, tt := range tests {
		res, err := en.e.Eval(ctxT(t), tt.code)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		en.e.Do(func(L *lua.LState) error { got = bindings.Pretty(L, res.Values[0]); return nil })
		if got != tt.want {
			t.Errorf("%s\ngot  %s\nwant %s", tt.code, got, tt.want)
		}
	}
}

func TestJSONArrays(t *testing.T) {
	en := offline(t)
	cases := []struct{ name, code, want string }{
		{"empty chain sequence is []", `return json.encode({v = seq, n = #seq})`, `{"n":0,"v":[]}`},
		{"empty plain table is {}", `return json.encode({})`, `{}`},
		{"json.array marks a table", `local t = json.array() return json.encode({a = t, b = json.array({})})`, `{"a":[],"b":[]}`},
		{"decoded [] stays []", `return json.encode(json.decode('{"x":[]}'))`, `{"x":[]}`},
		{"a marked table emptied is []", `local t = json.decode('[1,2]') t[1], t[2] = nil, nil return json.encode(t)`, `[]`},
		{"deep nesting is one short message", `local t = {} for i = 1, 600 do t = {k = {t}} end local ok, err = pcall(json.encode, t) return #err < 200, err`,
			`true json.encode: at .k[1].k[1]…(505 more)…[1].k[1].k: nesting deeper than 512`},
	}
	en.set(t, "seq", scale.NewSeq(nil))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := en.eval(t, tc.code); !strings.HasSuffix(got, tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if msg := en.evalErr(t, `return json.array(setmetatable({}, {}))`); !strings.Contains(msg, "already has a metatable") {
		t.Errorf("error %s", msg)
	}
}

func TestConstructorsRejectNaN(t *testing.T) {
	en := offline(t)
	for code, want := range map[string]string{
		`return bt.tao(0/0)`:     "bad argument #1 to tao (tao: amount must be a finite number, got NaN)",
		`return bt.tao(1/0)`:     "bad argument #1 to tao (tao: amount must be a finite number, got +Inf)",
		`return bt.tao(-1/0)`:    "bad argument #1 to tao (tao: amount must be a finite number, got -Inf)",
		`return bt.balance(0/0)`: "balance: rao must be an integer",
		`return int(0/0)`:        "bad argument #1 to 'int' (nan is not an integer)",
	} {
		msg := en.evalErr(t, code)
		if !strings.Contains(msg, want) || strings.Contains(msg, "SetFloat64") {
			t.Errorf("%s: error %q, want %q", code, msg, want)
		}
	}
}

// An error value that is an Int or a Balance prints its value.
func TestErrorValuePrints(t *testing.T) {
	en := offline(t)
	if msg := en.evalErr(t, `error(bt.tao("1.5"))`); msg != "stdin:1: τ1.500000000" {
		t.Errorf("error %q", msg)
	}
}

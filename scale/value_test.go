package scale

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
)

// synth builds a small metadata around a hand-written registry.
func synth(types []Type) *Metadata {
	for i := range types {
		types[i].ID = i
	}
	return &Metadata{Version: 15, Types: types, codecs: compile(types), SS58Prefix: 42}
}

// Type ids of the synthetic registry.
const (
	tBool = iota
	tChar
	tStr
	tU8
	tU16
	tU32
	tU64
	tU128
	tU256
	tI8
	tI16
	tI32
	tI64
	tI128
	tI256
	tVecU8
	tArr32
	tAccount
	tOptionU16
	tResult
	tInfo
	tVecInfo
	tCompactU128
	tBits
	tLsb0
	tTuple
	tUnit
	tCompactPerbill
	tPerbill
	tBitsMsb
	tMsb0
	tU16Arr
	tVecU16
)

func synthTypes() []Type {
	prim := func(p Primitive) Type { return Type{Def: DefPrimitive, Prim: p} }
	types := []Type{
		tBool: prim(PrimBool), tChar: prim(PrimChar), tStr: prim(PrimStr),
		tU8: prim(PrimU8), tU16: prim(PrimU16), tU32: prim(PrimU32), tU64: prim(PrimU64),
		tU128: prim(PrimU128), tU256: prim(PrimU256),
		tI8: prim(PrimI8), tI16: prim(PrimI16), tI32: prim(PrimI32), tI64: prim(PrimI64),
		tI128: prim(PrimI128), tI256: prim(PrimI256),
		tVecU8:   {Def: DefSequence, Elem: tU8},
		tArr32:   {Def: DefArray, Len: 32, Elem: tU8},
		tAccount: {Path: []string{"sp_core", "crypto", "AccountId32"}, Def: DefComposite, Fields: []Field{{Type: tArr32}}},
		tOptionU16: {Path: []string{"Option"}, Params: []TypeParam{{"T", tU16}}, Def: DefVariant, Variants: []Variant{
			{Name: "None", Index: 0}, {Name: "Some", Index: 1, Fields: []Field{{Type: tU16}}}}},
		tResult: {Path: []string{"Result"}, Def: DefVariant, Variants: []Variant{
			{Name: "Ok", Index: 0, Fields: []Field{{Type: tU128}}},
			{Name: "Err", Index: 1, Fields: []Field{{Type: tStr}}},
			{Name: "Pair", Index: 7, Fields: []Field{{Type: tU8}, {Type: tBool}}},
			{Name: "Named", Index: 9, Fields: []Field{{Name: "a", Type: tU8}, {Name: "b", Type: tI8}}},
			{Name: "Unit", Index: 3}}},
		tInfo: {Path: []string{"pallet", "Info"}, Def: DefComposite, Fields: []Field{
			{Name: "netuid", Type: tU16}, {Name: "who", Type: tAccount}, {Name: "stake", Type: tU128},
			{Name: "maybe", Type: tOptionU16}, {Name: "data", Type: tVecU8}}},
		tVecInfo:        {Def: DefSequence, Elem: tInfo},
		tCompactU128:    {Def: DefCompact, Elem: tU128},
		tBits:           {Def: DefBitSequence, BitStore: tU8, BitOrder: tLsb0},
		tLsb0:           {Path: []string{"bitvec", "order", "Lsb0"}, Def: DefComposite},
		tTuple:          {Def: DefTuple, Tuple: []int{tU8, tStr}},
		tUnit:           {Def: DefTuple},
		tCompactPerbill: {Def: DefCompact, Elem: tPerbill},
		tPerbill:        {Path: []string{"Perbill"}, Def: DefComposite, Fields: []Field{{Type: tU32}}},
		tBitsMsb:        {Def: DefBitSequence, BitStore: tU16, BitOrder: tMsb0},
		tMsb0:           {Path: []string{"bitvec", "order", "Msb0"}, Def: DefComposite},
		tU16Arr:         {Def: DefArray, Len: 3, Elem: tU16},
		tVecU16:         {Def: DefSequence, Elem: tU16},
	}
	return types
}

func TestValueRoundTrips(t *testing.T) {
	m := synth(synthTypes())
	alice := "0x" + alicePub
	tests := []struct {
		name string
		ty   int
		hex  string
		json string
		kind Kind
	}{
		{"bool", tBool, "01", "true", KindBool},
		{"char", tChar, "ac200000", `"€"`, KindString},
		{"str", tStr, "1468656c6c6f", `"hello"`, KindString},
		{"u8", tU8, "ff", "255", KindUint},
		{"u16", tU16, "e803", "1000", KindUint},
		{"u64 above 2^53", tU64, "0100000000002000", "9007199254740993", KindUint},
		{"u64 max", tU64, "ffffffffffffffff", "18446744073709551615", KindUint},
		{"u128 small", tU128, "2a000000000000000000000000000000", "42", KindUint},
		{"u128 above 2^64", tU128, "01000000000000000100000000000000", "18446744073709551617", KindBig},
		{"u128 max", tU128, "ffffffffffffffffffffffffffffffff", "340282366920938463463374607431768211455", KindBig},
		{"u256", tU256, strings.Repeat("ff", 32), "115792089237316195423570985008687907853269984665640564039457584007913129639935", KindBig},
		{"i8", tI8, "80", "-128", KindInt},
		{"i16", tI16, "feff", "-2", KindInt},
		{"i32", tI32, "ffffff7f", "2147483647", KindInt},
		{"i64 min", tI64, "0000000000000080", "-9223372036854775808", KindInt},
		{"i128 -1", tI128, strings.Repeat("ff", 16), "-1", KindInt},
		{"i128 min", tI128, strings.Repeat("00", 15) + "80", "-170141183460469231731687303715884105728", KindBig},
		{"i128 -2^64", tI128, "0000000000000000ffffffffffffffff", "-18446744073709551616", KindBig},
		{"i256 +2^64", tI256, "0000000000000000010000000000000000000000000000000000000000000000", "18446744073709551616", KindBig},
		{"bytes", tVecU8, "0cdeadbe", `"0xdeadbe"`, KindBytes},
		{"byte array", tArr32, alicePub, `"` + alice + `"`, KindBytes},
		{"account", tAccount, alicePub, `"` + aliceSS58 + `"`, KindAccount},
		{"option none", tOptionU16, "00", "null", KindNull},
		{"option some", tOptionU16, "010500", "5", KindUint},
		{"result ok", tResult, "00" + "01000000000000000100000000000000", `{"Ok":18446744073709551617}`, KindVariant},
		{"result err", tResult, "01" + "0c626164", `{"Err":"bad"}`, KindVariant},
		{"tuple variant", tResult, "07" + "0501", `{"Pair":[5,true]}`, KindVariant},
		{"named variant", tResult, "09" + "05ff", `{"Named":{"a":5,"b":-1}}`, KindVariant},
		{"unit variant", tResult, "03", `"Unit"`, KindVariant},
		{"composite", tInfo, "0100" + alicePub + "ffffffffffffffffffffffffffffffff" + "010700" + "0401",
			`{"netuid":1,"who":"` + aliceSS58 + `","stake":340282366920938463463374607431768211455,"maybe":7,"data":"0x01"}`, KindComposite},
		{"compact u128", tCompactU128, "17000000000000000001", "18446744073709551616", KindBig},
		{"compact u128 small", tCompactU128, "0110", "1024", KindUint},
		{"compact perbill", tCompactPerbill, "feffffff", "1073741823", KindUint},
		{"bits lsb0", tBits, "14" + "0d", "[true,false,true,true,false]", KindSeq},
		{"bits msb0 u16", tBitsMsb, "0c" + "00a0", "[true,false,true]", KindSeq},
		{"tuple", tTuple, "0908" + "6869", `[9,"hi"]`, KindSeq},
		{"unit", tUnit, "", "null", KindNull},
		{"u16 array", tU16Arr, "010002000300", "[1,2,3]", KindSeq},
		{"empty vec", tVecU16, "00", "[]", KindSeq},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := mustHex(t, tt.hex)
			v, err := m.Decode(tt.ty, raw)
			if err != nil {
				t.Fatal(err)
			}
			if v.Kind() != tt.kind {
				t.Errorf("kind %s, want %s", v.Kind(), tt.kind)
			}
			js := string(v.AppendJSON(nil))
			if js != tt.json {
				t.Fatalf("json %s, want %s", js, tt.json)
			}
			// Encode the Value back.
			back, err := m.Encode(tt.ty, v)
			if err != nil || !bytes.Equal(back, raw) {
				t.Fatalf("encode Value = %x, %v; want %s", back, err, tt.hex)
			}
			// Parse the JSON with UseNumber and encode the plain Go value.
			dec := json.NewDecoder(strings.NewReader(js))
			dec.UseNumber()
			var plain any
			if err := dec.Decode(&plain); err != nil {
				t.Fatal(err)
			}
			back, err = m.Encode(tt.ty, plain)
			if err != nil || !bytes.Equal(back, raw) {
				t.Fatalf("encode %#v = %x, %v; want %s", plain, back, err, tt.hex)
			}
		})
	}
}

func TestEncodeGoValues(t *testing.T) {
	m := synth(synthTypes())
	big128, _ := new(big.Int).SetString("18446744073709551617", 10)
	tests := []struct {
		name string
		ty   int
		v    any
		hex  string
	}{
		{"int", tU16, 1000, "e803"},
		{"uint8", tU16, uint8(7), "0700"},
		{"float exact", tU32, float64(70000), "70110100"},
		{"decimal string", tU64, "9007199254740993", "0100000000002000"},
		{"hex string int", tU16, "0x10", "1000"},
		{"big", tU128, big128, "01000000000000000100000000000000"},
		{"negative i128", tI128, -2, "fe" + strings.Repeat("ff", 15)},
		{"i8 min", tI8, -128, "80"},
		{"bytes hex", tVecU8, "0xdead", "08dead"},
		{"bytes text", tVecU8, "hi", "086869"},
		{"byte list", tVecU8, []any{1, 2}, "080102"},
		{"account ss58", tAccount, aliceSS58, alicePub},
		{"account bytes", tAccount, mustHex(t, alicePub), alicePub},
		{"option nil", tOptionU16, nil, "00"},
		{"option some", tOptionU16, 5, "010500"},
		{"unit variant", tResult, "Unit", "03"},
		{"data variant", tResult, map[string]any{"Err": "x"}, "010478"},
		{"named variant", tResult, map[string]any{"Named": map[string]any{"a": 1, "b": -1}}, "0901ff"},
		{"typed slice", tVecU16, []uint16{1, 2}, "0801000200"},
		{"composite", tInfo, map[string]any{"netuid": 1, "who": aliceSS58, "stake": "5", "maybe": nil, "data": []byte{}},
			"0100" + alicePub + "05" + strings.Repeat("00", 15) + "00" + "00"},
		{"bits", tBits, []any{true, false, true, true, false}, "140d"},
		{"bits msb0", tBitsMsb, []bool{true, false, true}, "0c00a0"},
		{"compact", tCompactU128, uint64(1) << 62, "130000000000000040"},
		{"value", tU16, NewUint(9), "0900"},
	}
	for _, tt := range tests {
		got, err := m.Encode(tt.ty, tt.v)
		if err != nil || hex.EncodeToString(got) != tt.hex {
			t.Errorf("%s: %x, %v; want %s", tt.name, got, err, tt.hex)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	m := synth(synthTypes())
	tests := []struct {
		ty   int
		v    any
		want string
	}{
		{tU16, -1, "want u16, got -1"},
		{tU16, 70000, "value 70000 overflows u16"},
		{tU8, 1.5, "want u8, got 1.5"},
		{tI8, 128, "value 128 overflows i8"},
		{tI8, -129, "value -129 overflows i8"},
		{tU128, "340282366920938463463374607431768211456", "overflows u128"},
		{tU64, "12abc", `want u64, got "12abc"`},
		{tBool, 1, "want bool, got 1"},
		{tInfo, map[string]any{"netuid": -1}, "netuid: want u16, got -1"},
		{tInfo, map[string]any{"netuid": 1}, "missing field who"},
		{tInfo, map[string]any{"netuid": 1, "who": aliceSS58, "stake": 1, "maybe": nil, "data": "", "extra": 1}, "unknown field extra"},
		{tVecInfo, []any{map[string]any{"netuid": 1, "who": "nope", "stake": 1, "maybe": nil, "data": ""}}, "[0].who: want AccountId32"},
		{tResult, "Nope", "Result has no variant Nope"},
		{tResult, "Ok", ""},
		{tResult, map[string]any{"Unit": 5}, "takes no data"},
		{tArr32, "0x00", "want 32 bytes"},
		{tAccount, "0x00", "want a 32-byte AccountId32"},
		{tU16Arr, []any{1, 2}, "want 3 items"},
		{tChar, "ab", "want char"},
		{tBits, []any{1}, "want bool at [0]"},
		{tCompactU128, -1, "want Compact<u128>, got -1"},
		{tUnit, 1, "want (), got 1"},
	}
	for _, tt := range tests {
		_, err := m.Encode(tt.ty, tt.v)
		if tt.want == "" {
			// Data variants need their data: encoding "Ok" alone fails.
			if err == nil {
				t.Errorf("encode %v as %s succeeded", tt.v, m.TypeName(tt.ty))
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("encode %v as %s: error %v, want %q", tt.v, m.TypeName(tt.ty), err, tt.want)
		}
	}
	// Cyclic input does not recurse forever.
	cyc := []any{nil}
	cyc[0] = cyc
	nest := synth([]Type{{Def: DefSequence, Elem: 0}})
	if _, err := nest.Encode(0, cyc); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("cyclic value: %v", err)
	}
}

func TestValueAccessors(t *testing.T) {
	names := []string{"a", "b"}
	c := NewComposite(names, []Value{NewUint(1), NewString("x")})
	if c.Len() != 2 || c.FieldNames()[1] != "b" {
		t.Fatal("composite shape")
	}
	if v, ok := c.Field("b"); !ok || v.String() != "x" {
		t.Fatal("Field b")
	}
	if _, ok := c.Field("z"); ok {
		t.Fatal("Field z found")
	}
	if c.Index(5).Kind() != KindNull || NewUint(1).Index(0).Kind() != KindNull {
		t.Fatal("Index out of range")
	}
	if x, ok := NewInt(-5).Int(); !ok || x != -5 {
		t.Fatal("Int")
	}
	if _, ok := NewInt(-5).Uint(); ok {
		t.Fatal("negative Uint ok")
	}
	if x, ok := NewUint(math.MaxUint64).Uint(); !ok || x != math.MaxUint64 {
		t.Fatal("Uint max")
	}
	if _, ok := NewUint(math.MaxUint64).Int(); ok {
		t.Fatal("Int of MaxUint64 ok")
	}
	huge, _ := new(big.Int).SetString("-340282366920938463463374607431768211455", 10)
	b := NewBig(huge)
	if b.Kind() != KindBig || b.BigInt().Cmp(huge) != 0 || b.String() != huge.String() {
		t.Fatal("big")
	}
	if NewBig(big.NewInt(-3)).Kind() != KindInt || NewBig(big.NewInt(3)).Kind() != KindUint {
		t.Fatal("NewBig normalises small values")
	}
	v := NewVariantWith("Some", NewBool(true))
	if p, ok := v.Payload(); !ok || v.VariantName() != "Some" || p.Kind() != KindBool {
		t.Fatal("variant")
	}
	if u := NewVariant("Unit"); u.String() != "Unit" || string(u.AppendJSON(nil)) != `"Unit"` {
		t.Fatal("unit variant")
	}
	if NewBytes([]byte{1, 0xab}).String() != "0x01ab" {
		t.Fatal("bytes string")
	}
	s := NewSeq([]Value{NewString("a\"\n\x01\xff"), Null})
	if got := string(s.AppendJSON(nil)); got != `["a\"\n\u0001`+"\ufffd"+`",null]` {
		t.Fatalf("escaped json %s", got)
	}
	js, err := json.Marshal(map[string]Value{"k": c})
	if err != nil || string(js) != `{"k":{"a":1,"b":"x"}}` {
		t.Fatalf("MarshalJSON %s %v", js, err)
	}
	if !c.Equal(NewComposite(names, []Value{NewUintBits(1, 16), NewString("x")})) || c.Equal(s) {
		t.Fatal("Equal")
	}
}

// TestSynthDecodeErrors covers malformed input per type kind.
func TestSynthDecodeErrors(t *testing.T) {
	m := synth(synthTypes())
	tests := []struct {
		ty   int
		hex  string
		want string
	}{
		{tBool, "02", "invalid bool byte 0x02"},
		{tOptionU16, "02", "invalid Option tag 0x02"},
		{tResult, "05", "no variant with index 5"},
		{tStr, "08ff00", "not valid UTF-8"},
		{tStr, "0861", "length prefix 2 needs at least 1 bytes per item but only 1 bytes are left"},
		{tChar, "00d80000", "invalid char"},
		{tCompactPerbill, "13ffffffffffffffff", "overflows u32"},
		{tCompactU128, "0100", "canonical"},
		{tU16, "01", "need 2 bytes, 1 left"},
		{tU16, "010203", "1 bytes left over"},
		{tBits, "2401", "bit sequence of 9 bits exceeds"},
		{tVecInfo, "04" + "0100" + alicePub + strings.Repeat("00", 16) + "0500", "at [0].maybe (Option<u16>), byte offset 51: invalid Option tag 0x05"},
	}
	for _, tt := range tests {
		_, err := m.Decode(tt.ty, mustHex(t, tt.hex))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("decode %s as %s: %v, want %q", tt.hex, m.TypeName(tt.ty), err, tt.want)
		}
	}
	// Self-referencing types decode with bounded depth.
	rec := synth([]Type{
		{Path: []string{"Tree"}, Def: DefVariant, Variants: []Variant{
			{Name: "Leaf", Index: 0}, {Name: "Node", Index: 1, Fields: []Field{{Type: 0}}}}},
		{Path: []string{"Loop"}, Def: DefComposite, Fields: []Field{{Type: 2}}},
		{Path: []string{"Loop2"}, Def: DefComposite, Fields: []Field{{Type: 1}}},
	})
	deep := append(bytes.Repeat([]byte{1}, 1000), 0)
	if _, err := rec.Decode(0, deep); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("deep value: %v", err)
	}
	if v, err := rec.Decode(0, []byte{1, 1, 0}); err != nil || v.String() != `{"Node":{"Node":"Leaf"}}` {
		t.Fatalf("tree: %v %v", v, err)
	}
	if _, err := rec.Decode(1, []byte{}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("newtype cycle: %v", err)
	}
	// Types that take no bytes cannot make a short input expensive:
	// 40 levels of (T, T) over () would be 2^40 values.
	var nest []Type
	for i := range 40 {
		nest = append(nest, Type{Def: DefTuple, Tuple: []int{i + 1, i + 1}})
	}
	nest = append(nest, Type{Def: DefTuple}, Type{Def: DefSequence, Elem: 40}, Type{Def: DefSequence, Elem: 41})
	exp := synth(nest)
	if _, err := exp.Decode(0, nil); err == nil || !strings.Contains(err.Error(), "parts for 0 bytes") {
		t.Fatalf("exponential zero-size value: %v", err)
	}
	// Vec<Vec<()>> with many long inner lists stays within one budget.
	in := AppendCompact(nil, 1000)
	for range 1000 {
		in = AppendCompact(in, 60000)
	}
	if _, err := exp.Decode(42, in); err == nil || !strings.Contains(err.Error(), "zero-size items exceeds") {
		t.Fatalf("nested zero-size sequences: %v", err)
	}
}

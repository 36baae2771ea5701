package scale

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestExtendDecodesLikeTheRegistry(t *testing.T) {
	m := metaV15(t)
	// The same struct as the finney runtime's StakeInfo, written by hand:
	// the bytes of a real StakeInfo decode to the same value both ways.
	x, err := m.Extend([]StructDef{{Name: "Stake", Fields: []FieldDef{
		{Name: "hotkey", Type: "AccountId"},
		{Name: "coldkey", Type: "AccountId"},
		{Name: "netuid", Type: "Compact<u16>"},
		{Name: "stake", Type: "Compact<u64>"},
		{Name: "locked", Type: "Compact<u64>"},
		{Name: "emission", Type: "Compact<u64>"},
		{Name: "tao_emission", Type: "Compact<u64>"},
		{Name: "drain", Type: "Compact<u64>"},
		{Name: "is_registered", Type: "bool"},
	}}}, "Vec<Stake>", "Option<(u8, [u16; 2])>")
	if err != nil {
		t.Fatal(err)
	}
	me, err := m.Method("StakeInfoRuntimeApi", "get_stake_info_for_coldkey")
	if err != nil {
		t.Fatal(err)
	}
	in := []byte{4}
	in = append(in, bytes.Repeat([]byte{1}, 32)...)
	in = append(in, bytes.Repeat([]byte{2}, 32)...)
	in = append(in, 0x0c, 0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1)
	want, err := me.DecodeOutput(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.Decode("Vec<Stake>", in)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) || string(got.AppendJSON(nil)) != string(want.AppendJSON(nil)) {
		t.Fatalf("got  %s\nwant %s", got.AppendJSON(nil), want.AppendJSON(nil))
	}
	if s := got.Index(0).Field; true {
		st, _ := s("stake")
		if st.String() != "18446744073709551615" {
			t.Fatalf("stake %s", st)
		}
	}
	v, err := x.Decode("Option<(u8, [u16; 2])>", []byte{1, 7, 1, 0, 2, 0})
	if err != nil || string(v.AppendJSON(nil)) != "[7,[1,2]]" {
		t.Fatalf("got %s, %v", v.AppendJSON(nil), err)
	}
	// Strict: a byte short or left over names the field and the offset.
	var de *DecodeError
	_, err = x.Decode("Vec<Stake>", in[:len(in)-1])
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "is_registered") || !strings.Contains(err.Error(), "byte offset 79") {
		t.Fatalf("short input: %v", err)
	}
	_, err = x.Decode("Vec<Stake>", append(in, 0))
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "1 bytes left over") {
		t.Fatalf("long input: %v", err)
	}
	if _, err := x.Decode("Vec<u8>", nil); err == nil || !strings.Contains(err.Error(), "not compiled") {
		t.Fatalf("unknown expression: %v", err)
	}
	// m itself is unchanged.
	if len(x.Metadata().Types) <= len(m.Types) || len(m.codecs) != len(m.Types) {
		t.Fatal("Extend changed the metadata it extends")
	}
}

func TestExtendRefusesBrokenTables(t *testing.T) {
	m := metaV15(t)
	deep := strings.Repeat("Vec<", 70) + "u8" + strings.Repeat(">", 70)
	for _, tc := range []struct {
		name    string
		structs []StructDef
		exprs   []string
		want    string
	}{
		{"unknown type", nil, []string{"Vec<Foo>"}, `unknown type "Foo"`},
		{"unknown generic", nil, []string{"Box<u8>"}, "unknown generic Box"},
		{"signed compact", nil, []string{"Compact<i32>"}, "Compact takes an unsigned integer"},
		{"unbalanced", nil, []string{"(u8, Vec<u8)"}, "unbalanced"},
		{"array without length", nil, []string{"[u8]"}, "[T; N]"},
		{"array length", nil, []string{"[u8; x]"}, "array length"},
		{"too deep", nil, []string{deep}, "nests more than 64 deep"},
		{"too long", nil, []string{strings.Repeat("u", 2000)}, "longer than 1024"},
		{"self", []StructDef{{Name: "A", Fields: []FieldDef{{Name: "a", Type: "Vec<A>"}}}}, nil, "struct A contains itself"},
		{"twice", []StructDef{{Name: "A"}, {Name: "A"}}, nil, "struct A is defined twice"},
		{"bad name", []StructDef{{Name: "a b"}}, nil, "not an identifier"},
		{"repeated field", []StructDef{{Name: "A", Fields: []FieldDef{{Name: "x", Type: "u8"}, {Name: "x", Type: "u8"}}}}, nil, "repeated"},
		{"bad field type", []StructDef{{Name: "A", Fields: []FieldDef{{Name: "x", Type: "u7"}}}}, nil, `struct A: field x: unknown type "u7"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Extend(tc.structs, tc.exprs...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

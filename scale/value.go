package scale

import (
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"unsafe"
)

// Kind says what a Value holds.
type Kind uint8

// The kinds of Value.
const (
	// KindNull is Option::None, the unit type () and empty composites.
	KindNull Kind = iota
	// KindBool is a bool.
	KindBool
	// KindUint is a non-negative integer that fits in 64 bits (any width,
	// see Value.Bits).
	KindUint
	// KindInt is a value of a signed integer type that fits in int64.
	KindInt
	// KindBig is an integer outside 64 bits (u128/u256/i128/i256 values).
	KindBig
	// KindString is a str or char.
	KindString
	// KindBytes is a byte sequence or byte array (Vec<u8>, [u8; N]).
	KindBytes
	// KindAccount is a 32-byte account id with the chain's SS58 prefix.
	KindAccount
	// KindSeq is a sequence, array, tuple, tuple struct or bit sequence.
	KindSeq
	// KindComposite is a struct with named fields.
	KindComposite
	// KindVariant is an enum value: a name and an optional payload.
	KindVariant
)

var kindNames = [...]string{"null", "bool", "uint", "int", "big", "string", "bytes", "account", "seq", "composite", "variant"}

// String returns the lower-case name of the kind ("uint", "composite", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a decoded SCALE value. It is a small struct (32 bytes) passed by
// value; integers are stored inline without allocation and never lose
// precision. The zero Value is Null.
//
// Values produced by Decode share memory with one private copy of the input
// and with the compiled type registry (field names): they are read-only.
// Slices returned by Bytes and Items must not be modified.
type Value struct {
	kind Kind
	bits uint8  // integer width in bits (8..256) when known, 0 otherwise
	aux  uint16 // SS58 prefix of an account
	n    uint32 // length: bytes, string bytes, items
	u    uint64 // Uint value, Int value (two's complement), Bool (0/1)
	// p points at the data: *byte for strings, bytes and accounts, *Value
	// for items and variant payloads, *big.Int for big integers.
	p unsafe.Pointer
	// x points at *string: the field names of a composite (n of them) or
	// the name of a variant.
	x unsafe.Pointer
}

// Null is the Null value (Option::None or unit).
var Null = Value{}

// NewBool returns a Bool value.
func NewBool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.u = 1
	}
	return v
}

// NewUint returns a Uint value of width 64.
func NewUint(x uint64) Value { return Value{kind: KindUint, bits: 64, u: x} }

// NewUintBits returns a Uint value recording the integer width bits.
func NewUintBits(x uint64, bits int) Value {
	return Value{kind: KindUint, bits: uint8(bitsCode(bits)), u: x}
}

// NewInt returns an Int value of width 64.
func NewInt(x int64) Value { return Value{kind: KindInt, bits: 64, u: uint64(x)} }

// NewBig returns an integer value for x, stored inline when it fits in 64
// bits (as Uint or Int) and as Big otherwise. x is not copied.
func NewBig(x *big.Int) Value {
	if x == nil {
		return Null
	}
	if x.IsUint64() {
		return Value{kind: KindUint, bits: 0, u: x.Uint64()}
	}
	if x.IsInt64() {
		return Value{kind: KindInt, u: uint64(x.Int64())}
	}
	return Value{kind: KindBig, p: unsafe.Pointer(x)}
}

// NewString returns a String value.
func NewString(s string) Value {
	return Value{kind: KindString, n: uint32(len(s)), p: unsafe.Pointer(unsafe.StringData(s))}
}

// NewBytes returns a Bytes value sharing b.
func NewBytes(b []byte) Value {
	return Value{kind: KindBytes, n: uint32(len(b)), p: unsafe.Pointer(unsafe.SliceData(b))}
}

// NewAccount returns an Account value for a 32-byte public key (shared, not
// copied) rendered in SS58 with prefix.
func NewAccount(pub []byte, prefix uint16) Value {
	return Value{kind: KindAccount, aux: prefix, n: uint32(len(pub)), p: unsafe.Pointer(unsafe.SliceData(pub))}
}

// NewSeq returns a Seq value holding items (shared, not copied).
func NewSeq(items []Value) Value {
	return Value{kind: KindSeq, n: uint32(len(items)), p: unsafe.Pointer(unsafe.SliceData(items))}
}

// NewComposite returns a Composite value; names and fields must have the
// same length (extra entries of the longer one are ignored).
func NewComposite(names []string, fields []Value) Value {
	n := min(len(names), len(fields))
	if n == 0 {
		return Value{kind: KindComposite}
	}
	return Value{kind: KindComposite, n: uint32(n), p: unsafe.Pointer(unsafe.SliceData(fields)), x: unsafe.Pointer(unsafe.SliceData(names))}
}

// NewVariant returns a unit Variant value (an enum variant without data).
func NewVariant(name string) Value {
	return Value{kind: KindVariant, x: unsafe.Pointer(&name)}
}

// NewVariantWith returns a Variant value carrying payload.
func NewVariantWith(name string, payload Value) Value {
	p := new(Value)
	*p = payload
	return Value{kind: KindVariant, n: 1, p: unsafe.Pointer(p), x: unsafe.Pointer(&name)}
}

// bitsCode maps a bit width to the stored byte (256 does not fit in a byte
// and is stored as 0xff).
func bitsCode(bits int) int {
	if bits >= 256 {
		return 0xff
	}
	return bits
}

// Kind returns the kind of v.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is Null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Bits returns the width in bits of the integer type v was decoded from
// (8, 16, 32, 64, 128 or 256), or 0 when unknown or not an integer.
func (v Value) Bits() int {
	if v.bits == 0xff {
		return 256
	}
	return int(v.bits)
}

// Uint returns v as a uint64 when v is a non-negative integer that fits.
func (v Value) Uint() (uint64, bool) {
	switch v.kind {
	case KindUint:
		return v.u, true
	case KindInt:
		if int64(v.u) >= 0 {
			return v.u, true
		}
	case KindBig:
		b := (*big.Int)(v.p)
		if b.IsUint64() {
			return b.Uint64(), true
		}
	}
	return 0, false
}

// Int returns v as an int64 when v is an integer that fits.
func (v Value) Int() (int64, bool) {
	switch v.kind {
	case KindUint:
		if v.u <= math.MaxInt64 {
			return int64(v.u), true
		}
	case KindInt:
		return int64(v.u), true
	case KindBig:
		b := (*big.Int)(v.p)
		if b.IsInt64() {
			return b.Int64(), true
		}
	}
	return 0, false
}

// BigInt returns any integer value as a new *big.Int, or nil when v is not
// an integer.
func (v Value) BigInt() *big.Int {
	switch v.kind {
	case KindUint:
		return new(big.Int).SetUint64(v.u)
	case KindInt:
		return big.NewInt(int64(v.u))
	case KindBig:
		return new(big.Int).Set((*big.Int)(v.p))
	}
	return nil
}

// IsInteger reports whether v is Uint, Int or Big.
func (v Value) IsInteger() bool { return v.kind == KindUint || v.kind == KindInt || v.kind == KindBig }

// Bool returns the value of a Bool.
func (v Value) Bool() (b, ok bool) { return v.u != 0, v.kind == KindBool }

// Str returns the text of a String value.
func (v Value) Str() (string, bool) {
	if v.kind != KindString {
		return "", false
	}
	return unsafe.String((*byte)(v.p), int(v.n)), true
}

// Bytes returns the raw bytes of a Bytes or Account value (read-only), or
// nil for other kinds.
func (v Value) Bytes() []byte {
	if v.kind != KindBytes && v.kind != KindAccount {
		return nil
	}
	if v.n == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(v.p), int(v.n))
}

// SS58Prefix returns the address prefix of an Account value.
func (v Value) SS58Prefix() uint16 {
	if v.kind != KindAccount {
		return 0
	}
	return v.aux
}

// Len returns the number of items of a Seq or Composite, the number of
// bytes of Bytes, Account or String, and 0 otherwise.
func (v Value) Len() int {
	switch v.kind {
	case KindSeq, KindComposite, KindBytes, KindAccount, KindString:
		return int(v.n)
	}
	return 0
}

// packedSeq marks (in aux) a Seq whose items are integers or bools stored
// as a packed []uint64 instead of []Value; the low byte is the item Kind
// and bits is the item width. Decode produces it for sequences of
// integers, compact integers and bools: 8 bytes per item and nothing for
// the garbage collector to scan.
const packedSeq = 0x8000

func (v Value) packed() bool { return v.kind == KindSeq && v.aux&packedSeq != 0 }

func newPacked(words []uint64, kind Kind, bits uint8) Value {
	if len(words) == 0 {
		return Value{kind: KindSeq}
	}
	return Value{kind: KindSeq, aux: packedSeq | uint16(kind), bits: bits, n: uint32(len(words)), p: unsafe.Pointer(&words[0])}
}

func (v Value) packedItem(i int) Value {
	w := *(*uint64)(unsafe.Add(v.p, uintptr(i)*8))
	return Value{kind: Kind(v.aux & 0xff), bits: v.bits, u: w}
}

// Items returns the items of a Seq or the field values of a Composite
// (read-only), or nil. Sequences of integers or bools are stored packed by
// Decode; for them Items builds a new slice, so prefer Len and Index.
func (v Value) Items() []Value {
	if (v.kind != KindSeq && v.kind != KindComposite) || v.n == 0 {
		return nil
	}
	if v.packed() {
		out := make([]Value, v.n)
		for i := range out {
			out[i] = v.packedItem(i)
		}
		return out
	}
	return unsafe.Slice((*Value)(v.p), int(v.n))
}

// Index returns item i of a Seq or Composite, or Null when out of range.
func (v Value) Index(i int) Value {
	if (v.kind != KindSeq && v.kind != KindComposite) || i < 0 || i >= int(v.n) {
		return Null
	}
	if v.packed() {
		return v.packedItem(i)
	}
	return *(*Value)(unsafe.Add(v.p, uintptr(i)*unsafe.Sizeof(Value{})))
}

// FieldNames returns the field names of a Composite (shared, read-only).
func (v Value) FieldNames() []string {
	if v.kind != KindComposite || v.n == 0 {
		return nil
	}
	return unsafe.Slice((*string)(v.x), int(v.n))
}

// Field returns the field called name of a Composite.
func (v Value) Field(name string) (Value, bool) {
	if v.kind != KindComposite {
		return Null, false
	}
	names := v.FieldNames()
	for i, n := range names {
		if n == name {
			return v.Index(i), true
		}
	}
	return Null, false
}

// VariantName returns the variant name of a Variant value, or "".
func (v Value) VariantName() string {
	if v.kind != KindVariant || v.x == nil {
		return ""
	}
	return *(*string)(v.x)
}

// Payload returns the data of a Variant value; ok is false for a unit
// variant or another kind.
func (v Value) Payload() (Value, bool) {
	if v.kind != KindVariant || v.n == 0 {
		return Null, false
	}
	return *(*Value)(v.p), true
}

// String renders v for people: decimal integers, 0x-hex bytes, SS58
// accounts, the text of strings and JSON for everything else.
func (v Value) String() string {
	switch v.kind {
	case KindNull:
		return "null"
	case KindBool:
		if v.u != 0 {
			return "true"
		}
		return "false"
	case KindUint:
		return strconv.FormatUint(v.u, 10)
	case KindInt:
		return strconv.FormatInt(int64(v.u), 10)
	case KindBig:
		return (*big.Int)(v.p).String()
	case KindString:
		s, _ := v.Str()
		return s
	case KindBytes:
		return "0x" + hex.EncodeToString(v.Bytes())
	case KindAccount:
		return v.accountString()
	case KindVariant:
		if v.n == 0 {
			return v.VariantName()
		}
	}
	return string(v.AppendJSON(nil))
}

func (v Value) accountString() string {
	if v.n != 32 {
		return "0x" + hex.EncodeToString(v.Bytes())
	}
	var buf [48]byte
	return string(appendSS58(buf[:0], v.Bytes(), v.aux))
}

// Equal reports whether v and w hold the same data (integers compare by
// value whatever their width; account prefixes are ignored).
func (v Value) Equal(w Value) bool {
	if v.IsInteger() && w.IsInteger() {
		if v.kind != KindBig && w.kind == v.kind {
			return v.u == w.u
		}
		return v.BigInt().Cmp(w.BigInt()) == 0
	}
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindNull:
		return true
	case KindBool:
		return v.u == w.u
	case KindString:
		a, _ := v.Str()
		b, _ := w.Str()
		return a == b
	case KindBytes, KindAccount:
		return string(v.Bytes()) == string(w.Bytes())
	case KindSeq, KindComposite:
		if v.n != w.n {
			return false
		}
		vn, wn := v.FieldNames(), w.FieldNames()
		for i := range int(v.n) {
			if vn != nil && vn[i] != wn[i] {
				return false
			}
			if !v.Index(i).Equal(w.Index(i)) {
				return false
			}
		}
		return true
	case KindVariant:
		if v.VariantName() != w.VariantName() || v.n != w.n {
			return false
		}
		if v.n == 0 {
			return true
		}
		a, _ := v.Payload()
		b, _ := w.Payload()
		return a.Equal(b)
	}
	return false
}

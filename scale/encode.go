package scale

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/btscript/btscript/internal/suggest"
)

// EncodeError reports a value that does not fit its type, with the field
// path to it ("netuid: want u16, got -1").
type EncodeError struct {
	Path string // e.g. "info.netuid" or "[3]"; empty at the top level
	Msg  string
	segs []string
}

// Error formats the error as "path: message".
func (e *EncodeError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func (e *EncodeError) finish() *EncodeError {
	e.Path = joinPath(e.segs)
	e.segs = nil
	return e
}

func encErr(format string, args ...any) *EncodeError {
	return &EncodeError{Msg: fmt.Sprintf(format, args...)}
}

// Encode encodes v as type id. v is a Value or a plain Go value:
//   - integers: any Go integer type, *big.Int, a decimal (or 0x-hex)
//     string, json.Number, or a float64 holding an exact integer;
//   - bool; str: string; char: a one-character string;
//   - byte sequences and arrays: []byte, a "0x…" hex string, any other
//     string as its UTF-8 bytes, or a list of integers;
//   - AccountId32: an SS58 address, a 0x-hex string or 32 bytes;
//   - sequences, arrays, tuples: []any, []Value or any other slice;
//   - composites: map[string]any (or map[string]Value) by field name, or a
//     list in field order;
//   - enums: a string for a unit variant, map[string]any{name: payload}
//     for a variant with data;
//   - Option: nil for None, the inner value for Some;
//   - bit sequences: a list of bools.
func (m *Metadata) Encode(typeID int, v any) ([]byte, error) {
	return m.AppendEncode(nil, typeID, v)
}

// AppendEncode appends the encoding of v as type id to dst (see Encode).
func (m *Metadata) AppendEncode(dst []byte, typeID int, v any) ([]byte, error) {
	c, err := m.codec(typeID)
	if err != nil {
		return dst, err
	}
	e := encoder{}
	out, ee := e.enc(c, dst, v)
	if ee != nil {
		return dst, ee.finish()
	}
	return out, nil
}

type encoder struct {
	depth int
}

func (e *encoder) enc(c *codec, dst []byte, v any) ([]byte, *EncodeError) {
	if p, ok := v.(*Value); ok {
		if p == nil {
			v = nil
		} else {
			v = *p
		}
	}
	switch c.kind {
	case cUnit:
		if isEmpty(v) {
			return dst, nil
		}
		return dst, encErr("want (), got %s", describe(v))
	case cBool:
		switch x := v.(type) {
		case bool:
			return appendBool(dst, x), nil
		case Value:
			if b, ok := x.Bool(); ok {
				return appendBool(dst, b), nil
			}
		}
		return dst, encErr("want bool, got %s", describe(v))
	case cUint, cInt, cBigUint, cBigInt:
		return appendInt(dst, c, v)
	case cCompact:
		mag, neg, bg, err := intOf(v)
		if err != nil {
			return dst, encErr("want Compact<%s>, got %s", c.primName(), describe(v))
		}
		if neg || (bg != nil && bg.Sign() < 0) {
			return dst, encErr("want Compact<%s>, got %s", c.primName(), describe(v))
		}
		if bg != nil {
			if bg.BitLen() > c.Bits() {
				return dst, encErr("value %s overflows %s", bg, c.primName())
			}
			out, err := AppendCompactBig(dst, bg)
			if err != nil {
				return dst, encErr("%v", err)
			}
			return out, nil
		}
		if b := c.Bits(); b < 64 && mag >= 1<<b {
			return dst, encErr("value %d overflows %s", mag, c.primName())
		}
		return AppendCompact(dst, mag), nil
	case cStr:
		s, ok := stringOf(v)
		if !ok {
			return dst, encErr("want str, got %s", describe(v))
		}
		dst = AppendCompact(dst, uint64(len(s)))
		return append(dst, s...), nil
	case cChar:
		s, ok := stringOf(v)
		if r, size := utf8.DecodeRuneInString(s); ok && size == len(s) && size > 0 && r != utf8.RuneError {
			return binary.LittleEndian.AppendUint32(dst, uint32(r)), nil
		}
		return dst, encErr("want char (a one-character string), got %s", describe(v))
	case cBytes:
		b, err := bytesOf(v, -1)
		if err != nil {
			return dst, err
		}
		dst = AppendCompact(dst, uint64(len(b)))
		return append(dst, b...), nil
	case cByteArray:
		b, err := bytesOf(v, c.size)
		if err != nil {
			return dst, err
		}
		if len(b) != c.size {
			return dst, encErr("want %d bytes for %s, got %d", c.size, c.name, len(b))
		}
		return append(dst, b...), nil
	case cAccount:
		return appendAccount(dst, v)
	case cNewtype:
		return e.enc(c.elem, dst, v)
	case cOption:
		if isNull(v) {
			return append(dst, 0), nil
		}
		e.depth++
		defer func() { e.depth-- }()
		if e.depth > maxDepth {
			return dst, encErr("values nested deeper than %d levels", maxDepth)
		}
		return e.enc(c.elem, append(dst, 1), v)
	case cSeq, cArray, cTuple, cComposite, cVariant, cBitSeq:
		e.depth++
		defer func() { e.depth-- }()
		if e.depth > maxDepth {
			return dst, encErr("values nested deeper than %d levels", maxDepth)
		}
		switch c.kind {
		case cSeq, cArray:
			return e.encList(c, dst, v)
		case cTuple:
			return e.encFields(dst, c.name, c.fields, nil, v)
		case cComposite:
			return e.encFields(dst, c.name, c.fields, c.names, v)
		case cVariant:
			return e.encVariant(c, dst, v)
		default:
			return encBits(c, dst, v)
		}
	}
	return dst, encErr("cannot encode %s: %s", c.name, c.invalid)
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func isNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case Value:
		return x.kind == KindNull
	}
	return false
}

func isEmpty(v any) bool {
	if isNull(v) {
		return true
	}
	switch x := v.(type) {
	case Value:
		return (x.kind == KindSeq || x.kind == KindComposite) && x.n == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// describe renders a value for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case Value:
		switch x.kind {
		case KindUint, KindInt, KindBig, KindBool:
			return x.String()
		case KindString:
			s, _ := x.Str()
			return strconv.Quote(truncate(s))
		case KindVariant:
			return "variant " + x.VariantName()
		}
		return x.kind.String() + " value"
	case string:
		return strconv.Quote(truncate(x))
	case json.Number:
		return string(x)
	case *big.Int:
		if x == nil {
			return "nil"
		}
		return x.String()
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprint(x)
	case []byte:
		return fmt.Sprintf("%d bytes", len(x))
	}
	return fmt.Sprintf("%T", v)
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// intOf returns an integer argument as sign and 64-bit magnitude, or as a
// big.Int when it does not fit in 64 bits.
func intOf(v any) (mag uint64, neg bool, bg *big.Int, err error) {
	signed := func(x int64) (uint64, bool, *big.Int, error) {
		if x < 0 {
			return uint64(-(x + 1)) + 1, true, nil, nil
		}
		return uint64(x), false, nil, nil
	}
	switch x := v.(type) {
	case int:
		return signed(int64(x))
	case int8:
		return signed(int64(x))
	case int16:
		return signed(int64(x))
	case int32:
		return signed(int64(x))
	case int64:
		return signed(x)
	case uint:
		return uint64(x), false, nil, nil
	case uint8:
		return uint64(x), false, nil, nil
	case uint16:
		return uint64(x), false, nil, nil
	case uint32:
		return uint64(x), false, nil, nil
	case uint64:
		return x, false, nil, nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, false, nil, fmt.Errorf("not an exact integer")
		}
		return signed(int64(x))
	case float32:
		return intOf(float64(x))
	case *big.Int:
		if x == nil {
			return 0, false, nil, fmt.Errorf("nil")
		}
		return bigParts(x)
	case big.Int:
		return bigParts(&x)
	case json.Number:
		return intOf(string(x))
	case string:
		s := strings.TrimSpace(x)
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u, false, nil, nil
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return signed(i)
		}
		b, ok := new(big.Int).SetString(s, 0)
		if !ok || strings.Contains(s, "_") {
			return 0, false, nil, fmt.Errorf("not an integer")
		}
		return bigParts(b)
	case Value:
		switch x.kind {
		case KindUint:
			return x.u, false, nil, nil
		case KindInt:
			return signed(int64(x.u))
		case KindBig:
			return bigParts(x.BigInt())
		}
	}
	return 0, false, nil, fmt.Errorf("not an integer")
}

func bigParts(b *big.Int) (uint64, bool, *big.Int, error) {
	if b.IsUint64() {
		return b.Uint64(), false, nil, nil
	}
	if b.Sign() < 0 && b.BitLen() <= 64 {
		a := new(big.Int).Neg(b)
		return a.Uint64(), true, nil, nil
	}
	return 0, false, b, nil
}

func appendInt(dst []byte, c *codec, v any) ([]byte, *EncodeError) {
	mag, neg, bg, err := intOf(v)
	if err != nil {
		return dst, encErr("want %s, got %s", c.primName(), describe(v))
	}
	bits := c.Bits()
	signed := c.kind == cInt || c.kind == cBigInt
	size := bits / 8
	if bg == nil {
		switch {
		case neg && !signed:
			return dst, encErr("want %s, got %s", c.primName(), describe(v))
		case !signed && bits < 64 && mag >= 1<<bits:
			return dst, encErr("value %d overflows %s", mag, c.primName())
		case signed && !neg && (bits <= 64 && mag > 1<<(bits-1)-1):
			return dst, encErr("value %d overflows %s", mag, c.primName())
		case signed && neg && bits <= 64 && mag > 1<<(bits-1):
			return dst, encErr("value -%d overflows %s", mag, c.primName())
		}
		x := mag
		fill := byte(0)
		if neg {
			x = -mag
			fill = 0xff
		}
		for i := range min(size, 8) {
			dst = append(dst, byte(x>>(8*i)))
		}
		for i := 8; i < size; i++ {
			dst = append(dst, fill)
		}
		return dst, nil
	}
	if bg.Sign() < 0 && !signed {
		return dst, encErr("want %s, got %s", c.primName(), describe(v))
	}
	limit := bits
	if signed {
		limit--
	}
	abs := new(big.Int).Abs(bg)
	if abs.BitLen() > limit {
		// Allow exactly -2^(bits-1) for signed types.
		if !(signed && bg.Sign() < 0 && abs.BitLen() == bits && abs.TrailingZeroBits() == uint(bits-1)) {
			return dst, encErr("value %s overflows %s", bg, c.primName())
		}
	}
	x := new(big.Int).Set(bg)
	if x.Sign() < 0 {
		x.Add(x, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	}
	be := x.FillBytes(make([]byte, size))
	for i := size - 1; i >= 0; i-- {
		dst = append(dst, be[i])
	}
	return dst, nil
}

func stringOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case Value:
		return x.Str()
	}
	return "", false
}

// bytesOf converts a byte argument; want is the required length or -1.
func bytesOf(v any, want int) ([]byte, *EncodeError) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case string:
		if len(x) >= 2 && x[0] == '0' && (x[1] == 'x' || x[1] == 'X') {
			b, err := hex.DecodeString(x[2:])
			if err != nil {
				return nil, encErr("invalid hex string %s: %v", describe(x), err)
			}
			return b, nil
		}
		if want == 32 {
			if pub, _, err := SS58Decode(x); err == nil {
				return pub, nil
			}
		}
		return []byte(x), nil
	case Value:
		switch x.kind {
		case KindBytes, KindAccount:
			return x.Bytes(), nil
		case KindString:
			s, _ := x.Str()
			return []byte(s), nil
		case KindSeq:
			out := make([]byte, x.Len())
			for i := range out {
				it := x.Index(i)
				u, ok := it.Uint()
				if !ok || u > 255 {
					return nil, encErr("want a byte at [%d], got %s", i, describe(it))
				}
				out[i] = byte(u)
			}
			return out, nil
		}
	}
	if n, get, ok := listOf(v); ok {
		out := make([]byte, n)
		for i := range n {
			it := get(i)
			mag, neg, bg, err := intOf(it)
			if err != nil || neg || bg != nil || mag > 255 {
				return nil, encErr("want a byte at [%d], got %s", i, describe(it))
			}
			out[i] = byte(mag)
		}
		return out, nil
	}
	return nil, encErr("want bytes (0x-hex string or byte list), got %s", describe(v))
}

func appendAccount(dst []byte, v any) ([]byte, *EncodeError) {
	var pub []byte
	switch x := v.(type) {
	case string:
		if len(x) >= 2 && x[0] == '0' && (x[1] == 'x' || x[1] == 'X') {
			b, err := hex.DecodeString(x[2:])
			if err != nil {
				return dst, encErr("invalid hex account %s: %v", describe(x), err)
			}
			pub = b
		} else {
			p, _, err := SS58Decode(x)
			if err != nil {
				return dst, encErr("want AccountId32 (SS58 or 0x-hex), got %s: %v", describe(x), err)
			}
			pub = p
		}
	case []byte:
		pub = x
	case Value:
		if x.kind == KindString {
			s, _ := x.Str()
			return appendAccount(dst, s)
		}
		pub = x.Bytes()
	}
	if pub == nil {
		return dst, encErr("want AccountId32 (SS58 or 0x-hex), got %s", describe(v))
	}
	if len(pub) != 32 {
		return dst, encErr("want a 32-byte AccountId32, got %d bytes", len(pub))
	}
	return append(dst, pub...), nil
}

// listOf gives indexed access to the list forms Encode accepts.
func listOf(v any) (int, func(int) any, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), func(i int) any { return x[i] }, true
	case []Value:
		return len(x), func(i int) any { return x[i] }, true
	case Value:
		if x.kind == KindSeq || x.kind == KindComposite {
			return x.Len(), func(i int) any { return x.Index(i) }, true
		}
		return 0, nil, false
	case nil, string, []byte, map[string]any:
		return 0, nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		return rv.Len(), func(i int) any { return rv.Index(i).Interface() }, true
	}
	return 0, nil, false
}

func (e *encoder) encList(c *codec, dst []byte, v any) ([]byte, *EncodeError) {
	n, get, ok := listOf(v)
	if !ok {
		return dst, encErr("want a list for %s, got %s", c.name, describe(v))
	}
	if c.kind == cArray {
		if n != c.size {
			return dst, encErr("want %d items for %s, got %d", c.size, c.name, n)
		}
	} else {
		dst = AppendCompact(dst, uint64(n))
	}
	for i := range n {
		var err *EncodeError
		dst, err = e.enc(c.elem, dst, get(i))
		if err != nil {
			err.segs = append(err.segs, "["+strconv.Itoa(i)+"]")
			return dst, err
		}
	}
	return dst, nil
}

// encFields encodes a tuple (names nil) or a composite.
func (e *encoder) encFields(dst []byte, typ string, fields []*codec, names []string, v any) ([]byte, *EncodeError) {
	field := func(i int, x any) *EncodeError {
		var err *EncodeError
		dst, err = e.enc(fields[i], dst, x)
		if err != nil {
			if names != nil {
				err.segs = append(err.segs, names[i])
			} else {
				err.segs = append(err.segs, "["+strconv.Itoa(i)+"]")
			}
		}
		return err
	}
	if names != nil {
		var lookup func(string) (any, bool)
		var keys func() []string
		switch x := v.(type) {
		case map[string]any:
			lookup = func(k string) (any, bool) { y, ok := x[k]; return y, ok }
			keys = func() []string {
				ks := make([]string, 0, len(x))
				for k := range x {
					ks = append(ks, k)
				}
				return ks
			}
		case map[string]Value:
			lookup = func(k string) (any, bool) { y, ok := x[k]; return y, ok }
			keys = func() []string {
				ks := make([]string, 0, len(x))
				for k := range x {
					ks = append(ks, k)
				}
				return ks
			}
		case Value:
			if x.kind == KindComposite && x.Len() == len(names) && unsafe.SliceData(x.FieldNames()) == unsafe.SliceData(names) {
				// Decoded with this very codec: fields are in order.
				for i := range names {
					if err := field(i, x.Index(i)); err != nil {
						return dst, err
					}
				}
				return dst, nil
			}
			if x.kind == KindComposite {
				lookup = func(k string) (any, bool) { return x.Field(k) }
				keys = x.FieldNames
			}
		}
		if lookup != nil {
			for i, n := range names {
				fv, ok := lookup(n)
				if !ok {
					return dst, encErr("missing field %s of %s", n, typ)
				}
				if err := field(i, fv); err != nil {
					return dst, err
				}
			}
			if ks := keys(); len(ks) != len(names) {
				for _, k := range ks {
					if !contains(names, k) {
						return dst, encErr("unknown field %s for %s (fields: %s)", k, typ, strings.Join(names, ", "))
					}
				}
			}
			return dst, nil
		}
	}
	n, get, ok := listOf(v)
	if !ok {
		if names != nil {
			return dst, encErr("want a map of fields for %s, got %s", typ, describe(v))
		}
		return dst, encErr("want a list of %d items for %s, got %s", len(fields), typ, describe(v))
	}
	if n != len(fields) {
		return dst, encErr("want %d items for %s, got %d", len(fields), typ, n)
	}
	for i := range n {
		if err := field(i, get(i)); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (e *encoder) encVariant(c *codec, dst []byte, v any) ([]byte, *EncodeError) {
	var name string
	var payload any
	hasPayload := false
	switch x := v.(type) {
	case string:
		name = x
	case Value:
		if x.kind == KindVariant {
			name = x.VariantName()
			if p, ok := x.Payload(); ok {
				payload, hasPayload = p, true
			}
		} else if s, ok := x.Str(); ok {
			name = s
		}
	case map[string]any:
		if len(x) == 1 {
			for k, p := range x {
				name, payload, hasPayload = k, p, true
			}
		}
	case map[string]Value:
		if len(x) == 1 {
			for k, p := range x {
				name, payload, hasPayload = k, p, true
			}
		}
	}
	if name == "" {
		return dst, encErr("want a variant of %s (a name, or {name: data}), got %s", c.name, describe(v))
	}
	var vc *variantCodec
	for i := range c.variants {
		if c.variants[i].name == name {
			vc = &c.variants[i]
			break
		}
	}
	if vc == nil {
		names := make([]string, len(c.variants))
		for i, x := range c.variants {
			names[i] = x.name
		}
		msg := fmt.Sprintf("%s has no variant %s", c.name, name)
		if s := suggest.Closest(name, names); len(s) > 0 {
			msg += " (did you mean " + strings.Join(s, ", ") + "?)"
		}
		return dst, &EncodeError{Msg: msg}
	}
	dst = append(dst, vc.index)
	var err *EncodeError
	switch vc.pay {
	case payNone:
		if hasPayload && !isEmpty(payload) {
			return dst, encErr("variant %s of %s takes no data, got %s", name, c.name, describe(payload))
		}
		return dst, nil
	case paySingle:
		dst, err = e.enc(vc.fields[0], dst, payload)
	case payComposite:
		dst, err = e.encFields(dst, c.name+"::"+name, vc.fields, vc.names, payload)
	default:
		dst, err = e.encFields(dst, c.name+"::"+name, vc.fields, nil, payload)
	}
	if err != nil {
		err.segs = append(err.segs, name)
	}
	return dst, err
}

func encBits(c *codec, dst []byte, v any) ([]byte, *EncodeError) {
	n, get, ok := listOf(v)
	if !ok {
		return dst, encErr("want a list of bools for %s, got %s", c.name, describe(v))
	}
	dst = AppendCompact(dst, uint64(n))
	storeBits := c.storeBytes * 8
	words := (n + storeBits - 1) / storeBits
	start := len(dst)
	dst = append(dst, make([]byte, words*c.storeBytes)...)
	for i := range n {
		var b bool
		switch x := get(i).(type) {
		case bool:
			b = x
		case Value:
			var ok bool
			if b, ok = x.Bool(); !ok {
				return dst, encErr("want bool at [%d], got %s", i, describe(x))
			}
		default:
			return dst, encErr("want bool at [%d], got %s", i, describe(x))
		}
		if !b {
			continue
		}
		w, k := i/storeBits, i%storeBits
		if c.msb {
			k = storeBits - 1 - k
		}
		dst[start+w*c.storeBytes+k/8] |= 1 << (k % 8)
	}
	return dst, nil
}

package scale

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// maxDepth bounds the nesting of decoded values.
const maxDepth = 128

// maxZeroSizeItems caps the length of sequences whose items may take no
// bytes at all (e.g. Vec<()>), which the input length cannot bound.
const maxZeroSizeItems = 1 << 16

// DecodeError reports where and why a value could not be decoded.
type DecodeError struct {
	Root   string // the type being decoded, e.g. "Vec<NeuronInfoLite>"
	Type   string // the type at the failure, e.g. "u128"
	Path   string // the field path to the failure, e.g. "[17].axon_info.ip"
	Offset int    // byte offset of the failure in the input
	Msg    string
	segs   []string // path segments, innermost first
}

// Error formats the error as one line.
func (e *DecodeError) Error() string {
	var sb strings.Builder
	sb.WriteString("decode ")
	sb.WriteString(e.Root)
	if e.Path != "" {
		sb.WriteString(" at ")
		sb.WriteString(e.Path)
	}
	if e.Type != "" && e.Type != e.Root {
		sb.WriteString(" (")
		sb.WriteString(e.Type)
		sb.WriteString(")")
	}
	sb.WriteString(", byte offset ")
	sb.WriteString(strconv.Itoa(e.Offset))
	sb.WriteString(": ")
	sb.WriteString(e.Msg)
	return sb.String()
}

func (e *DecodeError) finish(root string) *DecodeError {
	e.Root = root
	e.Path = joinPath(e.segs)
	e.segs = nil
	return e
}

// joinPath turns path segments collected innermost first ("ip",
// "axon_info", "[17]") into a field path ("[17].axon_info.ip").
func joinPath(segs []string) string {
	var sb strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if sb.Len() > 0 && s[0] != '[' {
			sb.WriteByte('.')
		}
		sb.WriteString(s)
	}
	return sb.String()
}

type decoder struct {
	b      []byte
	off    int
	depth  int
	prefix uint16
	slab   []Value
	next   int // size of the next slab
	wslab  []uint64
	// steps counts compound values and zeroItems zero-size sequence items,
	// to bound the work per input byte.
	steps     int
	zeroItems uint64
}

func (d *decoder) fail(c *codec, format string, args ...any) *DecodeError {
	return &DecodeError{Type: c.name, Offset: d.off, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) short(c *codec, need int) *DecodeError {
	return d.fail(c, "unexpected end of input (need %d bytes, %d left)", need, len(d.b)-d.off)
}

// alloc returns n zeroed Values, carved from a shared slab for small n so
// that a decode makes few allocations. Slabs start small, as most decodes
// are of one small storage value, and double up to 4096 Values for the
// large ones.
func (d *decoder) alloc(n int) []Value {
	if n > 64 {
		return make([]Value, n)
	}
	if n > len(d.slab) {
		d.next = min(max(d.next*2, 16, n), 4096)
		d.slab = make([]Value, d.next)
	}
	s := d.slab[:n:n]
	d.slab = d.slab[n:]
	return s
}

func (d *decoder) compact(c *codec) (uint64, *DecodeError) {
	if d.off < len(d.b) && d.b[d.off]&3 == 0 {
		x := d.b[d.off] >> 2
		d.off++
		return uint64(x), nil
	}
	x, n, err := DecodeCompact(d.b[d.off:])
	if err != nil {
		return 0, d.fail(c, "%v", err)
	}
	d.off += n
	return x, nil
}

// length reads a compact item count and checks it against the bytes left.
func (d *decoder) length(c *codec, itemMin int) (int, *DecodeError) {
	start := d.off
	n, err := d.compact(c)
	if err != nil {
		return 0, err
	}
	left := uint64(len(d.b) - d.off)
	if itemMin <= 0 {
		d.zeroItems += n
		if d.zeroItems > maxZeroSizeItems {
			d.off = start
			return 0, d.fail(c, "length %d of zero-size items exceeds the limit %d", n, maxZeroSizeItems)
		}
	} else if n > left/uint64(itemMin) {
		d.off = start
		return 0, d.fail(c, "length prefix %d needs at least %d bytes per item but only %d bytes are left", n, itemMin, left)
	}
	return int(n), nil
}

func (d *decoder) decode(c *codec, v *Value) *DecodeError {
	switch c.kind {
	case cUint:
		if len(d.b)-d.off < c.size {
			return d.short(c, c.size)
		}
		p := d.b[d.off:]
		var x uint64
		switch c.size {
		case 1:
			x = uint64(p[0])
		case 2:
			x = uint64(binary.LittleEndian.Uint16(p))
		case 4:
			x = uint64(binary.LittleEndian.Uint32(p))
		default:
			x = binary.LittleEndian.Uint64(p)
		}
		d.off += c.size
		*v = Value{kind: KindUint, bits: c.bits, u: x}
	case cInt:
		if len(d.b)-d.off < c.size {
			return d.short(c, c.size)
		}
		p := d.b[d.off:]
		var x int64
		switch c.size {
		case 1:
			x = int64(int8(p[0]))
		case 2:
			x = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			x = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			x = int64(binary.LittleEndian.Uint64(p))
		}
		d.off += c.size
		*v = Value{kind: KindInt, bits: c.bits, u: uint64(x)}
	case cBool:
		if d.off >= len(d.b) {
			return d.short(c, 1)
		}
		b := d.b[d.off]
		if b > 1 {
			return d.fail(c, "invalid bool byte 0x%02x", b)
		}
		d.off++
		*v = Value{kind: KindBool, u: uint64(b)}
	case cCompact:
		return d.decodeCompact(c, v)
	case cStr:
		n, err := d.length(c, 1)
		if err != nil {
			return err
		}
		s := d.b[d.off : d.off+n]
		if !utf8.Valid(s) {
			return d.fail(c, "string is not valid UTF-8")
		}
		d.off += n
		*v = Value{kind: KindString, n: uint32(n), p: unsafe.Pointer(unsafe.SliceData(s))}
	case cBytes:
		n, err := d.length(c, 1)
		if err != nil {
			return err
		}
		*v = Value{kind: KindBytes, n: uint32(n), p: unsafe.Pointer(unsafe.SliceData(d.b[d.off:]))}
		d.off += n
	case cByteArray:
		if len(d.b)-d.off < c.size {
			return d.short(c, c.size)
		}
		*v = Value{kind: KindBytes, n: uint32(c.size), p: unsafe.Pointer(unsafe.SliceData(d.b[d.off:]))}
		d.off += c.size
	case cAccount:
		if len(d.b)-d.off < 32 {
			return d.short(c, 32)
		}
		*v = Value{kind: KindAccount, aux: d.prefix, n: 32, p: unsafe.Pointer(unsafe.SliceData(d.b[d.off:]))}
		d.off += 32
	case cNewtype:
		return d.decode(c.elem, v)
	case cUnit:
		*v = Value{}
	case cOption:
		if d.off >= len(d.b) {
			return d.short(c, 1)
		}
		switch d.b[d.off] {
		case 0:
			d.off++
			*v = Value{}
		case 1:
			d.off++
			return d.nested(c.elem, v)
		default:
			return d.fail(c, "invalid Option tag 0x%02x", d.b[d.off])
		}
	case cSeq, cArray, cTuple, cComposite, cVariant:
		return d.nested(c, v)
	case cBigUint, cBigInt:
		return d.decodeBig(c, v)
	case cChar:
		if len(d.b)-d.off < 4 {
			return d.short(c, 4)
		}
		r := rune(binary.LittleEndian.Uint32(d.b[d.off:]))
		if !utf8.ValidRune(r) {
			return d.fail(c, "invalid char code point 0x%x", uint32(r))
		}
		d.off += 4
		*v = NewString(string(r))
	case cBitSeq:
		return d.decodeBits(c, v)
	default:
		return d.fail(c, "cannot decode %s: %s", c.name, c.invalid)
	}
	return nil
}

// nested decodes the compound kinds with a depth check.
func (d *decoder) nested(c *codec, v *Value) *DecodeError {
	d.depth++
	if d.depth > maxDepth {
		d.depth--
		return d.fail(c, "values nested deeper than %d levels", maxDepth)
	}
	// Bound the work on inputs whose types take no bytes (a registry can
	// nest empty tuples exponentially): real values have far fewer
	// compound parts than bytes.
	d.steps++
	if d.steps > 2*len(d.b)+maxZeroSizeItems {
		d.depth--
		return d.fail(c, "value has more than %d parts for %d bytes of input", d.steps-1, len(d.b))
	}
	var err *DecodeError
	switch c.kind {
	case cSeq:
		err = d.decodeSeq(c, v)
	case cArray:
		err = d.decodeItems(c, v, c.size)
	case cTuple:
		err = d.decodeFields(c, v)
	case cComposite:
		err = d.decodeFields(c, v)
	case cVariant:
		err = d.decodeVariant(c, v)
	default:
		err = d.decode(c, v)
	}
	d.depth--
	return err
}

func (d *decoder) decodeSeq(c *codec, v *Value) *DecodeError {
	n, err := d.length(c, c.elem.min)
	if err != nil {
		return err
	}
	return d.decodeItems(c, v, n)
}

func (d *decoder) decodeItems(c *codec, v *Value, n int) *DecodeError {
	if n == 0 {
		*v = Value{kind: KindSeq}
		return nil
	}
	if c.kind == cArray {
		if c.elem.min > 0 && n > (len(d.b)-d.off)/c.elem.min {
			return d.fail(c, "unexpected end of input (%d items need at least %d bytes each, %d bytes left)", n, c.elem.min, len(d.b)-d.off)
		}
		if c.elem.min == 0 {
			d.zeroItems += uint64(n)
			if d.zeroItems > maxZeroSizeItems {
				return d.fail(c, "array of %d zero-size items exceeds the limit %d", n, maxZeroSizeItems)
			}
		}
	}
	e := c.elem
	switch e.kind {
	case cCompact:
		if e.bits <= 64 {
			return d.compactItems(c, v, n)
		}
	case cBool:
		if len(d.b)-d.off < n {
			return d.short(c, n)
		}
		words := d.words(n)
		for i, b := range d.b[d.off : d.off+n] {
			if b > 1 {
				d.off += i
				err := d.fail(e, "invalid bool byte 0x%02x", b)
				err.segs = append(err.segs, "["+strconv.Itoa(i)+"]")
				return err
			}
			words[i] = uint64(b)
		}
		d.off += n
		*v = newPacked(words, KindBool, 0)
		return nil
	case cUint, cInt:
		sz := e.size
		if n > (len(d.b)-d.off)/sz {
			return d.short(c, n*sz)
		}
		words := d.words(n)
		p := d.b[d.off:]
		switch {
		case sz == 1 && e.kind == cUint:
			for i := range words {
				words[i] = uint64(p[i])
			}
		case sz == 2 && e.kind == cUint:
			for i := range words {
				words[i] = uint64(binary.LittleEndian.Uint16(p[2*i:]))
			}
		case sz == 4 && e.kind == cUint:
			for i := range words {
				words[i] = uint64(binary.LittleEndian.Uint32(p[4*i:]))
			}
		case sz == 8:
			for i := range words {
				words[i] = binary.LittleEndian.Uint64(p[8*i:])
			}
		case sz == 1:
			for i := range words {
				words[i] = uint64(int64(int8(p[i])))
			}
		case sz == 2:
			for i := range words {
				words[i] = uint64(int64(int16(binary.LittleEndian.Uint16(p[2*i:]))))
			}
		default:
			for i := range words {
				words[i] = uint64(int64(int32(binary.LittleEndian.Uint32(p[4*i:]))))
			}
		}
		d.off += n * sz
		k := KindUint
		if e.kind == cInt {
			k = KindInt
		}
		*v = newPacked(words, k, e.bits)
		return nil
	}
	items := d.alloc(n)
	{
		for i := range items {
			if err := d.decode(e, &items[i]); err != nil {
				err.segs = append(err.segs, "["+strconv.Itoa(i)+"]")
				return err
			}
		}
	}
	*v = Value{kind: KindSeq, n: uint32(n), p: unsafe.Pointer(&items[0])}
	return nil
}

func (d *decoder) decodeFields(c *codec, v *Value) *DecodeError {
	items := d.alloc(len(c.fields))
	for i, f := range c.fields {
		if err := d.decode(f, &items[i]); err != nil {
			if c.names != nil {
				err.segs = append(err.segs, c.names[i])
			} else {
				err.segs = append(err.segs, "["+strconv.Itoa(i)+"]")
			}
			return err
		}
	}
	if c.names != nil {
		*v = Value{kind: KindComposite, n: uint32(len(items)), p: unsafe.Pointer(&items[0]), x: unsafe.Pointer(&c.names[0])}
	} else {
		*v = Value{kind: KindSeq, n: uint32(len(items)), p: unsafe.Pointer(&items[0])}
	}
	return nil
}

func (d *decoder) decodeVariant(c *codec, v *Value) *DecodeError {
	if d.off >= len(d.b) {
		return d.short(c, 1)
	}
	idx := d.b[d.off]
	if int(idx) >= len(c.byIndex) || c.byIndex[idx] < 0 {
		return d.fail(c, "no variant with index %d", idx)
	}
	d.off++
	vc := &c.variants[c.byIndex[idx]]
	switch vc.pay {
	case payNone:
		*v = Value{kind: KindVariant, x: unsafe.Pointer(&vc.name)}
		return nil
	case paySingle:
		p := d.alloc(1)
		if err := d.decode(vc.fields[0], &p[0]); err != nil {
			err.segs = append(err.segs, vc.name)
			return err
		}
		*v = Value{kind: KindVariant, n: 1, p: unsafe.Pointer(&p[0]), x: unsafe.Pointer(&vc.name)}
		return nil
	}
	p := d.alloc(1 + len(vc.fields))
	items := p[1:]
	for i, f := range vc.fields {
		if err := d.decode(f, &items[i]); err != nil {
			if vc.names != nil {
				err.segs = append(err.segs, vc.names[i])
			} else {
				err.segs = append(err.segs, "["+strconv.Itoa(i)+"]")
			}
			err.segs = append(err.segs, vc.name)
			return err
		}
	}
	if vc.names != nil {
		p[0] = Value{kind: KindComposite, n: uint32(len(items)), p: unsafe.Pointer(&items[0]), x: unsafe.Pointer(&vc.names[0])}
	} else {
		p[0] = Value{kind: KindSeq, n: uint32(len(items)), p: unsafe.Pointer(&items[0])}
	}
	*v = Value{kind: KindVariant, n: 1, p: unsafe.Pointer(&p[0]), x: unsafe.Pointer(&vc.name)}
	return nil
}

func (d *decoder) decodeCompact(c *codec, v *Value) *DecodeError {
	if d.off < len(d.b) && d.b[d.off]&3 == 0 {
		v.kind, v.bits, v.u = KindUint, c.bits, uint64(d.b[d.off]>>2)
		v.aux, v.n, v.p, v.x = 0, 0, nil, nil
		d.off++
		return nil
	}
	if d.off < len(d.b) && d.b[d.off]&3 == 3 && int(d.b[d.off]>>2)+4 > 8 {
		x, n, err := DecodeCompactBig(d.b[d.off:])
		if err != nil {
			return d.fail(c, "%v", err)
		}
		if x.BitLen() > c.Bits() {
			return d.fail(c, "compact value %s overflows %s", x, c.primName())
		}
		d.off += n
		*v = Value{kind: KindBig, bits: c.bits, p: unsafe.Pointer(x)}
		return nil
	}
	x, err := d.compact(c)
	if err != nil {
		return err
	}
	if b := c.Bits(); b < 64 && x >= 1<<b {
		return d.fail(c, "compact value %d overflows %s", x, c.primName())
	}
	*v = Value{kind: KindUint, bits: c.bits, u: x}
	return nil
}

// Bits returns the integer width of an integer or compact codec.
func (c *codec) Bits() int {
	if c.bits == 0xff {
		return 256
	}
	return int(c.bits)
}

func (c *codec) primName() string {
	s := "u" + strconv.Itoa(c.Bits())
	if c.kind == cInt || c.kind == cBigInt {
		s = "i" + s[1:]
	}
	return s
}

func (d *decoder) decodeBig(c *codec, v *Value) *DecodeError {
	sz := c.size
	if len(d.b)-d.off < sz {
		return d.short(c, sz)
	}
	p := d.b[d.off : d.off+sz]
	d.off += sz
	signed := c.kind == cBigInt
	neg := signed && p[sz-1]&0x80 != 0
	// Fast path: the value fits in 64 bits.
	fill := byte(0)
	if neg {
		fill = 0xff
	}
	fits := true
	for _, b := range p[8:] {
		if b != fill {
			fits = false
			break
		}
	}
	lo := binary.LittleEndian.Uint64(p)
	if fits {
		switch {
		case !signed:
			*v = Value{kind: KindUint, bits: c.bits, u: lo}
			return nil
		case neg == (int64(lo) < 0):
			*v = Value{kind: KindInt, bits: c.bits, u: lo}
			return nil
		}
	}
	be := make([]byte, sz)
	for i := range be {
		be[i] = p[sz-1-i]
	}
	x := new(big.Int).SetBytes(be)
	if neg {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(sz*8)))
	}
	*v = Value{kind: KindBig, bits: c.bits, p: unsafe.Pointer(x)}
	if !signed {
		return nil
	}
	if x.IsInt64() {
		*v = Value{kind: KindInt, bits: c.bits, u: uint64(x.Int64())}
	}
	return nil
}

func (d *decoder) decodeBits(c *codec, v *Value) *DecodeError {
	start := d.off
	nbits, err := d.compact(c)
	if err != nil {
		return err
	}
	storeBits := uint64(c.storeBytes * 8)
	words := (nbits + storeBits - 1) / storeBits
	if nbits > uint64(len(d.b)-d.off)*8 || words*uint64(c.storeBytes) > uint64(len(d.b)-d.off) {
		d.off = start
		return d.fail(c, "bit sequence of %d bits exceeds the remaining %d bytes", nbits, len(d.b)-d.off)
	}
	n := int(nbits)
	if n == 0 {
		*v = Value{kind: KindSeq}
		return nil
	}
	items := d.alloc(n)
	sb := c.storeBytes
	p := d.b[d.off:]
	for i := range items {
		w, k := i/int(storeBits), i%int(storeBits)
		var word uint64
		for j := sb - 1; j >= 0; j-- {
			word = word<<8 | uint64(p[w*sb+j])
		}
		bit := k
		if c.msb {
			bit = int(storeBits) - 1 - k
		}
		items[i] = Value{kind: KindBool, u: word >> uint(bit) & 1}
	}
	d.off += int(words) * sb
	*v = Value{kind: KindSeq, n: uint32(n), p: unsafe.Pointer(&items[0])}
	return nil
}

// compactItems decodes a sequence of n compact integers of up to 64 bits.
func (d *decoder) compactItems(c *codec, v *Value, n int) *DecodeError {
	e := c.elem
	bits := e.Bits()
	words := d.words(n)
	for i := range words {
		var x uint64
		if d.off < len(d.b) && d.b[d.off]&3 == 0 {
			x = uint64(d.b[d.off] >> 2)
			d.off++
		} else {
			var k int
			var err error
			x, k, err = DecodeCompact(d.b[d.off:])
			if err != nil {
				de := d.fail(e, "%v", err)
				de.segs = append(de.segs, "["+strconv.Itoa(i)+"]")
				return de
			}
			if bits < 64 && x >= 1<<bits {
				de := d.fail(e, "compact value %d overflows %s", x, e.primName())
				de.segs = append(de.segs, "["+strconv.Itoa(i)+"]")
				return de
			}
			d.off += k
		}
		words[i] = x
	}
	*v = newPacked(words, KindUint, e.bits)
	return nil
}

// words returns n zeroed words for a packed sequence, carved from a shared
// slab for small n.
func (d *decoder) words(n int) []uint64 {
	if n > 128 {
		return make([]uint64, n)
	}
	if n > len(d.wslab) {
		d.wslab = make([]uint64, 1024)
	}
	s := d.wslab[:n:n]
	d.wslab = d.wslab[n:]
	return s
}

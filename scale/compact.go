package scale

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
)

var (
	errCompactShort     = errors.New("compact integer: unexpected end of input")
	errCompactNoncanon  = errors.New("compact integer: not in canonical (shortest) form")
	errCompactTooBig    = errors.New("compact integer: value exceeds 64 bits")
	errCompactBadLength = errors.New("compact integer: more than 67 bytes")
)

// DecodeCompact reads a SCALE compact integer that fits in 64 bits from the
// start of b and returns it with the number of bytes read. Non-canonical
// encodings are rejected as parity-scale-codec does; a value above 64 bits
// is an error (see DecodeCompactBig).
func DecodeCompact(b []byte) (x uint64, n int, err error) {
	if len(b) == 0 {
		return 0, 0, errCompactShort
	}
	switch b[0] & 3 {
	case 0:
		return uint64(b[0] >> 2), 1, nil
	case 1:
		if len(b) < 2 {
			return 0, 0, errCompactShort
		}
		x = uint64(binary.LittleEndian.Uint16(b) >> 2)
		if x < 1<<6 {
			return 0, 0, errCompactNoncanon
		}
		return x, 2, nil
	case 2:
		if len(b) < 4 {
			return 0, 0, errCompactShort
		}
		x = uint64(binary.LittleEndian.Uint32(b) >> 2)
		if x < 1<<14 {
			return 0, 0, errCompactNoncanon
		}
		return x, 4, nil
	}
	l := int(b[0]>>2) + 4
	if len(b) < 1+l {
		return 0, 0, errCompactShort
	}
	if l > 8 {
		// Canonical big-mode encodings have a non-zero top byte.
		return 0, 0, errCompactTooBig
	}
	for i := l; i > 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	if b[l] == 0 || x < 1<<30 {
		return 0, 0, errCompactNoncanon
	}
	return x, 1 + l, nil
}

// DecodeCompactBig reads a SCALE compact integer of any size (up to 2^536)
// from the start of b.
func DecodeCompactBig(b []byte) (*big.Int, int, error) {
	if len(b) > 0 && b[0]&3 == 3 && int(b[0]>>2)+4 > 8 {
		l := int(b[0]>>2) + 4
		if len(b) < 1+l {
			return nil, 0, errCompactShort
		}
		if b[l] == 0 {
			return nil, 0, errCompactNoncanon
		}
		be := make([]byte, l)
		for i := range l {
			be[i] = b[l-i]
		}
		return new(big.Int).SetBytes(be), 1 + l, nil
	}
	x, n, err := DecodeCompact(b)
	if err != nil {
		return nil, 0, err
	}
	return new(big.Int).SetUint64(x), n, nil
}

// AppendCompact appends the SCALE compact encoding of x to dst.
func AppendCompact(dst []byte, x uint64) []byte {
	switch {
	case x < 1<<6:
		return append(dst, byte(x<<2))
	case x < 1<<14:
		return binary.LittleEndian.AppendUint16(dst, uint16(x<<2|1))
	case x < 1<<30:
		return binary.LittleEndian.AppendUint32(dst, uint32(x<<2|2))
	}
	l := (bits.Len64(x) + 7) / 8
	dst = append(dst, byte((l-4)<<2|3))
	for range l {
		dst = append(dst, byte(x))
		x >>= 8
	}
	return dst
}

// AppendCompactBig appends the SCALE compact encoding of a non-negative x.
func AppendCompactBig(dst []byte, x *big.Int) ([]byte, error) {
	if x.Sign() < 0 {
		return dst, fmt.Errorf("compact integer: negative value %s", x)
	}
	if x.IsUint64() {
		return AppendCompact(dst, x.Uint64()), nil
	}
	be := x.Bytes()
	if len(be) > 67 {
		return dst, errCompactBadLength
	}
	dst = append(dst, byte((len(be)-4)<<2|3))
	for i := len(be) - 1; i >= 0; i-- {
		dst = append(dst, be[i])
	}
	return dst, nil
}

// reader reads the metadata structure. Errors are sticky: after the first
// one every read returns zero values and r.err keeps the first error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %s", r.off, fmt.Sprintf(format, args...))
	}
	r.off = len(r.b)
}

func (r *reader) u8() byte {
	if r.off >= len(r.b) {
		r.fail("unexpected end of input")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) u32() uint32 {
	if len(r.b)-r.off < 4 {
		r.fail("unexpected end of input")
		return 0
	}
	x := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return x
}

func (r *reader) compact() uint64 {
	if r.off < len(r.b) && r.b[r.off]&3 == 0 {
		x := r.b[r.off] >> 2
		r.off++
		return uint64(x)
	}
	x, n, err := DecodeCompact(r.b[min(r.off, len(r.b)):])
	if err != nil {
		r.fail("%v", err)
		return 0
	}
	r.off += n
	return x
}

// count reads a compact length and checks it against the bytes left,
// assuming each item takes at least minSize bytes.
func (r *reader) count(minSize int) int {
	n := r.compact()
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.b)-r.off)/uint64(max(minSize, 1)) {
		r.fail("length %d exceeds the remaining %d bytes", n, len(r.b)-r.off)
		return 0
	}
	return int(n)
}

// typeID reads a compact type id.
func (r *reader) typeID() int {
	x := r.compact()
	if x > 1<<31-1 {
		r.fail("type id %d out of range", x)
		return 0
	}
	return int(x)
}

// raw reads a compact-length byte vector without copying.
func (r *reader) raw() []byte {
	n := r.count(1)
	if r.err != nil {
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}

// str reads a string; it shares memory with the reader's buffer, which
// Parse keeps private and never modifies.
func (r *reader) str() string {
	b := r.raw()
	if len(b) == 0 {
		return ""
	}
	return unsafeString(b)
}

func (r *reader) strs() []string {
	n := r.count(1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

// skipStrs skips a Vec<String> (docs we do not keep).
func (r *reader) skipStrs() {
	n := r.count(1)
	for range n {
		l := r.count(1)
		r.off += l
	}
}

// option reads an Option tag.
func (r *reader) option() bool {
	switch r.u8() {
	case 0:
		return false
	case 1:
		return true
	default:
		r.off--
		r.fail("invalid Option tag 0x%02x", r.b[r.off])
		return false
	}
}

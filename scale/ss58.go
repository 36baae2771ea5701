package scale

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/blake2b"
)

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// DefaultSS58Prefix is the generic Substrate address prefix, used when the
// metadata has no System.SS58Prefix constant.
const DefaultSS58Prefix = 42

// MaxSS58Prefix is the largest prefix an SS58 address can carry.
const MaxSS58Prefix = 16383

// SS58Encode returns the SS58 address of a public key (or account index)
// with the given network prefix. Prefixes 0..63 take one byte, 64..16383 two.
// The checksum is 2 bytes for 32- and 33-byte keys and 1 byte otherwise.
func SS58Encode(pub []byte, prefix uint16) string {
	var buf [96]byte
	return string(appendSS58(buf[:0], pub, prefix&MaxSS58Prefix))
}

func ss58Header(prefix uint16) (h [2]byte, n int) {
	if prefix < 64 {
		return [2]byte{byte(prefix)}, 1
	}
	return [2]byte{
		byte((prefix&0xfc)>>2) | 0x40,
		byte(prefix>>8) | byte((prefix&3)<<6),
	}, 2
}

func ss58ChecksumLen(payload int) int {
	if payload == 32 || payload == 33 {
		return 2
	}
	return 1
}

func ss58Checksum(header []byte, pub []byte) [64]byte {
	var buf [7 + 2 + 64]byte
	n := copy(buf[:], "SS58PRE")
	n += copy(buf[n:], header)
	if len(pub) <= 64 {
		n += copy(buf[n:], pub)
		return blake2b.Sum512(buf[:n])
	}
	h, _ := blake2b.New512(nil)
	h.Write(buf[:n])
	h.Write(pub)
	var out [64]byte
	h.Sum(out[:0])
	return out
}

// appendSS58 appends the SS58 address of pub to dst without allocating for
// 32-byte keys.
func appendSS58(dst []byte, pub []byte, prefix uint16) []byte {
	hdr, hn := ss58Header(prefix)
	sum := ss58Checksum(hdr[:hn], pub)
	var raw [2 + 64 + 2]byte
	if len(pub) > 64 {
		return append(dst, "<invalid ss58 payload>"...)
	}
	n := copy(raw[:], hdr[:hn])
	n += copy(raw[n:], pub)
	n += copy(raw[n:], sum[:ss58ChecksumLen(len(pub))])
	return appendBase58(dst, raw[:n])
}

// SS58Decode parses an SS58 address, checks its checksum and returns the
// public key (32 bytes for an account id) and the network prefix.
func SS58Decode(addr string) (pub []byte, prefix uint16, err error) {
	raw, err := base58Decode(addr)
	if err != nil {
		return nil, 0, fmt.Errorf("ss58 address %q: %w", addr, err)
	}
	if len(raw) < 2 {
		return nil, 0, fmt.Errorf("ss58 address %q: too short", addr)
	}
	hn := 1
	switch {
	case raw[0] < 64:
		prefix = uint16(raw[0])
	case raw[0] < 128:
		if len(raw) < 3 {
			return nil, 0, fmt.Errorf("ss58 address %q: too short", addr)
		}
		lower := (raw[0]<<2)&0xfc | raw[1]>>6
		upper := raw[1] & 0x3f
		prefix = uint16(lower) | uint16(upper)<<8
		hn = 2
		if prefix < 64 {
			return nil, 0, fmt.Errorf("ss58 address %q: prefix %d in the two-byte form", addr, prefix)
		}
	default:
		return nil, 0, fmt.Errorf("ss58 address %q: invalid prefix byte 0x%02x", addr, raw[0])
	}
	body := raw[hn:]
	var cl int
	switch len(body) {
	case 2, 3, 5, 9: // account indices of 1, 2, 4, 8 bytes
		cl = 1
	case 34, 35: // 32-byte keys, 33-byte compressed ECDSA keys
		cl = 2
	default:
		return nil, 0, fmt.Errorf("ss58 address %q: wrong length (%d bytes after the prefix)", addr, len(body))
	}
	pub = body[:len(body)-cl]
	sum := ss58Checksum(raw[:hn], pub)
	for i := range cl {
		if sum[i] != body[len(pub)+i] {
			return nil, 0, fmt.Errorf("ss58 address %q: bad checksum", addr)
		}
	}
	return pub, prefix, nil
}

// appendBase58 encodes b in base58 (Bitcoin alphabet). It works in limbs
// of 58^5 fed 32 bits at a time, so a 35-byte address takes about a
// hundred word operations and no allocation.
func appendBase58(dst []byte, b []byte) []byte {
	const base = 58 * 58 * 58 * 58 * 58
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	for range zeros {
		dst = append(dst, '1')
	}
	b = b[zeros:]
	var limbBuf [24]uint64
	limbs := limbBuf[:0] // little-endian limbs in base 58^5
	for i := 0; i < len(b); {
		k := len(b) % 4
		if i > 0 || k == 0 {
			k = 4
		}
		var carry uint64
		for _, c := range b[i : i+k] {
			carry = carry<<8 | uint64(c)
		}
		i += k
		mul := uint64(1) << (8 * k)
		for j, l := range limbs {
			t := l*mul + carry
			limbs[j], carry = t%base, t/base
		}
		for carry > 0 {
			limbs = append(limbs, carry%base)
			carry /= base
		}
	}
	if len(limbs) == 0 {
		return dst
	}
	var digits [5]byte
	for j := len(limbs) - 1; j >= 0; j-- {
		l := limbs[j]
		for d := 4; d >= 0; d-- {
			digits[d] = base58Alphabet[l%58]
			l /= 58
		}
		out := digits[:]
		if j == len(limbs)-1 {
			for len(out) > 1 && out[0] == '1' {
				out = out[1:]
			}
		}
		dst = append(dst, out...)
	}
	return dst
}

var errBase58Empty = errors.New("empty")

// base58Decode reads s five digits at a time into 32-bit limbs: a fifth of
// the passes of a digit-by-digit decoder, on a quarter of the words.
func base58Decode(s string) ([]byte, error) {
	if s == "" {
		return nil, errBase58Empty
	}
	if len(s) > 256 {
		return nil, errors.New("too long")
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	var limbBuf [48]uint32 // 58^256 < 2^1500: at most 47 limbs
	limbs := limbBuf[:0]   // little-endian, base 2^32
	for i := zeros; i < len(s); {
		k := min(5, len(s)-i)
		var v, mul uint64 = 0, 1
		for j := i; j < i+k; j++ {
			d := base58Index[s[j]]
			if d < 0 {
				return nil, fmt.Errorf("invalid base58 character %q at %d", s[j], j)
			}
			v, mul = v*58+uint64(d), mul*58
		}
		i += k
		for j, l := range limbs {
			t := uint64(l)*mul + v
			limbs[j], v = uint32(t), t>>32
		}
		for v > 0 {
			limbs = append(limbs, uint32(v))
			v >>= 32
		}
	}
	out := make([]byte, zeros+4*len(limbs))
	p := len(out)
	for _, l := range limbs {
		p -= 4
		out[p], out[p+1], out[p+2], out[p+3] = byte(l>>24), byte(l>>16), byte(l>>8), byte(l)
	}
	// The top limb may have zero bytes above the number.
	lead := zeros
	for lead < len(out) && out[lead] == 0 {
		lead++
	}
	copy(out[zeros:], out[lead:])
	return out[:len(out)-(lead-zeros)], nil
}

// AccountID is a 32-byte account id (an sr25519 or ed25519 public key). It
// is what Value.Unmarshal stores an account in when a program has no use
// for the address text: 32 bytes copied, where a string field costs an
// SS58 encoding (a blake2b hash and base58) per account.
type AccountID [32]byte

// String returns the address with the generic prefix 42 (Bittensor's).
func (a AccountID) String() string { return SS58Encode(a[:], DefaultSS58Prefix) }

// MarshalText writes the address with the generic prefix, so JSON shows
// an address rather than 32 numbers.
func (a AccountID) MarshalText() ([]byte, error) {
	return appendSS58(nil, a[:], DefaultSS58Prefix), nil
}

// UnmarshalText reads what ParseAccountID reads.
func (a *AccountID) UnmarshalText(text []byte) error {
	id, err := ParseAccountID(string(text))
	if err != nil {
		return err
	}
	*a = id
	return nil
}

// SS58 returns the address with prefix.
func (a AccountID) SS58(prefix uint16) string { return SS58Encode(a[:], prefix) }

// ParseAccountID reads an SS58 address (any prefix) or 0x-hex of 32 bytes.
func ParseAccountID(s string) (AccountID, error) {
	var a AccountID
	var pub []byte
	var err error
	if strings.HasPrefix(s, "0x") {
		pub, err = hex.DecodeString(s[2:])
	} else {
		pub, _, err = SS58Decode(s)
	}
	if err != nil {
		return a, fmt.Errorf("account id %q: %w", s, err)
	}
	if len(pub) != len(a) {
		return a, fmt.Errorf("account id %q: %d bytes, want 32", s, len(pub))
	}
	copy(a[:], pub)
	return a, nil
}

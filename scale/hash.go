package scale

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"
	"golang.org/x/crypto/blake2b"
)

// Hasher is a storage key hasher, numbered as in the metadata.
type Hasher uint8

// The storage hashers, in metadata order.
const (
	Blake2_128 Hasher = iota
	Blake2_256
	Blake2_128Concat
	Twox128
	Twox256
	Twox64Concat
	Identity
)

var hasherNames = [...]string{"Blake2_128", "Blake2_256", "Blake2_128Concat", "Twox128", "Twox256", "Twox64Concat", "Identity"}

// String returns the metadata name of the hasher, e.g. "Twox64Concat".
func (h Hasher) String() string {
	if int(h) < len(hasherNames) {
		return hasherNames[h]
	}
	return fmt.Sprintf("Hasher(%d)", h)
}

// ParseHasher returns the hasher named s (case-insensitive, with or without
// the underscore: "twox64concat", "Blake2_128Concat").
func ParseHasher(s string) (Hasher, error) {
	norm := func(x string) string { return strings.ToLower(strings.ReplaceAll(x, "_", "")) }
	for i, n := range hasherNames {
		if norm(n) == norm(s) {
			return Hasher(i), nil
		}
	}
	return 0, fmt.Errorf("unknown storage hasher %q", s)
}

// HashLen returns the number of hash bytes the hasher writes before any
// concatenated key (0 for Identity).
func (h Hasher) HashLen() int {
	switch h {
	case Blake2_128, Blake2_128Concat, Twox128:
		return 16
	case Blake2_256, Twox256:
		return 32
	case Twox64Concat:
		return 8
	}
	return 0
}

// Reversible reports whether the key data can be recovered from the hash
// output (the Concat hashers and Identity).
func (h Hasher) Reversible() bool {
	return h == Blake2_128Concat || h == Twox64Concat || h == Identity
}

// Append appends the hash of data to dst, followed by data itself for the
// Concat hashers and Identity.
func (h Hasher) Append(dst, data []byte) []byte {
	switch h {
	case Blake2_128, Blake2_128Concat:
		dst = appendBlake2(dst, data, 16)
	case Blake2_256:
		dst = appendBlake2(dst, data, 32)
	case Twox128:
		dst = appendTwox(dst, data, 2)
	case Twox256:
		dst = appendTwox(dst, data, 4)
	case Twox64Concat:
		dst = appendTwox(dst, data, 1)
	}
	if h.Reversible() {
		dst = append(dst, data...)
	}
	return dst
}

// Hash returns Append(nil, data).
func (h Hasher) Hash(data []byte) []byte { return h.Append(nil, data) }

func appendBlake2(dst, data []byte, size int) []byte {
	if size == 32 {
		s := blake2b.Sum256(data)
		return append(dst, s[:]...)
	}
	d, _ := blake2b.New(size, nil)
	d.Write(data)
	return d.Sum(dst)
}

// appendTwox appends n little-endian xxHash64 values of data with seeds
// 0..n-1 (n = 1, 2, 4 for twox64, twox128, twox256).
func appendTwox(dst, data []byte, n int) []byte {
	for seed := range n {
		var x uint64
		if seed == 0 {
			x = xxhash.Sum64(data)
		} else {
			d := xxhash.NewWithSeed(uint64(seed))
			d.Write(data)
			x = d.Sum64()
		}
		dst = binary.LittleEndian.AppendUint64(dst, x)
	}
	return dst
}

// TwoxHash128 returns the 16-byte twox128 hash of data, as used for storage
// prefixes.
func TwoxHash128(data []byte) []byte { return appendTwox(nil, data, 2) }

// StoragePrefix returns twox128(pallet) ‖ twox128(item), the first 32 bytes
// of every key of a storage item.
func StoragePrefix(pallet, item string) []byte {
	out := make([]byte, 0, 32)
	out = appendTwox(out, []byte(pallet), 2)
	return appendTwox(out, []byte(item), 2)
}

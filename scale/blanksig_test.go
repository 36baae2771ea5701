package scale

import (
	"bytes"
	"testing"
)

// signedExtrinsic lays out a format-4 signed extrinsic: length prefix,
// 0x84, MultiAddress::Id, MultiSignature (variant, sig), extra and call.
func signedExtrinsic(variant byte, sig, rest []byte) []byte {
	body := append([]byte{0x84, 0x00}, bytes.Repeat([]byte{0xd4}, 32)...)
	body = append(body, variant)
	body = append(body, sig...)
	body = append(body, rest...)
	return append(compactPrefix(len(body)), body...)
}

// compactPrefix is the SCALE compact encoding of n < 2^14.
func compactPrefix(n int) []byte {
	if n < 64 {
		return []byte{byte(n << 2)}
	}
	v := n<<2 | 1
	return []byte{byte(v), byte(v >> 8)}
}

func TestBlankSignature(t *testing.T) {
	rest := []byte{0x00, 0x04, 0x00, 0x05, 0x00, 0x01, 0x02} // era, nonce, tip, call
	a := signedExtrinsic(0x01, bytes.Repeat([]byte{1}, 64), rest)
	b := signedExtrinsic(0x01, bytes.Repeat([]byte{2}, 64), rest)
	ba, okA := BlankSignature(a)
	bb, okB := BlankSignature(b)
	if !okA || !okB || !bytes.Equal(ba, bb) {
		t.Fatalf("two signings of one payload: %x %v / %x %v", ba, okA, bb, okB)
	}
	if bytes.Equal(ba, a) || a[3+32+1] != 1 {
		t.Fatal("the signature was not blanked in a copy")
	}
	other := signedExtrinsic(0x01, bytes.Repeat([]byte{1}, 64), []byte{0x00, 0x08, 0x00, 0x05, 0x00, 0x01, 0x02})
	if bo, _ := BlankSignature(other); bytes.Equal(bo, ba) {
		t.Fatal("another nonce blanks to the same bytes")
	}
	e1 := signedExtrinsic(0x02, bytes.Repeat([]byte{1}, 65), rest)
	e2 := signedExtrinsic(0x02, bytes.Repeat([]byte{3}, 65), rest)
	if x, _ := BlankSignature(e1); x == nil || !bytes.Equal(x, func() []byte { y, _ := BlankSignature(e2); return y }()) {
		t.Fatal("ecdsa signatures (65 bytes) are not blanked")
	}
	for name, x := range map[string][]byte{
		"unsigned":      {0x0c, 0x04, 0x00, 0x01},
		"empty":         nil,
		"cut short":     a[:40],
		"other address": append([]byte{a[0], a[1], 0x84, 0x01}, a[4:]...),
		"bad variant":   signedExtrinsic(0x07, bytes.Repeat([]byte{1}, 64), rest),
	} {
		if _, ok := BlankSignature(x); ok {
			t.Errorf("%s: taken for a signed extrinsic", name)
		}
	}
}

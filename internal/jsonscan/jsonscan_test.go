package jsonscan

import (
	"math/rand/v2"
	"testing"
)

// plainRun is PlainRun a byte at a time.
func plainRun(b []byte, i int, ascii bool) int {
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || ascii && c >= 0x80 {
			return i
		}
	}
	return len(b)
}

// TestPlainRun: every stop byte, at every place in and around a word, and
// random strings from every byte, give the byte-by-byte answer.
func TestPlainRun(t *testing.T) {
	for _, ascii := range []bool{false, true} {
		for c := 0; c < 256; c++ {
			for n := 0; n <= 24; n++ {
				for at := 0; at < n; at++ {
					b := make([]byte, n)
					for k := range b {
						b[k] = 'a' + byte(k%6)
					}
					b[at] = byte(c)
					for start := 0; start <= n; start++ {
						if got, want := PlainRun(b, start, ascii), plainRun(b, start, ascii); got != want {
							t.Fatalf("ascii %v, byte %#x at %d of %d, from %d: %d, want %d", ascii, c, at, n, start, got, want)
						}
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 20000; k++ {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(4) > 0 {
				b[i] = '0' + byte(r.IntN(10))
			}
		}
		ascii := k%2 == 0
		start := r.IntN(len(b) + 1)
		if got, want := PlainRun(b, start, ascii), plainRun(b, start, ascii); got != want {
			t.Fatalf("%q from %d (ascii %v): %d, want %d", b, start, ascii, got, want)
		}
	}
}

// hexString is a storage key's hex as an answer holds it, with the
// closing quote.
func hexString() []byte {
	s := append(make([]byte, 0, 140), "0x"...)
	for len(s) < 130 {
		s = append(s, "0123456789abcdef"...)
	}
	return append(s, '"')
}

func BenchmarkPlainRun(b *testing.B) {
	s := hexString()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if PlainRun(s, 0, true) != len(s)-1 {
			b.Fatal("wrong end")
		}
	}
}

func BenchmarkByteByByte(b *testing.B) {
	s := hexString()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if plainRun(s, 0, true) != len(s)-1 {
			b.Fatal("wrong end")
		}
	}
}

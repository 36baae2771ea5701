// Package jsonscan finds where the plain run of a JSON string ends, eight
// bytes at a time: the answers of a large gather are megabytes of hex
// strings, which the readers of frames and of storage answers walk.
package jsonscan

import "encoding/binary"

const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// zeroByte reports, in its high bits, whether any byte of x is zero.
func zeroByte(x uint64) uint64 { return (x - ones) & ^x & high }

// PlainRun returns the index of the first byte of b at or after i that
// ends or escapes a plain run of a JSON string — a quote, a backslash or
// a control character, and with ascii any byte from 0x80 — or len(b).
func PlainRun(b []byte, i int, ascii bool) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		stop := zeroByte(x^('"'*ones)) | zeroByte(x^('\\'*ones)) | (x-0x20*ones)&^x&high
		if ascii {
			stop |= x & high
		}
		if stop != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || ascii && c >= 0x80 {
			return i
		}
	}
	return len(b)
}

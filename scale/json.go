package scale

import (
	"math/big"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

const hexDigits = "0123456789abcdef"

// MarshalJSON implements json.Marshaler with the rules of AppendJSON.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendJSON appends the JSON form of v to dst and returns the extended
// buffer. Integers are JSON numbers written exactly (u128 and u256
// included, never in exponent form), bytes are "0x…" hex strings, accounts
// are SS58 strings, composites are objects with fields in declaration
// order, unit variants are "Name", variants with data are {"Name": data},
// sequences are arrays and Null is null. Bit sequences are arrays of
// booleans.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...)
	case KindBool:
		if v.u != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case KindUint:
		return strconv.AppendUint(dst, v.u, 10)
	case KindInt:
		return strconv.AppendInt(dst, int64(v.u), 10)
	case KindBig:
		return (*big.Int)(v.p).Append(dst, 10)
	case KindString:
		s, _ := v.Str()
		return appendJSONString(dst, s)
	case KindBytes:
		return appendHexQuoted(dst, v.Bytes())
	case KindAccount:
		if v.n != 32 {
			return appendHexQuoted(dst, v.Bytes())
		}
		dst = append(dst, '"')
		dst = appendSS58(dst, v.Bytes(), v.aux)
		return append(dst, '"')
	case KindSeq:
		if v.packed() {
			return v.appendPackedJSON(dst)
		}
		dst = append(dst, '[')
		for i, it := range v.Items() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = it.AppendJSON(dst)
		}
		return append(dst, ']')
	case KindComposite:
		dst = append(dst, '{')
		names := v.FieldNames()
		for i, it := range v.Items() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, names[i])
			dst = append(dst, ':')
			dst = it.AppendJSON(dst)
		}
		return append(dst, '}')
	case KindVariant:
		if v.n == 0 {
			return appendJSONString(dst, v.VariantName())
		}
		dst = append(dst, '{')
		dst = appendJSONString(dst, v.VariantName())
		dst = append(dst, ':')
		p, _ := v.Payload()
		dst = p.AppendJSON(dst)
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

func appendHexQuoted(dst, b []byte) []byte {
	dst = append(dst, '"', '0', 'x')
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return append(dst, '"')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 is replaced by
// U+FFFD so the output is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func (v Value) appendPackedJSON(dst []byte) []byte {
	words := unsafe.Slice((*uint64)(v.p), int(v.n))
	dst = append(dst, '[')
	k := Kind(v.aux & 0xff)
	for i, w := range words {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch k {
		case KindBool:
			if w != 0 {
				dst = append(dst, "true"...)
			} else {
				dst = append(dst, "false"...)
			}
		case KindInt:
			dst = strconv.AppendInt(dst, int64(w), 10)
		default:
			dst = strconv.AppendUint(dst, w, 10)
		}
	}
	return append(dst, ']')
}

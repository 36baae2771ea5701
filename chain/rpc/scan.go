package rpc

import (
	"bytes"
	"encoding/json"
	"github.com/btscript/btscript/internal/jsonscan"
	"strings"
	"unicode/utf8"
)

// The reader parses every response in one pass. encoding/json checks a
// whole frame and then walks it again to cut out the raw result, and the
// result is most of the frame: for the 500 storage values of a
// state_queryStorageAt answer, two passes over some 100 KB on the one
// goroutine that reads the connection. scanMessage and scanBatch read the
// frames nodes send — lower-case field names, each once, a method name
// without escapes — checking the JSON grammar as strictly as encoding/json
// does, and leave every other frame, valid or not, to encoding/json, so
// that what a frame means and which frames are refused is decided in one
// place. FuzzScanMessage holds them to that.

// maxScanDepth is encoding/json's nesting limit; deeper frames go to it.
const maxScanDepth = 10000

// scanMessage reads a frame holding one JSON-RPC object. ok is false when
// the frame is not of the plain form, or not valid JSON.
func scanMessage(data []byte) (*message, bool) {
	m := new(message)
	end, ok := scanObject(data, 0, m)
	return m, ok && skipSpace(data, end) == len(data)
}

// scanBatch reads a frame holding an array of JSON-RPC objects.
func scanBatch(data []byte) ([]*message, bool) {
	i := skipSpace(data, 1)
	var ms []*message
	if i < len(data) && data[i] == ']' {
		return nil, false // an empty batch: encoding/json's answer stands
	}
	for {
		m := new(message)
		var ok, more bool
		if i, ok = scanObject(data, i, m); !ok {
			return nil, false
		}
		ms = append(ms, m)
		if i, more, ok = afterItem(data, i, ']'); !ok {
			return nil, false
		}
		if !more {
			return ms, skipSpace(data, i) == len(data)
		}
	}
}

// scanObject reads the object at data[i:] into m and returns the index
// after it.
func scanObject(data []byte, i int, m *message) (int, bool) {
	if i >= len(data) || data[i] != '{' {
		return 0, false
	}
	var seen [5]bool
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, false
		}
		kEnd, ok := skipString(data, i)
		if !ok {
			return 0, false
		}
		key := data[i+1 : kEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return 0, false
		}
		i = skipSpace(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, false
		}
		i = skipSpace(data, i+1)
		vEnd, ok := skipValue(data, i, 1)
		if !ok {
			return 0, false
		}
		value := data[i:vEnd]
		f := field(string(key))
		if f < 0 {
			return 0, false // a near miss of a field name
		}
		if f > 0 {
			if seen[f-1] {
				return 0, false
			}
			seen[f-1] = true
			if !m.set(f, value) {
				return 0, false
			}
		}
		more := false
		if i, more, ok = afterItem(data, vEnd, '}'); !ok || !more {
			return i, ok
		}
	}
}

// The fields of message, numbered for field.
const (
	fieldID = iota + 1
	fieldMethod
	fieldParams
	fieldResult
	fieldError
)

// field numbers a key: a field of message, 0 for a key encoding/json
// ignores too, -1 for one it would match to a field without regard to
// case.
func field(key string) int {
	for i, name := range [...]string{"id", "method", "params", "result", "error"} {
		if key == name {
			return i + 1
		}
		if strings.EqualFold(key, name) {
			return -1
		}
	}
	return 0
}

// set stores value, valid JSON, in field f as encoding/json would.
func (m *message) set(f int, value []byte) bool {
	switch f {
	case fieldID:
		m.ID = value
	case fieldParams:
		m.Params = value
	case fieldResult:
		m.Result = value
	case fieldMethod:
		switch {
		case value[0] == 'n': // null leaves the field as it is
		case value[0] != '"' || bytes.IndexByte(value, '\\') >= 0 || !utf8.Valid(value):
			return false // escapes, or bytes encoding/json would replace
		default:
			m.Method = string(value[1 : len(value)-1])
		}
	case fieldError:
		// Small and rare: encoding/json decodes it.
		if err := json.Unmarshal(value, &m.Error); err != nil {
			return false
		}
	}
	return true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the index after the JSON value at data[i:], checking
// its grammar; depth counts the arrays and objects it is inside.
func skipValue(data []byte, i, depth int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}
	switch c := data[i]; {
	case c == '"':
		return skipString(data, i)
	case c == '{', c == '[':
		if depth >= maxScanDepth {
			return 0, false
		}
		return skipContainer(data, i, depth)
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(data, i)
	case c == 't':
		return skipLiteral(data, i, "true")
	case c == 'f':
		return skipLiteral(data, i, "false")
	case c == 'n':
		return skipLiteral(data, i, "null")
	}
	return 0, false
}

// skipContainer skips the object or array at data[i].
func skipContainer(data []byte, i, depth int) (int, bool) {
	object := data[i] == '{'
	closing := byte(']')
	if object {
		closing = '}'
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == closing {
		return i + 1, true
	}
	for {
		if object {
			if i >= len(data) || data[i] != '"' {
				return 0, false
			}
			var ok bool
			if i, ok = skipString(data, i); !ok {
				return 0, false
			}
			i = skipSpace(data, i)
			if i >= len(data) || data[i] != ':' {
				return 0, false
			}
			i = skipSpace(data, i+1)
		}
		var ok, more bool
		if i, ok = skipValue(data, i, depth+1); !ok {
			return 0, false
		}
		if i, more, ok = afterItem(data, i, closing); !ok || !more {
			return i, ok
		}
	}
}

// afterItem reads what follows an item of an array or object at data[i:]:
// a comma, when more items follow, or the closing bracket. next is the
// index of the next item or after the bracket.
func afterItem(data []byte, i int, closing byte) (next int, more, ok bool) {
	i = skipSpace(data, i)
	if i >= len(data) {
		return 0, false, false
	}
	switch data[i] {
	case ',':
		return skipSpace(data, i+1), true, true
	case closing:
		return i + 1, false, true
	}
	return 0, false, false
}

// skipString skips the string at data[i] == '"'.
func skipString(data []byte, i int) (int, bool) {
	for i++; i < len(data); i++ {
		if i = jsonscan.PlainRun(data, i, false); i == len(data) {
			break
		}
		switch c := data[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			i++
			if i >= len(data) {
				return 0, false
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) {
					return 0, false
				}
				for _, h := range data[i+1 : i+5] {
					if !isHex(h) {
						return 0, false
					}
				}
				i += 4
			default:
				return 0, false
			}
		case c < 0x20:
			return 0, false
		}
	}
	return 0, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipNumber skips the number at data[i]: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case !digits():
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			return 0, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false
		}
	}
	return i, true
}

func skipLiteral(data []byte, i int, lit string) (int, bool) {
	if !bytes.HasPrefix(data[i:], []byte(lit)) {
		return 0, false
	}
	return i + len(lit), true
}

package bindings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// maxJSONDepth bounds the nesting json.encode and json.decode accept, far
// beyond any chain value, so a runaway structure fails cleanly.
const maxJSONDepth = 512

// jsonModule is the json module.
func jsonModule() *engine.Module {
	return engine.NewModule().
		Sync("encode", jsonEncode).
		Sync("decode", jsonDecode).
		Sync("array", jsonArray)
}

// jsonArray is json.array([t]): t (a new table if none) marked as an
// array, so that it encodes as [] while empty.
func jsonArray(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	switch {
	case L.Get(1) == lua.LNil:
		t = engine.NewArray(L, 0)
	case !ok:
		L.ArgError(1, "json.array: table expected, got "+L.Get(1).Type().String())
	case t.Metatable != lua.LNil && !engine.IsArray(L, t):
		L.ArgError(1, "json.array: the table already has a metatable")
	default:
		L.SetMetatable(t, L.GetTypeMetatable(engine.ArrayTypeName))
	}
	L.Push(t)
	return 1
}

// pathKey renders an object key as a step of an error path.
func pathKey(k string) string {
	if k != "" && strings.IndexFunc(k, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return "." + k
	}
	return "[" + strconv.Quote(clipKey(k)) + "]"
}

func clipKey(k string) string {
	if len(k) > 40 {
		return k[:40] + "…"
	}
	return k
}

// ToJSON encodes a Lua value as compact JSON keeping integers exact: Int
// userdata are written as their digits, integral numbers up to 2^53
// without a fraction, Balances as their rao. A table that is a sequence
// 1..n (n > 0) is an array, and so is an empty table marked as one (a
// sequence decoded from the chain or JSON, or json.array(t)); any other
// table is an object with sorted keys, an empty one {}. Functions, other
// userdata, NaN, infinities and cycles are errors. The output is checked
// against the running script's memory as it grows.
func ToJSON(L *lua.LState, v lua.LValue) ([]byte, error) {
	w := &jsonWriter{L: L, seen: map[*lua.LTable]bool{}, next: jsonCheckStep}
	if err := w.value(v, 0); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// jsonCheckStep is the output size at which json.encode first checks the
// running script's memory; it checks again each time the size doubles.
const jsonCheckStep = 1 << 20

// jsonPathError is an encoding error with where it happened, innermost
// step first.
type jsonPathError struct {
	path []string
	err  error
}

// maxPathShown bounds the steps of a path an error message shows.
const maxPathShown = 8

func (e *jsonPathError) Error() string {
	steps := make([]string, 0, len(e.path))
	for i := len(e.path) - 1; i >= 0; i-- { // outermost first
		steps = append(steps, e.path[i])
	}
	if n := len(steps); n > maxPathShown {
		half := maxPathShown / 2
		steps = append(append(steps[:half:half], fmt.Sprintf("…(%d more)…", n-maxPathShown)), steps[n-half:]...)
	}
	return "at " + strings.Join(steps, "") + ": " + e.err.Error()
}

func (e *jsonPathError) Unwrap() error { return e.err }

// inPath adds one step, outside those err already has, to err's path.
func inPath(step string, err error) error {
	if pe, ok := err.(*jsonPathError); ok {
		pe.path = append(pe.path, step)
		return pe
	}
	return &jsonPathError{path: []string{step}, err: err}
}

// ToJSONIndent is ToJSON with each element on its own line, indented by
// indent per level.
func ToJSONIndent(L *lua.LState, v lua.LValue, indent string) ([]byte, error) {
	b, err := ToJSON(L, v)
	if err != nil {
		return nil, err
	}
	engine.CheckAlloc(L, "json.encode", int64(len(b))*(1+int64(len(indent))))
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", indent); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type jsonWriter struct {
	L    *lua.LState
	buf  bytes.Buffer
	seen map[*lua.LTable]bool
	next int // output size of the next memory check
}

func (w *jsonWriter) value(v lua.LValue, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("nesting deeper than %d", maxJSONDepth)
	}
	if w.buf.Len() >= w.next {
		// The buffer doubles from here: check what that will take.
		engine.CheckAlloc(w.L, "json.encode", 2*int64(w.buf.Len()))
		w.next = 2 * w.buf.Len()
	}
	switch x := v.(type) {
	case *lua.LNilType:
		w.buf.WriteString("null")
	case lua.LBool:
		w.buf.WriteString(strconv.FormatBool(bool(x)))
	case lua.LNumber:
		return w.number(float64(x))
	case lua.LString:
		w.str(string(x))
	case *lua.LUserData:
		if b, ok := ToBalance(x); ok {
			w.buf.WriteString(strconv.FormatUint(uint64(b), 10))
			return nil
		}
		if a, ok := ToAlpha(x); ok {
			w.buf.WriteString(strconv.FormatUint(uint64(a.Amount), 10))
			return nil
		}
		if n, ok := engine.ToInt(x); ok {
			w.buf.WriteString(n.String())
			return nil
		}
		return errors.New("cannot encode userdata as JSON")
	case *lua.LTable:
		return w.table(x, depth)
	default:
		return fmt.Errorf("cannot encode a %s as JSON", v.Type().String())
	}
	return nil
}

func (w *jsonWriter) number(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("cannot encode %v as JSON", f)
	}
	w.buf.WriteString(numberText(f))
	return nil
}

// maxJSONDigits bounds the digits of an integer json.decode reads (a u256
// has 78).
const maxJSONDigits = 1000

// numberText writes an integral number up to 2^53 without a fraction and
// any other in the shortest form that reads back exactly.
func numberText(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) <= maxExact {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func (w *jsonWriter) str(s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	w.buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func (w *jsonWriter) table(t *lua.LTable, depth int) error {
	if w.seen[t] {
		return errors.New("cannot encode a table that contains itself")
	}
	w.seen[t] = true
	defer delete(w.seen, t)
	n, count := t.Len(), 0
	t.ForEach(func(lua.LValue, lua.LValue) { count++ })
	if n > 0 && n == count || count == 0 && engine.IsArray(w.L, t) {
		w.buf.WriteByte('[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				w.buf.WriteByte(',')
			}
			if err := w.value(t.RawGetInt(i), depth+1); err != nil {
				return inPath(fmt.Sprintf("[%d]", i), err)
			}
		}
		w.buf.WriteByte(']')
		return nil
	}
	type field struct {
		key string
		val lua.LValue
	}
	fields := make([]field, 0, count)
	var bad error
	t.ForEach(func(k, v lua.LValue) {
		switch x := k.(type) {
		case lua.LString:
			fields = append(fields, field{string(x), v})
		case lua.LNumber:
			fields = append(fields, field{numberText(float64(x)), v})
		default:
			if bad == nil {
				bad = fmt.Errorf("cannot encode a table key of type %s as JSON", k.Type().String())
			}
		}
	})
	if bad != nil {
		return bad
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].key < fields[j].key })
	w.buf.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		w.str(f.key)
		w.buf.WriteByte(':')
		if err := w.value(f.val, depth+1); err != nil {
			return inPath(pathKey(f.key), err)
		}
	}
	w.buf.WriteByte('}')
	return nil
}

// jsonEncode is json.encode(v [, indent]); indent is a number of spaces
// or a string.
func jsonEncode(L *lua.LState) int {
	var b []byte
	var err error
	switch ind := L.Get(2).(type) {
	case *lua.LNilType:
		b, err = ToJSON(L, L.Get(1))
	case lua.LNumber:
		if ind < 0 || ind > 16 {
			L.RaiseError("json.encode: indent must be 0..16 spaces, got %s", ind.String())
		}
		b, err = ToJSONIndent(L, L.Get(1), strings.Repeat(" ", int(ind)))
	case lua.LString:
		b, err = ToJSONIndent(L, L.Get(1), string(ind))
	default:
		L.RaiseError("json.encode: indent must be a number or a string, got %s", ind.Type().String())
	}
	if err != nil {
		L.RaiseError("json.encode: %s", err.Error())
	}
	L.Push(lua.LString(b))
	return 1
}

// jsonDecode is json.decode(s): integers (no fraction or exponent) are
// exact (an Int beyond 2^53), null is nil.
func jsonDecode(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		L.RaiseError("json.decode: argument must be a string, got %s", L.Get(1).Type().String())
	}
	v, err := FromJSON(L, []byte(s))
	if err != nil {
		L.RaiseError("json.decode: %s", err.Error())
	}
	L.Push(v)
	return 1
}

// FromJSON decodes JSON text into a Lua value with exact integers (see
// json.decode).
func FromJSON(L *lua.LState, data []byte) (lua.LValue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return fromGo(L, x, 0)
}

func fromGo(L *lua.LState, x any, depth int) (lua.LValue, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nesting deeper than %d", maxJSONDepth)
	}
	switch v := x.(type) {
	case nil:
		return lua.LNil, nil
	case bool:
		return lua.LBool(v), nil
	case string:
		return lua.LString(v), nil
	case json.Number:
		s := string(v)
		if !strings.ContainsAny(s, ".eE") {
			if len(s) > maxJSONDigits {
				return nil, fmt.Errorf("integer of %d digits exceeds the limit of %d", len(s), maxJSONDigits)
			}
			n, ok := new(big.Int).SetString(s, 10)
			if !ok {
				return nil, fmt.Errorf("bad number %s", s)
			}
			// A JSON integer says nothing of its type: within 2^53 it is
			// a plain number, as Lua would read it, beyond an Int.
			if n.IsInt64() && n.Int64() >= -maxExact && n.Int64() <= maxExact {
				return lua.LNumber(n.Int64()), nil
			}
			return engine.IntValue(L, n), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %s: %w", s, err)
		}
		return lua.LNumber(f), nil
	case []any:
		t := engine.NewArray(L, len(v))
		for i, e := range v {
			lv, err := fromGo(L, e, depth+1)
			if err != nil {
				return nil, err
			}
			t.RawSetInt(i+1, lv)
		}
		return t, nil
	case map[string]any:
		t := L.CreateTable(0, len(v))
		for k, e := range v {
			lv, err := fromGo(L, e, depth+1)
			if err != nil {
				return nil, err
			}
			t.RawSetString(k, lv)
		}
		return t, nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", x)
}

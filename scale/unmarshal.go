package scale

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// ValueUnmarshaler is implemented by types that store a Value themselves,
// as json.Unmarshaler is for JSON. Unmarshal calls it on a pointer to the
// destination.
type ValueUnmarshaler interface {
	UnmarshalValue(Value) error
}

// An UnmarshalError says which part of a Value could not be stored in which
// Go type, and why.
type UnmarshalError struct {
	Path string       // where in the value, as ".field[3].other"; "" for the top
	Kind Kind         // the kind of the value found there
	Type reflect.Type // the Go type it was to be stored in
	Msg  string
	Err  error // the error of a ValueUnmarshaler, if that was the cause
}

func (e *UnmarshalError) Error() string {
	at := e.Path
	if at == "" {
		at = "top"
	}
	msg := e.Msg
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("scale: unmarshal %s at %s into Go %v: %s", e.Kind, at, e.Type, msg)
}

func (e *UnmarshalError) Unwrap() error { return e.Err }

// Unmarshal stores v in the Go value that dst points to, the way
// encoding/json stores a document:
//
//   - integers into any Go integer type that holds them, *big.Int or
//     big.Int, and float32/float64 only when the float is exact;
//   - strings, SS58 accounts (as text), unit enum variants (their name) and
//     bytes (raw) into a string; bytes, accounts and sequences of small
//     integers into []byte or [N]byte;
//   - sequences into slices and arrays (an array's length must match),
//     sequences of pairs (a BTreeMap) into maps, composites into
//     map[string]T;
//   - composites into structs, by field name: a `scale:"name"` tag names
//     the field, otherwise the Go name matches ignoring case and
//     underscores (LastUpdate matches last_update); `scale:"-"` skips a
//     field and `scale:"name,optional"` lets the value lack it. A Go field
//     the value does not have is an error, so a misspelt name cannot pass
//     as a zero. Fields of the value that the struct lacks are ignored.
//     Sequences (tuples) fill a struct's fields in order;
//   - Null (Option::None) into a pointer, slice or map sets it to nil;
//     another value into a pointer allocates;
//   - anything into a Value or an empty interface, which receive the Value
//     itself.
//
// Anything else is an *UnmarshalError naming the path and the types. What
// was stored before an error stays stored.
func (v Value) Unmarshal(dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &UnmarshalError{Kind: v.kind, Type: reflect.TypeOf(dst), Msg: "the destination must be a non-nil pointer"}
	}
	err := assignerFor(rv.Type().Elem())(v, rv.Elem())
	if err != nil {
		return err.(*unmarshalErr).public()
	}
	return nil
}

// unmarshalErr collects the path while the error travels up, innermost
// segment first, so the happy path never formats anything.
type unmarshalErr struct {
	segs []string
	kind Kind
	typ  reflect.Type
	msg  string
	err  error
}

func (e *unmarshalErr) Error() string { return e.msg }

func (e *unmarshalErr) public() *UnmarshalError {
	var b strings.Builder
	for i := len(e.segs) - 1; i >= 0; i-- {
		b.WriteString(e.segs[i])
	}
	return &UnmarshalError{Path: b.String(), Kind: e.kind, Type: e.typ, Msg: e.msg, Err: e.err}
}

func mismatch(v Value, t reflect.Type, format string, args ...any) error {
	return &unmarshalErr{kind: v.kind, typ: t, msg: fmt.Sprintf(format, args...)}
}

func within(err error, seg string) error {
	e := err.(*unmarshalErr)
	e.segs = append(e.segs, seg)
	return e
}

func atIndex(err error, i int) error { return within(err, "["+strconv.Itoa(i)+"]") }

type assigner func(v Value, rv reflect.Value) error

var assigners sync.Map // reflect.Type → assigner

func assignerFor(t reflect.Type) assigner {
	if a, ok := assigners.Load(t); ok {
		return a.(assigner)
	}
	// A recursive type reaches itself while being built: give the inner
	// uses an indirection that finds the finished assigner.
	var (
		wg sync.WaitGroup
		f  assigner
	)
	wg.Add(1)
	fi, loaded := assigners.LoadOrStore(t, assigner(func(v Value, rv reflect.Value) error {
		wg.Wait()
		return f(v, rv)
	}))
	if loaded {
		return fi.(assigner)
	}
	f = newAssigner(t)
	wg.Done()
	assigners.Store(t, f)
	return f
}

var (
	valueType       = reflect.TypeFor[Value]()
	bigIntType      = reflect.TypeFor[big.Int]()
	unmarshalerType = reflect.TypeFor[ValueUnmarshaler]()
)

func newAssigner(t reflect.Type) assigner {
	switch {
	case t == valueType:
		return func(v Value, rv reflect.Value) error { rv.Set(reflect.ValueOf(v)); return nil }
	case reflect.PointerTo(t).Implements(unmarshalerType):
		return func(v Value, rv reflect.Value) error {
			if err := rv.Addr().Interface().(ValueUnmarshaler).UnmarshalValue(v); err != nil {
				return &unmarshalErr{kind: v.kind, typ: t, err: err}
			}
			return nil
		}
	case t == bigIntType:
		return assignBig
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(v Value, rv reflect.Value) error {
			b, ok := v.Bool()
			if !ok {
				return mismatch(v, t, "not a bool")
			}
			rv.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(v Value, rv reflect.Value) error {
			x, ok := v.Int()
			if !ok || rv.OverflowInt(x) {
				return intMismatch(v, t)
			}
			rv.SetInt(x)
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(v Value, rv reflect.Value) error {
			x, ok := v.Uint()
			if !ok || rv.OverflowUint(x) {
				return intMismatch(v, t)
			}
			rv.SetUint(x)
			return nil
		}
	case reflect.Float32, reflect.Float64:
		return func(v Value, rv reflect.Value) error {
			f, ok := exactFloat(v)
			if ok && t.Kind() == reflect.Float32 {
				ok = float64(float32(f)) == f
			}
			if !ok {
				if !v.IsInteger() {
					return mismatch(v, t, "not an integer")
				}
				return mismatch(v, t, "%s is not exact as a float", v)
			}
			rv.SetFloat(f)
			return nil
		}
	case reflect.String:
		return assignString
	case reflect.Interface:
		if t.NumMethod() != 0 {
			break
		}
		return func(v Value, rv reflect.Value) error { rv.Set(reflect.ValueOf(v)); return nil }
	case reflect.Pointer:
		if t.Elem() == bigIntType {
			return func(v Value, rv reflect.Value) error {
				if v.kind == KindNull {
					rv.SetZero()
					return nil
				}
				b := v.BigInt()
				if b == nil {
					return mismatch(v, t, "not an integer")
				}
				rv.Set(reflect.ValueOf(b))
				return nil
			}
		}
		elem := assignerFor(t.Elem())
		return func(v Value, rv reflect.Value) error {
			if v.kind == KindNull {
				rv.SetZero()
				return nil
			}
			p := reflect.New(t.Elem())
			if err := elem(v, p.Elem()); err != nil {
				return err
			}
			rv.Set(p)
			return nil
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return bytesAssigner(t)
		}
		return sliceAssigner(t)
	case reflect.Array:
		return arrayAssigner(t)
	case reflect.Map:
		return mapAssigner(t)
	case reflect.Struct:
		return structAssigner(t)
	}
	return func(v Value, rv reflect.Value) error {
		return mismatch(v, t, "the Go type cannot hold a SCALE value")
	}
}

func intMismatch(v Value, t reflect.Type) error {
	if !v.IsInteger() {
		return mismatch(v, t, "not an integer")
	}
	return mismatch(v, t, "%s does not fit", v)
}

// exactFloat returns an integer value as a float64 when the float is
// exactly that integer.
func exactFloat(v Value) (float64, bool) {
	switch v.kind {
	case KindUint:
		f := float64(v.u)
		return f, v.u <= 1<<53 || (f < math.MaxUint64 && uint64(f) == v.u)
	case KindInt:
		x := int64(v.u)
		f := float64(x)
		return f, (x <= 1<<53 && x >= -(1<<53)) || (f < math.MaxInt64 && f >= math.MinInt64 && int64(f) == x)
	case KindBig:
		f, acc := new(big.Float).SetInt((*big.Int)(v.p)).Float64()
		return f, acc == big.Exact && !math.IsInf(f, 0)
	}
	return 0, false
}

func assignBig(v Value, rv reflect.Value) error {
	if !v.IsInteger() {
		return mismatch(v, rv.Type(), "not an integer")
	}
	b := rv.Addr().Interface().(*big.Int)
	switch v.kind {
	case KindUint:
		b.SetUint64(v.u)
	case KindInt:
		b.SetInt64(int64(v.u))
	default:
		b.Set((*big.Int)(v.p))
	}
	return nil
}

func assignString(v Value, rv reflect.Value) error {
	switch v.kind {
	case KindString:
		s, _ := v.Str()
		rv.SetString(strings.Clone(s))
	case KindAccount:
		rv.SetString(v.accountString())
	case KindBytes:
		rv.SetString(string(v.Bytes()))
	case KindVariant:
		if v.n != 0 {
			return mismatch(v, rv.Type(), "variant %s carries data", v.VariantName())
		}
		rv.SetString(v.VariantName())
	default:
		return mismatch(v, rv.Type(), "not text, bytes, an account or a unit variant")
	}
	return nil
}

// byteItems returns the items of a sequence of integers 0..255 as bytes.
func byteItems(v Value, t reflect.Type) ([]byte, error) {
	out := make([]byte, v.n)
	for i := range out {
		x, ok := v.Index(i).Uint()
		if !ok || x > 255 {
			return nil, atIndex(mismatch(v.Index(i), t.Elem(), "not a byte"), i)
		}
		out[i] = byte(x)
	}
	return out, nil
}

func bytesAssigner(t reflect.Type) assigner {
	return func(v Value, rv reflect.Value) error {
		var b []byte
		switch v.kind {
		case KindNull:
			rv.SetZero()
			return nil
		case KindBytes, KindAccount:
			b = append([]byte{}, v.Bytes()...)
		case KindSeq:
			var err error
			if b, err = byteItems(v, t); err != nil {
				return err
			}
		case KindString:
			s, _ := v.Str()
			b = []byte(s)
		default:
			return mismatch(v, t, "not bytes")
		}
		rv.SetBytes(b)
		return nil
	}
}

func sliceAssigner(t reflect.Type) assigner {
	elem := assignerFor(t.Elem())
	return func(v Value, rv reflect.Value) error {
		switch v.kind {
		case KindNull:
			rv.SetZero()
			return nil
		case KindSeq:
		default:
			return mismatch(v, t, "not a sequence")
		}
		n := int(v.n)
		s := reflect.MakeSlice(t, n, n)
		for i := range n {
			if err := elem(v.Index(i), s.Index(i)); err != nil {
				return atIndex(err, i)
			}
		}
		rv.Set(s)
		return nil
	}
}

func arrayAssigner(t reflect.Type) assigner {
	elem := assignerFor(t.Elem())
	byteArray := t.Elem().Kind() == reflect.Uint8
	return func(v Value, rv reflect.Value) error {
		if byteArray && (v.kind == KindBytes || v.kind == KindAccount) {
			if int(v.n) != t.Len() {
				return mismatch(v, t, "%d bytes for %d", v.n, t.Len())
			}
			reflect.Copy(rv, reflect.ValueOf(v.Bytes()))
			return nil
		}
		if v.kind != KindSeq && !(v.kind == KindNull && t.Len() == 0) {
			return mismatch(v, t, "not a sequence")
		}
		if int(v.n) != t.Len() {
			return mismatch(v, t, "%d items for %d", v.n, t.Len())
		}
		for i := range t.Len() {
			if err := elem(v.Index(i), rv.Index(i)); err != nil {
				return atIndex(err, i)
			}
		}
		return nil
	}
}

func mapAssigner(t reflect.Type) assigner {
	key, elem := assignerFor(t.Key()), assignerFor(t.Elem())
	stringKeys := t.Key().Kind() == reflect.String
	return func(v Value, rv reflect.Value) error {
		switch {
		case v.kind == KindNull:
			rv.SetZero()
			return nil
		case v.kind == KindComposite && stringKeys:
			m := reflect.MakeMapWithSize(t, int(v.n))
			for i, name := range v.FieldNames() {
				e := reflect.New(t.Elem()).Elem()
				if err := elem(v.Index(i), e); err != nil {
					return within(err, "."+name)
				}
				m.SetMapIndex(reflect.ValueOf(name).Convert(t.Key()), e)
			}
			rv.Set(m)
			return nil
		case v.kind == KindSeq:
			m := reflect.MakeMapWithSize(t, int(v.n))
			for i := range int(v.n) {
				pair := v.Index(i)
				if pair.kind != KindSeq || pair.n != 2 {
					return atIndex(mismatch(pair, t, "a map entry is not a (key, value) pair"), i)
				}
				k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
				if err := key(pair.Index(0), k); err != nil {
					return atIndex(within(err, "[0]"), i)
				}
				if err := elem(pair.Index(1), e); err != nil {
					return atIndex(within(err, "[1]"), i)
				}
				m.SetMapIndex(k, e)
			}
			rv.Set(m)
			return nil
		}
		return mismatch(v, t, "not a sequence of pairs or a composite")
	}
}

type goField struct {
	index    int
	name     string // the tag's name, matched exactly; "" when untagged
	folded   string // the Go name, lower case, for untagged fields
	optional bool
	assign   assigner
}

// fieldMap maps a struct's fields to the positions of one composite's
// field names. It holds names, so the array they point to cannot be
// reused for other names while the map is cached.
type fieldMap struct {
	names []string
	pos   []int // per goField: index in names, or -1
}

type structPlan struct {
	t      reflect.Type
	fields []goField
	// last is the mapping for the last names seen: the values of one
	// runtime type share one names array, so a slice of a thousand
	// structs computes it once.
	last atomic.Pointer[fieldMap]
}

func structAssigner(t reflect.Type) assigner {
	p := &structPlan{t: t}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("scale"), ",")
		if name == "-" && opts == "" {
			continue
		}
		gf := goField{index: i, name: name, optional: opts == "optional", assign: assignerFor(f.Type)}
		if name == "" {
			gf.folded = strings.ToLower(f.Name)
		}
		p.fields = append(p.fields, gf)
	}
	return p.assign
}

// fold lower-cases s and drops underscores: last_update → lastupdate.
func fold(s string) string {
	if !strings.ContainsRune(s, '_') {
		return strings.ToLower(s)
	}
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

func (p *structPlan) mapping(names []string) *fieldMap {
	if m := p.last.Load(); m != nil && len(m.names) == len(names) &&
		(len(names) == 0 || unsafe.SliceData(m.names) == unsafe.SliceData(names)) {
		return m
	}
	m := &fieldMap{names: names, pos: make([]int, len(p.fields))}
	for i, f := range p.fields {
		m.pos[i] = -1
		for j, n := range names {
			if (f.name != "" && n == f.name) || (f.name == "" && fold(n) == f.folded) {
				m.pos[i] = j
				break
			}
		}
	}
	p.last.Store(m)
	return m
}

func (p *structPlan) assign(v Value, rv reflect.Value) error {
	switch v.kind {
	case KindComposite, KindNull:
		names := v.FieldNames()
		m := p.mapping(names)
		for i, f := range p.fields {
			j := m.pos[i]
			if j < 0 {
				if f.optional {
					continue
				}
				name := f.name
				if name == "" {
					name = p.t.Field(f.index).Name
				}
				return mismatch(v, p.t, "the value has no field %s", name)
			}
			if err := f.assign(v.Index(j), rv.Field(f.index)); err != nil {
				return within(err, "."+names[j])
			}
		}
		return nil
	case KindSeq:
		if int(v.n) != len(p.fields) {
			return mismatch(v, p.t, "%d items for %d fields", v.n, len(p.fields))
		}
		for i, f := range p.fields {
			if err := f.assign(v.Index(i), rv.Field(f.index)); err != nil {
				return atIndex(err, i)
			}
		}
		return nil
	}
	return mismatch(v, p.t, "not a composite or a tuple")
}

package chain

import (
	"context"
	"fmt"
	"sync"

	"github.com/btscript/btscript/scale"
)

// APITypes is a type table for runtime API methods that a range of runtime
// versions declares as returning bare bytes (Vec<u8>) whose layout the
// metadata does not publish: the bytes inside the Vec<u8> are the SCALE of
// a type the runtime's source defines. With a table registered, Call
// decodes such an answer into the same values a runtime with typed runtime
// APIs gives.
type APITypes struct {
	// SpecName and the inclusive range of spec versions the table is for.
	SpecName       string
	MinSpecVersion uint32
	MaxSpecVersion uint32
	// Structs are the runtime's structs, as its source declares them.
	Structs []scale.StructDef
	// Outputs maps a method, "Api_method" (its state_call name), to the
	// type of the bytes inside its Vec<u8> answer.
	Outputs map[string]APIOutput
}

// APIOutput is the type of the bytes inside a Vec<u8> answer.
type APIOutput struct {
	// Type is a type expression (see scale.FieldDef).
	Type string
	// EmptyIsNone says that the method answers no bytes at all for
	// "nothing" (older subtensor runtimes encode an Option's value, or
	// nothing): an empty answer decodes to Null.
	EmptyIsNone bool
}

var (
	apiTablesMu sync.Mutex
	apiTables   []*APITypes
	// extended caches each table compiled against one runtime's metadata.
	extended = map[extKey]*extEntry{}
)

type extKey struct {
	table *APITypes
	md    *scale.Metadata
}

type extEntry struct {
	once sync.Once
	x    *scale.Extended
	err  error
}

// maxExtended bounds the compiled tables kept: one per (table, runtime
// metadata) in use, which is a handful in practice.
const maxExtended = 16

// RegisterAPITypes adds a type table. Tables are consulted only for
// methods whose metadata declares a bare Vec<u8> answer; when several
// cover a method, the first registered wins.
func RegisterAPITypes(t *APITypes) {
	apiTablesMu.Lock()
	defer apiTablesMu.Unlock()
	apiTables = append(apiTables, t)
}

// UntypedOutput reports whether method's declared answer is a bare Vec<u8>.
func UntypedOutput(md *scale.Metadata, m *scale.RuntimeMethod) bool {
	return UntypedType(md, m.Output)
}

// UntypedType reports whether type id is a bare byte sequence (Vec<u8>).
func UntypedType(md *scale.Metadata, id int) bool {
	t := md.Type(id)
	if t == nil || t.Def != scale.DefSequence {
		return false
	}
	e := md.Type(t.Elem)
	return e != nil && e.Def == scale.DefPrimitive && e.Prim == scale.PrimU8
}

// HasAPIType reports whether a registered table gives the type of method's
// answer on runtime specName version specVersion.
func HasAPIType(specName string, specVersion uint32, m *scale.RuntimeMethod) bool {
	_, _, ok := findAPIType(specName, specVersion, m.RPCName())
	return ok
}

func findAPIType(specName string, specVersion uint32, rpcName string) (*APITypes, APIOutput, bool) {
	apiTablesMu.Lock()
	defer apiTablesMu.Unlock()
	for _, t := range apiTables {
		if t.SpecName != specName || specVersion < t.MinSpecVersion || specVersion > t.MaxSpecVersion {
			continue
		}
		if out, ok := t.Outputs[rpcName]; ok {
			return t, out, true
		}
	}
	return nil, APIOutput{}, false
}

// compiled returns table t compiled against md, compiling it once.
func compiled(t *APITypes, md *scale.Metadata) (*scale.Extended, error) {
	k := extKey{t, md}
	apiTablesMu.Lock()
	e, ok := extended[k]
	if !ok {
		if len(extended) >= maxExtended {
			clear(extended)
		}
		e = &extEntry{}
		extended[k] = e
	}
	apiTablesMu.Unlock()
	e.once.Do(func() {
		exprs := make([]string, 0, len(t.Outputs))
		for _, x := range t.Outputs {
			exprs = append(exprs, x.Type)
		}
		e.x, e.err = md.Extend(t.Structs, exprs...)
	})
	return e.x, e.err
}

// TypedBytesError reports an answer of a bare Vec<u8> runtime API method
// that does not decode with the type table for its runtime.
type TypedBytesError struct {
	Method      string // "Api_method"
	Type        string // the table's type expression
	SpecName    string
	SpecVersion uint32
	Err         error // a *scale.DecodeError when the bytes do not match
}

// Error names the method, the table's type and the runtime.
func (e *TypedBytesError) Error() string {
	return fmt.Sprintf("%s answer (the bytes inside its Vec<u8>, as %s by the %s %d type table): %v",
		e.Method, e.Type, e.SpecName, e.SpecVersion, e.Err)
}

// Unwrap gives the decoding error.
func (e *TypedBytesError) Unwrap() error { return e.Err }

// decodeTyped decodes the answer out of method m, declared as a bare
// Vec<u8>, with the registered table for runtime rv; ok is false when no
// table covers the method.
func decodeTyped(md *scale.Metadata, rv RuntimeVersion, m *scale.RuntimeMethod, out []byte) (v scale.Value, ok bool, err error) {
	t, want, found := findAPIType(rv.SpecName, rv.SpecVersion, m.RPCName())
	if !found {
		return scale.Null, false, nil
	}
	expr := want.Type
	fail := func(err error) (scale.Value, bool, error) {
		return scale.Null, true, &TypedBytesError{Method: m.RPCName(), Type: expr, SpecName: rv.SpecName, SpecVersion: rv.SpecVersion, Err: err}
	}
	outer, err := m.DecodeOutput(out)
	if err != nil {
		return scale.Null, true, err
	}
	inner := outer.Bytes()
	if len(inner) == 0 && want.EmptyIsNone {
		return scale.Null, true, nil
	}
	x, err := compiled(t, md)
	if err != nil {
		return fail(err)
	}
	v, err = x.Decode(expr, inner)
	if err != nil {
		return fail(err)
	}
	return v, true, nil
}

// callTyped is the part of runtimeCall for methods declared as bare
// Vec<u8>: it decodes through a registered table when one applies.
func (c *Client) callTyped(ctx context.Context, hash string, md *scale.Metadata, m *scale.RuntimeMethod, out []byte) (scale.Value, error) {
	if !UntypedOutput(md, m) {
		return m.DecodeOutput(out)
	}
	rv, err := c.RuntimeVersion(ctx, hash)
	if err != nil {
		return scale.Null, err
	}
	v, ok, err := decodeTyped(md, rv, m, out)
	if ok {
		return v, err
	}
	return m.DecodeOutput(out)
}

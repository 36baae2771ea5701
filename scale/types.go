package scale

import (
	"strconv"
	"unsafe"
)

// TypeDefKind is the shape of a registry type, numbered as scale-info's
// TypeDef enum.
type TypeDefKind uint8

// The scale-info type definitions.
const (
	DefComposite TypeDefKind = iota
	DefVariant
	DefSequence
	DefArray
	DefTuple
	DefPrimitive
	DefCompact
	DefBitSequence
)

var defNames = [...]string{"composite", "variant", "sequence", "array", "tuple", "primitive", "compact", "bitsequence"}

// String returns the lower-case name of the definition kind.
func (k TypeDefKind) String() string {
	if int(k) < len(defNames) {
		return defNames[k]
	}
	return "typedef(" + strconv.Itoa(int(k)) + ")"
}

// Primitive is a scale-info primitive type, numbered as in scale-info.
type Primitive uint8

// The primitive types.
const (
	PrimBool Primitive = iota
	PrimChar
	PrimStr
	PrimU8
	PrimU16
	PrimU32
	PrimU64
	PrimU128
	PrimU256
	PrimI8
	PrimI16
	PrimI32
	PrimI64
	PrimI128
	PrimI256
)

var primNames = [...]string{"bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "u256", "i8", "i16", "i32", "i64", "i128", "i256"}

// String returns the Rust name of the primitive ("u16", "str", ...).
func (p Primitive) String() string {
	if int(p) < len(primNames) {
		return primNames[p]
	}
	return "prim(" + strconv.Itoa(int(p)) + ")"
}

// IsInteger reports whether p is one of the integer types.
func (p Primitive) IsInteger() bool { return p >= PrimU8 && p <= PrimI256 }

// Signed reports whether p is a signed integer type.
func (p Primitive) Signed() bool { return p >= PrimI8 && p <= PrimI256 }

// Bits returns the width of an integer primitive (0 for others).
func (p Primitive) Bits() int {
	switch p {
	case PrimU8, PrimI8:
		return 8
	case PrimU16, PrimI16:
		return 16
	case PrimU32, PrimI32:
		return 32
	case PrimU64, PrimI64:
		return 64
	case PrimU128, PrimI128:
		return 128
	case PrimU256, PrimI256:
		return 256
	}
	return 0
}

// TypeParam is a generic parameter of a registry type; Type is -1 when the
// parameter has no type (e.g. a phantom "T: Config").
type TypeParam struct {
	Name string
	Type int
}

// Field is a field of a composite type or an enum variant.
type Field struct {
	Name     string // empty for tuple-like fields
	Type     int
	TypeName string // the Rust type as written in the source, may be empty
}

// Variant is one variant of an enum type.
type Variant struct {
	Name   string
	Index  uint8
	Fields []Field
}

// Type is one entry of the metadata's portable type registry.
type Type struct {
	ID       int
	Path     []string // e.g. ["sp_core", "crypto", "AccountId32"]
	Params   []TypeParam
	Def      TypeDefKind
	Fields   []Field   // DefComposite
	Variants []Variant // DefVariant
	Elem     int       // DefSequence, DefArray, DefCompact: the element type
	Len      uint32    // DefArray
	Tuple    []int     // DefTuple
	Prim     Primitive // DefPrimitive
	// DefBitSequence: the store (u8..u64) and order (Lsb0/Msb0) types.
	BitStore, BitOrder int
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// parseRegistry reads scale-info's PortableRegistry: Vec<{compact id, Type}>.
func parseRegistry(r *reader) []Type {
	// Each entry takes at least: id, path len, params len, def tag, def
	// body (1), docs len = 6 bytes.
	n := r.count(6)
	types := make([]Type, n)
	var fieldArena []Field
	takeFields := func(k int) []Field {
		if k > len(fieldArena) {
			fieldArena = make([]Field, max(k, 512))
		}
		f := fieldArena[:k:k]
		fieldArena = fieldArena[k:]
		return f
	}
	readFields := func() []Field {
		k := r.count(4)
		if k == 0 {
			return nil
		}
		fs := takeFields(k)
		for i := range fs {
			f := &fs[i]
			if r.option() {
				f.Name = r.str()
			}
			f.Type = r.typeID()
			if r.option() {
				f.TypeName = r.str()
			}
			r.skipStrs()
		}
		return fs
	}
	for i := 0; i < n && r.err == nil; i++ {
		id := r.typeID()
		if id != i {
			r.fail("type registry entry %d has id %d (ids must be 0..n-1 in order)", i, id)
			break
		}
		t := &types[i]
		t.ID = id
		t.Path = r.strs()
		if np := r.count(2); np > 0 {
			t.Params = make([]TypeParam, np)
			for j := range t.Params {
				t.Params[j].Name = r.str()
				t.Params[j].Type = -1
				if r.option() {
					t.Params[j].Type = r.typeID()
				}
			}
		}
		t.Def = TypeDefKind(r.u8())
		switch t.Def {
		case DefComposite:
			t.Fields = readFields()
		case DefVariant:
			nv := r.count(3)
			if nv > 0 {
				t.Variants = make([]Variant, nv)
			}
			for j := range t.Variants {
				v := &t.Variants[j]
				v.Name = r.str()
				v.Fields = readFields()
				v.Index = r.u8()
				r.skipStrs()
			}
		case DefSequence, DefCompact:
			t.Elem = r.typeID()
		case DefArray:
			t.Len = r.u32()
			t.Elem = r.typeID()
		case DefTuple:
			k := r.count(1)
			if k > 0 {
				t.Tuple = make([]int, k)
			}
			for j := range t.Tuple {
				t.Tuple[j] = r.typeID()
			}
		case DefPrimitive:
			t.Prim = Primitive(r.u8())
			if t.Prim > PrimI256 {
				r.fail("type %d: unknown primitive %d", id, t.Prim)
			}
		case DefBitSequence:
			t.BitStore = r.typeID()
			t.BitOrder = r.typeID()
		default:
			r.off--
			r.fail("type %d: unknown TypeDef variant %d", id, t.Def)
		}
		r.skipStrs()
	}
	if r.err != nil {
		return nil
	}
	// Every referenced id must exist.
	bad := func(x int) bool { return x < 0 || x >= n }
	for i := range types {
		t := &types[i]
		check := func(x int) {
			if bad(x) && r.err == nil {
				r.fail("type %d (%s) refers to missing type %d", i, t.Def, x)
			}
		}
		for _, p := range t.Params {
			if p.Type >= 0 {
				check(p.Type)
			}
		}
		for _, f := range t.Fields {
			check(f.Type)
		}
		for _, v := range t.Variants {
			for _, f := range v.Fields {
				check(f.Type)
			}
		}
		switch t.Def {
		case DefSequence, DefArray, DefCompact:
			check(t.Elem)
		case DefBitSequence:
			check(t.BitStore)
			check(t.BitOrder)
		}
		for _, x := range t.Tuple {
			check(x)
		}
	}
	if r.err != nil {
		return nil
	}
	return types
}

// typeName renders a readable name for type id: the last path segment with
// its type parameters for named types ("Option<u16>", "NeuronInfoLite"),
// "Vec<T>", "[T; N]", "(A, B)", "Compact<T>" and primitive names. The work
// is bounded whatever the registry holds.
func typeName(types []Type, id int, _ int) string {
	n := typeNamer{types: types, budget: 64}
	n.write(id, 0)
	return string(n.out)
}

type typeNamer struct {
	types  []Type
	out    []byte
	budget int
}

func (n *typeNamer) write(id, depth int) {
	n.budget--
	if n.budget < 0 || depth > 6 || len(n.out) > 160 {
		n.out = append(n.out, "…"...)
		return
	}
	if id < 0 || id >= len(n.types) {
		n.out = append(n.out, '?')
		return
	}
	t := &n.types[id]
	if len(t.Path) > 0 {
		n.out = append(n.out, t.Path[len(t.Path)-1]...)
		first := true
		for _, p := range t.Params {
			if p.Type < 0 {
				continue
			}
			if first {
				n.out = append(n.out, '<')
				first = false
			} else {
				n.out = append(n.out, ", "...)
			}
			n.write(p.Type, depth+1)
		}
		if !first {
			n.out = append(n.out, '>')
		}
		return
	}
	switch t.Def {
	case DefPrimitive:
		n.out = append(n.out, t.Prim.String()...)
	case DefSequence:
		n.out = append(n.out, "Vec<"...)
		n.write(t.Elem, depth+1)
		n.out = append(n.out, '>')
	case DefArray:
		n.out = append(n.out, '[')
		n.write(t.Elem, depth+1)
		n.out = append(n.out, "; "...)
		n.out = strconv.AppendUint(n.out, uint64(t.Len), 10)
		n.out = append(n.out, ']')
	case DefCompact:
		n.out = append(n.out, "Compact<"...)
		n.write(t.Elem, depth+1)
		n.out = append(n.out, '>')
	case DefTuple:
		n.out = append(n.out, '(')
		for i, x := range t.Tuple {
			if i > 0 {
				n.out = append(n.out, ", "...)
			}
			n.write(x, depth+1)
		}
		n.out = append(n.out, ')')
	case DefBitSequence:
		n.out = append(n.out, "BitVec"...)
	case DefComposite:
		n.out = append(n.out, "struct"...)
	case DefVariant:
		n.out = append(n.out, "enum"...)
	default:
		n.out = append(n.out, '?')
	}
}

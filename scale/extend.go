package scale

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// StructDef is a struct written the way Rust source declares it: a name
// and its fields in order, each field's type a Rust type expression. It
// describes bytes whose layout the metadata does not publish, such as the
// answers older runtimes return from runtime APIs declared as bare Vec<u8>.
type StructDef struct {
	Name   string
	Fields []FieldDef
}

// FieldDef is one field of a StructDef.
type FieldDef struct {
	Name string
	// Type is a type expression: bool, str, u8..u256, i8..i256, AccountId
	// (the metadata's sp_core::crypto::AccountId32), Compact<T>, Vec<T>,
	// Option<T>, [T; N], (T1, T2, ...), or the name of another StructDef.
	Type string
}

// Extended is a metadata with more types than its runtime published: the
// structs it was extended with and the type expressions it was asked for.
type Extended struct {
	md  *Metadata
	ids map[string]int
}

// maxTypeExpr bounds the length of one type expression, so a hostile table
// cannot make the parser recurse without end.
const maxTypeExpr = 1024

// Extend compiles structs and the type expressions exprs against m's
// registry: the new types are appended after m's own, so they can refer to
// m's AccountId32 and decode accounts exactly as m does (SS58 with m's
// prefix). m itself is not changed. Each expression must parse and every
// struct name must be defined once.
func (m *Metadata) Extend(structs []StructDef, exprs ...string) (*Extended, error) {
	b := &typeBuilder{
		types:   slices.Clip(m.Types),
		structs: make(map[string]*StructDef, len(structs)),
		built:   make(map[string]int),
		account: -1,
	}
	for i := range m.Types {
		if strings.Join(m.Types[i].Path, "::") == accountPath {
			b.account = i
			break
		}
	}
	for i := range structs {
		s := &structs[i]
		if s.Name == "" || !isIdent(s.Name) {
			return nil, fmt.Errorf("extend types: struct name %q is not an identifier", s.Name)
		}
		if _, dup := b.structs[s.Name]; dup {
			return nil, fmt.Errorf("extend types: struct %s is defined twice", s.Name)
		}
		b.structs[s.Name] = s
	}
	ids := make(map[string]int, len(exprs))
	for _, e := range exprs {
		id, err := b.expr(e)
		if err != nil {
			return nil, fmt.Errorf("extend types: %w", err)
		}
		ids[e] = id
	}
	// Every struct is compiled, used or not, so a broken table fails here
	// rather than on the first answer that needs it.
	for i := range structs {
		if _, err := b.named(structs[i].Name); err != nil {
			return nil, fmt.Errorf("extend types: %w", err)
		}
	}
	x := *m
	x.Types = b.types
	x.codecs = compile(x.Types)
	return &Extended{md: &x, ids: ids}, nil
}

// Decode decodes b as the type expression expr, which must be one of the
// expressions given to Extend. As with Metadata.Decode, every byte must be
// consumed, and an error names the field path and the byte offset.
func (x *Extended) Decode(expr string, b []byte) (Value, error) {
	id, ok := x.ids[expr]
	if !ok {
		return Null, fmt.Errorf("type %q was not compiled by Extend", expr)
	}
	return x.md.Decode(id, b)
}

// TypeID returns the id of a type expression given to Extend, for
// Metadata().Encode and the other id-based methods.
func (x *Extended) TypeID(expr string) (int, bool) {
	id, ok := x.ids[expr]
	return id, ok
}

// Metadata returns the extended metadata (m's types and the new ones).
func (x *Extended) Metadata() *Metadata { return x.md }

type typeBuilder struct {
	types   []Type
	structs map[string]*StructDef
	built   map[string]int // type expression or struct name → id
	account int
	depth   int
}

func (b *typeBuilder) add(t Type) int {
	t.ID = len(b.types)
	b.types = append(b.types, t)
	return t.ID
}

var primByName = map[string]Primitive{
	"bool": PrimBool, "char": PrimChar, "str": PrimStr, "String": PrimStr,
	"u8": PrimU8, "u16": PrimU16, "u32": PrimU32, "u64": PrimU64, "u128": PrimU128, "u256": PrimU256,
	"i8": PrimI8, "i16": PrimI16, "i32": PrimI32, "i64": PrimI64, "i128": PrimI128, "i256": PrimI256,
}

// expr returns the id of the type that expression s denotes, adding the
// types it needs. Equal expressions share one id.
func (b *typeBuilder) expr(s string) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxTypeExpr {
		return 0, fmt.Errorf("type expression of %d bytes is longer than %d", len(s), maxTypeExpr)
	}
	if id, ok := b.built[s]; ok {
		if id < 0 {
			return 0, fmt.Errorf("struct %s contains itself", s)
		}
		return id, nil
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > 64 {
		return 0, fmt.Errorf("type %q nests more than 64 deep", s)
	}
	id, err := b.parse(s)
	if err != nil {
		return 0, err
	}
	b.built[s] = id
	return id, nil
}

func (b *typeBuilder) parse(s string) (int, error) {
	if p, ok := primByName[s]; ok {
		return b.add(Type{Def: DefPrimitive, Prim: p}), nil
	}
	switch {
	case s == "AccountId" || s == "AccountId32":
		if b.account < 0 {
			return 0, fmt.Errorf("type %s: the metadata has no %s", s, accountPath)
		}
		return b.account, nil
	case strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")"):
		parts, err := splitTop(s[1 : len(s)-1])
		if err != nil {
			return 0, fmt.Errorf("type %q: %w", s, err)
		}
		ids := make([]int, len(parts))
		for i, p := range parts {
			if ids[i], err = b.expr(p); err != nil {
				return 0, err
			}
		}
		return b.add(Type{Def: DefTuple, Tuple: ids}), nil
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		elem, n, ok := strings.Cut(s[1:len(s)-1], ";")
		if !ok {
			return 0, fmt.Errorf("type %q: an array is [T; N]", s)
		}
		size, err := strconv.ParseUint(strings.TrimSpace(n), 10, 16)
		if err != nil {
			return 0, fmt.Errorf("type %q: array length: %w", s, err)
		}
		e, err := b.expr(elem)
		if err != nil {
			return 0, err
		}
		return b.add(Type{Def: DefArray, Elem: e, Len: uint32(size)}), nil
	}
	name, arg, generic := strings.Cut(s, "<")
	if generic {
		if !strings.HasSuffix(arg, ">") {
			return 0, fmt.Errorf("type %q: unbalanced <>", s)
		}
		arg = arg[:len(arg)-1]
		e, err := b.expr(arg)
		if err != nil {
			return 0, err
		}
		switch strings.TrimSpace(name) {
		case "Compact":
			if t := b.types[e]; t.Def != DefPrimitive || !t.Prim.IsInteger() || t.Prim.Signed() {
				return 0, fmt.Errorf("type %q: Compact takes an unsigned integer", s)
			}
			return b.add(Type{Def: DefCompact, Elem: e}), nil
		case "Vec":
			return b.add(Type{Def: DefSequence, Elem: e}), nil
		case "Option":
			return b.add(Type{Path: []string{"Option"}, Params: []TypeParam{{Name: "T", Type: e}}, Def: DefVariant,
				Variants: []Variant{{Name: "None", Index: 0}, {Name: "Some", Index: 1, Fields: []Field{{Type: e}}}}}), nil
		}
		return 0, fmt.Errorf("type %q: unknown generic %s (use Compact, Vec or Option)", s, name)
	}
	if _, ok := b.structs[s]; ok {
		return b.named(s)
	}
	return 0, fmt.Errorf("unknown type %q", s)
}

// named builds struct name, once. A struct that contains itself is refused:
// the answers of runtime APIs are finite trees.
func (b *typeBuilder) named(name string) (int, error) {
	if id, ok := b.built[name]; ok {
		if id < 0 {
			return 0, fmt.Errorf("struct %s contains itself", name)
		}
		return id, nil
	}
	s := b.structs[name]
	b.built[name] = -1
	fields := make([]Field, len(s.Fields))
	seen := make(map[string]bool, len(s.Fields))
	for i, f := range s.Fields {
		if !isIdent(f.Name) || seen[f.Name] {
			return 0, fmt.Errorf("struct %s: field %d: name %q is empty, not an identifier, or repeated", name, i, f.Name)
		}
		seen[f.Name] = true
		id, err := b.expr(f.Type)
		if err != nil {
			return 0, fmt.Errorf("struct %s: field %s: %w", name, f.Name, err)
		}
		fields[i] = Field{Name: f.Name, Type: id, TypeName: f.Type}
	}
	id := b.add(Type{Path: []string{name}, Def: DefComposite, Fields: fields})
	b.built[name] = id
	return id, nil
}

// splitTop splits s at the commas that are not inside <>, [] or ().
func splitTop(s string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '[', '(':
			depth++
		case '>', ']', ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced brackets")
			}
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced brackets")
	}
	if last := strings.TrimSpace(s[start:]); last != "" {
		parts = append(parts, last)
	}
	return parts, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

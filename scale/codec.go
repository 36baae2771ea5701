package scale

import (
	"fmt"
	"strings"
)

// ckind is the shape of a compiled codec node.
type ckind uint8

const (
	cInvalid   ckind = iota // a type that cannot be decoded (message in name)
	cUnit                   // () and empty composites: no bytes, Null
	cBool                   // bool
	cChar                   // char (u32 code point)
	cStr                    // str
	cUint                   // u8..u64
	cInt                    // i8..i64
	cBigUint                // u128, u256
	cBigInt                 // i128, i256
	cCompact                // Compact<uN>
	cBytes                  // Vec<u8>
	cByteArray              // [u8; N]
	cAccount                // AccountId32
	cSeq                    // Vec<T>
	cArray                  // [T; N]
	cTuple                  // tuples and tuple structs: Seq
	cComposite              // structs with named fields
	cNewtype                // struct with a single unnamed field: the field
	cOption                 // Option<T>: Null or T
	cVariant                // enums
	cBitSeq                 // BitVec<Store, Order>
)

// codec is the compiled decoder/encoder of one registry type. The registry
// compiles every type once; nodes point at each other directly.
type codec struct {
	kind   ckind
	bits   uint8 // integer width code (see bitsCode)
	size   int   // byte size of fixed-size integers; N of [u8; N] / [T; N]
	min    int   // minimum encoded size in bytes
	id     int
	name   string
	elem   *codec   // cSeq, cArray, cNewtype, cOption
	fields []*codec // cTuple, cComposite
	names  []string // cComposite field names, shared with values
	// cVariant: variants in declaration order and a table from the
	// variant index byte to the position in variants (-1 when absent).
	variants []variantCodec
	byIndex  []int16
	// cBitSeq
	storeBytes int
	msb        bool
	// cInvalid: why
	invalid string
}

// payload shapes of a variant.
const (
	payNone      = iota // unit variant
	paySingle           // one unnamed field: the payload is the field
	payComposite        // named fields: the payload is a Composite
	payTuple            // several unnamed fields: the payload is a Seq
)

type variantCodec struct {
	name   string
	index  uint8
	pay    uint8
	fields []*codec
	names  []string
}

const accountPath = "sp_core::crypto::AccountId32"

// compile builds one codec per registry type.
func compile(types []Type) []*codec {
	nodes := make([]codec, len(types))
	out := make([]*codec, len(types))
	for i := range nodes {
		out[i] = &nodes[i]
	}
	isU8 := func(id int) bool {
		return types[id].Def == DefPrimitive && types[id].Prim == PrimU8
	}
	fieldCodecs := func(fs []Field) []*codec {
		cs := make([]*codec, len(fs))
		for i, f := range fs {
			cs[i] = out[f.Type]
		}
		return cs
	}
	for i := range types {
		t := &types[i]
		c := out[i]
		c.id = i
		c.name = typeName(types, i, 0)
		switch t.Def {
		case DefPrimitive:
			compilePrim(c, t.Prim)
		case DefComposite:
			switch {
			case len(t.Fields) == 0:
				c.kind = cUnit
			case strings.Join(t.Path, "::") == accountPath && len(t.Fields) == 1 &&
				types[t.Fields[0].Type].Def == DefArray && types[t.Fields[0].Type].Len == 32 && isU8(types[t.Fields[0].Type].Elem):
				c.kind, c.size = cAccount, 32
			case len(t.Fields) == 1 && t.Fields[0].Name == "":
				c.kind, c.elem = cNewtype, out[t.Fields[0].Type]
			case t.Fields[0].Name == "":
				c.kind, c.fields = cTuple, fieldCodecs(t.Fields)
			default:
				c.kind, c.fields = cComposite, fieldCodecs(t.Fields)
				c.names = make([]string, len(t.Fields))
				for j, f := range t.Fields {
					c.names[j] = f.Name
				}
			}
		case DefVariant:
			if isOption(t) {
				c.kind, c.elem = cOption, out[t.Variants[1].Fields[0].Type]
				break
			}
			c.kind = cVariant
			c.variants = make([]variantCodec, len(t.Variants))
			maxIdx := -1
			for j, v := range t.Variants {
				vc := &c.variants[j]
				vc.name, vc.index = v.Name, v.Index
				vc.fields = fieldCodecs(v.Fields)
				switch {
				case len(v.Fields) == 0:
					vc.pay = payNone
				case len(v.Fields) == 1 && v.Fields[0].Name == "":
					vc.pay = paySingle
				case v.Fields[0].Name == "":
					vc.pay = payTuple
				default:
					vc.pay = payComposite
					vc.names = make([]string, len(v.Fields))
					for k, f := range v.Fields {
						vc.names[k] = f.Name
					}
				}
				maxIdx = max(maxIdx, int(v.Index))
			}
			c.byIndex = make([]int16, maxIdx+1)
			for j := range c.byIndex {
				c.byIndex[j] = -1
			}
			for j, v := range t.Variants {
				c.byIndex[v.Index] = int16(j)
			}
		case DefSequence:
			if isU8(t.Elem) {
				c.kind = cBytes
			} else {
				c.kind, c.elem = cSeq, out[t.Elem]
			}
		case DefArray:
			if isU8(t.Elem) {
				c.kind, c.size = cByteArray, int(t.Len)
			} else {
				c.kind, c.elem, c.size = cArray, out[t.Elem], int(t.Len)
			}
		case DefTuple:
			if len(t.Tuple) == 0 {
				c.kind = cUnit
			} else {
				c.kind = cTuple
				c.fields = make([]*codec, len(t.Tuple))
				for j, x := range t.Tuple {
					c.fields[j] = out[x]
				}
			}
		case DefCompact:
			compileCompact(c, types, t.Elem)
		case DefBitSequence:
			st := types[t.BitStore]
			if st.Def != DefPrimitive || st.Prim < PrimU8 || st.Prim > PrimU64 {
				c.kind, c.invalid = cInvalid, "bit sequence store type is not u8, u16, u32 or u64"
				break
			}
			c.kind = cBitSeq
			c.storeBytes = st.Prim.Bits() / 8
			op := types[t.BitOrder].Path
			c.msb = len(op) > 0 && op[len(op)-1] == "Msb0"
		}
	}
	// Point every newtype at the first non-newtype below it, so decoding
	// never recurses through wrappers; a cycle of wrappers is invalid.
	resolveNewtypes(nodes)
	state := make([]uint8, len(nodes))
	for i := range nodes {
		minSize(&nodes[i], state, nodes)
	}
	return out
}

func isOption(t *Type) bool {
	if len(t.Path) != 1 || t.Path[0] != "Option" || len(t.Variants) != 2 {
		return false
	}
	none, some := t.Variants[0], t.Variants[1]
	return none.Name == "None" && none.Index == 0 && len(none.Fields) == 0 &&
		some.Name == "Some" && some.Index == 1 && len(some.Fields) == 1
}

func compilePrim(c *codec, p Primitive) {
	switch p {
	case PrimBool:
		c.kind, c.size = cBool, 1
	case PrimChar:
		c.kind, c.size = cChar, 4
	case PrimStr:
		c.kind = cStr
	default:
		b := p.Bits()
		c.bits = uint8(bitsCode(b))
		c.size = b / 8
		switch {
		case b <= 64 && p.Signed():
			c.kind = cInt
		case b <= 64:
			c.kind = cUint
		case p.Signed():
			c.kind = cBigInt
		default:
			c.kind = cBigUint
		}
	}
}

// compileCompact resolves the inner type of Compact<T> through single-field
// wrappers down to an unsigned integer or unit.
func compileCompact(c *codec, types []Type, id int) {
	for range 16 {
		t := &types[id]
		switch {
		case t.Def == DefPrimitive && t.Prim.IsInteger() && !t.Prim.Signed():
			c.kind, c.bits = cCompact, uint8(bitsCode(t.Prim.Bits()))
			return
		case (t.Def == DefTuple && len(t.Tuple) == 0) || (t.Def == DefComposite && len(t.Fields) == 0):
			c.kind = cUnit
			return
		case t.Def == DefComposite && len(t.Fields) == 1:
			id = t.Fields[0].Type
		case t.Def == DefTuple && len(t.Tuple) == 1:
			id = t.Tuple[0]
		default:
			c.kind, c.invalid = cInvalid, fmt.Sprintf("compact of %s is not supported", typeName(types, id, 0))
			return
		}
	}
	c.kind, c.invalid = cInvalid, "compact wraps too many levels"
}

// maxMin caps computed minimum sizes so that sums cannot overflow.
const maxMin = 1 << 40

// minSize computes the minimum encoded size of c. Types on a cycle count
// as 0 while being computed, which can only underestimate.
func minSize(c *codec, state []uint8, nodes []codec) int {
	switch state[c.id] {
	case 1:
		return 0
	case 2:
		return c.min
	}
	state[c.id] = 1
	m := 0
	switch c.kind {
	case cBool, cChar, cUint, cInt, cBigUint, cBigInt, cAccount, cByteArray:
		m = c.size
	case cCompact, cStr, cBytes, cSeq, cBitSeq, cOption:
		m = 1
	case cArray:
		if e := minSize(c.elem, state, nodes); e > 0 {
			m = min(c.size, maxMin/e) * e
		}
	case cTuple, cComposite:
		for _, f := range c.fields {
			m = min(m+minSize(f, state, nodes), maxMin)
		}
	case cNewtype:
		m = minSize(c.elem, state, nodes)
	case cVariant:
		best := -1
		for _, v := range c.variants {
			s := 0
			for _, f := range v.fields {
				s = min(s+minSize(f, state, nodes), maxMin)
			}
			if best < 0 || s < best {
				best = s
			}
		}
		m = 1 + max(best, 0)
	}
	c.min = m
	state[c.id] = 2
	return m
}

func resolveNewtypes(nodes []codec) {
	const (
		unseen = iota
		walking
		done
	)
	state := make([]uint8, len(nodes))
	var chain []*codec
	for i := range nodes {
		if nodes[i].kind != cNewtype || state[i] == done {
			continue
		}
		chain = chain[:0]
		e := &nodes[i]
		for e.kind == cNewtype && state[e.id] == unseen {
			state[e.id] = walking
			chain = append(chain, e)
			e = e.elem
		}
		var target *codec
		switch {
		case e.kind != cNewtype:
			target = e
		case state[e.id] == done:
			target = e.elem // already resolved (possibly invalid)
		}
		for _, c := range chain {
			state[c.id] = done
			if target == nil {
				c.kind, c.invalid = cInvalid, "newtype wrappers form a cycle"
			} else {
				c.elem = target
			}
		}
	}
}

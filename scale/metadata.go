package scale

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
)

// StorageModifier says what a storage read of a missing key returns.
type StorageModifier uint8

// The storage modifiers, in metadata order.
const (
	// Optional entries return None (Null) when the key is missing.
	Optional StorageModifier = iota
	// Default entries return the entry's default value.
	Default
)

// String returns "Optional" or "Default".
func (m StorageModifier) String() string {
	if m == Optional {
		return "Optional"
	}
	return "Default"
}

// Metadata is parsed runtime metadata (V14 or V15) with its type registry
// compiled to codecs. It is immutable and safe for concurrent use.
type Metadata struct {
	// Version is 14 or 15.
	Version int
	// Types is the portable type registry, indexed by type id.
	Types []Type
	// Pallets in metadata order.
	Pallets []*Pallet
	// Extrinsic describes the extrinsic format.
	Extrinsic ExtrinsicInfo
	// RuntimeType is the type id of the runtime struct.
	RuntimeType int
	// APIs are the runtime APIs (V15 only).
	APIs []*RuntimeAPI
	// OuterEnums holds the call, event and error enums (V15 only; -1 in V14).
	OuterEnums OuterEnums
	// Custom holds the V15 custom values, in key order.
	Custom []CustomValue
	// SS58Prefix is the System.SS58Prefix constant, or 42 without it.
	SS58Prefix uint16
	// SpecName and SpecVersion come from the System.Version constant when
	// present and decodable.
	SpecName    string
	SpecVersion uint32

	codecs       []*codec
	palletByName map[string]*Pallet
	apiByName    map[string]*RuntimeAPI
}

// ExtrinsicInfo is the extrinsic section of the metadata. In V14 only Type,
// Version and SignedExtensions are set; the other type ids are -1 and are
// derived from Type's generic parameters when possible.
type ExtrinsicInfo struct {
	Type             int // V14: UncheckedExtrinsic type (-1 in V15)
	Version          uint8
	AddressType      int
	CallType         int
	SignatureType    int
	ExtraType        int
	SignedExtensions []SignedExtension
}

// SignedExtension is one signed extension of the extrinsic format.
type SignedExtension struct {
	Identifier       string
	Type             int // data carried in the extrinsic
	AdditionalSigned int // data added to the signed payload only
}

// OuterEnums are the runtime's aggregate call, event and error enums.
type OuterEnums struct {
	CallType, EventType, ErrorType int
}

// CustomValue is one entry of the V15 custom metadata map.
type CustomValue struct {
	Name  string
	Type  int
	Value []byte
}

// Pallet describes one pallet.
type Pallet struct {
	Name  string
	Index uint8
	// StoragePrefix is the prefix hashed into storage keys ("" without
	// storage).
	StoragePrefix string
	Storage       []*StorageEntry
	// CallType, EventType and ErrorType are enum type ids, -1 when absent.
	CallType, EventType, ErrorType int
	Constants                      []*Constant
	Docs                           []string

	md        *Metadata
	storageBy map[string]*StorageEntry
}

// StorageEntry describes one storage item.
type StorageEntry struct {
	Pallet   string // pallet name
	Prefix   string // the pallet's storage prefix
	Name     string
	Modifier StorageModifier
	// Hashers has one hasher per key (empty for a plain value).
	Hashers []Hasher
	// KeyType is the map key type as in the metadata (-1 for plain values);
	// for several hashers it is a tuple, split in KeyTypes.
	KeyType  int
	KeyTypes []int
	Value    int // value type id
	Default  []byte
	Docs     []string

	md     *Metadata
	prefix []byte // Prefix32, computed once when parsed
}

// Constant is one pallet constant with its SCALE-encoded value.
type Constant struct {
	Pallet string
	Name   string
	Type   int
	Value  []byte
	Docs   []string

	md *Metadata
}

// RuntimeAPI is one runtime API trait (V15).
type RuntimeAPI struct {
	Name    string
	Methods []*RuntimeMethod
	Docs    []string

	methodBy map[string]*RuntimeMethod
}

// RuntimeMethod is one method of a runtime API, called through state_call.
type RuntimeMethod struct {
	API    string
	Name   string
	Inputs []Param
	Output int
	Docs   []string

	md *Metadata
}

// Param is a named runtime API input.
type Param struct {
	Name string
	Type int
}

// magic is "meta" as the little-endian u32 0x6174656d.
var magic = []byte("meta")

// Parse reads runtime metadata in any of the forms a node returns: the
// bytes of state_getMetadata (starting with "meta"), the
// Option<OpaqueMetadata> of Metadata_metadata_at_version (0x01, compact
// length, bytes), the OpaqueMetadata of Metadata_metadata (compact length,
// bytes), or any of these as 0x-prefixed hex text. The input is copied.
func Parse(b []byte) (*Metadata, error) {
	b, err := unwrapMetadata(b)
	if err != nil {
		return nil, err
	}
	// Strings of the parsed metadata share this private copy.
	buf := bytes.Clone(b)
	r := &reader{b: buf, off: 5}
	m := &Metadata{Version: int(buf[4])}
	switch m.Version {
	case 14, 15:
	default:
		return nil, fmt.Errorf("metadata version %d is not supported (need 14 or 15)", m.Version)
	}
	m.Types = parseRegistry(r)
	if r.err != nil {
		return nil, fmt.Errorf("metadata V%d type registry: %w", m.Version, r.err)
	}
	m.parseBody(r)
	if r.err != nil {
		return nil, fmt.Errorf("metadata V%d: %w", m.Version, r.err)
	}
	if r.off != len(r.b) {
		return nil, fmt.Errorf("metadata V%d: %d bytes left over after offset %d", m.Version, len(r.b)-r.off, r.off)
	}
	if err := m.checkTypeRefs(); err != nil {
		return nil, fmt.Errorf("metadata V%d: %w", m.Version, err)
	}
	m.codecs = compile(m.Types)
	m.index()
	return m, nil
}

// ParseHex is Parse of a 0x-prefixed (or bare) hex string.
func ParseHex(s string) (*Metadata, error) {
	b, err := decodeHexString(s)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return Parse(b)
}

func decodeHexString(s string) ([]byte, error) {
	s = string(bytes.TrimSpace([]byte(s)))
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid hex: %w", err)
	}
	return b, nil
}

// unwrapMetadata finds the "meta" magic in the accepted input forms.
func unwrapMetadata(b []byte) ([]byte, error) {
	if t := bytes.TrimSpace(b); len(t) >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		h, err := decodeHexString(string(t))
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		b = h
	}
	if bytes.HasPrefix(b, magic) {
		if len(b) < 5 {
			return nil, errors.New("metadata: missing version byte after magic")
		}
		return b, nil
	}
	try := func(b []byte) ([]byte, bool) {
		n, k, err := DecodeCompact(b)
		if err != nil || uint64(len(b)-k) != n || !bytes.HasPrefix(b[k:], magic) || n < 5 {
			return nil, false
		}
		return b[k:], true
	}
	if len(b) > 0 && b[0] == 1 {
		if inner, ok := try(b[1:]); ok {
			return inner, nil
		}
	}
	if inner, ok := try(b); ok {
		return inner, nil
	}
	if len(b) == 1 && b[0] == 0 {
		return nil, errors.New("metadata: the node returned None (metadata version not available)")
	}
	return nil, errors.New(`metadata: input does not start with the "meta" magic (nor an Option<OpaqueMetadata> holding it)`)
}

func optType(r *reader) int {
	if r.option() {
		return r.typeID()
	}
	return -1
}

func (m *Metadata) parseBody(r *reader) {
	v15 := m.Version == 15
	np := r.count(8)
	m.Pallets = make([]*Pallet, 0, np)
	for i := 0; i < np && r.err == nil; i++ {
		p := &Pallet{md: m}
		p.Name = r.str()
		if r.option() {
			p.StoragePrefix = r.str()
			ne := r.count(5)
			p.Storage = make([]*StorageEntry, ne)
			entries := make([]StorageEntry, ne)
			for j := 0; j < ne && r.err == nil; j++ {
				e := &entries[j]
				p.Storage[j] = e
				e.md, e.Pallet, e.Prefix = m, p.Name, p.StoragePrefix
				e.Name = r.str()
				switch mod := r.u8(); mod {
				case 0, 1:
					e.Modifier = StorageModifier(mod)
				default:
					r.fail("storage %s.%s: invalid modifier %d", p.Name, e.Name, mod)
				}
				switch tag := r.u8(); tag {
				case 0:
					e.KeyType = -1
					e.Value = r.typeID()
				case 1:
					nh := r.count(1)
					e.Hashers = make([]Hasher, nh)
					for k := range e.Hashers {
						h := r.u8()
						if h > byte(Identity) {
							r.fail("storage %s.%s: unknown hasher %d", p.Name, e.Name, h)
						}
						e.Hashers[k] = Hasher(h)
					}
					e.KeyType = r.typeID()
					e.Value = r.typeID()
				default:
					r.fail("storage %s.%s: invalid entry type %d", p.Name, e.Name, tag)
				}
				e.Default = r.raw()
				e.Docs = r.strs()
				e.prefix = StoragePrefix(e.Prefix, e.Name)
			}
		}
		p.CallType = -1
		if r.option() {
			p.CallType = r.typeID()
		}
		p.EventType = optType(r)
		nc := r.count(4)
		p.Constants = make([]*Constant, nc)
		consts := make([]Constant, nc)
		for j := 0; j < nc && r.err == nil; j++ {
			c := &consts[j]
			p.Constants[j] = c
			c.md, c.Pallet = m, p.Name
			c.Name = r.str()
			c.Type = r.typeID()
			c.Value = r.raw()
			c.Docs = r.strs()
		}
		p.ErrorType = optType(r)
		p.Index = r.u8()
		if v15 {
			p.Docs = r.strs()
		}
		m.Pallets = append(m.Pallets, p)
	}
	x := &m.Extrinsic
	if v15 {
		x.Type = -1
		x.Version = r.u8()
		x.AddressType = r.typeID()
		x.CallType = r.typeID()
		x.SignatureType = r.typeID()
		x.ExtraType = r.typeID()
	} else {
		x.Type = r.typeID()
		x.Version = r.u8()
		x.AddressType, x.CallType, x.SignatureType, x.ExtraType = -1, -1, -1, -1
	}
	ns := r.count(3)
	x.SignedExtensions = make([]SignedExtension, ns)
	for i := range x.SignedExtensions {
		s := &x.SignedExtensions[i]
		s.Identifier = r.str()
		s.Type = r.typeID()
		s.AdditionalSigned = r.typeID()
	}
	m.RuntimeType = r.typeID()
	m.OuterEnums = OuterEnums{-1, -1, -1}
	if !v15 {
		return
	}
	na := r.count(3)
	m.APIs = make([]*RuntimeAPI, 0, na)
	for i := 0; i < na && r.err == nil; i++ {
		a := &RuntimeAPI{Name: r.str()}
		nm := r.count(4)
		a.Methods = make([]*RuntimeMethod, nm)
		for j := 0; j < nm && r.err == nil; j++ {
			me := &RuntimeMethod{md: m, API: a.Name, Name: r.str()}
			ni := r.count(2)
			if ni > 0 {
				me.Inputs = make([]Param, ni)
			}
			for k := range me.Inputs {
				me.Inputs[k].Name = r.str()
				me.Inputs[k].Type = r.typeID()
			}
			me.Output = r.typeID()
			me.Docs = r.strs()
			a.Methods[j] = me
		}
		a.Docs = r.strs()
		m.APIs = append(m.APIs, a)
	}
	m.OuterEnums = OuterEnums{r.typeID(), r.typeID(), r.typeID()}
	nc := r.count(3)
	m.Custom = make([]CustomValue, nc)
	for i := range m.Custom {
		m.Custom[i] = CustomValue{Name: r.str(), Type: r.typeID(), Value: r.raw()}
	}
}

// checkTypeRefs makes sure every type id outside the registry refers to a
// registered type, so lookups never index out of range.
func (m *Metadata) checkTypeRefs() error {
	n := len(m.Types)
	var err error
	chk := func(what string, id int) {
		if err == nil && (id < 0 || id >= n) {
			err = fmt.Errorf("%s refers to missing type %d", what, id)
		}
	}
	opt := func(what string, id int) {
		if id != -1 {
			chk(what, id)
		}
	}
	for _, p := range m.Pallets {
		for _, e := range p.Storage {
			chk(p.Name+"."+e.Name, e.Value)
			opt(p.Name+"."+e.Name+" key", e.KeyType)
		}
		for _, c := range p.Constants {
			chk(p.Name+"."+c.Name, c.Type)
		}
		opt(p.Name+" calls", p.CallType)
		opt(p.Name+" events", p.EventType)
		opt(p.Name+" errors", p.ErrorType)
	}
	x := m.Extrinsic
	opt("extrinsic", x.Type)
	opt("extrinsic address", x.AddressType)
	opt("extrinsic call", x.CallType)
	opt("extrinsic signature", x.SignatureType)
	opt("extrinsic extra", x.ExtraType)
	for _, s := range x.SignedExtensions {
		chk("signed extension "+s.Identifier, s.Type)
		chk("signed extension "+s.Identifier, s.AdditionalSigned)
	}
	chk("runtime type", m.RuntimeType)
	for _, a := range m.APIs {
		for _, me := range a.Methods {
			chk(a.Name+"_"+me.Name, me.Output)
			for _, in := range me.Inputs {
				chk(a.Name+"_"+me.Name+" input "+in.Name, in.Type)
			}
		}
	}
	opt("outer call enum", m.OuterEnums.CallType)
	opt("outer event enum", m.OuterEnums.EventType)
	opt("outer error enum", m.OuterEnums.ErrorType)
	for _, c := range m.Custom {
		chk("custom value "+c.Name, c.Type)
	}
	return err
}

// index builds the lookup maps, splits multi-key storage key types and
// reads the SS58 prefix and runtime version constants.
func (m *Metadata) index() {
	m.palletByName = make(map[string]*Pallet, len(m.Pallets))
	for _, p := range m.Pallets {
		m.palletByName[p.Name] = p
		p.storageBy = make(map[string]*StorageEntry, len(p.Storage))
		for _, e := range p.Storage {
			p.storageBy[e.Name] = e
			switch {
			case len(e.Hashers) == 1:
				e.KeyTypes = []int{e.KeyType}
			case len(e.Hashers) > 1:
				t := &m.Types[e.KeyType]
				if t.Def == DefTuple && len(t.Tuple) == len(e.Hashers) {
					e.KeyTypes = t.Tuple
				} else {
					// Inconsistent metadata: keep the key whole; Key and
					// DecodeKey report the mismatch.
					e.KeyTypes = []int{e.KeyType}
				}
			}
		}
	}
	m.apiByName = make(map[string]*RuntimeAPI, len(m.APIs))
	for _, a := range m.APIs {
		m.apiByName[a.Name] = a
		a.methodBy = make(map[string]*RuntimeMethod, len(a.Methods))
		for _, me := range a.Methods {
			a.methodBy[me.Name] = me
		}
	}
	m.SS58Prefix = DefaultSS58Prefix
	if c, err := m.Constant("System", "SS58Prefix"); err == nil {
		if v, err := m.Decode(c.Type, c.Value); err == nil {
			if x, ok := v.Uint(); ok && x <= MaxSS58Prefix {
				m.SS58Prefix = uint16(x)
			}
		}
	}
	if c, err := m.Constant("System", "Version"); err == nil {
		if v, err := m.Decode(c.Type, c.Value); err == nil {
			if s, ok := v.Field("spec_name"); ok {
				m.SpecName, _ = s.Str()
			}
			if s, ok := v.Field("spec_version"); ok {
				if x, ok := s.Uint(); ok && x <= 1<<32-1 {
					m.SpecVersion = uint32(x)
				}
			}
		}
	}
}

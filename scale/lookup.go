package scale

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/btscript/btscript/internal/suggest"
)

// NotFoundError reports a pallet, storage item, constant, runtime API or
// method missing from the metadata, with the closest existing names.
type NotFoundError struct {
	What    string   // "pallet", "storage item", "constant", "runtime API", "method"
	Name    string   // what was asked for
	In      string   // where it was looked up ("" at the top level)
	Similar []string // close names, best first
}

// Error formats the error with its suggestions.
func (e *NotFoundError) Error() string {
	s := e.What + " " + e.Name + " not found"
	if e.In != "" {
		s += " in " + e.In
	}
	if len(e.Similar) > 0 {
		s += " (did you mean " + strings.Join(e.Similar, ", ") + "?)"
	}
	return s
}

// Pallet returns the pallet called name.
func (m *Metadata) Pallet(name string) (*Pallet, error) {
	if p, ok := m.palletByName[name]; ok {
		return p, nil
	}
	names := make([]string, len(m.Pallets))
	for i, p := range m.Pallets {
		names[i] = p.Name
	}
	return nil, &NotFoundError{What: "pallet", Name: name, Similar: suggest.Closest(name, names)}
}

// PalletByIndex returns the pallet with the given call/event index.
func (m *Metadata) PalletByIndex(index uint8) (*Pallet, bool) {
	for _, p := range m.Pallets {
		if p.Index == index {
			return p, true
		}
	}
	return nil, false
}

// Storage returns the storage item pallet.item.
func (m *Metadata) Storage(pallet, item string) (*StorageEntry, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, err
	}
	return p.StorageEntry(item)
}

// StorageEntry returns the pallet's storage item called name.
func (p *Pallet) StorageEntry(name string) (*StorageEntry, error) {
	if e, ok := p.storageBy[name]; ok {
		return e, nil
	}
	names := make([]string, len(p.Storage))
	for i, e := range p.Storage {
		names[i] = e.Name
	}
	return nil, &NotFoundError{What: "storage item", Name: name, In: "pallet " + p.Name, Similar: suggest.Closest(name, names)}
}

// Constant returns the constant pallet.name.
func (m *Metadata) Constant(pallet, name string) (*Constant, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, err
	}
	return p.Constant(name)
}

// Constant returns the pallet's constant called name.
func (p *Pallet) Constant(name string) (*Constant, error) {
	for _, c := range p.Constants {
		if c.Name == name {
			return c, nil
		}
	}
	names := make([]string, len(p.Constants))
	for i, c := range p.Constants {
		names[i] = c.Name
	}
	return nil, &NotFoundError{What: "constant", Name: name, In: "pallet " + p.Name, Similar: suggest.Closest(name, names)}
}

// RuntimeAPI returns the runtime API trait called name (V15 metadata).
func (m *Metadata) RuntimeAPI(name string) (*RuntimeAPI, error) {
	if a, ok := m.apiByName[name]; ok {
		return a, nil
	}
	if m.Version < 15 {
		return nil, fmt.Errorf("runtime API %s not found: metadata V%d has no runtime API descriptions (need V15)", name, m.Version)
	}
	names := make([]string, len(m.APIs))
	for i, a := range m.APIs {
		names[i] = a.Name
	}
	return nil, &NotFoundError{What: "runtime API", Name: name, Similar: suggest.Closest(name, names)}
}

// Method returns the runtime API method api.method, e.g.
// ("NeuronInfoRuntimeApi", "get_neurons_lite").
func (m *Metadata) Method(api, method string) (*RuntimeMethod, error) {
	a, err := m.RuntimeAPI(api)
	if err != nil {
		return nil, err
	}
	return a.Method(method)
}

// Method returns the API's method called name.
func (a *RuntimeAPI) Method(name string) (*RuntimeMethod, error) {
	if me, ok := a.methodBy[name]; ok {
		return me, nil
	}
	names := make([]string, len(a.Methods))
	for i, me := range a.Methods {
		names[i] = me.Name
	}
	return nil, &NotFoundError{What: "method", Name: name, In: "runtime API " + a.Name, Similar: suggest.Closest(name, names)}
}

// MethodByRPCName returns the method whose state_call name is name
// ("NeuronInfoRuntimeApi_get_neurons_lite").
func (m *Metadata) MethodByRPCName(name string) (*RuntimeMethod, error) {
	for _, a := range m.APIs {
		if rest, ok := strings.CutPrefix(name, a.Name+"_"); ok {
			if me, ok := a.methodBy[rest]; ok {
				return me, nil
			}
		}
	}
	var names []string
	for _, a := range m.APIs {
		for _, me := range a.Methods {
			names = append(names, me.RPCName())
		}
	}
	if m.Version < 15 {
		return nil, fmt.Errorf("runtime API method %s not found: metadata V%d has no runtime API descriptions (need V15)", name, m.Version)
	}
	return nil, &NotFoundError{What: "runtime API method", Name: name, Similar: suggest.Closest(name, names)}
}

// StorageByKey returns the storage item whose 32-byte prefix
// (twox128(pallet) ‖ twox128(item)) starts key.
func (m *Metadata) StorageByKey(key []byte) (*StorageEntry, bool) {
	if len(key) < 32 {
		return nil, false
	}
	for _, p := range m.Pallets {
		if len(p.Storage) == 0 || !bytes.Equal(TwoxHash128([]byte(p.StoragePrefix)), key[:16]) {
			continue
		}
		for _, e := range p.Storage {
			if bytes.Equal(TwoxHash128([]byte(e.Name)), key[16:32]) {
				return e, true
			}
		}
	}
	return nil, false
}

// Type returns the registry type id, or nil when id is out of range.
func (m *Metadata) Type(id int) *Type {
	if id < 0 || id >= len(m.Types) {
		return nil
	}
	return &m.Types[id]
}

// TypeName returns a readable name of type id, e.g. "Vec<NeuronInfoLite>".
func (m *Metadata) TypeName(id int) string {
	if id < 0 || id >= len(m.codecs) {
		return fmt.Sprintf("<unknown type %d>", id)
	}
	return m.codecs[id].name
}

func (m *Metadata) codec(id int) (*codec, error) {
	if id < 0 || id >= len(m.codecs) {
		return nil, fmt.Errorf("type id %d out of range (registry has %d types)", id, len(m.codecs))
	}
	return m.codecs[id], nil
}

// Decode decodes b as type id. All of b must be consumed: missing or
// leftover bytes are a *DecodeError naming the type, the field path and the
// byte offset. b is copied once; the returned Value shares that copy.
func (m *Metadata) Decode(typeID int, b []byte) (Value, error) {
	v, n, err := m.decodePrefix(typeID, b, true)
	if err != nil {
		return Null, err
	}
	if n != len(b) {
		return Null, &DecodeError{Root: m.codecs[typeID].name, Type: m.codecs[typeID].name, Offset: n,
			Msg: fmt.Sprintf("%d bytes left over after the value (input is %d bytes)", len(b)-n, len(b))}
	}
	return v, nil
}

// DecodePrefix decodes one value of type id from the start of b and
// returns it with the number of bytes it took; the rest of b is ignored.
func (m *Metadata) DecodePrefix(typeID int, b []byte) (Value, int, error) {
	return m.decodePrefix(typeID, b, true)
}

func (m *Metadata) decodePrefix(typeID int, b []byte, copyInput bool) (Value, int, error) {
	c, err := m.codec(typeID)
	if err != nil {
		return Null, 0, err
	}
	if copyInput {
		b = bytes.Clone(b)
	}
	d := decoder{b: b, prefix: m.SS58Prefix}
	var v Value
	if e := d.decode(c, &v); e != nil {
		return Null, 0, e.finish(c.name)
	}
	return v, d.off, nil
}

// Decode decodes the constant's value.
func (c *Constant) Decode() (Value, error) {
	v, err := c.md.Decode(c.Type, c.Value)
	if err != nil {
		return Null, fmt.Errorf("constant %s.%s: %w", c.Pallet, c.Name, err)
	}
	return v, nil
}

// RPCName returns the state_call method name, "API_method".
func (me *RuntimeMethod) RPCName() string { return me.API + "_" + me.Name }

// DecodeOutput decodes a state_call result of the method.
func (me *RuntimeMethod) DecodeOutput(b []byte) (Value, error) {
	v, err := me.md.Decode(me.Output, b)
	if err != nil {
		return Null, fmt.Errorf("%s output: %w", me.RPCName(), err)
	}
	return v, nil
}

// EncodeArgs encodes the method's inputs in order: the bytes of the
// state_call argument. Each argument is a Value or a plain Go value (see
// Metadata.Encode).
func (me *RuntimeMethod) EncodeArgs(args ...any) ([]byte, error) {
	if len(args) != len(me.Inputs) {
		names := make([]string, len(me.Inputs))
		for i, in := range me.Inputs {
			names[i] = in.Name + ": " + me.md.TypeName(in.Type)
		}
		return nil, fmt.Errorf("%s takes %d arguments (%s), got %d", me.RPCName(), len(me.Inputs), strings.Join(names, ", "), len(args))
	}
	out := []byte{}
	for i, in := range me.Inputs {
		var err error
		out, err = me.md.AppendEncode(out, in.Type, args[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", me.RPCName(), in.Name, err)
		}
	}
	return out, nil
}

package scale

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

// FuzzParseMetadata feeds arbitrary bytes to Parse, seeded with both real
// metadata files. Parse must never panic; metadata it accepts must be
// usable. The seeds are large: run with -fuzzminimizetime=5s or so, or the
// fuzzer spends its time minimizing them.
func FuzzParseMetadata(f *testing.F) {
	raw14 := testdata.Hex(f, testdata.MetadataV14)
	raw15 := testdata.Hex(f, testdata.MetadataV15)
	f.Add(raw14)
	f.Add(raw15)
	f.Add(raw14[:4096])
	f.Add([]byte("meta\x0e\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("meta\x0f\x04\x00\x00\x00\x05\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for id := range m.Types {
			m.TypeName(id)
			m.Decode(id, []byte{1, 2, 3, 4, 5, 6, 7, 8})
		}
		for _, p := range m.Pallets {
			for _, c := range p.Constants {
				c.Decode()
			}
			for _, e := range p.Storage {
				e.DefaultValue()
			}
		}
	})
}

// FuzzDecodeValue decodes arbitrary bytes as runtime API output types of
// the V15 metadata, seeded with the recorded answers. Decode must never
// panic, and whatever it accepts must encode and decode again to an equal
// value.
func FuzzDecodeValue(f *testing.F) {
	m := metaV15(f)
	outputs := []int{}
	for _, a := range m.APIs {
		for _, me := range a.Methods {
			outputs = append(outputs, me.Output)
		}
	}
	for _, p := range m.Pallets {
		for _, e := range p.Storage {
			outputs = append(outputs, e.Value)
		}
	}
	seed := func(rpc string, b []byte) {
		me, err := m.MethodByRPCName(rpc)
		if err != nil {
			f.Fatal(err)
		}
		for i, id := range outputs {
			if id == me.Output {
				f.Add(uint16(i), b)
				return
			}
		}
	}
	neurons := recordedHex(f, "metagraph", "state_call", neuronsLiteParams)
	state := recordedHex(f, "metagraph", "state_call", subnetStateParams)
	// A short valid list: the first two neurons.
	if me, err := m.MethodByRPCName("NeuronInfoRuntimeApi_get_neurons_lite"); err == nil {
		if v, err := m.Decode(me.Output, neurons); err == nil {
			two, err := m.Encode(me.Output, v.Items()[:2])
			if err != nil {
				f.Fatal(err)
			}
			seed("NeuronInfoRuntimeApi_get_neurons_lite", two)
		}
	}
	seed("NeuronInfoRuntimeApi_get_neurons_lite", neurons[:20000])
	seed("NeuronInfoRuntimeApi_get_neurons_lite", neurons)
	seed("SubnetInfoRuntimeApi_get_subnet_state", state)
	seed("SubnetInfoRuntimeApi_get_subnet_state", state[:5000])
	f.Add(uint16(0), []byte{0x03, 0, 0, 0, 0x40, 1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, sel uint16, b []byte) {
		id := outputs[int(sel)%len(outputs)]
		v, err := m.Decode(id, b)
		if err != nil {
			return
		}
		js := v.AppendJSON(nil)
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %.200s", js)
		}
		back, err := m.Encode(id, v)
		if err != nil {
			t.Fatalf("re-encode %s: %v", m.TypeName(id), err)
		}
		if !bytes.Equal(back, b) {
			// Only Option<Option<T>>-like nesting may lose information;
			// the re-encoded form must then be stable.
			v2, err := m.Decode(id, back)
			if err != nil || !v2.Equal(v) {
				t.Fatalf("%s: re-encoded %x from %x does not decode to the same value (%v)", m.TypeName(id), back, b, err)
			}
		}
	})
}

// FuzzSS58Decode checks that any address that decodes encodes back to
// itself.
func FuzzSS58Decode(f *testing.F) {
	f.Add(aliceSS58)
	f.Add("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5")
	f.Add("1")
	f.Fuzz(func(t *testing.T, s string) {
		pub, prefix, err := SS58Decode(s)
		if err != nil {
			return
		}
		if got := SS58Encode(pub, prefix); got != s {
			t.Fatalf("%q decodes to %x/%d which encodes to %q", s, pub, prefix, got)
		}
	})
}

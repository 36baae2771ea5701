package scale

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

func TestParseFinneyMetadata(t *testing.T) {
	tests := []struct {
		file    string
		version int
		apis    bool
	}{
		{testdata.MetadataV14, 14, false},
		{testdata.MetadataV15, 15, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := loadMeta(t, tt.file)
			if m.Version != tt.version {
				t.Errorf("version %d, want %d", m.Version, tt.version)
			}
			if len(m.Pallets) != 26 {
				t.Errorf("%d pallets, want 26", len(m.Pallets))
			}
			if m.SS58Prefix != 42 {
				t.Errorf("ss58 prefix %d, want 42", m.SS58Prefix)
			}
			if m.SpecName != "node-subtensor" || m.SpecVersion != 343 {
				t.Errorf("runtime %s/%d, want node-subtensor/343", m.SpecName, m.SpecVersion)
			}
			if m.Extrinsic.Version != 4 {
				t.Errorf("extrinsic version %d, want 4", m.Extrinsic.Version)
			}
			if len(m.Extrinsic.SignedExtensions) == 0 {
				t.Error("no signed extensions")
			}
			if got := len(m.APIs) > 0; got != tt.apis {
				t.Errorf("has runtime APIs = %v, want %v", got, tt.apis)
			}
			sys, err := m.Pallet("System")
			if err != nil || sys.Index != 0 || sys.StoragePrefix != "System" {
				t.Fatalf("System pallet: %+v, %v", sys, err)
			}
			st, err := m.Pallet("SubtensorModule")
			if err != nil || len(st.Storage) < 100 || st.CallType < 0 || st.EventType < 0 || st.ErrorType < 0 {
				t.Fatalf("SubtensorModule: %v", err)
			}
			if tt.version == 15 {
				oe := m.OuterEnums
				for _, id := range []int{oe.CallType, oe.EventType, oe.ErrorType} {
					if ty := m.Type(id); ty == nil || ty.Def != DefVariant {
						t.Errorf("outer enum type %d is not an enum", id)
					}
				}
				if got := m.TypeName(oe.CallType); got != "RuntimeCall" {
					t.Errorf("outer call enum %q, want RuntimeCall", got)
				}
				for _, id := range []int{m.Extrinsic.AddressType, m.Extrinsic.CallType, m.Extrinsic.SignatureType, m.Extrinsic.ExtraType} {
					if m.Type(id) == nil {
						t.Errorf("extrinsic type %d missing", id)
					}
				}
			} else if m.Type(m.Extrinsic.Type) == nil {
				t.Errorf("V14 extrinsic type %d missing", m.Extrinsic.Type)
			}
		})
	}
}

func TestParseInputForms(t *testing.T) {
	raw15 := testdata.Hex(t, testdata.MetadataV15)
	text15 := testdata.Read(t, testdata.MetadataV15)
	raw14 := testdata.Hex(t, testdata.MetadataV14)
	// The V15 file is Option<OpaqueMetadata>: 0x01, compact length, bytes.
	if raw15[0] != 1 {
		t.Fatalf("V15 file starts with 0x%02x, want Some", raw15[0])
	}
	n, k, err := DecodeCompact(raw15[1:])
	if err != nil || int(n) != len(raw15)-1-k {
		t.Fatalf("V15 compact length %d (%d bytes), file %d: %v", n, k, len(raw15), err)
	}
	bare15 := raw15[1+k:]
	if string(bare15[:4]) != "meta" || bare15[4] != 15 || string(raw14[:4]) != "meta" || raw14[4] != 14 {
		t.Fatal("unexpected metadata headers")
	}
	opaque := AppendCompact(nil, uint64(len(bare15)))
	opaque = append(opaque, bare15...)
	tests := []struct {
		name    string
		in      []byte
		version int
	}{
		{"raw meta V14", raw14, 14},
		{"raw meta V15", bare15, 15},
		{"Option<OpaqueMetadata>", raw15, 15},
		{"OpaqueMetadata", opaque, 15},
		{"0x hex text", text15, 15},
		{"hex text with newline", append([]byte("0x"+hex.EncodeToString(raw14)), '\n'), 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if m.Version != tt.version || len(m.Pallets) != 26 {
				t.Fatalf("version %d with %d pallets", m.Version, len(m.Pallets))
			}
		})
	}
	m, err := ParseHex(string(text15))
	if err != nil || m.Version != 15 {
		t.Fatalf("ParseHex: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	raw14 := testdata.Hex(t, testdata.MetadataV14)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"version 13", []byte("meta\x0d\x00"), "metadata version 13 is not supported (need 14 or 15)"},
		{"version 16", []byte("meta\x10"), "metadata version 16 is not supported (need 14 or 15)"},
		{"None", []byte{0}, "returned None"},
		{"no magic", []byte("hello world"), `does not start with the "meta" magic`},
		{"bad hex", []byte("0xzz"), "invalid hex"},
		{"empty", nil, "magic"},
		{"truncated", raw14[:len(raw14)/2], "metadata V14"},
		{"trailing bytes", append(bytes.Clone(raw14), 0), "1 bytes left over"},
		{"huge registry count", []byte("meta\x0e\xfe\xff\xff\xff"), "exceeds the remaining"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// Every prefix of the metadata fails cleanly.
	for n := 5; n < len(raw14); n += len(raw14) / 97 {
		if _, err := Parse(raw14[:n]); err == nil {
			t.Fatalf("prefix of %d bytes parsed", n)
		}
	}
}

// TestConstantsRoundTrip decodes every constant of both metadata versions
// and re-encodes it to the identical bytes.
func TestConstantsRoundTrip(t *testing.T) {
	bothMeta(t, func(t *testing.T, m *Metadata) {
		count := 0
		for _, p := range m.Pallets {
			for _, c := range p.Constants {
				t.Run(p.Name+"."+c.Name, func(t *testing.T) {
					v, err := c.Decode()
					if err != nil {
						t.Fatal(err)
					}
					back, err := m.Encode(c.Type, v)
					if err != nil {
						t.Fatalf("re-encode %s: %v", v, err)
					}
					if !bytes.Equal(back, c.Value) {
						t.Fatalf("re-encoded 0x%x, want 0x%x", back, c.Value)
					}
					if _, err := v.MarshalJSON(); err != nil {
						t.Fatal(err)
					}
				})
				count++
			}
		}
		if count < 50 {
			t.Fatalf("only %d constants", count)
		}
	})
}

// TestStorageDefaultsRoundTrip decodes every storage default (an
// Option<V> for Optional entries, a V for Default entries) and re-encodes it
// to the identical bytes.
func TestStorageDefaultsRoundTrip(t *testing.T) {
	bothMeta(t, func(t *testing.T, m *Metadata) {
		count := 0
		for _, p := range m.Pallets {
			for _, e := range p.Storage {
				t.Run(e.FullName(), func(t *testing.T) {
					v, err := e.DefaultValue()
					if err != nil {
						t.Fatal(err)
					}
					var back []byte
					if e.Modifier == Optional {
						back = []byte{0}
						if !v.IsNull() {
							back = []byte{1}
						}
						if !v.IsNull() {
							back, err = m.AppendEncode(back, e.Value, v)
						}
					} else {
						back, err = m.Encode(e.Value, v)
					}
					if err != nil {
						t.Fatalf("re-encode: %v", err)
					}
					if !bytes.Equal(back, e.Default) {
						t.Fatalf("re-encoded 0x%x, want 0x%x", back, e.Default)
					}
				})
				count++
			}
		}
		if count < 200 {
			t.Fatalf("only %d storage items", count)
		}
	})
}

func TestStorageEntryShapes(t *testing.T) {
	bothMeta(t, func(t *testing.T, m *Metadata) {
		tests := []struct {
			pallet, item string
			hashers      []Hasher
			keys         []string
			value        string
			mod          StorageModifier
		}{
			{"SubtensorModule", "Tempo", []Hasher{Identity}, []string{"u16"}, "u16", Default},
			{"System", "Account", []Hasher{Blake2_128Concat}, []string{"AccountId32"}, "AccountInfo<u32, AccountData<u64>>", Default},
			{"System", "Number", nil, nil, "u32", Default},
			{"SubtensorModule", "Uids", []Hasher{Identity, Blake2_128Concat}, []string{"u16", "AccountId32"}, "u16", Optional},
		}
		for _, tt := range tests {
			e, err := m.Storage(tt.pallet, tt.item)
			if err != nil {
				t.Fatal(err)
			}
			if e.Modifier != tt.mod {
				t.Errorf("%s modifier %s, want %s", e.FullName(), e.Modifier, tt.mod)
			}
			if len(e.Hashers) != len(tt.hashers) || len(e.KeyTypes) != len(tt.keys) {
				t.Fatalf("%s hashers %v keys %v", e.FullName(), e.Hashers, e.KeyTypes)
			}
			for i := range tt.hashers {
				if e.Hashers[i] != tt.hashers[i] || m.TypeName(e.KeyTypes[i]) != tt.keys[i] {
					t.Errorf("%s key %d: %s %s, want %s %s", e.FullName(), i, e.Hashers[i], m.TypeName(e.KeyTypes[i]), tt.hashers[i], tt.keys[i])
				}
			}
			if got := m.TypeName(e.Value); got != tt.value {
				t.Errorf("%s value %s, want %s", e.FullName(), got, tt.value)
			}
		}
	})
}

func TestLookupErrors(t *testing.T) {
	m15, m14 := metaV15(t), metaV14(t)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"pallet case", second(m15.Pallet("system")), "pallet system not found (did you mean System?)"},
		{"storage typo", second(m15.Storage("SubtensorModule", "Tempoo")), "storage item Tempoo not found in pallet SubtensorModule (did you mean Tempo"},
		{"constant", second(m15.Constant("System", "SS58Prefx")), "did you mean SS58Prefix"},
		{"api", second(m15.RuntimeAPI("NeuronInfoRuntimeAPI")), "did you mean NeuronInfoRuntimeApi"},
		{"method", second(m15.Method("NeuronInfoRuntimeApi", "get_neurons_lit")), "method get_neurons_lit not found in runtime API NeuronInfoRuntimeApi (did you mean get_neurons_lite"},
		{"v14 api", second(m14.Method("NeuronInfoRuntimeApi", "get_neurons_lite")), "metadata V14 has no runtime API descriptions"},
		{"rpc name", second(m15.MethodByRPCName("NeuronInfoRuntimeApi_get_neuronslite")), "did you mean NeuronInfoRuntimeApi_get_neurons_lite"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, tt.err, tt.want)
		}
	}
	me, err := m15.MethodByRPCName("NeuronInfoRuntimeApi_get_neurons_lite")
	if err != nil || me.API != "NeuronInfoRuntimeApi" || me.Name != "get_neurons_lite" || me.RPCName() != "NeuronInfoRuntimeApi_get_neurons_lite" {
		t.Fatalf("MethodByRPCName: %+v %v", me, err)
	}
	if len(me.Inputs) != 1 || me.Inputs[0].Name != "netuid" || m15.TypeName(me.Inputs[0].Type) != "u16" {
		t.Fatalf("inputs %+v", me.Inputs)
	}
	if got := m15.TypeName(me.Output); got != "Vec<NeuronInfoLite<AccountId32>>" {
		t.Fatalf("output %s", got)
	}
	argErrs := []struct {
		args []any
		want string
	}{
		{[]any{-1}, "NeuronInfoRuntimeApi_get_neurons_lite: netuid: want u16, got -1"},
		{[]any{70000}, "netuid: value 70000 overflows u16"},
		{nil, "NeuronInfoRuntimeApi_get_neurons_lite takes 1 arguments (netuid: u16), got 0"},
	}
	for _, a := range argErrs {
		if _, err := me.EncodeArgs(a.args...); err == nil || !strings.Contains(err.Error(), a.want) {
			t.Errorf("EncodeArgs(%v): %v, want %q", a.args, err, a.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

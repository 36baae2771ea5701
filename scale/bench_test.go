package scale

import (
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

func benchParse(b *testing.B, name string) {
	raw := testdata.Hex(b, name)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMetadataV14(b *testing.B) { benchParse(b, testdata.MetadataV14) }
func BenchmarkParseMetadataV15(b *testing.B) { benchParse(b, testdata.MetadataV15) }

func benchDecode(b *testing.B, params, rpc string, toJSON bool) {
	m := metaV15(b)
	raw := recordedHex(b, "metagraph", "state_call", params)
	me, err := m.MethodByRPCName(rpc)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		v, err := m.Decode(me.Output, raw)
		if err != nil {
			b.Fatal(err)
		}
		if toJSON {
			buf = v.AppendJSON(buf[:0])
		}
	}
}

func BenchmarkDecodeNeuronsLite(b *testing.B) {
	benchDecode(b, neuronsLiteParams, "NeuronInfoRuntimeApi_get_neurons_lite", false)
}

func BenchmarkDecodeSubnetState(b *testing.B) {
	benchDecode(b, subnetStateParams, "SubnetInfoRuntimeApi_get_subnet_state", false)
}

func BenchmarkDecodeNeuronsLiteJSON(b *testing.B) {
	benchDecode(b, neuronsLiteParams, "NeuronInfoRuntimeApi_get_neurons_lite", true)
}

func BenchmarkDecodeSubnetStateJSON(b *testing.B) {
	benchDecode(b, subnetStateParams, "SubnetInfoRuntimeApi_get_subnet_state", true)
}

// BenchmarkDecodeAccountInfo decodes one small value, the recorded
// System.Account of the get_balance test: a gather of balance reads
// decodes a thousand of these.
func BenchmarkDecodeAccountInfo(b *testing.B) {
	m := metaV15(b)
	raw := recordedHex(b, "get_balance", "state_getStorageAt", accountParams)
	e, err := m.Storage("System", "Account")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.DecodeValue(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeNeuronsLite(b *testing.B) {
	m := metaV15(b)
	raw := recordedHex(b, "metagraph", "state_call", neuronsLiteParams)
	me, _ := m.MethodByRPCName("NeuronInfoRuntimeApi_get_neurons_lite")
	v, err := m.Decode(me.Output, raw)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		if buf, err = m.AppendEncode(buf[:0], me.Output, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSS58Encode(b *testing.B) {
	pub := make([]byte, 32)
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = appendSS58(buf[:0], pub, 42)
	}
}

func BenchmarkSS58Decode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := SS58Decode(aliceSS58); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStorageKey(b *testing.B) {
	m := metaV15(b)
	e, _ := m.Storage("SubtensorModule", "Uids")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Key(1, aliceSS58); err != nil {
			b.Fatal(err)
		}
	}
}

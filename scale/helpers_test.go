package scale

import (
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

var (
	metaMu    sync.Mutex
	metaCache = map[string]*Metadata{}
)

// loadMeta parses one of the finney metadata files once per test binary.
func loadMeta(tb testing.TB, name string) *Metadata {
	tb.Helper()
	b := testdata.Hex(tb, name)
	metaMu.Lock()
	defer metaMu.Unlock()
	if m, ok := metaCache[name]; ok {
		return m
	}
	m, err := Parse(b)
	if err != nil {
		tb.Fatalf("parse %s: %v", name, err)
	}
	metaCache[name] = m
	return m
}

func metaV14(tb testing.TB) *Metadata { return loadMeta(tb, testdata.MetadataV14) }
func metaV15(tb testing.TB) *Metadata { return loadMeta(tb, testdata.MetadataV15) }

// bothMeta runs f for the V14 and V15 metadata.
func bothMeta(t *testing.T, f func(t *testing.T, m *Metadata)) {
	for _, name := range []string{testdata.MetadataV14, testdata.MetadataV15} {
		t.Run(strings.TrimSuffix(name, ".hex"), func(t *testing.T) { f(t, loadMeta(t, name)) })
	}
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

const (
	neuronsLiteParams = `["NeuronInfoRuntimeApi_get_neurons_lite", "0100", "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"]`
	subnetStateParams = `["SubnetInfoRuntimeApi_get_subnet_state", "0100", "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"]`
	accountParams     = `["0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da911b12ddffa80cb6f18baa803af02c1d71257de87a71abb164403f7cb9ea65d0721f8bb89d8bd85754deceedd91e86053", "0x1b3f85dc8c83cada6d1782c955973a509a37c62af3d6ba29f5fd816aee37eb3b"]`
)

// recordedHex returns the bytes of a recorded hex-string result.
func recordedHex(tb testing.TB, test, method, params string) []byte {
	tb.Helper()
	raw := testdata.Recorded(tb).Result(tb, test, method, params)
	s := strings.Trim(string(raw), `"`)
	return mustHex(tb, s)
}

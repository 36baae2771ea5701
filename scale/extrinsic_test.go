package scale

import (
	"bytes"
	"strings"
	"testing"
)

func TestDecodeExtrinsic(t *testing.T) {
	bothMeta(t, func(t *testing.T, m *Metadata) {
		addrT, callT, sigT, extraT, err := m.extrinsicTypes()
		if err != nil {
			t.Fatal(err)
		}
		// Timestamp.set(now) as the block author's inherent: pallet index
		// 2, call index 0, Compact<u64> now.
		call := []byte{2, 0}
		call = AppendCompact(call, 1700000000000)
		unsigned := AppendCompact(nil, uint64(1+len(call)))
		unsigned = append(append(unsigned, 0x04), call...)
		x, err := m.DecodeExtrinsic(unsigned)
		if err != nil {
			t.Fatal(err)
		}
		if x.Signed || x.Version != 4 || x.Call.String() != `{"Timestamp":{"set":{"now":1700000000000}}}` {
			t.Fatalf("unsigned: %+v %s", x, x.Call)
		}
		// A signed transfer from Alice with all-zero signature and the
		// shortest signed extension data (all zero bytes decode to the
		// first variant, zero or None).
		addr, err := m.Encode(addrT, map[string]any{"Id": aliceSS58})
		if err != nil {
			t.Fatal(err)
		}
		sig, err := m.Encode(sigT, map[string]any{"Sr25519": make([]byte, 64)})
		if err != nil {
			t.Fatal(err)
		}
		_, extraLen, err := m.DecodePrefix(extraT, make([]byte, 64))
		if err != nil {
			t.Fatal(err)
		}
		transfer, err := m.Encode(callT, map[string]any{"Balances": map[string]any{
			"transfer_keep_alive": map[string]any{"dest": map[string]any{"Id": aliceSS58}, "value": "1000000000"}}})
		if err != nil {
			t.Fatal(err)
		}
		body := append([]byte{0x84}, addr...)
		body = append(append(append(body, sig...), make([]byte, extraLen)...), transfer...)
		signed := append(AppendCompact(nil, uint64(len(body))), body...)
		x, err = m.DecodeExtrinsic(signed)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"Balances":{"transfer_keep_alive":{"dest":{"Id":"` + aliceSS58 + `"},"value":1000000000}}}`
		if !x.Signed || x.Address.String() != `{"Id":"`+aliceSS58+`"}` || x.Call.String() != want || x.Extra.Kind() != KindSeq {
			t.Fatalf("signed: %s %s %s", x.Address, x.Call, x.Extra)
		}
		for _, bad := range [][]byte{unsigned[:len(unsigned)-1], append(bytes.Clone(unsigned), 0), {0x04, 0x05}} {
			if _, err := m.DecodeExtrinsic(bad); err == nil || !strings.Contains(err.Error(), "extrinsic") {
				t.Errorf("%x: %v", bad, err)
			}
		}
	})
}

package scale

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

// responses returns every answer recorded for one request (several when
// the recording cycles through answers).
func responses(t *testing.T, raw json.RawMessage) []json.RawMessage {
	t.Helper()
	var r struct {
		Result json.RawMessage   `json:"result"`
		Error  json.RawMessage   `json:"error"`
		Cycle  []json.RawMessage `json:"cycle"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Cycle) > 0 {
		var out []json.RawMessage
		for _, c := range r.Cycle {
			out = append(out, responses(t, c)...)
		}
		return out
	}
	if r.Error != nil {
		return nil
	}
	return []json.RawMessage{r.Result}
}

// specVersions maps each recorded test to its runtime spec versions.
func specVersions(t *testing.T, rec testdata.Recording) map[string]map[float64]bool {
	out := map[string]map[float64]bool{}
	for test, methods := range rec {
		out[test] = map[float64]bool{}
		for _, raw := range methods["state_getRuntimeVersion"] {
			for _, res := range responses(t, raw) {
				var rv struct {
					SpecVersion float64 `json:"specVersion"`
				}
				if json.Unmarshal(res, &rv) == nil {
					out[test][rv.SpecVersion] = true
				}
			}
		}
	}
	return out
}

func hexOrNil(t *testing.T, res json.RawMessage) []byte {
	t.Helper()
	if string(res) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(res, &s); err != nil {
		t.Fatalf("result %s is not a hex string", res)
	}
	return mustHex(t, s)
}

// TestRecordedStorage decodes every recorded storage read: the item is
// found by matching the key's twox128 prefixes against the metadata, the
// map keys are recovered from the key and the value (or the default for
// null) is decoded strictly. Runtimes other than spec 343 are included:
// the items they read kept their types.
func TestRecordedStorage(t *testing.T) {
	m := metaV15(t)
	rec := testdata.Recorded(t)
	specs := specVersions(t, rec)
	decoded, decoded343 := 0, 0
	for test, methods := range rec {
		for params, raw := range methods["state_getStorageAt"] {
			var ps []json.RawMessage
			if err := json.Unmarshal([]byte(params), &ps); err != nil || len(ps) == 0 {
				t.Fatalf("%s: params %s", test, params)
			}
			var keyHex string
			json.Unmarshal(ps[0], &keyHex)
			key := mustHex(t, keyHex)
			e, ok := m.StorageByKey(key)
			if !ok {
				t.Errorf("%s: key %s matches no storage item", test, keyHex)
				continue
			}
			keys, err := e.DecodeKey(key)
			if err != nil {
				t.Errorf("%s %s: %v", test, e.FullName(), err)
				continue
			}
			// Re-deriving the key from the decoded parameters gives it back.
			args := make([]any, len(keys))
			for i, k := range keys {
				args[i] = k
			}
			if back, err := e.Key(args...); err != nil || !bytes.Equal(back, key) {
				t.Errorf("%s %s: key from %v = %x, %v; want %x", test, e.FullName(), keys, back, err, key)
			}
			for _, res := range responses(t, raw) {
				v, err := e.DecodeValue(hexOrNil(t, res))
				if err != nil {
					t.Errorf("%s (spec %v) %s: %v", test, specs[test], e.FullName(), err)
					continue
				}
				decoded++
				if specs[test][343] {
					decoded343++
				}
				t.Logf("%s %s%v = %.200s", test, e.FullName(), keys, v)
			}
		}
	}
	if decoded < 25 || decoded343 < 2 {
		t.Fatalf("decoded %d storage values (%d of spec 343)", decoded, decoded343)
	}
}

func TestRecordedTempo(t *testing.T) {
	m := metaV15(t)
	key := mustHex(t, "0x658faa385070e074c85bf6b568cf05557641384bb339f3758acddfd7053d33171700")
	e, ok := m.StorageByKey(key)
	if !ok || e.FullName() != "SubtensorModule.Tempo" {
		t.Fatalf("key is %v", e)
	}
	keys, err := e.DecodeKey(key)
	if err != nil || len(keys) != 1 {
		t.Fatal(keys, err)
	}
	// The key ends in the Identity-hashed u16 0x1700 = 23.
	if n, _ := keys[0].Uint(); n != 23 {
		t.Fatalf("netuid %v, want 23", keys[0])
	}
	raw := recordedHex(t, "tempo", "state_getStorageAt",
		`["0x658faa385070e074c85bf6b568cf05557641384bb339f3758acddfd7053d33171700", "0x03a008636efbe7706f79f2c7d7d4e85ff26a3e67922e5fefab71e7f6d9dab43d"]`)
	v, err := e.DecodeValue(raw)
	if err != nil {
		t.Fatal(err)
	}
	// 0xe803 little-endian is 0x03e8 = 1000.
	if x, ok := v.Uint(); !ok || x != 1000 || v.Bits() != 16 {
		t.Fatalf("tempo %v (bits %d), want u16 1000", v, v.Bits())
	}
	// The metagraph test read two absent keys: null gives the default.
	for _, item := range []string{"SubnetIdentitiesV3", "SubnetOwnerHotkey"} {
		e, err := m.Storage("SubtensorModule", item)
		if err != nil {
			continue
		}
		if _, err := e.DecodeValue(nil); err != nil {
			t.Errorf("%s default: %v", item, err)
		}
	}
}

func TestRecordedRuntimeCalls(t *testing.T) {
	m := metaV15(t)
	rec := testdata.Recorded(t)
	specs := specVersions(t, rec)
	n := 0
	for test, methods := range rec {
		if !specs[test][343] {
			continue
		}
		for params, raw := range methods["state_call"] {
			var ps []string
			if err := json.Unmarshal([]byte(params), &ps); err != nil {
				t.Fatal(err)
			}
			me, err := m.MethodByRPCName(ps[0])
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range responses(t, raw) {
				v, err := me.DecodeOutput(hexOrNil(t, res))
				if err != nil {
					t.Errorf("%s %s: %v", test, ps[0], err)
					continue
				}
				if v.IsNull() {
					t.Errorf("%s %s: decoded to null", test, ps[0])
				}
				n++
			}
		}
	}
	if n != 3 {
		t.Fatalf("decoded %d runtime API results of spec 343, want 3", n)
	}
}

func TestNeuronsLiteValues(t *testing.T) {
	m := metaV15(t)
	raw := recordedHex(t, "metagraph", "state_call", neuronsLiteParams)
	// By hand: 0x01 0x10 is the two-byte compact (0x1001>>2) = 1024; the
	// first neuron's hotkey is bytes 2..34 and coldkey 34..66; then
	// uid Compact 0x00 = 0, netuid Compact 0x04 = 1, active 0x00, and the
	// axon's block u64 at 69..77.
	if raw[0] != 0x01 || raw[1] != 0x10 || raw[66] != 0x00 || raw[67] != 0x04 || raw[68] != 0x00 {
		t.Fatalf("unexpected raw header % x", raw[:70])
	}
	axonBlock := binary.LittleEndian.Uint64(raw[69:77])
	if axonBlock != 6575906 {
		t.Fatalf("raw axon block %d", axonBlock)
	}
	me, err := m.Method("NeuronInfoRuntimeApi", "get_neurons_lite")
	if err != nil {
		t.Fatal(err)
	}
	arg, err := me.EncodeArgs(1)
	if err != nil || !bytes.Equal(arg, []byte{1, 0}) {
		t.Fatalf("args %x %v, want 0100", arg, err)
	}
	v, err := me.DecodeOutput(raw)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind() != KindSeq || v.Len() != 1024 {
		t.Fatalf("%s of %d items, want 1024 neurons", v.Kind(), v.Len())
	}
	for i, n := range v.Items() {
		uid, _ := n.Field("uid")
		netuid, _ := n.Field("netuid")
		if u, ok := uid.Uint(); !ok || u != uint64(i) {
			t.Fatalf("neuron %d has uid %v", i, uid)
		}
		if u, ok := netuid.Uint(); !ok || u != 1 || netuid.Bits() != 16 {
			t.Fatalf("neuron %d has netuid %v", i, netuid)
		}
		for _, f := range []string{"hotkey", "coldkey"} {
			k, _ := n.Field(f)
			if k.Kind() != KindAccount || len(k.Bytes()) != 32 {
				t.Fatalf("neuron %d %s is %s", i, f, k.Kind())
			}
			pub, prefix, err := SS58Decode(k.String())
			if err != nil || prefix != 42 || !bytes.Equal(pub, k.Bytes()) {
				t.Fatalf("neuron %d %s %s: %v", i, f, k, err)
			}
		}
	}
	first := v.Index(0)
	hk, _ := first.Field("hotkey")
	ck, _ := first.Field("coldkey")
	if !bytes.Equal(hk.Bytes(), raw[2:34]) || !bytes.Equal(ck.Bytes(), raw[34:66]) {
		t.Fatal("first neuron keys differ from the raw bytes")
	}
	axon, _ := first.Field("axon_info")
	blk, _ := axon.Field("block")
	if x, _ := blk.Uint(); x != axonBlock {
		t.Fatalf("axon block %v, want %d", blk, axonBlock)
	}
	if active, _ := first.Field("active"); active.Kind() != KindBool {
		t.Fatalf("active is %s", active.Kind())
	}
	ip, _ := axon.Field("ip")
	if ip.Bits() != 128 || !ip.IsInteger() {
		t.Fatalf("axon ip %v bits %d", ip, ip.Bits())
	}
	// The JSON form parses and keeps the 1024 entries.
	var out []map[string]json.RawMessage
	if err := json.Unmarshal(v.AppendJSON(nil), &out); err != nil || len(out) != 1024 {
		t.Fatalf("json: %d entries, %v", len(out), err)
	}
	if string(out[0]["hotkey"]) != `"`+hk.String()+`"` || string(out[5]["uid"]) != "5" {
		t.Fatalf("json entry 0: %s %s", out[0]["hotkey"], out[5]["uid"])
	}
	// Decode → encode gives the same bytes.
	back, err := m.Encode(me.Output, v)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("re-encode: %d bytes, %v", len(back), err)
	}
}

func TestSubnetStateValues(t *testing.T) {
	m := metaV15(t)
	raw := recordedHex(t, "metagraph", "state_call", subnetStateParams)
	// By hand: 0x01 Some, 0x04 = Compact 1 (netuid), 0x01 0x10 = 1024
	// hotkeys, the first one at bytes 4..36.
	if raw[0] != 1 || raw[1] != 4 || raw[2] != 0x01 || raw[3] != 0x10 {
		t.Fatalf("unexpected raw header % x", raw[:8])
	}
	me, err := m.MethodByRPCName("SubnetInfoRuntimeApi_get_subnet_state")
	if err != nil {
		t.Fatal(err)
	}
	v, err := me.DecodeOutput(raw)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind() != KindComposite {
		t.Fatalf("Option<SubnetState> decoded to %s, want the composite itself", v.Kind())
	}
	netuid, _ := v.Field("netuid")
	hotkeys, _ := v.Field("hotkeys")
	coldkeys, _ := v.Field("coldkeys")
	if x, _ := netuid.Uint(); x != 1 || hotkeys.Len() != 1024 || coldkeys.Len() != 1024 {
		t.Fatalf("netuid %v, %d hotkeys, %d coldkeys", netuid, hotkeys.Len(), coldkeys.Len())
	}
	if !bytes.Equal(hotkeys.Index(0).Bytes(), raw[4:36]) {
		t.Fatal("first hotkey differs from the raw bytes")
	}
	// The same block's neuron list has the same hotkeys in uid order.
	neurons, err := m.Decode(mustMethod(t, m, "NeuronInfoRuntimeApi_get_neurons_lite").Output,
		recordedHex(t, "metagraph", "state_call", neuronsLiteParams))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1024 {
		hk, _ := neurons.Index(i).Field("hotkey")
		if !hk.Equal(hotkeys.Index(i)) {
			t.Fatalf("hotkey %d differs between get_subnet_state and get_neurons_lite", i)
		}
	}
	back, err := m.Encode(me.Output, v)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("re-encode: %d bytes, %v", len(back), err)
	}
}

func mustMethod(t *testing.T, m *Metadata, rpc string) *RuntimeMethod {
	t.Helper()
	me, err := m.MethodByRPCName(rpc)
	if err != nil {
		t.Fatal(err)
	}
	return me
}

// TestStrictOldRuntime reads the spec-208 get_neurons_lite answer with the
// spec-343 types: the layout changed, so strict decoding must fail and say
// where.
func TestStrictOldRuntime(t *testing.T) {
	m := metaV15(t)
	raw := recordedHex(t, "neurons_lite", "state_call", `["NeuronInfoRuntimeApi_get_neurons_lite", "0x1700"]`)
	// 0x35 0x36: low bits 01 make a two-byte compact, 0x3635>>2 = 3469 =
	// the bytes that follow: the old runtime returned a Vec<u8> holding
	// the encoding, not a Vec<NeuronInfoLite>.
	if raw[0]&3 != 1 || int(binary.LittleEndian.Uint16(raw)>>2) != len(raw)-2 {
		t.Fatalf("unexpected header % x (%d bytes)", raw[:2], len(raw))
	}
	me := mustMethod(t, m, "NeuronInfoRuntimeApi_get_neurons_lite")
	_, err := m.Decode(me.Output, raw)
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("decoded the spec-208 answer with spec-343 types (err %v)", err)
	}
	// 3469 neurons of at least 143 bytes cannot fit in 3469 bytes: the
	// length prefix at offset 0 is rejected before any allocation.
	if !strings.HasPrefix(de.Root, "Vec<NeuronInfoLite") || de.Offset != 0 || !strings.Contains(de.Msg, "length prefix 3469") {
		t.Fatalf("error %+v", de)
	}
	msg := err.Error()
	if !strings.Contains(msg, "Vec<NeuronInfoLite") || !strings.Contains(msg, "byte offset 0") {
		t.Fatalf("message %q does not name the type and offset", msg)
	}
	t.Log(msg)
	// Read as the old Vec<u8>, the inner bytes are 19 neurons (0x4c is the
	// one-byte compact 19) whose layout is still NeuronInfoLite.
	inner := raw[2:]
	if inner[0] != 0x4c {
		t.Fatalf("inner header 0x%02x", inner[0])
	}
	v, err := m.Decode(me.Output, inner)
	if err != nil || v.Len() != 19 {
		t.Fatalf("inner neurons: %d, %v", v.Len(), err)
	}
	for i, n := range v.Items() {
		netuid, _ := n.Field("netuid")
		if x, _ := netuid.Uint(); x != 23 {
			t.Fatalf("inner neuron %d netuid %v, want 23", i, netuid)
		}
	}
}

func TestDecodeErrorsPointAtTheFailure(t *testing.T) {
	m := metaV15(t)
	raw := recordedHex(t, "metagraph", "state_call", neuronsLiteParams)
	out := mustMethod(t, m, "NeuronInfoRuntimeApi_get_neurons_lite").Output

	badBool := bytes.Clone(raw)
	badBool[68] = 2                                    // neuron 0 "active" (see TestNeuronsLiteValues)
	huge := []byte{0x03, 0, 0, 0, 0x40, 1, 2, 3, 4, 5} // Compact 2^30, then 5 bytes

	tests := []struct {
		name   string
		in     []byte
		path   string
		offset int
		msg    string
	}{
		{"invalid bool", badBool, "[0].active", 68, "invalid bool byte 0x02"},
		// One neuron, cut at 151 bytes: its stake list starts at
		// 1 + 32 + 32 + 1 + 1 + 1 (keys, uid, netuid, active)
		// + 34 (axon: 8+4+16+2+1+1+1+1) + 31 (prometheus: 8+4+16+2+1) = 133.
		{"truncated in the first neuron", append([]byte{0x04}, raw[2:2+150]...), "[0].stake", 133, "length prefix 1 needs at least 33 bytes per item but only 17 bytes are left"},
		{"truncated", raw[:len(raw)-1], "[1023]", -1, "unexpected end of input"},
		{"leftover", append(bytes.Clone(raw), 0), "", len(raw), "1 bytes left over"},
		{"huge length", huge, "", 0, "length prefix 1073741824"},
		{"empty", nil, "", 0, "unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Decode(out, tt.in)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %v", err)
			}
			if !strings.HasPrefix(de.Path, tt.path) || (tt.offset >= 0 && de.Offset != tt.offset) || !strings.Contains(de.Msg, tt.msg) {
				t.Fatalf("got path %q offset %d msg %q; want %q %d %q", de.Path, de.Offset, de.Msg, tt.path, tt.offset, tt.msg)
			}
			if !strings.Contains(err.Error(), "Vec<NeuronInfoLite<AccountId32>>") {
				t.Fatalf("message %q does not name the type", err)
			}
		})
	}
	allocs := testing.AllocsPerRun(20, func() { m.Decode(out, huge) })
	if allocs > 8 {
		t.Fatalf("rejecting a huge length prefix took %v allocations", allocs)
	}
}

// TestRecordedPagedMaps recovers the map keys of every recorded
// state_getKeysPaged answer and decodes every state_queryStorageAt value.
func TestRecordedPagedMaps(t *testing.T) {
	m := metaV15(t)
	rec := testdata.Recorded(t)
	keys, values := 0, 0
	for test, methods := range rec {
		for _, raw := range methods["state_getKeysPaged"] {
			for _, res := range responses(t, raw) {
				var ks []string
				if err := json.Unmarshal(res, &ks); err != nil {
					t.Fatal(err)
				}
				for _, k := range ks {
					key := mustHex(t, k)
					e, ok := m.StorageByKey(key)
					if !ok {
						t.Errorf("%s: key %s matches no storage item", test, k)
						continue
					}
					if _, err := e.DecodeKey(key); err != nil {
						t.Errorf("%s: %v", test, err)
					}
					keys++
				}
			}
		}
		for _, raw := range methods["state_queryStorageAt"] {
			for _, res := range responses(t, raw) {
				var sets []struct {
					Changes [][2]*string `json:"changes"`
				}
				if err := json.Unmarshal(res, &sets); err != nil {
					t.Fatal(err)
				}
				for _, s := range sets {
					for _, ch := range s.Changes {
						key := mustHex(t, *ch[0])
						e, ok := m.StorageByKey(key)
						if !ok {
							t.Errorf("%s: key %s matches no storage item", test, *ch[0])
							continue
						}
						var val []byte
						if ch[1] != nil {
							val = mustHex(t, *ch[1])
						}
						if _, err := e.DecodeValue(val); err != nil {
							t.Errorf("%s: %v", test, err)
						}
						values++
					}
				}
			}
		}
	}
	if keys < 100 || values < 100 {
		t.Fatalf("only %d keys and %d values", keys, values)
	}
}

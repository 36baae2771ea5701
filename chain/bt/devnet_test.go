package bt

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/devnettest"
	"github.com/btscript/btscript/scale"
)

const (
	alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	bob   = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
)

// plant218 is the state the spec-218 tests plant: a subnet 3 with tempo 99,
// and bob as a delegate (take 11796) owned by alice, who stakes 5000 on him.
var plant218 = map[string]any{
	"SubtensorModule": map[string]any{
		"NetworksAdded": []any{[]any{[]any{3}, true}},
		"Tempo":         []any{[]any{[]any{3}, 99}},
		"Delegates":     []any{[]any{[]any{bob}, 11796}},
		"Owner":         []any{[]any{[]any{bob}, alice}},
		"Stake":         []any{[]any{[]any{bob, alice}, 5000}},
		// alice's alpha on bob in subnet 1: all of bob's shares.
		"StakingHotkeys":    []any{[]any{[]any{alice}, []any{bob}}},
		"Alpha":             []any{[]any{[]any{bob, alice, 1}, 5000000}},
		"TotalHotkeyShares": []any{[]any{[]any{bob, 1}, 5000000}},
		"TotalHotkeyAlpha":  []any{[]any{[]any{bob, 1}, 123456789}},
	},
}

// TestSpec218Table decodes the real answers of the spec-218 runtime under
// Chopsticks with the type table: every method of the table, every byte
// consumed, and the value encodes back to the very same bytes.
func TestSpec218Table(t *testing.T) {
	n := devnettest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := n.Call(ctx, nil, "dev_setStorage", plant218); err != nil {
		t.Fatal(err)
	}
	c, _ := chaintest.Dial(t, n.URL, chain.Options{NoDiskCache: true})
	md, err := c.Metadata(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	rv, err := c.RuntimeVersion(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if rv.SpecName != spec218.SpecName || rv.SpecVersion != 218 {
		t.Fatalf("devnet runs %s %d", rv.SpecName, rv.SpecVersion)
	}
	var exprs []string
	for _, o := range spec218.Outputs {
		exprs = append(exprs, o.Type)
	}
	x, err := md.Extend(spec218.Structs, exprs...)
	if err != nil {
		t.Fatal(err)
	}

	calls := []struct {
		method string
		args   []any
		empty  bool                              // the runtime answers no bytes
		check  func(t *testing.T, v scale.Value) // on the decoded answer
	}{
		{method: "NeuronInfoRuntimeApi_get_neurons_lite", args: []any{uint16(1)}, check: func(t *testing.T, v scale.Value) {
			if v.Len() != 1 {
				t.Fatalf("%d neurons", v.Len())
			}
		}},
		{method: "NeuronInfoRuntimeApi_get_neurons", args: []any{uint16(1)}},
		{method: "NeuronInfoRuntimeApi_get_neuron", args: []any{uint16(1), uint16(0)}},
		{method: "NeuronInfoRuntimeApi_get_neuron", args: []any{uint16(1), uint16(5)}, empty: true},
		{method: "NeuronInfoRuntimeApi_get_neuron_lite", args: []any{uint16(1), uint16(0)}},
		{method: "SubnetInfoRuntimeApi_get_subnet_info", args: []any{uint16(3)}, check: func(t *testing.T, v scale.Value) {
			if f, _ := v.Field("tempo"); f.String() != "99" {
				t.Fatalf("tempo %s", f)
			}
		}},
		{method: "SubnetInfoRuntimeApi_get_subnet_info", args: []any{uint16(9)}, empty: true},
		{method: "SubnetInfoRuntimeApi_get_subnets_info", check: func(t *testing.T, v scale.Value) {
			var got []string
			for _, s := range v.Items() {
				if !s.IsNull() {
					f, _ := s.Field("netuid")
					got = append(got, f.String())
				}
			}
			if strings.Join(got, ",") != "0,1,3" {
				t.Fatalf("netuids %v", got)
			}
		}},
		{method: "SubnetInfoRuntimeApi_get_subnet_hyperparams", args: []any{uint16(1)}},
		{method: "SubnetInfoRuntimeApi_get_subnet_hyperparams", args: []any{uint16(9)}, empty: true},
		{method: "DelegateInfoRuntimeApi_get_delegates", check: func(t *testing.T, v scale.Value) {
			want := `[{"delegate_ss58":"` + bob + `","take":11796,"nominators":[["` + alice + `",5000]],"owner_ss58":"` + alice +
				`","registrations":[],"validator_permits":[],"return_per_1000":0,"total_daily_return":0}]`
			if got := string(v.AppendJSON(nil)); got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		}},
		{method: "DelegateInfoRuntimeApi_get_delegate", args: []any{pubOf(bob)}},
		{method: "DelegateInfoRuntimeApi_get_delegate", args: []any{pubOf(alice)}, empty: true},
		{method: "DelegateInfoRuntimeApi_get_delegated", args: []any{pubOf(alice)}},
		{method: "StakeInfoRuntimeApi_get_stake_info_for_coldkey", args: []any{pubOf(alice)}, check: func(t *testing.T, v scale.Value) {
			// The runtime lists bob on every subnet; on subnet 1 alice holds
			// all of bob's shares, so nearly all of his alpha (the runtime's
			// fixed-point share arithmetic may round down by a unit).
			for _, it := range v.Items() {
				hk, _ := it.Field("hotkey")
				ck, _ := it.Field("coldkey")
				nu, _ := it.Field("netuid")
				st, _ := it.Field("stake")
				if hk.String() != bob || ck.String() != alice {
					t.Fatalf("entry %s", it)
				}
				if x, _ := st.Uint(); nu.String() == "1" && (x < 123456789-1 || x > 123456789) {
					t.Fatalf("stake on subnet 1: %s", it)
				}
			}
			if v.Len() == 0 {
				t.Fatal("no stake listed")
			}
		}},
		{method: "StakeInfoRuntimeApi_get_stake_info_for_coldkeys", args: []any{[]any{pubOf(alice), pubOf(bob)}}},
	}
	covered := map[string]bool{}
	for _, tc := range calls {
		t.Run(tc.method, func(t *testing.T) {
			covered[tc.method] = true
			m, err := md.MethodByRPCName(tc.method)
			if err != nil {
				t.Fatal(err)
			}
			if !chain.UntypedOutput(md, m) || !chain.HasAPIType(rv.SpecName, rv.SpecVersion, m) {
				t.Fatalf("%s is not a bare Vec<u8> method covered by the table", tc.method)
			}
			in, err := m.EncodeArgs(tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := c.CallRaw(ctx, "", tc.method, in)
			if err != nil {
				t.Fatal(err)
			}
			outer, err := m.DecodeOutput(raw)
			if err != nil {
				t.Fatal(err)
			}
			inner := outer.Bytes()
			out := spec218.Outputs[tc.method]
			via, err := c.Call(ctx, "", m.API, m.Name, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.empty {
				if len(inner) != 0 || !out.EmptyIsNone || !via.IsNull() {
					t.Fatalf("answer %x, Call gave %s", inner, via)
				}
				return
			}
			v, err := x.Decode(out.Type, inner)
			if err != nil {
				t.Fatal(err)
			}
			id, _ := x.TypeID(out.Type)
			back, err := x.Metadata().Encode(id, v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, inner) {
				t.Fatalf("%s does not encode back to the runtime's bytes:\n got %x\nwant %x", out.Type, back, inner)
			}
			if !via.Equal(v) {
				t.Fatalf("Call gave %s, the table %s", via, v)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
			// One byte more or one less is refused, naming the offset.
			var de *scale.DecodeError
			if _, err := x.Decode(out.Type, append(slices.Clip(inner), 0)); !errors.As(err, &de) || !strings.Contains(err.Error(), "left over") {
				t.Fatalf("a byte more: %v", err)
			}
			if _, err := x.Decode(out.Type, inner[:len(inner)-1]); !errors.As(err, &de) || !strings.Contains(err.Error(), "byte offset") {
				t.Fatalf("a byte less: %v", err)
			}
		})
	}
	for name := range spec218.Outputs {
		if !covered[name] {
			t.Errorf("the table's %s is not checked against the runtime", name)
		}
	}

	t.Run("helpers", func(t *testing.T) {
		mg, err := Metagraph(ctx, c, "", 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		nl, err := NeuronsLite(ctx, c, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		hk, _ := nl.Index(0).Field("hotkey")
		if f, _ := mg.Field("num_uids"); f.String() != "1" {
			t.Fatalf("num_uids %s", f)
		}
		if f, _ := mg.Field("hotkeys"); f.Len() != 1 || !f.Index(0).Equal(hk) {
			t.Fatalf("hotkeys %s, neuron %s", f, hk)
		}
		if v, err := Metagraph(ctx, c, "", 9, 0); err != nil || !v.IsNull() {
			t.Fatalf("absent subnet: %s, %v", v, err)
		}
		// get_stake (no API of its own on spec 218) agrees with the list.
		list, err := GetStakeInfoForColdkey(ctx, c, "", alice)
		if err != nil {
			t.Fatal(err)
		}
		var want uint64
		for _, it := range list.Items() {
			if nu, _ := it.Field("netuid"); nu.String() == "1" {
				st, _ := it.Field("stake")
				want, _ = st.Uint()
			}
		}
		if b, err := GetStake(ctx, c, "", alice, bob, 1); err != nil || b.Amount != want || b.Netuid != 1 || want == 0 {
			t.Fatalf("get_stake %v, %v; the list says %d", b, err, want)
		}
		if b, err := GetStake(ctx, c, "", alice, alice, 1); err != nil || b != (Alpha{Netuid: 1}) {
			t.Fatalf("get_stake on a hotkey alice does not stake on: %v, %v", b, err)
		}
		// The typed results agree with the Values.
		infos, err := StakeInfoOf(ctx, c, "", alice)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != list.Len() {
			t.Fatalf("%d typed stake infos, %d in the list", len(infos), list.Len())
		}
		for _, si := range infos {
			if si.Coldkey.String() != alice || si.Stake.Netuid != si.Netuid {
				t.Fatalf("stake info %+v", si)
			}
			if si.Netuid == 1 && (si.Stake.Amount != want || si.Hotkey.String() != bob) {
				t.Fatalf("stake info on subnet 1: %+v, want %d on bob", si, want)
			}
		}
		// bob is a delegate (take 11796) owned by alice; alice is none.
		d, err := GetDelegateByHotkey(ctx, c, "", bob)
		if err != nil {
			t.Fatal(err)
		}
		if take, _ := d.Field("take"); take.String() != "11796" {
			t.Fatalf("get_delegate_by_hotkey(bob): %s", d)
		}
		dt, err := DelegateOf(ctx, c, "", bob)
		if err != nil {
			t.Fatal(err)
		}
		if dt == nil || dt.Hotkey.String() != bob || dt.Owner.String() != alice || dt.Take != 11796 {
			t.Fatalf("DelegateOf(bob) = %+v", dt)
		}
		if nd, err := GetDelegateByHotkey(ctx, c, "", alice); err != nil || !nd.IsNull() {
			t.Fatalf("get_delegate_by_hotkey(alice): %s, %v", nd, err)
		}
		if nd, err := DelegateOf(ctx, c, "", alice); err != nil || nd != nil {
			t.Fatalf("DelegateOf(alice): %+v, %v", nd, err)
		}
		// neuron_for_uid: uid 0 of subnet 1 is the neuron neurons_lite lists.
		nv, err := NeuronForUID(ctx, c, "", 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := nv.Field("hotkey"); !h.Equal(hk) {
			t.Fatalf("neuron_for_uid(0, 1) hotkey %s, neurons_lite says %s", h, hk)
		}
		nt, err := NeuronOf(ctx, c, "", 0, 1)
		if err != nil || nt == nil || !bytes.Equal(nt.Hotkey[:], hk.Bytes()) || nt.UID != 0 || nt.Netuid != 1 {
			t.Fatalf("NeuronOf(0, 1) = %+v, %v", nt, err)
		}
		if nv, err := NeuronForUID(ctx, c, "", 5, 1); err != nil || !nv.IsNull() {
			t.Fatalf("neuron_for_uid of an absent uid: %s, %v", nv, err)
		}
		mt, err := MetagraphOf(ctx, c, "", 1, 0)
		if err != nil || mt == nil || mt.NumUIDs != 1 || len(mt.Hotkeys) != 1 || !bytes.Equal(mt.Hotkeys[0][:], hk.Bytes()) || mt.AlphaStake != nil {
			t.Fatalf("MetagraphOf(1) = %+v, %v", mt, err)
		}
		_, err = Metagraph(ctx, c, "", 1, 1)
		var missing *MissingAPIError
		if !errors.As(err, &missing) || missing.SpecVersion != 218 || !strings.Contains(err.Error(), "metagraph(1, 1)") ||
			!strings.Contains(err.Error(), "SubnetInfoRuntimeApi.get_selective_mechagraph") {
			t.Fatalf("metagraph of mechanism 1: %v", err)
		}
		h, err := GetSubnetHyperparameters(ctx, c, "", 3)
		if err != nil {
			t.Fatal(err)
		}
		if f, _ := h.Field("tempo"); f.String() != "99" {
			t.Fatalf("tempo %s", f)
		}
	})
}

func pubOf(addr string) []byte {
	pub, _, err := scale.SS58Decode(addr)
	if err != nil {
		panic(err)
	}
	return pub
}

package bt_test

import (
	"bytes"
	"testing"

	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/scale"
)

// field returns v's field name as an unsigned integer, failing the test
// when it is missing.
func field(t *testing.T, v scale.Value, name string) uint64 {
	t.Helper()
	f, ok := v.Field(name)
	if !ok {
		t.Fatalf("no field %s in %s", name, v.Kind())
	}
	if b, ok := f.Bool(); ok {
		if b {
			return 1
		}
		return 0
	}
	u, ok := f.Uint()
	if !ok {
		t.Fatalf("field %s is a %s", name, f.Kind())
	}
	return u
}

func accountField(t *testing.T, v scale.Value, name string) []byte {
	t.Helper()
	f, ok := v.Field(name)
	if !ok {
		t.Fatalf("no field %s", name)
	}
	return f.Bytes()
}

// TestTypedNeuronsLite: the 1024 recorded finney neurons of subnet 1,
// decoded into structs, agree with the decoded Value field for field.
func TestTypedNeuronsLite(t *testing.T) {
	c, _ := serve(t, "metagraph")
	ctx := ctxT(t)
	hash, err := c.BlockHash(ctx, 6852690)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := bt.NeuronsLiteOf(ctx, c, hash, 1)
	if err != nil {
		t.Fatal(err)
	}
	v, err := bt.NeuronsLite(ctx, c, hash, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1024 || v.Len() != 1024 {
		t.Fatalf("%d neurons, the Value has %d", len(ns), v.Len())
	}
	for i, n := range ns {
		nv := v.Index(i)
		got := []uint64{uint64(n.UID), uint64(n.Netuid), uint64(n.Rank), n.Emission, uint64(n.Incentive), uint64(n.Consensus),
			uint64(n.Trust), uint64(n.ValidatorTrust), uint64(n.Dividends), n.LastUpdate, uint64(n.PruningScore)}
		for j, name := range []string{"uid", "netuid", "rank", "emission", "incentive", "consensus", "trust", "validator_trust", "dividends", "last_update", "pruning_score"} {
			if want := field(t, nv, name); got[j] != want {
				t.Fatalf("neuron %d %s = %d, the Value says %d", i, name, got[j], want)
			}
		}
		if n.UID != uint16(i) || n.Netuid != 1 {
			t.Fatalf("neuron %d: uid %d netuid %d", i, n.UID, n.Netuid)
		}
		if !bytes.Equal(n.Hotkey[:], accountField(t, nv, "hotkey")) || !bytes.Equal(n.Coldkey[:], accountField(t, nv, "coldkey")) {
			t.Fatalf("neuron %d keys differ", i)
		}
		axon, _ := nv.Field("axon_info")
		if uint64(n.AxonInfo.Port) != field(t, axon, "port") || n.AxonInfo.Block != field(t, axon, "block") {
			t.Fatalf("neuron %d axon %+v", i, n.AxonInfo)
		}
		stake, _ := nv.Field("stake")
		if len(n.Stake) != stake.Len() {
			t.Fatalf("neuron %d: %d stake entries, the Value has %d", i, len(n.Stake), stake.Len())
		}
		for k, s := range n.Stake {
			amount, _ := stake.Index(k).Index(1).Uint()
			if s.Amount != amount || !bytes.Equal(s.Coldkey[:], stake.Index(k).Index(0).Bytes()) {
				t.Fatalf("neuron %d stake %d", i, k)
			}
		}
	}
}

// TestTypedRecorded: the other typed results on the recorded answers.
func TestTypedRecorded(t *testing.T) {
	t.Run("subnets", func(t *testing.T) {
		c, _ := serve(t, "get_all_subnets_info")
		ss, err := bt.SubnetsOf(ctxT(t), c, "")
		if err != nil {
			t.Fatal(err)
		}
		v, _ := bt.GetAllSubnetsInfo(ctxT(t), c, "")
		if len(ss) != 129 || ss[0].Netuid != 0 {
			t.Fatalf("%d subnets, first %d", len(ss), ss[0].Netuid)
		}
		for i, s := range ss {
			sv := v.Index(i)
			if uint64(s.Netuid) != field(t, sv, "netuid") || uint64(s.Tempo) != field(t, sv, "tempo") ||
				s.Burn.Rao() != field(t, sv, "burn") || s.Difficulty != field(t, sv, "difficulty") ||
				uint64(s.SubnetworkN) != field(t, sv, "subnetwork_n") || !bytes.Equal(s.Owner[:], accountField(t, sv, "owner")) {
				t.Fatalf("subnet %d: %+v", i, s)
			}
		}
	})
	t.Run("neuron", func(t *testing.T) {
		c, _ := serve(t, "get_neuron_for_pubkey_and_subnet")
		n, err := bt.NeuronOf(ctxT(t), c, "", 29, 14)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := bt.NeuronForUID(ctxT(t), c, "", 29, 14)
		if n == nil || n.UID != 29 || n.Netuid != 14 || n.Hotkey.String() != hotkey1a33 {
			t.Fatalf("neuron %+v", n)
		}
		w, _ := v.Field("weights")
		b, _ := v.Field("bonds")
		if len(n.Weights) != w.Len() || len(n.Bonds) != b.Len() {
			t.Fatalf("%d weights, %d bonds; the Value has %d, %d", len(n.Weights), len(n.Bonds), w.Len(), b.Len())
		}
		for i, p := range n.Weights {
			uid, _ := w.Index(i).Index(0).Uint()
			x, _ := w.Index(i).Index(1).Uint()
			if uint64(p[0]) != uid || uint64(p[1]) != x {
				t.Fatalf("weight %d: %v", i, p)
			}
		}
	})
	t.Run("metagraph", func(t *testing.T) {
		c, _ := serve(t, "metagraph")
		hash, err := c.BlockHash(ctxT(t), 6852690)
		if err != nil {
			t.Fatal(err)
		}
		m, err := bt.MetagraphOf(ctxT(t), c, hash, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := bt.Metagraph(ctxT(t), c, hash, 1, 0)
		if m == nil || m.Netuid != 1 || m.NumUIDs != 1024 || len(m.Hotkeys) != 1024 || len(m.AlphaStake) != 1024 || len(m.TaoStake) != 1024 {
			t.Fatalf("metagraph netuid %d, %d uids, %d hotkeys, %d alpha stakes", m.Netuid, m.NumUIDs, len(m.Hotkeys), len(m.AlphaStake))
		}
		if m.Block != field(t, v, "block") || uint64(m.Tempo) != field(t, v, "tempo") {
			t.Fatalf("block %d tempo %d", m.Block, m.Tempo)
		}
		alpha, _ := v.Field("alpha_stake")
		tao, _ := v.Field("tao_stake")
		for i := range 1024 {
			a, _ := alpha.Index(i).Uint()
			x, _ := tao.Index(i).Uint()
			if m.AlphaStake[i] != a || m.TaoStake[i].Rao() != x {
				t.Fatalf("uid %d: alpha %d tao %d, the Value says %d %d", i, m.AlphaStake[i], m.TaoStake[i], a, x)
			}
		}
	})
}

func TestAlphaString(t *testing.T) {
	for _, tc := range []struct {
		a    bt.Alpha
		want string
	}{
		{bt.Alpha{Amount: 1_500_000_000, Netuid: 3}, "α1.500000000 (subnet 3)"},
		{bt.Alpha{Amount: 7, Netuid: 64}, "α0.000000007 (subnet 64)"},
		{bt.Alpha{Amount: 1_500_000_000}, "τ1.500000000"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.a, got, tc.want)
		}
	}
}

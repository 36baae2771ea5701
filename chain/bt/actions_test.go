package bt

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/btscript/btscript/scale"
	"golang.org/x/crypto/blake2b"
)

// alice and bob are declared in devnet_test.go.

func TestNormalizeWeights(t *testing.T) {
	u, w, err := NormalizeWeights("set_weights", []uint16{3, 1, 7}, []float64{0.5, 0, 0.25})
	if err != nil || !reflect.DeepEqual(u, []uint16{3, 7}) || !reflect.DeepEqual(w, []uint16{65535, 32768}) {
		t.Fatalf("%v %v %v", u, w, err)
	}
	for _, c := range []struct {
		uids []uint16
		ws   []float64
		want string
	}{
		{[]uint16{1}, []float64{math.NaN()}, "weight 1 is NaN"},
		{[]uint16{1}, []float64{-1}, "weight 1 is -1"},
		{[]uint16{1}, []float64{math.Inf(1)}, "weight 1 is +Inf"},
		{nil, nil, "no uids given"},
	} {
		_, _, err := NormalizeWeights("set_weights", c.uids, c.ws)
		if !errors.Is(err, ErrArgument) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v", c.uids, c.ws, err)
		}
	}
}

func TestWeightsCommitHash(t *testing.T) {
	pub, _, _ := scale.SS58Decode(alice)
	// SCALE of (AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64), by hand.
	enc := append([]byte(nil), pub...)
	enc = append(enc, 1, 0)          // netuid 1
	enc = append(enc, 8, 2, 0, 5, 0) // uids [2, 5]
	enc = append(enc, 8, 0xff, 0xff, 0, 0x80)
	enc = append(enc, 4, 9, 0)                // salt [9]
	enc = append(enc, 7, 0, 0, 0, 0, 0, 0, 0) // version 7
	want := blake2b.Sum256(enc)
	if got := WeightsCommitHash([32]byte(pub), 1, []uint16{2, 5}, []uint16{65535, 32768}, []uint16{9}, 7); got != want {
		t.Fatalf("%x, want %x", got, want)
	}
	c, err := CommitWeightsCall([32]byte(pub), 1, []uint16{9}, []uint16{2, 5}, []float64{1, 0.5}, 7)
	if err != nil || c.Name != "commit_weights" || !reflect.DeepEqual(c.Args[1], want[:]) {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := RevealWeightsCall(1, []uint16{2}, []float64{1}, nil, 0); err == nil || !strings.Contains(err.Error(), "salt is empty") {
		t.Errorf("empty salt: %v", err)
	}
}

func TestActionCalls(t *testing.T) {
	c, err := TransferCall(bob, 1_500_000_000, true)
	if err != nil || c.Pallet != "Balances" || c.Name != "transfer_keep_alive" || c.Args[1] != uint64(1_500_000_000) {
		t.Fatalf("%+v %v", c, err)
	}
	if c, _ := TransferCall(bob, 1, false); c.Name != "transfer_allow_death" {
		t.Errorf("keepAlive false: %s", c.Name)
	}
	c, err = MoveStakeCall(alice, 1, bob, 2, 10)
	if err != nil || !reflect.DeepEqual(c.Args, []any{alice, bob, uint16(1), uint16(2), uint64(10)}) {
		t.Fatalf("move_stake: %+v %v", c, err)
	}
	c, err = SetChildrenCall(alice, 1, []Child{{1, bob}})
	if err != nil || !reflect.DeepEqual(c.Args[2], []any{[]any{uint64(math.MaxUint64), bob}}) {
		t.Fatalf("set_children: %+v %v", c, err)
	}
	c, err = SetChildrenCall(alice, 1, []Child{{0.5, bob}})
	if err != nil || c.Args[2].([]any)[0].([]any)[0] != uint64(1<<63) {
		t.Fatalf("half: %+v %v", c.Args, err)
	}
	c, err = ServeAxonCall(1, Axon{IP: big.NewInt(0x01020304), IPType: 4, Port: 8091, Protocol: 4, Version: 9})
	if err != nil || c.Args[2].(*big.Int).Int64() != 0x01020304 || c.Args[3] != uint16(8091) {
		t.Fatalf("serve_axon: %+v %v", c, err)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := TransferCall("x", 1, true); return err }(), "transfer: invalid argument: dest"},
		{func() error { _, err := AddStakeCall(alice, 1, 0); return err }(), "add_stake: invalid argument: amount must be more than zero"},
		{func() error { _, err := RemoveStakeCall("bad", 1, 1); return err }(), "remove_stake: invalid argument: hotkey"},
		{func() error { _, err := BurnedRegisterCall(1, ""); return err }(), "burned_register: invalid argument: hotkey"},
		{func() error { _, err := SetChildrenCall(alice, 1, []Child{{0.5, alice}}); return err }(), "child 1 is the parent hotkey itself"},
		{func() error { _, err := SetChildrenCall(alice, 1, []Child{{1.5, bob}}); return err }(), "child 1 proportion 1.5 is not within 0..1"},
		{func() error {
			_, err := ServeAxonCall(1, Axon{IP: big.NewInt(1 << 40), IPType: 4, Port: 1})
			return err
		}(), "ip is not an IPv4 address"},
		{func() error { _, err := ServeAxonCall(1, Axon{IP: big.NewInt(1), IPType: 5, Port: 1}); return err }(), "ip_type must be 4 or 6"},
		{func() error { _, err := ServeAxonCall(1, Axon{IP: big.NewInt(1), IPType: 4}); return err }(), "port must be 1..65535"},
	} {
		if !errors.Is(c.err, ErrArgument) || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%v, want %q", c.err, c.want)
		}
	}
}

package bt

import (
	"bytes"
	"context"
	"fmt"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// metagraphFromNeurons builds a metagraph from
// NeuronInfoRuntimeApi.get_neurons_lite, as the bittensor SDK did before
// runtimes had a metagraph runtime API (spec 218 has none). The fields are
// those of the runtime Metagraph struct that the neurons hold, under the
// same names and with the same values: netuid, num_uids, hotkeys, coldkeys,
// axons, active, validator_permit, pruning_score, last_update, emission,
// dividends, incentives, consensus, trust, rank, validator_trust and
// total_stake (each neuron's stake entries summed). Null when the subnet
// does not exist.
func metagraphFromNeurons(ctx context.Context, c *chain.Client, hash string, netuid uint16) (scale.Value, error) {
	added, err := c.Query(ctx, hash, "SubtensorModule", "NetworksAdded", netuid)
	if err != nil {
		return scale.Null, err
	}
	if b, _ := added.Bool(); !b {
		return scale.Null, nil
	}
	neurons, err := callAPI(ctx, c, hash, neuronAPI, fixed(netuid), "get_neurons_lite")
	if err != nil {
		return scale.Null, err
	}
	type column struct {
		name, from string
		items      []scale.Value
	}
	cols := []*column{
		{name: "hotkeys", from: "hotkey"},
		{name: "coldkeys", from: "coldkey"},
		{name: "axons", from: "axon_info"},
		{name: "active", from: "active"},
		{name: "validator_permit", from: "validator_permit"},
		{name: "pruning_score", from: "pruning_score"},
		{name: "last_update", from: "last_update"},
		{name: "emission", from: "emission"},
		{name: "dividends", from: "dividends"},
		{name: "incentives", from: "incentive"},
		{name: "consensus", from: "consensus"},
		{name: "trust", from: "trust"},
		{name: "rank", from: "rank"},
		{name: "validator_trust", from: "validator_trust"},
	}
	n := neurons.Len()
	stakes := make([]scale.Value, n)
	for i := range n {
		nv := neurons.Index(i)
		for _, col := range cols {
			f, ok := nv.Field(col.from)
			if !ok {
				return scale.Null, fmt.Errorf("get_neurons_lite: neuron %d has no field %s", i, col.from)
			}
			col.items = append(col.items, f)
		}
		s, err := stakeSum(nv)
		if err != nil {
			return scale.Null, fmt.Errorf("get_neurons_lite: neuron %d: %w", i, err)
		}
		stakes[i] = scale.NewUint(s)
	}
	names := []string{"netuid", "num_uids"}
	values := []scale.Value{scale.NewUintBits(uint64(netuid), 16), scale.NewUintBits(uint64(n), 16)}
	for _, col := range cols {
		names = append(names, col.name)
		values = append(values, scale.NewSeq(col.items))
	}
	names = append(names, "total_stake")
	values = append(values, scale.NewSeq(stakes))
	return scale.NewComposite(names, values), nil
}

// stakeSum adds up a neuron's stake entries ({account, amount} pairs).
func stakeSum(neuron scale.Value) (uint64, error) {
	st, ok := neuron.Field("stake")
	if !ok {
		return 0, fmt.Errorf("no stake field")
	}
	var sum uint64
	for i := range st.Len() {
		u, err := uintOf(st.Index(i).Index(1), "stake amount")
		if err != nil {
			return 0, err
		}
		if sum+u < sum {
			return 0, fmt.Errorf("stake amounts overflow u64")
		}
		sum += u
	}
	return sum, nil
}

// stakeFromColdkeyList is get_stake on runtimes without
// get_stake_info_for_hotkey_coldkey_netuid: the stake of the coldkey's
// entry for hotkey on netuid in get_stake_info_for_coldkey, 0 when there is
// none.
func stakeFromColdkeyList(ctx context.Context, c *chain.Client, hash, coldkey, hotkey string, netuid uint16) (Balance, error) {
	list, err := callAPI(ctx, c, hash, stakeAPI, fixed(coldkey), "get_stake_info_for_coldkey")
	if err != nil {
		return 0, err
	}
	pub, _, err := scale.SS58Decode(hotkey)
	if err != nil {
		return 0, fmt.Errorf("hotkey: %w", err)
	}
	for i := range list.Len() {
		it := list.Index(i)
		hk, _ := it.Field("hotkey")
		nu, _ := it.Field("netuid")
		if n, ok := nu.Uint(); !ok || n != uint64(netuid) || !bytes.Equal(hk.Bytes(), pub) {
			continue
		}
		s, _ := it.Field("stake")
		u, err := uintOf(s, "StakeInfo.stake")
		if err != nil {
			return 0, err
		}
		return Balance(u), nil
	}
	return 0, nil
}

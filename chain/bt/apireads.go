package bt

import (
	"context"
	"fmt"
	"math/big"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// Neurons returns every neuron of a subnet with its weights and bonds, as
// the SDK builds its NeuronInfo list: NeuronInfoRuntimeApi.get_neurons_lite
// (netuid), each neuron given the fields weights and bonds ({uid, value}
// pairs, from the maps SubtensorModule.Weights and Bonds). All reads are
// made at the same block.
func Neurons(ctx context.Context, c *chain.Client, at string, netuid uint16) (scale.Value, error) {
	wrap := func(err error) error { return fmt.Errorf("neurons(%d): %w", netuid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return scale.Null, wrap(err)
	}
	lite, err := callAPI(ctx, c, hash, neuronAPI, fixed(netuid), "get_neurons_lite")
	if err != nil {
		return scale.Null, wrap(err)
	}
	weights, err := matrix(ctx, c, hash, "Weights", netuid, 0)
	if err != nil {
		return scale.Null, wrap(err)
	}
	bonds, err := matrix(ctx, c, hash, "Bonds", netuid, 0)
	if err != nil {
		return scale.Null, wrap(err)
	}
	byUID := func(rows []Row) map[uint16]scale.Value {
		m := make(map[uint16]scale.Value, len(rows))
		for _, r := range rows {
			pairs := make([]scale.Value, len(r.Pairs))
			for i, p := range r.Pairs {
				pairs[i] = scale.NewSeq([]scale.Value{scale.NewUintBits(uint64(p.UID), 16), scale.NewUintBits(uint64(p.Value), 16)})
			}
			m[r.UID] = scale.NewSeq(pairs)
		}
		return m
	}
	w, b := byUID(weights), byUID(bonds)
	out := make([]scale.Value, 0, lite.Len())
	for _, n := range lite.Items() {
		uv, ok := n.Field("uid")
		if !ok {
			return scale.Null, wrap(fmt.Errorf("NeuronInfoLite has no uid field: %s", n.String()))
		}
		u, err := uintOf(uv, "NeuronInfoLite.uid")
		if err != nil {
			return scale.Null, wrap(err)
		}
		names := append(n.FieldNames(), "weights", "bonds")
		fields := make([]scale.Value, 0, len(names))
		for _, name := range names[:len(names)-2] {
			f, _ := n.Field(name)
			fields = append(fields, f)
		}
		fields = append(fields, orEmpty(w[uint16(u)]), orEmpty(b[uint16(u)]))
		out = append(out, scale.NewComposite(names, fields))
	}
	return scale.NewSeq(out), nil
}

func orEmpty(v scale.Value) scale.Value {
	if v.IsNull() {
		return scale.NewSeq(nil)
	}
	return v
}

// NeuronForPubkeyAndSubnet returns the neuron of hotkey on netuid:
// SubtensorModule.Uids(netuid, hotkey), then
// NeuronInfoRuntimeApi.get_neuron(netuid, uid). It is Null when the hotkey
// is not registered there.
func NeuronForPubkeyAndSubnet(ctx context.Context, c *chain.Client, at, hotkey string, netuid uint16) (scale.Value, error) {
	wrap := func(err error) error {
		return fmt.Errorf("get_neuron_for_pubkey_and_subnet(%s, %d): %w", hotkey, netuid, err)
	}
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return scale.Null, wrap(err)
	}
	uid, ok, err := GetUIDForHotkeyOnSubnet(ctx, c, hash, hotkey, netuid)
	if err != nil || !ok {
		return scale.Null, err
	}
	v, err := callAPI(ctx, c, hash, neuronAPI, fixed(netuid, uid), "get_neuron")
	if err != nil {
		return scale.Null, wrap(err)
	}
	return v, nil
}

// IsHotkeyDelegate reports whether hotkey is among
// DelegateInfoRuntimeApi.get_delegates (its delegate_ss58 field).
func IsHotkeyDelegate(ctx context.Context, c *chain.Client, at, hotkey string) (bool, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return false, fmt.Errorf("is_hotkey_delegate: %w", err)
	}
	ds, err := GetDelegates(ctx, c, at)
	if err != nil {
		return false, fmt.Errorf("is_hotkey_delegate(%s): %w", hotkey, err)
	}
	for _, d := range ds.Items() {
		if k, ok := d.Field("delegate_ss58"); ok && k.String() == hotkey {
			return true, nil
		}
	}
	return false, nil
}

// GetDelegated returns DelegateInfoRuntimeApi.get_delegated(coldkey): the
// delegates coldkey stakes on, each with (netuid, stake).
func GetDelegated(ctx context.Context, c *chain.Client, at, coldkey string) (scale.Value, error) {
	if err := checkAddress("coldkey", coldkey); err != nil {
		return scale.Null, fmt.Errorf("get_delegated: %w", err)
	}
	v, err := resolveAndCall(ctx, c, at, delegateAPI, fixed(coldkey), "get_delegated")
	if err != nil {
		return scale.Null, fmt.Errorf("get_delegated(%s): %w", coldkey, err)
	}
	return v, nil
}

// GetSubnetInfo returns SubnetInfoRuntimeApi.get_subnet_info_v2(netuid)
// (or get_subnet_info), Null when the subnet does not exist.
func GetSubnetInfo(ctx context.Context, c *chain.Client, at string, netuid uint16) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, subnetAPI, fixed(netuid), "get_subnet_info_v2", "get_subnet_info")
	if err != nil {
		return scale.Null, fmt.Errorf("get_subnet_info(%d): %w", netuid, err)
	}
	return v, nil
}

// Subnet returns SubnetInfoRuntimeApi.get_dynamic_info(netuid), Null when
// the subnet does not exist.
func Subnet(ctx context.Context, c *chain.Client, at string, netuid uint16) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, subnetAPI, fixed(netuid), "get_dynamic_info")
	if err != nil {
		return scale.Null, fmt.Errorf("subnet(%d): %w", netuid, err)
	}
	return v, nil
}

// AllSubnets returns SubnetInfoRuntimeApi.get_all_dynamic_info, leaving
// out absent subnets.
func AllSubnets(ctx context.Context, c *chain.Client, at string) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, subnetAPI, nil, "get_all_dynamic_info")
	if err != nil {
		return scale.Null, fmt.Errorf("all_subnets: %w", err)
	}
	var out []scale.Value
	for _, it := range v.Items() {
		if !it.IsNull() {
			out = append(out, it)
		}
	}
	return scale.NewSeq(out), nil
}

// SubnetPrice returns the price of one alpha of netuid in TAO:
// SwapRuntimeApi.current_alpha_price(netuid), in rao; the root subnet's is
// 1 TAO, as in the SDK.
func SubnetPrice(ctx context.Context, c *chain.Client, at string, netuid uint16) (Balance, error) {
	if netuid == 0 {
		return RaoPerTao, nil
	}
	v, err := resolveAndCall(ctx, c, at, "SwapRuntimeApi", fixed(netuid), "current_alpha_price")
	if err == nil {
		var u uint64
		if u, err = uintOf(v, "current_alpha_price"); err == nil {
			return Balance(u), nil
		}
	}
	return 0, fmt.Errorf("get_subnet_price(%d): %w", netuid, err)
}

// SubnetPrices returns the price of one alpha in TAO for every subnet
// with a pool: the map Swap.AlphaSqrtPrice (a U64F64 fixed-point square
// root), squared and counted in rao, computed exactly and rounded down;
// subnet 0 is 1 TAO.
func SubnetPrices(ctx context.Context, c *chain.Client, at string) (map[uint16]Balance, error) {
	out := map[uint16]Balance{0: RaoPerTao}
	err := c.QueryMap(ctx, at, "Swap", "AlphaSqrtPrice", nil, chain.MapOptions{}, func(e chain.MapEntry) error {
		if len(e.Keys) != 1 {
			return fmt.Errorf("AlphaSqrtPrice key %s: want 1 key, decoded %d", e.Key, len(e.Keys))
		}
		n, err := uintOf(e.Keys[0], "AlphaSqrtPrice netuid")
		if err != nil {
			return err
		}
		bits := e.Value
		if f, ok := e.Value.Field("bits"); ok {
			bits = f
		}
		if !bits.IsInteger() {
			return fmt.Errorf("AlphaSqrtPrice(%d): expected a fixed-point number, got %s", n, e.Value.String())
		}
		p, err := PriceFromSqrt(bits.BigInt())
		if err != nil {
			return fmt.Errorf("AlphaSqrtPrice(%d): %w", n, err)
		}
		if n != 0 {
			out[uint16(n)] = p
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get_subnet_prices: %w", err)
	}
	return out, nil
}

// PriceFromSqrt returns the price whose square root is the U64F64
// fixed-point number bits (bits / 2^64), in rao, rounded down: bits² ×
// 10^9 / 2^128, computed exactly.
func PriceFromSqrt(bits *big.Int) (Balance, error) {
	if bits.Sign() < 0 {
		return 0, fmt.Errorf("negative square root %s", bits)
	}
	p := new(big.Int).Mul(bits, bits)
	p.Mul(p, big.NewInt(RaoPerTao))
	p.Rsh(p, 128)
	if !p.IsUint64() {
		return 0, fmt.Errorf("price %s rao exceeds 2^64", p)
	}
	return Balance(p.Uint64()), nil
}

// StakeForColdkeyAndHotkey returns the stake of coldkey on hotkey in each
// of netuids (every subnet of GetSubnets when netuids is nil):
// StakeInfoRuntimeApi.get_stake_info_for_hotkey_coldkey_netuid per subnet,
// by netuid, Null where there is none.
func StakeForColdkeyAndHotkey(ctx context.Context, c *chain.Client, at, coldkey, hotkey string, netuids []uint16) (map[uint16]scale.Value, error) {
	if err := checkAddress("coldkey", coldkey); err != nil {
		return nil, fmt.Errorf("get_stake_for_coldkey_and_hotkey: %w", err)
	}
	if err := checkAddress("hotkey", hotkey); err != nil {
		return nil, fmt.Errorf("get_stake_for_coldkey_and_hotkey: %w", err)
	}
	wrap := func(err error) error {
		return fmt.Errorf("get_stake_for_coldkey_and_hotkey(%s, %s): %w", coldkey, hotkey, err)
	}
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return nil, wrap(err)
	}
	if netuids == nil {
		if netuids, err = GetSubnets(ctx, c, hash); err != nil {
			return nil, wrap(err)
		}
	}
	out := make(map[uint16]scale.Value, len(netuids))
	for _, n := range netuids {
		v, err := callAPI(ctx, c, hash, stakeAPI, fixed(hotkey, coldkey, n), "get_stake_info_for_hotkey_coldkey_netuid")
		if err != nil {
			return nil, wrap(err)
		}
		out[n] = v
	}
	return out, nil
}

// MetagraphInfo returns the metagraph of a subnet mechanism as the SDK's
// get_metagraph_info reads it: every field (Metagraph) when indexes is
// nil, else SubnetInfoRuntimeApi.get_selective_mechagraph(netuid, mechid,
// indexes) with index 0 (the netuid) added when missing (or
// get_selective_metagraph on runtimes without mechanisms). Null when the
// subnet mechanism does not exist.
func MetagraphInfo(ctx context.Context, c *chain.Client, at string, netuid uint16, indexes []uint16, mechid uint8) (scale.Value, error) {
	if indexes == nil {
		return Metagraph(ctx, c, at, netuid, mechid)
	}
	wrap := func(err error) error { return fmt.Errorf("get_metagraph_info(%d): %w", netuid, err) }
	idx := make([]any, 0, len(indexes)+1)
	has0 := false
	for _, i := range indexes {
		has0 = has0 || i == 0
	}
	if !has0 {
		idx = append(idx, uint16(0))
	}
	for _, i := range indexes {
		idx = append(idx, i)
	}
	methods := []string{"get_selective_mechagraph"}
	if mechid == 0 {
		methods = append(methods, "get_selective_metagraph")
	}
	v, err := resolveAndCall(ctx, c, at, subnetAPI, func(m string) []any {
		if m == "get_selective_mechagraph" {
			return []any{netuid, mechid, idx}
		}
		return []any{netuid, idx}
	}, methods...)
	if err != nil {
		return scale.Null, wrap(err)
	}
	return v, nil
}

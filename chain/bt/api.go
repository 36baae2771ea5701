package bt

import (
	"context"
	"errors"
	"fmt"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// Runtime API names.
const (
	neuronAPI       = "NeuronInfoRuntimeApi"
	subnetAPI       = "SubnetInfoRuntimeApi"
	stakeAPI        = "StakeInfoRuntimeApi"
	delegateAPI     = "DelegateInfoRuntimeApi"
	registrationAPI = "SubnetRegistrationRuntimeApi"
)

// resolveAndCall resolves at once and calls the first usable method.
func resolveAndCall(ctx context.Context, c *chain.Client, at, api string, args func(string) []any, methods ...string) (scale.Value, error) {
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return scale.Null, err
	}
	return callAPI(ctx, c, hash, api, args, methods...)
}

// NeuronsLite returns NeuronInfoRuntimeApi.get_neurons_lite(netuid): every
// neuron of the subnet without its weights and bonds.
func NeuronsLite(ctx context.Context, c *chain.Client, at string, netuid uint16) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, neuronAPI, fixed(netuid), "get_neurons_lite")
	if err != nil {
		return scale.Null, fmt.Errorf("neurons_lite(%d): %w", netuid, err)
	}
	return v, nil
}

// NeuronForUID returns NeuronInfoRuntimeApi.get_neuron(netuid, uid), or
// Null when the subnet has no such uid. The argument order is the SDK's.
func NeuronForUID(ctx context.Context, c *chain.Client, at string, uid, netuid uint16) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, neuronAPI, fixed(netuid, uid), "get_neuron")
	if err != nil {
		return scale.Null, fmt.Errorf("neuron_for_uid(%d, %d): %w", uid, netuid, err)
	}
	return v, nil
}

// GetAllSubnetsInfo returns SubnetInfoRuntimeApi.get_subnets_info_v2 (or
// get_subnets_info on runtimes without it), leaving out absent subnets.
func GetAllSubnetsInfo(ctx context.Context, c *chain.Client, at string) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, subnetAPI, nil, "get_subnets_info_v2", "get_subnets_info")
	if err != nil {
		return scale.Null, fmt.Errorf("get_all_subnets_info: %w", err)
	}
	var out []scale.Value
	for i := range v.Len() {
		if it := v.Index(i); !it.IsNull() {
			out = append(out, it)
		}
	}
	return scale.NewSeq(out), nil
}

// GetSubnetHyperparameters returns
// SubnetInfoRuntimeApi.get_subnet_hyperparams_v2(netuid) (or
// get_subnet_hyperparams), Null when the subnet does not exist.
func GetSubnetHyperparameters(ctx context.Context, c *chain.Client, at string, netuid uint16) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, subnetAPI, fixed(netuid), "get_subnet_hyperparams_v2", "get_subnet_hyperparams")
	if err != nil {
		return scale.Null, fmt.Errorf("get_subnet_hyperparameters(%d): %w", netuid, err)
	}
	return v, nil
}

// GetSubnetBurnCost returns
// SubnetRegistrationRuntimeApi.get_network_registration_cost: the cost of
// registering a new subnet.
func GetSubnetBurnCost(ctx context.Context, c *chain.Client, at string) (Balance, error) {
	v, err := resolveAndCall(ctx, c, at, registrationAPI, nil, "get_network_registration_cost")
	if err != nil {
		return 0, fmt.Errorf("get_subnet_burn_cost: %w", err)
	}
	u, err := uintOf(v, "get_network_registration_cost")
	if err != nil {
		return 0, fmt.Errorf("get_subnet_burn_cost: %w", err)
	}
	return Balance(u), nil
}

// GetStake returns the stake of coldkey on hotkey in subnet netuid, from
// StakeInfoRuntimeApi.get_stake_info_for_hotkey_coldkey_netuid; 0 when
// there is none. The amount is in the subnet's alpha (TAO on the root
// subnet), which its type says.
func GetStake(ctx context.Context, c *chain.Client, at, coldkey, hotkey string, netuid uint16) (Alpha, error) {
	b, err := getStake(ctx, c, at, coldkey, hotkey, netuid)
	return Alpha{Amount: uint64(b), Netuid: netuid}, err
}

func getStake(ctx context.Context, c *chain.Client, at, coldkey, hotkey string, netuid uint16) (Balance, error) {
	if err := checkAddress("coldkey", coldkey); err != nil {
		return 0, fmt.Errorf("get_stake: %w", err)
	}
	if err := checkAddress("hotkey", hotkey); err != nil {
		return 0, fmt.Errorf("get_stake: %w", err)
	}
	wrap := func(err error) error { return fmt.Errorf("get_stake(%s, %s, %d): %w", coldkey, hotkey, netuid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return 0, wrap(err)
	}
	v, err := callAPI(ctx, c, hash, stakeAPI, fixed(hotkey, coldkey, netuid), "get_stake_info_for_hotkey_coldkey_netuid")
	var missing *MissingAPIError
	if errors.As(err, &missing) {
		// Runtimes without it (spec 218) list the coldkey's stakes.
		b, err := stakeFromColdkeyList(ctx, c, hash, coldkey, hotkey, netuid)
		if err != nil {
			return 0, wrap(err)
		}
		return b, nil
	}
	if err != nil {
		return 0, wrap(err)
	}
	if v.IsNull() {
		return 0, nil
	}
	s, ok := v.Field("stake")
	if !ok {
		return 0, wrap(fmt.Errorf("StakeInfo has no stake field: %s", v.String()))
	}
	u, err := uintOf(s, "StakeInfo.stake")
	if err != nil {
		return 0, wrap(err)
	}
	return Balance(u), nil
}

// GetStakeInfoForColdkey returns
// StakeInfoRuntimeApi.get_stake_info_for_coldkey(coldkey): one StakeInfo
// per (hotkey, subnet) the coldkey stakes on.
func GetStakeInfoForColdkey(ctx context.Context, c *chain.Client, at, coldkey string) (scale.Value, error) {
	if err := checkAddress("coldkey", coldkey); err != nil {
		return scale.Null, fmt.Errorf("get_stake_info_for_coldkey: %w", err)
	}
	v, err := resolveAndCall(ctx, c, at, stakeAPI, fixed(coldkey), "get_stake_info_for_coldkey")
	if err != nil {
		return scale.Null, fmt.Errorf("get_stake_info_for_coldkey(%s): %w", coldkey, err)
	}
	return v, nil
}

// GetDelegates returns DelegateInfoRuntimeApi.get_delegates.
func GetDelegates(ctx context.Context, c *chain.Client, at string) (scale.Value, error) {
	v, err := resolveAndCall(ctx, c, at, delegateAPI, nil, "get_delegates")
	if err != nil {
		return scale.Null, fmt.Errorf("get_delegates: %w", err)
	}
	return v, nil
}

// GetDelegateByHotkey returns DelegateInfoRuntimeApi.get_delegate(hotkey),
// Null when hotkey is not a delegate.
func GetDelegateByHotkey(ctx context.Context, c *chain.Client, at, hotkey string) (scale.Value, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return scale.Null, fmt.Errorf("get_delegate_by_hotkey: %w", err)
	}
	v, err := resolveAndCall(ctx, c, at, delegateAPI, fixed(hotkey), "get_delegate")
	if err != nil {
		return scale.Null, fmt.Errorf("get_delegate_by_hotkey(%s): %w", hotkey, err)
	}
	return v, nil
}

// Metagraph returns the metagraph of a subnet mechanism, decoded with the
// field names of the runtime's metadata (num_uids, hotkeys, stakes, ...),
// or Null when the subnet does not exist. It calls
// SubnetInfoRuntimeApi.get_selective_mechagraph(netuid, mechid, every
// field index) where the runtime has it, else, as the SDK falls back,
// get_selective_metagraph, get_mechagraph or get_metagraph.
func Metagraph(ctx context.Context, c *chain.Client, at string, netuid uint16, mechid uint8) (scale.Value, error) {
	wrap := func(err error) error { return fmt.Errorf("metagraph(%d, %d): %w", netuid, mechid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return scale.Null, wrap(err)
	}
	methods := []string{"get_selective_mechagraph", "get_mechagraph"}
	if mechid == 0 {
		methods = []string{"get_selective_mechagraph", "get_selective_metagraph", "get_mechagraph", "get_metagraph"}
	}
	m, err := pickMethod(ctx, c, hash, subnetAPI, methods...)
	var missing *MissingAPIError
	if mechid == 0 && errors.As(err, &missing) {
		// Runtimes before the metagraph API (spec 218): the SDK built the
		// metagraph from the neurons.
		v, err := metagraphFromNeurons(ctx, c, hash, netuid)
		if err != nil {
			return scale.Null, wrap(err)
		}
		return v, nil
	}
	if err != nil {
		return scale.Null, wrap(err)
	}
	var args []any
	switch m.Name {
	case "get_selective_mechagraph", "get_selective_metagraph":
		md, err := c.Metadata(ctx, hash)
		if err != nil {
			return scale.Null, wrap(err)
		}
		n, err := fieldCount(md, m.Output)
		if err != nil {
			return scale.Null, wrap(fmt.Errorf("%s: %w", m.Name, err))
		}
		idx := make([]any, n)
		for i := range idx {
			idx[i] = uint16(i)
		}
		args = []any{netuid, idx}
		if m.Name == "get_selective_mechagraph" {
			args = []any{netuid, mechid, idx}
		}
	case "get_mechagraph":
		args = []any{netuid, mechid}
	default:
		args = []any{netuid}
	}
	v, err := c.Call(ctx, hash, subnetAPI, m.Name, args...)
	if err != nil {
		return scale.Null, wrap(err)
	}
	return v, nil
}

// fieldCount returns the number of fields of the struct inside the
// Option that type id is: the field indexes a selective metagraph takes.
func fieldCount(md *scale.Metadata, id int) (int, error) {
	t := md.Type(id)
	if t != nil && t.Def == scale.DefVariant {
		for _, v := range t.Variants {
			if v.Name == "Some" && len(v.Fields) == 1 {
				t = md.Type(v.Fields[0].Type)
			}
		}
	}
	if t == nil || t.Def != scale.DefComposite || len(t.Fields) == 0 {
		return 0, fmt.Errorf("answer type %s is not an optional struct", md.TypeName(id))
	}
	return len(t.Fields), nil
}

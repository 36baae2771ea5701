package bt

import (
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// spec218 is the type table of the subtensor runtime at the "rao" upgrade
// (node-subtensor spec 218, opentensor/subtensor commit e2b8367b, February
// 2025), whose subtensor runtime APIs return the SCALE of these structs
// inside a Vec<u8>. The structs are those of that commit's
// pallets/subtensor/src/rpc_info/*.rs (AxonInfo and PrometheusInfo from its
// lib.rs), field for field; the tests decode the real runtime's answers
// with them, every byte consumed.
//
// The methods about one item (get_neuron, get_subnet_info, ...) answer the
// item's bytes, or no bytes at all when there is none, rather than an
// Option. get_subnet_info_v2 and get_subnets_info_v2 are left out: their answers
// carry an optional subnet identity whose layout this table does not
// describe, and the helpers fall back to the v1 methods, which hold the same
// fields.
var spec218 = &chain.APITypes{
	SpecName:       "node-subtensor",
	MinSpecVersion: 218,
	MaxSpecVersion: 218,
	Structs: []scale.StructDef{
		{Name: "AxonInfo", Fields: []scale.FieldDef{
			{Name: "block", Type: "u64"},
			{Name: "version", Type: "u32"},
			{Name: "ip", Type: "u128"},
			{Name: "port", Type: "u16"},
			{Name: "ip_type", Type: "u8"},
			{Name: "protocol", Type: "u8"},
			{Name: "placeholder1", Type: "u8"},
			{Name: "placeholder2", Type: "u8"},
		}},
		{Name: "PrometheusInfo", Fields: []scale.FieldDef{
			{Name: "block", Type: "u64"},
			{Name: "version", Type: "u32"},
			{Name: "ip", Type: "u128"},
			{Name: "port", Type: "u16"},
			{Name: "ip_type", Type: "u8"},
		}},
		{Name: "NeuronInfo", Fields: neuronFields(true)},
		{Name: "NeuronInfoLite", Fields: neuronFields(false)},
		{Name: "SubnetInfo", Fields: []scale.FieldDef{
			{Name: "netuid", Type: "Compact<u16>"},
			{Name: "rho", Type: "Compact<u16>"},
			{Name: "kappa", Type: "Compact<u16>"},
			{Name: "difficulty", Type: "Compact<u64>"},
			{Name: "immunity_period", Type: "Compact<u16>"},
			{Name: "max_allowed_validators", Type: "Compact<u16>"},
			{Name: "min_allowed_weights", Type: "Compact<u16>"},
			{Name: "max_weights_limit", Type: "Compact<u16>"},
			{Name: "scaling_law_power", Type: "Compact<u16>"},
			{Name: "subnetwork_n", Type: "Compact<u16>"},
			{Name: "max_allowed_uids", Type: "Compact<u16>"},
			{Name: "blocks_since_last_step", Type: "Compact<u64>"},
			{Name: "tempo", Type: "Compact<u16>"},
			{Name: "network_modality", Type: "Compact<u16>"},
			{Name: "network_connect", Type: "Vec<[u16; 2]>"},
			{Name: "emission_values", Type: "Compact<u64>"},
			{Name: "burn", Type: "Compact<u64>"},
			{Name: "owner", Type: "AccountId"},
		}},
		{Name: "SubnetHyperparams", Fields: []scale.FieldDef{
			{Name: "rho", Type: "Compact<u16>"},
			{Name: "kappa", Type: "Compact<u16>"},
			{Name: "immunity_period", Type: "Compact<u16>"},
			{Name: "min_allowed_weights", Type: "Compact<u16>"},
			{Name: "max_weights_limit", Type: "Compact<u16>"},
			{Name: "tempo", Type: "Compact<u16>"},
			{Name: "min_difficulty", Type: "Compact<u64>"},
			{Name: "max_difficulty", Type: "Compact<u64>"},
			{Name: "weights_version", Type: "Compact<u64>"},
			{Name: "weights_rate_limit", Type: "Compact<u64>"},
			{Name: "adjustment_interval", Type: "Compact<u16>"},
			{Name: "activity_cutoff", Type: "Compact<u16>"},
			{Name: "registration_allowed", Type: "bool"},
			{Name: "target_regs_per_interval", Type: "Compact<u16>"},
			{Name: "min_burn", Type: "Compact<u64>"},
			{Name: "max_burn", Type: "Compact<u64>"},
			{Name: "bonds_moving_avg", Type: "Compact<u64>"},
			{Name: "max_regs_per_block", Type: "Compact<u16>"},
			{Name: "serving_rate_limit", Type: "Compact<u64>"},
			{Name: "max_validators", Type: "Compact<u16>"},
			{Name: "adjustment_alpha", Type: "Compact<u64>"},
			{Name: "difficulty", Type: "Compact<u64>"},
			{Name: "commit_reveal_period", Type: "Compact<u64>"},
			{Name: "commit_reveal_weights_enabled", Type: "bool"},
			{Name: "alpha_high", Type: "Compact<u16>"},
			{Name: "alpha_low", Type: "Compact<u16>"},
			{Name: "liquid_alpha_enabled", Type: "bool"},
		}},
		{Name: "DelegateInfo", Fields: []scale.FieldDef{
			{Name: "delegate_ss58", Type: "AccountId"},
			{Name: "take", Type: "Compact<u16>"},
			{Name: "nominators", Type: "Vec<(AccountId, Compact<u64>)>"},
			{Name: "owner_ss58", Type: "AccountId"},
			{Name: "registrations", Type: "Vec<Compact<u16>>"},
			{Name: "validator_permits", Type: "Vec<Compact<u16>>"},
			{Name: "return_per_1000", Type: "Compact<u64>"},
			{Name: "total_daily_return", Type: "Compact<u64>"},
		}},
		{Name: "StakeInfo", Fields: []scale.FieldDef{
			{Name: "hotkey", Type: "AccountId"},
			{Name: "coldkey", Type: "AccountId"},
			{Name: "netuid", Type: "Compact<u16>"},
			{Name: "stake", Type: "Compact<u64>"},
			{Name: "locked", Type: "Compact<u64>"},
			{Name: "emission", Type: "Compact<u64>"},
			{Name: "drain", Type: "Compact<u64>"},
			{Name: "is_registered", Type: "bool"},
		}},
	},
	Outputs: map[string]chain.APIOutput{
		"NeuronInfoRuntimeApi_get_neurons":                {Type: "Vec<NeuronInfo>"},
		"NeuronInfoRuntimeApi_get_neuron":                 {Type: "NeuronInfo", EmptyIsNone: true},
		"NeuronInfoRuntimeApi_get_neurons_lite":           {Type: "Vec<NeuronInfoLite>"},
		"NeuronInfoRuntimeApi_get_neuron_lite":            {Type: "NeuronInfoLite", EmptyIsNone: true},
		"SubnetInfoRuntimeApi_get_subnet_info":            {Type: "SubnetInfo", EmptyIsNone: true},
		"SubnetInfoRuntimeApi_get_subnets_info":           {Type: "Vec<Option<SubnetInfo>>"},
		"SubnetInfoRuntimeApi_get_subnet_hyperparams":     {Type: "SubnetHyperparams", EmptyIsNone: true},
		"DelegateInfoRuntimeApi_get_delegates":            {Type: "Vec<DelegateInfo>"},
		"DelegateInfoRuntimeApi_get_delegate":             {Type: "DelegateInfo", EmptyIsNone: true},
		"DelegateInfoRuntimeApi_get_delegated":            {Type: "Vec<(DelegateInfo, Compact<u64>)>"},
		"StakeInfoRuntimeApi_get_stake_info_for_coldkey":  {Type: "Vec<StakeInfo>"},
		"StakeInfoRuntimeApi_get_stake_info_for_coldkeys": {Type: "Vec<(AccountId, Vec<StakeInfo>)>"},
	},
}

// neuronFields are the fields of NeuronInfo, or of NeuronInfoLite (the same
// without weights and bonds).
func neuronFields(full bool) []scale.FieldDef {
	f := []scale.FieldDef{
		{Name: "hotkey", Type: "AccountId"},
		{Name: "coldkey", Type: "AccountId"},
		{Name: "uid", Type: "Compact<u16>"},
		{Name: "netuid", Type: "Compact<u16>"},
		{Name: "active", Type: "bool"},
		{Name: "axon_info", Type: "AxonInfo"},
		{Name: "prometheus_info", Type: "PrometheusInfo"},
		{Name: "stake", Type: "Vec<(AccountId, Compact<u64>)>"},
		{Name: "rank", Type: "Compact<u16>"},
		{Name: "emission", Type: "Compact<u64>"},
		{Name: "incentive", Type: "Compact<u16>"},
		{Name: "consensus", Type: "Compact<u16>"},
		{Name: "trust", Type: "Compact<u16>"},
		{Name: "validator_trust", Type: "Compact<u16>"},
		{Name: "dividends", Type: "Compact<u16>"},
		{Name: "last_update", Type: "Compact<u64>"},
		{Name: "validator_permit", Type: "bool"},
	}
	if full {
		f = append(f,
			scale.FieldDef{Name: "weights", Type: "Vec<(Compact<u16>, Compact<u16>)>"},
			scale.FieldDef{Name: "bonds", Type: "Vec<(Compact<u16>, Compact<u16>)>"})
	}
	return append(f, scale.FieldDef{Name: "pruning_score", Type: "Compact<u16>"})
}

func init() { chain.RegisterAPITypes(spec218) }

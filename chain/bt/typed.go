package bt

import (
	"context"
	"fmt"
	"strconv"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// Typed results: Go structs decoded from the runtime API answers with
// scale.Value.Unmarshal, beside the helpers that return the scale.Value
// itself (which keeps every field a runtime has). A struct holds the
// fields that the runtimes this package knows (spec 218 and today's
// finney) share; those only some runtimes have are marked optional and
// stay zero elsewhere. Integers stay exact; amounts carry their unit in
// their type: Balance for TAO (rao), Alpha for a subnet's alpha token.

// Alpha is an amount of subnet Netuid's alpha token, held exactly in units
// of 10^-9 alpha. The root subnet (netuid 0) stakes TAO, so an Alpha of
// netuid 0 is an amount of TAO, in rao.
type Alpha struct {
	Amount uint64
	Netuid uint16
}

// String renders the amount with all nine decimals and its unit:
// "α1.500000000 (subnet 3)", or "τ1.500000000" on the root subnet.
func (a Alpha) String() string {
	s := Balance(a.Amount).String()
	if a.Netuid == 0 {
		return s
	}
	return "α" + s[len(TaoSymbol):] + " (subnet " + strconv.Itoa(int(a.Netuid)) + ")"
}

// AxonInfo is where a neuron serves.
type AxonInfo struct {
	Block        uint64
	Version      uint32
	IP           scale.Value `scale:"ip"` // a u128: an IPv4 or IPv6 address as an integer
	Port         uint16
	IPType       uint8 `scale:"ip_type"`
	Protocol     uint8
	Placeholder1 uint8 `scale:"placeholder1"`
	Placeholder2 uint8 `scale:"placeholder2"`
}

// NeuronStake is one entry of a neuron's stake list: a coldkey and its
// amount, in the runtime's integer units (alpha of the neuron's subnet on
// runtimes with subnet tokens, rao before them).
type NeuronStake struct {
	Coldkey scale.AccountID
	Amount  uint64
}

// NeuronInfoLite is NeuronInfoRuntimeApi's NeuronInfoLite: a neuron
// without its weights and bonds. Rank, Incentive, Consensus, Trust,
// ValidatorTrust, Dividends and PruningScore are u16 fractions of 65535,
// as the runtime keeps them; Emission is in the runtime's integer units.
type NeuronInfoLite struct {
	Hotkey          scale.AccountID
	Coldkey         scale.AccountID
	UID             uint16 `scale:"uid"`
	Netuid          uint16
	Active          bool
	AxonInfo        AxonInfo
	Stake           []NeuronStake
	Rank            uint16
	Emission        uint64
	Incentive       uint16
	Consensus       uint16
	Trust           uint16
	ValidatorTrust  uint16
	Dividends       uint16
	LastUpdate      uint64
	ValidatorPermit bool
	PruningScore    uint16
}

// NeuronInfo is NeuronInfoRuntimeApi's NeuronInfo: NeuronInfoLite with
// the neuron's weights and bonds, as (uid, value) pairs.
type NeuronInfo struct {
	NeuronInfoLite
	Weights [][2]uint16
	Bonds   [][2]uint16
}

// UnmarshalValue decodes a NeuronInfo: the lite fields, then weights and
// bonds.
func (n *NeuronInfo) UnmarshalValue(v scale.Value) error {
	var rest struct {
		Weights [][2]uint16
		Bonds   [][2]uint16
	}
	if err := v.Unmarshal(&n.NeuronInfoLite); err != nil {
		return err
	}
	if err := v.Unmarshal(&rest); err != nil {
		return err
	}
	n.Weights, n.Bonds = rest.Weights, rest.Bonds
	return nil
}

// StakeInfo is StakeInfoRuntimeApi's StakeInfo: the stake of Coldkey on
// Hotkey in a subnet.
type StakeInfo struct {
	Hotkey       scale.AccountID
	Coldkey      scale.AccountID
	Netuid       uint16
	Stake        Alpha
	Locked       uint64
	Emission     uint64
	Drain        uint64
	IsRegistered bool
}

// UnmarshalValue decodes a StakeInfo, giving Stake the unit of its subnet.
func (s *StakeInfo) UnmarshalValue(v scale.Value) error {
	var raw struct {
		Hotkey       scale.AccountID
		Coldkey      scale.AccountID
		Netuid       uint16
		Stake        uint64
		Locked       uint64
		Emission     uint64
		Drain        uint64
		IsRegistered bool
	}
	if err := v.Unmarshal(&raw); err != nil {
		return err
	}
	*s = StakeInfo{raw.Hotkey, raw.Coldkey, raw.Netuid, Alpha{raw.Stake, raw.Netuid},
		raw.Locked, raw.Emission, raw.Drain, raw.IsRegistered}
	return nil
}

// Nomination is what one nominator stakes on a delegate: per subnet, in
// that subnet's unit.
type Nomination struct {
	Coldkey scale.AccountID
	Stakes  []Alpha
}

// UnmarshalValue decodes a nominator entry: (coldkey, amount) on spec 218,
// whose stake is TAO (the root subnet), or (coldkey, [(netuid, amount)])
// on runtimes with subnet tokens.
func (n *Nomination) UnmarshalValue(v scale.Value) error {
	if v.Len() != 2 {
		return fmt.Errorf("a nominator entry is a pair, got %s", v.Kind())
	}
	if err := v.Index(0).Unmarshal(&n.Coldkey); err != nil {
		return err
	}
	amounts := v.Index(1)
	if u, ok := amounts.Uint(); ok {
		n.Stakes = []Alpha{{Amount: u}}
		return nil
	}
	var pairs []struct {
		Netuid uint16
		Amount uint64
	}
	if err := amounts.Unmarshal(&pairs); err != nil {
		return err
	}
	n.Stakes = make([]Alpha, len(pairs))
	for i, p := range pairs {
		n.Stakes[i] = Alpha{Amount: p.Amount, Netuid: p.Netuid}
	}
	return nil
}

// DelegateInfo is DelegateInfoRuntimeApi's DelegateInfo. Take is a u16
// fraction of 65535.
type DelegateInfo struct {
	Hotkey           scale.AccountID `scale:"delegate_ss58"`
	Take             uint16
	Nominators       []Nomination
	Owner            scale.AccountID `scale:"owner_ss58"`
	Registrations    []uint16
	ValidatorPermits []uint16
	ReturnPer1000    uint64 `scale:"return_per_1000"`
	TotalDailyReturn uint64
}

// SubnetInfo is SubnetInfoRuntimeApi's SubnetInfo (and SubnetInfov2,
// whose identity it leaves out). Burn is the registration cost, in rao.
type SubnetInfo struct {
	Netuid               uint16
	Rho                  uint16
	Kappa                uint16
	Difficulty           uint64
	ImmunityPeriod       uint16
	MaxAllowedValidators uint16
	MinAllowedWeights    uint16
	MaxWeightsLimit      uint16
	ScalingLawPower      uint16
	SubnetworkN          uint16
	MaxAllowedUIDs       uint16 `scale:"max_allowed_uids"`
	BlocksSinceLastStep  uint64
	Tempo                uint16
	NetworkModality      uint16
	NetworkConnect       [][2]uint16
	Burn                 Balance
	Owner                scale.AccountID
}

// MetagraphData is the metagraph of a subnet (Metagraph decoded): the per-neuron columns that
// every runtime's metagraph has, indexed by uid, and the subnet's token
// columns where the runtime has subnet tokens (AlphaStake in the subnet's
// alpha, TaoStake in rao; both nil on spec 218). The u16 columns
// (Dividends … Rank) are fractions of 65535.
type MetagraphData struct {
	Netuid          uint16
	NumUIDs         uint16 `scale:"num_uids"`
	Hotkeys         []scale.AccountID
	Coldkeys        []scale.AccountID
	Active          []bool
	ValidatorPermit []bool
	PruningScore    []uint16
	LastUpdate      []uint64
	Emission        []uint64
	Dividends       []uint16
	Incentives      []uint16
	Consensus       []uint16
	Trust           []uint16
	Rank            []uint16
	AlphaStake      []uint64  `scale:"alpha_stake,optional"`
	TaoStake        []Balance `scale:"tao_stake,optional"`
	Block           uint64    `scale:"block,optional"`
	Tempo           uint16    `scale:"tempo,optional"`
}

// decodeTyped unmarshals v into a new T, naming what in the error.
func decodeTyped[T any](v scale.Value, what string) (T, error) {
	var out T
	if err := v.Unmarshal(&out); err != nil {
		return out, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// decodeOptional is decodeTyped for an answer that may be Null: nil then.
func decodeOptional[T any](v scale.Value, what string) (*T, error) {
	if v.IsNull() {
		return nil, nil
	}
	out, err := decodeTyped[T](v, what)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// NeuronsLiteOf is NeuronsLite decoded: the subnet's neurons by uid.
func NeuronsLiteOf(ctx context.Context, c *chain.Client, at string, netuid uint16) ([]NeuronInfoLite, error) {
	v, err := NeuronsLite(ctx, c, at, netuid)
	if err != nil {
		return nil, err
	}
	return decodeTyped[[]NeuronInfoLite](v, fmt.Sprintf("neurons_lite(%d)", netuid))
}

// NeuronOf is NeuronForUID decoded; nil when the subnet has no such uid.
func NeuronOf(ctx context.Context, c *chain.Client, at string, uid, netuid uint16) (*NeuronInfo, error) {
	v, err := NeuronForUID(ctx, c, at, uid, netuid)
	if err != nil {
		return nil, err
	}
	return decodeOptional[NeuronInfo](v, fmt.Sprintf("neuron_for_uid(%d, %d)", uid, netuid))
}

// StakeInfoOf is GetStakeInfoForColdkey decoded.
func StakeInfoOf(ctx context.Context, c *chain.Client, at, coldkey string) ([]StakeInfo, error) {
	v, err := GetStakeInfoForColdkey(ctx, c, at, coldkey)
	if err != nil {
		return nil, err
	}
	return decodeTyped[[]StakeInfo](v, fmt.Sprintf("get_stake_info_for_coldkey(%s)", coldkey))
}

// DelegatesOf is GetDelegates decoded.
func DelegatesOf(ctx context.Context, c *chain.Client, at string) ([]DelegateInfo, error) {
	v, err := GetDelegates(ctx, c, at)
	if err != nil {
		return nil, err
	}
	return decodeTyped[[]DelegateInfo](v, "get_delegates")
}

// DelegateOf is GetDelegateByHotkey decoded; nil when hotkey is not a
// delegate.
func DelegateOf(ctx context.Context, c *chain.Client, at, hotkey string) (*DelegateInfo, error) {
	v, err := GetDelegateByHotkey(ctx, c, at, hotkey)
	if err != nil {
		return nil, err
	}
	return decodeOptional[DelegateInfo](v, fmt.Sprintf("get_delegate_by_hotkey(%s)", hotkey))
}

// SubnetsOf is GetAllSubnetsInfo decoded.
func SubnetsOf(ctx context.Context, c *chain.Client, at string) ([]SubnetInfo, error) {
	v, err := GetAllSubnetsInfo(ctx, c, at)
	if err != nil {
		return nil, err
	}
	return decodeTyped[[]SubnetInfo](v, "get_all_subnets_info")
}

// MetagraphOf is Metagraph decoded; nil when the subnet does not exist.
func MetagraphOf(ctx context.Context, c *chain.Client, at string, netuid uint16, mechid uint8) (*MetagraphData, error) {
	v, err := Metagraph(ctx, c, at, netuid, mechid)
	if err != nil {
		return nil, err
	}
	return decodeOptional[MetagraphData](v, fmt.Sprintf("metagraph(%d, %d)", netuid, mechid))
}

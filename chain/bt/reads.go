package bt

import (
	"context"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// Hyperparameter reads SubtensorModule.<name>(netuid) as the SDK's
// get_hyperparameter does: ok is false, and nothing more is read, when
// SubtensorModule.NetworksAdded(netuid) says the subnet does not exist
// (the SDK gives None, where the storage alone would give its default).
// Both reads are made at the same block.
func Hyperparameter(ctx context.Context, c *chain.Client, at, name string, netuid uint16) (v scale.Value, ok bool, err error) {
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return scale.Null, false, err
	}
	exists, err := SubnetExists(ctx, c, hash, netuid)
	if err != nil || !exists {
		return scale.Null, false, err
	}
	v, err = c.Query(ctx, hash, subtensor, name, netuid)
	if err != nil {
		return scale.Null, false, err
	}
	return v, true, nil
}

// hyperUint reads an unsigned integer hyperparameter (see Hyperparameter).
func hyperUint(ctx context.Context, c *chain.Client, at, fn, name string, netuid uint16) (uint64, bool, error) {
	v, ok, err := Hyperparameter(ctx, c, at, name, netuid)
	if err == nil && ok {
		var u uint64
		if u, err = uintOf(v, subtensor+"."+name); err == nil {
			return u, true, nil
		}
	}
	if err != nil {
		return 0, false, fmt.Errorf("%s(%d): %w", fn, netuid, err)
	}
	return 0, false, nil
}

// Recycle returns SubtensorModule.Burn(netuid), the TAO burned to register
// a neuron; ok is false when the subnet does not exist.
func Recycle(ctx context.Context, c *chain.Client, at string, netuid uint16) (Balance, bool, error) {
	u, ok, err := hyperUint(ctx, c, at, "recycle", "Burn", netuid)
	return Balance(u), ok, err
}

// MaxWeightLimit returns SubtensorModule.MaxWeightsLimit(netuid) / 65535;
// ok is false when the subnet does not exist.
func MaxWeightLimit(ctx context.Context, c *chain.Client, at string, netuid uint16) (float64, bool, error) {
	u, ok, err := hyperUint(ctx, c, at, "max_weight_limit", "MaxWeightsLimit", netuid)
	return float64(u) / math.MaxUint16, ok, err
}

// MinAllowedWeights returns SubtensorModule.MinAllowedWeights(netuid); ok
// is false when the subnet does not exist.
func MinAllowedWeights(ctx context.Context, c *chain.Client, at string, netuid uint16) (uint64, bool, error) {
	return hyperUint(ctx, c, at, "min_allowed_weights", "MinAllowedWeights", netuid)
}

// WeightsRateLimit returns SubtensorModule.WeightsSetRateLimit(netuid); ok
// is false when the subnet does not exist.
func WeightsRateLimit(ctx context.Context, c *chain.Client, at string, netuid uint16) (uint64, bool, error) {
	return hyperUint(ctx, c, at, "weights_rate_limit", "WeightsSetRateLimit", netuid)
}

// CommitRevealEnabled reports SubtensorModule.CommitRevealWeightsEnabled
// (netuid); false when the subnet does not exist, as in the SDK.
func CommitRevealEnabled(ctx context.Context, c *chain.Client, at string, netuid uint16) (bool, error) {
	v, ok, err := Hyperparameter(ctx, c, at, "CommitRevealWeightsEnabled", netuid)
	if err != nil {
		return false, fmt.Errorf("commit_reveal_enabled(%d): %w", netuid, err)
	}
	if !ok {
		return false, nil
	}
	b, err := boolOf(v, "CommitRevealWeightsEnabled")
	if err != nil {
		return false, fmt.Errorf("commit_reveal_enabled(%d): %w", netuid, err)
	}
	return b, nil
}

// BlocksSinceLastStep returns SubtensorModule.BlocksSinceLastStep(netuid).
func BlocksSinceLastStep(ctx context.Context, c *chain.Client, at string, netuid uint16) (uint64, error) {
	u, err := queryUint(ctx, c, at, subtensor, "BlocksSinceLastStep", netuid)
	if err != nil {
		return 0, fmt.Errorf("blocks_since_last_step(%d): %w", netuid, err)
	}
	return u, nil
}

// NextEpochStartBlock returns the first block of the subnet's next epoch
// as the SDK computes it: the number of block at − BlocksSinceLastStep +
// Tempo + 1. ok is false when the subnet does not exist or its tempo is 0.
func NextEpochStartBlock(ctx context.Context, c *chain.Client, at string, netuid uint16) (uint64, bool, error) {
	wrap := func(err error) error { return fmt.Errorf("get_next_epoch_start_block(%d): %w", netuid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return 0, false, wrap(err)
	}
	since, err := BlocksSinceLastStep(ctx, c, hash, netuid)
	if err != nil {
		return 0, false, wrap(err)
	}
	tempo, ok, err := Tempo(ctx, c, hash, netuid)
	if err != nil || !ok || tempo == 0 {
		return 0, false, err
	}
	n, err := c.BlockNumber(ctx, hash)
	if err != nil {
		return 0, false, wrap(err)
	}
	if since > n {
		return 0, false, wrap(fmt.Errorf("BlocksSinceLastStep %d exceeds the block number %d", since, n))
	}
	return n - since + uint64(tempo) + 1, true, nil
}

// Timestamp returns Timestamp.Now: the time of block at, in milliseconds
// since 1970.
func Timestamp(ctx context.Context, c *chain.Client, at string) (uint64, error) {
	u, err := queryUint(ctx, c, at, "Timestamp", "Now")
	if err != nil {
		return 0, fmt.Errorf("get_timestamp: %w", err)
	}
	return u, nil
}

// SubnetOwnerHotkey returns SubtensorModule.SubnetOwnerHotkey(netuid).
func SubnetOwnerHotkey(ctx context.Context, c *chain.Client, at string, netuid uint16) (string, error) {
	v, err := c.Query(ctx, at, subtensor, "SubnetOwnerHotkey", netuid)
	if err != nil {
		return "", fmt.Errorf("get_subnet_owner_hotkey(%d): %w", netuid, err)
	}
	return v.String(), nil
}

// MechanismCount returns SubtensorModule.MechanismCountCurrent(netuid), or
// 1 on runtimes without mechanisms (as the SDK does).
func MechanismCount(ctx context.Context, c *chain.Client, at string, netuid uint16) (uint64, error) {
	wrap := func(err error) error { return fmt.Errorf("get_mechanism_count(%d): %w", netuid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return 0, wrap(err)
	}
	md, err := c.Metadata(ctx, hash)
	if err != nil {
		return 0, wrap(err)
	}
	if _, err := md.Storage(subtensor, "MechanismCountCurrent"); err != nil {
		return 1, nil
	}
	u, err := queryUint(ctx, c, hash, subtensor, "MechanismCountCurrent", netuid)
	if err != nil {
		return 0, wrap(err)
	}
	return u, nil
}

// GetSubnets returns the netuids of the map SubtensorModule.NetworksAdded
// whose value is true, in key order.
func GetSubnets(ctx context.Context, c *chain.Client, at string) ([]uint16, error) {
	out := []uint16{}
	err := c.QueryMap(ctx, at, subtensor, "NetworksAdded", nil, chain.MapOptions{}, func(e chain.MapEntry) error {
		if len(e.Keys) != 1 {
			return fmt.Errorf("NetworksAdded key %s: want 1 key, decoded %d", e.Key, len(e.Keys))
		}
		added, err := boolOf(e.Value, "NetworksAdded")
		if err != nil || !added {
			return err
		}
		n, err := uintOf(e.Keys[0], "NetworksAdded netuid")
		out = append(out, uint16(n))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get_subnets: %w", err)
	}
	return out, nil
}

// zeroAccount is the SS58 form of the all-zero account, the default of
// SubtensorModule.Owner for a hotkey nobody owns.
const zeroAccount = "5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM"

// HotkeyOwner returns SubtensorModule.Owner(hotkey); ok is false when the
// hotkey is unknown (the storage holds the all-zero default account).
func HotkeyOwner(ctx context.Context, c *chain.Client, at, hotkey string) (string, bool, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return "", false, fmt.Errorf("get_hotkey_owner: %w", err)
	}
	v, err := c.Query(ctx, at, subtensor, "Owner", hotkey)
	if err != nil {
		return "", false, fmt.Errorf("get_hotkey_owner(%s): %w", hotkey, err)
	}
	if v.IsNull() || v.Kind() != scale.KindAccount || allZero(v.Bytes()) {
		return "", false, nil
	}
	return v.String(), true, nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// DoesHotkeyExist reports whether SubtensorModule.Owner(hotkey) is set.
func DoesHotkeyExist(ctx context.Context, c *chain.Client, at, hotkey string) (bool, error) {
	_, ok, err := HotkeyOwner(ctx, c, at, hotkey)
	if err != nil {
		return false, fmt.Errorf("does_hotkey_exist: %w", err)
	}
	return ok, nil
}

// OwnedHotkeys returns SubtensorModule.OwnedHotkeys(coldkey).
func OwnedHotkeys(ctx context.Context, c *chain.Client, at, coldkey string) ([]string, error) {
	if err := checkAddress("coldkey", coldkey); err != nil {
		return nil, fmt.Errorf("get_owned_hotkeys: %w", err)
	}
	v, err := c.Query(ctx, at, subtensor, "OwnedHotkeys", coldkey)
	if err != nil {
		return nil, fmt.Errorf("get_owned_hotkeys(%s): %w", coldkey, err)
	}
	out := make([]string, 0, v.Len())
	for _, k := range v.Items() {
		out = append(out, k.String())
	}
	return out, nil
}

// Child is one entry of a hotkey's children or parents, as read or as
// SetChildrenCall sets them: the proportion of the parent's stake (0..1;
// the chain's u64 over 2^64−1, as the SDK normalizes it) and the hotkey.
type Child struct {
	Proportion float64
	Hotkey     string
}

// Children returns SubtensorModule.ChildKeys(hotkey, netuid).
func Children(ctx context.Context, c *chain.Client, at, hotkey string, netuid uint16) ([]Child, error) {
	return relatives(ctx, c, at, "get_children", "ChildKeys", hotkey, netuid)
}

// Parents returns SubtensorModule.ParentKeys(hotkey, netuid).
func Parents(ctx context.Context, c *chain.Client, at, hotkey string, netuid uint16) ([]Child, error) {
	return relatives(ctx, c, at, "get_parents", "ParentKeys", hotkey, netuid)
}

func relatives(ctx context.Context, c *chain.Client, at, fn, item, hotkey string, netuid uint16) ([]Child, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	wrap := func(err error) error { return fmt.Errorf("%s(%s, %d): %w", fn, hotkey, netuid, err) }
	v, err := c.Query(ctx, at, subtensor, item, hotkey, netuid)
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]Child, 0, v.Len())
	for _, p := range v.Items() {
		prop, err := uintOf(p.Index(0), item+" proportion")
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, Child{Proportion: float64(prop) / math.MaxUint64, Hotkey: p.Index(1).String()})
	}
	return out, nil
}

// StakeForHotkey returns SubtensorModule.TotalHotkeyAlpha(hotkey, netuid):
// the alpha staked on hotkey in the subnet, in units of 10^-9.
func StakeForHotkey(ctx context.Context, c *chain.Client, at, hotkey string, netuid uint16) (uint64, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return 0, fmt.Errorf("get_stake_for_hotkey: %w", err)
	}
	u, err := queryUint(ctx, c, at, subtensor, "TotalHotkeyAlpha", hotkey, netuid)
	if err != nil {
		return 0, fmt.Errorf("get_stake_for_hotkey(%s, %d): %w", hotkey, netuid, err)
	}
	return u, nil
}

// Identity returns SubtensorModule.IdentitiesV2(coldkey) (Identities on
// runtimes before it) with each byte field as text, as the SDK decodes
// it; ok is false when there is none.
func Identity(ctx context.Context, c *chain.Client, at, coldkey string) (map[string]string, bool, error) {
	if err := checkAddress("coldkey", coldkey); err != nil {
		return nil, false, fmt.Errorf("query_identity: %w", err)
	}
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return nil, false, fmt.Errorf("query_identity(%s): %w", coldkey, err)
	}
	md, err := c.Metadata(ctx, hash)
	if err != nil {
		return nil, false, fmt.Errorf("query_identity(%s): %w", coldkey, err)
	}
	item := "IdentitiesV2"
	if _, err := md.Storage(subtensor, item); err != nil {
		item = "Identities"
	}
	v, err := c.Query(ctx, hash, subtensor, item, coldkey)
	if err != nil {
		return nil, false, fmt.Errorf("query_identity(%s): %w", coldkey, err)
	}
	if v.IsNull() {
		return nil, false, nil
	}
	out := make(map[string]string, v.Len())
	for _, name := range v.FieldNames() {
		f, _ := v.Field(name)
		out[name] = text(f)
	}
	return out, true, nil
}

// text renders bytes as text when they are UTF-8, else as 0x-hex.
func text(v scale.Value) string {
	if s, ok := v.Str(); ok {
		return s
	}
	if v.Kind() == scale.KindBytes && utf8.Valid(v.Bytes()) {
		return string(v.Bytes())
	}
	return v.String()
}

// commitmentText is the text of a Commitments.CommitmentOf registration:
// the bytes of its first field, as the SDK decodes it; "" when empty.
func commitmentText(reg scale.Value) string {
	if reg.IsNull() {
		return ""
	}
	info, _ := reg.Field("info")
	fields, _ := info.Field("fields")
	if fields.Len() == 0 {
		return ""
	}
	payload, ok := fields.Index(0).Payload()
	if !ok {
		return ""
	}
	return string(payload.Bytes())
}

// AllCommitments returns the commitments of a subnet as hotkey → text:
// the map Commitments.CommitmentOf(netuid, *).
func AllCommitments(ctx context.Context, c *chain.Client, at string, netuid uint16) (map[string]string, error) {
	out := map[string]string{}
	err := c.QueryMap(ctx, at, commitments, "CommitmentOf", []any{netuid}, chain.MapOptions{}, func(e chain.MapEntry) error {
		if len(e.Keys) != 2 {
			return fmt.Errorf("CommitmentOf key %s: want 2 keys, decoded %d", e.Key, len(e.Keys))
		}
		out[e.Keys[1].String()] = commitmentText(e.Value)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get_all_commitments(%d): %w", netuid, err)
	}
	return out, nil
}

// Revealed is one revealed commitment: the block it was revealed at and
// its text.
type Revealed struct {
	Block uint64
	Text  string
}

// RevealedCommitmentByHotkey returns Commitments.RevealedCommitments
// (netuid, hotkey), each (bytes, block) as a Revealed; ok is false when
// there is none.
func RevealedCommitmentByHotkey(ctx context.Context, c *chain.Client, at string, netuid uint16, hotkey string) ([]Revealed, bool, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return nil, false, fmt.Errorf("get_revealed_commitment_by_hotkey: %w", err)
	}
	wrap := func(err error) error {
		return fmt.Errorf("get_revealed_commitment_by_hotkey(%d, %s): %w", netuid, hotkey, err)
	}
	v, err := c.Query(ctx, at, commitments, "RevealedCommitments", netuid, hotkey)
	if err != nil {
		return nil, false, wrap(err)
	}
	if v.IsNull() {
		return nil, false, nil
	}
	out := make([]Revealed, 0, v.Len())
	for _, p := range v.Items() {
		if p.Len() != 2 {
			return nil, false, wrap(fmt.Errorf("revealed commitment %s is not a (data, block) pair", p.String()))
		}
		b, err := uintOf(p.Index(1), "RevealedCommitments block")
		if err != nil {
			return nil, false, wrap(err)
		}
		out = append(out, Revealed{Block: b, Text: text(p.Index(0))})
	}
	return out, true, nil
}

// RevealedCommitment returns the revealed commitments of the neuron uid of
// netuid, whose hotkey is SubtensorModule.Keys(netuid, uid); ok is false
// when there are none.
func RevealedCommitment(ctx context.Context, c *chain.Client, at string, netuid, uid uint16) ([]Revealed, bool, error) {
	wrap := func(err error) error { return fmt.Errorf("get_revealed_commitment(%d, %d): %w", netuid, uid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return nil, false, wrap(err)
	}
	hotkey, err := c.Query(ctx, hash, subtensor, "Keys", netuid, uid)
	if err != nil {
		return nil, false, wrap(err)
	}
	r, ok, err := RevealedCommitmentByHotkey(ctx, c, hash, netuid, hotkey.String())
	if err != nil {
		return nil, false, wrap(err)
	}
	return r, ok, nil
}

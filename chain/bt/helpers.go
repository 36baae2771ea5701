package bt

import (
	"context"
	"errors"
	"fmt"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// GlobalMaxSubnetCount is subtensor's GLOBAL_MAX_SUBNET_COUNT: the stride
// between the storage indexes of a subnet's mechanisms.
const GlobalMaxSubnetCount = 4096

// Pallet names read by the helpers.
const (
	subtensor   = "SubtensorModule"
	commitments = "Commitments"
)

// StorageIndex is the key under which subtensor stores per-mechanism
// data (weights, bonds, weight commits): mechid × GlobalMaxSubnetCount +
// netuid. It fails when the index does not fit in a u16.
func StorageIndex(netuid uint16, mechid uint8) (uint16, error) {
	idx := uint32(mechid)*GlobalMaxSubnetCount + uint32(netuid)
	if idx > 0xffff {
		return 0, fmt.Errorf("mechanism %d of subnet %d has no storage index: %d×%d+%d exceeds 65535", mechid, netuid, mechid, GlobalMaxSubnetCount, netuid)
	}
	return uint16(idx), nil
}

// checkAddress validates an SS58 address argument.
func checkAddress(what, addr string) error {
	pub, _, err := scale.SS58Decode(addr)
	if err != nil {
		return fmt.Errorf("%s: invalid SS58 address: %w", what, err)
	}
	if len(pub) != 32 {
		return fmt.Errorf("%s: %q is not an account address (%d-byte key)", what, addr, len(pub))
	}
	return nil
}

func uintOf(v scale.Value, what string) (uint64, error) {
	u, ok := v.Uint()
	if !ok {
		return 0, fmt.Errorf("%s: expected an unsigned integer, got %s %s", what, v.Kind(), v.String())
	}
	return u, nil
}

func boolOf(v scale.Value, what string) (bool, error) {
	b, ok := v.Bool()
	if !ok {
		return false, fmt.Errorf("%s: expected a bool, got %s %s", what, v.Kind(), v.String())
	}
	return b, nil
}

// queryUint reads an unsigned integer storage value.
func queryUint(ctx context.Context, c *chain.Client, at, pallet, item string, keys ...any) (uint64, error) {
	v, err := c.Query(ctx, at, pallet, item, keys...)
	if err != nil {
		return 0, err
	}
	return uintOf(v, pallet+"."+item)
}

// GetCurrentBlock returns the number of block at ("" for the head).
func GetCurrentBlock(ctx context.Context, c *chain.Client, at string) (uint64, error) {
	n, err := c.BlockNumber(ctx, at)
	if err != nil {
		return 0, fmt.Errorf("get_current_block: %w", err)
	}
	return n, nil
}

// Tempo returns SubtensorModule.Tempo(netuid): the blocks between epochs;
// ok is false when the subnet does not exist (see Hyperparameter).
func Tempo(ctx context.Context, c *chain.Client, at string, netuid uint16) (tempo uint16, ok bool, err error) {
	u, ok, err := hyperUint(ctx, c, at, "tempo", "Tempo", netuid)
	return uint16(u), ok, err
}

// SubnetworkN returns SubtensorModule.SubnetworkN(netuid): the number of
// neurons registered on the subnet; ok is false when the subnet does not
// exist.
func SubnetworkN(ctx context.Context, c *chain.Client, at string, netuid uint16) (n uint16, ok bool, err error) {
	u, ok, err := hyperUint(ctx, c, at, "subnetwork_n", "SubnetworkN", netuid)
	return uint16(u), ok, err
}

// ImmunityPeriod returns SubtensorModule.ImmunityPeriod(netuid); ok is
// false when the subnet does not exist.
func ImmunityPeriod(ctx context.Context, c *chain.Client, at string, netuid uint16) (blocks uint16, ok bool, err error) {
	u, ok, err := hyperUint(ctx, c, at, "immunity_period", "ImmunityPeriod", netuid)
	return uint16(u), ok, err
}

// Difficulty returns SubtensorModule.Difficulty(netuid): the proof of work
// difficulty of registration; ok is false when the subnet does not exist.
func Difficulty(ctx context.Context, c *chain.Client, at string, netuid uint16) (difficulty uint64, ok bool, err error) {
	return hyperUint(ctx, c, at, "difficulty", "Difficulty", netuid)
}

// SubnetExists reports SubtensorModule.NetworksAdded(netuid).
func SubnetExists(ctx context.Context, c *chain.Client, at string, netuid uint16) (bool, error) {
	v, err := c.Query(ctx, at, subtensor, "NetworksAdded", netuid)
	if err == nil {
		var b bool
		if b, err = boolOf(v, "NetworksAdded"); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("subnet_exists(%d): %w", netuid, err)
}

// GetTotalSubnets returns SubtensorModule.TotalNetworks.
func GetTotalSubnets(ctx context.Context, c *chain.Client, at string) (uint16, error) {
	u, err := queryUint(ctx, c, at, subtensor, "TotalNetworks")
	if err != nil {
		return 0, fmt.Errorf("get_total_subnets: %w", err)
	}
	return uint16(u), nil
}

// GetBalance returns the free balance of address: System.Account(address)
// data.free.
func GetBalance(ctx context.Context, c *chain.Client, at, address string) (Balance, error) {
	if err := checkAddress("address", address); err != nil {
		return 0, fmt.Errorf("get_balance: %w", err)
	}
	v, err := c.Query(ctx, at, "System", "Account", address)
	if err != nil {
		return 0, fmt.Errorf("get_balance(%s): %w", address, err)
	}
	b, err := freeOf(v)
	if err != nil {
		return 0, fmt.Errorf("get_balance(%s): %w", address, err)
	}
	return b, nil
}

func freeOf(acct scale.Value) (Balance, error) {
	data, ok := acct.Field("data")
	if !ok {
		return 0, fmt.Errorf("System.Account has no data field: %s", acct.String())
	}
	free, ok := data.Field("free")
	if !ok {
		return 0, fmt.Errorf("System.Account data has no free field: %s", data.String())
	}
	u, err := uintOf(free, "System.Account data.free")
	return Balance(u), err
}

// GetBalances returns the free balances of addresses, in order, read with
// one batched storage request (state_queryStorageAt).
func GetBalances(ctx context.Context, c *chain.Client, at string, addresses ...string) ([]Balance, error) {
	keys := make([]chain.StorageKey, len(addresses))
	for i, a := range addresses {
		if err := checkAddress(fmt.Sprintf("address %d", i+1), a); err != nil {
			return nil, fmt.Errorf("get_balances: %w", err)
		}
		keys[i] = chain.StorageKey{Pallet: "System", Item: "Account", Keys: []any{a}}
	}
	if len(keys) == 0 {
		return []Balance{}, nil
	}
	vals, err := c.QueryMulti(ctx, at, keys)
	if err != nil {
		return nil, fmt.Errorf("get_balances: %w", err)
	}
	out := make([]Balance, len(vals))
	for i, v := range vals {
		if out[i], err = freeOf(v); err != nil {
			return nil, fmt.Errorf("get_balances: %s: %w", addresses[i], err)
		}
	}
	return out, nil
}

// GetExistentialDeposit returns the constant Balances.ExistentialDeposit.
func GetExistentialDeposit(ctx context.Context, c *chain.Client, at string) (Balance, error) {
	v, err := c.Constant(ctx, at, "Balances", "ExistentialDeposit")
	if err != nil {
		return 0, fmt.Errorf("get_existential_deposit: %w", err)
	}
	u, err := uintOf(v, "Balances.ExistentialDeposit")
	if err != nil {
		return 0, fmt.Errorf("get_existential_deposit: %w", err)
	}
	return Balance(u), nil
}

// GetDelegateTake returns the take of delegate hotkey as a fraction:
// SubtensorModule.Delegates(hotkey) / 65535.
func GetDelegateTake(ctx context.Context, c *chain.Client, at, hotkey string) (float64, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return 0, fmt.Errorf("get_delegate_take: %w", err)
	}
	u, err := queryUint(ctx, c, at, subtensor, "Delegates", hotkey)
	if err != nil {
		return 0, fmt.Errorf("get_delegate_take(%s): %w", hotkey, err)
	}
	return float64(u) / 65535, nil
}

// GetUIDForHotkeyOnSubnet returns SubtensorModule.Uids(netuid, hotkey); ok
// is false when the hotkey is not registered on the subnet.
func GetUIDForHotkeyOnSubnet(ctx context.Context, c *chain.Client, at, hotkey string, netuid uint16) (uid uint16, ok bool, err error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return 0, false, fmt.Errorf("get_uid_for_hotkey_on_subnet: %w", err)
	}
	v, err := c.Query(ctx, at, subtensor, "Uids", netuid, hotkey)
	if err != nil {
		return 0, false, fmt.Errorf("get_uid_for_hotkey_on_subnet(%s, %d): %w", hotkey, netuid, err)
	}
	if v.IsNull() {
		return 0, false, nil
	}
	u, err := uintOf(v, "Uids")
	if err != nil {
		return 0, false, fmt.Errorf("get_uid_for_hotkey_on_subnet(%s, %d): %w", hotkey, netuid, err)
	}
	return uint16(u), true, nil
}

// IsHotkeyRegisteredOnSubnet reports whether hotkey has a uid on netuid.
func IsHotkeyRegisteredOnSubnet(ctx context.Context, c *chain.Client, at, hotkey string, netuid uint16) (bool, error) {
	_, ok, err := GetUIDForHotkeyOnSubnet(ctx, c, at, hotkey, netuid)
	if err != nil {
		return false, fmt.Errorf("is_hotkey_registered_on_subnet: %w", err)
	}
	return ok, nil
}

// GetNetuidsForHotkey returns the subnets hotkey is a member of: the
// entries of the map SubtensorModule.IsNetworkMember(hotkey, *) whose value
// is true, in key order.
func GetNetuidsForHotkey(ctx context.Context, c *chain.Client, at, hotkey string) ([]uint16, error) {
	if err := checkAddress("hotkey", hotkey); err != nil {
		return nil, fmt.Errorf("get_netuids_for_hotkey: %w", err)
	}
	out := []uint16{}
	err := c.QueryMap(ctx, at, subtensor, "IsNetworkMember", []any{hotkey}, chain.MapOptions{}, func(e chain.MapEntry) error {
		if len(e.Keys) != 2 {
			return fmt.Errorf("IsNetworkMember key %s: want 2 keys, decoded %d", e.Key, len(e.Keys))
		}
		member, err := boolOf(e.Value, "IsNetworkMember")
		if err != nil || !member {
			return err
		}
		n, err := uintOf(e.Keys[1], "IsNetworkMember netuid")
		out = append(out, uint16(n))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get_netuids_for_hotkey(%s): %w", hotkey, err)
	}
	return out, nil
}

// IsHotkeyRegisteredAny reports whether hotkey is a member of any subnet.
func IsHotkeyRegisteredAny(ctx context.Context, c *chain.Client, at, hotkey string) (bool, error) {
	n, err := GetNetuidsForHotkey(ctx, c, at, hotkey)
	if err != nil {
		return false, fmt.Errorf("is_hotkey_registered_any: %w", err)
	}
	return len(n) > 0, nil
}

// IsHotkeyRegistered reports whether hotkey is registered on netuid, or on
// any subnet when netuid is nil.
func IsHotkeyRegistered(ctx context.Context, c *chain.Client, at, hotkey string, netuid *uint16) (bool, error) {
	if netuid == nil {
		return IsHotkeyRegisteredAny(ctx, c, at, hotkey)
	}
	return IsHotkeyRegisteredOnSubnet(ctx, c, at, hotkey, *netuid)
}

// BlocksSinceLastUpdate returns the number of the block at minus
// SubtensorModule.LastUpdate(netuid)[uid]; ok is false when the subnet has
// no such uid.
func BlocksSinceLastUpdate(ctx context.Context, c *chain.Client, at string, netuid, uid uint16) (blocks uint64, ok bool, err error) {
	wrap := func(err error) error { return fmt.Errorf("blocks_since_last_update(%d, %d): %w", netuid, uid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return 0, false, wrap(err)
	}
	current, err := c.BlockNumber(ctx, hash)
	if err != nil {
		return 0, false, wrap(err)
	}
	v, err := c.Query(ctx, hash, subtensor, "LastUpdate", netuid)
	if err != nil {
		return 0, false, wrap(err)
	}
	if int(uid) >= v.Len() {
		return 0, false, nil
	}
	last, err := uintOf(v.Index(int(uid)), "LastUpdate")
	if err != nil {
		return 0, false, wrap(err)
	}
	if last > current {
		return 0, false, wrap(fmt.Errorf("last update at block %d is after block %d", last, current))
	}
	return current - last, true, nil
}

// Pair is one entry of a weight or bond row: the target uid and the value.
type Pair struct {
	UID   uint16
	Value uint16
}

// Row is one neuron's row of the weight or bond matrix.
type Row struct {
	UID   uint16
	Pairs []Pair
}

// Weights returns the weight matrix of a subnet mechanism: the map
// SubtensorModule.Weights(StorageIndex(netuid, mechid), uid), one Row per
// neuron with weights set, in uid key order.
func Weights(ctx context.Context, c *chain.Client, at string, netuid uint16, mechid uint8) ([]Row, error) {
	rows, err := matrix(ctx, c, at, "Weights", netuid, mechid)
	if err != nil {
		return nil, fmt.Errorf("weights(%d, %d): %w", netuid, mechid, err)
	}
	return rows, nil
}

// Bonds returns the bond matrix of a subnet mechanism: the map
// SubtensorModule.Bonds(StorageIndex(netuid, mechid), uid).
func Bonds(ctx context.Context, c *chain.Client, at string, netuid uint16, mechid uint8) ([]Row, error) {
	rows, err := matrix(ctx, c, at, "Bonds", netuid, mechid)
	if err != nil {
		return nil, fmt.Errorf("bonds(%d, %d): %w", netuid, mechid, err)
	}
	return rows, nil
}

func matrix(ctx context.Context, c *chain.Client, at, item string, netuid uint16, mechid uint8) ([]Row, error) {
	idx, err := StorageIndex(netuid, mechid)
	if err != nil {
		return nil, err
	}
	rows := []Row{}
	err = c.QueryMap(ctx, at, subtensor, item, []any{idx}, chain.MapOptions{}, func(e chain.MapEntry) error {
		if len(e.Keys) != 2 {
			return fmt.Errorf("%s key %s: want 2 keys, decoded %d", item, e.Key, len(e.Keys))
		}
		uid, err := uintOf(e.Keys[1], item+" uid")
		if err != nil {
			return err
		}
		row := Row{UID: uint16(uid), Pairs: make([]Pair, 0, e.Value.Len())}
		for i := range e.Value.Len() {
			p := e.Value.Index(i)
			dst, err1 := uintOf(p.Index(0), item+" target uid")
			val, err2 := uintOf(p.Index(1), item+" value")
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			row.Pairs = append(row.Pairs, Pair{UID: uint16(dst), Value: uint16(val)})
		}
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// GetCurrentWeightCommitInfo returns the pending timelocked weight commits
// of a subnet mechanism: every commit of every epoch in the map
// SubtensorModule.TimelockedWeightCommits(StorageIndex(netuid, mechid), *),
// each a tuple (hotkey, commit block, ciphertext, reveal round). Runtimes
// before timelocked commits are read from CRV3WeightCommits(netuid, *),
// whose tuples are (hotkey, ciphertext, reveal round).
func GetCurrentWeightCommitInfo(ctx context.Context, c *chain.Client, at string, netuid uint16, mechid uint8) (scale.Value, error) {
	return weightCommits(ctx, c, at, "get_current_weight_commit_info", netuid, mechid)
}

// GetTimelockedWeightCommits is GetCurrentWeightCommitInfo under the SDK's
// newer name, which its errors carry.
func GetTimelockedWeightCommits(ctx context.Context, c *chain.Client, at string, netuid uint16, mechid uint8) (scale.Value, error) {
	return weightCommits(ctx, c, at, "get_timelocked_weight_commits", netuid, mechid)
}

func weightCommits(ctx context.Context, c *chain.Client, at, fn string, netuid uint16, mechid uint8) (scale.Value, error) {
	wrap := func(err error) error {
		return fmt.Errorf("%s(%d, %d): %w", fn, netuid, mechid, err)
	}
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return scale.Null, wrap(err)
	}
	md, err := c.Metadata(ctx, hash)
	if err != nil {
		return scale.Null, wrap(err)
	}
	item := "TimelockedWeightCommits"
	idx, err := StorageIndex(netuid, mechid)
	if err != nil {
		return scale.Null, wrap(err)
	}
	if _, err := md.Storage(subtensor, item); err != nil {
		item, idx = "CRV3WeightCommits", netuid
		if _, err := md.Storage(subtensor, item); err != nil {
			return scale.Null, wrap(fmt.Errorf("the runtime has neither SubtensorModule.TimelockedWeightCommits nor CRV3WeightCommits"))
		}
		if mechid != 0 {
			return scale.Null, wrap(fmt.Errorf("the runtime has no mechanisms (CRV3WeightCommits is keyed by netuid)"))
		}
	}
	var commits []scale.Value
	err = c.QueryMap(ctx, hash, subtensor, item, []any{idx}, chain.MapOptions{}, func(e chain.MapEntry) error {
		commits = append(commits, e.Value.Items()...)
		return nil
	})
	if err != nil {
		return scale.Null, wrap(err)
	}
	return scale.NewSeq(commits), nil
}

// GetCommitment returns the commitment of the neuron uid on netuid as text:
// its hotkey is SubtensorModule.Keys(netuid, uid) and its commitment
// Commitments.CommitmentOf(netuid, hotkey), whose first field's bytes are
// the text (as the SDK decodes it). It returns "" when there is none.
func GetCommitment(ctx context.Context, c *chain.Client, at string, netuid, uid uint16) (string, error) {
	wrap := func(err error) error { return fmt.Errorf("get_commitment(%d, %d): %w", netuid, uid, err) }
	hash, err := c.Resolve(ctx, at)
	if err != nil {
		return "", wrap(err)
	}
	hotkey, err := c.Query(ctx, hash, subtensor, "Keys", netuid, uid)
	if err != nil {
		return "", wrap(err)
	}
	reg, err := c.Query(ctx, hash, commitments, "CommitmentOf", netuid, hotkey)
	if err != nil {
		return "", wrap(err)
	}
	return commitmentText(reg), nil
}

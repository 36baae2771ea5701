package bindings

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// The bt read helpers, each declared by its SDK signature.

// netuidMap is a table keyed by netuid, as the SDK's dict[int, ...]: the
// engine converts only string-keyed Go maps.
type netuidMap map[uint16]engine.LuaValuer

func (m netuidMap) LuaValue(L *lua.LState) lua.LValue {
	t := L.CreateTable(0, len(m))
	for n, v := range m {
		t.RawSet(lua.LNumber(n), v.LuaValue(L))
	}
	return t
}

// orNil gives nil (None in the SDK) when ok is false.
func orNil(v any, ok bool, err error) (any, error) {
	if err != nil || !ok {
		return nil, err
	}
	return v, nil
}

func (b *binder) btHelpers() []btHelper {
	c := b.c
	hs := []btHelper{}
	add := func(spec string, run func(ctx context.Context, a *callArgs) (any, error)) {
		hs = append(hs, btHelper{sig: parseSignature(spec), run: run})
	}
	value := func(v scale.Value, err error) (any, error) { return Value{v}, err }

	add("get_current_block()", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.GetCurrentBlock(ctx, c, a.at)
	})
	add("get_timestamp(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		ms, err := bt.Timestamp(ctx, c, a.at)
		return float64(ms) / 1000, err
	})
	// Hyperparameters: nil when the subnet does not exist, as in the SDK.
	add("tempo(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.Tempo(ctx, c, a.at, a.u16(0)))
	})
	add("subnetwork_n(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.SubnetworkN(ctx, c, a.at, a.u16(0)))
	})
	add("immunity_period(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.ImmunityPeriod(ctx, c, a.at, a.u16(0)))
	})
	add("difficulty(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.Difficulty(ctx, c, a.at, a.u16(0)))
	})
	add("recycle(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, ok, err := bt.Recycle(ctx, c, a.at, a.u16(0))
		return orNil(Balance(v), ok, err)
	})
	add("max_weight_limit(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.MaxWeightLimit(ctx, c, a.at, a.u16(0)))
	})
	add("min_allowed_weights(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.MinAllowedWeights(ctx, c, a.at, a.u16(0)))
	})
	add("weights_rate_limit(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.WeightsRateLimit(ctx, c, a.at, a.u16(0)))
	})
	add("get_hyperparameter(param_name, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, ok, err := bt.Hyperparameter(ctx, c, a.at, a.str(0), a.u16(1))
		if err != nil {
			return nil, fmt.Errorf("get_hyperparameter(%s, %d): %w", a.str(0), a.u16(1), err)
		}
		return orNil(Value{v}, ok, nil)
	})
	add("commit_reveal_enabled(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.CommitRevealEnabled(ctx, c, a.at, a.u16(0))
	})
	add("blocks_since_last_step(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.BlocksSinceLastStep(ctx, c, a.at, a.u16(0))
	})
	add("get_next_epoch_start_block(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.NextEpochStartBlock(ctx, c, a.at, a.u16(0)))
	})
	add("subnet_exists(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.SubnetExists(ctx, c, a.at, a.u16(0))
	})
	add("get_total_subnets(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.GetTotalSubnets(ctx, c, a.at)
	})
	subnets := func(ctx context.Context, a *callArgs) (any, error) {
		n, err := bt.GetSubnets(ctx, c, a.at)
		return u16s(n), err
	}
	add("get_subnets(block?)", subnets)
	add("get_all_subnets_netuid(block?)", subnets)
	add("get_subnet_owner_hotkey(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.SubnetOwnerHotkey(ctx, c, a.at, a.u16(0))
	})
	add("get_mechanism_count(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.MechanismCount(ctx, c, a.at, a.u16(0))
	})
	add("get_existential_deposit(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, err := bt.GetExistentialDeposit(ctx, c, a.at)
		return Balance(v), err
	})
	add("get_subnet_burn_cost(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, err := bt.GetSubnetBurnCost(ctx, c, a.at)
		return Balance(v), err
	})
	add("get_subnet_price(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, err := bt.SubnetPrice(ctx, c, a.at, a.u16(0))
		return Balance(v), err
	})
	add("get_subnet_prices(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		ps, err := bt.SubnetPrices(ctx, c, a.at)
		if err != nil {
			return nil, err
		}
		out := make(netuidMap, len(ps))
		for n, p := range ps {
			out[n] = Balance(p)
		}
		return out, nil
	})
	// Runtime API reads.
	add("neurons_lite(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.NeuronsLite(ctx, c, a.at, a.u16(0)))
	})
	add("neurons(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.Neurons(ctx, c, a.at, a.u16(0)))
	})
	add("neuron_for_uid(uid, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.NeuronForUID(ctx, c, a.at, a.u16(0), a.u16(1)))
	})
	add("get_neuron_for_pubkey_and_subnet(hotkey, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.NeuronForPubkeyAndSubnet(ctx, c, a.at, a.str(0), a.u16(1)))
	})
	add("get_subnet_hyperparameters(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetSubnetHyperparameters(ctx, c, a.at, a.u16(0)))
	})
	add("get_all_subnets_info(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetAllSubnetsInfo(ctx, c, a.at))
	})
	add("get_subnet_info(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetSubnetInfo(ctx, c, a.at, a.u16(0)))
	})
	add("subnet(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.Subnet(ctx, c, a.at, a.u16(0)))
	})
	add("all_subnets(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.AllSubnets(ctx, c, a.at))
	})
	add("get_delegates(block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetDelegates(ctx, c, a.at))
	})
	add("get_delegate_by_hotkey(hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetDelegateByHotkey(ctx, c, a.at, a.str(0)))
	})
	add("get_delegated(coldkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetDelegated(ctx, c, a.at, a.str(0)))
	})
	add("is_hotkey_delegate(hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.IsHotkeyDelegate(ctx, c, a.at, a.str(0))
	})
	// Accounts and stake.
	add("get_balance(address, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, err := bt.GetBalance(ctx, c, a.at, a.str(0))
		return Balance(v), err
	})
	add("get_stake(coldkey, hotkey, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, err := bt.GetStake(ctx, c, a.at, a.str(0), a.str(1), a.u16(2))
		return stakeAmount(bt.Balance(v.Amount), v.Netuid), err
	})
	add("get_stake_for_hotkey(hotkey, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		v, err := bt.StakeForHotkey(ctx, c, a.at, a.str(0), a.u16(1))
		return stakeAmount(bt.Balance(v), a.u16(1)), err
	})
	add("get_stake_for_coldkey_and_hotkey(coldkey, hotkey, netuids?, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		var netuids []uint16
		if a.has(2) {
			netuids = a.u16s(2)
		}
		m, err := bt.StakeForColdkeyAndHotkey(ctx, c, a.at, a.str(0), a.str(1), netuids)
		if err != nil {
			return nil, err
		}
		out := make(netuidMap, len(m))
		for n, v := range m {
			out[n] = Value{v}
		}
		return out, nil
	})
	stakeInfo := func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetStakeInfoForColdkey(ctx, c, a.at, a.str(0)))
	}
	add("get_stake_info_for_coldkey(coldkey, block?)", stakeInfo)
	add("get_stake_for_coldkey(coldkey, block?)", stakeInfo)
	add("get_owned_hotkeys(coldkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		hs, err := bt.OwnedHotkeys(ctx, c, a.at, a.str(0))
		return strs(hs), err
	})
	add("query_identity(coldkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		id, ok, err := bt.Identity(ctx, c, a.at, a.str(0))
		if err != nil || !ok {
			return nil, err
		}
		out := make(map[string]any, len(id))
		for k, v := range id {
			out[k] = v
		}
		return out, nil
	})
	// Hotkeys.
	add("get_delegate_take(hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.GetDelegateTake(ctx, c, a.at, a.str(0))
	})
	add("get_netuids_for_hotkey(hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		n, err := bt.GetNetuidsForHotkey(ctx, c, a.at, a.str(0))
		return u16s(n), err
	})
	add("is_hotkey_registered_any(hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.IsHotkeyRegisteredAny(ctx, c, a.at, a.str(0))
	})
	add("is_hotkey_registered(hotkey, netuid?, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		var netuid *uint16
		if a.has(1) {
			n := a.u16(1)
			netuid = &n
		}
		return bt.IsHotkeyRegistered(ctx, c, a.at, a.str(0), netuid)
	})
	add("is_hotkey_registered_on_subnet(hotkey, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.IsHotkeyRegisteredOnSubnet(ctx, c, a.at, a.str(0), a.u16(1))
	})
	add("get_uid_for_hotkey_on_subnet(hotkey, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.GetUIDForHotkeyOnSubnet(ctx, c, a.at, a.str(0), a.u16(1)))
	})
	add("get_hotkey_owner(hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.HotkeyOwner(ctx, c, a.at, a.str(0)))
	})
	add("does_hotkey_exist(hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.DoesHotkeyExist(ctx, c, a.at, a.str(0))
	})
	add("get_children(hotkey, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		ch, err := bt.Children(ctx, c, a.at, a.str(0), a.u16(1))
		if err != nil {
			return nil, err
		}
		return multi{true, childTable(ch), ""}, nil
	})
	add("get_parents(hotkey, netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		ps, err := bt.Parents(ctx, c, a.at, a.str(0), a.u16(1))
		return childTable(ps), err
	})
	add("blocks_since_last_update(netuid, uid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return orNil(bt.BlocksSinceLastUpdate(ctx, c, a.at, a.u16(0), a.u16(1)))
	})
	// Commitments.
	add("get_commitment(netuid, uid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return bt.GetCommitment(ctx, c, a.at, a.u16(0), a.u16(1))
	})
	add("get_all_commitments(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		m, err := bt.AllCommitments(ctx, c, a.at, a.u16(0))
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out, nil
	})
	add("get_revealed_commitment(netuid, uid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		r, ok, err := bt.RevealedCommitment(ctx, c, a.at, a.u16(0), a.u16(1))
		return orNil(revealedTable(r), ok, err)
	})
	add("get_revealed_commitment_by_hotkey(netuid, hotkey, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		r, ok, err := bt.RevealedCommitmentByHotkey(ctx, c, a.at, a.u16(0), a.str(1))
		return orNil(revealedTable(r), ok, err)
	})
	// Metagraphs, weights and bonds.
	add("metagraph(netuid, lite?, block?, mechid?)", func(ctx context.Context, a *callArgs) (any, error) {
		if !a.boolOr(1, true) {
			return nil, parseSignature("metagraph(netuid, lite?, block?, mechid?)").errorf(
				"lite=false (weights and bonds in the metagraph) is not supported: read them with bt.weights and bt.bonds, or use bt.neurons")
		}
		v, err := bt.Metagraph(ctx, c, a.at, a.u16(0), a.u8(3))
		return metagraphValue{v}, err
	})
	add("get_metagraph_info(netuid, field_indices?, block?, mechid?)", func(ctx context.Context, a *callArgs) (any, error) {
		var idx []uint16
		if a.has(1) {
			idx = a.u16s(1)
			if idx == nil {
				idx = []uint16{}
			}
		}
		v, err := bt.MetagraphInfo(ctx, c, a.at, a.u16(0), idx, a.u8(3))
		return metagraphValue{v}, err
	})
	add("weights(netuid, block?, mechid?)", func(ctx context.Context, a *callArgs) (any, error) {
		rows, err := bt.Weights(ctx, c, a.at, a.u16(0), a.u8(2))
		return rowsTable(rows), err
	})
	add("bonds(netuid, block?, mechid?)", func(ctx context.Context, a *callArgs) (any, error) {
		rows, err := bt.Bonds(ctx, c, a.at, a.u16(0), a.u8(2))
		return rowsTable(rows), err
	})
	add("get_current_weight_commit_info(netuid, block?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetCurrentWeightCommitInfo(ctx, c, a.at, a.u16(0), 0))
	})
	add("get_timelocked_weight_commits(netuid, block?, mechid?)", func(ctx context.Context, a *callArgs) (any, error) {
		return value(bt.GetTimelockedWeightCommits(ctx, c, a.at, a.u16(0), a.u8(2)))
	})
	hs = append(hs, b.getBalances())
	return hs
}

// getBalances is get_balances(*addresses, block?): the addresses as
// arguments or as one list, and the block last, by position (a number or a
// 0x hash, which no SS58 address is) or by name.
func (b *binder) getBalances() btHelper {
	sig := signature{name: "get_balances", params: []param{{name: "addresses", kind: kAddress}, {name: "block", kind: kBlock, opt: true}}}
	usage := "bt.get_balances(address, ...[, block])"
	bad := func(format string, a ...any) error {
		return &argError{msg: "bt.get_balances: " + fmt.Sprintf(format, a...) + " (usage: " + usage + ")"}
	}
	return btHelper{sig: sig, run: func(ctx context.Context, a *callArgs) (any, error) {
		list := a.vals[0].([]any)
		addrs := make([]string, len(list))
		for i := range list {
			s, err := addressArg("bt.get_balances", "address "+itoa(i+1), list, i)
			if err != nil {
				return nil, bad("%s", strings.TrimPrefix(err.Error(), "bt.get_balances: "))
			}
			addrs[i] = s
		}
		bals, err := bt.GetBalances(ctx, b.c, a.at, addrs...)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(bals))
		for i, v := range bals {
			out[addrs[i]] = Balance(v)
		}
		return out, nil
	}, custom: func(ctx context.Context, args []any) (*callArgs, error) {
		for len(args) > 0 && args[len(args)-1] == nil {
			args = args[:len(args)-1] // get_balances(a, b, nil): no block
		}
		var block any
		if n := len(args); n > 0 {
			if m, ok := args[n-1].(map[string]any); ok && len(m) > 0 {
				for k, v := range m {
					if k != "block" {
						return nil, bad("unknown named argument %q", k)
					}
					block = v
				}
				args = args[:n-1]
			} else if isBlockArg(args[n-1]) {
				block, args = args[n-1], args[:n-1]
			}
		}
		list := args
		if len(args) == 1 {
			switch x := args[0].(type) {
			case []any:
				list = x
			case map[string]any:
				list = nil
			}
		}
		a := &callArgs{vals: []any{list, nil}, set: []bool{true, block != nil}}
		var err error
		if block != nil {
			if a.at, err = resolveBlock(ctx, b.c, block); err != nil {
				return nil, bad("%s", err)
			}
		} else if a.at, err = pinned(ctx); err != nil {
			return nil, bad("%s", err)
		}
		return a, nil
	}}
}

// isBlockArg reports whether v reads as a block: a number or a 0x hash.
func isBlockArg(v any) bool {
	switch x := v.(type) {
	case int64, float64, *big.Int:
		return true
	case string:
		return strings.HasPrefix(x, "0x")
	}
	return false
}

func u16s(n []uint16) []any {
	out := make([]any, len(n))
	for i, x := range n {
		out[i] = x
	}
	return out
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// childTable renders children or parents as the SDK's
// {{proportion, hotkey}, ...}.
func childTable(ch []bt.Child) []any {
	out := make([]any, len(ch))
	for i, x := range ch {
		out[i] = []any{x.Proportion, x.Hotkey}
	}
	return out
}

// revealedTable renders revealed commitments as the SDK's
// {{block, text}, ...}.
func revealedTable(r []bt.Revealed) []any {
	out := make([]any, len(r))
	for i, x := range r {
		out[i] = []any{x.Block, x.Text}
	}
	return out
}

// stakeAmount is a stake in its unit: TAO on the root subnet, the
// subnet's alpha elsewhere.
func stakeAmount(v bt.Balance, netuid uint16) any {
	if netuid == 0 {
		return Balance(v)
	}
	return Alpha{Amount: v, Netuid: netuid}
}

package bindings

import (
	"context"
	"math"
	"math/big"
	"strings"

	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// btModule is the bt module: the Bittensor helpers of package bt with the
// SDK's names and argument orders.
func (b *binder) btModule() *engine.Module {
	m := engine.NewModule()
	type helper func(ctx context.Context, at string, args []any) ([]any, error)
	add := func(name string, h helper) {
		m.Async(name, b.chainCall("bt."+name, func(ctx context.Context, args []any) ([]any, error) {
			at, err := pinned(ctx)
			if err != nil {
				return nil, argErr(name, "%s", err)
			}
			return h(ctx, at, args)
		}))
	}
	c := b.c
	netuidOnly := func(name string, f func(context.Context, string, uint16) (any, error)) {
		add(name, func(ctx context.Context, at string, args []any) ([]any, error) {
			netuid, err := u16Arg(name, "netuid", args, 0)
			if err != nil {
				return nil, err
			}
			v, err := f(ctx, at, netuid)
			return []any{v}, err
		})
	}

	add("get_current_block", func(ctx context.Context, at string, _ []any) ([]any, error) {
		n, err := bt.GetCurrentBlock(ctx, c, at)
		return []any{n}, err
	})
	netuidOnly("tempo", func(ctx context.Context, at string, n uint16) (any, error) { return bt.Tempo(ctx, c, at, n) })
	netuidOnly("subnetwork_n", func(ctx context.Context, at string, n uint16) (any, error) { return bt.SubnetworkN(ctx, c, at, n) })
	netuidOnly("immunity_period", func(ctx context.Context, at string, n uint16) (any, error) { return bt.ImmunityPeriod(ctx, c, at, n) })
	netuidOnly("difficulty", func(ctx context.Context, at string, n uint16) (any, error) { return bt.Difficulty(ctx, c, at, n) })
	netuidOnly("subnet_exists", func(ctx context.Context, at string, n uint16) (any, error) { return bt.SubnetExists(ctx, c, at, n) })
	netuidOnly("neurons_lite", func(ctx context.Context, at string, n uint16) (any, error) {
		v, err := bt.NeuronsLite(ctx, c, at, n)
		return Value{v}, err
	})
	netuidOnly("get_subnet_hyperparameters", func(ctx context.Context, at string, n uint16) (any, error) {
		v, err := bt.GetSubnetHyperparameters(ctx, c, at, n)
		return Value{v}, err
	})
	add("get_total_subnets", func(ctx context.Context, at string, _ []any) ([]any, error) {
		n, err := bt.GetTotalSubnets(ctx, c, at)
		return []any{n}, err
	})
	add("get_existential_deposit", func(ctx context.Context, at string, _ []any) ([]any, error) {
		v, err := bt.GetExistentialDeposit(ctx, c, at)
		return []any{Balance(v)}, err
	})
	add("get_subnet_burn_cost", func(ctx context.Context, at string, _ []any) ([]any, error) {
		v, err := bt.GetSubnetBurnCost(ctx, c, at)
		return []any{Balance(v)}, err
	})
	add("get_all_subnets_info", func(ctx context.Context, at string, _ []any) ([]any, error) {
		v, err := bt.GetAllSubnetsInfo(ctx, c, at)
		return []any{Value{v}}, err
	})
	add("get_delegates", func(ctx context.Context, at string, _ []any) ([]any, error) {
		v, err := bt.GetDelegates(ctx, c, at)
		return []any{Value{v}}, err
	})
	add("get_balance", func(ctx context.Context, at string, args []any) ([]any, error) {
		addr, err := addressArg("get_balance", "address", args, 0)
		if err != nil {
			return nil, err
		}
		v, err := bt.GetBalance(ctx, c, at, addr)
		return []any{Balance(v)}, err
	})
	add("get_balances", func(ctx context.Context, at string, args []any) ([]any, error) {
		list := args
		if len(args) == 1 {
			if l, ok := args[0].([]any); ok {
				list = l
			} else if m, ok := args[0].(map[string]any); ok && len(m) == 0 {
				list = nil
			}
		}
		addrs := make([]string, len(list))
		for i := range list {
			a, err := addressArg("get_balances", "address "+itoa(i+1), list, i)
			if err != nil {
				return nil, err
			}
			addrs[i] = a
		}
		bals, err := bt.GetBalances(ctx, c, at, addrs...)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(bals))
		for i, v := range bals {
			out[addrs[i]] = Balance(v)
		}
		return []any{out}, nil
	})
	add("get_stake", func(ctx context.Context, at string, args []any) ([]any, error) {
		coldkey, err := addressArg("get_stake", "coldkey", args, 0)
		if err != nil {
			return nil, err
		}
		hotkey, err := addressArg("get_stake", "hotkey", args, 1)
		if err != nil {
			return nil, err
		}
		netuid, err := u16Arg("get_stake", "netuid", args, 2)
		if err != nil {
			return nil, err
		}
		v, err := bt.GetStake(ctx, c, at, coldkey, hotkey, netuid)
		return []any{Balance(v)}, err
	})
	add("get_stake_info_for_coldkey", func(ctx context.Context, at string, args []any) ([]any, error) {
		coldkey, err := addressArg("get_stake_info_for_coldkey", "coldkey", args, 0)
		if err != nil {
			return nil, err
		}
		v, err := bt.GetStakeInfoForColdkey(ctx, c, at, coldkey)
		return []any{Value{v}}, err
	})
	hotkeyOnly := func(name string, f func(context.Context, string, string) (any, error)) {
		add(name, func(ctx context.Context, at string, args []any) ([]any, error) {
			hotkey, err := addressArg(name, "hotkey", args, 0)
			if err != nil {
				return nil, err
			}
			v, err := f(ctx, at, hotkey)
			return []any{v}, err
		})
	}
	hotkeyOnly("get_delegate_by_hotkey", func(ctx context.Context, at, h string) (any, error) {
		v, err := bt.GetDelegateByHotkey(ctx, c, at, h)
		return Value{v}, err
	})
	hotkeyOnly("get_delegate_take", func(ctx context.Context, at, h string) (any, error) { return bt.GetDelegateTake(ctx, c, at, h) })
	hotkeyOnly("get_netuids_for_hotkey", func(ctx context.Context, at, h string) (any, error) { return bt.GetNetuidsForHotkey(ctx, c, at, h) })
	hotkeyOnly("is_hotkey_registered_any", func(ctx context.Context, at, h string) (any, error) { return bt.IsHotkeyRegisteredAny(ctx, c, at, h) })
	add("is_hotkey_registered", func(ctx context.Context, at string, args []any) ([]any, error) {
		hotkey, err := addressArg("is_hotkey_registered", "hotkey", args, 0)
		if err != nil {
			return nil, err
		}
		var netuid *uint16
		if len(args) > 1 && args[1] != nil {
			n, err := u16Arg("is_hotkey_registered", "netuid", args, 1)
			if err != nil {
				return nil, err
			}
			netuid = &n
		}
		ok, err := bt.IsHotkeyRegistered(ctx, c, at, hotkey, netuid)
		return []any{ok}, err
	})
	hotkeyNetuid := func(name string, f func(context.Context, string, string, uint16) (any, error)) {
		add(name, func(ctx context.Context, at string, args []any) ([]any, error) {
			hotkey, err := addressArg(name, "hotkey", args, 0)
			if err != nil {
				return nil, err
			}
			netuid, err := u16Arg(name, "netuid", args, 1)
			if err != nil {
				return nil, err
			}
			v, err := f(ctx, at, hotkey, netuid)
			return []any{v}, err
		})
	}
	hotkeyNetuid("is_hotkey_registered_on_subnet", func(ctx context.Context, at, h string, n uint16) (any, error) {
		return bt.IsHotkeyRegisteredOnSubnet(ctx, c, at, h, n)
	})
	hotkeyNetuid("get_uid_for_hotkey_on_subnet", func(ctx context.Context, at, h string, n uint16) (any, error) {
		uid, ok, err := bt.GetUIDForHotkeyOnSubnet(ctx, c, at, h, n)
		if !ok {
			return nil, err
		}
		return uid, err
	})
	add("blocks_since_last_update", func(ctx context.Context, at string, args []any) ([]any, error) {
		netuid, err := u16Arg("blocks_since_last_update", "netuid", args, 0)
		if err != nil {
			return nil, err
		}
		uid, err := u16Arg("blocks_since_last_update", "uid", args, 1)
		if err != nil {
			return nil, err
		}
		n, ok, err := bt.BlocksSinceLastUpdate(ctx, c, at, netuid, uid)
		if err != nil || !ok {
			return []any{nil}, err
		}
		return []any{n}, nil
	})
	add("neuron_for_uid", func(ctx context.Context, at string, args []any) ([]any, error) {
		uid, err := u16Arg("neuron_for_uid", "uid", args, 0)
		if err != nil {
			return nil, err
		}
		netuid, err := u16Arg("neuron_for_uid", "netuid", args, 1)
		if err != nil {
			return nil, err
		}
		v, err := bt.NeuronForUID(ctx, c, at, uid, netuid)
		return []any{Value{v}}, err
	})
	add("get_commitment", func(ctx context.Context, at string, args []any) ([]any, error) {
		netuid, err := u16Arg("get_commitment", "netuid", args, 0)
		if err != nil {
			return nil, err
		}
		uid, err := u16Arg("get_commitment", "uid", args, 1)
		if err != nil {
			return nil, err
		}
		s, err := bt.GetCommitment(ctx, c, at, netuid, uid)
		return []any{s}, err
	})
	netuidMech := func(name string, f func(context.Context, string, uint16, uint8) (any, error)) {
		add(name, func(ctx context.Context, at string, args []any) ([]any, error) {
			netuid, err := u16Arg(name, "netuid", args, 0)
			if err != nil {
				return nil, err
			}
			mechid, err := optU8Arg(name, "mechid", args, 1)
			if err != nil {
				return nil, err
			}
			v, err := f(ctx, at, netuid, mechid)
			return []any{v}, err
		})
	}
	netuidMech("metagraph", func(ctx context.Context, at string, n uint16, m uint8) (any, error) {
		v, err := bt.Metagraph(ctx, c, at, n, m)
		return metagraphValue{v}, err
	})
	netuidMech("weights", func(ctx context.Context, at string, n uint16, m uint8) (any, error) {
		rows, err := bt.Weights(ctx, c, at, n, m)
		return rowsTable(rows), err
	})
	netuidMech("bonds", func(ctx context.Context, at string, n uint16, m uint8) (any, error) {
		rows, err := bt.Bonds(ctx, c, at, n, m)
		return rowsTable(rows), err
	})
	commits := func(ctx context.Context, at string, n uint16, m uint8) (any, error) {
		v, err := bt.GetCurrentWeightCommitInfo(ctx, c, at, n, m)
		return Value{v}, err
	}
	netuidMech("get_current_weight_commit_info", commits)
	netuidMech("get_timelocked_weight_commits", commits)

	m.Sync("balance", balanceCtor)
	m.Sync("tao", taoCtor)
	return m
}

// rowsTable renders weight or bond rows as the SDK's
// {{uid, {{target, value}, ...}}, ...}.
func rowsTable(rows []bt.Row) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		pairs := make([]any, len(r.Pairs))
		for j, p := range r.Pairs {
			pairs[j] = []any{p.UID, p.Value}
		}
		out[i] = []any{r.UID, pairs}
	}
	return out
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

// balanceCtor is bt.balance(rao): a Balance from an exact rao amount.
func balanceCtor(L *lua.LState) int {
	v := L.Get(1)
	if b, ok := ToBalance(v); ok {
		L.Push(NewBalance(L, b))
		return 1
	}
	n, ok := engine.ToInt(v)
	if !ok || n.Sign() < 0 || !n.IsUint64() {
		L.RaiseError("balance: rao must be an integer 0..2^64-1, got %s", luaDescribe(v))
	}
	L.Push(NewBalance(L, bt.Balance(n.Uint64())))
	return 1
}

// taoCtor is bt.tao(amount): a Balance from TAO given as a decimal string
// ("1.5", exact) or a number (rounded to the nearest rao).
func taoCtor(L *lua.LState) int {
	v := L.Get(1)
	var rao *big.Int
	switch x := v.(type) {
	case lua.LString:
		r, ok := parseTao(strings.TrimSpace(string(x)))
		if !ok {
			L.RaiseError("tao: cannot read %q as an amount of TAO (up to 9 decimals)", string(x))
		}
		rao = r
	case lua.LNumber:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			L.ArgError(1, "tao: amount must be a finite number, got "+luaDescribe(v))
		}
		f := new(big.Float).SetFloat64(float64(x))
		f.Mul(f, big.NewFloat(bt.RaoPerTao))
		f.Add(f, big.NewFloat(0.5))
		rao, _ = f.Int(nil)
	default:
		if n, ok := engine.ToInt(v); ok {
			rao = n.Mul(n, big.NewInt(bt.RaoPerTao))
		} else {
			L.RaiseError("tao: amount must be a number or a decimal string, got %s", luaDescribe(v))
		}
	}
	if rao.Sign() < 0 || !rao.IsUint64() {
		L.RaiseError("tao: amount %s is out of range", luaDescribe(v))
	}
	L.Push(NewBalance(L, bt.Balance(rao.Uint64())))
	return 1
}

// parseTao reads "123.456" exactly into rao.
func parseTao(s string) (*big.Int, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 9 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return nil, false
	}
	if whole == "" {
		whole = "0"
	}
	frac += strings.Repeat("0", 9-len(frac))
	n, ok := new(big.Int).SetString(whole+frac, 10)
	return n, ok
}

// luaDescribe renders a Lua value for error messages.
func luaDescribe(v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return "'" + string(x) + "'"
	case lua.LNumber:
		return x.String()
	case *lua.LNilType:
		return "nil"
	}
	if engine.IsInt(v) {
		return v.(*lua.LUserData).Value.(*big.Int).String()
	}
	return v.Type().String()
}

// metagraphValue is the answer of bt.metagraph: the runtime's metagraph
// with its own field names, plus n, the neuron count under the name the
// SDK's Metagraph gives it (the runtime calls it num_uids).
type metagraphValue struct{ v scale.Value }

func (m metagraphValue) LuaValue(L *lua.LState) lua.LValue {
	lv := ToLua(L, m.v)
	if t, ok := lv.(*lua.LTable); ok {
		if n := t.RawGetString("num_uids"); n != lua.LNil {
			t.RawSetString("n", n)
		}
	}
	return lv
}

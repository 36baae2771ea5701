package bindings

import (
	"context"
	"fmt"
	"math"
	"math/big"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/chain/keys"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/scale"
)

// receiptValue is a receipt for Lua: a table of its fields.
func receiptValue(r *chain.Receipt) map[string]any {
	events := make([]any, len(r.Events))
	for i, e := range r.Events {
		events[i] = Value{e}
	}
	out := map[string]any{
		"success":         r.Success,
		"block_hash":      r.BlockHash,
		"block_number":    r.BlockNumber,
		"extrinsic_index": r.Index,
		"extrinsic_hash":  r.Tx.Hash,
		"nonce":           r.Tx.Nonce,
		"signer":          r.Tx.Signer,
		"call":            r.Tx.Pallet + "." + r.Tx.Call,
		"finalized":       r.Finalized,
		"events":          events,
	}
	if r.Fee != nil && r.Fee.IsUint64() {
		out["fee"] = Balance(r.Fee.Uint64())
	}
	if r.EstimatedFee != nil && r.EstimatedFee.IsUint64() {
		out["estimated_fee"] = Balance(r.EstimatedFee.Uint64())
	}
	if r.Error != nil {
		out["error"] = r.Error.Name
	}
	return out
}

// txOptions reads an options table: tip (Balance), period (blocks),
// immortal, wait_finalized.
func txOptions(fn string, v any) (chain.TxOptions, error) {
	var o chain.TxOptions
	m, ok := v.(map[string]any)
	if !ok {
		if v != nil {
			return o, argErr(fn, "options must be a table {tip=, period=, immortal=, wait_finalized=}, got %s", describe(v))
		}
		return o, nil
	}
	for k, x := range m {
		switch k {
		case "tip":
			b, ok := x.(bt.Balance)
			if !ok {
				return o, argErr(fn, "tip must be a Balance, got %s", describe(x))
			}
			o.Tip = uint64(b)
		case "period":
			n, ok := uintArg(x)
			if !ok || n < 4 || n > 1<<16 {
				return o, argErr(fn, "period must be an integer 4..65536 blocks, got %s", describe(x))
			}
			o.Period = n
		case "immortal", "wait_finalized", "wait_for_finalization":
			bv, ok := x.(bool)
			if !ok {
				return o, argErr(fn, "%s must be a boolean, got %s", k, describe(x))
			}
			if k == "immortal" {
				o.Immortal = bv
			} else {
				o.WaitFinalized = bv
			}
		case "signer", "pallet", "call", "args":
		default:
			return o, argErr(fn, "unknown option %s (tip, period, immortal, wait_finalized)", k)
		}
	}
	return o, nil
}

// submit submits call, or with DryRun builds, signs and prices it, prints
// it and returns {dry_run = true, ...}.
func (b *binder) submit(ctx context.Context, fn string, s *keys.Signer, call chain.Call, opts chain.TxOptions) ([]any, error) {
	so := b.opts.Sign
	if !so.Allow {
		return nil, fmt.Errorf("%s: %w", fn, ErrSigningOff)
	}
	if so.DryRun {
		tx, err := b.c.BuildTx(ctx, s, call.Pallet, call.Name, goArgs(call.Args), opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		fee, _, err := b.c.QueryFee(ctx, tx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		if so.Log != nil {
			fmt.Fprintf(so.Log, "dry run: %s.%s from %s nonce %d: call %s, %d bytes, fee %s (not submitted)\n",
				tx.Pallet, tx.Call, tx.Signer, tx.Nonce, tx.CallHex, len(tx.Bytes), feeText(fee))
		}
		out := map[string]any{"dry_run": true, "call": tx.Pallet + "." + tx.Call, "call_data": tx.CallHex,
			"signer": tx.Signer, "nonce": tx.Nonce, "extrinsic_hash": tx.Hash, "length": len(tx.Bytes)}
		if fee.IsUint64() {
			out["estimated_fee"] = Balance(fee.Uint64())
		}
		return []any{out}, nil
	}
	r, err := b.c.SubmitCall(ctx, s, chain.Call{Pallet: call.Pallet, Name: call.Name, Args: goArgs(call.Args)}, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return []any{receiptValue(r)}, nil
}

func feeText(f *big.Int) string {
	if f.IsUint64() {
		return bt.Balance(f.Uint64()).String()
	}
	return f.String() + " rao"
}

// txModule adds chain.tx(signer, pallet, call, args...) and the table form
// chain.tx{signer=, pallet=, call=, args={...}, tip=, wait_finalized=}.
func (b *binder) txModule() *engine.Module {
	m := engine.NewModule()
	m.Async("tx", b.chainCall("chain.tx", func(ctx context.Context, args []any) ([]any, error) {
		if !b.opts.Sign.Allow {
			return nil, fmt.Errorf("chain.tx: %w", ErrSigningOff)
		}
		var opts chain.TxOptions
		if len(args) == 0 {
			return nil, argErr("chain.tx", "want (signer, pallet, call, args...) or {signer=, pallet=, call=, args={...}}")
		}
		if t, ok := args[0].(map[string]any); ok && len(args) == 1 {
			var err error
			if opts, err = txOptions("chain.tx", t); err != nil {
				return nil, err
			}
			list, _ := t["args"].([]any)
			if a, ok := t["args"]; ok && list == nil {
				if mm, ok := a.(map[string]any); ok && len(mm) == 0 {
					list = []any{}
				} else {
					return nil, argErr("chain.tx", "args must be a list, got %s", describe(a))
				}
			}
			args = append([]any{t["signer"], t["pallet"], t["call"]}, list...)
		}
		s, err := signerArg("chain.tx", args, 0)
		if err != nil {
			return nil, err
		}
		pallet, err := stringArg("chain.tx", "pallet", args, 1)
		if err != nil {
			return nil, err
		}
		call, err := stringArg("chain.tx", "call", args, 2)
		if err != nil {
			return nil, err
		}
		return b.submit(ctx, "chain.tx", s, chain.Call{Pallet: pallet, Name: call, Args: args[3:]}, opts)
	}))
	// chain.fee(signer or address, pallet, call, args...): the fee, with
	// no secret needed, so no --allow-sign either.
	m.Async("fee", b.chainCall("chain.fee", func(ctx context.Context, args []any) ([]any, error) {
		from, err := accountArg("chain.fee", args, 0)
		if err != nil {
			return nil, err
		}
		pallet, err := stringArg("chain.fee", "pallet", args, 1)
		if err != nil {
			return nil, err
		}
		call, err := stringArg("chain.fee", "call", args, 2)
		if err != nil {
			return nil, err
		}
		return b.fee(ctx, "chain.fee", from, chain.Call{Pallet: pallet, Name: call, Args: args[3:]})
	}))
	return m
}

// accountArg reads argument i as a signer or an SS58 address, giving its
// public key.
func accountArg(fn string, args []any, i int) ([32]byte, error) {
	if i < len(args) {
		if s, ok := args[i].(*keys.Signer); ok {
			return s.PublicKey(), nil
		}
	}
	addr, err := addressArg(fn, "account", args, i)
	if err != nil {
		return [32]byte{}, err
	}
	pub, _, _ := scale.SS58Decode(addr)
	return [32]byte(pub), nil
}

// fee prices call for the account as a Balance.
func (b *binder) fee(ctx context.Context, fn string, from [32]byte, call chain.Call) ([]any, error) {
	f, err := b.c.EstimateFee(ctx, from, call.Pallet, call.Name, goArgs(call.Args), chain.TxOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	if !f.IsUint64() {
		return []any{f}, nil
	}
	return []any{Balance(f.Uint64())}, nil
}

// balanceArg reads argument i as a Balance.
func balanceArg(fn, name string, args []any, i int) (bt.Balance, error) {
	var v any
	if i < len(args) {
		v = args[i]
	}
	bal, ok := v.(bt.Balance)
	if !ok {
		return 0, argErr(fn, "%s must be a Balance (bt.tao('1.5') or bt.balance(rao)), got %s", name, describe(v))
	}
	return bal, nil
}

// floatList reads a list of numbers.
func floatList(fn, name string, v any) ([]float64, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, argErr(fn, "%s must be a list of numbers, got %s", name, describe(v))
	}
	out := make([]float64, len(l))
	for i, x := range l {
		switch n := x.(type) {
		case int64:
			out[i] = float64(n)
		case float64:
			out[i] = n
		default:
			return nil, argErr(fn, "%s[%d] must be a number, got %s", name, i+1, describe(x))
		}
	}
	return out, nil
}

func optU64(fn, name string, args []any, i int) (uint64, error) {
	if i >= len(args) || args[i] == nil {
		return 0, nil
	}
	n, ok := uintArg(args[i])
	if !ok {
		return 0, argErr(fn, "%s must be a non-negative integer, got %s", name, describe(args[i]))
	}
	return n, nil
}

// hotkeyNetuid reads (hotkey, netuid) at i, i+1 in either order: the SDK
// changed the order between versions, and the types tell them apart.
func hotkeyNetuid(fn string, args []any, i int) (string, uint16, error) {
	if i < len(args) {
		if _, isStr := args[i].(string); !isStr {
			netuid, err := u16Arg(fn, "netuid", args, i)
			if err != nil {
				return "", 0, err
			}
			hk, err := addressArg(fn, "hotkey", args, i+1)
			return hk, netuid, err
		}
	}
	hk, err := addressArg(fn, "hotkey", args, i)
	if err != nil {
		return "", 0, err
	}
	netuid, err := u16Arg(fn, "netuid", args, i+1)
	return hk, netuid, err
}

// actionUsage is how each bt action is called, for argument errors.
var actionUsage = map[string]string{
	"get_transfer_fee": "signer or address, dest, amount[, keep_alive]",
	"transfer":         "signer, dest, amount[, keep_alive[, options]]",
	"add_stake":        "signer, hotkey, netuid, amount[, options]",
	"remove_stake":     "signer, hotkey, netuid, amount[, options]",
	"unstake":          "signer, hotkey, netuid, amount[, options]",
	"move_stake":       "signer, origin_hotkey, origin_netuid, destination_hotkey, destination_netuid, amount[, options]",
	"burned_register":  "coldkey_signer, netuid, hotkey[, options]",
	"set_weights":      "hotkey_signer, netuid, uids, weights[, version_key[, options]]",
	"commit_weights":   "hotkey_signer, netuid, salt, uids, weights[, version_key[, options]]",
	"reveal_weights":   "hotkey_signer, netuid, uids, weights, salt[, version_key[, options]]",
	"serve_axon":       "hotkey_signer, netuid, axon[, options]",
	"set_children":     "coldkey_signer, hotkey, netuid, children[, options]",
}

// actionArity is the error of a bt action called with too many arguments,
// in the words of the read helpers' errors.
func actionArity(fn string, most, got int) error {
	return fmt.Errorf("bt.%s: takes at most %d arguments, got %d (usage: bt.%s(%s))", fn, most, got, fn, actionUsage[fn])
}

// btActions adds the bt functions that sign: the SDK's names and argument
// orders, with a signer in place of the SDK's wallet.
func (b *binder) btActions() *engine.Module {
	m := engine.NewModule()
	type build func(s *keys.Signer, args []any) (chain.Call, chain.TxOptions, error)
	add := func(name string, nargs int, f build) {
		fn := name
		m.Async(name, b.chainCall("bt."+name, func(ctx context.Context, args []any) ([]any, error) {
			if !b.opts.Sign.Allow {
				return nil, fmt.Errorf("%s: %w", fn, ErrSigningOff)
			}
			if len(args) > nargs+2 {
				return nil, actionArity(fn, nargs+2, len(args))
			}
			s, err := signerArg(fn, args, 0)
			if err != nil {
				return nil, err
			}
			call, opts, err := f(s, args)
			if err != nil {
				return nil, err
			}
			if len(args) > nargs+1 {
				if opts, err = txOptions(fn, args[nargs+1]); err != nil {
					return nil, err
				}
			}
			return b.submit(ctx, fn, s, call, opts)
		}))
	}
	var none chain.TxOptions
	// bt.get_transfer_fee(signer or address, dest, amount[, keep_alive]):
	// the SDK's fee of a transfer, no secret needed.
	m.Async("get_transfer_fee", b.chainCall("bt.get_transfer_fee", func(ctx context.Context, args []any) ([]any, error) {
		const fn = "get_transfer_fee"
		if len(args) > 4 {
			return nil, actionArity(fn, 4, len(args))
		}
		from, err := accountArg(fn, args, 0)
		if err != nil {
			return nil, err
		}
		dest, err := addressArg(fn, "dest", args, 1)
		if err != nil {
			return nil, err
		}
		amount, err := balanceArg(fn, "amount", args, 2)
		if err != nil {
			return nil, err
		}
		keepAlive := true
		if len(args) > 3 && args[3] != nil {
			k, ok := args[3].(bool)
			if !ok {
				return nil, argErr(fn, "keep_alive must be true or false, got %s", describe(args[3]))
			}
			keepAlive = k
		}
		call, err := bt.TransferCall(dest, amount, keepAlive)
		if err != nil {
			return nil, err
		}
		return b.fee(ctx, fn, from, call)
	}))
	add("transfer", 3, func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		dest, err := addressArg("transfer", "dest", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		amount, err := balanceArg("transfer", "amount", args, 2)
		if err != nil {
			return chain.Call{}, none, err
		}
		keepAlive := true
		if len(args) > 3 {
			if k, ok := args[3].(bool); ok {
				keepAlive = k
			}
		}
		c, err := bt.TransferCall(dest, amount, keepAlive)
		return c, none, err
	})
	stake := func(name string, mk func(string, uint16, bt.Balance) (chain.Call, error)) build {
		return func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
			hk, netuid, err := hotkeyNetuid(name, args, 1)
			if err != nil {
				return chain.Call{}, none, err
			}
			amount, err := balanceArg(name, "amount", args, 3)
			if err != nil {
				return chain.Call{}, none, err
			}
			c, err := mk(hk, netuid, amount)
			return c, none, err
		}
	}
	add("add_stake", 3, stake("add_stake", bt.AddStakeCall))
	add("remove_stake", 3, stake("remove_stake", bt.RemoveStakeCall))
	add("unstake", 3, stake("unstake", bt.RemoveStakeCall))
	add("move_stake", 5, func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		const fn = "move_stake"
		oh, err := addressArg(fn, "origin_hotkey", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		on, err := u16Arg(fn, "origin_netuid", args, 2)
		if err != nil {
			return chain.Call{}, none, err
		}
		dh, err := addressArg(fn, "destination_hotkey", args, 3)
		if err != nil {
			return chain.Call{}, none, err
		}
		dn, err := u16Arg(fn, "destination_netuid", args, 4)
		if err != nil {
			return chain.Call{}, none, err
		}
		amount, err := balanceArg(fn, "amount", args, 5)
		if err != nil {
			return chain.Call{}, none, err
		}
		c, err := bt.MoveStakeCall(oh, on, dh, dn, amount)
		return c, none, err
	})
	add("burned_register", 2, func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		netuid, err := u16Arg("burned_register", "netuid", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		hk, err := addressArg("burned_register", "hotkey", args, 2)
		if err != nil {
			return chain.Call{}, none, err
		}
		c, err := bt.BurnedRegisterCall(netuid, hk)
		return c, none, err
	})
	weights := func(fn string, args []any, ui, wi int) ([]uint16, []float64, error) {
		var uv, wv any
		if ui < len(args) {
			uv = args[ui]
		}
		if wi < len(args) {
			wv = args[wi]
		}
		uids, err := u16List(fn, "uids", uv)
		if err != nil {
			return nil, nil, err
		}
		ws, err := floatList(fn, "weights", wv)
		return uids, ws, err
	}
	add("set_weights", 4, func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		netuid, err := u16Arg("set_weights", "netuid", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		uids, ws, err := weights("set_weights", args, 2, 3)
		if err != nil {
			return chain.Call{}, none, err
		}
		vk, err := optU64("set_weights", "version_key", args, 4)
		if err != nil {
			return chain.Call{}, none, err
		}
		c, err := bt.SetWeightsCall(netuid, uids, ws, vk)
		return c, none, err
	})
	add("commit_weights", 5, func(s *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		const fn = "commit_weights"
		netuid, err := u16Arg(fn, "netuid", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		var sv any
		if len(args) > 2 {
			sv = args[2]
		}
		salt, err := u16List(fn, "salt", sv)
		if err != nil {
			return chain.Call{}, none, err
		}
		uids, ws, err := weights(fn, args, 3, 4)
		if err != nil {
			return chain.Call{}, none, err
		}
		vk, err := optU64(fn, "version_key", args, 5)
		if err != nil {
			return chain.Call{}, none, err
		}
		c, err := bt.CommitWeightsCall(s.PublicKey(), netuid, salt, uids, ws, vk)
		return c, none, err
	})
	add("reveal_weights", 5, func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		const fn = "reveal_weights"
		netuid, err := u16Arg(fn, "netuid", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		uids, ws, err := weights(fn, args, 2, 3)
		if err != nil {
			return chain.Call{}, none, err
		}
		var sv any
		if len(args) > 4 {
			sv = args[4]
		}
		salt, err := u16List(fn, "salt", sv)
		if err != nil {
			return chain.Call{}, none, err
		}
		vk, err := optU64(fn, "version_key", args, 5)
		if err != nil {
			return chain.Call{}, none, err
		}
		c, err := bt.RevealWeightsCall(netuid, uids, ws, salt, vk)
		return c, none, err
	})
	add("serve_axon", 2, func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		const fn = "serve_axon"
		netuid, err := u16Arg(fn, "netuid", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		var t map[string]any
		if len(args) > 2 {
			t, _ = args[2].(map[string]any)
		}
		if t == nil {
			return chain.Call{}, none, argErr(fn, "axon must be a table {ip=, port=, protocol=, version=, ip_type=}")
		}
		ax := bt.Axon{IPType: 4, Protocol: 4}
		ip, err := ipArg(t["ip"])
		if err != nil {
			return chain.Call{}, none, argErr(fn, "%v", err)
		}
		ax.IP, ax.IPType = ip.n, ip.typ
		if p, ok := uintArg(t["port"]); ok && p <= math.MaxUint16 {
			ax.Port = uint16(p)
		} else {
			return chain.Call{}, none, argErr(fn, "port must be an integer 1..65535, got %s", describe(t["port"]))
		}
		if v, ok := t["protocol"]; ok {
			p, ok := uintArg(v)
			if !ok || p > math.MaxUint8 {
				return chain.Call{}, none, argErr(fn, "protocol must be an integer 0..255, got %s", describe(v))
			}
			ax.Protocol = uint8(p)
		}
		if v, ok := t["version"]; ok {
			p, ok := uintArg(v)
			if !ok || p > math.MaxUint32 {
				return chain.Call{}, none, argErr(fn, "version must be an integer 0..2^32-1, got %s", describe(v))
			}
			ax.Version = uint32(p)
		}
		c, err := bt.ServeAxonCall(netuid, ax)
		return c, none, err
	})
	add("set_children", 3, func(_ *keys.Signer, args []any) (chain.Call, chain.TxOptions, error) {
		const fn = "set_children"
		hk, err := addressArg(fn, "hotkey", args, 1)
		if err != nil {
			return chain.Call{}, none, err
		}
		netuid, err := u16Arg(fn, "netuid", args, 2)
		if err != nil {
			return chain.Call{}, none, err
		}
		var list []any
		if len(args) > 3 {
			list, _ = args[3].([]any)
			if mm, ok := args[3].(map[string]any); ok && len(mm) == 0 {
				list = []any{}
			}
		}
		if list == nil {
			return chain.Call{}, none, argErr(fn, "children must be a list of {proportion, hotkey}")
		}
		children := make([]bt.Child, len(list))
		for i, x := range list {
			pair, ok := x.([]any)
			if !ok || len(pair) != 2 {
				return chain.Call{}, none, argErr(fn, "child %d must be {proportion, hotkey}", i+1)
			}
			p, err := floatList(fn, "proportion", []any{pair[0]})
			if err != nil {
				return chain.Call{}, none, err
			}
			h, ok := pair[1].(string)
			if !ok {
				return chain.Call{}, none, argErr(fn, "child %d hotkey must be an address", i+1)
			}
			children[i] = bt.Child{Proportion: p[0], Hotkey: h}
		}
		c, err := bt.SetChildrenCall(hk, netuid, children)
		return c, none, err
	})
	return m
}

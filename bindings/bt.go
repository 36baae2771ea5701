package bindings

import (
	"context"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/internal/suggest"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// multi is what a bt helper returns to give Lua several values, as the
// SDK's tuples.
type multi []any

// btHelper is a bt read helper: its SDK signature and what it does.
// custom, when set, reads the arguments instead of the signature.
type btHelper struct {
	sig    signature
	run    func(ctx context.Context, a *callArgs) (any, error)
	custom func(ctx context.Context, args []any) (*callArgs, error)
}

// btModule is the bt module: the Bittensor helpers of package bt with the
// SDK's names, argument orders and block argument.
func (b *binder) btModule() *engine.Module {
	m := engine.NewModule()
	for _, h := range b.btHelpers() {
		m.Async(h.sig.name, b.chainCall("bt."+h.sig.name, func(ctx context.Context, args []any) ([]any, error) {
			var a *callArgs
			var err error
			if h.custom != nil {
				a, err = h.custom(ctx, args)
			} else {
				a, err = h.sig.parse(ctx, b, args)
			}
			if err != nil {
				return nil, err
			}
			v, err := h.run(ctx, a)
			if err != nil {
				return nil, err
			}
			if mv, ok := v.(multi); ok {
				return mv, nil
			}
			return []any{v}, nil
		}))
	}
	m.Sync("balance", balanceCtor)
	m.Sync("tao", taoCtor)
	return m
}

// btNames lists the bt module's functions, sorted, for the error on an
// unknown name.
func (b *binder) btNames() []string {
	names := []string{"balance", "tao"}
	for _, h := range b.btHelpers() {
		names = append(names, h.sig.name)
	}
	sort.Strings(names)
	return names
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
	if n := L.GetTop(); n != 1 {
		L.RaiseError("bt.balance: takes 1 argument, got %d (usage: bt.balance(rao))", n)
	}
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
	if n := L.GetTop(); n != 1 {
		L.RaiseError("bt.tao: takes 1 argument, got %d (usage: bt.tao(amount))", n)
	}
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
	t, ok := lv.(*lua.LTable)
	if !ok {
		return lv
	}
	if n := t.RawGetString("num_uids"); n != lua.LNil {
		t.RawSetString("n", n)
	}
	// Stakes in their units, as the SDK's MetagraphInfo gives them.
	var netuid uint16
	if v, ok := m.v.Field("netuid"); ok {
		u, _ := v.Uint()
		netuid = uint16(u)
	}
	for _, f := range []struct {
		name string
		tao  bool
	}{{"tao_stake", true}, {"alpha_stake", false}, {"total_stake", false}} {
		v, ok := m.v.Field(f.name)
		if !ok || v.Kind() != scale.KindSeq {
			continue
		}
		list := L.CreateTable(v.Len(), 0)
		for i, x := range v.Items() {
			u, ok := x.Uint()
			if !ok {
				list = nil
				break
			}
			if f.tao {
				list.RawSetInt(i+1, NewBalance(L, bt.Balance(u)))
			} else {
				list.RawSetInt(i+1, Alpha{bt.Balance(u), netuid}.LuaValue(L))
			}
		}
		if list != nil {
			t.RawSetString(f.name, list)
		}
	}
	return t
}

// guardBT makes reading an unknown field of the global bt table an error
// naming it and the closest helpers, where it would be a nil that fails
// later as "attempt to call a non-function object".
func (b *binder) guardBT(L *lua.LState) {
	t, ok := L.GetGlobal("bt").(*lua.LTable)
	if !ok {
		return
	}
	names := b.btNames()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		name, ok := key.(lua.LString)
		if !ok {
			L.Push(lua.LNil)
			return 1
		}
		if near := closest(string(name), names); len(near) > 0 {
			L.RaiseError("bt has no function '%s' (did you mean %s?)", string(name), strings.Join(near, ", "))
		}
		L.RaiseError("bt has no function '%s'", string(name))
		return 0
	}))
	L.SetMetatable(t, mt)
}

// closest returns up to three of names nearest to s, quoted.
func closest(s string, names []string) []string {
	out := suggest.Closest(s, names)
	for i, n := range out {
		out[i] = "'" + n + "'"
	}
	return out
}

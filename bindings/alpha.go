package bindings

import (
	"fmt"

	"github.com/btscript/btscript/chain/bt"
	lua "github.com/yuin/gopher-lua"
)

// AlphaTypeName names the Alpha userdata metatable in the Lua registry.
const AlphaTypeName = "btscript.Alpha"

// Alpha is an amount of a subnet's alpha token, held exactly in units of
// 10^-9 alpha: the SDK's Balance with the subnet's unit. It is a distinct
// Lua type from Balance (TAO), so that alpha and TAO cannot be added or
// compared by mistake.
type Alpha struct {
	Amount bt.Balance
	Netuid uint16
}

// String renders the amount with all nine decimals and the subnet:
// "α1.500000000 (subnet 3)".
func (a Alpha) String() string {
	s := a.Amount.String()
	return "α" + s[len(bt.TaoSymbol):] + fmt.Sprintf(" (subnet %d)", a.Netuid)
}

// LuaValue returns the Alpha userdata.
func (a Alpha) LuaValue(L *lua.LState) lua.LValue {
	ud := L.NewUserData()
	ud.Value = a
	ud.Metatable = L.GetTypeMetatable(AlphaTypeName)
	return ud
}

// ToAlpha returns the amount held by an Alpha userdata.
func ToAlpha(v lua.LValue) (Alpha, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return Alpha{}, false
	}
	a, ok := ud.Value.(Alpha)
	if !ok {
		return Alpha{}, false
	}
	mt, ok := ud.Metatable.(*lua.LTable)
	return a, ok && mt.RawGetString("__name") == lua.LString(AlphaTypeName)
}

// openAlpha installs the Alpha metatable: fields rao (exact), alpha and
// tao (the amount as a float, as the SDK's .tao gives it), netuid; +, -
// and comparisons between amounts of the same subnet.
func openAlpha(L *lua.LState) {
	amount[Alpha]{
		name: AlphaTypeName,
		kind: "alpha",
		get:  ToAlpha,
		wrap: func(L *lua.LState, a Alpha) lua.LValue { return a.LuaValue(L) },
		rao:  func(a Alpha) bt.Balance { return a.Amount },
		with: func(a Alpha, rao bt.Balance) Alpha { return Alpha{rao, a.Netuid} },
		field: func(a Alpha, key string) lua.LValue {
			switch key {
			case "alpha", "tao":
				return lua.LNumber(a.Amount.Tao())
			case "netuid":
				return lua.LNumber(a.Netuid)
			}
			return lua.LNil
		},
		operands: func(L *lua.LState, op string) (Alpha, Alpha) {
			a, aok := ToAlpha(L.Get(1))
			b, bok := ToAlpha(L.Get(2))
			if !aok || !bok {
				L.RaiseError("cannot %s an alpha amount and a %s: convert with .rao first", op, otherOperand(L, ToAlpha))
			}
			if a.Netuid != b.Netuid {
				L.RaiseError("cannot %s alpha of subnet %d and alpha of subnet %d", op, a.Netuid, b.Netuid)
			}
			return a, b
		},
		text: Alpha.String,
	}.open(L)
}

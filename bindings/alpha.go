package bindings

import (
	"fmt"
	"math/big"

	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/engine"
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
	mt := L.NewTypeMetatable(AlphaTypeName)
	mt.RawSetString("__name", lua.LString(AlphaTypeName))
	both := func(L *lua.LState, op string) (Alpha, Alpha) {
		a, aok := ToAlpha(L.Get(1))
		b, bok := ToAlpha(L.Get(2))
		if !aok || !bok {
			other := L.Get(1)
			if aok {
				other = L.Get(2)
			}
			what := other.Type().String()
			if _, ok := ToBalance(other); ok {
				what = "Balance (TAO)"
			} else if engine.IsInt(other) {
				what = "exact integer"
			}
			L.RaiseError("cannot %s an alpha amount and a %s: convert with .rao first", op, what)
		}
		if a.Netuid != b.Netuid {
			L.RaiseError("cannot %s alpha of subnet %d and alpha of subnet %d", op, a.Netuid, b.Netuid)
		}
		return a, b
	}
	set := func(name string, fn lua.LGFunction) { mt.RawSetString(name, L.NewFunction(fn)) }
	set("__index", func(L *lua.LState) int {
		a, _ := ToAlpha(L.Get(1))
		switch L.Get(2).String() {
		case "rao":
			L.Push(engine.IntValue(L, new(big.Int).SetUint64(uint64(a.Amount))))
		case "alpha", "tao":
			L.Push(lua.LNumber(a.Amount.Tao()))
		case "netuid":
			L.Push(lua.LNumber(a.Netuid))
		default:
			L.Push(lua.LNil)
		}
		return 1
	})
	set("__tostring", func(L *lua.LState) int {
		a, _ := ToAlpha(L.Get(1))
		L.Push(lua.LString(a.String()))
		return 1
	})
	set("__eq", func(L *lua.LState) int {
		a, aok := ToAlpha(L.Get(1))
		b, bok := ToAlpha(L.Get(2))
		L.Push(lua.LBool(aok && bok && a == b))
		return 1
	})
	set("__lt", func(L *lua.LState) int {
		a, b := both(L, "compare")
		L.Push(lua.LBool(a.Amount < b.Amount))
		return 1
	})
	set("__le", func(L *lua.LState) int {
		a, b := both(L, "compare")
		L.Push(lua.LBool(a.Amount <= b.Amount))
		return 1
	})
	set("__add", func(L *lua.LState) int {
		a, b := both(L, "add")
		s, err := a.Amount.Add(b.Amount)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(Alpha{s, a.Netuid}.LuaValue(L))
		return 1
	})
	set("__sub", func(L *lua.LState) int {
		a, b := both(L, "subtract")
		d, err := a.Amount.Sub(b.Amount)
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(Alpha{d, a.Netuid}.LuaValue(L))
		return 1
	})
	set("__concat", func(L *lua.LState) int {
		part := func(v lua.LValue) string {
			if a, ok := ToAlpha(v); ok {
				return a.String()
			}
			return L.ToStringMeta(v).String()
		}
		L.Push(lua.LString(part(L.Get(1)) + part(L.Get(2))))
		return 1
	})
}

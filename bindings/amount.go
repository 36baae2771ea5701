package bindings

import (
	"math"
	"math/big"

	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// amount describes a userdata type of exact token amounts (Balance,
// Alpha): both do their arithmetic and comparisons on the amount in rao,
// and differ in their fields, their text and the operands they accept
// together.
type amount[T comparable] struct {
	name     string // metatable name in the registry
	kind     string // "balance", "alpha": names the amount in overflow errors
	get      func(lua.LValue) (T, bool)
	wrap     func(L *lua.LState, v T) lua.LValue
	rao      func(T) bt.Balance
	with     func(v T, rao bt.Balance) T // an amount of v's kind (subnet)
	field    func(v T, key string) lua.LValue
	operands func(L *lua.LState, op string) (T, T) // raises unless both are of the kind
	text     func(T) string
}

// open installs the metatable: field rao (an exact Int) and a.field's, +
// and -, == < <=, tostring and .. .
func (a amount[T]) open(L *lua.LState) {
	mt := L.NewTypeMetatable(a.name)
	mt.RawSetString("__name", lua.LString(a.name))
	set := func(name string, fn lua.LGFunction) { mt.RawSetString(name, L.NewFunction(fn)) }
	set("__index", func(L *lua.LState) int {
		v, _ := a.get(L.Get(1))
		if key := L.Get(2).String(); key == "rao" {
			L.Push(engine.IntValue(L, new(big.Int).SetUint64(uint64(a.rao(v)))))
		} else {
			L.Push(a.field(v, key))
		}
		return 1
	})
	set("__tostring", func(L *lua.LState) int {
		v, _ := a.get(L.Get(1))
		L.Push(lua.LString(a.text(v)))
		return 1
	})
	set("__eq", func(L *lua.LState) int {
		x, xok := a.get(L.Get(1))
		y, yok := a.get(L.Get(2))
		L.Push(lua.LBool(xok && yok && x == y))
		return 1
	})
	set("__lt", func(L *lua.LState) int {
		x, y := a.operands(L, "compare")
		L.Push(lua.LBool(a.rao(x) < a.rao(y)))
		return 1
	})
	set("__le", func(L *lua.LState) int {
		x, y := a.operands(L, "compare")
		L.Push(lua.LBool(a.rao(x) <= a.rao(y)))
		return 1
	})
	set("__add", func(L *lua.LState) int {
		x, y := a.operands(L, "add")
		s, err := a.rao(x).Add(a.rao(y))
		if err != nil {
			L.RaiseError("%s overflow: %s + %s exceeds %d rao", a.kind, a.text(x), a.text(y), uint64(math.MaxUint64))
		}
		L.Push(a.wrap(L, a.with(x, s)))
		return 1
	})
	set("__sub", func(L *lua.LState) int {
		x, y := a.operands(L, "subtract")
		d, err := a.rao(x).Sub(a.rao(y))
		if err != nil {
			L.RaiseError("%s underflow: %s - %s is negative", a.kind, a.text(x), a.text(y))
		}
		L.Push(a.wrap(L, a.with(x, d)))
		return 1
	})
	set("__concat", func(L *lua.LState) int {
		part := func(v lua.LValue) string {
			if x, ok := a.get(v); ok {
				return a.text(x)
			}
			switch v.(type) {
			case lua.LString, lua.LNumber:
				return v.String()
			}
			return L.ToStringMeta(v).String()
		}
		L.Push(lua.LString(part(L.Get(1)) + part(L.Get(2))))
		return 1
	})
}

// otherOperand names the operand of an amount's operation that is not of
// the amount's kind, which get recognises.
func otherOperand[T any](L *lua.LState, get func(lua.LValue) (T, bool)) string {
	for i := 1; i <= 2; i++ {
		if v := L.Get(i); !is(v, get) {
			if _, ok := ToBalance(v); ok {
				return "Balance (TAO)"
			}
			if engine.IsInt(v) {
				return "exact integer"
			}
			return v.Type().String()
		}
	}
	return "value"
}

// is reports whether get recognises v.
func is[T any](v lua.LValue, get func(lua.LValue) (T, bool)) bool {
	_, ok := get(v)
	return ok
}

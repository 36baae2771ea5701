package engine

import (
	"math"
	"math/big"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxExact is 2^53: integers of at most this magnitude are plain Lua
// numbers, larger ones are exact Int userdata.
const maxExact = 1 << 53

// IntTypeName is the name of the Int userdata metatable in the Lua
// registry (L.GetTypeMetatable(IntTypeName)).
const IntTypeName = "btscript.Int"

// maxPowExponent bounds the exponent of Int ^ n.
const maxPowExponent = 4096

var (
	bigMaxExact = big.NewInt(maxExact)
	bigMinExact = big.NewInt(-maxExact)
)

// NewInt returns an exact Int userdata holding a copy of b, whatever its
// magnitude. Use IntValue for a value that follows the normalisation rule.
func NewInt(L *lua.LState, b *big.Int) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = new(big.Int).Set(b)
	ud.Metatable = L.GetTypeMetatable(IntTypeName)
	return ud
}

// IntValue returns b as Lua sees it: a plain number when |b| <= 2^53 (exact
// in a double), else an exact Int userdata.
func IntValue(L *lua.LState, b *big.Int) lua.LValue {
	if b.Cmp(bigMaxExact) <= 0 && b.Cmp(bigMinExact) >= 0 {
		return lua.LNumber(b.Int64())
	}
	return NewInt(L, b)
}

// PushInt pushes IntValue(L, b).
func PushInt(L *lua.LState, b *big.Int) {
	L.Push(IntValue(L, b))
}

// IsInt reports whether v is an exact Int userdata.
func IsInt(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	return ok && isIntUD(ud)
}

func isIntUD(ud *lua.LUserData) bool {
	_, ok := ud.Value.(*big.Int)
	if !ok {
		return false
	}
	mt, ok := ud.Metatable.(*lua.LTable)
	return ok && mt.RawGetString("__name") == lua.LString(IntTypeName)
}

// ToInt returns the exact integer held by v: an Int userdata, or a number
// that is integral with magnitude at most 2^53. ok is false otherwise.
func ToInt(v lua.LValue) (b *big.Int, ok bool) {
	switch x := v.(type) {
	case *lua.LUserData:
		if isIntUD(x) {
			return new(big.Int).Set(x.Value.(*big.Int)), true
		}
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) <= maxExact {
			return big.NewInt(int64(f)), true
		}
	}
	return nil, false
}

// CheckInt returns argument n as an exact integer (see ToInt) or raises a
// Lua argument error.
func CheckInt(L *lua.LState, n int) *big.Int {
	v := L.Get(n)
	b, ok := ToInt(v)
	if !ok {
		L.ArgError(n, "exact integer expected, got "+describe(v))
	}
	return b
}

func describe(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return "float " + n.String()
	}
	return v.Type().String()
}

// operand converts an arithmetic operand for an Int metamethod.
func operand(L *lua.LState, v lua.LValue) *big.Int {
	switch x := v.(type) {
	case *lua.LUserData:
		if isIntUD(x) {
			return x.Value.(*big.Int)
		}
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) <= maxExact {
			return big.NewInt(int64(f))
		}
		L.RaiseError("cannot mix float %s with exact integer", x.String())
	}
	L.RaiseError("attempt to perform arithmetic on %s and exact integer", v.Type().String())
	return nil
}

func intArith(op func(z, a, b *big.Int) *big.Int) lua.LGFunction {
	return func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		PushInt(L, op(new(big.Int), a, b))
		return 1
	}
}

// openInt installs the Int metatable and the int, isint globals.
func openInt(L *lua.LState) {
	mt := L.NewTypeMetatable(IntTypeName)
	mt.RawSetString("__name", lua.LString(IntTypeName))
	set := func(name string, fn lua.LGFunction) { mt.RawSetString(name, L.NewFunction(fn)) }
	set("__add", intArith((*big.Int).Add))
	set("__sub", intArith((*big.Int).Sub))
	set("__mul", intArith((*big.Int).Mul))
	set("__div", func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		if b.Sign() == 0 {
			L.RaiseError("integer division by zero")
		}
		PushInt(L, new(big.Int).Quo(a, b))
		return 1
	})
	set("__mod", func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		if b.Sign() == 0 {
			L.RaiseError("integer modulo by zero")
		}
		m := new(big.Int).Rem(a, b)
		if m.Sign() != 0 && m.Sign() != b.Sign() { // Lua: result has the divisor's sign
			m.Add(m, b)
		}
		PushInt(L, m)
		return 1
	})
	set("__pow", func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		if b.Sign() < 0 || b.Cmp(big.NewInt(maxPowExponent)) > 0 {
			L.RaiseError("exact integer exponent must be between 0 and %d, got %s", maxPowExponent, b.String())
		}
		PushInt(L, new(big.Int).Exp(a, b, nil))
		return 1
	})
	set("__unm", func(L *lua.LState) int {
		PushInt(L, new(big.Int).Neg(operand(L, L.Get(1))))
		return 1
	})
	set("__eq", func(L *lua.LState) int {
		a, aok := ToInt(L.Get(1))
		b, bok := ToInt(L.Get(2))
		L.Push(lua.LBool(aok && bok && a.Cmp(b) == 0))
		return 1
	})
	set("__lt", func(L *lua.LState) int {
		L.Push(lua.LBool(operand(L, L.Get(1)).Cmp(operand(L, L.Get(2))) < 0))
		return 1
	})
	set("__le", func(L *lua.LState) int {
		L.Push(lua.LBool(operand(L, L.Get(1)).Cmp(operand(L, L.Get(2))) <= 0))
		return 1
	})
	set("__tostring", func(L *lua.LState) int {
		L.Push(lua.LString(operand(L, L.Get(1)).String()))
		return 1
	})
	set("__concat", func(L *lua.LState) int {
		part := func(v lua.LValue) string {
			if IsInt(v) {
				return v.(*lua.LUserData).Value.(*big.Int).String()
			}
			switch v.(type) {
			case lua.LString, lua.LNumber:
				return v.String()
			}
			L.RaiseError("attempt to concatenate a %s value", v.Type().String())
			return ""
		}
		L.Push(lua.LString(part(L.Get(1)) + part(L.Get(2))))
		return 1
	})

	L.SetGlobal("int", L.NewFunction(func(L *lua.LState) int {
		L.Push(NewInt(L, parseInt(L, L.Get(1))))
		return 1
	}))
	L.SetGlobal("isint", L.NewFunction(func(L *lua.LState) int {
		_, ok := ToInt(L.Get(1))
		L.Push(lua.LBool(ok))
		return 1
	}))
}

// parseInt implements int(x).
func parseInt(L *lua.LState, v lua.LValue) *big.Int {
	switch x := v.(type) {
	case lua.LNumber:
		f := float64(x)
		if f != math.Trunc(f) || math.IsInf(f, 0) {
			L.RaiseError("int: %s is not an integer", x.String())
		}
		if math.Abs(f) > maxExact {
			L.RaiseError("int: %s is beyond 2^53 and may be inexact; pass it as a string", x.String())
		}
		return big.NewInt(int64(f))
	case lua.LString:
		s := strings.TrimSpace(string(x))
		b, ok := new(big.Int).SetString(s, 0)
		if !ok {
			L.RaiseError("int: cannot parse %q as an integer", string(x))
		}
		return b
	case *lua.LUserData:
		if isIntUD(x) {
			return new(big.Int).Set(x.Value.(*big.Int))
		}
	}
	L.RaiseError("int: number or string expected, got %s", v.Type().String())
	return nil
}

// intToFloat is tonumber(Int): the nearest float, because the script asked.
func intToFloat(b *big.Int) lua.LNumber {
	f, _ := new(big.Float).SetInt(b).Float64()
	return lua.LNumber(f)
}

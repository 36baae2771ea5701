package engine

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
)

// maxExact is 2^53: every integer of at most this magnitude is exact in a
// double, so a plain number within it may meet an Int.
const maxExact = 1 << 53

// IntTypeName is the name of the Int userdata metatable in the Lua
// registry (L.GetTypeMetatable(IntTypeName)).
const IntTypeName = "btscript.Int"

// maxPowExponent bounds the exponent of Int ^ n.
const maxPowExponent = 4096

// MaxIntBits bounds the magnitude of an exact integer, in bits: a result
// that would be larger is an error raised before it is computed. It bounds
// the memory of one Int (128 KiB) and the time to print it (milliseconds),
// far beyond any chain type (256 bits).
const MaxIntBits = 1 << 20

// maxIntDigits bounds the length of a string int() parses: about
// MaxIntBits in decimal, with room for a sign, a prefix and spaces.
const maxIntDigits = MaxIntBits*3/10 + 64

// ErrIntTooLarge is wrapped by errors about exact integers beyond MaxIntBits.
var ErrIntTooLarge = errors.New("exact integer too large")

// NewInt returns an exact Int userdata holding a copy of b, whatever its
// magnitude. Use IntValue for a value that follows the normalisation rule.
func NewInt(L *lua.LState, b *big.Int) *lua.LUserData {
	ud, z := newIntUD(L)
	z.Set(b)
	return ud
}

// intCell is an Int userdata and its integer in one allocation, with room
// for 128 bits inline: sums of chain integers make an Int per addition.
type intCell struct {
	ud lua.LUserData
	z  big.Int
	w  [2]big.Word
}

// newIntUD returns a new Int userdata of L's engine holding zero, and its
// integer, to be set before the userdata is used.
func newIntUD(L *lua.LState) (*lua.LUserData, *big.Int) {
	return newIntCell(L.Env, intMetatable(L))
}

// newIntCell is newIntUD with the environment and metatable given.
func newIntCell(env *lua.LTable, mt lua.LValue) (*lua.LUserData, *big.Int) {
	c := &intCell{}
	c.z.SetBits(c.w[:0])
	c.ud = lua.LUserData{Value: &c.z, Env: env, Metatable: mt}
	return &c.ud, &c.z
}

// newBig returns a zero big.Int with room for 128 bits in the same
// allocation.
func newBig() *big.Int {
	c := &struct {
		z big.Int
		w [2]big.Word
	}{}
	return c.z.SetBits(c.w[:0])
}

// intMetatable returns the Int metatable of L's engine. The last one
// looked up is remembered (and forgotten when its engine closes, see
// forgetIntMetatable): a registry lookup by name is a string hash, and
// arithmetic on Ints needs the metatable at every step.
func intMetatable(L *lua.LState) lua.LValue {
	if c := lastIntMT.Load(); c != nil && c.g == L.G {
		return c.mt
	}
	mt, ok := L.G.Registry.RawGetString(IntTypeName).(*lua.LTable)
	if !ok {
		return lua.LNil
	}
	lastIntMT.Store(&intMT{L.G, mt})
	return mt
}

// forgetIntMetatable drops the remembered metatable if it is g's, so that
// a closed engine's state is not kept alive.
func forgetIntMetatable(g *lua.Global) {
	if c := lastIntMT.Load(); c != nil && c.g == g {
		lastIntMT.CompareAndSwap(c, nil)
	}
}

type intMT struct {
	g  *lua.Global
	mt *lua.LTable
}

var lastIntMT atomic.Pointer[intMT]

// IntValue returns b as an exact Int userdata, whatever its magnitude: an
// Int stays an Int, so sums of chain integers never pass through a float.
func IntValue(L *lua.LState, b *big.Int) lua.LValue {
	return NewInt(L, b)
}

// pushInt pushes b, owned by the caller from now on, as an Int without
// copying it.
func pushInt(L *lua.LState, b *big.Int) {
	if b.BitLen() > MaxIntBits {
		L.RaiseError("%s: %d bits, the limit is %d", ErrIntTooLarge, b.BitLen(), MaxIntBits)
	}
	L.Push(&lua.LUserData{Value: b, Env: L.Env, Metatable: intMetatable(L)})
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
	if !ok {
		return false
	}
	if c := lastIntMT.Load(); c != nil && c.mt == mt {
		return true
	}
	return mt.RawGetString("__name") == lua.LString(IntTypeName)
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

// operand converts an arithmetic operand for an Int metamethod: an Int, or
// a number that is an integer exactly representable (|n| <= 2^53). Any
// other number is an error, never a silent rounding.
func operand(L *lua.LState, v lua.LValue) *big.Int {
	if b := exactOperand(v, nil); b != nil {
		return b
	}
	if x, ok := v.(lua.LNumber); ok {
		f := float64(x)
		if f == math.Trunc(f) && !math.IsInf(f, 0) {
			L.RaiseError("cannot mix number %s with exact integer: beyond 2^53 it may be inexact; write int(\"...\")", x.String())
		}
		L.RaiseError("cannot mix non-integer number %s with exact integer", numString(x))
	}
	L.RaiseError("attempt to perform arithmetic on %s and exact integer", v.Type().String())
	return nil
}

func intArith(op func(z, a, b *big.Int) *big.Int) lua.LGFunction {
	return func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		ud, z := newIntUD(L)
		if op(z, a, b).BitLen() > MaxIntBits {
			L.RaiseError("%s: %d bits, the limit is %d", ErrIntTooLarge, z.BitLen(), MaxIntBits)
		}
		L.Push(ud)
		return 1
	}
}

// arith adds and subtracts Ints without calling their metamethods (see
// lua.Global.Arith): a sum of chain integers makes an Int per addition,
// and the call of __add cost more than the addition. It leaves to the
// metamethods every other operation and operand, a result too large (the
// metamethod raises), and an Int metatable whose __add or __sub the
// script replaced.
func (e *Engine) arith(L *lua.LState, op int, a, b lua.LValue) (lua.LValue, bool) {
	var event string
	var fn lua.LValue
	switch op {
	case lua.OP_ADD:
		event, fn = "__add", e.intAdd
	case lua.OP_SUB:
		event, fn = "__sub", e.intSub
	default:
		return nil, false
	}
	var xa, xb big.Int // a number's value, when one is (see exactOperand)
	x, y := exactOperand(a, &xa), exactOperand(b, &xb)
	if x == nil || y == nil || x == &xa && y == &xb {
		return nil, false
	}
	mt := intMetatable(L)
	if t, ok := mt.(*lua.LTable); !ok || t.RawGetString(event) != fn {
		return nil, false
	}
	ud, z := newIntCell(L.Env, mt)
	if op == lua.OP_ADD {
		z.Add(x, y)
	} else {
		z.Sub(x, y)
	}
	if z.BitLen() > MaxIntBits {
		return nil, false
	}
	return ud, true
}

// exactOperand is an operand of Int arithmetic, or nil: an Int's integer,
// or a number that is an exact integer, set in tmp (a new big.Int when tmp
// is nil).
func exactOperand(v lua.LValue, tmp *big.Int) *big.Int {
	switch x := v.(type) {
	case *lua.LUserData:
		if isIntUD(x) {
			return x.Value.(*big.Int)
		}
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) <= maxExact {
			if tmp == nil {
				tmp = newBig()
			}
			return tmp.SetInt64(int64(f))
		}
	}
	return nil
}

// checkBits raises the too-large error for a result of at least n bits,
// before it is computed.
func checkBits(L *lua.LState, op string, n int64) {
	if n > MaxIntBits {
		L.RaiseError("%s: %s would have at least %d bits, the limit is %d", ErrIntTooLarge, op, n, MaxIntBits)
	}
}

// floorDiv is int.div: the quotient rounded toward minus infinity, so that
// a == int.div(a, b) * b + a % b as in Lua.
func floorDiv(L *lua.LState) int {
	a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
	if b.Sign() == 0 {
		L.RaiseError("int.div: division by zero")
	}
	q, m := new(big.Int).QuoRem(a, b, new(big.Int))
	if m.Sign() != 0 && m.Sign() != b.Sign() {
		q.Sub(q, big.NewInt(1))
	}
	pushInt(L, q)
	return 1
}

// openInt installs the Int metatable and the int, isint globals.
func (e *Engine) openInt(L *lua.LState) {
	mt := L.NewTypeMetatable(IntTypeName)
	mt.RawSetString("__name", lua.LString(IntTypeName))
	set := func(name string, fn lua.LGFunction) { mt.RawSetString(name, L.NewFunction(fn)) }
	set("__add", intArith((*big.Int).Add))
	set("__sub", intArith((*big.Int).Sub))
	e.intAdd, e.intSub = mt.RawGetString("__add"), mt.RawGetString("__sub")
	L.G.Arith = e.arith
	set("__mul", func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		checkBits(L, "product", int64(a.BitLen())+int64(b.BitLen())-1)
		pushInt(L, new(big.Int).Mul(a, b))
		return 1
	})
	// / is exact or an error: an Int never turns into a float, and a
	// floor that the script did not ask for would be a silent wrong value.
	set("__div", func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		if b.Sign() == 0 {
			L.RaiseError("exact integer division by zero")
		}
		q, m := new(big.Int).QuoRem(a, b, new(big.Int))
		if m.Sign() != 0 {
			L.RaiseError("%s / %s is not an integer: use int.div(a, b) for the floor, or tonumber(a) / tonumber(b) for a float", a, b)
		}
		pushInt(L, q)
		return 1
	})
	set("__mod", func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		if b.Sign() == 0 {
			L.RaiseError("exact integer modulo by zero")
		}
		m := new(big.Int).Rem(a, b)
		if m.Sign() != 0 && m.Sign() != b.Sign() { // Lua: result has the divisor's sign
			m.Add(m, b)
		}
		pushInt(L, m)
		return 1
	})
	set("__pow", func(L *lua.LState) int {
		a, b := operand(L, L.Get(1)), operand(L, L.Get(2))
		if b.Sign() < 0 || b.Cmp(big.NewInt(maxPowExponent)) > 0 {
			L.RaiseError("exact integer exponent must be between 0 and %d, got %s", maxPowExponent, b.String())
		}
		if n := a.BitLen(); n > 1 {
			checkBits(L, "power", int64(n-1)*b.Int64()+1)
		}
		pushInt(L, new(big.Int).Exp(a, b, nil))
		return 1
	})
	set("__unm", func(L *lua.LState) int {
		pushInt(L, new(big.Int).Neg(operand(L, L.Get(1))))
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
		a, b := part(L.Get(1)), part(L.Get(2))
		e.checkAlloc(L, "..", int64(len(a))+int64(len(b)))
		L.Push(lua.LString(a + b))
		return 1
	})

	// int is a table: int(x) converts, int.div(a, b) is floor division
	// (Lua 5.1 has no // operator).
	lib := L.NewTable()
	lib.RawSetString("div", L.NewFunction(floorDiv))
	libMT := L.NewTable()
	libMT.RawSetString("__call", L.NewFunction(func(L *lua.LState) int {
		pushInt(L, parseInt(L, L.Get(2)))
		return 1
	}))
	L.SetMetatable(lib, libMT)
	L.SetGlobal("int", lib)
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
		if f != math.Trunc(f) || math.IsInf(f, 0) { // NaN too
			L.RaiseError("bad argument #1 to 'int' (%s is not an integer)", numString(x))
		}
		if math.Abs(f) > maxExact {
			L.RaiseError("int: %s is beyond 2^53 and may be inexact; pass it as a string", x.String())
		}
		return big.NewInt(int64(f))
	case lua.LString:
		if len(x) > maxIntDigits {
			L.RaiseError("int: %s: a string of %d bytes, the limit is %d", ErrIntTooLarge, len(x), maxIntDigits)
		}
		s := strings.TrimSpace(string(x))
		b, ok := new(big.Int).SetString(s, 0)
		if !ok {
			L.RaiseError("int: cannot parse %q as an integer", clip(string(x)))
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

// clip shortens a string quoted in an error message.
func clip(s string) string {
	const n = 40
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// numString renders a number as Lua prints it: nan, inf and -inf rather
// than Go's NaN, +Inf and -Inf.
func numString(n lua.LNumber) string {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return n.String()
}

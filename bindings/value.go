package bindings

import (
	"encoding/hex"
	"math/big"

	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// maxExact is 2^53, the largest magnitude of an integer exact in a double.
const maxExact = 1 << 53

// numberBits is the widest chain integer type that reaches Lua as a plain
// number: every u32/i32 is exact in a double and so is any sum a script
// makes of them. Wider types (u64 balances, u128 stakes) are Ints, so that
// adding them up never passes through a float.
const numberBits = 32

// isNumberWidth reports whether an integer of the given type width
// becomes a plain number (0: width unknown, so an Int).
func isNumberWidth(bits int) bool { return bits > 0 && bits <= numberBits }

// Value wraps a decoded chain value for return from an async function: it
// is converted to Lua on the goroutine that returns it (engine.LuaBuilder),
// or on the engine's owner goroutine (engine.LuaValuer).
type Value struct{ V scale.Value }

// LuaValue converts the value by the package rule (see ToLua).
func (v Value) LuaValue(L *lua.LState) lua.LValue { return ToLua(L, v.V) }

// BuildLua converts the value by the package rule (see ToLua) with b, on
// any goroutine.
func (v Value) BuildLua(b *engine.Builder) lua.LValue { return toLua(b, v.V) }

// ToLua converts a chain value to Lua: integers of types up to 32 bits are
// numbers, of wider types (u64, u128, i64 …) exact Int userdata whatever
// their value, so sums stay exact (never floats); bytes are
// "0x…" hex strings; accounts SS58 strings; composites tables keyed by
// field name; unit variants their name; variants with data {Name = data};
// sequences 1-based arrays, marked as such (engine.NewArray); Null nil. It
// must run on the owner goroutine; Value.BuildLua does the same anywhere.
func ToLua(L *lua.LState, v scale.Value) lua.LValue {
	return toLua(stateMaker{L}, v)
}

// maker makes the Lua values ToLua needs: with the state on its goroutine
// (stateMaker), or with an engine.Builder anywhere.
type maker interface {
	Int(x *big.Int) lua.LValue
	Uint64(u uint64) lua.LValue
	Int64(i int64) lua.LValue
	Array(n int) *lua.LTable
	Table(acap, hcap int) *lua.LTable
}

type stateMaker struct{ L *lua.LState }

func (m stateMaker) Int(x *big.Int) lua.LValue { return engine.IntValue(m.L, x) }

func (m stateMaker) Uint64(u uint64) lua.LValue {
	var w [2]big.Word // IntValue copies: no allocation here
	return engine.IntValue(m.L, new(big.Int).SetBits(w[:0]).SetUint64(u))
}

func (m stateMaker) Int64(i int64) lua.LValue {
	var w [2]big.Word
	return engine.IntValue(m.L, new(big.Int).SetBits(w[:0]).SetInt64(i))
}

func (m stateMaker) Array(n int) *lua.LTable { return engine.NewArray(m.L, n) }

func (m stateMaker) Table(acap, hcap int) *lua.LTable { return m.L.CreateTable(acap, hcap) }

func toLua(m maker, v scale.Value) lua.LValue {
	switch v.Kind() {
	case scale.KindNull:
		return lua.LNil
	case scale.KindBool:
		b, _ := v.Bool()
		return lua.LBool(b)
	case scale.KindUint:
		u, _ := v.Uint()
		if isNumberWidth(v.Bits()) {
			return lua.LNumber(u)
		}
		return m.Uint64(u)
	case scale.KindInt:
		i, _ := v.Int()
		if isNumberWidth(v.Bits()) {
			return lua.LNumber(i)
		}
		return m.Int64(i)
	case scale.KindBig:
		return m.Int(v.BigInt())
	case scale.KindString:
		s, _ := v.Str()
		return lua.LString(s)
	case scale.KindBytes:
		return lua.LString("0x" + hex.EncodeToString(v.Bytes()))
	case scale.KindAccount:
		return lua.LString(v.String())
	case scale.KindSeq:
		n := v.Len()
		t := m.Array(n) // empty, it is still [] in JSON
		for i := range n {
			t.RawSetInt(i+1, toLua(m, v.Index(i)))
		}
		return t
	case scale.KindComposite:
		names := v.FieldNames()
		t := m.Table(0, len(names))
		for i, name := range names {
			t.RawSetString(name, toLua(m, v.Index(i)))
		}
		return t
	case scale.KindVariant:
		p, ok := v.Payload()
		if !ok {
			return lua.LString(v.VariantName())
		}
		t := m.Table(0, 1)
		t.RawSetString(v.VariantName(), toLua(m, p))
		return t
	}
	return lua.LString(v.String())
}

// BalanceTypeName names the Balance userdata metatable in the Lua registry.
const BalanceTypeName = "btscript.Balance"

// Balance wraps a bt.Balance for return from an async function; it becomes
// a Balance userdata.
type Balance bt.Balance

// LuaValue returns the Balance userdata.
func (b Balance) LuaValue(L *lua.LState) lua.LValue { return NewBalance(L, bt.Balance(b)) }

// NewBalance returns a Balance userdata holding b. Install must have run
// on L's engine.
func NewBalance(L *lua.LState, b bt.Balance) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = b
	ud.Metatable = L.GetTypeMetatable(BalanceTypeName)
	return ud
}

// ToBalance returns the balance held by a Balance userdata.
func ToBalance(v lua.LValue) (bt.Balance, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return 0, false
	}
	b, ok := ud.Value.(bt.Balance)
	if !ok {
		return 0, false
	}
	mt, ok := ud.Metatable.(*lua.LTable)
	return b, ok && mt.RawGetString("__name") == lua.LString(BalanceTypeName)
}

// openBalance installs the Balance metatable: fields rao (exact) and tao
// (the amount as a float); +, - and comparisons between balances.
func openBalance(L *lua.LState) {
	amount[bt.Balance]{
		name: BalanceTypeName,
		kind: "balance",
		get:  ToBalance,
		wrap: func(L *lua.LState, b bt.Balance) lua.LValue { return NewBalance(L, b) },
		rao:  func(b bt.Balance) bt.Balance { return b },
		with: func(_ bt.Balance, rao bt.Balance) bt.Balance { return rao },
		field: func(b bt.Balance, key string) lua.LValue {
			if key == "tao" {
				return lua.LNumber(b.Tao())
			}
			return lua.LNil
		},
		operands: func(L *lua.LState, op string) (bt.Balance, bt.Balance) {
			a, aok := ToBalance(L.Get(1))
			b, bok := ToBalance(L.Get(2))
			if !aok || !bok {
				_, alpha1 := ToAlpha(L.Get(1))
				_, alpha2 := ToAlpha(L.Get(2))
				if alpha1 || alpha2 {
					L.RaiseError("cannot %s an alpha amount and a Balance (TAO): convert with .rao first", op)
				}
				L.RaiseError("cannot %s a Balance and a %s: convert with .rao or bt.balance(rao) first", op, otherOperand(L, ToBalance))
			}
			return a, b
		},
		text: bt.Balance.String,
	}.open(L)
}

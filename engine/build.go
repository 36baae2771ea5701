package engine

import (
	"fmt"
	"math/big"

	lua "github.com/yuin/gopher-lua"
)

// A Builder makes the Lua values of one engine on any goroutine: tables,
// arrays and Ints, which hold no reference to the Lua state but the
// engine's metatables and globals. A result built on the goroutine that
// finished a call reaches the engine's goroutine ready, so converting a
// large answer (a thousand neurons: about 12 ms of tables) does not hold
// up every other coroutine. A Builder is safe for concurrent use; the
// values it returns belong to the caller until handed to the engine.
type Builder struct {
	env     *lua.LTable
	intMT   lua.LValue
	arrayMT lua.LValue
}

// LuaBuilder is a LuaValuer that can also build its value with a Builder.
// The engine does so on the goroutine that returns it from an async call
// (a Func's, or the one calling a StartFunc's done), instead of calling
// LuaValue on its own goroutine. BuildLua must give what LuaValue gives.
type LuaBuilder interface {
	LuaValuer
	BuildLua(b *Builder) lua.LValue
}

// newBuilder takes L's metatables; openInt and the array metatable must
// be installed.
func newBuilder(L *lua.LState) *Builder {
	return &Builder{env: L.Env, intMT: intMetatable(L), arrayMT: L.GetTypeMetatable(ArrayTypeName)}
}

// Table returns an empty table with room for acap array items and hcap
// named fields.
func (b *Builder) Table(acap, hcap int) *lua.LTable {
	return lua.CreateTable(acap, hcap)
}

// Array returns an empty table of capacity n marked as an array (see
// NewArray).
func (b *Builder) Array(n int) *lua.LTable {
	t := lua.CreateTable(n, 0)
	t.Metatable = b.arrayMT
	return t
}

// Int returns an exact Int holding a copy of x (see IntValue).
func (b *Builder) Int(x *big.Int) lua.LValue {
	ud, z := b.newInt()
	z.Set(x)
	return ud
}

// Uint64 returns an exact Int holding u.
func (b *Builder) Uint64(u uint64) lua.LValue {
	ud, z := b.newInt()
	z.SetUint64(u)
	return ud
}

// Int64 returns an exact Int holding i.
func (b *Builder) Int64(i int64) lua.LValue {
	ud, z := b.newInt()
	z.SetInt64(i)
	return ud
}

func (b *Builder) newInt() (*lua.LUserData, *big.Int) {
	return newIntCell(b.env, b.intMT)
}

// build replaces the values of vals that can build themselves with what
// they build, on the calling goroutine. A panic in BuildLua is the call's
// error, as one in the call itself.
func (e *Engine) build(vals []any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in async function: building its result: %v", p)
		}
	}()
	for i, v := range vals {
		if lb, ok := v.(LuaBuilder); ok {
			vals[i] = lb.BuildLua(e.builder)
		}
	}
	return nil
}

package engine

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// ArrayTypeName names the metatable that marks a table as an array, in
// the Lua registry: a sequence decoded from the chain or JSON, or a table
// a script passed to json.array. An empty marked table is [] in JSON, not
// {}. The metatable has no metamethods.
const ArrayTypeName = "btscript.array"

// NewArray returns an empty table of capacity n marked as an array.
func NewArray(L *lua.LState, n int) *lua.LTable {
	t := L.CreateTable(n, 0)
	t.Metatable = L.GetTypeMetatable(ArrayTypeName)
	return t
}

// IsArray reports whether t is marked as an array.
func IsArray(L *lua.LState, t *lua.LTable) bool {
	mt, ok := t.Metatable.(*lua.LTable)
	return ok && mt == L.GetTypeMetatable(ArrayTypeName)
}

// LuaValuer is implemented by Go values that convert themselves to Lua
// (chain values, balances, ...). ToLua calls LuaValue on the owner
// goroutine.
type LuaValuer interface {
	LuaValue(L *lua.LState) lua.LValue
}

// ToLua converts a Go value to Lua. It must run on the owner goroutine (in
// Do, or in a Lua function). Supported: nil, bool, string, []byte (as a
// string), all float, int and uint types, *big.Int (a number when its
// magnitude is at most 2^53, else an exact Int), []any and other slices (an
// array table), map[string]any and other maps with string keys (a table),
// lua.LValue (unchanged) and LuaValuer.
func ToLua(L *lua.LState, v any) (lua.LValue, error) {
	switch x := v.(type) {
	case nil:
		return lua.LNil, nil
	case LuaValuer:
		return x.LuaValue(L), nil
	case lua.LValue:
		return x, nil
	case bool:
		return lua.LBool(x), nil
	case string:
		return lua.LString(x), nil
	case []byte:
		return lua.LString(x), nil
	case float64:
		return lua.LNumber(x), nil
	case float32:
		return lua.LNumber(x), nil
	case int:
		return intLua(L, int64(x)), nil
	case int8:
		return lua.LNumber(x), nil
	case int16:
		return lua.LNumber(x), nil
	case int32:
		return lua.LNumber(x), nil
	case int64:
		return intLua(L, x), nil
	case uint:
		return uintLua(L, uint64(x)), nil
	case uint8:
		return lua.LNumber(x), nil
	case uint16:
		return lua.LNumber(x), nil
	case uint32:
		return lua.LNumber(x), nil
	case uint64:
		return uintLua(L, x), nil
	case *big.Int:
		if x == nil {
			return lua.LNil, nil
		}
		return IntValue(L, x), nil
	case []any:
		t := NewArray(L, len(x))
		for i, e := range x {
			lv, err := ToLua(L, e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i+1, err)
			}
			t.RawSetInt(i+1, lv)
		}
		return t, nil
	case map[string]any:
		t := L.CreateTable(0, len(x))
		for k, e := range x {
			lv, err := ToLua(L, e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			t.RawSetString(k, lv)
		}
		return t, nil
	case error:
		return lua.LString(x.Error()), nil
	}
	return reflectLua(L, v)
}

// reflectLua converts other slices and string-keyed maps.
func reflectLua(L *lua.LState, v any) (lua.LValue, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		t := NewArray(L, rv.Len())
		for i := 0; i < rv.Len(); i++ {
			lv, err := ToLua(L, rv.Index(i).Interface())
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i+1, err)
			}
			t.RawSetInt(i+1, lv)
		}
		return t, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		t := L.CreateTable(0, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			lv, err := ToLua(L, it.Value().Interface())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.Key().String(), err)
			}
			t.RawSetString(it.Key().String(), lv)
		}
		return t, nil
	case reflect.Pointer:
		if rv.IsNil() {
			return lua.LNil, nil
		}
	}
	return nil, fmt.Errorf("cannot convert Go value of type %T to Lua", v)
}

func intLua(L *lua.LState, x int64) lua.LValue {
	if x >= -maxExact && x <= maxExact {
		return lua.LNumber(x)
	}
	return NewInt(L, big.NewInt(x))
}

func uintLua(L *lua.LState, x uint64) lua.LValue {
	if x <= maxExact {
		return lua.LNumber(x)
	}
	return NewInt(L, new(big.Int).SetUint64(x))
}

// ToGo converts a Lua value to Go: nil, bool, string; a number becomes
// int64 when it is integral with magnitude at most 2^53, else float64; an
// Int becomes *big.Int; other userdata become their Value; a table becomes
// []any when it is a non-empty sequence 1..n, else map[string]any (keys
// rendered with tostring); functions, threads and channels become their
// description string. Cycles are cut with the string "<cycle>".
func ToGo(v lua.LValue) any {
	return toGo(v, nil)
}

func toGo(v lua.LValue, path map[*lua.LTable]bool) any {
	switch x := v.(type) {
	case nil, *lua.LNilType:
		return nil
	case lua.LBool:
		return bool(x)
	case lua.LString:
		return string(x)
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) <= maxExact {
			return int64(f)
		}
		return f
	case *lua.LUserData:
		if b, ok := x.Value.(*big.Int); ok && isIntUD(x) {
			return new(big.Int).Set(b)
		}
		return x.Value
	case *lua.LTable:
		if path[x] {
			return "<cycle>"
		}
		if path == nil {
			path = map[*lua.LTable]bool{}
		}
		path[x] = true
		defer delete(path, x)
		n := x.Len()
		count := 0
		x.ForEach(func(lua.LValue, lua.LValue) { count++ })
		if n > 0 && n == count || count == 0 && isArrayTable(x) {
			out := make([]any, n)
			for i := 1; i <= n; i++ {
				out[i-1] = toGo(x.RawGetInt(i), path)
			}
			return out
		}
		out := make(map[string]any, count)
		x.ForEach(func(k, val lua.LValue) {
			key := k.String()
			if n, ok := k.(lua.LNumber); ok {
				key = strconv.FormatFloat(float64(n), 'g', -1, 64)
			}
			out[key] = toGo(val, path)
		})
		return out
	}
	return v.String()
}

// isArrayTable is IsArray without a Lua state: the marker metatable is
// known by its __name.
func isArrayTable(t *lua.LTable) bool {
	mt, ok := t.Metatable.(*lua.LTable)
	return ok && mt.RawGetString("__name") == lua.LString(ArrayTypeName)
}

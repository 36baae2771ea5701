package bindings_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// recordedAnswer decodes the recorded finney answer of a runtime-API
// method (test metagraph, netuid 1) with the V15 metadata.
func recordedAnswer(tb testing.TB, method string) scale.Value {
	tb.Helper()
	md, err := scale.Parse(testdata.Hex(tb, testdata.MetadataV15))
	if err != nil {
		tb.Fatal(err)
	}
	var s string
	json.Unmarshal(testdata.Recorded(tb).Result(tb, "metagraph", "state_call",
		`["`+method+`", "0100", "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"]`), &s)
	raw, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		tb.Fatal(err)
	}
	me, err := md.MethodByRPCName(method)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := md.Decode(me.Output, raw)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// lazyValue converts a chain value on the engine's goroutine only.
type lazyValue struct{ v scale.Value }

func (l lazyValue) LuaValue(L *lua.LState) lua.LValue { return bindings.ToLua(L, l.v) }

// TestBuiltValuesMatch: a chain value built off the engine's goroutine
// (Value.BuildLua) is the Lua value ToLua makes on it — same tables, array
// marks, Ints and strings — for the recorded finney get_neurons_lite and
// get_subnet_state answers.
func TestBuiltValuesMatch(t *testing.T) {
	en := newEngine(t, chain.New(nil, chain.Options{}), bindings.Options{})
	for _, method := range []string{"NeuronInfoRuntimeApi_get_neurons_lite", "SubnetInfoRuntimeApi_get_subnet_state"} {
		v := recordedAnswer(t, method)
		en.e.Register("built", func(ctx context.Context, args []any) ([]any, error) { return []any{bindings.Value{V: v}}, nil })
		en.e.Register("lazy", func(ctx context.Context, args []any) ([]any, error) { return []any{lazyValue{v}}, nil })
		res, err := en.e.Eval(context.Background(), `
			local function same(a, b, path)
				if type(a) ~= type(b) then return path .. ": " .. type(a) .. " vs " .. type(b) end
				if getmetatable(a) ~= getmetatable(b) then return path .. ": metatables differ" end
				if type(a) == "userdata" then
					if isint(a) ~= isint(b) or tostring(a) ~= tostring(b) then return path .. ": " .. tostring(a) .. " vs " .. tostring(b) end
					return nil
				end
				if type(a) ~= "table" then
					if a ~= b then return path .. ": " .. tostring(a) .. " vs " .. tostring(b) end
					return nil
				end
				for k, x in pairs(a) do
					local d = same(x, b[k], path .. "." .. tostring(k))
					if d then return d end
				end
				for k in pairs(b) do
					if a[k] == nil then return path .. "." .. tostring(k) .. ": missing" end
				end
				return nil
			end
			local a, b = built(), lazy()
			local n = 0
			for _ in pairs(a) do n = n + 1 end
			return same(a, b, "v") or "same", n`)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Go(); got[0] != "same" || got[1].(int64) < 10 {
			t.Errorf("%s: %v", method, got)
		}
	}
}

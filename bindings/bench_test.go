package bindings_test

import (
	"context"
	"encoding/hex"
	"io"
	"testing"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// BenchmarkGatherQueries gathers 1000 chain.query of System.Account from a
// node on 127.0.0.1 that answers at once: the CPU of the whole path, from
// Lua through the engine, the bindings and the client to the socket and
// back, per 1000 reads (pinning fetches the head once per gather).
func BenchmarkGatherQueries(b *testing.B) {
	srv := chaintest.AccountsServer(b, 0)
	c, _ := chaintest.Dial(b, srv.URL(), chain.Options{})
	en := newEngine(b, c, bindings.Options{})
	if err := en.e.Do(func(L *lua.LState) error {
		t := L.NewTable()
		for _, a := range chaintest.Accounts(1000) {
			t.Append(lua.LString(a))
		}
		L.SetGlobal("addrs", t)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := en.e.Eval(ctx, `
		fs = {}
		for i, a in ipairs(addrs) do fs[i] = function() return chain.query("System", "Account", a) end end
		local n = select('#', gather(unpack(fs)))
		assert(n == 1000, n)`); err != nil {
		b.Fatal(err)
	}
	requests := srv.Stats().Requests
	b.ResetTimer()
	for b.Loop() {
		if _, err := en.e.Eval(ctx, `return gather(unpack(fs))`); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(srv.Stats().Requests-requests)/float64(b.N), "requests/op")
}

// BenchmarkFreshEngine is the cost of running each script in a clean
// state: a new engine with the modules installed over a shared client,
// one small script, Close.
func BenchmarkFreshEngine(b *testing.B) {
	c := chain.New(nil, chain.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e := engine.New(engine.Options{Pinner: bindings.NewPinner(c), Stdout: io.Discard})
		if err := bindings.Install(e, c, bindings.Options{}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.RunString(ctx, "job.lua", "local x = ... return x + 1", 41); err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

// BenchmarkReusedEngine is the same script on one engine, for comparison.
func BenchmarkReusedEngine(b *testing.B) {
	c := chain.New(nil, chain.Options{})
	ctx := context.Background()
	e := engine.New(engine.Options{Pinner: bindings.NewPinner(c), Stdout: io.Discard})
	defer e.Close()
	if err := bindings.Install(e, c, bindings.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.RunString(ctx, "job.lua", "local x = ... return x + 1", 41); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGather100k is row 6 of go run ./bench without the network: one
// gather of 100 000 chain.query of a u64 map of two u16 keys, summed in
// Lua, from a node on 127.0.0.1 that answers every key with 100 at once.
// It is the CPU btscript spends on a large gather, which on a machine it
// shares with the node is what keeps it from the network floor.
func BenchmarkGather100k(b *testing.B) {
	prefix := "0x" + hex.EncodeToString(scale.StoragePrefix("SubtensorModule", "BlockAtRegistration"))
	srv := chaintest.StorageServer(b, 0, prefix, "0x6400000000000000")
	c, _ := chaintest.Dial(b, srv.URL(), chain.Options{})
	en := newEngine(b, c, bindings.Options{})
	const script = `
local fns = {}
for i = 0, 99999 do
  local netuid, uid = 1000 + math.floor(i / 1000), i % 1000
  fns[#fns + 1] = function() return chain.query("SubtensorModule", "BlockAtRegistration", netuid, uid) end
end
local vals = gather(fns)
local sum = 0
for _, v in ipairs(vals) do sum = sum + v end
return tostring(sum)`
	ctx := context.Background()
	for b.Loop() {
		res, err := en.e.Eval(ctx, script)
		if err != nil {
			b.Fatal(err)
		}
		if got := res.Values[0].String(); got != "10000000" {
			b.Fatalf("sum %s, want 10000000", got)
		}
	}
}

// BenchmarkNeuronsLiteToLua builds the Lua tables of the recorded finney
// get_neurons_lite answer (1024 neurons), already decoded: the part of a
// runtime-API read that runs on the engine's goroutine.
func BenchmarkNeuronsLiteToLua(b *testing.B) {
	v := recordedAnswer(b, "NeuronInfoRuntimeApi_get_neurons_lite")
	e := engine.New(engine.Options{Stdout: io.Discard})
	defer e.Close()
	b.ReportAllocs()
	for b.Loop() {
		e.Do(func(L *lua.LState) error {
			if t, ok := bindings.ToLua(L, v).(*lua.LTable); !ok || t.Len() != 1024 {
				b.Fatalf("got %v", t)
			}
			return nil
		})
	}
}

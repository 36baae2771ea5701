package bindings_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/devnettest"
)

// alice and bob are the well-known development accounts.
const (
	alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	bob   = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
)

// TestDevnet runs scripts against the real subtensor runtime (spec 218)
// under Chopsticks. The test plants state; the scripts only read it.
func TestDevnet(t *testing.T) {
	n := devnettest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	plant := map[string]any{
		"SubtensorModule": map[string]any{
			"Tempo":   []any{[]any{[]any{7}, 123}, []any{[]any{11}, 360}},
			"Keys":    []any{[]any{[]any{7, 3}, bob}},
			"Weights": []any{[]any{[]any{7, 3}, []any{[]any{3, 65535}, []any{4, 7}}}},
		},
		"Commitments": map[string]any{"CommitmentOf": []any{[]any{[]any{7, bob},
			map[string]any{"deposit": 0, "block": 1, "info": map[string]any{"fields": []any{map[string]any{"Raw5": "0x68656c6c6f"}}}}}}},
		"System": map[string]any{"Account": []any{
			[]any{[]any{alice}, map[string]any{"providers": 1, "data": map[string]any{"free": "12345678901234567"}}},
			[]any{[]any{bob}, map[string]any{"providers": 1, "data": map[string]any{"free": "5"}}},
		}},
	}
	if err := n.Call(ctx, nil, "dev_setStorage", plant); err != nil {
		t.Fatal(err)
	}
	if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1}); err != nil {
		t.Fatal(err)
	}
	// Subnets 7 and 11 exist for the bt helpers (which give nil for a
	// missing subnet) in the head's state only: the runtime cannot build
	// a block with subnets that lack the rest of a subnet's state.
	added := func(v any) {
		set := map[string]any{"SubtensorModule": map[string]any{"NetworksAdded": []any{[]any{[]any{7}, v}, []any{[]any{11}, v}}}}
		if err := n.Call(ctx, nil, "dev_setStorage", set); err != nil {
			t.Fatal(err)
		}
	}
	added(true)
	c, calls := chaintest.Dial(t, n.URL, chain.Options{})
	en := newEngine(t, c, bindings.Options{})

	t.Run("planted values read exactly", func(t *testing.T) {
		got := en.eval(t, `
			local b = bt.get_balance("`+alice+`")
			print(b)
			return bt.tempo(7), chain.query("SubtensorModule", "Tempo", 7), tostring(b),
				b.rao == int("12345678901234567"), tostring(b.rao),
				tostring(chain.query("System", "Account", "`+alice+`").data.free)`)
		want := "123 123 τ12345678.901234567 true 12345678901234567 12345678901234567"
		if got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
		if !strings.Contains(en.out.String(), "τ12345678.901234567\n") {
			t.Fatalf("printed %q", en.out.String())
		}
	})

	t.Run("query_map gives every key with its netuid", func(t *testing.T) {
		md, err := c.Metadata(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		e, _ := md.Storage("SubtensorModule", "Tempo")
		var raw []string
		if err := n.Call(ctx, &raw, "state_getKeysPaged", fmt.Sprintf("0x%x", e.Prefix32()), 1000, nil); err != nil {
			t.Fatal(err)
		}
		got := en.eval(t, `
			local n, seen = 0, {}
			for keys, tempo in chain.query_map("SubtensorModule", "Tempo") do
				n = n + 1
				seen[keys[1]] = tempo
			end
			return n, seen[7], seen[11]`)
		if want := fmt.Sprintf("%d 123 360", len(raw)); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})

	t.Run("get_balances is one state_queryStorageAt", func(t *testing.T) {
		before := calls.Count("state_queryStorageAt")
		beforeOne := calls.Count("state_getStorage")
		got := en.eval(t, `
			local b = bt.get_balances("`+alice+`", "`+bob+`")
			local t = bt.get_balances({"`+bob+`"})
			return tostring(b["`+alice+`"]), tostring(b["`+bob+`"]), tostring(t["`+bob+`"])`)
		if got != "τ12345678.901234567 τ0.000000005 τ0.000000005" {
			t.Fatalf("got %s", got)
		}
		if d := calls.Count("state_queryStorageAt") - before; d != 2 || calls.Count("state_getStorage") != beforeOne {
			t.Fatalf("two get_balances made %d state_queryStorageAt and %d state_getStorage requests",
				d, calls.Count("state_getStorage")-beforeOne)
		}
	})

	t.Run("gather fetches the head once", func(t *testing.T) {
		before := calls.Count("chain_getHead")
		got := en.eval(t, `
			return gather(
				function() return bt.tempo(7) end,
				function() return bt.tempo(11) end,
				function() return chain.query("SubtensorModule", "Tempo", 7) end,
				function() return gather(function() return bt.get_total_subnets() end) end)`)
		if !strings.HasPrefix(got, "123 360 123 ") {
			t.Fatalf("got %s", got)
		}
		if d := calls.Count("chain_getHead") - before; d != 1 {
			t.Fatalf("gather made %d chain_getHead requests", d)
		}
	})

	t.Run("a helper whose runtime API the runtime lacks names it", func(t *testing.T) {
		msg := en.evalErr(t, `return bt.metagraph(1, true, nil, 1)`)
		for _, want := range []string{"metagraph(1, 1)", "SubnetInfoRuntimeApi.get_selective_mechagraph", "node-subtensor version 218"} {
			if !strings.Contains(msg, want) {
				t.Fatalf("error %q does not mention %q", msg, want)
			}
		}
		// Storage helpers and typed APIs still work.
		got := en.eval(t, `return tostring(bt.get_subnet_burn_cost()) ~= nil, bt.subnet_exists(0), isint(bt.get_existential_deposit().rao)`)
		if got != "true true true" {
			t.Fatalf("got %s", got)
		}
	})

	t.Run("weights and commitments", func(t *testing.T) {
		got := en.eval(t, `return json.encode(bt.weights(7)), bt.get_commitment(7, 3), bt.get_commitment(7, 4)`)
		if got != "[[3,[[3,65535],[4,7]]]] hello " {
			t.Fatalf("got %q", got)
		}
		msg := en.evalErr(t, `return bt.get_current_weight_commit_info(7)`)
		if !strings.Contains(msg, "neither SubtensorModule.TimelockedWeightCommits nor CRV3WeightCommits") {
			t.Fatalf("error %q", msg)
		}
	})

	added(nil)
	t.Run("heads iterator stops after n", func(t *testing.T) {
		go func() {
			time.Sleep(time.Second)
			_ = n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 3})
		}()
		got := en.eval(t, `
			local nums = {}
			for h in chain.heads(2) do nums[#nums + 1] = h.number end
			return #nums, nums[2] == nums[1] + 1`)
		if got != "2 true" {
			t.Fatalf("got %s", got)
		}
	})

	t.Run("watch gives the value now and when a block changes it", func(t *testing.T) {
		go func() {
			time.Sleep(time.Second)
			plant := map[string]any{"SubtensorModule": map[string]any{"ImmunityPeriod": []any{[]any{[]any{7}, 4321}}}}
			_ = n.Call(ctx, nil, "dev_setStorage", plant)
			_ = n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1})
		}()
		got := en.eval(t, `
			local seen = {}
			for v, block in chain.watch("SubtensorModule", "ImmunityPeriod", 7) do
				seen[#seen + 1] = v
				assert(#block == 66, "block hash")
				if v == 4321 then break end
			end
			return seen[#seen], #seen >= 2, chain.block(1).calls[1].call.Timestamp ~= nil`)
		if got != "4321 true true" {
			t.Fatalf("got %s", got)
		}
	})

	t.Run("runtime calls, constants, the finalized head and events", func(t *testing.T) {
		got := en.eval(t, `
			local fin = chain.finalized_head()
			local ev = chain.events()
			return json.encode(chain.call("Metadata", "metadata_versions")),
				chain.call("AccountNonceApi", "account_nonce", "`+alice+`"),
				chain.constant("Balances", "ExistentialDeposit") == bt.get_existential_deposit().rao,
				#fin == 66, chain.block_number(fin) <= chain.block_number(), chain.block_number(fin) > 0,
				ev[1].phase.ApplyExtrinsic, ev[1].event.System.ExtrinsicSuccess ~= nil`)
		if got != "[14,15] 0 true true true true 0 true" {
			t.Fatalf("got %s", got)
		}
		msg := en.evalErr(t, `return chain.call("Metadata", "no_such_method")`)
		if !strings.Contains(msg, "no_such_method") {
			t.Fatalf("error %q", msg)
		}
	})

	t.Run("block arguments", func(t *testing.T) {
		got := en.eval(t, `
			local h = chain.header(1)
			return h.number, chain.block_hash(1) == h.hash, chain.block_number(h.hash), #chain.block(1).extrinsics > 0,
				at(1, function() return chain.head() end) == h.hash, chain.runtime_version().spec_version,
				#chain.metadata().pallets.SubtensorModule.storage > 0`)
		if got != "1 true 1 true true 218 true" {
			t.Fatalf("got %s", got)
		}
		// runtime_version reads the block it is given.
		got = en.eval(t, `local ok, err = pcall(chain.runtime_version, 999999)
			return chain.runtime_version(1).spec_version, chain.runtime_version(chain.block_hash(1)).spec_version, ok, err`)
		if !strings.HasPrefix(got, "218 218 false ") || !strings.Contains(got, "999999") {
			t.Fatalf("got %s", got)
		}
	})
}

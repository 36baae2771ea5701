package bindings_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/devnettest"
)

// TestDevnet293Helpers reads the helpers built on the typed runtime APIs
// and storage of mainline subtensor (dynamic info, v2 subnet info, the
// per-hotkey stake, the swap price, revealed commitments) on the real
// spec-293 runtime, against state planted at the head. Neither the finney
// recordings nor spec 218 have them.
func TestDevnet293Helpers(t *testing.T) {
	n := devnettest.Start293(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// U64F64 fixed-point numbers are planted by their bits: 1.5 = 3·2^63,
	// 0.25 = 2^62, one share = 2^64.
	const (
		sqrt15   = "27670116110564327424"
		sqrt025  = "4611686018427387904"
		oneShare = "18446744073709551616"
		twoShare = "36893488147419103232"
	)
	at := func(keys ...any) []any { return keys }
	plant := map[string]any{
		"SubtensorModule": map[string]any{
			"NetworksAdded":     []any{[]any{at(7), true}, []any{at(8), true}},
			"Tempo":             []any{[]any{at(7), 123}, []any{at(8), 45}},
			"SubnetOwner":       []any{[]any{at(7), bob}, []any{at(8), alice}},
			"SubnetOwnerHotkey": []any{[]any{at(7), charlie}},
			"SubnetMechanism":   []any{[]any{at(7), 1}, []any{at(8), 1}},
			"SubnetTAO":         []any{[]any{at(7), 5000000000}},
			"SubnetAlphaIn":     []any{[]any{at(7), 2500000000}},
			"SubnetAlphaOut":    []any{[]any{at(7), 777}},
			"SubnetVolume":      []any{[]any{at(7), 4242}},
			"MaxAllowedUids":    []any{[]any{at(7), 256}},
			"Keys":              []any{[]any{at(7, 3), charlie}},
			// Bob's coldkey holds one of the two shares of Charlie's
			// 3 alpha on subnet 7.
			"Alpha":             []any{[]any{at(charlie, bob, 7), map[string]any{"bits": oneShare}}},
			"TotalHotkeyShares": []any{[]any{at(charlie, 7), map[string]any{"bits": twoShare}}},
			"TotalHotkeyAlpha":  []any{[]any{at(charlie, 7), 3000000000}},
		},
		"Swap": map[string]any{
			"SwapV3Initialized": []any{[]any{at(7), true}, []any{at(8), true}},
			"AlphaSqrtPrice": []any{[]any{at(7), map[string]any{"bits": sqrt15}},
				[]any{at(8), map[string]any{"bits": sqrt025}}},
		},
		"Commitments": map[string]any{
			"RevealedCommitments": []any{[]any{at(7, charlie), []any{[]any{"0x68656c6c6f", 55}, []any{"0x776f726c64", 60}}}},
		},
	}
	if err := n.Call(ctx, nil, "dev_setStorage", plant); err != nil {
		t.Fatal(err)
	}
	c, _ := chaintest.Dial(t, n.URL, chain.Options{NoDiskCache: true})
	en := newEngine(t, c, bindings.Options{})
	check := func(t *testing.T, code string, want ...string) {
		t.Helper()
		if got := en.eval(t, code); got != strings.Join(want, " ") {
			t.Fatalf("%s\ngot  %s\nwant %s", code, got, strings.Join(want, " "))
		}
	}

	// The node answers at genesis: Start293 does not wait for a block.
	check(t, `return bt.get_current_block()`, "0")

	t.Run("subnet", func(t *testing.T) {
		check(t, `local s = bt.subnet(7)
			return s.netuid, s.owner_coldkey, s.owner_hotkey, s.tempo, s.tao_in, s.alpha_in, s.alpha_out, s.subnet_volume,
				bt.subnet(8).owner_coldkey, bt.subnet(9) == nil`,
			"7", bob, charlie, "123", "5000000000", "2500000000", "777", "4242", alice, "true")
	})
	t.Run("all_subnets", func(t *testing.T) {
		// The genesis holds subnets 0 and 1; each entry is the subnet's
		// own dynamic info.
		check(t, `local seen, same = {}, true
			for _, s in ipairs(bt.all_subnets()) do
				seen[#seen + 1] = s.netuid .. ":" .. s.tempo
				same = same and json.encode(s) == json.encode(bt.subnet(s.netuid))
			end
			return table.concat(seen, ","), same`,
			"0:"+en.eval(t, "return bt.tempo(0)")+",1:"+en.eval(t, "return bt.tempo(1)")+",7:123,8:45", "true")
	})
	t.Run("get_subnet_info", func(t *testing.T) {
		check(t, `local s = bt.get_subnet_info(7)
			return s.netuid, s.owner, s.tempo, s.max_allowed_uids, bt.get_subnet_info(8).owner, bt.get_subnet_info(9) == nil`,
			"7", bob, "123", "256", alice, "true")
	})
	t.Run("get_stake", func(t *testing.T) {
		check(t, `return tostring(bt.get_stake("`+bob+`", "`+charlie+`", 7)), tostring(bt.get_stake("`+bob+`", "`+charlie+`", 8)),
				tostring(bt.get_stake("`+alice+`", "`+charlie+`", 7))`,
			"α1.500000000 (subnet 7)", "α0.000000000 (subnet 8)", "α0.000000000 (subnet 7)")
	})
	t.Run("get_stake_for_coldkey_and_hotkey", func(t *testing.T) {
		// Every subnet when none are given, keyed by netuid.
		check(t, `local all, keys = bt.get_stake_for_coldkey_and_hotkey("`+bob+`", "`+charlie+`"), {}
			for k in pairs(all) do keys[#keys + 1] = k end
			table.sort(keys)
			local s = all[7]
			local one = bt.get_stake_for_coldkey_and_hotkey("`+bob+`", "`+charlie+`", {7})
			local n = 0
			for _ in pairs(one) do n = n + 1 end
			return table.concat(keys, ","), s.netuid, s.hotkey, s.coldkey, s.stake, all[8].stake, all[0].stake,
				n, one[7].stake`,
			"0,1,7,8", "7", charlie, bob, "1500000000", "0", "0", "1", "1500000000")
	})
	t.Run("get_subnet_price", func(t *testing.T) {
		// The root subnet is 1 TAO without a request, as in the SDK.
		check(t, `return tostring(bt.get_subnet_price(7)), tostring(bt.get_subnet_price(8)), tostring(bt.get_subnet_price(0))`,
			"τ2.250000000", "τ0.062500000", "τ1.000000000")
	})
	t.Run("get_subnet_prices", func(t *testing.T) {
		// Only subnets with a planted pool price, and the root subnet.
		check(t, `local p, keys = bt.get_subnet_prices(), {}
			for k in pairs(p) do keys[#keys + 1] = k end
			table.sort(keys)
			return table.concat(keys, ","), tostring(p[0]), tostring(p[7]), tostring(p[8]),
				p[7] == bt.get_subnet_price(7), p[8] == bt.get_subnet_price(8)`,
			"0,7,8", "τ1.000000000", "τ2.250000000", "τ0.062500000", "true", "true")
	})
	t.Run("get_revealed_commitment", func(t *testing.T) {
		want := `[[55,"hello"],[60,"world"]]`
		check(t, `return json.encode(bt.get_revealed_commitment_by_hotkey(7, "`+charlie+`")),
				json.encode(bt.get_revealed_commitment(7, 3)),
				bt.get_revealed_commitment_by_hotkey(7, "`+bob+`") == nil, bt.get_revealed_commitment_by_hotkey(8, "`+charlie+`") == nil,
				bt.get_revealed_commitment(7, 4) == nil`,
			want, want, "true", "true", "true")
	})
}

package main

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/devnet"
	"github.com/btscript/btscript/internal/testdata"
)

// Secrets of //Alice that must never appear in any output: its mini
// secret (subkey's "Secret seed") and the development phrase.
var aliceSecrets = []string{"e5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a", "e5be9a50", "bottom drive obey"}

// signingNode starts a devnet that builds a block whenever transactions
// arrive (Chopsticks' Batch mode), with //Alice and //Charlie funded, the
// subnet-1 pool holding alpha, and a one-block weights rate limit on subnet 1.
func signingNode(t *testing.T) *devnet.Node {
	t.Helper()
	spec := testdata.Path(t, testdata.RaonetSpec)
	opts := devnet.Options{Spec: spec, BuildBlockMode: "Batch"}
	if os.Getenv("BTSCRIPT_DEVNET_LOG") != "" {
		opts.Log = os.Stderr
	}
	n, err := devnet.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("devnet: %v", err)
	}
	t.Cleanup(func() { n.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	plant := map[string]any{
		"System": map[string]any{"Account": [][]any{
			{[]any{alice}, map[string]any{"providers": 1, "data": map[string]any{"free": "1000000000000000"}}},
			{[]any{charlie}, map[string]any{"providers": 1, "data": map[string]any{"free": "1000000000000"}}},
		}},
		"SubtensorModule": map[string]any{
			"SubnetAlphaIn": [][]any{{[]any{1}, 39000000000}},
			// Chopsticks takes a planted 0 for "delete" (back to the default
			// 100), so the limit is one block.
			"WeightsSetRateLimit": [][]any{{[]any{1}, 1}},
		},
	}
	if err := n.Call(ctx, nil, "dev_setStorage", plant); err != nil {
		t.Fatal(err)
	}
	return n
}

func noSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, secret := range aliceSecrets {
			if strings.Contains(s, secret) {
				t.Fatalf("output holds a secret (%s):\n%s", secret, s)
			}
		}
	}
}

func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func bigOf(t *testing.T, v any) *big.Int {
	t.Helper()
	b, ok := new(big.Int).SetString(jsonText(v), 10)
	if !ok {
		t.Fatalf("not an integer: %v", v)
	}
	return b
}

func TestSigning(t *testing.T) {
	n := signingNode(t)
	net := []string{"--network", n.URL, "--no-cache"}
	run := func(t *testing.T, flags []string, script string) result {
		t.Helper()
		args := append(append(append([]string{"run"}, net...), flags...), writeScript(t, script))
		r := bts(t, args...)
		noSecrets(t, r.stdout, r.stderr)
		return r
	}

	t.Run("without --allow-sign a signer is a one-line error", func(t *testing.T) {
		for _, expr := range []string{"keys.from_uri('//Alice')", "keys.from_mnemonic('x')", "keys.wallet('w')",
			"chain.tx(nil, 'Balances', 'transfer_keep_alive')", "bt.transfer(nil, '" + bob + "', bt.tao('1'))"} {
			r := run(t, nil, "local x = "+expr+"\nreturn 1")
			if r.code != 1 || !strings.Contains(r.stderr, "signing is off: run with --allow-sign") {
				t.Errorf("%s: exit %d, stderr %q", expr, r.code, r.stderr)
			}
			checkOneLine(t, r.stderr)
		}
	})

	t.Run("fees need no signing", func(t *testing.T) {
		r := run(t, []string{"--json"}, `return {bt.get_transfer_fee("`+alice+`", "`+bob+`", bt.tao('1'))}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if !strings.HasPrefix(r.stdout, "[13") {
			t.Errorf("fee %s", r.stdout)
		}
		r = run(t, nil, `return chain.fee("x", "Balances", "transfer_keep_alive")`)
		if r.code != 1 || !strings.Contains(r.stderr, "chain.fee: account: invalid SS58 address 'x'") {
			t.Errorf("bad account: %d %s", r.code, r.stderr)
		}
	})

	t.Run("a signer's secret cannot be read from Lua", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--json"}, `
local a = keys.from_uri('//Alice')
local out = {}
out.tostring = tostring(a)
out.address = a.address
out.format = string.format("%s|%q", tostring(a), tostring(a))
out.format_raw = {pcall(string.format, "%s %q %d %x", a, a, a, a)}
out.format_s = string.format("%s", a)
out.json = {pcall(json.encode, a)}
out.json_table = {pcall(json.encode, {signer = a})}
out.pairs = {pcall(pairs, a)}
out.ipairs = {pcall(ipairs, a)}
out.mt = getmetatable(a)
out.setmt = {pcall(setmetatable, a, {})}
out.rawget = {pcall(rawget, a, "secret")}
out.fields = {a.secret, a.seed, a.phrase, a.private_key, a.mini_secret, a[1]}
out.newindex = {pcall(function() a.address = "x" end)}
out.type = type(a)
local s = ""
for k, v in next, {a} do s = s .. tostring(v) end
out.next = s
return out`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		want := "Signer(" + alice + ")"
		if doc["tostring"] != want || doc["address"] != alice || doc["mt"] != "signer" || doc["type"] != "userdata" {
			t.Errorf("signer as text: %v", doc)
		}
		for _, k := range []string{"json", "json_table", "pairs", "ipairs", "setmt", "rawget", "newindex"} {
			if ok := path(t, doc, k, 0); ok != false {
				t.Errorf("%s succeeded: %v", k, doc[k])
			}
		}
		if s, _ := doc["format_s"].(string); s != want {
			t.Errorf("string.format %%s of a signer: %q", s)
		}
		if f, ok := doc["fields"].(map[string]any); ok && len(f) > 0 {
			t.Errorf("fields readable: %v", f)
		}
	})

	t.Run("transfer: exact balances, fee equals query_info's", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--json"}, `
local BOB = "`+bob+`"
local alice = keys.from_uri('//Alice')
local b0 = bt.get_balances(alice.address, BOB)
local nonce0 = chain.query("System", "Account", alice.address).nonce
local quoted = bt.get_transfer_fee(alice.address, BOB, bt.tao('1.5'))
local quoted2 = chain.fee(alice, "Balances", "transfer_keep_alive", {Id = BOB}, bt.tao('1.5'))
local r = bt.transfer(alice, BOB, bt.tao('1.5'))
local b1 = bt.get_balances(alice.address, BOB)
return {receipt = r, quoted = quoted, quoted2 = quoted2, alice0 = b0[alice.address], alice1 = b1[alice.address], bob0 = b0[BOB], bob1 = b1[BOB],
        nonce0 = nonce0, nonce1 = chain.query("System", "Account", alice.address).nonce}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		rc := doc["receipt"].(map[string]any)
		if rc["success"] != true || rc["call"] != "Balances.transfer_keep_alive" {
			t.Fatalf("receipt: %v", rc)
		}
		fee, est := bigOf(t, rc["fee"]), bigOf(t, rc["estimated_fee"])
		if fee.Sign() <= 0 || fee.Cmp(est) != 0 {
			t.Errorf("fee paid %s, query_info %s", fee, est)
		}
		if q, q2 := bigOf(t, doc["quoted"]), bigOf(t, doc["quoted2"]); q.Cmp(fee) != 0 || q2.Cmp(fee) != 0 {
			t.Errorf("get_transfer_fee %s, chain.fee %s, paid %s", q, q2, fee)
		}
		amount := big.NewInt(1_500_000_000)
		if d := new(big.Int).Sub(bigOf(t, doc["bob1"]), bigOf(t, doc["bob0"])); d.Cmp(amount) != 0 {
			t.Errorf("Bob gained %s rao, want 1500000000", d)
		}
		if d := new(big.Int).Sub(bigOf(t, doc["alice0"]), bigOf(t, doc["alice1"])); d.Cmp(new(big.Int).Add(amount, fee)) != 0 {
			t.Errorf("Alice lost %s rao, want 1500000000 + fee %s", d, fee)
		}
		if jsonText(rc["nonce"]) != jsonText(doc["nonce0"]) || bigOf(t, doc["nonce1"]).Int64() != bigOf(t, doc["nonce0"]).Int64()+1 {
			t.Errorf("nonce: receipt %v, account %v → %v", rc["nonce"], doc["nonce0"], doc["nonce1"])
		}
		if bigOf(t, rc["block_number"]).Sign() <= 0 || jsonText(rc["extrinsic_index"]) == "" {
			t.Errorf("receipt has no block: %v", rc)
		}
	})

	t.Run("a recording of a run that signs replays", func(t *testing.T) {
		// The replay signs again (sr25519 signatures are randomized): the
		// recording answers the new extrinsic and its fee query all the
		// same, and the run prints what it printed live.
		rec := filepath.Join(t.TempDir(), "signing.json")
		script := `
local alice = keys.from_uri('//Alice')
local r = bt.transfer(alice, "` + bob + `", bt.tao('0.25'))
local after = bt.get_balance("` + bob + `")
return {receipt = r, bob = after, fee = bt.get_transfer_fee(alice.address, "` + bob + `", bt.tao('0.25'))}`
		live := run(t, []string{"--allow-sign", "--json", "--record", rec}, script)
		if live.code != 0 {
			t.Fatalf("exit %d: %s", live.code, live.stderr)
		}
		again := bts(t, "run", "--replay", rec, "--allow-sign", "--json", writeScript(t, script))
		if again.code != 0 || again.stdout != live.stdout {
			t.Fatalf("replay: exit %d, %s\nstdout %s\nlive   %s", again.code, again.stderr, again.stdout, live.stdout)
		}
		if doc := decodeJSON(t, again.stdout); doc["receipt"].(map[string]any)["success"] != true {
			t.Fatalf("receipt %v", doc["receipt"])
		}
	})

	t.Run("20 transfers in one gather", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--json"}, `
local BOB = "`+bob+`"
local alice = keys.from_uri('//Alice')
local b0 = bt.get_balances(alice.address, BOB)
local fs = {}
for i = 1, 20 do fs[i] = function() return bt.transfer(alice, BOB, bt.balance(1000000 + i)) end end
local rs = {gather(unpack(fs))}
local b1 = bt.get_balances(alice.address, BOB)
return {receipts = rs, alice0 = b0[alice.address], alice1 = b1[alice.address], bob0 = b0[BOB], bob1 = b1[BOB]}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		rs := doc["receipts"].([]any)
		if len(rs) != 20 {
			t.Fatalf("%d receipts", len(rs))
		}
		var nonces []int64
		fees, sent := new(big.Int), new(big.Int)
		for i, x := range rs {
			rc := x.(map[string]any)
			if rc["success"] != true {
				t.Fatalf("transfer %d: %v", i+1, rc)
			}
			nonces = append(nonces, bigOf(t, rc["nonce"]).Int64())
			fees.Add(fees, bigOf(t, rc["fee"]))
			sent.Add(sent, big.NewInt(int64(1000000+i+1)))
		}
		sort.Slice(nonces, func(i, j int) bool { return nonces[i] < nonces[j] })
		for i := range nonces {
			if nonces[i] != nonces[0]+int64(i) {
				t.Fatalf("nonces not consecutive: %v", nonces)
			}
		}
		if d := new(big.Int).Sub(bigOf(t, doc["bob1"]), bigOf(t, doc["bob0"])); d.Cmp(sent) != 0 {
			t.Errorf("Bob gained %s, want %s", d, sent)
		}
		if d := new(big.Int).Sub(bigOf(t, doc["alice0"]), bigOf(t, doc["alice1"])); d.Cmp(new(big.Int).Add(sent, fees)) != 0 {
			t.Errorf("Alice lost %s, want %s + fees %s", d, sent, fees)
		}
	})

	t.Run("staking more than the balance returns the module error, sent once", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--json", "-v"}, `
local charlie = keys.from_uri('//Charlie')
local hk = chain.query("SubtensorModule", "Keys", 1, 0)
local n0 = chain.query("System", "Account", charlie.address).nonce
local r = bt.add_stake(charlie, hk, 1, bt.tao('5000'))
return {receipt = r, n0 = n0, n1 = chain.query("System", "Account", charlie.address).nonce}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		rc := doc["receipt"].(map[string]any)
		if rc["success"] != false || rc["error"] != "SubtensorModule.NotEnoughBalanceToStake" {
			t.Fatalf("receipt: %v", rc)
		}
		if bigOf(t, doc["n1"]).Int64() != bigOf(t, doc["n0"]).Int64()+1 {
			t.Errorf("nonce %v → %v: the extrinsic was not included exactly once", doc["n0"], doc["n1"])
		}
		if c := strings.Count(r.stderr, "author_submitAndWatchExtrinsic"); c != 1 {
			t.Errorf("author_submitAndWatchExtrinsic sent %d times:\n%s", c, r.stderr)
		}
	})

	t.Run("add_stake, burned_register and set_weights on subnet 1", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--json"}, `
local alice, charlie = keys.from_uri('//Alice'), keys.from_uri('//Charlie')
local hk = chain.query("SubtensorModule", "Keys", 1, 0)
local total0 = chain.query("SubtensorModule", "TotalHotkeyAlpha", hk, 1)
local share0 = chain.query("SubtensorModule", "Alpha", hk, alice.address, 1)
local stake = bt.add_stake(alice, hk, 1, bt.tao('10'))
local total1 = chain.query("SubtensorModule", "TotalHotkeyAlpha", hk, 1)
local share1 = chain.query("SubtensorModule", "Alpha", hk, alice.address, 1)
local staking = chain.query("SubtensorModule", "StakingHotkeys", alice.address)
local added
for _, e in ipairs(stake.events) do
  if e.SubtensorModule and e.SubtensorModule.StakeAdded then added = e.SubtensorModule.StakeAdded end
end
local reg = bt.burned_register(alice, 1, charlie.address)
local uid = chain.query("SubtensorModule", "Uids", 1, charlie.address)
local w = bt.set_weights(charlie, 1, {uid}, {0.25})
return {stake = stake, total0 = total0, total1 = total1, share0 = share0, share1 = share1, staking = staking, added = added, reg = reg, uid = uid, w = w,
        weights = chain.query("SubtensorModule", "Weights", 1, uid)}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		for _, k := range []string{"stake", "reg", "w"} {
			if path(t, doc, k, "success") != true {
				t.Fatalf("%s: %v", k, doc[k])
			}
		}
		// The block's emission also adds alpha to the hotkey, so its total
		// grows by at least what the stake bought; Alice's own share
		// appears, and the hotkey is listed among hers.
		alpha := bigOf(t, path(t, doc, "added", 3))
		if alpha.Sign() <= 0 || new(big.Int).Sub(bigOf(t, doc["total1"]), bigOf(t, doc["total0"])).Cmp(alpha) < 0 {
			t.Errorf("TotalHotkeyAlpha %v → %v, StakeAdded alpha %s", doc["total0"], doc["total1"], alpha)
		}
		if bigOf(t, doc["share0"]).Sign() != 0 || bigOf(t, doc["share1"]).Sign() <= 0 {
			t.Errorf("Alpha(hotkey, Alice, 1) %v → %v", doc["share0"], doc["share1"])
		}
		if !strings.Contains(fmt.Sprint(doc["staking"]), jsonText(path(t, doc, "added", 1))) {
			t.Errorf("StakingHotkeys(Alice) = %v, want the hotkey %v", doc["staking"], path(t, doc, "added", 1))
		}
		uid := jsonText(doc["uid"])
		if got := fmt.Sprint(jsonText(path(t, doc, "weights", 0, 0)), ",", jsonText(path(t, doc, "weights", 0, 1))); got != uid+",65535" {
			t.Errorf("Weights(1, %s) = %v, want [[%s, 65535]]", uid, doc["weights"], uid)
		}
	})

	t.Run("remove_stake, move_stake, serve_axon and set_children on subnet 1", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--json"}, `
local alice, charlie = keys.from_uri('//Alice'), keys.from_uri('//Charlie')
local hk = chain.query("SubtensorModule", "Keys", 1, 0)
local removed = bt.unstake(alice, 1, hk, bt.balance(1000000000))   -- netuid first, as newer SDKs
local moved = bt.move_stake(alice, hk, 1, charlie.address, 1, bt.balance(1000000000))
local served = bt.serve_axon(charlie, 1, {ip = "1.2.3.4", port = 8091, version = 7})
local children = bt.set_children(alice, charlie.address, 1, {{0.5, "`+dave+`"}})
local kids = chain.query("SubtensorModule", "ChildKeys", charlie.address, 1)
return {removed = removed, moved = moved, served = served, children = children, kids = kids,
        moved_share = chain.query("SubtensorModule", "Alpha", charlie.address, alice.address, 1),
        axon = chain.query("SubtensorModule", "Axons", 1, charlie.address)}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		for _, k := range []string{"removed", "moved", "served", "children"} {
			if path(t, doc, k, "success") != true {
				t.Fatalf("%s: %v", k, doc[k])
			}
		}
		if bigOf(t, doc["moved_share"]).Sign() <= 0 {
			t.Errorf("Alpha(Charlie, Alice, 1) after the move = %v", doc["moved_share"])
		}
		// Half of 2^64-1, as the SDK's float conversion gives it, to Dave.
		if got := fmt.Sprint(jsonText(path(t, doc, "kids", 0, 0)), " ", path(t, doc, "kids", 0, 1)); got != "9223372036854775808 "+dave {
			t.Errorf("ChildKeys(Charlie, 1) = %v", doc["kids"])
		}
		axon := doc["axon"].(map[string]any)
		if jsonText(axon["ip"]) != "16909060" || jsonText(axon["port"]) != "8091" || jsonText(axon["version"]) != "7" || jsonText(axon["ip_type"]) != "4" {
			t.Errorf("Axons(1, Charlie) = %v", axon)
		}
	})

	t.Run("dry run signs and prices, submits nothing", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--dry-run", "--json"}, `
local alice = keys.from_uri('//Alice')
local n0 = chain.query("System", "Account", "`+bob+`").data.free
local r = bt.transfer(alice, "`+bob+`", bt.tao('1.5'))
return {r = r, same = chain.query("System", "Account", "`+bob+`").data.free == n0}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		if path(t, doc, "r", "dry_run") != true || doc["same"] != true || bigOf(t, path(t, doc, "r", "estimated_fee")).Sign() <= 0 {
			t.Errorf("dry run: %v", doc)
		}
		if !strings.Contains(r.stderr, "dry run: Balances.transfer_keep_alive from "+alice) || !strings.Contains(r.stderr, "(not submitted)") {
			t.Errorf("stderr: %s", r.stderr)
		}
	})

	t.Run("chain.tx with a tip, waiting for finality", func(t *testing.T) {
		r := run(t, []string{"--allow-sign", "--json"}, `
local alice = keys.from_uri('//Alice')
return chain.tx{signer = alice, pallet = "Balances", call = "transfer_keep_alive",
                args = {{Id = "`+bob+`"}, 5}, tip = bt.balance(11), wait_finalized = true}`)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		doc := decodeJSON(t, r.stdout)
		if doc["success"] != true || doc["finalized"] != true {
			t.Fatalf("receipt: %v", doc)
		}
		if fee, est := bigOf(t, doc["fee"]), bigOf(t, doc["estimated_fee"]); fee.Cmp(new(big.Int).Add(est, big.NewInt(11))) != 0 {
			t.Errorf("fee %s, estimate %s, tip 11", fee, est)
		}
	})

	t.Run("arguments are checked before signing", func(t *testing.T) {
		for _, c := range []struct{ expr, want string }{
			{"bt.transfer('x', '" + bob + "', bt.tao('1'))", "transfer: argument 1 must be a signer"},
			{"bt.transfer(a, 'nope', bt.tao('1'))", "transfer: dest: invalid SS58 address 'nope'"},
			{"bt.transfer(a, '" + bob + "', 1.5)", "transfer: amount must be a Balance (bt.tao('1.5') or bt.balance(rao)), got 1.5"},
			{"bt.transfer(a, '" + bob + "', bt.balance(0))", "transfer: invalid argument: amount must be more than zero"},
			{"bt.add_stake(a, '" + bob + "', 70000, bt.tao('1'))", "add_stake: netuid must be an integer 0..65535, got 70000"},
			{"bt.add_stake(a, 1, 'nope', bt.tao('1'))", "add_stake: hotkey: invalid SS58 address 'nope'"},
			{"bt.set_weights(a, 1, {1, 1}, {0.5, 0.5})", "set_weights: invalid argument: uid 1 appears twice"},
			{"bt.set_weights(a, 1, {1}, {0, 1})", "set_weights: invalid argument: uids and weights differ in length (1 and 2)"},
			{"bt.set_weights(a, 1, {1}, {0})", "set_weights: invalid argument: every weight is zero"},
			{"bt.set_children(a, '" + bob + "', 1, {{0.7, '" + charlie + "'}, {0.7, '" + dave + "'}})", "set_children: invalid argument: proportions sum to 1.4, above 1"},
			{"bt.serve_axon(a, 1, {ip = '1.2.3', port = 8091})", "serve_axon: ip \"1.2.3\" is not an IP address"},
			{"chain.tx(a, 'Balances', 'transfer_keep_alive', {Id = '" + bob + "'})", "Balances.transfer_keep_alive takes 2 arguments (dest: MultiAddress<AccountId32, ()>, value: Compact<u64>), got 1"},
			{"chain.tx(a, 'Balances', 'transfer_nope')", "pallet Balances has no call transfer_nope"},
			{"chain.tx{signer = a, pallet = 'Balances', call = 'transfer_keep_alive', args = {}, tip = 5}", "chain.tx: tip must be a Balance, got 5"},
			{"bt.transfer(a, '" + bob + "', bt.tao('1'), true, 'fast')", "transfer: options must be a table {tip=, period=, immortal=, wait_finalized=}, got 'fast'"},
			{"bt.transfer(a, '" + bob + "', bt.tao('1'), true, {speed = 1})", "transfer: unknown option speed"},
		} {
			r := run(t, []string{"--allow-sign"}, "local a = keys.from_uri('//Alice')\nlocal x = "+c.expr+"\nreturn 1")
			if r.code != 1 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%s: exit %d, stderr %q, want %q", c.expr, r.code, r.stderr, c.want)
			}
			checkOneLine(t, r.stderr)
		}
	})
}

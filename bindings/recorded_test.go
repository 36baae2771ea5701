package bindings_test

import (
	"strings"
	"testing"
)

// Every bt helper reproduces the SDK's recorded finney answers, read by
// hand from the recorded bytes (see chain/bt's tests for the derivations).
func TestRecordedBT(t *testing.T) {
	const (
		hotkey4af7 = "5DkzsviNQr4ZePXMmEfNPDcE7cQ9cVyepmQbgUw6YT3odcwh"
		coldkey125 = "5CUkpcUWSSMKMdNUW23sfUke6WCkoYXixR4CPBDCLpvxLmSi"
		hotkey1a33 = "5Cf4LPRv6tiyuFsfLRQaFYEEn3zJRGi4bAE9DwbbKmbCSHpV"
	)
	tests := []struct {
		name string
		test []string // recordings served, the test's own first
		code string
		want string
	}{
		{"subnetwork_n", []string{"subnetwork_n"}, `return bt.subnetwork_n(1)`, "1024"},
		{"get_current_block", []string{"get_current_block"}, `return bt.get_current_block()`, "6522038"},
		{"get_netuids_for_hotkey", []string{"get_netuids_for_hotkey"},
			`local n = bt.get_netuids_for_hotkey("` + hotkey1a33 + `") return #n, n[1]`, "1 14"},
		{"blocks_since_last_update", []string{"blocks_since_last_update"},
			`return at(6553223, function() return bt.blocks_since_last_update(1, 0) end)`, "4009702"},
		{"tempo", []string{"tempo"}, `return bt.tempo(23)`, "1000"},
		{"get_balance", []string{"get_balance"},
			`local b = bt.get_balance("` + coldkey125 + `") return tostring(b), b.rao, json.encode(b)`,
			"τ7.450117072 7450117072 7450117072"},
		{"get_total_subnets", []string{"get_total_subnets"}, `return bt.get_total_subnets()`, "247"},
		{"subnet_exists", []string{"subnet_exists"}, `return bt.subnet_exists(23)`, "true"},
		{"immunity_period", []string{"immunity_period"}, `return bt.immunity_period(23)`, "5000"},
		{"difficulty", []string{"difficulty"}, `return bt.difficulty(23)`, "10000000"},
		{"get_delegate_take", []string{"get_delegate_take"},
			`return string.format("%.6f", bt.get_delegate_take("` + hotkey4af7 + `"))`, "0.179995"},
		{"get_uid_for_hotkey_on_subnet", []string{"get_uid_for_hotkey_on_subnet"},
			`return bt.get_uid_for_hotkey_on_subnet("` + hotkey4af7 + `", 23)`, "5"},
		{"is_hotkey_registered", []string{"is_hotkey_registered"},
			`return bt.is_hotkey_registered("` + hotkey1a33 + `")`, "true"},
		{"is_hotkey_registered_on_subnet", []string{"is_hotkey_registered_on_subnet"},
			`return bt.is_hotkey_registered("` + hotkey1a33 + `", 14)`, "true"},
		{"weights", []string{"weights"},
			`local w = bt.weights(23) return json.encode(w)`, "[[10,[[10,65535]]]]"},
		{"bonds", []string{"bonds"},
			`local b = bt.bonds(23) return #b, b[1][1], #b[1][2], b[19][1]`, "19 0 0 18"},
		{"get_subnet_burn_cost", []string{"get_subnet_burn_cost", "tempo"},
			`local c = bt.get_subnet_burn_cost() return tostring(c), c.rao`, "τ1.485558848 1485558848"},
		{"metagraph", []string{"metagraph"},
			`return at(6852690, function()
				local m = bt.metagraph(1)
				return m.netuid, m.num_uids, m.n, #m.hotkeys, m.hotkeys[1] == m.hotkeys[1]
			end)`, "1 1024 1024 1024 true"},
		{"metagraph stakes", []string{"metagraph"},
			`return at(6852690, function()
				local m = bt.metagraph(1)
				local a, t, s = m.alpha_stake[2], m.tao_stake[2], m.total_stake[2]
				return tostring(t):sub(1, 2) == "τ", tostring(a):match("^α[0-9]+%.[0-9]+ %(subnet 1%)$") ~= nil,
					a.netuid, s.netuid, type(a.rao), json.encode({a}) == "[" .. tostring(a.rao) .. "]",
					select(2, pcall(function() return a + t end)):match("cannot add an alpha amount and a Balance %(TAO%)") ~= nil,
					(a + a).rao == 2 * a.rao
			end)`, "true true 1 1 userdata true true true"},
		{"get_all_subnets_info", []string{"get_all_subnets_info"},
			`local s = bt.get_all_subnets_info() return #s, s[1].netuid, s[2].netuid`, "129 0 1"},
		{"get_existential_deposit", []string{"get_existential_deposit"},
			`return tostring(bt.get_existential_deposit())`, "τ0.000000500"},
		// Hyperparameter getters read NetworksAdded(23) = 0x01, then the item.
		{"recycle", []string{"recycle"}, `local b = bt.recycle(23) return tostring(b), b.rao`, "τ0.000000001 1"}, // Burn 0x0100000000000000
		{"max_weight_limit", []string{"max_weight_limit"}, `return bt.max_weight_limit(23)`, "1"},                // MaxWeightsLimit 0xffff
		{"min_allowed_weights", []string{"min_allowed_weights"}, `return bt.min_allowed_weights(23)`, "1"},       // MinAllowedWeights 0x0100
		{"get_neuron_for_pubkey_and_subnet", []string{"get_neuron_for_pubkey_and_subnet"}, // Uids(14, hotkey) = 0x1d00
			`local n = bt.get_neuron_for_pubkey_and_subnet("` + hotkey1a33 + `", 14) return n.uid, n.netuid, n.hotkey == "` + hotkey1a33 + `"`, "29 14 true"},
		{"neurons_lite", []string{"metagraph"},
			`return at(6852690, function() local n = bt.neurons_lite(1) return #n, n[1024].uid end)`, "1024 1023"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en := recorded(t, tt.test...)
			if got := en.eval(t, tt.code); got != tt.want {
				t.Fatalf("%s\ngot  %s\nwant %s", tt.code, got, tt.want)
			}
		})
	}
}

// A gather of storage reads fetches the head once, shared by every
// branch and by nested gathers.
func TestGatherFetchesHeadOnce(t *testing.T) {
	en := recorded(t, "tempo")
	got := en.eval(t, `
		local a, b, c, d = gather(
			function() return bt.tempo(23) end,
			function() return chain.query("SubtensorModule", "Tempo", 23) end,
			function() return bt.subnet_exists(23) end,
			function()
				local x, y = gather(
					function() return bt.tempo(23) end,
					function() return chain.head() end)
				return x
			end)
		return a, b, c, d`)
	if got != "1000 1000 true 1000" {
		t.Fatalf("got %s", got)
	}
	if n := en.srv.Stats().ByMethod["chain_getHead"]; n != 1 {
		t.Fatalf("gather made %d chain_getHead requests, want 1", n)
	}
}

func TestArgumentErrors(t *testing.T) {
	en := recorded(t, "tempo")
	tests := []struct {
		code, want string
	}{
		{`bt.tempo("x")`, "tempo: netuid must be an integer 0..65535, got 'x'"},
		{`bt.tempo(70000)`, "tempo: netuid must be an integer 0..65535, got 70000"},
		{`bt.tempo(1.5)`, "tempo: netuid must be an integer 0..65535, got 1.5"},
		{`bt.tempo()`, "tempo: netuid must be an integer 0..65535, got nil"},
		{`bt.get_balance("xyz")`, "get_balance: address: invalid SS58 address 'xyz'"},
		{`bt.get_balance(5)`, "get_balance: address must be a string, got 5"},
		{`bt.get_stake("5DkzsviNQr4ZePXMmEfNPDcE7cQ9cVyepmQbgUw6YT3odcwh", "nope", 1)`, "get_stake: hotkey: invalid SS58 address 'nope'"},
		{`bt.weights(1, nil, 300)`, "bt.weights: mechid must be an integer 0..255, got 300 (usage: bt.weights(netuid[, block[, mechid]]))"},
		{`bt.weights(1, {mechid = 300})`, "bt.weights: mechid must be an integer 0..255, got 300"},
		{`bt.tempo(1, 2, 3)`, "bt.tempo: takes at most 2 arguments, got 3 (usage: bt.tempo(netuid[, block]))"},
		{`bt.get_current_block(1)`, "bt.get_current_block: takes no arguments, got 1 (usage: bt.get_current_block())"},
		{`bt.tempo(1, {block = 1, blok = 2})`, "bt.tempo: unknown named argument \"blok\" (usage: bt.tempo(netuid[, block]))"},
		{`bt.tempo(1, {blok = 2})`, "bt.tempo: block must be a hash string or a block number, got a table"},
		{`bt.tempo(1, -5)`, "bt.tempo: block must be a hash string or a block number, got -5"},
		{`bt.tempo(1, "0x12")`, "bt.tempo: "},
		{`bt.tempo(1, 5, {block = 6})`, "bt.tempo: block is given both by position and by name"},
		{`bt.tempo(1, 5, 6, {block = 6})`, "bt.tempo: takes at most 2 arguments, got 3"},
		{`bt.tempo(1, {block = 6, netuid = 2})`, "bt.tempo: netuid is given both by position and by name"},
		{`bt.metagraph(1, false)`, "bt.metagraph: lite=false (weights and bonds in the metagraph) is not supported"},
		{`bt.metagraph(1, "yes")`, "bt.metagraph: lite must be true or false, got 'yes'"},
		{`bt.get_metagraph_info(1, {1, "x"})`, "bt.get_metagraph_info: field_indices[2] must be an integer 0..65535, got 'x'"},
		{`bt.get_balances("5DkzsviNQr4ZePXMmEfNPDcE7cQ9cVyepmQbgUw6YT3odcwh", "nope")`, "bt.get_balances: address 2: invalid SS58 address 'nope'"},
		{`bt.get_balances({}, {blok = 1})`, "bt.get_balances: unknown named argument \"blok\""},
		{`bt.tmepo(1)`, "bt has no function 'tmepo' (did you mean 'tempo'?)"},
		{`bt.get_hotkey_ownr("x")`, "bt has no function 'get_hotkey_ownr' (did you mean 'get_hotkey_owner'"},
		{`return bt.zzzzzzzzzzzzzzzzzz`, "bt has no function 'zzzzzzzzzzzzzzzzzz'"},
		{`bt.blocks_since_last_update(1)`, "blocks_since_last_update: uid must be an integer 0..65535, got nil"},
		{`bt.get_stake_for_hotkey("5DkzsviNQr4ZePXMmEfNPDcE7cQ9cVyepmQbgUw6YT3odcwh")`, "bt.get_stake_for_hotkey: netuid must be an integer 0..65535, got nil (usage: bt.get_stake_for_hotkey(hotkey, netuid[, block]))"},
		{`chain.query(1)`, "chain.query: pallet must be a string, got 1"},
		{`chain.query("Nope", "X")`, "Nope"},
		{`chain.query_multi(5)`, "chain.query_multi: argument must be a list"},
		{`chain.header(-1)`, "chain.header: block must be a hash string or a block number, got -1"},
		{`local b = bt.balance(5) return b + 1`, "cannot add a Balance and a number"},
		{`return bt.balance(1) - bt.balance(2)`, "balance underflow"},
		{`ss58.decode("abc")`, "ss58.decode: invalid SS58 address 'abc'"},
		{`ss58.encode("0x1234")`, "ss58.encode: public key must be 32 bytes, got 2"},
		{`ss58.encode(string.rep("a", 32), 20000)`, "ss58.encode: prefix must be an integer 0..16383"},
		{`json.decode("{")`, "json.decode:"},
		{`json.decode("1 2")`, "json.decode: unexpected data"},
		{`local t = {} t.t = t return json.encode(t)`, "contains itself"},
		{`json.encode(function() end)`, "cannot encode a function"},
		{`json.encode(0/0)`, "json.encode: cannot encode NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			msg := en.evalErr(t, tt.code)
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("error %q does not contain %q", msg, tt.want)
			}
		})
	}
	// Errors are catchable.
	if got := en.eval(t, `local ok, err = pcall(bt.tempo, "x") return ok, err`); !strings.Contains(got, "false") || !strings.Contains(got, "netuid must be") {
		t.Fatalf("pcall: %s", got)
	}
}

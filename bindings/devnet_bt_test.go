package bindings_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/devnettest"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/btscript/btscript/scale"
)

// TestDevnetRuntimeAPIHelpers reads the runtime-API helpers through Lua on
// the real spec-218 runtime, whose runtime APIs answer bare Vec<u8>, and
// compares with the chain spec's genesis and with planted state.
func TestDevnetRuntimeAPIHelpers(t *testing.T) {
	n := devnettest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	plant := map[string]any{"SubtensorModule": map[string]any{
		"NetworksAdded": []any{[]any{[]any{3}, true}},
		"Tempo":         []any{[]any{[]any{3}, 99}},
		"Delegates":     []any{[]any{[]any{bob}, 11796}},
		"Owner":         []any{[]any{[]any{bob}, alice}},
		"Stake":         []any{[]any{[]any{bob, alice}, 5000}},
		"Weights":       []any{[]any{[]any{1, 0}, []any{[]any{0, 65535}}}},
	}}
	if err := n.Call(ctx, nil, "dev_setStorage", plant); err != nil {
		t.Fatal(err)
	}
	c, _ := chaintest.Dial(t, n.URL, chain.Options{NoDiskCache: true})
	en := newEngine(t, c, bindings.Options{})

	// The genesis neuron of subnet 1 and the subnets' tempos, read from the
	// chain spec's raw genesis storage.
	var spec struct {
		Genesis struct {
			Raw struct {
				Top map[string]string `json:"top"`
			} `json:"raw"`
		} `json:"genesis"`
	}
	if err := json.Unmarshal(testdata.Read(t, testdata.RaonetSpec), &spec); err != nil {
		t.Fatal(err)
	}
	md, err := c.Metadata(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	genesis := func(item string, keys ...any) scale.Value {
		t.Helper()
		e, err := md.Storage("SubtensorModule", item)
		if err != nil {
			t.Fatal(err)
		}
		k, err := e.Key(keys...)
		if err != nil {
			t.Fatal(err)
		}
		raw, ok := spec.Genesis.Raw.Top["0x"+hex.EncodeToString(k)]
		if !ok {
			v, err := e.DefaultValue()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		b, err := hex.DecodeString(strings.TrimPrefix(raw, "0x"))
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.DecodeValue(b)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	hotkey := genesis("Keys", uint16(1), uint16(0)).String()
	coldkey := genesis("Owner", hotkey).String()
	tempos := genesis("Tempo", uint16(0)).String() + " " + genesis("Tempo", uint16(1)).String()

	got := en.eval(t, `
		local m = bt.metagraph(1)
		local nl = bt.neurons_lite(1)
		local seen = {}
		for _, s in ipairs(bt.get_all_subnets_info()) do seen[#seen + 1] = s.netuid .. ":" .. s.tempo end
		local d = bt.get_delegates()
		return m.n, m.hotkeys[1], m.coldkeys[1], #nl, nl[1].hotkey, nl[1].coldkey,
			table.concat(seen, ","), bt.get_subnet_hyperparameters(3).tempo,
			#d, d[1].delegate_ss58, d[1].take, json.encode(d[1].nominators),
			bt.get_delegate_by_hotkey("`+bob+`").owner_ss58, bt.get_delegate_by_hotkey("`+alice+`") == nil,
			#bt.get_stake_info_for_coldkey("`+bob+`"), tostring(bt.get_stake("`+bob+`", "`+alice+`", 1)),
			bt.neuron_for_uid(0, 1).hotkey, bt.neuron_for_uid(1, 1) == nil, bt.get_subnet_hyperparameters(9) == nil`)
	ts := strings.Fields(tempos)
	want := strings.Join([]string{"1", hotkey, coldkey, "1", hotkey, coldkey,
		"0:" + ts[0] + ",1:" + ts[1] + ",3:99", "99",
		"1", bob, "11796", `[["` + alice + `",5000]]`,
		alice, "true", "0", "α0.000000000 (subnet 1)", hotkey, "true", "true"}, " ")
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}

	// The SDK's reads built on those APIs.
	got = en.eval(t, `
		local ns = bt.neurons(1)
		local dg = bt.get_delegated("`+alice+`")
		local si = bt.get_subnet_info(1)
		return #ns, ns[1].hotkey, json.encode(ns[1].weights), #dg, dg[1][1].delegate_ss58, dg[1][1].take,
			bt.is_hotkey_delegate("`+bob+`"), bt.is_hotkey_delegate("`+alice+`"),
			si.netuid, si.tempo, si.owner, bt.get_subnet_info(9) == nil`)
	want = strings.Join([]string{"1", hotkey, "[[0,65535]]", "1", bob, "11796", "true", "false",
		"1", ts[1], genesis("SubnetOwner", uint16(1)).String(), "true"}, " ")
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

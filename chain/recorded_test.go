package chain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/rpctest"
)

// recorded serves one test of the SDK's finney recordings as a node on
// 127.0.0.1 and returns a client over it with its own metadata cache.
func recorded(t *testing.T, test string, opts rpctest.Options, copts chain.Options) (*chain.Client, *rpctest.Server) {
	t.Helper()
	c, _, srv := chaintest.Recorded(t, opts, copts, test)
	return c, srv
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRecordedFinneyQueries(t *testing.T) {
	c, _ := recorded(t, "metagraph", rpctest.Options{}, chain.Options{})
	ctx := ctxT(t)
	hash, err := c.BlockHash(ctx, 6852690)
	if err != nil {
		t.Fatal(err)
	}
	const want = "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"
	if hash != want {
		t.Fatalf("block hash = %s", hash)
	}
	h, err := c.Header(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	if h.Number != 6852690 || h.ParentHash != "0x7348409fe36728fa2ac7f0886346fd35b79804d294046d152ba1baccd9d0be3a" {
		t.Fatalf("header = %+v", h)
	}
	neurons, err := c.Call(ctx, hash, "NeuronInfoRuntimeApi", "get_neurons_lite", 1)
	if err != nil {
		t.Fatal(err)
	}
	if neurons.Len() != 1024 {
		t.Fatalf("neurons = %d, want 1024", neurons.Len())
	}
	for i, n := range neurons.Items() {
		uid, _ := n.Field("uid")
		if u, ok := uid.Uint(); !ok || u != uint64(i) {
			t.Fatalf("neuron %d has uid %v", i, uid)
		}
	}
	if _, err := c.Call(ctx, hash, "NeuronInfoRuntimeApi", "no_such_method", 1); err == nil {
		t.Fatal("unknown runtime API method: no error")
	}
}

// The hash of a header is computed, not trusted: a head subscription
// delivers headers without their hash.
func TestHeaderHashFromRecordedHeader(t *testing.T) {
	c, _ := recorded(t, "metagraph", rpctest.Options{}, chain.Options{})
	h, err := c.Header(ctxT(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Hash != "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0" {
		t.Fatalf("hash = %s", h.Hash)
	}
}

func TestRecordedStorage(t *testing.T) {
	tests := []struct {
		test, pallet, item string
		keys               []any
		want               string
	}{
		{"subnetwork_n", "SubtensorModule", "SubnetworkN", []any{1}, "1024"},
		{"subnetwork_n", "SubtensorModule", "NetworksAdded", []any{1}, "true"},
		{"tempo", "SubtensorModule", "Tempo", []any{23}, "1000"},
	}
	for _, tt := range tests {
		t.Run(tt.test+"/"+tt.item, func(t *testing.T) {
			c, _ := recorded(t, tt.test, rpctest.Options{}, chain.Options{})
			v, err := c.Query(ctxT(t), "", tt.pallet, tt.item, tt.keys...)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(v.AppendJSON(nil)); got != tt.want {
				t.Fatalf("%s.%s = %s, want %s", tt.pallet, tt.item, got, tt.want)
			}
		})
	}
}

func TestRecordedPagedMap(t *testing.T) {
	c, _ := recorded(t, "get_netuids_for_hotkey", rpctest.Options{}, chain.Options{})
	ctx := ctxT(t)
	const hotkey = "5Cf4LPRv6tiyuFsfLRQaFYEEn3zJRGi4bAE9DwbbKmbCSHpV"
	var netuids []uint64
	var member []bool
	pages := 0
	err := c.QueryMap(ctx, "", "SubtensorModule", "IsNetworkMember", []any{hotkey}, chain.MapOptions{
		Progress: func(int) { pages++ },
	}, func(e chain.MapEntry) error {
		if len(e.Keys) != 2 || e.Keys[0].String() != hotkey {
			t.Fatalf("keys = %v", e.Keys)
		}
		n, _ := e.Keys[1].Uint()
		b, _ := e.Value.Bool()
		netuids = append(netuids, n)
		member = append(member, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var in []uint64
	for i, n := range netuids {
		if member[i] {
			in = append(in, n)
		}
	}
	if len(in) != 1 || in[0] != 14 {
		t.Fatalf("member of %v (all entries %v)", in, netuids)
	}
	if pages != 1 {
		t.Fatalf("progress called %d times for one page", pages)
	}
}

func TestQueryErrorsNameWhatIsWrong(t *testing.T) {
	c, _ := recorded(t, "subnetwork_n", rpctest.Options{}, chain.Options{})
	ctx := ctxT(t)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"unknown pallet", func() error { _, err := c.Query(ctx, "", "Nope", "X"); return err }, "Nope"},
		{"unknown item", func() error { _, err := c.Query(ctx, "", "SubtensorModule", "Tempoo"); return err }, "Tempo"},
		{"wrong key count", func() error { _, err := c.Query(ctx, "", "SubtensorModule", "Tempo"); return err }, "takes 1 keys, got 0"},
		{"key out of range", func() error { _, err := c.Query(ctx, "", "SubtensorModule", "Tempo", 70000); return err }, "70000"},
		{"bad block hash", func() error { _, err := c.Query(ctx, "0x12", "SubtensorModule", "Tempo", 1); return err }, "not a 32-byte"},
		{"map walk of a plain value", func() error {
			return c.QueryMap(ctx, "", "SubtensorModule", "TotalNetworks", nil, chain.MapOptions{}, func(chain.MapEntry) error { return nil })
		}, "plain value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

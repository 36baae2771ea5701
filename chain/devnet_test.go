package chain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/devnettest"
	"github.com/btscript/btscript/scale"
)

// alice is the well-known development account //Alice.
const alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"

// TestDevnet runs the client against a real subtensor runtime (spec 218)
// under Chopsticks, with planted state.
func TestDevnet(t *testing.T) {
	n := devnettest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	plant := map[string]any{
		"SubtensorModule": map[string]any{"Tempo": []any{[]any{[]any{7}, 123}, []any{[]any{11}, 360}}},
		"System": map[string]any{"Account": []any{[]any{[]any{alice},
			map[string]any{"providers": 1, "data": map[string]any{"free": "12345678901234567"}}}}},
	}
	if err := n.Call(ctx, nil, "dev_setStorage", plant); err != nil {
		t.Fatal(err)
	}
	if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1}); err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	c, calls := chaintest.Dial(t, n.URL, chain.Options{CacheDir: cacheDir})

	t.Run("planted values read exactly", func(t *testing.T) {
		v, err := c.Query(ctx, "", "SubtensorModule", "Tempo", 7)
		if err != nil {
			t.Fatal(err)
		}
		if u, ok := v.Uint(); !ok || u != 123 {
			t.Fatalf("Tempo(7) = %v", v)
		}
		acct, err := c.Query(ctx, "", "System", "Account", alice)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := acct.Field("data")
		free, _ := data.Field("free")
		if u, ok := free.Uint(); !ok || u != 12345678901234567 {
			t.Fatalf("free = %s, want 12345678901234567", free.AppendJSON(nil))
		}
	})

	t.Run("a new block is read while its runtime is looked up", func(t *testing.T) {
		if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1}); err != nil {
			t.Fatal(err)
		}
		head, err := c.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before := calls.Count("state_getRuntimeVersion")
		v, err := c.Query(ctx, head, "SubtensorModule", "Tempo", 7)
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := v.Uint(); u != 123 {
			t.Fatalf("Tempo(7) at the new head = %v", v)
		}
		if calls.Count("state_getRuntimeVersion") != before+1 {
			t.Fatalf("the new block's runtime was not looked up")
		}
	})

	t.Run("paged map returns every key with its netuid", func(t *testing.T) {
		var raw []string
		md, err := c.Metadata(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		e, _ := md.Storage("SubtensorModule", "Tempo")
		prefix := "0x" + hexOf(e.Prefix32())
		if err := n.Call(ctx, &raw, "state_getKeysPaged", prefix, 1000, nil); err != nil {
			t.Fatal(err)
		}
		got := map[uint64]uint64{}
		err = c.QueryMap(ctx, "", "SubtensorModule", "Tempo", nil, chain.MapOptions{PageSize: 2}, func(me chain.MapEntry) error {
			netuid, ok := me.Keys[0].Uint()
			if !ok {
				t.Fatalf("key %s: netuid %v", me.Key, me.Keys)
			}
			tempo, _ := me.Value.Uint()
			got[netuid] = tempo
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(raw) || len(raw) < 2 {
			t.Fatalf("map walk gave %d entries, the node lists %d keys", len(got), len(raw))
		}
		if got[7] != 123 || got[11] != 360 {
			t.Fatalf("planted tempos missing: %v", got)
		}
	})

	t.Run("block extrinsics decode", func(t *testing.T) {
		b, err := c.Block(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if b.DecodeErr != nil {
			t.Fatal(b.DecodeErr)
		}
		if len(b.Decoded) == 0 || len(b.Decoded) != len(b.Extrinsics) {
			t.Fatalf("%d extrinsics, %d decoded", len(b.Extrinsics), len(b.Decoded))
		}
		// Every block starts with the timestamp inherent.
		first := b.Decoded[0]
		call, _ := first.Call.Payload()
		if first.Signed || first.Call.VariantName() != "Timestamp" || call.VariantName() != "set" {
			t.Fatalf("first extrinsic = %s", first.Call.AppendJSON(nil))
		}
	})

	t.Run("raw storage and raw runtime calls", func(t *testing.T) {
		md, err := c.Metadata(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		e, _ := md.Storage("SubtensorModule", "Tempo")
		key, _ := e.Key(11)
		raw, err := c.StorageRaw(ctx, "", "0x"+hexOf(key))
		if err != nil || hexOf(raw) != "6801" { // u16 360, little-endian
			t.Fatalf("Tempo(11) raw = %x, %v", raw, err)
		}
		out, err := c.CallRaw(ctx, "", "Metadata_metadata_versions", nil)
		if err != nil || hexOf(out) != "080e0000000f000000" { // Vec<u32> [14, 15]
			t.Fatalf("metadata versions raw = %x, %v", out, err)
		}
	})

	t.Run("runtime API decodes", func(t *testing.T) {
		v, err := c.Call(ctx, "", "Metadata", "metadata_versions")
		if err != nil {
			t.Fatal(err)
		}
		if got := string(v.AppendJSON(nil)); got != "[14,15]" {
			t.Fatalf("metadata_versions = %s", got)
		}
		// Runtimes of this age declare their subtensor APIs as returning
		// bare bytes (Vec<u8>). chain/bt, which this test binary links,
		// registers the type table that decodes them for spec 218.
		v, err = c.Call(ctx, "", "SubnetInfoRuntimeApi", "get_subnets_info")
		if err != nil {
			t.Fatal(err)
		}
		var subnets []*struct{ Netuid, Tempo uint16 }
		if err := v.Unmarshal(&subnets); err != nil || len(subnets) != 2 || subnets[1].Netuid != 1 || subnets[1].Tempo != 100 {
			t.Fatalf("get_subnets_info = %s (%v)", v.AppendJSON(nil), err)
		}
	})

	t.Run("gathered reads share requests", func(t *testing.T) {
		head, err := c.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before := calls.Count("state_queryStorageAt")
		beforeSingle := calls.Count("state_getStorage")
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.Query(ctx, head, "SubtensorModule", "Tempo", i)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		batches := calls.Count("state_queryStorageAt") - before
		singles := calls.Count("state_getStorage") - beforeSingle
		if batches < 1 || batches+singles > 10 {
			t.Fatalf("200 concurrent reads took %d state_queryStorageAt and %d state_getStorage", batches, singles)
		}
		t.Logf("200 concurrent reads: %d state_queryStorageAt and %d state_getStorage requests", batches, singles)
	})

	t.Run("head subscription sees built blocks", func(t *testing.T) {
		heads, err := c.SubscribeHeads(ctx, chain.Best)
		if err != nil {
			t.Fatal(err)
		}
		defer heads.Unsubscribe()
		start, err := c.BlockNumber(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 2}); err != nil {
			t.Fatal(err)
		}
		for {
			select {
			case h, ok := <-heads.C():
				if !ok {
					t.Fatalf("subscription ended: %v", heads.Err())
				}
				hash, err := c.BlockHash(ctx, h.Number)
				if err != nil {
					t.Fatal(err)
				}
				if hash != h.Hash {
					t.Fatalf("head %d: computed hash %s, node says %s", h.Number, h.Hash, hash)
				}
				if h.Number == start+2 {
					return
				}
			case <-ctx.Done():
				t.Fatal("no new heads")
			}
		}
	})

	t.Run("a watched value arrives now and when a block changes it", func(t *testing.T) {
		w, err := c.SubscribeStorage(ctx, "SubtensorModule", "Tempo", 7)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Unsubscribe()
		next := func() uint64 {
			select {
			case ch, ok := <-w.C():
				if !ok {
					t.Fatalf("watch ended: %v", w.Err())
				}
				u, _ := ch.Value.Uint()
				return u
			case <-ctx.Done():
				t.Fatal("no value")
			}
			return 0
		}
		if got := next(); got != 123 {
			t.Fatalf("first value = %d, want the planted 123", got)
		}
		plant := map[string]any{"SubtensorModule": map[string]any{"Tempo": []any{[]any{[]any{7}, 222}}}}
		if err := n.Call(ctx, nil, "dev_setStorage", plant); err != nil {
			t.Fatal(err)
		}
		if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1}); err != nil {
			t.Fatal(err)
		}
		for got := next(); got != 222; got = next() {
			if got != 123 {
				t.Fatalf("value %d, want 123 until it changes to 222", got)
			}
		}
	})

	t.Run("events of a block decode", func(t *testing.T) {
		ev, err := c.Events(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		// The timestamp inherent, extrinsic 0 of every block, succeeds.
		var records []struct {
			Phase scale.Value
			Event scale.Value
		}
		if err := ev.Unmarshal(&records); err != nil {
			t.Fatal(err)
		}
		if len(records) == 0 {
			t.Fatal("no events at the head")
		}
		phase, _ := records[0].Phase.Payload()
		pallet, _ := records[0].Event.Payload()
		if records[0].Phase.VariantName() != "ApplyExtrinsic" || phase.String() != "0" ||
			records[0].Event.VariantName() != "System" || pallet.VariantName() != "ExtrinsicSuccess" {
			t.Fatalf("first event = %s", ev.Index(0).AppendJSON(nil))
		}
	})

	t.Run("the finalized head is a block of the chain", func(t *testing.T) {
		fin, err := c.FinalizedHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := c.BlockNumber(ctx, fin)
		if err != nil {
			t.Fatal(err)
		}
		best, err := c.BlockNumber(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		hash, err := c.BlockHash(ctx, n)
		if err != nil || hash != fin || n > best || n == 0 {
			t.Fatalf("finalized head %s is block %d (best %d), whose hash is %s (%v)", fin, n, best, hash, err)
		}
	})

	t.Run("a second client reads metadata from the disk cache", func(t *testing.T) {
		c2, calls2 := chaintest.Dial(t, n.URL, chain.Options{CacheDir: cacheDir})
		if _, err := c2.Query(ctx, "", "SubtensorModule", "Tempo", 7); err != nil {
			t.Fatal(err)
		}
		if calls.Count("state_call Metadata_metadata_at_version") == 0 {
			t.Fatal("the first client did not fetch V15 metadata")
		}
		for _, m := range []string{"state_getMetadata", "state_call Metadata_metadata_at_version", "state_call Metadata_metadata_versions"} {
			if calls2.Count(m) != 0 {
				t.Fatalf("warm start made %d %s calls", calls2.Count(m), m)
			}
		}
	})
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, x := range b {
		out[2*i], out[2*i+1] = digits[x>>4], digits[x&15]
	}
	return string(out)
}

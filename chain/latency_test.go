package chain_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/btscript/btscript/scale"
)

// accountsNode serves the recorded finney test get_balance, answering
// System.Account of any account with the one account value recorded there.
type accountsNode struct {
	book   *record.Book
	prefix string
	value  json.RawMessage
}

func (n accountsNode) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	if method == "state_queryStorageAt" {
		var ps []json.RawMessage
		var keys []string
		if json.Unmarshal(params, &ps) == nil && len(ps) > 0 && json.Unmarshal(ps[0], &keys) == nil {
			changes := make([][2]any, len(keys))
			for i, k := range keys {
				if !strings.HasPrefix(k, n.prefix) {
					return nil, &rpc.Error{Code: -32602, Message: "not a System.Account key: " + k}
				}
				changes[i] = [2]any{k, n.value}
			}
			return []any{map[string]any{"block": ps[len(ps)-1], "changes": changes}}, nil
		}
	}
	if method == "state_getStorage" {
		var ps []string
		if json.Unmarshal(params, &ps) == nil && len(ps) > 0 && strings.HasPrefix(ps[0], n.prefix) {
			return n.value, nil
		}
	}
	return record.Handler{Book: n.book}.ServeRPC(ctx, method, params)
}

func accountsServer(t testing.TB, latency time.Duration) *rpctest.Server {
	path := testdata.Path(t, testdata.RecordedRPC)
	book, err := record.Load(path, "get_balance", filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var value string
	json.Unmarshal(testdata.Recorded(t).Result(t, "get_balance", "state_getStorageAt",
		`["0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da911b12ddffa80cb6f18baa803af02c1d71257de87a71abb164403f7cb9ea65d0721f8bb89d8bd85754deceedd91e86053", "0x1b3f85dc8c83cada6d1782c955973a509a37c62af3d6ba29f5fd816aee37eb3b"]`), &value)
	raw, _ := json.Marshal(value)
	srv := rpctest.New(accountsNode{book: book, prefix: "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9", value: raw},
		rpctest.Options{Latency: latency})
	t.Cleanup(srv.Close)
	return srv
}

func accounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		pub := make([]byte, 32)
		binary.BigEndian.PutUint64(pub[24:], uint64(i+1))
		out[i] = scale.SS58Encode(pub, 42)
	}
	return out
}

// Thousand concurrent reads of one block through a server 10 ms away each
// way leave as a handful of requests over one connection.
func TestThousandReadsOverLatency(t *testing.T) {
	srv := accountsServer(t, 10*time.Millisecond)
	tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	c := chain.New(tr, chain.Options{NoDiskCache: true})
	defer c.Close()
	ctx := ctxT(t)
	head, err := c.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Metadata(ctx, head); err != nil { // the runtime, once
		t.Fatal(err)
	}
	before := srv.Stats()
	addrs := accounts(1000)
	start := time.Now()
	var wg sync.WaitGroup
	free := make([]uint64, len(addrs))
	errs := make([]error, len(addrs))
	for i, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Query(ctx, head, "System", "Account", a)
			data, _ := v.Field("data")
			f, _ := data.Field("free")
			free[i], _ = f.Uint()
			errs[i] = err
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	for i := range addrs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if free[i] != 7450117072 { // the recorded account's free balance
			t.Fatalf("read %d: free = %d", i, free[i])
		}
	}
	after := srv.Stats()
	requests := after.Requests - before.Requests
	if after.ConnsOpened != 1 {
		t.Fatalf("%d connections opened, want 1", after.ConnsOpened)
	}
	if requests > 16 {
		t.Fatalf("1000 reads took %d requests (%v)", requests, after.ByMethod)
	}
	t.Logf("1000 concurrent reads at 20 ms RTT: %v wall, %d requests (%d state_queryStorageAt, %d state_getStorage), 1 connection",
		wall, requests, after.ByMethod["state_queryStorageAt"]-before.ByMethod["state_queryStorageAt"],
		after.ByMethod["state_getStorage"]-before.ByMethod["state_getStorage"])
}

func BenchmarkThousandReads20msRTT(b *testing.B) {
	srv := accountsServer(b, 10*time.Millisecond)
	tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}})
	if err != nil {
		b.Fatal(err)
	}
	c := chain.New(tr, chain.Options{NoDiskCache: true})
	defer c.Close()
	ctx := context.Background()
	head, err := c.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	addrs := accounts(1000)
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for _, a := range addrs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Query(ctx, head, "System", "Account", a); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(srv.Stats().Requests)/float64(b.N), "requests/op")
}

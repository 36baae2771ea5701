package chain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
)

// Thousand concurrent reads of one block through a server 10 ms away each
// way leave as a handful of requests over one connection.
func TestThousandReadsOverLatency(t *testing.T) {
	srv := chaintest.AccountsServer(t, 10*time.Millisecond)
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
	addrs := chaintest.Accounts(1000)
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
	srv := chaintest.AccountsServer(b, 10*time.Millisecond)
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
	addrs := chaintest.Accounts(1000)
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

package rpc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
)

// BenchmarkCall measures one call's round trip over a local connection
// shared by parallel callers.
func BenchmarkCall(b *testing.B) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(b, rpc.Config{Endpoints: []string{srv.URL()}})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Call(ctx, "echo", 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkConcurrent1000At20ms measures the wall time of 1000 concurrent
// calls at 20 ms injected latency over one connection (one op = 1000
// calls).
func BenchmarkConcurrent1000At20ms(b *testing.B) {
	srv := rpctest.New(testHandler(), rpctest.Options{Latency: 20 * time.Millisecond})
	defer srv.Close()
	c := newClient(b, rpc.Config{Endpoints: []string{srv.URL()}})
	ctx := context.Background()
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range 1000 {
			wg.Go(func() {
				if _, err := c.Call(ctx, "echo", i); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/1000calls")
	if n := srv.Stats().ConnsOpened; n != 1 {
		b.Fatalf("connections %d", n)
	}
}

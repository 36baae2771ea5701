package rpc_test

import (
	"context"
	"encoding/json"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
)

// testHandler serves the methods the tests use.
func testHandler() *rpctest.Handler {
	return &rpctest.Handler{Methods: map[string]rpctest.Func{
		"echo":                   rpctest.Echo,
		"author_submitExtrinsic": rpctest.Echo,
		"hang": func(ctx context.Context, _ json.RawMessage) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
		"fail": func(context.Context, json.RawMessage) (any, error) {
			return nil, &rpc.Error{Code: 1010, Message: "Invalid Transaction", Data: json.RawMessage(`"Inability to pay some fees"`)}
		},
		"big": func(_ context.Context, params json.RawMessage) (any, error) {
			var n []int
			if err := json.Unmarshal(params, &n); err != nil || len(n) != 1 {
				return nil, &rpc.Error{Code: rpc.CodeInvalidParams, Message: "want [n]"}
			}
			return strings.Repeat("x", n[0]), nil
		},
	}}
}

// newClient returns a client for cfg, closed when the test ends.
func newClient(t testing.TB, cfg rpc.Config) *rpc.Client {
	t.Helper()
	c, err := rpc.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// fastRetries keeps retry backoff short so fault tests run quickly.
func fastRetries(cfg rpc.Config) rpc.Config {
	cfg.RetryBackoff = time.Millisecond
	cfg.RetryBackoffMax = 10 * time.Millisecond
	return cfg
}

// ctxFor returns a context bounding one test step; no test waits on a
// call longer than this.
func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond every 5 ms for at most 10 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for range 2000 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// waitGoroutines waits (bounded) for the goroutine count to return to
// baseline, and fails with a dump if it does not.
func waitGoroutines(t testing.TB, baseline int) {
	t.Helper()
	for range 2000 {
		if runtime.NumGoroutine() <= baseline {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	t.Fatalf("goroutines: %d, baseline %d\n%s", runtime.NumGoroutine(), baseline, buf[:n])
}

// deadEndpoint returns a ws URL on 127.0.0.1 where nothing listens.
func deadEndpoint(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "ws://" + addr
}

func echoInt(t testing.TB, ctx context.Context, c rpc.Transport, i int) {
	t.Helper()
	raw, err := c.Call(ctx, "echo", i)
	if err != nil {
		t.Fatalf("echo %d: %v", i, err)
	}
	var got int
	if err := json.Unmarshal(raw, &got); err != nil || got != i {
		t.Fatalf("echo %d: got %s (%v)", i, raw, err)
	}
}

package bindings_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/scale"
)

// TestManyScriptsShareOneClient is a service running user scripts: 50 at
// once, each on its own engine with its own timeout, all over one chain
// client. One script asks the node for something it refuses, and the host
// sees the node's *rpc.Error with errors.As; one runs past its timeout.
// After the engines close, no goroutine of theirs is left.
func TestManyScriptsShareOneClient(t *testing.T) {
	c, _, _ := chaintest.Recorded(t, rpctest.Options{}, chain.Options{}, "get_balance")
	ctx := ctxT(t)
	// The client's own goroutines (connection, metadata) start with its
	// first read; they are not the engines'.
	if _, err := c.Head(ctx); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()

	const n, refused, slow = 50, 7, 13
	const coldkey125 = "5CUkpcUWSSMKMdNUW23sfUke6WCkoYXixR4CPBDCLpvxLmSi" // its balance is recorded
	const script = `local who = ...
local account = gather({a = function() return chain.query("System", "Account", who) end}).a
return tostring(account.data.free)`
	errs := make([]error, n)
	results := make([]string, n)
	engines := make([]*engine.Engine, n)
	var wg sync.WaitGroup
	for i := range n {
		timeout := 20*time.Second + time.Duration(i)*time.Millisecond
		code := script
		switch i {
		case refused:
			code = "local who = ...\n\nreturn chain.block_hash(123456789)"
		case slow:
			timeout = 100 * time.Millisecond
			code = "sleep(30)"
		}
		e := engine.New(engine.Options{Pinner: bindings.NewPinner(c), Timeout: timeout, Stdout: io.Discard})
		if err := bindings.Install(e, c, bindings.Options{}); err != nil {
			t.Fatal(err)
		}
		engines[i] = e
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.RunString(ctx, fmt.Sprintf("job-%d.lua", i), code, coldkey125)
			errs[i] = err
			if err == nil && len(res.Values) == 1 {
				results[i] = res.Values[0].String()
			}
		}()
	}
	wg.Wait()
	for i := range n {
		switch i {
		case refused:
			var rpcErr *rpc.Error
			if !errors.As(errs[i], &rpcErr) || rpcErr.Code != rpc.CodeMethodNotFound {
				t.Errorf("script %d: error %v (%T), want the node's *rpc.Error", i, errs[i], errs[i])
			}
			if errs[i] == nil || !strings.HasPrefix(errs[i].Error(), "job-7.lua:3: block hash of 123456789: ") {
				t.Errorf("script %d: message %v", i, errs[i])
			}
		case slow:
			if !errors.Is(errs[i], engine.ErrTimeout) || !errors.Is(errs[i], context.DeadlineExceeded) {
				t.Errorf("script %d: error %v, want its own timeout", i, errs[i])
			}
		default:
			if errs[i] != nil || results[i] != "7450117072" {
				t.Errorf("script %d: %q, %v", i, results[i], errs[i])
			}
		}
	}
	for _, e := range engines {
		e.Close()
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= base })
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("condition not met; goroutines:\n%s", buf[:runtime.Stack(buf, true)])
}

// TestInstallRefusesMistakes: a configuration mistake is an error naming
// it, not an engine that silently does less.
func TestInstallRefusesMistakes(t *testing.T) {
	c := chain.New(nil, chain.Options{NoDiskCache: true})
	defer c.Close()
	pinned := engine.New(engine.Options{Pinner: bindings.NewPinner(c), Stdout: io.Discard})
	defer pinned.Close()
	unpinned := engine.New(engine.Options{Stdout: io.Discard})
	defer unpinned.Close()
	cases := []struct {
		name string
		e    *engine.Engine
		c    *chain.Client
		opts bindings.Options
		want string
	}{
		{"no pinner", unpinned, c, bindings.Options{}, "bindings: the engine has no Pinner, so gather and at would not pin calls to one block: create it with engine.Options{Pinner: bindings.NewPinner(client)}"},
		{"nil client", pinned, nil, bindings.Options{}, "bindings: Install needs a chain client, got nil"},
		{"nil engine", nil, c, bindings.Options{}, "bindings: Install needs an engine, got nil"},
		{"negative buffer", pinned, c, bindings.Options{MapBuffer: -1}, "bindings: Options.MapBuffer is -1; it must be 0 (the default, 1024) or more"},
	}
	for _, tc := range cases {
		if err := bindings.Install(tc.e, tc.c, tc.opts); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Nothing was installed by the refused calls.
	res, err := pinned.Eval(context.Background(), "return type(chain)")
	if err != nil || res.Values[0].String() != "nil" {
		t.Errorf("after refusals: %v, %v", res, err)
	}
	if err := bindings.Install(pinned, c, bindings.Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestChainErrorsKeepTheirType: a chain call's Go error, uncaught, reaches
// the host with its type: a name the metadata lacks is a
// *scale.NotFoundError; a context deadline is context.DeadlineExceeded.
func TestChainErrorsKeepTheirType(t *testing.T) {
	en := recorded(t, "get_balance")
	_, err := en.e.RunString(ctxT(t), "job.lua", "local x = 1\nreturn chain.query('NoSuchPallet', 'Item')")
	var nf *scale.NotFoundError
	if !errors.As(err, &nf) || !strings.HasPrefix(err.Error(), "job.lua:2: ") {
		t.Fatalf("error %v (%T), want a *scale.NotFoundError at job.lua:2", err, err)
	}
	en.e.Register("deadline", func(ctx context.Context, args []any) ([]any, error) {
		ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		<-ctx.Done()
		return nil, fmt.Errorf("fetching the price: %w", ctx.Err())
	})
	_, err = en.e.RunString(ctxT(t), "job.lua", "deadline()")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, engine.ErrTimeout) {
		t.Fatalf("error %v", err)
	}
}

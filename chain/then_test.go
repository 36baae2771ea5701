package chain_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/scale"
)

// thenClient is a client over the recorded finney node that answers any
// account, counting the keys of each request, and the head it reads at.
func thenClient(t *testing.T) (*chain.Client, *keyCounter, string) {
	t.Helper()
	srv := chaintest.AccountsServer(t, 0)
	tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	kc := &keyCounter{Transport: tr}
	c := chain.New(kc, chain.Options{CacheDir: t.TempDir()})
	t.Cleanup(func() { c.Close() })
	head, err := c.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Metadata(context.Background(), head); err != nil {
		t.Fatal(err)
	}
	return c, kc, head
}

// awaitThen starts reads with QueryThen and collects what each then got,
// checking that it was called exactly once.
type awaitThen struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	errs  []error
	vals  []scale.Value
	calls atomic.Int64
}

func (a *awaitThen) start(c *chain.Client, ctx context.Context, at, pallet, item string, keys ...any) {
	a.wg.Add(1)
	var once atomic.Bool
	c.QueryThen(ctx, at, pallet, item, keys, func(v scale.Value, err error) {
		a.calls.Add(1)
		if !once.CompareAndSwap(false, true) {
			return // counted: the test fails on calls
		}
		a.mu.Lock()
		a.vals, a.errs = append(a.vals, v), append(a.errs, err)
		a.mu.Unlock()
		a.wg.Done()
	})
}

func (a *awaitThen) wait(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("QueryThen never called then")
	}
}

// TestQueryThenReadsAndErrors: values read with a completion are Query's,
// each then is called once, and bad reads fail naming the item.
func TestQueryThenReadsAndErrors(t *testing.T) {
	c, _, head := thenClient(t)
	ctx := context.Background()
	var a awaitThen
	accounts := chaintest.Accounts(50)
	for _, acc := range accounts {
		a.start(c, ctx, head, "System", "Account", acc)
	}
	a.wait(t)
	if n := a.calls.Load(); n != 50 {
		t.Fatalf("then called %d times for 50 reads", n)
	}
	for i, v := range a.vals {
		if a.errs[i] != nil {
			t.Fatal(a.errs[i])
		}
		var acct struct{ Data struct{ Free uint64 } }
		if err := v.Unmarshal(&acct); err != nil || acct.Data.Free != 7450117072 {
			t.Fatalf("read %v (%v), want the recorded free balance 7450117072", v, err)
		}
	}

	var b awaitThen
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	b.start(c, ctx, head, "System", "Account")                    // a key missing
	b.start(c, ctx, head, "System", "Nope", accounts[0])          // no such item
	b.start(c, ctx, "0x12", "System", "Account", accounts[0])     // a bad block hash
	b.start(c, cancelled, head, "System", "Account", accounts[0]) // ctx done already
	b.start(c, ctx, "", "System", "Account", accounts[0])         // the head: read on a goroutine
	b.wait(t)
	var msgs []string
	for _, err := range b.errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{"query System.Account: takes 1 keys, got 0", "query System.Nope:", `query System.Account: block: "0x12" is not a 32-byte 0x-hex block hash`, "query System.Account: context canceled"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors\n%s\nwant one containing %q", got, want)
		}
	}
	if len(msgs) != 4 {
		t.Errorf("%d errors, want 4 (the read at the head succeeds):\n%s", len(msgs), got)
	}
}

// runtimeNode is the node of AccountsServer with runtimes of its own: the
// runtime version of the blocks in other is one spec version up (with the
// same recorded metadata), that of broken fails, and runtime versions come
// after delay.
type runtimeNode struct {
	rpc.Handler
	other  map[string]bool
	broken string
	delay  time.Duration
}

func (n runtimeNode) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	if method != "state_getRuntimeVersion" {
		return n.Handler.ServeRPC(ctx, method, params)
	}
	select {
	case <-time.After(n.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var ps []string
	json.Unmarshal(params, &ps)
	if len(ps) == 1 && ps[0] == n.broken {
		return nil, &rpc.Error{Code: -32000, Message: "no runtime at this block"}
	}
	res, err := n.Handler.ServeRPC(ctx, method, params)
	if err != nil || len(ps) != 1 || !n.other[ps[0]] {
		return res, err
	}
	raw, _ := json.Marshal(res)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	v["specVersion"] = v["specVersion"].(float64) + 1
	return v, nil
}

// TestBatchGuessesTheRuntime: a Batch's reads at a block whose runtime is
// not known yet leave at once with the keys of the last runtime used, and
// each gets the value Query gets once the block's runtime is known —
// the same one, another one, known before or after the values came — or
// the error of not knowing it; each then is called once.
func TestBatchGuessesTheRuntime(t *testing.T) {
	block := func(b byte) string { return "0x" + strings.Repeat(fmt.Sprintf("%02x", b), 32) }
	same, other, late, broken := block(0xa1), block(0xa2), block(0xa3), block(0xa4)
	node := runtimeNode{Handler: chaintest.AccountsNode(t), other: map[string]bool{other: true}, broken: broken}
	for _, c := range []struct {
		name, at string
		delay    time.Duration
		fails    string
	}{
		{"the same runtime", same, 0, ""},
		{"another runtime", other, 0, ""},
		{"runtime known after the values", late, 300 * time.Millisecond, ""},
		{"no runtime", broken, 0, "no runtime at this block"},
	} {
		t.Run(c.name, func(t *testing.T) {
			node.delay = c.delay
			srv := rpctest.New(node, rpctest.Options{})
			t.Cleanup(srv.Close)
			cl, calls := chaintest.Dial(t, srv.URL(), chain.Options{})
			ctx := context.Background()
			head, err := cl.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			accounts := chaintest.Accounts(600)
			want, err := cl.Query(ctx, head, "System", "Account", accounts[0]) // learns head's runtime: the guess
			if err != nil {
				t.Fatal(err)
			}
			versions := calls.Count("state_getRuntimeVersion")
			var a awaitThen
			b := cl.NewBatch()
			for _, acct := range accounts {
				a.wg.Add(1)
				var once atomic.Bool
				b.QueryThen(ctx, c.at, "System", "Account", []any{acct}, func(v scale.Value, err error) {
					a.calls.Add(1)
					if once.CompareAndSwap(false, true) {
						a.mu.Lock()
						a.vals, a.errs = append(a.vals, v), append(a.errs, err)
						a.mu.Unlock()
						a.wg.Done()
					}
				})
			}
			b.Flush()
			a.wait(t)
			if n := a.calls.Load(); n != int64(len(accounts)) {
				t.Fatalf("then called %d times for %d reads", n, len(accounts))
			}
			for i, err := range a.errs {
				switch {
				case c.fails != "" && (err == nil || !strings.Contains(err.Error(), c.fails)):
					t.Fatalf("read %d: error %v, want %q", i, err, c.fails)
				case c.fails == "" && err != nil:
					t.Fatalf("read %d: %v", i, err)
				case c.fails == "" && a.vals[i].String() != want.String():
					t.Fatalf("read %d: %s, want %s", i, a.vals[i], want)
				}
			}
			if n := calls.Count("state_getRuntimeVersion") - versions; n != 1 {
				t.Errorf("the block's runtime was asked %d times, want once", n)
			}
			if n := calls.Count("state_queryStorageAt"); n < 2 || c.fails == "" && c.at != other && n != 2 {
				t.Errorf("%d requests of values, want the 2 that hold 600 keys", n)
			}
		})
	}
}

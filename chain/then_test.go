package chain_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
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

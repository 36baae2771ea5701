package chain_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// keyCounter is a transport that notes how many keys each
// state_queryStorageAt carries, and can refuse that method the way a node
// without it does.
type keyCounter struct {
	rpc.Transport
	refuse bool

	mu      sync.Mutex
	batches []int
	singles int
}

func (k *keyCounter) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	k.mu.Lock()
	switch method {
	case "state_queryStorageAt":
		keys, _ := params[0].([]string)
		k.batches = append(k.batches, len(keys))
	case "state_getStorage":
		k.singles++
	}
	k.mu.Unlock()
	if method == "state_queryStorageAt" && k.refuse {
		return nil, &rpc.Error{Code: rpc.CodeMethodNotFound, Message: "Method not found"}
	}
	return k.Transport.Call(ctx, method, params...)
}

// readAccounts reads System.Account of n accounts concurrently at one
// block, rounds times over, through the recorded finney node that answers
// any account, and checks every value.
func readAccounts(t *testing.T, refuse bool, n, rounds int) *keyCounter {
	srv := chaintest.AccountsServer(t, 0)
	tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	kc := &keyCounter{Transport: tr, refuse: refuse}
	c := chain.New(kc, chain.Options{CacheDir: t.TempDir()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	head, err := c.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	accounts := chaintest.Accounts(n * rounds)
	for r := range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for _, a := range accounts[r*n : (r+1)*n] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := c.Query(ctx, head, "System", "Account", a)
				if err == nil {
					var acct struct{ Data struct{ Free uint64 } }
					if err = v.Unmarshal(&acct); err == nil && acct.Data.Free != 7450117072 {
						t.Errorf("free of %s = %d, want the recorded 7450117072", a, acct.Data.Free)
					}
				}
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
	}
	return kc
}

// TestBatchesHoldAtMost512Keys: a burst of reads of one block leaves in
// requests of at most DefaultBatchMax keys, every key in exactly one.
func TestBatchesHoldAtMost512Keys(t *testing.T) {
	kc := readAccounts(t, false, 1300, 1)
	total := kc.singles
	for _, n := range kc.batches {
		if n > 512 {
			t.Errorf("a state_queryStorageAt carried %d keys, more than 512", n)
		}
		total += n
	}
	if total != 1300 || len(kc.batches) < 3 {
		t.Errorf("%d keys read in %d batches (%v) and %d single reads, want 1300 in at least 3 batches",
			total, len(kc.batches), kc.batches, kc.singles)
	}
}

// TestNodeWithoutQueryStorageAt: a node that does not know
// state_queryStorageAt is read key by key, with the same values, and is
// not asked for the method again: the later rounds of reads ask none.
func TestNodeWithoutQueryStorageAt(t *testing.T) {
	kc := readAccounts(t, true, 300, 4)
	if len(kc.batches) == 0 || len(kc.batches) > 2 {
		t.Errorf("%d state_queryStorageAt asked of a node that refuses it, want 1 (or 2 in flight at once)", len(kc.batches))
	}
	if kc.singles != 1200 {
		t.Errorf("%d state_getStorage reads, want one per account (1200)", kc.singles)
	}
}

// requests returns a copy of the key counts of the state_queryStorageAt
// requests so far.
func (k *keyCounter) requests() []int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]int(nil), k.batches...)
}

// TestBatchLeavesFullThenOnFlush: reads held in a Batch leave in full
// requests however slowly they come (slower than the client's batch
// window), the rest only when flushed, each value right and each then
// called once.
func TestBatchLeavesFullThenOnFlush(t *testing.T) {
	c, kc, head := thenClient(t)
	ctx := context.Background()
	b := c.NewBatch()
	accounts := chaintest.Accounts(1300)
	var wg sync.WaitGroup
	var calls atomic.Int64
	var bad atomic.Value
	for i, a := range accounts {
		if i%100 == 99 && i < 1000 {
			time.Sleep(3 * time.Millisecond) // three client windows
		}
		wg.Add(1)
		b.QueryThen(ctx, head, "System", "Account", []any{a}, func(v scale.Value, err error) {
			defer wg.Done()
			calls.Add(1)
			var acct struct{ Data struct{ Free uint64 } }
			if err == nil {
				err = v.Unmarshal(&acct)
			}
			if err == nil && acct.Data.Free != 7450117072 {
				err = fmt.Errorf("free %d, want the recorded 7450117072", acct.Data.Free)
			}
			if err != nil {
				bad.Store(err)
			}
		})
	}
	// The two full requests left as they filled; the last 276 keys wait.
	if got := kc.requests(); len(got) > 2 {
		t.Fatalf("requests before Flush: %v, want two of 512 keys", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(kc.requests()) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	b.Flush()
	b.Flush() // nothing left: sends nothing
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("reads never answered after Flush")
	}
	if got := kc.requests(); !slices.Equal(got, []int{512, 512, 276}) {
		t.Errorf("requests %v, want [512 512 276]", got)
	}
	if n := calls.Load(); n != 1300 {
		t.Errorf("then called %d times for 1300 reads", n)
	}
	if err, _ := bad.Load().(error); err != nil {
		t.Error(err)
	}
}

// TestBatchMaxHold: a read held in a Batch that nobody flushes still
// leaves, MaxHold after it came.
func TestBatchMaxHold(t *testing.T) {
	c, kc, head := thenClient(t)
	b := c.NewBatch()
	got := make(chan error, 1)
	t0 := time.Now()
	b.QueryThen(context.Background(), head, "System", "Account", []any{chaintest.Accounts(1)[0]}, func(v scale.Value, err error) { got <- err })
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a read held without Flush never left")
	}
	if took := time.Since(t0); took < chain.MaxHold {
		t.Errorf("answered after %v, before MaxHold (%v) with no Flush", took, chain.MaxHold)
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if kc.singles != 1 || len(kc.batches) != 0 {
		t.Errorf("%d state_getStorage and %d state_queryStorageAt, want one read", kc.singles, len(kc.batches))
	}
}

// TestBatchHoldsWhileReadsCome: reads that keep coming, each well within
// MaxHold of the last, stay together past MaxHold (a slow producer is not
// one that forgot to flush).
func TestBatchHoldsWhileReadsCome(t *testing.T) {
	c, kc, head := thenClient(t)
	b := c.NewBatch()
	var wg sync.WaitGroup
	accounts := chaintest.Accounts(12)
	t0 := time.Now()
	gap := chain.MaxHold / 5
	for i, a := range accounts {
		if i > 0 {
			time.Sleep(gap)
		}
		wg.Add(1)
		b.QueryThen(context.Background(), head, "System", "Account", []any{a}, func(v scale.Value, err error) {
			defer wg.Done()
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// 11 gaps of reads: cut at MaxHold after the first, they leave as 3.
	got := kc.requests()
	kc.mu.Lock()
	singles := kc.singles
	kc.mu.Unlock()
	if len(got)+singles > 2 || time.Since(t0) < 11*gap {
		t.Errorf("12 reads %v apart left as %v and %d single reads, want one request (two on a stalled machine)", gap, got, singles)
	}
}

// TestBatchMixedReads: a Batch's reads of different items, one of them
// unknown or given the wrong keys, each get their own answer (the entry
// of a run of reads of one item is looked up once).
func TestBatchMixedReads(t *testing.T) {
	c, _, head := thenClient(t)
	b := c.NewBatch()
	acc := chaintest.Accounts(3)
	type read struct {
		item    string
		keys    []any
		wantErr string // "" for the recorded free balance
	}
	reads := []read{
		{"Account", []any{acc[0]}, ""},
		{"Account", []any{acc[1]}, ""},
		{"Nope", []any{acc[0]}, "Nope"},
		{"Account", []any{acc[2]}, ""},
		{"Account", nil, "takes 1 keys, got 0"},
		{"Account", []any{acc[0]}, ""},
	}
	var wg sync.WaitGroup
	got := make([]error, len(reads))
	for i, r := range reads {
		wg.Add(1)
		b.QueryThen(context.Background(), head, "System", r.item, r.keys, func(v scale.Value, err error) {
			defer wg.Done()
			if err == nil {
				var acct struct{ Data struct{ Free uint64 } }
				if err = v.Unmarshal(&acct); err == nil && acct.Data.Free != 7450117072 {
					err = fmt.Errorf("free %d", acct.Data.Free)
				}
			}
			got[i] = err
		})
	}
	b.Flush()
	wg.Wait()
	for i, r := range reads {
		switch err := got[i]; {
		case r.wantErr == "" && err != nil:
			t.Errorf("read %d (%s): %v", i+1, r.item, err)
		case r.wantErr != "" && (err == nil || !strings.Contains(err.Error(), r.wantErr)):
			t.Errorf("read %d (%s): %v, want an error naming %q", i+1, r.item, err, r.wantErr)
		}
	}
}

// TestBatchFirstReadsOfAClient: the first reads of a client, which knows
// no runtime yet, still leave as the Batch's full requests: the runtime is
// learnt once, not each value read alone through the client's batcher
// (whose window here is 30 s, so a read that took that path would not be
// back within the 15 s the test waits).
func TestBatchFirstReadsOfAClient(t *testing.T) {
	srv := chaintest.AccountsServer(t, 0)
	tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	kc := &keyCounter{Transport: tr}
	c := chain.New(kc, chain.Options{BatchWindow: 30 * time.Second})
	defer c.Close()
	head, err := c.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := c.NewBatch()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, a := range chaintest.Accounts(600) {
		wg.Add(1)
		b.QueryThen(context.Background(), head, "System", "Account", []any{a}, func(v scale.Value, err error) {
			defer wg.Done()
			if err != nil {
				failed.Add(1)
			}
		})
	}
	b.Flush()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the first reads went through the client's batcher")
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	slices.Sort(kc.batches)
	if failed.Load() != 0 || !slices.Equal(kc.batches, []int{88, 512}) || kc.singles != 0 {
		t.Errorf("%d failed; requests %v and %d single reads, want 512 and 88 and none", failed.Load(), kc.batches, kc.singles)
	}
}

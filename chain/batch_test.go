package chain_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
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

package chain_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/chain/keys"
	"github.com/btscript/btscript/devnet"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/testdata"
)

// liar signs with one key and claims another's public key.
type liar struct{ signer, claimed *keys.Signer }

func (l liar) PublicKey() [32]byte               { return l.claimed.PublicKey() }
func (l liar) Sign(msg []byte) ([64]byte, error) { return l.signer.Sign(msg) }

func freeOf(t *testing.T, c *chain.Client, addr string) uint64 {
	t.Helper()
	v, err := c.Query(context.Background(), "", "System", "Account", addr)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := v.Field("data")
	f, _ := d.Field("free")
	u, ok := f.Uint()
	if !ok {
		t.Fatalf("free of %s: %v", addr, f)
	}
	return u
}

// TestSubmitDevnet submits to the real runtime under Chopsticks, which
// builds a block for each burst of transactions and checks signatures.
func TestSubmitDevnet(t *testing.T) {
	spec := testdata.Path(t, testdata.RaonetSpec)
	n, err := devnet.Start(context.Background(), devnet.Options{Spec: spec, BuildBlockMode: "Batch"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	alice, _ := keys.FromURI("//Alice")
	bob, _ := keys.FromURI("//Bob")
	charlie, _ := keys.FromURI("//Charlie")
	dave, _ := keys.FromURI("//Dave")
	acct := func(s *keys.Signer, free string) []any {
		return []any{[]any{s.Address()}, map[string]any{"providers": 1, "data": map[string]any{"free": free}}}
	}
	if err := n.Call(ctx, nil, "dev_setStorage", map[string]any{"System": map[string]any{"Account": []any{
		acct(alice, "1000000000000000"), acct(bob, "1000000000000"), acct(charlie, "1000000000000")}}}); err != nil {
		t.Fatal(err)
	}
	c, calls := chaintest.Dial(t, n.URL, chain.Options{})
	dest := map[string]any{"Id": dave.Address()}

	t.Run("a bad signature is rejected by the runtime", func(t *testing.T) {
		before := calls.Count("author_submitAndWatchExtrinsic")
		_, err := c.Submit(ctx, liar{signer: bob, claimed: alice}, "Balances", "transfer_keep_alive", []any{dest, 1000}, chain.TxOptions{})
		if !errors.Is(err, chain.ErrRejected) || !strings.Contains(err.Error(), "invalid transaction: bad signature (badProof)") {
			t.Fatalf("err = %v", err)
		}
		if calls.Count("author_submitAndWatchExtrinsic") != before+1 {
			t.Fatal("the rejected transaction was sent more than once")
		}
		// The nonce it held is reused: the next transfer goes through.
		r, err := c.Submit(ctx, alice, "Balances", "transfer_keep_alive", []any{dest, 1000}, chain.TxOptions{})
		if err != nil || !r.Success || r.Tx.Nonce != 0 {
			t.Fatalf("next transfer: %+v, %v", r, err)
		}
	})

	t.Run("accounts submit in parallel with their own nonces", func(t *testing.T) {
		d0 := freeOf(t, c, dave.Address())
		signers := []*keys.Signer{alice, bob, charlie}
		var wg sync.WaitGroup
		receipts := make([][]*chain.Receipt, len(signers))
		errs := make(chan error, 30)
		for i, s := range signers {
			receipts[i] = make([]*chain.Receipt, 5)
			for j := range 5 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := c.Submit(ctx, s, "Balances", "transfer_keep_alive", []any{dest, 1_000_000}, chain.TxOptions{Tip: 7})
					if err != nil {
						errs <- err
						return
					}
					receipts[i][j] = r
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i, rs := range receipts {
			seen := map[uint64]bool{}
			for _, r := range rs {
				// The fee paid includes the tip; query_info's does not.
				if !r.Success || r.Fee == nil || r.Fee.Cmp(new(big.Int).Add(r.EstimatedFee, big.NewInt(7))) != 0 {
					t.Errorf("%s: %+v", signers[i].Address(), r)
				}
				seen[r.Tx.Nonce] = true
			}
			base := uint64(0)
			if i == 0 {
				base = 1 // Alice sent one transfer above (and one was rejected)
			}
			for k := base; k < base+5; k++ {
				if !seen[k] {
					t.Errorf("%s: nonces %v, want %d..%d", signers[i].Address(), seen, base, base+4)
				}
			}
		}
		if got := freeOf(t, c, dave.Address()) - d0; got != 15_000_000 {
			t.Errorf("Dave received %d, want 15000000", got)
		}
	})

	t.Run("an included failure names its module error", func(t *testing.T) {
		r, err := c.Submit(ctx, bob, "SubtensorModule", "add_stake", []any{alice.Address(), 1, uint64(1) << 60}, chain.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Success || r.Error == nil || r.Error.Name != "SubtensorModule.NotEnoughBalanceToStake" ||
			r.Error.Error() != "dispatch error SubtensorModule.NotEnoughBalanceToStake" {
			t.Fatalf("receipt: %+v %v", r, r.Error)
		}
		if len(r.Events) == 0 || r.Events[len(r.Events)-1].String() == "" {
			t.Fatalf("events: %v", r.Events)
		}
	})

	t.Run("a dry run takes no nonce and sends nothing", func(t *testing.T) {
		sent := calls.Count("author_submitAndWatchExtrinsic")
		tx, err := c.BuildTx(ctx, charlie, "Balances", "transfer_keep_alive", []any{dest, 5}, chain.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fee, info, err := c.QueryFee(ctx, tx)
		if err != nil || fee.Sign() <= 0 {
			t.Fatalf("fee %v %v %v", fee, info, err)
		}
		if tx.Nonce != 5 || calls.Count("author_submitAndWatchExtrinsic") != sent {
			t.Fatalf("nonce %d; sent %d", tx.Nonce, calls.Count("author_submitAndWatchExtrinsic")-sent)
		}
		r, err := c.Submit(ctx, charlie, "Balances", "transfer_keep_alive", []any{dest, 5}, chain.TxOptions{WaitFinalized: true})
		if err != nil || r.Tx.Nonce != 5 || !r.Finalized {
			t.Fatalf("submit after dry run: %+v %v", r, err)
		}
	})

	t.Run("commit then reveal weights: the runtime accepts our commit hash", func(t *testing.T) {
		// Commit-reveal on subnet 1 with 5-block epochs (tempo 4) and a
		// one-block weights rate limit.
		if err := n.Call(ctx, nil, "dev_setStorage", map[string]any{"SubtensorModule": map[string]any{
			"CommitRevealWeightsEnabled": []any{[]any{[]any{1}, true}},
			"Tempo":                      []any{[]any{[]any{1}, 4}},
			"WeightsSetRateLimit":        []any{[]any{[]any{1}, 1}},
		}}); err != nil {
			t.Fatal(err)
		}
		submit := func(s chain.Signer, call chain.Call, err error) *chain.Receipt {
			t.Helper()
			r, err := bt.Submit(ctx, c, s, call, err, chain.TxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Success {
				t.Fatalf("%s.%s failed: %v", call.Pallet, call.Name, r.Error)
			}
			return r
		}
		call, err := bt.BurnedRegisterCall(1, charlie.Address())
		submit(alice, call, err)
		v, err := c.Query(ctx, "", "SubtensorModule", "Uids", 1, charlie.Address())
		if err != nil {
			t.Fatal(err)
		}
		uid64, ok := v.Uint()
		if !ok {
			t.Fatalf("charlie has no uid on subnet 1: %v", v)
		}
		uid := uint16(uid64)
		salt := []uint16{7, 8, 9}
		call, err = bt.CommitWeightsCall(charlie.PublicKey(), 1, salt, []uint16{uid}, []float64{1}, 0)
		committed := submit(charlie, call, err).BlockNumber
		epoch := func(b uint64) uint64 { return (b + 2) / 5 }
		for i := 0; i < 12; i++ {
			head, err := c.BlockNumber(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if epoch(head+1) == epoch(committed)+1 {
				break
			}
			if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1}); err != nil {
				t.Fatal(err)
			}
		}
		call, err = bt.RevealWeightsCall(1, []uint16{uid}, []float64{1}, salt, 0)
		submit(charlie, call, err)
		w, err := c.Query(ctx, "", "SubtensorModule", "Weights", 1, uid)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(w.AppendJSON(nil)); got != fmt.Sprintf("[[%d,65535]]", uid) {
			t.Fatalf("Weights(1, %d) = %s", uid, got)
		}
	})
}

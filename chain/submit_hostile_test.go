package chain_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/keys"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/btscript/btscript/scale"
)

// submitNode is the recorded finney node of lying, which also takes
// submissions: each one is answered by the next of its scripted behaviours.
type submitNode struct {
	lying
	sent  atomic.Int64
	watch func(n int64, notify func(any) error, ctx context.Context)
}

func (s *submitNode) SubscriptionMethods(method string) (string, string, bool) {
	return "author_extrinsicUpdate", "author_unwatchExtrinsic", method == "author_submitAndWatchExtrinsic"
}

func (s *submitNode) Subscribe(_ context.Context, _ string, params json.RawMessage) (rpc.SubscriptionFunc, error) {
	n := s.sent.Add(1)
	if n == 1 {
		return nil, &rpc.Error{Code: 1010, Message: "Invalid Transaction", Data: json.RawMessage(`{"invalid":{"payment":null}}`)}
	}
	return func(ctx context.Context, notify func(any) error) { s.watch(n, notify, ctx) }, nil
}

func TestSubmitAgainstBrokenNodes(t *testing.T) {
	md, err := scale.Parse(testdata.Hex(t, testdata.MetadataV15))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := md.Method("TransactionPaymentApi", "query_info")
	info, err := md.Encode(m.Output, map[string]any{"weight": map[string]any{"ref_time": 1000, "proof_size": 10}, "class": "Normal", "partial_fee": 135262})
	if err != nil {
		t.Fatal(err)
	}
	node := &submitNode{lying: lying{book: subnetworkNBook(t), answers: map[string]any{
		"chain_getBlockHash":                          "0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03",
		"system_accountNextIndex":                     5,
		"state_call TransactionPaymentApi_query_info": "0x" + hex.EncodeToString(info),
		"chain_getBlock": map[string]any{"block": map[string]any{"header": map[string]any{
			"parentHash": "0x" + strings.Repeat("11", 32), "number": "0x10", "stateRoot": "0x" + strings.Repeat("22", 32),
			"extrinsicsRoot": "0x" + strings.Repeat("33", 32), "digest": map[string]any{"logs": []any{}}}, "extrinsics": []any{}}},
	}}}
	node.watch = func(n int64, notify func(any) error, ctx context.Context) {
		switch n {
		case 2: // never reports
		case 3:
			notify("ready")
			notify("invalid")
		case 4:
			notify(map[string]any{"inBlock": "0x" + strings.Repeat("44", 32)})
		case 5:
			notify([]any{1})
		}
		<-ctx.Done()
	}
	srv := rpctest.New(node, rpctest.Options{})
	t.Cleanup(srv.Close)
	c, calls := chaintest.Dial(t, srv.URL(), chain.Options{WatchTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	alice, _ := keys.FromURI("//Alice")
	args := []any{map[string]any{"Id": alice.Address()}, 1}
	for i, want := range []struct {
		is   error
		text string
	}{
		{chain.ErrRejected, "nonce 5: transaction rejected: invalid transaction: the account cannot pay the fee (payment): "},
		{chain.ErrDropped, "transaction not included: no block reported it within 300ms"},
		{chain.ErrDropped, "transaction not included: invalid"},
		{nil, "does not hold it"},
		{nil, "unexpected extrinsic status [1]"},
	} {
		_, err := c.Submit(ctx, alice, "Balances", "transfer_keep_alive", args, chain.TxOptions{})
		if err == nil || (want.is != nil && !errors.Is(err, want.is)) || !strings.Contains(err.Error(), want.text) {
			t.Errorf("submission %d: %v, want %q", i+1, err, want.text)
		}
	}
	if n := node.sent.Load(); n != 5 {
		t.Errorf("the node saw %d submissions for 5 Submit calls", n)
	}
	// After each failure whose fate is unknown the nonce was read again.
	if got := calls.Count("system_accountNextIndex"); got < 4 {
		t.Errorf("system_accountNextIndex asked %d times", got)
	}
}

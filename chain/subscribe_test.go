package chain_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
)

// recordedHeader is finney's header of block 6852690 as the SDK recorded
// it (its hash is 0xdb13c066…).
func recordedHeader(t *testing.T) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(testdata.Path(t, testdata.RecordedRPC))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]map[string]map[string]struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	h := rec["metagraph"]["chain_getHeader"]["[null]"].Result
	if len(h) == 0 {
		t.Fatal("the recording has no header of the metagraph test")
	}
	return h
}

// TestHeadsShape: Heads has the shape of rpc.Subscription (C, Err,
// Unsubscribe, Done), follows its context, and the kind picks the method.
func TestHeadsShape(t *testing.T) {
	hdr := recordedHeader(t)
	ended := make(chan struct{}, 4)
	h := &rpctest.Handler{Subscriptions: map[string]rpctest.Sub{
		"chain_subscribeFinalizedHeads": {
			Notification: "chain_finalizedHead",
			Unsubscribe:  "chain_unsubscribeFinalizedHeads",
			Run: func(ctx context.Context, _ json.RawMessage, notify func(any) error) {
				notify(hdr)
				<-ctx.Done()
				ended <- struct{}{}
			},
		},
	}}
	srv := rpctest.New(h, rpctest.Options{})
	defer srv.Close()
	c, _ := chaintest.Dial(t, srv.URL(), chain.Options{})

	cause := errors.New("enough heads")
	ctx, cancel := context.WithCancelCause(ctxT(t))
	heads, err := c.SubscribeHeads(ctx, chain.Finalized)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := <-heads.C()
	if !ok {
		t.Fatalf("no head: %v", heads.Err())
	}
	const hash = "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"
	if got.Number != 6852690 || got.Hash != hash {
		t.Errorf("head %d %s", got.Number, got.Hash)
	}
	if heads.Err() != nil {
		t.Errorf("Err while active: %v", heads.Err())
	}
	cancel(cause)
	if _, ok := <-heads.C(); ok {
		t.Fatal("C open after the context ended")
	}
	<-heads.Done()
	if !errors.Is(heads.Err(), cause) {
		t.Errorf("Err after the context ended: %v", heads.Err())
	}
	<-ended // the node was told

	heads, err = c.SubscribeHeads(ctxT(t), chain.Finalized)
	if err != nil {
		t.Fatal(err)
	}
	<-heads.C()
	if err := heads.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	for range heads.C() {
	}
	if !errors.Is(heads.Err(), rpc.ErrUnsubscribed) {
		t.Errorf("Err after Unsubscribe: %v", heads.Err())
	}
	<-ended

	// Best asks for chain_subscribeNewHeads, which this node lacks.
	var rpcErr *rpc.Error
	if _, err := c.SubscribeHeads(ctxT(t), chain.Best); !errors.As(err, &rpcErr) || rpcErr.Code != rpc.CodeMethodNotFound {
		t.Errorf("Best: %v", err)
	}
	if _, err := c.SubscribeHeads(ctxT(t), chain.HeadKind(7)); err == nil || err.Error() != "subscribe heads: kind 7 is neither chain.Best nor chain.Finalized" {
		t.Errorf("kind 7: %v", err)
	}
	offline := chain.New(nil, chain.Options{})
	if _, err := offline.SubscribeHeads(ctxT(t), chain.Best); !errors.Is(err, chain.ErrNoTransport) {
		t.Errorf("offline: %v", err)
	}
}

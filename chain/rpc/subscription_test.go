package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
)

// heads is a subscription source: each run emits count notifications
// {"run": r, "n": i}, reports that it is done emitting, then waits for
// its end.
type heads struct {
	runs    atomic.Int64
	emitted chan int // run number, after its notifications are written
	ended   chan int // run number, after its context ended
}

type head struct {
	Run int `json:"run"`
	N   int `json:"n"`
}

func newHeads() *heads {
	return &heads{emitted: make(chan int, 16), ended: make(chan int, 16)}
}

func (h *heads) handler() *rpctest.Handler {
	th := testHandler()
	th.Subscriptions = map[string]rpctest.Sub{
		"chain_subscribeNewHeads": {
			Notification: "chain_newHead",
			Unsubscribe:  "chain_unsubscribeNewHeads",
			Run: func(ctx context.Context, params json.RawMessage, notify func(any) error) {
				run := int(h.runs.Add(1))
				var args []int
				_ = json.Unmarshal(params, &args)
				for i := range args[0] {
					if notify(head{run, i}) != nil {
						break
					}
				}
				h.emitted <- run
				<-ctx.Done()
				h.ended <- run
			},
		},
	}
	return th
}

func next(t *testing.T, s *rpc.Subscription) head {
	t.Helper()
	raw, ok := <-s.C()
	if !ok {
		t.Fatalf("subscription ended: %v", s.Err())
	}
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSubscriptionDelivers(t *testing.T) {
	src := newHeads()
	srv := rpctest.New(src.handler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	s, err := c.Subscribe(ctxFor(t), "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if h := next(t, s); h != (head{1, i}) {
			t.Fatalf("notification %d: %+v", i, h)
		}
	}
	if err := s.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if run := <-src.ended; run != 1 {
		t.Fatalf("ended run %d", run)
	}
	if _, ok := <-s.C(); ok || !errors.Is(s.Err(), rpc.ErrUnsubscribed) {
		t.Fatalf("after unsubscribe: open %v, err %v", ok, s.Err())
	}
	if err := s.Unsubscribe(); err != nil {
		t.Fatalf("second unsubscribe: %v", err)
	}
	if c.Stats().Subscriptions != 0 {
		t.Fatalf("client: %+v", c.Stats())
	}
}

// TestSubscriptionSlowConsumer: a consumer that does not read loses the
// oldest notifications, and calls go on meanwhile.
func TestSubscriptionSlowConsumer(t *testing.T) {
	const sent, buffer = 100, 4
	src := newHeads()
	srv := rpctest.New(src.handler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, SubscriptionBuffer: buffer})
	ctx := ctxFor(t)
	s, err := c.Subscribe(ctx, "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", sent)
	if err != nil {
		t.Fatal(err)
	}
	<-src.emitted
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { echoInt(t, ctx, c, i) })
	}
	wg.Wait()
	// The calls' responses followed every notification on the wire, so
	// all of them have been processed by now.
	if d := s.Dropped(); d != sent-buffer {
		t.Fatalf("dropped %d, want %d", d, sent-buffer)
	}
	for i := sent - buffer; i < sent; i++ {
		if h := next(t, s); h.N != i {
			t.Fatalf("got %+v, want n=%d (the newest kept)", h, i)
		}
	}
	if cs := c.Stats(); cs.DroppedNotifications != sent-buffer || cs.Notifications != sent {
		t.Fatalf("client: %+v", cs)
	}
}

// TestSubscriptionResubscribes: after the server drops the connection the
// client renews the subscription and the same Subscription carries on.
func TestSubscriptionResubscribes(t *testing.T) {
	src := newHeads()
	srv := rpctest.New(src.handler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
	s, err := c.Subscribe(ctxFor(t), "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", 1)
	if err != nil {
		t.Fatal(err)
	}
	if h := next(t, s); h != (head{1, 0}) {
		t.Fatalf("got %+v", h)
	}
	srv.DropConnections()
	if h := next(t, s); h != (head{2, 0}) {
		t.Fatalf("after reconnect got %+v", h)
	}
	st, cs := srv.Stats(), c.Stats()
	if st.ConnsOpened != 2 || st.ByMethod["chain_subscribeNewHeads"] != 2 || cs.Reconnects != 1 {
		t.Fatalf("server %+v, client %+v", st, cs)
	}
	if s.Err() != nil {
		t.Fatalf("Err while active: %v", s.Err())
	}
	echoInt(t, ctxFor(t), c, 1)
}

func TestSubscriptionKeepsConnectionAndCloseEndsIt(t *testing.T) {
	src := newHeads()
	srv := rpctest.New(src.handler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, IdleTimeout: 1})
	s, err := c.Subscribe(ctxFor(t), "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", 1)
	if err != nil {
		t.Fatal(err)
	}
	next(t, s)
	// With a 1 ns idle timeout, any idle moment would close the socket;
	// the subscription keeps it open across calls.
	for i := range 20 {
		echoInt(t, ctxFor(t), c, i)
	}
	if cs := c.Stats(); cs.IdleCloses != 0 || cs.Connects != 1 {
		t.Fatalf("client: %+v", cs)
	}
	_ = c.Close()
	<-s.Done()
	if _, ok := <-s.C(); ok || !errors.Is(s.Err(), rpc.ErrClosed) {
		t.Fatalf("after close: open %v, err %v", ok, s.Err())
	}
	<-src.ended
}

func TestSubscribeError(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	_, err := c.Subscribe(ctxFor(t), "chain_subscribeNewHeads", "chain_unsubscribeNewHeads")
	var rpcErr *rpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != rpc.CodeMethodNotFound || rpcErr.Method() != "chain_subscribeNewHeads" {
		t.Fatalf("got %v", err)
	}
	if c.Stats().Subscriptions != 0 {
		t.Fatal("failed subscribe left a subscription")
	}
}

func TestNewSubscription(t *testing.T) {
	var unsubscribed atomic.Int64
	s, feed := rpc.NewSubscription(2, func() error { unsubscribed.Add(1); return nil })
	for _, v := range []string{"1", "2", "3"} {
		if !feed.Send(json.RawMessage(v)) {
			t.Fatal("send refused")
		}
	}
	if s.Dropped() != 1 || string(<-s.C()) != "2" || string(<-s.C()) != "3" {
		t.Fatal("drop-oldest violated")
	}
	if err := s.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	_ = s.Unsubscribe()
	if unsubscribed.Load() != 1 || feed.Send(json.RawMessage("4")) || !errors.Is(s.Err(), rpc.ErrUnsubscribed) {
		t.Fatalf("unsubscribed %d, err %v", unsubscribed.Load(), s.Err())
	}
	<-feed.Done()

	s2, feed2 := rpc.NewSubscription(0, nil)
	feed2.End(nil)
	if _, ok := <-s2.C(); ok || !errors.Is(s2.Err(), rpc.ErrSubscriptionClosed) {
		t.Fatal("End did not close")
	}
}

// TestSubmissionWatchIsNotRenewed: renewing author_submitAndWatchExtrinsic
// after a lost connection would send the extrinsic again, so the watch ends
// with an error instead and the node sees one submission.
func TestSubmissionWatchIsNotRenewed(t *testing.T) {
	src := newHeads()
	h := src.handler()
	h.Subscriptions["author_submitAndWatchExtrinsic"] = rpctest.Sub{
		Notification: "author_extrinsicUpdate",
		Unsubscribe:  "author_unwatchExtrinsic",
		Run: func(ctx context.Context, _ json.RawMessage, notify func(any) error) {
			notify("ready")
			<-ctx.Done()
		},
	}
	srv := rpctest.New(h, rpctest.Options{})
	defer srv.Close()
	c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
	s, err := c.Subscribe(ctxFor(t), "author_submitAndWatchExtrinsic", "author_unwatchExtrinsic", "0x00")
	if err != nil {
		t.Fatal(err)
	}
	if raw := <-s.C(); string(raw) != `"ready"` {
		t.Fatalf("first update %s", raw)
	}
	srv.DropConnections()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("the watch was renewed after the lost connection (submissions: %d)", srv.Stats().ByMethod["author_submitAndWatchExtrinsic"])
	}
	if err := s.Err(); !errors.Is(err, rpc.ErrConnectionLost) || !strings.Contains(err.Error(), "the extrinsic was not sent again") {
		t.Fatalf("Err = %v", err)
	}
	echoInt(t, ctxFor(t), c, 1) // the client reconnects for other calls
	if n := srv.Stats().ByMethod["author_submitAndWatchExtrinsic"]; n != 1 {
		t.Fatalf("the extrinsic was submitted %d times", n)
	}
}

// TestSubscriptionEndsWithContext: the context given to Subscribe bounds
// the subscription too: when it ends, the node is told and Err says why.
func TestSubscriptionEndsWithContext(t *testing.T) {
	src := newHeads()
	srv := rpctest.New(src.handler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	cause := errors.New("the job is over")
	ctx, cancel := context.WithCancelCause(ctxFor(t))
	s, err := c.Subscribe(ctx, "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", 1)
	if err != nil {
		t.Fatal(err)
	}
	if h := next(t, s); h != (head{1, 0}) {
		t.Fatalf("notification %+v", h)
	}
	cancel(cause)
	if run := <-src.ended; run != 1 {
		t.Fatalf("ended run %d", run)
	}
	<-s.Done()
	if _, ok := <-s.C(); ok || !errors.Is(s.Err(), cause) {
		t.Fatalf("after the context ended: open %v, err %v", ok, s.Err())
	}
	if c.Stats().Subscriptions != 0 {
		t.Fatalf("client: %+v", c.Stats())
	}
	// A subscription that ended by itself no longer follows its context.
	ctx2, cancel2 := context.WithCancel(ctxFor(t))
	defer cancel2()
	s2, err := c.Subscribe(ctx2, "chain_subscribeNewHeads", "chain_unsubscribeNewHeads", 1)
	if err != nil {
		t.Fatal(err)
	}
	s2.Unsubscribe()
	cancel2()
	if !errors.Is(s2.Err(), rpc.ErrUnsubscribed) {
		t.Fatalf("unsubscribed, then the context ended: %v", s2.Err())
	}
}

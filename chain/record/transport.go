package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/btscript/btscript/chain/rpc"
)

// Replayer is an rpc.Transport that answers from a Book, with no network.
type Replayer struct {
	book   *Book
	closed atomic.Bool
}

// NewReplayer returns a transport answering from b.
func NewReplayer(b *Book) *Replayer { return &Replayer{book: b} }

// Call answers from the recording: a recorded JSON-RPC error comes back as
// *rpc.Error, a request the recording cannot answer as an error wrapping
// ErrNotRecorded that names the method and params.
func (r *Replayer) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if r.closed.Load() {
		return nil, fmt.Errorf("rpc %s: %w", method, rpc.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("rpc %s: %w", method, err)
	}
	p, err := marshalParams(params)
	if err != nil {
		return nil, fmt.Errorf("rpc %s: %w", method, err)
	}
	res, err := r.book.Answer(method, p)
	return res, asRPCError(method, err)
}

// Subscribe delivers the notifications the recording holds for the
// subscription, then ends it.
func (r *Replayer) Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*rpc.Subscription, error) {
	if r.closed.Load() {
		return nil, fmt.Errorf("rpc %s: %w", method, rpc.ErrClosed)
	}
	p, err := marshalParams(params)
	if err != nil {
		return nil, fmt.Errorf("rpc %s: %w", method, err)
	}
	notes, err := r.book.Notifications(method, p)
	if err != nil {
		return nil, asRPCError(method, err)
	}
	sub, feed := rpc.NewSubscription(len(notes)+1, nil)
	for _, n := range notes {
		feed.Send(n)
	}
	feed.End(fmt.Errorf("replay %s: the recording holds no more notifications", method))
	return sub, nil
}

// Close makes later calls fail with rpc.ErrClosed.
func (r *Replayer) Close() error {
	r.closed.Store(true)
	return nil
}

func asRPCError(method string, err error) error {
	var rec *Error
	if errors.As(err, &rec) {
		return &rpc.Error{Code: rec.Code, Message: rec.Message, Data: rec.Data}
	}
	return err
}

// Recording is an rpc.Transport that passes calls to another transport and
// records every answer into a Recorder. Failures of the transport itself
// (a lost connection, a timeout) are not recorded: only what the node said.
type Recording struct {
	next rpc.Transport
	rec  *Recorder
	subs atomic.Int64
}

// NewRecording records the traffic of next into rec.
func NewRecording(next rpc.Transport, rec *Recorder) *Recording {
	return &Recording{next: next, rec: rec}
}

// Call forwards the call and records its answer.
func (r *Recording) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	res, err := r.next.Call(ctx, method, params...)
	var rpcErr *rpc.Error
	switch {
	case err == nil:
		r.rec.Add(method, params, res, nil)
	case errors.As(err, &rpcErr):
		r.rec.Add(method, params, nil, &Error{Code: rpcErr.Code, Message: rpcErr.Message, Data: rpcErr.Data})
	}
	return res, err
}

// Subscribe forwards the subscription and records what it delivers.
func (r *Recording) Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*rpc.Subscription, error) {
	inner, err := r.next.Subscribe(ctx, method, unsubscribe, params...)
	if err != nil {
		return nil, err
	}
	id, _ := json.Marshal(fmt.Sprintf("sub-%d", r.subs.Add(1)))
	r.rec.Add(method, params, id, nil)
	outer, feed := rpc.NewSubscription(cap(inner.C())+1, inner.Unsubscribe)
	go func() {
		for {
			select {
			case n, ok := <-inner.C():
				if !ok {
					feed.End(inner.Err())
					return
				}
				r.rec.Notify(method, id, n)
				feed.Send(n)
			case <-feed.Done():
				inner.Unsubscribe()
				return
			}
		}
	}()
	return outer, nil
}

// Close closes the transport underneath.
func (r *Recording) Close() error { return r.next.Close() }

// subscriptions lists the subscribe methods a served recording knows, with
// their notification and unsubscribe methods.
var subscriptions = map[string][2]string{
	"chain_subscribeNewHeads":       {"chain_newHead", "chain_unsubscribeNewHeads"},
	"chain_subscribeFinalizedHeads": {"chain_finalizedHead", "chain_unsubscribeFinalizedHeads"},
	"chain_subscribeAllHeads":       {"chain_allHead", "chain_unsubscribeAllHeads"},
	"state_subscribeStorage":        {"state_storage", "state_unsubscribeStorage"},
	"state_subscribeRuntimeVersion": {"state_runtimeVersion", "state_unsubscribeRuntimeVersion"},
}

// Answerer answers requests from recordings: a *Book, or Books.
type Answerer interface {
	Answer(method string, params json.RawMessage) (json.RawMessage, error)
	Notifications(method string, params json.RawMessage) ([]json.RawMessage, error)
}

// Books answers from the first of several recordings that holds a request:
// one recording first, then others of the same chain for what it lacks.
type Books []*Book

// Answer returns the answer of the first book that recorded the request.
func (bs Books) Answer(method string, params json.RawMessage) (json.RawMessage, error) {
	return firstRecorded(bs, method, func(b *Book) (json.RawMessage, error) { return b.Answer(method, params) })
}

// Notifications returns the notifications of the first book that recorded
// the subscription.
func (bs Books) Notifications(method string, params json.RawMessage) ([]json.RawMessage, error) {
	return firstRecorded(bs, method, func(b *Book) ([]json.RawMessage, error) { return b.Notifications(method, params) })
}

// firstRecorded returns what ask gives for the first book that recorded
// method's request.
func firstRecorded[T any](bs Books, method string, ask func(*Book) (T, error)) (T, error) {
	var zero T
	err := fmt.Errorf("replay: %s: %w", method, ErrNotRecorded)
	for _, b := range bs {
		v, e := ask(b)
		if !errors.Is(e, ErrNotRecorded) {
			return v, e
		}
		err = e
	}
	return zero, err
}

// Handler serves recordings as a JSON-RPC node (see rpc.NewServer).
type Handler struct {
	Book Answerer
}

// ServeRPC answers one request from the recording. A request the recording
// cannot answer gets a JSON-RPC error (code -32601) naming it.
func (h Handler) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	res, err := h.Book.Answer(method, params)
	if errors.Is(err, ErrNotRecorded) {
		return nil, &rpc.Error{Code: rpc.CodeMethodNotFound, Message: err.Error()}
	}
	if err != nil {
		return nil, asRPCError(method, err)
	}
	return res, nil
}

// SubscriptionMethods reports the subscriptions a recording can serve.
func (h Handler) SubscriptionMethods(method string) (string, string, bool) {
	m, ok := subscriptions[method]
	return m[0], m[1], ok
}

// Subscribe serves the notifications the recording holds for the
// subscription, then keeps it open with no more.
func (h Handler) Subscribe(ctx context.Context, method string, params json.RawMessage) (rpc.SubscriptionFunc, error) {
	notes, err := h.Book.Notifications(method, params)
	if err != nil {
		return nil, &rpc.Error{Code: rpc.CodeMethodNotFound, Message: err.Error()}
	}
	return func(ctx context.Context, notify func(any) error) {
		for _, n := range notes {
			if notify(n) != nil {
				return
			}
		}
		<-ctx.Done()
	}, nil
}

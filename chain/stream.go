package chain

import (
	"context"
	"encoding/json"

	"github.com/btscript/btscript/chain/rpc"
)

// stream is the end of a subscription whose decoded notifications arrive
// on a channel (see follow). Its methods match rpc.Subscription's: C,
// Unsubscribe, Err and Done.
type stream[T any] struct {
	c    <-chan T
	sub  *rpc.Subscription
	done chan struct{}
	err  error // set before done closes
}

// C returns the channel of notifications. It is closed when the
// subscription ends (Unsubscribe, the context given to Subscribe… ending,
// the client closing, a failure); Err then says why.
func (s *stream[T]) C() <-chan T { return s.c }

// Done is closed when the subscription has ended and C is closed.
func (s *stream[T]) Done() <-chan struct{} { return s.done }

// Err returns nil while the subscription is active, then why it ended:
// rpc.ErrUnsubscribed after Unsubscribe, the context's error when the
// context given to Subscribe… ended, rpc.ErrClosed when the client
// closed, or the failure that ended it.
func (s *stream[T]) Err() error {
	select {
	case <-s.done:
	default:
		return nil
	}
	if s.err != nil {
		return s.err
	}
	return s.sub.Err()
}

// Unsubscribe ends the subscription and cancels it at the node. Calling
// it again does nothing.
func (s *stream[T]) Unsubscribe() error { return s.sub.Unsubscribe() }

// follow delivers the notifications of sub, decoded, on the channel it
// returns until Close or ctx ends, and closes it then. decode gives the
// value of one notification, or false to skip it; its error ends the
// subscription and is what s.Err then says.
func follow[T any](ctx context.Context, s *stream[T], sub *rpc.Subscription, decode func(json.RawMessage) (T, bool, error)) {
	ch := make(chan T)
	s.c, s.sub, s.done = ch, sub, make(chan struct{})
	go func() {
		// done first: whoever sees C closed finds Err set.
		defer close(ch)
		defer close(s.done)
		stop := func(err error) {
			s.err = err
			sub.Unsubscribe()
		}
		for {
			var raw json.RawMessage
			var ok bool
			select {
			case raw, ok = <-sub.C():
				if !ok {
					return
				}
			case <-ctx.Done():
				stop(context.Cause(ctx))
				return
			}
			v, send, err := decode(raw)
			if err != nil {
				stop(err)
				return
			}
			if !send {
				continue
			}
			select {
			case ch <- v:
			case <-ctx.Done():
				stop(context.Cause(ctx))
				return
			}
		}
	}()
}

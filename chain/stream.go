package chain

import (
	"context"
	"encoding/json"

	"github.com/btscript/btscript/chain/rpc"
)

// stream is the end of a subscription whose decoded notifications arrive
// on a channel (see follow).
type stream struct {
	sub *rpc.Subscription
	err error
}

// Err says why the subscription ended, once C is closed.
func (s *stream) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.sub.Err()
}

// Close ends the subscription.
func (s *stream) Close() error { return s.sub.Unsubscribe() }

// follow delivers the notifications of sub, decoded, on the channel it
// returns until Close or ctx ends, and closes it then. decode gives the
// value of one notification, or false to skip it; its error ends the
// subscription and is what s.Err then says.
func follow[T any](ctx context.Context, s *stream, sub *rpc.Subscription, decode func(json.RawMessage) (T, bool, error)) <-chan T {
	ch := make(chan T)
	s.sub = sub
	go func() {
		defer close(ch)
		for {
			var raw json.RawMessage
			var ok bool
			select {
			case raw, ok = <-sub.C():
				if !ok {
					return
				}
			case <-ctx.Done():
				sub.Unsubscribe()
				return
			}
			v, send, err := decode(raw)
			if err != nil {
				s.err = err
				sub.Unsubscribe()
				return
			}
			if !send {
				continue
			}
			select {
			case ch <- v:
			case <-ctx.Done():
				sub.Unsubscribe()
				return
			}
		}
	}()
	return ch
}

package rpc

import (
	"context"
	"encoding/json"
)

// Transport is what the chain layer programs against: the Client, or a
// recording or replay of one.
type Transport interface {
	// Call performs one JSON-RPC call and returns the raw result.
	Call(ctx context.Context, method string, params ...any) (json.RawMessage, error)
	// Subscribe opens a subscription; unsubscribe names the method that
	// cancels it. Implementations other than Client build the returned
	// value with NewSubscription.
	Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*Subscription, error)
	// Close releases the transport and ends its subscriptions.
	Close() error
}

var _ Transport = (*Client)(nil)

package rpctest

import (
	"context"
	"encoding/json"

	"github.com/btscript/btscript/chain/rpc"
)

// Func serves one method.
type Func func(ctx context.Context, params json.RawMessage) (any, error)

// Sub serves one subscription method.
type Sub struct {
	Notification string // method name of the notifications
	Unsubscribe  string // method that cancels the subscription
	// Run produces notifications until ctx is done.
	Run func(ctx context.Context, params json.RawMessage, notify func(result any) error)
}

// Handler is an in-memory rpc.Handler and rpc.Subscriber built from maps.
// Fill the maps before serving; they are only read afterwards.
type Handler struct {
	// Methods serves calls by method name.
	Methods map[string]Func
	// Subscriptions serves subscribe methods by name.
	Subscriptions map[string]Sub
}

var (
	_ rpc.Handler    = (*Handler)(nil)
	_ rpc.Subscriber = (*Handler)(nil)
)

// ServeRPC calls the method's Func, or answers CodeMethodNotFound.
func (h *Handler) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	f, ok := h.Methods[method]
	if !ok {
		return nil, &rpc.Error{Code: rpc.CodeMethodNotFound, Message: "Method not found: " + method}
	}
	return f(ctx, params)
}

// SubscriptionMethods reports the Sub registered for method.
func (h *Handler) SubscriptionMethods(method string) (string, string, bool) {
	s, ok := h.Subscriptions[method]
	return s.Notification, s.Unsubscribe, ok
}

// Subscribe returns the Sub's Run bound to params.
func (h *Handler) Subscribe(_ context.Context, method string, params json.RawMessage) (rpc.SubscriptionFunc, error) {
	s := h.Subscriptions[method]
	return func(ctx context.Context, notify func(any) error) { s.Run(ctx, params, notify) }, nil
}

// Echo is a Func returning its first param (null when none).
func Echo(_ context.Context, params json.RawMessage) (any, error) {
	var args []json.RawMessage
	if err := json.Unmarshal(params, &args); err != nil {
		return nil, &rpc.Error{Code: rpc.CodeInvalidParams, Message: err.Error()}
	}
	if len(args) == 0 {
		return nil, nil
	}
	return args[0], nil
}

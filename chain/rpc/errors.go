package rpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Package-level errors. Errors returned by the client wrap them, so test
// with errors.Is.
var (
	// ErrClosed is returned by every call on a Client after Close.
	ErrClosed = errors.New("rpc: client closed")

	// ErrConnectionLost reports that the websocket broke (read or write
	// failure, protocol violation, oversized frame without an id) while a
	// request was waiting for its response. Reads are retried before this
	// is returned; non-idempotent methods are not.
	ErrConnectionLost = errors.New("rpc: connection lost")

	// ErrProtocol reports a frame that is not JSON-RPC (for example not
	// JSON at all). The connection that carried it is reset.
	ErrProtocol = errors.New("rpc: protocol violation")

	// ErrMessageTooBig reports an incoming frame larger than
	// Config.MaxMessageSize. The wrapping error names the size and the limit.
	ErrMessageTooBig = errors.New("rpc: message too big")

	// ErrRateLimited reports that the node refused the websocket upgrade
	// with HTTP 429 Too Many Requests on every endpoint.
	ErrRateLimited = errors.New("rpc: rate limited")

	// ErrUnsubscribed is the Err of a Subscription ended by Unsubscribe.
	ErrUnsubscribed = errors.New("rpc: unsubscribed")

	// ErrSubscriptionClosed is the Err of a Subscription ended by the
	// implementation behind it without a more specific reason.
	ErrSubscriptionClosed = errors.New("rpc: subscription closed")
)

// Standard JSON-RPC 2.0 error codes, and the rate-limit code used by
// Substrate RPC providers.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
	// CodeRateLimited is returned by rate-limiting JSON-RPC gateways in
	// front of Substrate nodes; the client backs off and retries reads.
	CodeRateLimited = -32029
)

// maxErrorDataInMessage bounds how much of Error.Data is copied into
// Error(): node errors carry useful detail there (the runtime's failure
// reason), but a whole dump would drown the message.
const maxErrorDataInMessage = 256

// Error is a JSON-RPC error response. The client returns it (unwrapped, so
// a type assertion works as well as errors.As) when the node answered a
// call with an error object; a Handler returns it to choose the code.
type Error struct {
	// Code is the JSON-RPC error code (see the Code constants; Substrate
	// nodes add their own, such as 1010 for an invalid transaction).
	Code int `json:"code"`
	// Message is the node's short description.
	Message string `json:"message"`
	// Data is the optional detail, as sent (often a string with the
	// runtime's reason).
	Data json.RawMessage `json:"data,omitempty"`

	method string // the call it answered; empty on the server side
}

// Error names the method, the code and the message, and a bounded excerpt
// of Data when present.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("rpc ")
	if e.method != "" {
		b.WriteString(e.method)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "error %d: %s", e.Code, e.Message)
	if d := strings.TrimSpace(string(e.Data)); d != "" && d != "null" {
		if len(d) > maxErrorDataInMessage {
			d = d[:maxErrorDataInMessage] + "..."
		}
		b.WriteString(" (")
		b.WriteString(d)
		b.WriteString(")")
	}
	return b.String()
}

// Method returns the name of the call this error answered, or "" when
// unknown.
func (e *Error) Method() string { return e.method }

// RateLimited reports whether the error is a rate-limit refusal: code
// CodeRateLimited, or a message mentioning a rate limit or "too many".
func (e *Error) RateLimited() bool {
	if e.Code == CodeRateLimited {
		return true
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "rate limit") || strings.Contains(m, "too many")
}

// withMethod returns a copy of e naming method.
func (e *Error) withMethod(method string) *Error {
	c := *e
	c.method = method
	return &c
}

// Package rpc is a JSON-RPC 2.0 client over one multiplexed websocket:
// concurrent calls matched by id, an in-flight limit, idle close and
// transparent reopen, retries of reads after a lost connection, fallback
// endpoints and subscriptions.
//
// # Client
//
// New validates a Config and returns a Client without connecting; the
// first call dials the endpoints in order (primary first, then
// fallbacks). Any number of goroutines may call Call, CallResult,
// BatchCall and Subscribe at once; they share one connection, and at most
// Config.MaxInFlight calls are in flight, further callers waiting for a
// slot or for their context to end.
//
// Inside, one dispatch goroutine owns the connection state, the table of
// requests waiting for responses and the subscriptions; callers, the
// connection's single reader goroutine and its single writer goroutine
// talk to it over channels, so no lock guards those tables.
//
// # Failures
//
// Any read error, write error, non-JSON frame or oversized frame that
// cannot be attributed to one call tears the connection down: every call
// waiting on it fails with ErrConnectionLost, idempotent calls are
// retried (Config.Retries, exponential backoff with jitter), and the next
// call dials anew. A failure never outlives its connection, and every
// path out of a call (success, error, cancellation, timeout, lost
// connection, Close) frees its in-flight slot and its table entry.
//
// Retries also cover failed dials, HTTP 429 on the websocket upgrade
// (honouring Retry-After) and JSON-RPC rate-limit errors. Methods that
// change chain state (author_submitExtrinsic,
// author_submitAndWatchExtrinsic) are never retried once their request
// may have reached the node.
//
// A connection that delivers no frame, not even a pong, for
// Config.LivenessWindow is dead and torn down as above. A read whose reply
// has not come within the window is sent again alongside the first
// request (at most twice), and the first reply wins: a reply the node
// lost costs a window, not the call timeout. A call that reaches its
// deadline names its method, the endpoint and the time it waited.
//
// ArchiveFallback sends a read that a pruning node answered with
// "State already discarded" (see StateDiscarded) to an archive endpoint.
//
// Responses to ids nobody waits for (late answers to cancelled calls,
// stray frames) are logged and dropped. A JSON-RPC error response is
// returned as *Error; other errors are wrapped as "rpc <method>: ..."
// around this package's sentinel errors.
//
// # Subscriptions
//
// Subscribe returns a Subscription whose channel receives notification
// results. Its buffer is bounded: when the consumer falls behind, the
// oldest notification is dropped and counted (Subscription.Dropped), so a
// slow consumer never blocks the connection. After a reconnect, live
// subscriptions are renewed transparently and keep their Subscription.
// Client.Close ends them with ErrClosed. An active subscription keeps the
// connection from idling out.
//
// # Transport
//
// The chain layer programs against Transport, which Client implements; a
// recording or replay stands in for it by building its subscriptions with
// NewSubscription.
//
// # Server
//
// Server serves a Handler (and, optionally, a Subscriber) over websocket
// as an http.Handler, with concurrent request handling, batches and
// subscriptions. It backs the serve command and tests. Its memory is
// bounded whatever clients send: a request over MaxRequestSize is read to
// its end without being kept and answered with a JSON-RPC error, at most
// MaxInFlight requests across all connections are read or handled at
// once, and at most MaxLargeRequests of them over 64 KiB; past those
// limits the server stops reading (backpressure) rather than queue.
package rpc

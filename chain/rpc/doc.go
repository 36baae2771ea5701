// Package rpc is a JSON-RPC 2.0 client over one multiplexed websocket:
// concurrent calls matched by id, an in-flight limit, idle close and
// transparent reopen, retries of reads after a lost connection, fallback
// endpoints and subscriptions.
package rpc

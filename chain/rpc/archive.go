package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// StateDiscarded reports whether err is a node's answer that it no longer
// holds the state of the block asked about: a pruning node answers reads
// of old blocks with "State already discarded for 0x…" (for example code
// 4003, "Client error: Api called for an unknown Block: State already
// discarded for 0x…"). An archive node keeps every block's state.
func StateDiscarded(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return strings.Contains(strings.ToLower(e.Message), "state already discarded") ||
		strings.Contains(strings.ToLower(string(e.Data)), "state already discarded")
}

// ArchiveFallback is a Transport that sends every call to Primary and
// retries a call that failed because Primary pruned the state it asked
// about (see StateDiscarded) on Archive. Subscriptions go to Primary only.
type ArchiveFallback struct {
	Primary Transport
	Archive Transport
	// Logger receives one Info line per call retried on the archive
	// endpoint, naming the method. Nil logs nothing.
	Logger *slog.Logger
	// ArchiveName names the archive endpoint in logs and errors.
	ArchiveName string
}

// Call calls Primary, then Archive when Primary's state was discarded.
func (a *ArchiveFallback) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	res, err := a.Primary.Call(ctx, method, params...)
	if err == nil || !StateDiscarded(err) || nonIdempotent[method] {
		return res, err
	}
	if a.Logger != nil {
		a.Logger.Info("rpc: state discarded by the node; retrying on the archive endpoint", "method", method, "archive", redact(a.ArchiveName))
	}
	res, aerr := a.Archive.Call(ctx, method, params...)
	if aerr != nil {
		return nil, fmt.Errorf("%w; on the archive endpoint %s: %w", err, redact(a.ArchiveName), aerr)
	}
	return res, nil
}

// Subscribe subscribes on Primary.
func (a *ArchiveFallback) Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*Subscription, error) {
	return a.Primary.Subscribe(ctx, method, unsubscribe, params...)
}

// Close closes both transports.
func (a *ArchiveFallback) Close() error {
	return errors.Join(a.Primary.Close(), a.Archive.Close())
}

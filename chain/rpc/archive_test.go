package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
)

// discardedText is how a pruning subtensor node answers a read of a block
// whose state it dropped (recorded from finney, in recorded-rpc.json).
const discardedText = "Client error: Api called for an unknown Block: State already discarded for "

const oldBlock = "0x6c0da8a9dd5994d374d43210dc401f000b2fe02541bc2e7cd54719655d751a18"

// prunedHandler answers reads at oldBlock with the pruned node's error and
// everything else with "recent".
func prunedHandler() *rpctest.Handler {
	at := func(_ context.Context, params json.RawMessage) (any, error) {
		if strings.Contains(string(params), oldBlock) {
			return nil, &rpc.Error{Code: 4003, Message: discardedText + oldBlock}
		}
		return "recent", nil
	}
	return &rpctest.Handler{Methods: map[string]rpctest.Func{"state_getStorage": at, "author_submitExtrinsic": at}}
}

func archiveHandler() *rpctest.Handler {
	return &rpctest.Handler{Methods: map[string]rpctest.Func{
		"state_getStorage": func(context.Context, json.RawMessage) (any, error) { return "from archive", nil },
	}}
}

func TestArchiveFallback(t *testing.T) {
	pruned := rpctest.New(prunedHandler(), rpctest.Options{})
	defer pruned.Close()
	archive := rpctest.New(archiveHandler(), rpctest.Options{})
	defer archive.Close()
	var log strings.Builder
	fb := &rpc.ArchiveFallback{
		Primary:     newClient(t, rpc.Config{Endpoints: []string{pruned.URL()}}),
		Archive:     newClient(t, rpc.Config{Endpoints: []string{archive.URL()}}),
		ArchiveName: archive.URL(),
		Logger:      newTextLogger(&log),
	}
	ctx := ctxFor(t)

	raw, err := fb.Call(ctx, "state_getStorage", "0x01", oldBlock)
	if err != nil || string(raw) != `"from archive"` {
		t.Fatalf("old block: %s, %v", raw, err)
	}
	if !strings.Contains(log.String(), "method=state_getStorage") || !strings.Contains(log.String(), archive.URL()) {
		t.Errorf("log: %q", log.String())
	}
	raw, err = fb.Call(ctx, "state_getStorage", "0x01", nil)
	if err != nil || string(raw) != `"recent"` {
		t.Fatalf("recent block: %s, %v", raw, err)
	}
	if n := archive.Stats().Requests; n != 1 {
		t.Errorf("archive served %d requests, want only the old read", n)
	}
	// A submission is never sent twice, not even to the archive.
	_, err = fb.Call(ctx, "author_submitExtrinsic", oldBlock)
	if !rpc.StateDiscarded(err) || archive.Stats().Requests != 1 {
		t.Errorf("submission: %v, archive requests %d", err, archive.Stats().Requests)
	}
	// Both failing: both errors are named.
	archive.Close()
	_, err = fb.Call(ctx, "state_getStorage", "0x01", oldBlock)
	var re *rpc.Error
	if !errors.As(err, &re) || re.Code != 4003 || !strings.Contains(err.Error(), "on the archive endpoint "+archive.URL()) {
		t.Errorf("both failing: %v", err)
	}
}

func TestStateDiscarded(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&rpc.Error{Code: 4003, Message: discardedText + oldBlock}, true},
		{&rpc.Error{Code: -32000, Message: "UnknownBlock: State already discarded for " + oldBlock}, true},
		{&rpc.Error{Code: 4003, Message: "Client error", Data: json.RawMessage(`"State already discarded for 0x12"`)}, true},
		{&rpc.Error{Code: 4003, Message: "Client error: Execution failed"}, false},
		{errors.New("State already discarded, but not from a node"), false},
		{nil, false},
	} {
		if got := rpc.StateDiscarded(tt.err); got != tt.want {
			t.Errorf("StateDiscarded(%v) = %v", tt.err, got)
		}
	}
}

// newTextLogger logs to w as text, safe for the test's single writer.
func newTextLogger(w *strings.Builder) *slog.Logger {
	var mu sync.Mutex
	return slog.New(slog.NewTextHandler(lockedWriter{w, &mu}, nil))
}

type lockedWriter struct {
	w  *strings.Builder
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestRedact(t *testing.T) {
	if got := rpc.Redact("wss://user:secret@node.example:443/ws?apikey=secret"); strings.Contains(got, "secret") || got != "wss://node.example:443/ws?REDACTED" {
		t.Errorf("Redact: %s", got)
	}
}

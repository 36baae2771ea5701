package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
)

// prunedNode serves a recording like a pruning node: a request naming
// block old gets the error finney's nodes give for discarded state.
type prunedNode struct {
	book *record.Book
	old  string
}

func (p prunedNode) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	if strings.Contains(strings.ToLower(string(params)), p.old) {
		return nil, &rpc.Error{Code: 4003, Message: "Client error: Api called for an unknown Block: State already discarded for " + p.old}
	}
	return record.Handler{Book: p.book}.ServeRPC(ctx, method, params)
}

// A run pinned to a block the node pruned reads it through the archive
// endpoint, says so with -v, and fails with the node's error when the
// fallback is off.
func TestArchiveFallbackThroughCLI(t *testing.T) {
	load := func() *record.Book {
		b, err := record.Load(testdata.Path(t, testdata.RecordedRPC), "subnetwork_n", testdata.Path(t, ""))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	book := load()
	head, err := book.Answer("chain_getHead", json.RawMessage("[]"))
	if err != nil {
		t.Fatal(err)
	}
	var old string
	if err := json.Unmarshal(head, &old); err != nil {
		t.Fatal(err)
	}
	pruned := rpctest.New(prunedNode{book: book, old: old}, rpctest.Options{})
	defer pruned.Close()
	archive := rpctest.New(record.Handler{Book: load()}, rpctest.Options{})
	defer archive.Close()

	r := bts(t, "eval", "bt.subnetwork_n(1)", "--network", pruned.URL(), "--archive", archive.URL(), "--block", old, "-v")
	if r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("through the archive: %+v", r)
	}
	if !strings.Contains(r.stderr, "retrying on the archive endpoint") || !strings.Contains(r.stderr, "archive endpoint for pruned state: "+archive.URL()) {
		t.Errorf("-v does not show the fallback:\n%s", r.stderr)
	}
	if pruned.Stats().Requests == 0 || archive.Stats().Requests == 0 {
		t.Errorf("pruned %+v, archive %+v", pruned.Stats(), archive.Stats())
	}

	before := archive.Stats().Requests
	r = bts(t, "eval", "--network", pruned.URL(), "--archive", "off", "--block", old, "bt.subnetwork_n(1)")
	if r.code != exitScript || !strings.Contains(r.stderr, "State already discarded for "+old) {
		t.Fatalf("--archive off: %+v", r)
	}
	checkOneLine(t, r.stderr)
	// A network other than finney has no archive unless one is given.
	r = bts(t, "eval", "--network", pruned.URL(), "--block", old, "bt.subnetwork_n(1)")
	if r.code != exitScript || archive.Stats().Requests != before {
		t.Fatalf("no --archive: %+v (archive requests %d, were %d)", r, archive.Stats().Requests, before)
	}
}

func TestDefaultArchive(t *testing.T) {
	for _, tt := range []struct{ network, archive, want string }{
		{"finney", "", "archive"},
		{"", "", "archive"},
		{"wss://entrypoint-finney.opentensor.ai:443", "", "archive"},
		{"finney", "off", ""},
		{"test", "", ""},
		{"ws://127.0.0.1:9944", "", ""},
		{"test", "ws://127.0.0.1:1", "ws://127.0.0.1:1"},
	} {
		if got := defaultArchive(tt.network, tt.archive); got != tt.want {
			t.Errorf("defaultArchive(%q, %q) = %q, want %q", tt.network, tt.archive, got, tt.want)
		}
	}
}

// A node that loses the reply of the run's first request (answering with
// a wrong id instead) costs the run one liveness window, not the 60 s call
// timeout, with the defaults the command uses; -v names the resend.
func TestLostReplyCostsOneLivenessWindow(t *testing.T) {
	b, err := record.Load(testdata.Path(t, testdata.RecordedRPC), "subnetwork_n", testdata.Path(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	node := rpctest.New(record.Handler{Book: b}, rpctest.Options{SwallowFirst: 1})
	defer node.Close()
	start := time.Now()
	// A node on this machine gets a long window by default (see
	// rpc.DefaultLoopbackLivenessWindow): --liveness gives the remote one.
	window := rpc.DefaultLivenessWindow
	r := bts(t, "eval", "bt.subnetwork_n(1)", "--network", node.URL(), "--liveness", window.String(), "-v")
	took := time.Since(start)
	if r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("%+v", r)
	}
	if took < window || took > 3*window {
		t.Errorf("took %v, want about one liveness window (%v)", took, window)
	}
	if !strings.Contains(r.stderr, "no reply within the liveness window; sending the request again") || !strings.Contains(r.stderr, "method=chain_getHead") {
		t.Errorf("-v does not name the resend:\n%s", r.stderr)
	}
}

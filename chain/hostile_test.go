package chain_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
)

// lying answers some methods with what a broken or hostile node might send,
// and everything else from the recorded finney test subnetwork_n.
type lying struct {
	book    *record.Book
	answers map[string]any
}

func (l lying) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	a, ok := l.answers[method]
	if !ok && method == "state_call" {
		var ps []string
		json.Unmarshal(params, &ps)
		if len(ps) > 0 {
			a, ok = l.answers["state_call "+ps[0]]
		}
	}
	if e, isErr := a.(*rpc.Error); isErr {
		return nil, e
	}
	if ok {
		return a, nil
	}
	return record.Handler{Book: l.book}.ServeRPC(ctx, method, params)
}

// subnetworkNBook is the recorded finney test subnetwork_n, which lying
// serves for what it does not lie about.
func subnetworkNBook(t *testing.T) *record.Book {
	t.Helper()
	book, err := record.Load(testdata.Path(t, testdata.RecordedRPC), "subnetwork_n", testdata.Path(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	return book
}

// storageAnswer answers every storage read, single or batched, with v.
func storageAnswer(v string) map[string]any {
	return map[string]any{
		"state_getStorage":     v,
		"state_queryStorageAt": []any{map[string]any{"block": nil, "changes": []any{}}},
	}
}

func TestBrokenNodeAnswersAreClearErrors(t *testing.T) {
	book := subnetworkNBook(t)
	tests := []struct {
		name      string
		answers   map[string]any
		want      string
		batchOnly bool // only the multi-read meets the broken answer
	}{
		{"head not a hash", map[string]any{"chain_getHead": "0x1234"}, "not a 32-byte 0x-hex block hash", false},
		{"head not a string", map[string]any{"chain_getHead": 42}, "unexpected answer 42", false},
		{"empty runtime version", map[string]any{"state_getRuntimeVersion": map[string]any{}}, "empty runtime version", false},
		{"metadata not hex", map[string]any{"state_call Metadata_metadata_at_version": "0xzz"}, "bad hex", false},
		{"metadata garbage", map[string]any{"state_call Metadata_metadata_at_version": "0x01106d657461"}, "metadata", false},
		{"storage value not hex", storageAnswer("nothex"), "bad hex", false},
		{"storage value too short", storageAnswer("0x01"), "SubnetworkN", false},
		{"storage value too long", storageAnswer("0x00040000"), "left over", false},
		{"batch answer wrong shape", map[string]any{"state_getStorage": "0x0004", "state_queryStorageAt": map[string]any{"x": 1}}, "state_queryStorageAt: unexpected answer {\"x\":1}: not a list of {block, changes} sets", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := rpctest.New(lying{book: book, answers: tt.answers}, rpctest.Options{})
			defer srv.Close()
			tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}, Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			c := chain.New(tr, chain.Options{NoDiskCache: true})
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// A single read, and a multi-read, which always asks
			// state_queryStorageAt.
			_, single := c.Query(ctx, "", "SubtensorModule", "SubnetworkN", 1)
			_, multi := c.QueryMulti(ctx, "", []chain.StorageKey{
				{Pallet: "SubtensorModule", Item: "SubnetworkN", Keys: []any{1}},
				{Pallet: "SubtensorModule", Item: "NetworksAdded", Keys: []any{1}},
			})
			if ctx.Err() != nil {
				t.Fatal("a query hung until its deadline")
			}
			errs := []error{multi}
			if !tt.batchOnly {
				errs = append(errs, single)
			}
			for _, err := range errs {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.want)
				}
			}
		})
	}
}

// A runtime without metadata V15 answers None, or an error for the unknown
// runtime API: the client then reads V14 with state_getMetadata.
func TestMetadataFallsBackToV14(t *testing.T) {
	book := subnetworkNBook(t)
	tests := []struct {
		name   string
		answer any
	}{
		{"None", "0x00"},
		{"unknown runtime API", &rpc.Error{Code: -32000, Message: "Exported method Metadata_metadata_at_version is not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := rpctest.New(lying{book: book, answers: map[string]any{"state_call Metadata_metadata_at_version": tt.answer}}, rpctest.Options{})
			defer srv.Close()
			c, calls := chaintest.Dial(t, srv.URL(), chain.Options{NoDiskCache: true})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			md, err := c.Metadata(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if md.Version != 14 || calls.Count("state_getMetadata") != 1 {
				t.Fatalf("metadata V%d after %d state_getMetadata calls, want V14 after 1", md.Version, calls.Count("state_getMetadata"))
			}
			v, err := c.Query(ctx, "", "SubtensorModule", "SubnetworkN", 1)
			if u, _ := v.Uint(); err != nil || u != 1024 {
				t.Fatalf("SubnetworkN(1) = %v, %v", v, err)
			}
		})
	}
}

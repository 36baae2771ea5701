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
	if a, ok := l.answers[method]; ok {
		return a, nil
	}
	if method == "state_call" {
		var ps []string
		json.Unmarshal(params, &ps)
		if len(ps) > 0 {
			if a, ok := l.answers["state_call "+ps[0]]; ok {
				return a, nil
			}
		}
	}
	return record.Handler{Book: l.book}.ServeRPC(ctx, method, params)
}

func TestBrokenNodeAnswersAreClearErrors(t *testing.T) {
	path := testdata.Path(t, testdata.RecordedRPC)
	book, err := record.Load(path, "subnetwork_n", testdata.Path(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		answers map[string]any
		want    string
	}{
		{"head not a hash", map[string]any{"chain_getHead": "0x1234"}, "not a 32-byte 0x-hex block hash"},
		{"head not a string", map[string]any{"chain_getHead": 42}, "unexpected answer 42"},
		{"empty runtime version", map[string]any{"state_getRuntimeVersion": map[string]any{}}, "empty runtime version"},
		{"metadata not hex", map[string]any{"state_call Metadata_metadata_at_version": "0xzz"}, "bad hex"},
		{"metadata garbage", map[string]any{"state_call Metadata_metadata_at_version": "0x01106d657461"}, "metadata"},
		{"storage value not hex", map[string]any{"state_getStorage": "nothex"}, "bad hex"},
		{"storage value too short", map[string]any{"state_getStorage": "0x01"}, "SubnetworkN"},
		{"storage value too long", map[string]any{"state_getStorage": "0x00040000"}, "left over"},
		{"batch answer wrong shape", map[string]any{"state_getStorage": nil, "state_queryStorageAt": map[string]any{"x": 1}}, "state_queryStorageAt: unexpected answer {\"x\":1}: not a list of {block, changes} sets"},
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
			// Two reads at once, so that a batched read is asked too.
			errs := make(chan error, 2)
			for _, netuid := range []int{1, 2} {
				go func() {
					_, err := c.Query(ctx, "", "SubtensorModule", "SubnetworkN", netuid)
					errs <- err
				}()
			}
			for range 2 {
				err := <-errs
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.want)
				}
				if ctx.Err() != nil {
					t.Fatal("the query hung until its deadline")
				}
			}
		})
	}
}

package chaintest

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/btscript/btscript/scale"
)

// storageNode serves the recorded finney test get_balance, answering every
// storage key under prefix with one value.
type storageNode struct {
	book   *record.Book
	prefix string
	value  json.RawMessage
}

func (n storageNode) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	if method == "state_queryStorageAt" {
		var ps []json.RawMessage
		var keys []string
		if json.Unmarshal(params, &ps) == nil && len(ps) > 0 && json.Unmarshal(ps[0], &keys) == nil {
			changes := make([][2]any, len(keys))
			for i, k := range keys {
				if !strings.HasPrefix(k, n.prefix) {
					return nil, &rpc.Error{Code: -32602, Message: "not a key under " + n.prefix + ": " + k}
				}
				changes[i] = [2]any{k, n.value}
			}
			return []any{map[string]any{"block": ps[len(ps)-1], "changes": changes}}, nil
		}
	}
	if method == "state_getStorage" {
		var ps []string
		if json.Unmarshal(params, &ps) == nil && len(ps) > 0 && strings.HasPrefix(ps[0], n.prefix) {
			return n.value, nil
		}
	}
	return record.Handler{Book: n.book}.ServeRPC(ctx, method, params)
}

// AccountsServer serves, on 127.0.0.1 with the given latency each way,
// the recorded finney test get_balance, answering System.Account of any
// account with the one account value recorded there: a node for reading
// many accounts at one block.
func AccountsServer(t testing.TB, latency time.Duration) *rpctest.Server {
	srv := rpctest.New(AccountsNode(t), rpctest.Options{Latency: latency})
	t.Cleanup(srv.Close)
	return srv
}

// AccountsNode is the handler of AccountsServer, for a test to wrap.
func AccountsNode(t testing.TB) rpc.Handler {
	var value string
	json.Unmarshal(testdata.Recorded(t).Result(t, "get_balance", "state_getStorageAt",
		`["0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da911b12ddffa80cb6f18baa803af02c1d71257de87a71abb164403f7cb9ea65d0721f8bb89d8bd85754deceedd91e86053", "0x1b3f85dc8c83cada6d1782c955973a509a37c62af3d6ba29f5fd816aee37eb3b"]`), &value)
	return storageHandler(t, "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9", value)
}

// StorageServer serves, on 127.0.0.1 with the given latency each way, the
// recorded finney test get_balance, answering every storage key that starts
// with prefix (hex, with 0x) with value (hex, with 0x).
func StorageServer(t testing.TB, latency time.Duration, prefix, value string) *rpctest.Server {
	srv := rpctest.New(storageHandler(t, prefix, value), rpctest.Options{Latency: latency})
	t.Cleanup(srv.Close)
	return srv
}

func storageHandler(t testing.TB, prefix, value string) storageNode {
	path := testdata.Path(t, testdata.RecordedRPC)
	book, err := record.Load(path, "get_balance", filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(value)
	return storageNode{book: book, prefix: prefix, value: raw}
}

// Accounts returns n distinct SS58 addresses.
func Accounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		pub := make([]byte, 32)
		binary.BigEndian.PutUint64(pub[24:], uint64(i+1))
		out[i] = scale.SS58Encode(pub, 42)
	}
	return out
}

// Package chaintest holds what the tests of the chain layers share: a
// transport that notes the calls made through it, and a node serving the
// recorded finney data.
package chaintest

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
)

// Calls is a transport that notes every call made through it.
type Calls struct {
	rpc.Transport
	mu     sync.Mutex
	counts map[string]int
	params map[string][]any
}

// Call notes the call, then makes it. A state_call is also counted under
// "state_call NAME", and its params are kept by NAME.
func (c *Calls) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string]int{}
		c.params = map[string][]any{}
	}
	c.counts[method]++
	if method == "state_call" && len(params) > 0 {
		name := fmt.Sprint(params[0])
		c.counts["state_call "+name]++
		c.params[name] = params
	}
	c.mu.Unlock()
	return c.Transport.Call(ctx, method, params...)
}

// Subscribe notes the subscription under its method, then opens it.
func (c *Calls) Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*rpc.Subscription, error) {
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string]int{}
		c.params = map[string][]any{}
	}
	c.counts[method]++
	c.mu.Unlock()
	return c.Transport.Subscribe(ctx, method, unsubscribe, params...)
}

// Count returns how many calls of method were made.
func (c *Calls) Count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[method]
}

// StateCall returns the params of the latest state_call of runtime API
// method name ("Api_method"), or nil.
func (c *Calls) StateCall(name string) []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.params[name]
}

// Recorded serves recorded tests of the bittensor SDK's finney recordings
// (the first that holds a request answers it) as a node on 127.0.0.1, and
// returns a client over it, the calls it makes, and the server. Without a
// CacheDir in opts the client gets its own metadata cache folder.
func Recorded(t testing.TB, sopts rpctest.Options, opts chain.Options, tests ...string) (*chain.Client, *Calls, *rpctest.Server) {
	t.Helper()
	path := testdata.Path(t, testdata.RecordedRPC)
	var bs record.Books
	for _, name := range tests {
		b, err := record.Load(path, name, filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	srv := rpctest.New(record.Handler{Book: bs}, sopts)
	t.Cleanup(srv.Close)
	c, calls := Dial(t, srv.URL(), opts)
	return c, calls, srv
}

// Dial returns a client of the node at url, closed when the test ends, and
// the calls it makes. Without a CacheDir in opts the client gets its own
// metadata cache folder.
func Dial(t testing.TB, url string, opts chain.Options) (*chain.Client, *Calls) {
	t.Helper()
	tr, err := rpc.New(rpc.Config{Endpoints: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	calls := &Calls{Transport: tr}
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	c := chain.New(calls, opts)
	t.Cleanup(func() { c.Close() })
	return c, calls
}

package chain_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
)

// deadURL returns a ws:// URL on a loopback port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "ws://" + addr
}

// TestDialConnects: Dial returns once the node has answered, and a dead
// endpoint is its error, within the dial timeout; DialLazy does not
// connect.
func TestDialConnects(t *testing.T) {
	path := testdata.Path(t, testdata.RecordedRPC)
	book, err := record.Load(path, "get_balance", filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	srv := rpctest.New(record.Handler{Book: book}, rpctest.Options{})
	defer srv.Close()
	ctx := ctxT(t)
	c, err := chain.Dial(ctx, srv.URL(), nil, rpc.Config{}, chain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().ByMethod["chain_getBlockHash"]; n != 1 {
		t.Errorf("%d chain_getBlockHash requests after Dial, want 1 (the genesis hash)", n)
	}
	c.Close()

	dead := deadURL(t)
	cfg := rpc.Config{DialTimeout: 2 * time.Second, Retries: 1}
	begin := time.Now()
	_, err = chain.Dial(ctx, dead, nil, cfg, chain.Options{})
	if err == nil || !strings.Contains(err.Error(), "dial "+dead) {
		t.Fatalf("dead port: %v", err)
	}
	// A refused connection fails at once; the bound is the dial timeout
	// times the attempts, plus the backoff between them.
	if took := time.Since(begin); took > 10*time.Second {
		t.Errorf("dead port took %s", took)
	} else {
		t.Logf("a dead port is Dial's error after %s (DialTimeout 2s, 1 retry)", took)
	}
	// With the default configuration (5 retries with backoff).
	begin = time.Now()
	if _, err = chain.Dial(ctx, dead, nil, rpc.Config{}, chain.Options{}); err == nil {
		t.Fatal("dead port: no error")
	}
	t.Logf("with the default rpc.Config: after %s", time.Since(begin))
	// The caller's context bounds it too.
	short, cancel := context.WithCancel(ctx)
	cancel()
	if _, err = chain.Dial(short, srv.URL(), nil, rpc.Config{}, chain.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("expired context: %v", err)
	}

	lazy, err := chain.DialLazy(dead, nil, cfg, chain.Options{})
	if err != nil {
		t.Fatalf("DialLazy of a dead port: %v", err)
	}
	defer lazy.Close()
	if _, err := lazy.Head(ctx); err == nil {
		t.Error("a request to a dead port succeeded")
	}
	if _, err := chain.Dial(ctx, "no-such-network", nil, rpc.Config{}, chain.Options{}); err == nil {
		t.Error("unknown network: no error")
	}
}

// TestDiskCacheIsOptIn: a client writes metadata to disk only into the
// CacheDir it was given, and not with NoDiskCache.
func TestDiskCacheIsOptIn(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	path := testdata.Path(t, testdata.RecordedRPC)
	book, err := record.Load(path, "get_balance", filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	read := func(opts chain.Options) {
		t.Helper()
		c := chain.New(withGenesis{record.NewReplayer(book)}, opts)
		defer c.Close()
		if _, err := c.Metadata(ctxT(t), ""); err != nil {
			t.Fatal(err)
		}
		// Wait for the metadata file, if any, to be written.
		if _, err := c.GenesisHash(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	files := func(dir string) int {
		n := 0
		filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	read(chain.Options{})
	if n := files(home); n != 0 {
		t.Errorf("a client without CacheDir wrote %d files under the home folder", n)
	}
	dir := t.TempDir()
	read(chain.Options{CacheDir: dir, NoDiskCache: true})
	if n := files(dir); n != 0 {
		t.Errorf("NoDiskCache: %d files written", n)
	}
	read(chain.Options{CacheDir: dir})
	if n := files(dir); n != 1 {
		t.Errorf("CacheDir: %d files written, want 1", n)
	}
	def, err := chain.DefaultCacheDir()
	if err != nil || def != filepath.Join(home, "cache", "btscript", "metadata") {
		t.Errorf("DefaultCacheDir = %q, %v", def, err)
	}
}

// TestNoTransport: a client without a transport fails its calls naming
// why, and closes.
func TestNoTransport(t *testing.T) {
	c := chain.New(nil, chain.Options{})
	if _, err := c.Head(context.Background()); !errors.Is(err, chain.ErrNoTransport) {
		t.Errorf("Head: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// finneyGenesis is the hash of finney's block 0, which the SDK's
// recordings do not hold; the disk cache names its files by it.
const finneyGenesis = "0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03"

// withGenesis answers chain_getBlockHash(0) with finney's genesis hash
// and passes every other request on.
type withGenesis struct{ rpc.Transport }

func (w withGenesis) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if method == "chain_getBlockHash" && len(params) == 1 && fmt.Sprint(params[0]) == "0" {
		return json.RawMessage(`"` + finneyGenesis + `"`), nil
	}
	return w.Transport.Call(ctx, method, params...)
}

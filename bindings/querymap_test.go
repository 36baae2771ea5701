package bindings_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
)

// pagedBonds serves the recorded bonds test (19 entries of Bonds(23, *))
// to a client reading 2 keys a page.
func pagedBonds(t *testing.T, opts bindings.Options) *env {
	t.Helper()
	path := testdata.Path(t, testdata.RecordedRPC)
	b, err := record.Load(path, "bonds", filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	srv := rpctest.New(record.Handler{Book: b}, rpctest.Options{})
	t.Cleanup(srv.Close)
	tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	c := chain.New(tr, chain.Options{CacheDir: t.TempDir(), PageSize: 2})
	t.Cleanup(func() { c.Close() })
	en := newEngine(t, c, opts)
	en.srv = srv
	return en
}

func TestQueryMapIterates(t *testing.T) {
	var mu sync.Mutex
	var progress []int
	en := pagedBonds(t, bindings.Options{Progress: func(pallet, item string, done int) {
		mu.Lock()
		defer mu.Unlock()
		if pallet == "SubtensorModule" && item == "Bonds" {
			progress = append(progress, done)
		}
	}})
	got := en.eval(t, `
		local n, uids = 0, {}
		for keys, value in chain.query_map("SubtensorModule", "Bonds", 23) do
			n = n + 1
			assert(keys[1] == 23, "storage index key")
			uids[#uids + 1] = keys[2]
			assert(type(value) == "table" and #value == 0)
		end
		return n, uids[1], uids[19]`)
	if got != "19 0 18" {
		t.Fatalf("got %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(progress) != 10 || progress[9] != 19 {
		t.Fatalf("progress calls %v, want 10 pages ending at 19", progress)
	}
}

// Leaving the loop early stops the walk: the pages after the read-ahead
// are never fetched.
func TestQueryMapBreakStopsWalk(t *testing.T) {
	en := pagedBonds(t, bindings.Options{MapBuffer: 1})
	got := en.eval(t, `
		for keys, value in chain.query_map("SubtensorModule", "Bonds", 23) do
			return keys[2]
		end`)
	if got != "0" {
		t.Fatalf("got %s", got)
	}
	time.Sleep(200 * time.Millisecond)
	if n := en.srv.Stats().ByMethod["state_getKeysPaged"]; n > 3 {
		t.Fatalf("a loop left after one entry fetched %d pages of keys (of 10)", n)
	}
}

// The iterator works from gather branches and inside pcall.
func TestQueryMapInGatherAndPcall(t *testing.T) {
	en := pagedBonds(t, bindings.Options{})
	got := en.eval(t, `
		local function count()
			local n = 0
			for _ in chain.query_map("SubtensorModule", "Bonds", 23) do n = n + 1 end
			return n
		end
		local a, b = gather(count, count)
		local ok, c = pcall(count)
		return a, b, ok, c`)
	if got != "19 19 true 19" {
		t.Fatalf("got %s", got)
	}
}

// Options.Calls hears of each chain and bt call as it starts and as it
// returns, named by what it asks for; the map walk's iterator is not a
// call of its own.
func TestCallsAreReported(t *testing.T) {
	var mu sync.Mutex
	var events []string
	en := pagedBonds(t, bindings.Options{Calls: func(what string) func() {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, "start "+what)
		return func() {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, "end "+what)
		}
	}})
	got := en.eval(t, `
		local n = 0
		for keys in chain.query_map("SubtensorModule", "Bonds", 23) do n = n + 1 end
		return n, pcall(chain.query, 1)`)
	if !strings.HasPrefix(got, "19 false") {
		t.Fatalf("got %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"start chain.query_map SubtensorModule.Bonds", "end chain.query_map SubtensorModule.Bonds",
		"start chain.query", "end chain.query",
	}
	if fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("calls reported:\n%q\nwant\n%q", events, want)
	}
}

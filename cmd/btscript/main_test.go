package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/devnet"
	"github.com/btscript/btscript/internal/testdata"
)

// asMainEnv makes the test binary behave as the btscript command, so that
// tests can run it as a child process (signals, a terminal) without
// building it.
const asMainEnv = "BTSCRIPT_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		capAddressSpace()
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// In-process runs see no BTSCRIPT_* settings of the person running the
	// tests, only the chain data folder.
	cache, err := os.MkdirTemp("", "btscript-cache-")
	if err != nil {
		panic(err)
	}
	getenv = func(key string) string {
		switch key {
		case testdata.EnvVar:
			return os.Getenv(key)
		case "BTSCRIPT_CACHE_DIR":
			return cache
		}
		return ""
	}
	code := m.Run()
	os.RemoveAll(cache)
	stopSharedNode()
	os.Exit(code)
}

// result is what one btscript invocation did.
type result struct {
	code           int
	stdout, stderr string
}

// bts runs the command in-process.
func bts(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// child returns the command as a child process of the test binary.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1", "BTSCRIPT_CACHE_DIR="+getenv("BTSCRIPT_CACHE_DIR"),
		"BTSCRIPT_HISTORY="+filepath.Join(t.TempDir(), "history"))
	return cmd
}

// checkOneLine fails unless stderr is exactly one line starting with
// "btscript" and holding no Go panic or stack trace.
func checkOneLine(t *testing.T, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "btscript") {
		t.Errorf("stderr is not one btscript line:\n%s", stderr)
	}
	for _, bad := range []string{"panic", "goroutine ", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr holds %q:\n%s", bad, stderr)
		}
	}
}

// Well-known development accounts used as planted hotkeys and coldkeys.
const (
	alice   = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	bob     = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
	charlie = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"
	dave    = "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy"
)

// planted is the state the devnet tests read: subnets 2 and 3, two neurons
// on subnet 2 with stake and per-uid vectors, a delegate, and balances, one
// of them above 2^53.
var planted = map[string]any{
	"SubtensorModule": map[string]any{
		"NetworksAdded":    [][]any{{[]any{2}, true}, {[]any{3}, true}},
		"Tempo":            [][]any{{[]any{2}, 360}, {[]any{3}, 99}},
		"SubnetworkN":      [][]any{{[]any{2}, 2}},
		"Burn":             [][]any{{[]any{2}, "12345678901234567"}, {[]any{3}, 1000000000}},
		"Kappa":            [][]any{{[]any{2}, 1234}},
		"Keys":             [][]any{{[]any{2, 0}, alice}, {[]any{2, 1}, bob}},
		"Uids":             [][]any{{[]any{2, alice}, 0}, {[]any{2, bob}, 1}},
		"IsNetworkMember":  [][]any{{[]any{alice, 2}, true}, {[]any{bob, 2}, true}},
		"Owner":            [][]any{{[]any{alice}, charlie}, {[]any{bob}, dave}},
		"Delegates":        [][]any{{[]any{alice}, 11796}},
		"TotalHotkeyAlpha": [][]any{{[]any{alice, 2}, "9007199254740993"}, {[]any{bob, 2}, 5000}},
		"Rank":             [][]any{{[]any{2}, []any{100, 200}}},
		"Incentive":        [][]any{{[]any{2}, []any{300, 400}}},
		"Active":           [][]any{{[]any{2}, []any{true, false}}},
		"ValidatorPermit":  [][]any{{[]any{2}, []any{true, false}}},
	},
	"System": map[string]any{
		"Account": [][]any{
			{[]any{alice}, map[string]any{"providers": 1, "data": map[string]any{"free": "12345678901234567"}}},
			{[]any{bob}, map[string]any{"providers": 1, "data": map[string]any{"free": "1000000000"}}},
		},
	},
}

var (
	nodeOnce sync.Once
	node     *devnet.Node
	nodeErr  error
	nodeMu   sync.Mutex // serialises tests that build blocks
)

// sharedNode returns the devnet shared by this package's tests, started on
// first use with the planted state and stopped when the tests end. It
// skips the test when the chain data folder is not configured.
func sharedNode(t *testing.T) *devnet.Node {
	t.Helper()
	spec := testdata.Path(t, testdata.RaonetSpec)
	nodeOnce.Do(func() {
		opts := devnet.Options{Spec: spec, BuildBlockMode: "Manual"}
		if os.Getenv("BTSCRIPT_DEVNET_LOG") != "" {
			opts.Log = os.Stderr
		}
		node, nodeErr = devnet.Start(context.Background(), opts)
		if nodeErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if nodeErr = node.Call(ctx, nil, "dev_setStorage", planted); nodeErr != nil {
			return
		}
		nodeErr = node.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1})
	})
	if nodeErr != nil {
		t.Fatalf("devnet: %v", nodeErr)
	}
	return node
}

func stopSharedNode() {
	if node != nil {
		node.Stop()
	}
}

// newBlocks builds blocks on the shared node every interval until stop is
// closed.
func newBlocks(t *testing.T, n *devnet.Node, interval time.Duration, stop <-chan struct{}) {
	t.Helper()
	for {
		select {
		case <-stop:
			return
		case <-time.After(interval):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1})
		cancel()
		if err != nil {
			t.Errorf("dev_newBlock: %v", err)
			return
		}
	}
}

// scriptPath returns the path of a script in the repository's scripts/.
func scriptPath(t *testing.T, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "scripts", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// syncBuffer is a bytes.Buffer safe for a writer and a polling reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls buf until it contains want, failing after timeout.
func waitFor(t *testing.T, buf interface{ String() string }, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("did not see %q within %s; got:\n%s", want, timeout, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var _ io.Writer = (*syncBuffer)(nil)

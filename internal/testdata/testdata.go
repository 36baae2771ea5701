// Package testdata gives tests the real chain data kept outside the
// repository, in the folder named by the BTSCRIPT_TESTDATA environment
// variable (../shared/testdata beside a clone).
//
// When the variable is unset, tests that need the data are skipped with a
// message saying so. When it is set, a missing or unreadable file fails the
// test: a configured run must never pass by skipping.
package testdata

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// EnvVar names the folder that holds the shared chain data.
const EnvVar = "BTSCRIPT_TESTDATA"

// Names of the files in the shared folder.
const (
	MetadataV14       = "finney-spec343-metadata-v14.hex"
	MetadataV15       = "finney-spec343-metadata-at-version-15.hex"
	RecordedRPC       = "recorded-rpc.json"
	RaonetSpec        = "node/subtensor-raonet-spec218.json"
	DevSpec293        = "node/subtensor-dev-spec293-t0.json"
	TestfinneyGenesis = "node/subtensor-testfinney-genesis-spec.json"
)

// Path returns the path of name inside the shared folder, skipping the test
// when the folder is not configured and failing it when the file is missing.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	dir := os.Getenv(EnvVar)
	if dir == "" {
		tb.Skipf("%s is not set: point it at the shared chain data (../shared/testdata) to run this test", EnvVar)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("%s is set but the chain data file is missing: %v", EnvVar, err)
	}
	return p
}

// Read returns the bytes of a shared file (see Path).
func Read(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, name))
	if err != nil {
		tb.Fatalf("read chain data: %v", err)
	}
	return b
}

// Hex returns the decoded bytes of a shared file that holds 0x-prefixed hex.
func Hex(tb testing.TB, name string) []byte {
	tb.Helper()
	s := strings.TrimSpace(string(Read(tb, name)))
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		tb.Fatalf("%s: not hex: %v", name, err)
	}
	return b
}

// Recording is recorded-rpc.json: test name → method → params JSON (as
// Python's json.dumps writes it) → response ({"result": …}, {"error": …} or
// {"cycle": [response, …]}).
type Recording map[string]map[string]map[string]json.RawMessage

var (
	recOnce sync.Once
	rec     Recording
	recErr  error
)

// Recorded returns the parsed recorded-rpc.json, read once per test binary.
func Recorded(tb testing.TB) Recording {
	tb.Helper()
	p := Path(tb, RecordedRPC)
	recOnce.Do(func() {
		var b []byte
		if b, recErr = os.ReadFile(p); recErr == nil {
			recErr = json.Unmarshal(b, &rec)
		}
	})
	if recErr != nil {
		tb.Fatalf("recorded RPC data: %v", recErr)
	}
	return rec
}

// Result returns the "result" of one recorded response, failing the test if
// the test, method or params are not recorded or the response is an error.
// A cycled response returns its first answer.
func (r Recording) Result(tb testing.TB, test, method, params string) json.RawMessage {
	tb.Helper()
	raw, ok := r[test][method][params]
	if !ok {
		tb.Fatalf("recording has no %s %s %s", test, method, params)
	}
	var resp struct {
		Result json.RawMessage   `json:"result"`
		Error  json.RawMessage   `json:"error"`
		Cycle  []json.RawMessage `json:"cycle"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		tb.Fatalf("recording %s %s: %v", test, method, err)
	}
	if len(resp.Cycle) > 0 {
		if err := json.Unmarshal(resp.Cycle[0], &resp); err != nil {
			tb.Fatalf("recording %s %s: %v", test, method, err)
		}
	}
	if resp.Result == nil {
		tb.Fatalf("recording %s %s %s is an error: %s", test, method, params, resp.Error)
	}
	return resp.Result
}

// Dir returns the shared folder for runnable examples, which cannot skip:
// $BTSCRIPT_TESTDATA, else ../shared/testdata beside the module's root
// (the nearest folder above the working directory that holds go.mod).
func Dir() string {
	if dir := os.Getenv(EnvVar); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "testdata")
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "testdata")
		}
		parent := filepath.Dir(d)
		if parent == d {
			return filepath.Join("..", "shared", "testdata")
		}
		d = parent
	}
}

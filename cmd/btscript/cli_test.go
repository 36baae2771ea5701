package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btscript/btscript/internal/testdata"
)

func TestUsageErrors(t *testing.T) {
	script := filepath.Join(t.TempDir(), "ok.lua")
	if err := os.WriteFile(script, []byte("return 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stderr
	}{
		{"no command", nil, nil, exitUsage, ""},
		{"unknown command", nil, []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"help", nil, []string{"help"}, exitOK, ""},
		{"run -h", nil, []string{"run", "-h"}, exitOK, "Usage: btscript run"},
		{"run without file", nil, []string{"run"}, exitUsage, "no script FILE"},
		{"run missing file", nil, []string{"run", "nope.lua"}, exitUsage, "nope.lua: no such file"},
		{"run a directory", nil, []string{"run", t.TempDir()}, exitUsage, "is a directory"},
		{"eval without code", nil, []string{"eval"}, exitUsage, "no CODE"},
		{"eval two args", nil, []string{"eval", "1", "2"}, exitUsage, "one argument"},
		{"unknown flag", nil, []string{"eval", "--bogus", "1"}, exitUsage, "flag provided but not defined: -bogus"},
		{"bad timeout", nil, []string{"eval", "--timeout", "soon", "1"}, exitUsage, `"soon" is not a duration`},
		{"negative timeout", nil, []string{"eval", "--timeout", "-1", "1"}, exitUsage, "negative"},
		{"bad timeout env", map[string]string{"BTSCRIPT_TIMEOUT": "x"}, []string{"eval", "1"}, exitUsage, `BTSCRIPT_TIMEOUT="x"`},
		{"bad bool env", map[string]string{"BTSCRIPT_JSON": "maybe"}, []string{"eval", "1"}, exitUsage, "BTSCRIPT_JSON"},
		{"bad block", nil, []string{"eval", "--block", "yesterday", "1"}, exitUsage, "--block"},
		{"short block hash", nil, []string{"eval", "--block", "0x1234", "1"}, exitUsage, "32-byte"},
		{"unknown network", nil, []string{"eval", "--network", "mainnet", "1"}, exitUsage, `unknown network "mainnet"`},
		{"unknown network env", map[string]string{"BTSCRIPT_NETWORK": "nowhere"}, []string{"run", script}, exitUsage, `unknown network "nowhere"`},
		{"http url", nil, []string{"eval", "--network", "http://127.0.0.1:9944", "1"}, exitUsage, "unknown network"},
		{"bad fallback", nil, []string{"eval", "--fallback", "moon", "1"}, exitUsage, "--fallback"},
		{"replay-test alone", nil, []string{"eval", "--replay-test", "tempo", "1"}, exitUsage, "--replay-test needs --replay"},
		{"missing replay", nil, []string{"eval", "--replay", "nope.json", "1"}, exitUsage, "nope.json: no such file"},
		{"record and replay", nil, []string{"eval", "--replay", script, "--record", "x.json", "1"}, exitUsage, "cannot be used together"},
		{"repl argument", nil, []string{"repl", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"devnet argument", nil, []string{"devnet", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"devnet spec and fork", nil, []string{"devnet", "--spec", script, "--fork", "finney"}, exitUsage, "not both"},
		{"devnet bad mode", nil, []string{"devnet", "--spec", script, "--block-mode", "Fast"}, exitUsage, "--block-mode"},
		{"devnet bad port", nil, []string{"devnet", "--spec", script, "--port", "70000"}, exitUsage, "--port"},
		{"devnet missing spec", nil, []string{"devnet", "--spec", "nope.json"}, exitUsage, "nope.json: no such file"},
		{"devnet bad fork", nil, []string{"devnet", "--fork", "moon"}, exitUsage, "unknown network"},
		// No spec in BTSCRIPT_TESTDATA or ../shared, and the download fails
		// (a closed loopback port; the cache is a fresh folder).
		{"devnet no default spec", map[string]string{"BTSCRIPT_TESTDATA": t.TempDir(), "BTSCRIPT_SPEC_URL": closedURL(t)}, []string{"devnet"}, exitUsage,
			"btscript devnet: no chain spec: fetch chain spec: "},
		{"devnet no default spec names BTSCRIPT_TESTDATA", map[string]string{"BTSCRIPT_SPEC_URL": closedURL(t)}, []string{"devnet"}, exitUsage,
			"point BTSCRIPT_TESTDATA at the shared chain data (it holds node/subtensor-raonet-spec218.json) or give --spec FILE"},
		{"run devnet no default spec", map[string]string{"BTSCRIPT_SPEC_URL": closedURL(t)}, []string{"eval", "--network", "devnet", "1"}, exitUsage,
			"btscript: --network devnet: no chain spec: fetch chain spec: "},
		{"serve without file", nil, []string{"serve"}, exitUsage, "exactly one recording"},
		{"serve missing file", nil, []string{"serve", "nope.json"}, exitUsage, "nope.json: no such file"},
		{"serve public address", nil, []string{"serve", "--addr", "0.0.0.0:0", script}, exitUsage, "--public"},
		{"serve all interfaces", nil, []string{"serve", "--addr", ":0", script}, exitUsage, "--public"},
		{"serve bad address", nil, []string{"serve", "--addr", "localhost", script}, exitUsage, "--addr"},
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := getenv
			defer func() { getenv = old }()
			getenv = func(k string) string { return tt.env[k] }
			r := bts(t, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("stderr %q does not contain %q", r.stderr, tt.want)
			}
			if tt.code == exitUsage && tt.want != "" {
				checkOneLine(t, r.stderr)
			}
		})
	}
}

func TestEnvironmentSettings(t *testing.T) {
	old := getenv
	defer func() { getenv = old }()
	env := map[string]string{"BTSCRIPT_JSON": "1", "BTSCRIPT_TIMEOUT": "0.2"}
	getenv = func(k string) string { return env[k] }
	r := bts(t, "eval", `{a = int("9007199254740993")}`)
	if r.code != exitOK || r.stdout != `{"a":9007199254740993}`+"\n" {
		t.Fatalf("BTSCRIPT_JSON: %+v", r)
	}
	r = bts(t, "eval", "sleep(5)")
	if r.code != exitScript || !strings.Contains(r.stderr, "timed out") {
		t.Fatalf("BTSCRIPT_TIMEOUT: %+v", r)
	}
	// A flag wins over its variable.
	r = bts(t, "eval", "--json=false", "--timeout", "0", `1 + 1`)
	if r.code != exitOK || r.stdout != "2\n" {
		t.Fatalf("flag over env: %+v", r)
	}
}

func TestScriptErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The binding error case answers from the SDK's recording; the others
	// need no chain.
	offline := []string{"--replay", filepath.Join(os.Getenv(testdata.EnvVar), testdata.RecordedRPC), "--replay-test", "tempo"}
	tests := []struct {
		name string
		args []string
		want string // the whole stderr line
	}{
		{"syntax error", []string{"run", write("syntax.lua", "local a = 1\nlocal b = 2\nlocal c = = 3\n")},
			"btscript: syntax.lua:3: syntax error near '=' (column 11)"},
		{"unfinished block", []string{"run", write("open.lua", "function f()\n  return 1\n")},
			"btscript: open.lua:2: syntax error at the end of the script: the statement from line 1 is not finished (is an 'end' or a bracket missing?)"},
		{"unfinished table after complete lines", []string{"run", write("table.lua", "local a = 1\n\nlocal t = {\n  1,\n  2,\n")},
			"btscript: table.lua:5: syntax error at the end of the script: the statement from line 3 is not finished (is an 'end' or a bracket missing?)"},
		{"unfinished eval", []string{"eval", "if x then"},
			"btscript: stdin:1: syntax error at the end of the script: the statement from line 1 is not finished (is an 'end' or a bracket missing?)"},
		{"runtime error", []string{"run", write("runtime.lua", "local t = nil\nreturn t.x\n")},
			"btscript: runtime.lua:2: attempt to index a non-table object(nil) with key 'x'"},
		{"error()", []string{"run", write("raise.lua", "\n\nerror('tempo: netuid must be given')\n")},
			"btscript: raise.lua:3: tempo: netuid must be given"},
		{"binding argument error", append(append([]string{"run"}, offline...), write("arg.lua", "local n = bt.tempo('one')\nreturn n\n")),
			"btscript: arg.lua:1: bt.tempo: netuid must be an integer 0..65535, got 'one' (usage: bt.tempo(netuid[, block]))"},
		{"eval runtime error", []string{"eval", "nil + 1"}, "btscript: stdin:1: "},
		{"eval syntax error", []string{"eval", "x = = 1"}, "btscript: stdin:1: syntax error near '='"},
		{"timeout", []string{"eval", "--timeout", "100ms", "sleep(10)"}, "btscript: stdin:1: script timed out after 100ms"},
		{"no io without --allow-io", []string{"eval", "io.open('x')"}, "btscript: stdin:1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(strings.Join(tt.args, " "), "--replay") {
				testdata.Path(t, testdata.RecordedRPC)
			}
			start := time.Now()
			r := bts(t, tt.args...)
			if r.code != exitScript {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", r.code, exitScript, r.stderr)
			}
			checkOneLine(t, r.stderr)
			if !strings.HasPrefix(r.stderr, tt.want) {
				t.Fatalf("stderr %q, want it to start with %q", r.stderr, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}

func TestRunArgsAndStdin(t *testing.T) {
	p := filepath.Join(t.TempDir(), "args.lua")
	if err := os.WriteFile(p, []byte("#!/usr/bin/env btscript\nlocal a, b = ...\nreturn a .. '+' .. b, #arg, arg[0] ~= nil\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := bts(t, "run", p, "x", "--", "--json")
	if r.code != exitOK || r.stdout != "\"x+--json\"\n2\ntrue\n" {
		t.Fatalf("script args: %+v", r)
	}
	old := scriptStdin
	defer func() { scriptStdin = old }()
	scriptStdin = strings.NewReader("local x = ...\nerror('from stdin ' .. x)\n")
	r = bts(t, "run", "-", "arg1")
	if r.code != exitScript || r.stderr != "btscript: stdin.lua:2: from stdin arg1\n" {
		t.Fatalf("run -: %+v", r)
	}
}

func TestJSONOutputOffline(t *testing.T) {
	// print goes to stderr under --json, so stdout holds only the document.
	r := bts(t, "eval", "--json", `(function() print("noise") return {big = int("18446744073709551615"), small = 7, list = {1, 2}} end)()`)
	if r.code != exitOK {
		t.Fatalf("%+v", r)
	}
	var doc map[string]json.Number
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	_ = doc
	if raw["big"].(json.Number).String() != "18446744073709551615" {
		t.Fatalf("big = %v", raw["big"])
	}
	if !strings.Contains(r.stderr, "noise") || strings.Contains(r.stdout, "noise") {
		t.Fatalf("print output went to stdout: %+v", r)
	}
	// Several values make an array; none make null.
	if r := bts(t, "eval", "--json", "1, 'a'"); r.stdout != "[1,\"a\"]\n" {
		t.Fatalf("two values: %+v", r)
	}
	if r := bts(t, "eval", "--json", "x = 1"); r.stdout != "null\n" {
		t.Fatalf("no values: %+v", r)
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + l.Addr().String()
	l.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"call", []string{"eval", "--network", url, "chain.head()"}, "connection refused"},
		{"block pin", []string{"eval", "--network", url, "--block", "5", "1"}, "btscript: --block 5: "},
		{"fallback", []string{"eval", "--network", url, "--fallback", url, "bt.tempo(1)"}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := bts(t, tt.args...)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s to give up", d)
			}
			if r.code != exitScript {
				t.Fatalf("exit code %d; stderr:\n%s", r.code, r.stderr)
			}
			checkOneLine(t, r.stderr)
			if !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("stderr %q does not contain %q", r.stderr, tt.want)
			}
		})
	}
}

func TestVerbose(t *testing.T) {
	rec := testdata.Path(t, testdata.RecordedRPC)
	r := bts(t, "eval", "-v", "--replay", rec, "--replay-test", "tempo", "bt.tempo(23)")
	if r.code != exitOK || r.stdout != "1000\n" {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{"btscript: replaying", "btscript: rpc chain_getHead []", `btscript: rpc state_call ["Metadata_metadata_at_version"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("-v: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// Without -v a good run says nothing on stderr.
	if r := bts(t, "eval", "--replay", rec, "--replay-test", "tempo", "bt.tempo(23)"); r.stderr != "" {
		t.Fatalf("quiet run wrote %q", r.stderr)
	}
}

func TestInterrupt(t *testing.T) {
	took, code, stderr, err := interrupt(t, "eval", "sleep(30)")
	if took > 5*time.Second {
		t.Errorf("stopping took %s", took)
	}
	if code != exitInterrupted {
		t.Fatalf("exit: %v; stderr:\n%s", err, stderr)
	}
	if stderr != "btscript: interrupted\n" {
		t.Fatalf("stderr %q", stderr)
	}
}

// interrupt runs btscript with args, sends it one SIGINT half a second
// later, and returns how long it then took to exit, its exit code, what it
// wrote on stderr and Wait's error.
func interrupt(t *testing.T, args ...string) (took time.Duration, code int, stderr string, err error) {
	t.Helper()
	cmd := child(t, args...)
	var buf syncBuffer
	cmd.Stderr = &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	return time.Since(start), cmd.ProcessState.ExitCode(), buf.String(), err
}

// closedURL is an http URL on a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/raonet.json"
	l.Close()
	return u
}

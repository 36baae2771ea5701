package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/internal/testdata"
)

// TestRecordReplay records runs against the devnet and replays them with
// no network: the output is identical.
func TestRecordReplay(t *testing.T) {
	n := sharedNode(t)
	dir := t.TempDir()
	// An endpoint nothing listens on: a replay that touched the network
	// would fail.
	dead := "ws://127.0.0.1:1"
	tests := []struct {
		name string
		args []string
	}{
		{"overview", []string{scriptPath(t, "overview.lua")}},
		{"overview json", []string{"--json", scriptPath(t, "overview.lua")}},
		{"metagraph", []string{scriptPath(t, "metagraph_export.lua"), "2"}},
		{"hyperparameters", []string{scriptPath(t, "hyperparameters.lua"), "2"}},
		{"balances", []string{scriptPath(t, "balances.lua"), alice, bob}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := filepath.Join(dir, tt.name+".json")
			live := bts(t, append([]string{"run", "--network", n.URL, "--record", rec}, tt.args...)...)
			if live.code != exitOK {
				t.Fatalf("live run: exit %d: %s", live.code, live.stderr)
			}
			replay := bts(t, append([]string{"run", "--network", dead, "--replay", rec}, tt.args...)...)
			if replay.code != exitOK {
				t.Fatalf("replay: exit %d: %s", replay.code, replay.stderr)
			}
			if replay.stdout != live.stdout {
				t.Fatalf("replay differs:\n%s\nlive:\n%s", replay.stdout, live.stdout)
			}
			if i == 0 && !strings.Contains(live.stdout, "τ12345678.901234567") {
				t.Fatalf("live output: %s", live.stdout)
			}
		})
	}

	// A script that fails still saves what it saw.
	rec := filepath.Join(dir, "failed.json")
	r := bts(t, "eval", "--network", n.URL, "--record", rec, "bt.tempo(2) + nil")
	if r.code != exitScript {
		t.Fatalf("%+v", r)
	}
	data, err := os.ReadFile(rec)
	if err != nil || !strings.Contains(string(data), `"method":"state_getStorage"`) && !strings.Contains(string(data), `"method":"state_queryStorageAt"`) {
		t.Fatalf("recording of a failed run: %v\n%.300s", err, data)
	}
	r = bts(t, "eval", "--replay", rec, "bt.tempo(2)")
	if r.code != exitOK || r.stdout != "360\n" {
		t.Fatalf("replay of a failed run's recording: %+v", r)
	}
}

// TestBadRecordings feeds recordings cut short or edited by hand: each
// gives one clear line and exit code 1, never a panic.
func TestBadRecordings(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	// A recording made offline from the SDK's data, so this test needs no
	// node.
	src := testdata.Path(t, testdata.RecordedRPC)
	r := bts(t, "eval", "--replay", src, "--replay-test", "tempo", "--record", good, "1")
	if r.code != exitUsage {
		t.Fatalf("--record with --replay: %+v", r)
	}
	// Record through a served recording instead.
	url, stop := startServe(t, src, "tempo")
	r = bts(t, "eval", "--network", url, "--record", good, "bt.tempo(23)")
	stop()
	if r.code != exitOK || r.stdout != "1000\n" {
		t.Fatalf("recording: %+v", r)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if r := bts(t, "eval", "--replay", good, "bt.tempo(23)"); r.code != exitOK || r.stdout != "1000\n" {
		t.Fatalf("replay of the good recording: %+v", r)
	}

	lines := strings.Split(text, "\n")
	withoutLine := func(method string) string {
		var keep []string
		for _, l := range lines {
			if !strings.Contains(l, `"method":"`+method+`"`) {
				keep = append(keep, l)
			}
		}
		// Keep the array well formed: the line before "]}" must not end
		// with a comma.
		out := strings.Join(keep, "\n")
		out = strings.Replace(out, ",\n]}", "\n]}", 1)
		return out
	}
	tests := []struct {
		name string
		data string
		want string
	}{
		{"truncated", text[:len(text)/2], "btscript: --replay: "},
		{"empty", "", "btscript: --replay: "},
		{"not json", "hello", "btscript: --replay: "},
		{"wrong format", strings.Replace(text, `"btscript-recording"`, `"other"`, 1), `format is "other"`},
		{"newer version", strings.Replace(text, `"version": 1`, `"version": 99`, 1), "version 99 is not supported"},
		{"answer removed", withoutLine("state_getStorage"), "not in the recording"},
		{"head edited", strings.Replace(text, `"result":"0x`, `"result":"0xnothex`, 1), "btscript: "},
		{"value edited", strings.Replace(text, `"result":"0xe803"`, `"result":"0xe8"`, 1), "btscript: "},
		{"metadata edited", editMetadata(text), "btscript: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(p, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			r := bts(t, "eval", "--replay", p, "bt.tempo(23)")
			if r.code != exitScript {
				t.Fatalf("exit %d, want %d; stdout %q stderr:\n%s", r.code, exitScript, r.stdout, r.stderr)
			}
			checkOneLine(t, r.stderr)
			if !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("stderr %q lacks %q", r.stderr, tt.want)
			}
			// serve refuses the same files with the same clarity.
			if strings.HasPrefix(tt.want, "btscript: --replay") {
				s := bts(t, "serve", p)
				if s.code != exitScript {
					t.Fatalf("serve: %+v", s)
				}
				checkOneLine(t, s.stderr)
			}
		})
	}
}

// editMetadata damages the metadata answer in the middle of its hex.
func editMetadata(text string) string {
	i := strings.Index(text, `"Metadata_metadata_at_version"`)
	if i < 0 {
		i = strings.Index(text, `"state_getMetadata"`)
	}
	if i < 0 {
		return text
	}
	j := strings.Index(text[i:], `"result":"0x`)
	if j < 0 {
		return text
	}
	k := i + j + len(`"result":"0x`) + 200
	return text[:k] + "00ff00ff" + text[k+8:]
}

// startServe runs "btscript serve" in-process and returns its URL.
func startServe(t *testing.T, file, test string, extra ...string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	args := append([]string{file}, extra...)
	if test != "" {
		args = append([]string{"--test", test}, args...)
	}
	go func() {
		done <- serve(ctx, args, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve printed no URL: %v; stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	return strings.TrimSpace(line), func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("serve exited %d: %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}
}

func TestServeRecordedMetagraph(t *testing.T) {
	src := testdata.Path(t, testdata.RecordedRPC)
	url, stop := startServe(t, src, "metagraph")
	defer stop()
	if !strings.HasPrefix(url, "ws://127.0.0.1:") {
		t.Fatalf("url %q", url)
	}
	r := bts(t, "eval", "--network", url, "--block", "6852690",
		"local m = bt.metagraph(1) return m.n, m.num_uids, #m.hotkeys, m.block, chain.block_number()")
	if r.code != exitOK || r.stdout != "1024\n1024\n1024\n6852690\n6852690\n" {
		t.Fatalf("metagraph over serve: %+v", r)
	}
	// The SDK's recording served as a replay answers the same, offline.
	r = bts(t, "eval", "--replay", src, "--replay-test", "metagraph", "--block", "6852690", "bt.metagraph(1).num_uids")
	if r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("metagraph over --replay: %+v", r)
	}
	// An unknown test name is one clear error.
	r = bts(t, "serve", "--test", "no_such_test", src)
	if r.code != exitScript || !strings.Contains(r.stderr, "no_such_test") {
		t.Fatalf("unknown test: %+v", r)
	}
	checkOneLine(t, r.stderr)
}

// TestMetagraphExportTyped runs the export on a runtime with the typed
// metagraph API (finney, from the SDK's recording), with no network.
func TestMetagraphExportTyped(t *testing.T) {
	src := testdata.Path(t, testdata.RecordedRPC)
	out := t.TempDir()
	r := bts(t, "run", "--allow-io", "--replay", src, "--replay-test", "metagraph", "--block", "6852690",
		scriptPath(t, "metagraph_export.lua"), "1", out)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"subnet 1 at block 6852690: 1024 neurons (from runtime API)",
		"\n0,5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ,5EhQWxcFdYAk7B9tNdQnJQFzww5N3964rbsMk55SujcX3PwM,2557172316,",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	csv, err := os.ReadFile(filepath.Join(out, "metagraph-1.csv"))
	if err != nil || strings.Count(string(csv), "\n") != 1025 {
		t.Fatalf("csv: %v, %d lines", err, strings.Count(string(csv), "\n"))
	}
}

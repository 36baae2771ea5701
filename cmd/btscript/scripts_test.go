package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/internal/testdata"
)

// decodeJSON parses stdout as one JSON document with exact numbers.
func decodeJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	return doc
}

// path walks a decoded JSON document: keys for objects, ints for arrays.
func path(t *testing.T, doc any, steps ...any) any {
	t.Helper()
	cur := doc
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not an object: %v", s, cur)
			}
			cur = m[k]
		case int:
			a, ok := cur.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: not an array this long: %v", s, cur)
			}
			cur = a[k]
		}
	}
	return cur
}

func jsonText(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// subnetRow finds the subnet with netuid in overview's JSON.
func subnetRow(t *testing.T, doc map[string]any, netuid string) map[string]any {
	t.Helper()
	for _, s := range path(t, doc, "subnets").([]any) {
		if m := s.(map[string]any); jsonText(m["netuid"]) == netuid {
			return m
		}
	}
	t.Fatalf("no subnet %s in %v", netuid, doc)
	return nil
}

func TestScripts(t *testing.T) {
	n := sharedNode(t)
	out := t.TempDir()
	net := []string{"--network", n.URL}
	tests := []struct {
		name   string
		flags  []string
		script string
		args   []string
		code   int
		want   []string // substrings of stdout (or stderr when code != 0)
		check  func(t *testing.T, stdout string)
	}{
		{name: "overview", script: "overview.lua", want: []string{
			"netuid   tempo  neurons  burn",
			"     2     360        2  τ12345678.901234567",
			"     3      99        0  τ1.000000000",
		}},
		{name: "overview json", flags: []string{"--json"}, script: "overview.lua", check: func(t *testing.T, stdout string) {
			doc := decodeJSON(t, stdout)
			row := subnetRow(t, doc, "2")
			if got := jsonText(row["burn"]); got != "12345678901234567" {
				t.Errorf("burn = %s, want the exact rao 12345678901234567", got)
			}
			if jsonText(row["tempo"]) != "360" || jsonText(row["neurons"]) != "2" {
				t.Errorf("subnet 2 = %v", row)
			}
			if h := jsonText(doc["hash"]); len(h) != 66 {
				t.Errorf("hash = %q", h)
			}
		}},
		{name: "balances", script: "balances.lua", args: []string{alice, bob}, want: []string{
			alice + "  τ12345678.901234567",
			bob + "  τ1.000000000",
			"total                                             τ12345679.901234567",
		}},
		{name: "balances json", flags: []string{"--json"}, script: "balances.lua", args: []string{alice}, check: func(t *testing.T, stdout string) {
			doc := decodeJSON(t, stdout)
			if got := jsonText(path(t, doc, "balances", alice)); got != "12345678901234567" {
				t.Errorf("balance = %s, want 12345678901234567 exactly", got)
			}
		}},
		{name: "balances bad address", script: "balances.lua", args: []string{"5Gxyz"}, code: exitScript,
			want: []string{`btscript: argument 1: "5Gxyz" is not an SS58 address`}},
		{name: "balances no address", script: "balances.lua", code: exitScript,
			want: []string{"btscript: usage: btscript run scripts/balances.lua ADDRESS"}},
		{name: "hyperparameters", script: "hyperparameters.lua", args: []string{"2"}, want: []string{
			"subnet 2 hyperparameters at block",
			"(from runtime API)",
			"kappa                          1234",
			"tempo                          360",
		}},
		{name: "hyperparameters json", flags: []string{"--json"}, script: "hyperparameters.lua", args: []string{"2"}, check: func(t *testing.T, stdout string) {
			doc := decodeJSON(t, stdout)
			if jsonText(path(t, doc, "hyperparameters", "kappa")) != "1234" || jsonText(doc["source"]) != "runtime API" {
				t.Errorf("hyperparameters = %v", doc)
			}
		}},
		{name: "hyperparameters missing subnet", script: "hyperparameters.lua", args: []string{"77"}, code: exitScript,
			want: []string{"btscript: subnet 77 does not exist"}},
		{name: "delegates", script: "delegates.lua", want: []string{
			"1 delegates at block",
			alice + "  owner " + charlie + "  take 18.00%  subnets [2]",
		}},
		{name: "metagraph export", flags: []string{"--allow-io"}, script: "metagraph_export.lua", args: []string{"2", out}, want: []string{
			"subnet 2 at block",
			"2 neurons (from runtime API)",
			"wrote " + filepath.Join(out, "metagraph-2.csv") + " and " + filepath.Join(out, "metagraph-2.json"),
			// The spec-218 runtime's neurons carry the planted keys; their
			// stake is the runtime's own (it does not read the planted
			// TotalHotkeyAlpha), and the block step rewrites the per-uid
			// vectors, so only keys are fixed.
			"\n0," + alice + "," + charlie + ",",
			"\n1," + bob + "," + dave + ",",
		}, check: func(t *testing.T, _ string) {
			csv, err := os.ReadFile(filepath.Join(out, "metagraph-2.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(csv), "uid,hotkey,coldkey,stake,") || strings.Count(string(csv), "\n") != 3 {
				t.Errorf("csv:\n%s", csv)
			}
			raw, err := os.ReadFile(filepath.Join(out, "metagraph-2.json"))
			if err != nil {
				t.Fatal(err)
			}
			doc := decodeJSON(t, string(raw))
			if jsonText(path(t, doc, "neurons", 0, "hotkey")) != alice || jsonText(path(t, doc, "neurons", 1, "coldkey")) != dave {
				t.Errorf("json file: %s", raw)
			}
		}},
		{name: "subnets", script: "subnets.lua", want: []string{
			": 4 subnets, 1 delegates",
			"     2    360     2/4096   τ12345678.901234567",
			"     3     99     0/4096          τ1.000000000",
			"uid 0    " + alice,
			"uid 1    " + bob,
		}},
		{name: "subnets json", flags: []string{"--json"}, script: "subnets.lua", check: func(t *testing.T, stdout string) {
			doc := decodeJSON(t, stdout)
			row := subnetRow(t, doc, "2")
			if jsonText(row["tempo"]) != "360" || jsonText(row["n"]) != "2" || jsonText(row["burn"]) != "12345678901234567" ||
				jsonText(path(t, row, "neurons", 1, "hotkey")) != bob {
				t.Errorf("subnet 2 = %v", row)
			}
			if jsonText(doc["delegates"]) != "1" {
				t.Errorf("delegates = %v", doc["delegates"])
			}
		}},
		{name: "metagraph without io", script: "metagraph_export.lua", args: []string{"2"}, want: []string{
			"no files written: run with --allow-io",
		}},
		{name: "metagraph json", flags: []string{"--json"}, script: "metagraph_export.lua", args: []string{"2"}, check: func(t *testing.T, stdout string) {
			doc := decodeJSON(t, stdout)
			if jsonText(path(t, doc, "neurons", 1, "hotkey")) != bob || jsonText(doc["source"]) != "runtime API" {
				t.Errorf("metagraph = %v", doc)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append(append([]string{"run"}, net...), tt.flags...), scriptPath(t, tt.script))
			r := bts(t, append(args, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			text := r.stdout
			if tt.code != exitOK {
				text = r.stderr
				checkOneLine(t, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			if tt.check != nil {
				tt.check(t, r.stdout)
			}
		})
	}
}

func TestWatchBlocksScript(t *testing.T) {
	n := sharedNode(t)
	nodeMu.Lock()
	defer nodeMu.Unlock()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		newBlocks(t, n, 300*time.Millisecond, stop)
	}()
	r := bts(t, "run", "--network", n.URL, "--timeout", "60s", scriptPath(t, "watch_blocks.lua"), "3")
	close(stop)
	<-done
	if r.code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 heads, got:\n%s", r.stdout)
	}
	// Consecutive heads: each names the one before as its parent.
	var prevHash string
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) != 4 || !strings.HasPrefix(f[0], "#") {
			t.Fatalf("line %q", l)
		}
		parent := strings.TrimSuffix(f[3], ")")
		if i > 0 && parent != prevHash {
			t.Errorf("head %d's parent %s is not the previous head %s", i, parent, prevHash)
		}
		prevHash = f[1]
	}

	// --json returns the heads instead of printing them.
	stop = make(chan struct{})
	done = make(chan struct{})
	go func() {
		defer close(done)
		newBlocks(t, n, 300*time.Millisecond, stop)
	}()
	r = bts(t, "run", "--json", "--network", n.URL, "--timeout", "60s", scriptPath(t, "watch_blocks.lua"), "2")
	close(stop)
	<-done
	var heads []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &heads); err != nil || len(heads) != 2 {
		t.Fatalf("json heads: %v\n%+v", err, r)
	}
}

func TestEvalGatherDevnet(t *testing.T) {
	n := sharedNode(t)
	r := bts(t, "eval", "--network", n.URL, `gather(
		function() return bt.tempo(2) end,
		function() return bt.subnetwork_n(2) end,
		function() return bt.get_balance("`+alice+`") end,
		function() return chain.query("SubtensorModule", "Keys", 2, 1) end)`)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := "360\n2\nτ12345678.901234567\n\"" + bob + "\"\n"
	if r.stdout != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}

	// --json keeps integers above 2^53 exact.
	r = bts(t, "eval", "--json", "--network", n.URL, `{
		free = chain.query("System", "Account", "`+alice+`").data.free,
		burn = chain.query("SubtensorModule", "Burn", 2),
		stake = chain.query("SubtensorModule", "TotalHotkeyAlpha", "`+alice+`", 2),
		balance = bt.get_balance("`+alice+`"),
	}`)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	const wantJSON = `{"balance":12345678901234567,"burn":12345678901234567,"free":12345678901234567,"stake":9007199254740993}` + "\n"
	if r.stdout != wantJSON {
		t.Fatalf("json:\n%s\nwant:\n%s", r.stdout, wantJSON)
	}

	// --block pins the whole run: the head and the number agree with it.
	r = bts(t, "eval", "--network", n.URL, "--block", "1", "chain.block_number(), chain.head() == chain.block_hash(1)")
	if r.code != exitOK || r.stdout != "1\ntrue\n" {
		t.Fatalf("--block 1: %+v", r)
	}
	r = bts(t, "eval", "--network", n.URL, "--block", "99999", "1")
	if r.code != exitScript || !strings.Contains(r.stderr, "btscript: --block 99999: ") {
		t.Fatalf("--block of a future block: %+v", r)
	}
	checkOneLine(t, r.stderr)
}

func TestMetadataCache(t *testing.T) {
	n := sharedNode(t)
	old := getenv
	defer func() { getenv = old }()
	cache := t.TempDir()
	getenv = func(k string) string {
		if k == "BTSCRIPT_CACHE_DIR" {
			return cache
		}
		return old(k)
	}
	count := func() int {
		files := 0
		filepath.WalkDir(cache, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files++
			}
			return nil
		})
		return files
	}
	if r := bts(t, "eval", "--no-cache", "--network", n.URL, "bt.tempo(2)"); r.code != exitOK || r.stdout != "360\n" {
		t.Fatalf("--no-cache: %+v", r)
	}
	if c := count(); c != 0 {
		t.Fatalf("--no-cache wrote %d files", c)
	}
	if r := bts(t, "eval", "--network", n.URL, "bt.tempo(2)"); r.code != exitOK || r.stdout != "360\n" {
		t.Fatalf("cached run: %+v", r)
	}
	if c := count(); c == 0 {
		t.Fatal("no metadata cached")
	}
	// The second run reads the metadata from disk: no state_call for it.
	r := bts(t, "eval", "-v", "--network", n.URL, "bt.tempo(2)")
	if r.code != exitOK || strings.Contains(r.stderr, "Metadata_metadata_at_version") || strings.Contains(r.stderr, "state_getMetadata") {
		t.Fatalf("metadata fetched again:\n%s", r.stderr)
	}
}

// TestNetworkDevnet runs the README's main command: a script against a
// subtensor runtime started for the run.
func TestNetworkDevnet(t *testing.T) {
	testdata.Path(t, testdata.RaonetSpec)
	r := bts(t, "run", "--network", "devnet", scriptPath(t, "overview.lua"))
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The raonet genesis has subnets 0 and 1, tempo 100 each.
	for _, want := range []string{"block 1 ", "2 subnets", "     0     100 ", "     1     100 "} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

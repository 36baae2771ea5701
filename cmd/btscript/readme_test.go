package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/btscript/btscript/internal/devnettest"
	"github.com/btscript/btscript/internal/testdata"
)

// TestReadmeFirstExample runs the README's opening Lua example as printed
// against a fresh devnet and compares what it prints with the output the
// README shows after "-->".
func TestReadmeFirstExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "```lua\n")
	if start < 0 {
		t.Fatal("README has no lua example")
	}
	code, _, ok := strings.Cut(text[start+len("```lua\n"):], "```")
	if !ok {
		t.Fatal("README's lua example is not closed")
	}
	_, shown, ok := strings.Cut(code, "-->")
	if !ok {
		t.Fatal("README's lua example shows no output")
	}
	shown, _, _ = strings.Cut(shown, "(")
	n := devnettest.Start(t)
	file := filepath.Join(t.TempDir(), "example.lua")
	if err := os.WriteFile(file, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	r := bts(t, "run", "--network", n.URL, file)
	if r.code != exitOK {
		t.Fatalf("example failed: %+v", r)
	}
	if got, want := strings.Fields(r.stdout), strings.Fields(shown); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("example printed %q, README shows %q", r.stdout, shown)
	}
}

// readmeMessages returns the messages the README's Troubleshooting table
// quotes: the first backquoted text of each row.
func readmeMessages(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Troubleshooting\n")
	if !ok {
		t.Fatal("README has no Troubleshooting section")
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	var out []string
	quoted := regexp.MustCompile("^\\| `([^`]+)`")
	for _, line := range strings.Split(sec, "\n") {
		if m := quoted.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// TestReadmeMessages produces each message the README's Troubleshooting
// table quotes and checks it word for word ("…" stands for any text).
// A row added without a way to produce it here fails the test.
func TestReadmeMessages(t *testing.T) {
	rec := testdata.Path(t, testdata.RecordedRPC)
	script := t.TempDir() + "/x.lua"
	if err := os.WriteFile(script, []byte("return 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	offline := []string{"eval", "--replay", rec, "--replay-test", "tempo"}
	unfinished := t.TempDir() + "/x.lua"
	if err := os.WriteFile(unfinished, []byte("local a = 1\nlocal b = 2\nlocal t = {\n  1,\n  2,\n  3,\n  4,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := t.TempDir() + "/x.json"
	if err := os.Symlink(script, link); err != nil {
		t.Fatal(err)
	}
	truncated := t.TempDir() + "/rec.json"
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, data[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	produce := map[string][]string{
		"btscript: x.lua:7: syntax error at the end":     {"run", unfinished},
		"btscript: --replay: rec.json: recording":        {"eval", "--replay", truncated, "1"},
		"btscript run: unknown network":                  {"run", "--network", "x", script},
		"btscript: stdin:1: tempo(1): head":              {"eval", "--network", "ws://127.0.0.1:1", "bt.tempo(1)"},
		"replay: state_getStorage":                       append(offline, `chain.query("System", "Account", "`+alice+`")`),
		"attempt to compare number with string":          {"eval", "return 1 < '2'"},
		"cannot mix number 1e+20 with exact integer":     {"eval", "return int(1) + 1e20"},
		"7 / 2 is not an integer":                        {"eval", "return int(7) / int(2)"},
		"btscript: x.lua:12: script timed out after 30s": {"eval", "--timeout", "30ms", "sleep(10)"},
		"timeout after 30s":                              {"eval", "timeout(0.03, function() sleep(10) end)"},
		"bt.tempo: takes at most 2 arguments":            append(offline, "bt.tempo(1, 2, 3)"),
		"bt has no function 'tmepo'":                     append(offline, "bt.tmepo(1)"),
		"keys.from_uri: signing is off":                  {"eval", "keys.from_uri('//Alice')"},
		"--record x.json is a symbolic link":             {"eval", "--record", link, "1"},
		"cannot add an alpha amount and a Balance": {"eval", "--replay", rec, "--replay-test", "metagraph",
			"at(6852690, function() local m = bt.metagraph(1) return m.tao_stake[1] + m.alpha_stake[1] end)"},
	}
	// The README writes the values a user meets; the test's are shorter.
	same := map[string]string{
		"btscript: --replay: rec.json: recording: line 129: the file ends early, inside a value (truncated?): unexpected EOF": "btscript: --replay: …/rec.json: recording: line 129: the file ends early, inside a value (truncated?): unexpected EOF",
		"btscript: x.lua:12: script timed out after 30s":                                                                      "btscript: stdin:1: script timed out after 30ms",
		"timeout after 30s": "timeout after 0.03s",
		"--record x.json is a symbolic link, not a regular file: refused as a recording path": "--record …/x.json is a symbolic link, not a regular file: refused as a recording path",
	}
	notProduced := map[string]string{
		"devnet: Chopsticks needs Node.js": "needs a machine without npm",
		"runtime API X.y":                  "needs a runtime API without types: bindings' TestDevnet checks it",
		"decode X at":                      "needs bytes that do not match the runtime's types",
		"string.gsub: N more bytes":        "needs a script at the memory limit: TestHostileScripts checks it",
		"keys.wallet: coldkey of wallet W": "needs an encrypted wallet: chain/keys' and bindings' wallet tests check it",
		"… is encrypted":                   "needs an encrypted wallet and no terminal: chain/keys' tests check it",
		"transaction rejected":             "needs a devnet and an account without funds: TestSigning checks it",
		"X_y answer":                       "needs bytes that do not match a type table: chain/bt's TestSpec218Table checks it",
		"btscript devnet: --port":          "needs a taken port and a devnet: devnet's TestStartRefusesATakenPort checks it",
		"devnet: no chain spec":            "needs a machine without the chain data: devnet's TestFetchSpec checks it",
		"rpc state_getStorage: error 4003": "needs a pruned node: TestArchiveFallbackThroughCLI checks it",
		"rpc X: no reply from":             "needs a node that never answers: rpc's TestLostReplyOfSubmissionNamesMethodEndpointAndWait checks it",
	}
	msgs := readmeMessages(t)
	if len(msgs) < 8 {
		t.Fatalf("found %d messages in the README's Troubleshooting table", len(msgs))
	}
	for _, msg := range msgs {
		var args []string
		for k, a := range produce {
			if strings.HasPrefix(msg, k) {
				args = a
			}
		}
		if args == nil {
			skipped := false
			for k := range notProduced {
				skipped = skipped || strings.HasPrefix(msg, k)
			}
			if !skipped {
				t.Errorf("the README quotes %q, which this test does not produce", msg)
			}
			continue
		}
		t.Run(msg, func(t *testing.T) {
			want := msg
			if w, ok := same[msg]; ok {
				want = w
			}
			pattern := regexp.QuoteMeta(want)
			pattern = strings.ReplaceAll(pattern, "…", ".*")
			r := bts(t, args...)
			if !regexp.MustCompile(pattern).MatchString(r.stderr) {
				t.Fatalf("README: %q\nreal:   %q", want, r.stderr)
			}
			checkOneLine(t, r.stderr)
		})
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btscript/btscript/internal/devnettest"
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

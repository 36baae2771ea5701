package record

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCheckPath(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg.json")
	os.WriteFile(reg, []byte("x"), 0o644)
	ro := filepath.Join(dir, "ro.json")
	os.WriteFile(ro, []byte("x"), 0o444)
	link := filepath.Join(dir, "link.json")
	os.Symlink(reg, link)
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o644)
	for _, tt := range []struct {
		path string
		want string // "" accepts
	}{
		{filepath.Join(dir, "new.json"), ""},
		{reg, ""},
		{ro, "is read-only"},
		{link, "is a symbolic link"},
		{fifo, "is a named pipe (FIFO)"},
		{dir, "is a directory"},
		{os.DevNull, "is a device"},
		{filepath.Join(reg, "x.json"), "is not a folder"},
		{filepath.Join(dir, "no", "x.json"), "does not exist"},
	} {
		err := CheckPath(tt.path)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.path, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrPathRefused)):
			t.Errorf("%s: %v, want %q wrapping ErrPathRefused", tt.path, err, tt.want)
		}
	}
}

// Create journals as exchanges come, notifications included; Finish
// writes the sorted form over it, keeping the mode; both load alike.
func TestCreateJournalThenFinish(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rec.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r.Add("state_getStorage", []any{"0x02"}, json.RawMessage(`"0xbb"`), nil)
	r.Add("chain_subscribeNewHeads", nil, json.RawMessage(`"sub-1"`), nil)
	r.Notify("chain_subscribeNewHeads", json.RawMessage(`"sub-1"`), json.RawMessage(`{"number":"0x1"}`))
	r.Add("state_getStorage", []any{"0x01"}, nil, &Error{Code: 4003, Message: "gone"})

	journal, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(journal), `{"format": "btscript-recording-journal", "version": 1}`+"\n") || strings.Count(string(journal), "\n") != 5 {
		t.Fatalf("journal:\n%s", journal)
	}
	check := func(what string) {
		t.Helper()
		b, err := Load(path, "", "")
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if res, err := b.Answer("state_getStorage", json.RawMessage(`["0x02"]`)); err != nil || string(res) != `"0xbb"` {
			t.Errorf("%s: %s, %v", what, res, err)
		}
		var rec *Error
		if _, err := b.Answer("state_getStorage", json.RawMessage(`["0x01"]`)); !errors.As(err, &rec) || rec.Code != 4003 {
			t.Errorf("%s: recorded error: %v", what, err)
		}
		if n, err := b.Notifications("chain_subscribeNewHeads", json.RawMessage(`[]`)); err != nil || len(n) != 1 {
			t.Errorf("%s: notifications %s, %v", what, n, err)
		}
	}
	check("journal")
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	final, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(final), `{"format": "btscript-recording", "version": 1, "exchanges": [`) {
		t.Fatalf("final:\n%s", final)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", fi.Mode())
	}
	check("sorted")
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := r.Finish(); err != nil {
		t.Errorf("second Finish: %v", err)
	}
}

// If FILE becomes a symbolic link during the run, Finish does not replace
// it: the link stays a link, and the recording stays in the temporary
// file the error names.
func TestFinishRefusesPathReplacedDuringRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rec.json")
	r, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	r.Add("chain_getHead", nil, json.RawMessage(`"0x01"`), nil)
	os.Remove(path)
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o644)
	os.Symlink(target, path)
	err = r.Finish()
	if !errors.Is(err, ErrPathRefused) || !strings.Contains(err.Error(), "became a symbolic link") {
		t.Fatalf("Finish: %v", err)
	}
	if fi, _ := os.Lstat(path); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("link target now %q", b)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(left) != 1 || !strings.Contains(err.Error(), "the recording is kept in "+left[0]) {
		t.Fatalf("kept %v; error %v", left, err)
	}
	if b, err := Load(left[0], "", ""); err != nil || b.Len() != 1 {
		t.Errorf("kept recording: %v", err)
	}
}

func TestJournalRefusals(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, text, want string }{
		{"newer", `{"format": "btscript-recording-journal", "version": 2}` + "\n", "journal version 2 is not supported"},
		{"first line cut", `{"format": "btscript-recording-journal", "version": 1}`, "no complete first line"},
		{"no method", `{"format": "btscript-recording-journal", "version": 1}` + "\n" + `{"params":[],"result":1}` + "\n", "journal line 2: not an exchange"},
		{"unknown subscription", `{"format": "btscript-recording-journal", "version": 1}` + "\n" + `{"notify":"chain_subscribeNewHeads","id":"sub-9","value":1}` + "\n", "journal line 2: notification of an unknown subscription"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
		os.WriteFile(p, []byte(tt.text), 0o644)
		if _, err := Load(p, "", ""); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

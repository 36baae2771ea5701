//go:build unix

package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/btscript/btscript/engine"
)

// Files a script creates with io.open get the user's umask, as files
// other programs create do, not gopher-lua's 0600; a file that exists
// keeps its mode, and "r+" still fails on a missing file.
func TestIOOpenUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	e := engine.New(engine.Options{AllowIO: true})
	defer e.Close()
	kept := filepath.Join(dir, "kept.txt")
	if err := os.WriteFile(kept, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := e.Eval(context.Background(), `(function()
		local f = assert(io.open("`+filepath.Join(dir, "new.txt")+`", "w")) f:write("hi") f:close()
		local g = assert(io.open("`+filepath.Join(dir, "app.txt")+`", "a")) g:write("a") g:close()
		local h = assert(io.open("`+kept+`", "w")) h:write("y") h:close()
		local r, err = io.open("`+filepath.Join(dir, "missing.txt")+`", "r+")
		return r == nil
	end)()`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Values) != 1 || res.Values[0].String() != "true" {
		t.Fatalf("io.open(missing, 'r+') did not fail: %v", res.Values)
	}
	for name, want := range map[string]os.FileMode{"new.txt": 0o640, "app.txt": 0o640, "kept.txt": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.txt")); err == nil {
		t.Errorf("io.open(missing, 'r+') created the file")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "new.txt")); string(b) != "hi" {
		t.Errorf("new.txt holds %q", b)
	}
}

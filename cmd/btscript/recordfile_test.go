package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/btscript/btscript/internal/testdata"
)

// recordedNode serves the SDK's recorded subnetwork_n test as a node.
func recordedNode(t *testing.T) *rpctest.Server {
	t.Helper()
	b, err := record.Load(testdata.Path(t, testdata.RecordedRPC), "subnetwork_n", testdata.Path(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	srv := rpctest.New(record.Handler{Book: b}, rpctest.Options{})
	t.Cleanup(srv.Close)
	return srv
}

// fileState is what must not change about a path --record refused.
type fileState struct {
	ino     uint64
	mode    fs.FileMode
	content string // a regular file's bytes or a link's target
	exists  bool
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		return fileState{}
	}
	st := fileState{ino: fi.Sys().(*syscall.Stat_t).Ino, mode: fi.Mode(), exists: true}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		st.content, _ = os.Readlink(path)
	case fi.Mode().IsRegular():
		b, _ := os.ReadFile(path)
		st.content = string(b)
	}
	return st
}

// tempLeft lists temporary files left in dir.
func tempLeft(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	return m
}

// A --record path that is not absent or a writable regular file in a
// writable folder is refused before any request: exit 2, one line, and
// the path as it was.
func TestRecordRefusesUnsafePaths(t *testing.T) {
	srv := recordedNode(t)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(path string) error
		want  string
	}{
		{"symlink", func(p string) error { return os.Symlink(victim, p) }, "is a symbolic link"},
		{"dangling symlink", func(p string) error { return os.Symlink(filepath.Join(dir, "nowhere"), p) }, "is a symbolic link"},
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "is a named pipe (FIFO)"},
		{"read-only file", func(p string) error { return os.WriteFile(p, []byte("old recording"), 0o444) }, "is read-only"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, "is a directory"},
		{"missing folder", nil, "does not exist"},
		{"read-only folder", nil, "is not writable"},
		{"device", nil, "is a device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(sub, "rec.json")
			switch tt.name {
			case "missing folder":
				path = filepath.Join(sub, "nope", "rec.json")
			case "read-only folder":
				if err := os.Chmod(sub, 0o555); err != nil {
					t.Fatal(err)
				}
				defer os.Chmod(sub, 0o755)
			case "device":
				path = os.DevNull
			default:
				if err := tt.setup(path); err != nil {
					t.Fatal(err)
				}
			}
			before, victimBefore := stateOf(t, path), stateOf(t, victim)
			dirBefore, _ := os.ReadDir(sub)
			r := bts(t, "eval", "--network", srv.URL(), "--record", path, "bt.subnetwork_n(1)")
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Fatalf("got %+v, want exit 2 naming %q", r, tt.want)
			}
			checkOneLine(t, r.stderr)
			if after := stateOf(t, path); after != before {
				t.Errorf("target changed: %+v, was %+v", after, before)
			}
			if after := stateOf(t, victim); after != victimBefore {
				t.Errorf("link target changed: %+v", after)
			}
			if dirAfter, _ := os.ReadDir(sub); len(dirAfter) != len(dirBefore) {
				t.Errorf("folder holds %d entries, had %d", len(dirAfter), len(dirBefore))
			}
			if st := srv.Stats(); st.ConnsOpened != 0 || st.Requests != 0 {
				t.Errorf("the run reached the node: %+v", st)
			}
		})
	}
}

// Recording over an existing regular file keeps its mode, leaves no
// temporary file, and writes the sorted form.
func TestRecordKeepsModeAndCleansUp(t *testing.T) {
	srv := recordedNode(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "rec.json")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	r := bts(t, "eval", "--network", srv.URL(), "--record", path, "bt.subnetwork_n(1)")
	if r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("%+v", r)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, %v; want 0640 kept", fi.Mode(), err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte(`{"format": "btscript-recording", "version": 1`)) {
		t.Errorf("not the sorted form:\n%.200s", data)
	}
	if left := tempLeft(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A failing script saves too, and cleans up.
	r = bts(t, "eval", "--network", srv.URL(), "--record", path, "bt.subnetwork_n(1) + nil")
	if r.code != exitScript || len(tempLeft(t, dir)) != 0 {
		t.Fatalf("%+v, left %v", r, tempLeft(t, dir))
	}
	if r := bts(t, "eval", "--replay", path, "bt.subnetwork_n(1)"); r.stdout != "1024\n" {
		t.Fatalf("replay of the failed run: %+v", r)
	}
}

// Two runs recording to one path at once, 20 times: the file is always
// one whole run's recording (the last rename wins), never a mix, and no
// temporary file is left.
func TestConcurrentRecordersNeverCorrupt(t *testing.T) {
	srv := recordedNode(t)
	dir := t.TempDir()
	codes := []string{"bt.subnetwork_n(1)", "chain.head()"}
	var refs []string
	for i, code := range codes {
		p := filepath.Join(dir, "ref"+string(rune('a'+i))+".json")
		if r := bts(t, "eval", "--network", srv.URL(), "--record", p, code); r.code != exitOK {
			t.Fatalf("%+v", r)
		}
		b, _ := os.ReadFile(p)
		refs = append(refs, string(b))
	}
	if refs[0] == refs[1] {
		t.Fatal("the two runs record the same file: the test could not tell them apart")
	}
	shared := filepath.Join(dir, "shared.json")
	seen := map[int]int{}
	for trial := range 20 {
		var wg sync.WaitGroup
		results := make([]result, 2)
		for i, code := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 1 {
					// Stagger the short run so that either may finish last.
					time.Sleep(time.Duration(trial%5) * 5 * time.Millisecond)
				}
				results[i] = bts(t, "eval", "--network", srv.URL(), "--record", shared, code)
			}()
		}
		wg.Wait()
		for i, r := range results {
			if r.code != exitOK {
				t.Fatalf("trial %d run %d: %+v", trial, i, r)
			}
		}
		data, err := os.ReadFile(shared)
		if err != nil {
			t.Fatal(err)
		}
		which := -1
		for i, ref := range refs {
			if string(data) == ref {
				which = i
			}
		}
		if which < 0 {
			t.Fatalf("trial %d: the file is neither run's recording:\n%s", trial, data)
		}
		seen[which]++
		if _, err := record.Load(shared, "", ""); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if left := tempLeft(t, dir); len(left) != 0 {
			t.Fatalf("trial %d: temporary files left: %v", trial, left)
		}
	}
	t.Logf("last writer: run A %d times, run B %d times", seen[0], seen[1])
}

// A run killed with SIGKILL leaves a recording (the journal) that replays
// what it did before the kill.
func TestRecordSurvivesSIGKILL(t *testing.T) {
	srv := recordedNode(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "killed.json")
	cmd := child(t, "eval", "--network", srv.URL(), "--record", path,
		`print(bt.subnetwork_n(1)) io.stdout:write("ready\n") io.stdout:flush() while true do sleep(10) end`, "--allow-io")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var got []string
		for sc.Scan() {
			got = append(got, sc.Text())
			if sc.Text() == "ready" {
				ready <- strings.Join(got, "\n")
				return
			}
		}
		close(ready)
	}()
	select {
	case got, ok := <-ready:
		if !ok || got != "1024\nready" {
			t.Fatalf("child output %q, stderr %s", got, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("child not ready; stderr %s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(`{"format":"btscript-recording-journal"`)) && !bytes.HasPrefix(data, []byte(`{"format": "btscript-recording-journal"`)) {
		t.Fatalf("not a journal:\n%.300s", data)
	}
	r := bts(t, "eval", "--replay", path, "bt.subnetwork_n(1)")
	if r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("replay of the killed run: %+v", r)
	}
	// A journal cut inside its last line (the kill came mid-write) loses
	// only that line.
	cut := filepath.Join(dir, "cut.json")
	if err := os.WriteFile(cut, append(data, `{"method":"chain_getHead","par`...), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := bts(t, "eval", "--replay", cut, "bt.subnetwork_n(1)"); r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("replay of a cut journal: %+v", r)
	}
	// A broken line that is not the last is an error naming it.
	broken := filepath.Join(dir, "broken.json")
	lines := strings.SplitAfter(string(data), "\n")
	lines[1] = "{not json\n"
	if err := os.WriteFile(broken, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := bts(t, "eval", "--replay", broken, "1"); r.code != exitScript || !strings.Contains(r.stderr, "journal line 2") {
		t.Fatalf("broken journal: %+v", r)
	}
}

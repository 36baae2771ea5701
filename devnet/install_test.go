package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTools puts node and npm scripts on the PATH: node reports
// nodeVersion; npm reports npmVersion and, for "ci", notes its arguments
// and working directory in log and creates the chopsticks executable
// (failing instead when fail is set). They stand in for the real tools so
// that the install's decisions can be tested without the npm registry;
// the real install runs in .ci/run from an empty HOME.
func fakeTools(t *testing.T, nodeVersion, npmVersion string, fail bool) (log string) {
	t.Helper()
	mkdir, err1 := exec.LookPath("mkdir")
	chmod, err2 := exec.LookPath("chmod")
	if err1 != nil || err2 != nil {
		t.Fatalf("mkdir, chmod: %v %v", err1, err2)
	}
	bin := t.TempDir()
	log = filepath.Join(t.TempDir(), "npm.log")
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if nodeVersion != "" {
		write("node", "echo "+nodeVersion+"\n")
	}
	failLine := ""
	if fail {
		failLine = "echo 'npm error network ETIMEDOUT' >&2; exit 1\n"
	}
	write("npm", `if [ "$1" = "--version" ]; then echo `+npmVersion+`; exit 0; fi
echo "$PWD $*" >> `+log+`
`+failLine+mkdir+` -p node_modules/.bin && printf '#!/bin/sh\n' > node_modules/.bin/chopsticks && `+chmod+` +x node_modules/.bin/chopsticks
`)
	t.Setenv("PATH", bin)
	return log
}

func TestInstallRunsNpmCiFromTheLockfile(t *testing.T) {
	log := fakeTools(t, "v20.20.2", "11.19.1", false)
	dir := t.TempDir()
	bin, err := Install(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if bin != filepath.Join(dir, "node_modules", ".bin", "chopsticks") || !Installed(dir) {
		t.Fatalf("bin %s, installed %v", bin, Installed(dir))
	}
	got, _ := os.ReadFile(log)
	if want := dir + " ci --ignore-scripts --no-audit --no-fund --loglevel=error\n"; string(got) != want {
		t.Fatalf("npm ran as %q, want %q", got, want)
	}
	for name, want := range map[string][]byte{"package.json": packageJSON, "package-lock.json": packageLock} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != string(want) {
			t.Fatalf("%s in the install folder differs from the committed one (%v)", name, err)
		}
	}
	// A second call finds the install whole and runs nothing.
	if _, err := Install(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if got2, _ := os.ReadFile(log); string(got2) != string(got) {
		t.Fatalf("npm ran again: %q", got2)
	}
}

func TestInstallRedoesUnfinishedInstalls(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(dir string)
	}{
		// npm install of an earlier version: the executable, no mark.
		{"no mark", func(dir string) {}},
		// A mark from another lockfile.
		{"other lockfile", func(dir string) {
			os.WriteFile(filepath.Join(dir, installedMark), []byte("0123\n"), 0o644)
		}},
		// The mark, but the tree half removed.
		{"no executable", func(dir string) {
			os.WriteFile(filepath.Join(dir, installedMark), []byte(lockDigest()+"\n"), 0o644)
			os.Remove(filepath.Join(dir, "node_modules", ".bin", "chopsticks"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := fakeTools(t, "v22.1.0", "10.0.0", false)
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "node_modules", ".bin"), 0o755)
			os.WriteFile(filepath.Join(dir, "node_modules", ".bin", "chopsticks"), []byte("#!/bin/sh\n"), 0o755)
			tc.setup(dir)
			if Installed(dir) {
				t.Fatal("an unfinished install counts as installed")
			}
			if _, err := Install(context.Background(), dir); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(log); !strings.Contains(string(got), " ci ") || !Installed(dir) {
				t.Fatalf("not redone: npm log %q", got)
			}
		})
	}
}

func TestInstallFailures(t *testing.T) {
	for _, tc := range []struct {
		name        string
		node, npm   string
		fail        bool
		want        string
		nodeMissing bool
	}{
		{name: "node missing", npm: "10.0.0", want: "devnet: Chopsticks needs Node.js and npm (Node.js 20 or newer), and node is not on the PATH: install Node.js", nodeMissing: true},
		{name: "node too old", node: "v18.19.0", npm: "10.0.0", want: `node is version "v18.19.0", need 20 or newer`, nodeMissing: true},
		{name: "npm too old", node: "v20.1.0", npm: "6.14.4", want: `npm is version "6.14.4", need 7 or newer`, nodeMissing: true},
		{name: "npm fails", node: "v20.1.0", npm: "10.0.0", fail: true, want: "npm ci (Chopsticks 1.5.1 into "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeTools(t, tc.node, tc.npm, tc.fail)
			dir := t.TempDir()
			_, err := Install(context.Background(), dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, tc.want)
			}
			if errors.Is(err, ErrNodeMissing) != tc.nodeMissing {
				t.Fatalf("errors.Is(ErrNodeMissing) = %v", !tc.nodeMissing)
			}
			if tc.fail && (!strings.Contains(err.Error(), "ETIMEDOUT") || Installed(dir)) {
				t.Fatalf("a failed npm ci: %v, installed %v", err, Installed(dir))
			}
		})
	}
}

func TestInstallRefusesWhatIsNotARegularFile(t *testing.T) {
	fakeTools(t, "v20.1.0", "10.0.0", false)
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "user-file")
	os.WriteFile(target, []byte("keep me"), 0o644)
	if err := os.Symlink(target, filepath.Join(dir, "package.json")); err != nil {
		t.Fatal(err)
	}
	_, err := Install(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "package.json is not a regular file") {
		t.Fatalf("got %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me" {
		t.Fatalf("the symlink's target was written: %q", b)
	}
}

func TestListenWatch(t *testing.T) {
	w := &listenWatch{}
	for _, chunk := range []string{"[04:26:22.638] INFO: starting\n[04:26:22.638] INFO: bittensor RPC listening on http://127.0.", "0.1:45996 and ws://127.0.0.1:45996\n"} {
		w.Write([]byte(chunk))
	}
	if w.port() != 45996 {
		t.Fatalf("port %d", w.port())
	}
	// A long line without a newline is kept bounded; nothing is found.
	w = &listenWatch{}
	w.Write([]byte(strings.Repeat("x", 1<<20)))
	if len(w.line) > 4096 || w.port() != 0 {
		t.Fatalf("kept %d bytes, port %d", len(w.line), w.port())
	}
}

func TestStartRefusesATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = Start(context.Background(), Options{Spec: "devnet.go", Port: port, ToolsDir: t.TempDir()})
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), "is already in use: give another port") {
		t.Fatalf("got %v", err)
	}
}

func TestFetchSpec(t *testing.T) {
	spec := []byte(`{"name":"not the spec"}`)
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		switch r.URL.Path {
		case "/big":
			w.Write(make([]byte, MaxSpecSize+10))
		case "/missing":
			http.NotFound(w, r)
		default:
			w.Write(spec)
		}
	}))
	defer srv.Close()
	var specURL string

	t.Run("wrong bytes are refused", func(t *testing.T) {
		specURL = srv.URL + "/spec"
		dir := t.TempDir()
		_, err := FetchSpec(context.Background(), dir, specURL)
		if !errors.Is(err, ErrNoSpec) || !strings.Contains(err.Error(), "want "+SpecSHA256) || !strings.Contains(err.Error(), "BTSCRIPT_TESTDATA") {
			t.Fatalf("got %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "specs")); err == nil {
			t.Fatal("a spec with the wrong digest was kept")
		}
	})
	for _, tc := range []struct{ path, want string }{
		{"/big", "larger than"},
		{"/missing", "404"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			specURL = srv.URL + tc.path
			_, err := FetchSpec(context.Background(), t.TempDir(), specURL)
			if !errors.Is(err, ErrNoSpec) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "BTSCRIPT_TESTDATA") {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		specURL = "http://" + l.Addr().String() + "/x"
		l.Close()
		_, err := FetchSpec(context.Background(), t.TempDir(), specURL)
		if !errors.Is(err, ErrNoSpec) || !strings.Contains(err.Error(), "point BTSCRIPT_TESTDATA at the shared chain data") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the real spec is fetched once and checked", func(t *testing.T) {
		dir := os.Getenv("BTSCRIPT_TESTDATA")
		if dir == "" {
			t.Skip("BTSCRIPT_TESTDATA is not set")
		}
		real, err := os.ReadFile(filepath.Join(dir, SpecFile))
		if err != nil {
			t.Fatalf("BTSCRIPT_TESTDATA is set but: %v", err)
		}
		spec = real
		specURL = srv.URL + "/spec"
		cache := t.TempDir()
		before := hits
		p, err := FetchSpec(context.Background(), cache, specURL)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); digest(b) != SpecSHA256 {
			t.Fatal("kept file differs")
		}
		if _, err := FetchSpec(context.Background(), cache, specURL); err != nil || hits != before+1 {
			t.Fatalf("second call: %v, %d downloads", err, hits-before)
		}
		// A damaged copy is fetched again.
		os.WriteFile(p, []byte("{}"), 0o644)
		if _, err := FetchSpec(context.Background(), cache, specURL); err != nil || hits != before+2 {
			t.Fatalf("damaged copy: %v, %d downloads", err, hits-before)
		}
		var v map[string]any
		if b, _ := os.ReadFile(p); json.Unmarshal(b, &v) != nil || v["genesis"] == nil {
			t.Fatal("not the chain spec")
		}
	})
}

package devnet

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The pinned Chopsticks with its whole dependency tree, as npm resolved it:
// npm ci installs exactly these packages, with their integrity hashes
// checked, and runs no install scripts (Chopsticks' optional sqlite3 would
// otherwise build native code and download Node's headers; btscript never
// uses Chopsticks' --db).
var (
	//go:embed chopsticks/package.json
	packageJSON []byte
	//go:embed chopsticks/package-lock.json
	packageLock []byte
)

// Install requirements.
const (
	// MinNodeMajor is the oldest Node.js major version Chopsticks runs the
	// subtensor runtime on here.
	MinNodeMajor = 20
	// MinNPMMajor is the oldest npm that reads the lockfile (version 3).
	MinNPMMajor = 7
	// installTimeout bounds npm ci: about 15 s on a warm network.
	installTimeout = 10 * time.Minute
	// installedMark names the file written last, when an install is whole.
	installedMark = ".btscript-installed"
)

// ErrNodeMissing is the error when Node.js or npm is missing or too old.
var ErrNodeMissing = errors.New("devnet: Chopsticks needs Node.js and npm")

// DefaultToolsDir returns where Install puts Chopsticks by default:
// <user cache dir>/btscript/chopsticks-VERSION-DIGEST, DIGEST naming the
// lockfile, so that a build with another tree never rewrites a folder that
// a running node of another build uses.
func DefaultToolsDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("devnet: no user cache directory: %w", err)
	}
	return filepath.Join(dir, "btscript", "chopsticks-"+ChopsticksVersion+"-"+lockDigest()[:12]), nil
}

// lockDigest identifies the pinned tree; an install records it when done.
func lockDigest() string {
	h := sha256.New()
	h.Write(packageJSON)
	h.Write(packageLock)
	return hex.EncodeToString(h.Sum(nil))
}

// installed reports whether dir holds a whole install of the pinned tree:
// its mark, written after npm ci succeeded, names the lock's digest, and
// the executable is there. An interrupted or older install has no such
// mark and is redone.
func installed(dir, bin string) bool {
	b, err := os.ReadFile(filepath.Join(dir, installedMark))
	return err == nil && strings.TrimSpace(string(b)) == lockDigest() && isExecutable(bin)
}

// Installed reports whether dir ("" for the default) holds a whole install
// of the pinned Chopsticks.
func Installed(dir string) bool {
	if dir == "" {
		var err error
		if dir, err = DefaultToolsDir(); err != nil {
			return false
		}
	}
	return installed(dir, filepath.Join(dir, "node_modules", ".bin", "chopsticks"))
}

// Install makes sure the pinned Chopsticks is installed in dir ("" for the
// default) and returns the path of its executable. Concurrent installs into
// the same dir, from this or other processes, wait for one another.
func Install(ctx context.Context, dir string) (string, error) {
	if dir == "" {
		var err error
		if dir, err = DefaultToolsDir(); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "chopsticks")
	if installed(dir, bin) {
		return bin, nil
	}
	if err := checkNode(ctx); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("devnet: install dir: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, ".install.lock"))
	if err != nil {
		return "", fmt.Errorf("devnet: lock install dir: %w", err)
	}
	defer unlock()
	if installed(dir, bin) { // another process finished while we waited
		return bin, nil
	}
	// The mark goes first, so that an install interrupted from here on is
	// seen as unfinished.
	if err := removeRegular(filepath.Join(dir, installedMark)); err != nil {
		return "", err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"package.json", packageJSON}, {"package-lock.json", packageLock}} {
		if err := writeRegular(filepath.Join(dir, f.name), f.data); err != nil {
			return "", err
		}
	}
	if st, err := os.Lstat(filepath.Join(dir, "node_modules")); err == nil && !st.IsDir() {
		return "", fmt.Errorf("devnet: %s is not a folder; move it away and run again", filepath.Join(dir, "node_modules"))
	}
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("devnet: npm ci (Chopsticks %s into %s): %w: %s", ChopsticksVersion, dir, err, lastLines(out.Bytes(), 3))
	}
	if !isExecutable(bin) {
		return "", fmt.Errorf("devnet: npm ci finished but %s is missing", bin)
	}
	if err := writeRegular(filepath.Join(dir, installedMark), []byte(lockDigest()+"\n")); err != nil {
		return "", err
	}
	return bin, nil
}

// checkNode makes sure node and npm are on the PATH and new enough.
func checkNode(ctx context.Context) error {
	for _, tool := range []struct {
		name string
		min  int
	}{{"node", MinNodeMajor}, {"npm", MinNPMMajor}} {
		if _, err := exec.LookPath(tool.name); err != nil {
			return fmt.Errorf("%w (Node.js %d or newer), and %s is not on the PATH: install Node.js, e.g. apt-get install nodejs npm, or from nodejs.org", ErrNodeMissing, MinNodeMajor, tool.name)
		}
		vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		out, err := exec.CommandContext(vctx, tool.name, "--version").Output()
		cancel()
		if err != nil {
			return fmt.Errorf("%w: %s --version: %v", ErrNodeMissing, tool.name, err)
		}
		v := strings.TrimSpace(string(out))
		major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
		if n, err := strconv.Atoi(major); err != nil || n < tool.min {
			return fmt.Errorf("%w: %s is version %q, need %d or newer: install a newer Node.js (nodejs.org)", ErrNodeMissing, tool.name, v, tool.min)
		}
	}
	return nil
}

// writeRegular replaces the regular file path with data through a
// temporary file and a rename; it refuses to replace anything that is not
// a regular file (a symlink, a folder).
func writeRegular(path string, data []byte) error {
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("devnet: %s is not a regular file; move it away and run again", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("devnet: write %s: %w", path, err)
	}
	return nil
}

// removeRegular removes path if it is a regular file.
func removeRegular(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("devnet: %s is not a regular file; move it away and run again", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("devnet: %w", err)
	}
	return nil
}

// lastLines gives the last n non-empty lines of npm's output on one line.
func lastLines(b []byte, n int) string {
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	s := strings.Join(keep, " | ")
	if len(s) > 600 {
		s = s[len(s)-600:]
	}
	return s
}

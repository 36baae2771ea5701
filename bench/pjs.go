package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// pjsVersion is the @polkadot/api release the benchmarks run, pinned in
// bench/package.json and bench/package-lock.json.
const pjsVersion = "16.5.6"

// installPJS makes sure bench/node_modules holds the pinned @polkadot/api,
// installing it from the lock file on first use.
func installPJS(ctx context.Context, dir string) error {
	if installedPJS(dir) == pjsVersion {
		return nil
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the polkadot.js side needs Node.js and npm, and %s is not on the PATH", tool)
		}
	}
	logf("installing @polkadot/api %s into %s (npm ci, once)", pjsVersion, filepath.Join(dir, "node_modules"))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--prefix", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci --prefix %s: %w\n%s", dir, err, lastBytes(out.Bytes(), 2000))
	}
	if v := installedPJS(dir); v != pjsVersion {
		return fmt.Errorf("npm ci finished but @polkadot/api is %q, want %s", v, pjsVersion)
	}
	return nil
}

func installedPJS(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@polkadot", "api", "package.json"))
	if err != nil {
		return ""
	}
	var p struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Version
}

// pjsWorker is a running `node pjs.mjs worker`: commands go in as JSON
// lines, answers come back as "@@BENCH {json}" lines.
type pjsWorker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *tailWriter
}

const pjsMark = "@@BENCH "

func startPJS(dir string) (*pjsWorker, error) {
	cmd := exec.Command("node", filepath.Join(dir, "pjs.mjs"), "worker")
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	tw := &tailWriter{}
	cmd.Stderr = tw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node pjs.mjs: %w", err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	return &pjsWorker{cmd: cmd, stdin: stdin, lines: sc, stderr: tw}, nil
}

// pjsAnswer holds the fields any command may answer with.
type pjsAnswer struct {
	OK    bool               `json:"ok"`
	Error string             `json:"error"`
	MS    []float64          `json:"ms"`
	Items int                `json:"items"`
	Sum   int64              `json:"sum"`
	Count int                `json:"count"`
	Free  string             `json:"free"`
	Value int64              `json:"value"`
	Spec  int                `json:"spec"`
	Cases map[string]pjsCase `json:"cases"`
}

type pjsCase struct {
	Type  string `json:"type"`
	Items int    `json:"items"`
}

// do sends one command and waits for its answer.
func (w *pjsWorker) do(cmd map[string]any) (*pjsAnswer, error) {
	b, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	if _, err := w.stdin.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("pjs %v: %w\n%s", cmd["op"], err, w.stderr)
	}
	for w.lines.Scan() {
		line := w.lines.Text()
		if !strings.HasPrefix(line, pjsMark) {
			continue
		}
		var a pjsAnswer
		if err := json.Unmarshal([]byte(line[len(pjsMark):]), &a); err != nil {
			return nil, fmt.Errorf("pjs %v: bad answer: %w", cmd["op"], err)
		}
		if !a.OK {
			return nil, fmt.Errorf("pjs %v: %s", cmd["op"], a.Error)
		}
		return &a, nil
	}
	return nil, fmt.Errorf("pjs %v: the node process ended: %v\n%s", cmd["op"], w.lines.Err(), w.stderr)
}

// Close ends the worker (end of input makes it exit) and waits for it.
func (w *pjsWorker) Close() {
	w.stdin.Close()
	done := make(chan struct{})
	go func() {
		w.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}

// tailWriter keeps the last few KiB written to it.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 16<<10 {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-8<<10:]...)
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(lastBytes(t.buf, 4000))
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// runFirstLine starts a command and returns the time from its start to the
// first stdout line that begins with mark, and that line's rest. The
// process is waited for (or killed after the line and a grace period).
func runFirstLine(ctx context.Context, mark string, env []string, name string, args ...string) (time.Duration, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, "", err
	}
	tw := &tailWriter{}
	cmd.Stderr = tw
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, "", err
	}
	sc := bufio.NewScanner(stdout)
	var took time.Duration
	var rest string
	found := false
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, mark) {
			took, rest, found = time.Since(t0), strings.TrimSpace(line[len(mark):]), true
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		werr = <-done
	}
	if !found {
		if werr == nil {
			werr = errors.New("no result line")
		}
		return 0, "", fmt.Errorf("%s: %w\n%s", name, werr, tw)
	}
	return took, rest, nil
}

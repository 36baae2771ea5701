// Package devnet runs a local Substrate chain under Chopsticks, a node that
// executes a chain's real runtime (its wasm) from a raw chain spec or a fork
// of a live endpoint. It backs the "btscript devnet" command and the
// integration tests, and always listens on 127.0.0.1.
//
// Chopsticks is an npm package; Install puts it in the user cache directory
// on first use, which needs Node.js and npm on the PATH.
package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ChopsticksVersion is the Chopsticks release that Install fetches: the
// one known to run the subtensor runtime on Node 20.
const ChopsticksVersion = "1.5.1"

// Defaults for Options.
const (
	// DefaultStartTimeout bounds how long Start waits for the node to answer.
	// Compiling the runtime wasm and building block #1 take a few seconds;
	// a slow machine under load can take several times that.
	DefaultStartTimeout = 90 * time.Second
)

// Options configures a node. Exactly one of Spec and Fork is set.
type Options struct {
	// Spec is the path of a raw chain spec to run offline.
	Spec string
	// Fork is a ws(s):// endpoint of a live chain to fork at its head.
	Fork string
	// Port to listen on at 127.0.0.1; 0 picks a free one.
	Port int
	// Plant is the path of a JSON or YAML storage file planted at start
	// (Chopsticks --import-storage).
	Plant string
	// BuildBlockMode is Chopsticks' block mode: "Batch" (its default),
	// "Instant" or "Manual" (blocks only on dev_newBlock).
	BuildBlockMode string
	// ToolsDir is where Chopsticks is installed; "" means
	// <user cache dir>/btscript/chopsticks-<version>.
	ToolsDir string
	// Log receives the node's output; nil discards it.
	Log io.Writer
	// StartTimeout bounds the wait for the node to answer; 0 means
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// BlockTime, when positive, builds a block every BlockTime (with
	// dev_newBlock), as a live chain does every 12 s; 0 builds blocks only
	// as BuildBlockMode says. It is ignored in Manual mode.
	BlockTime time.Duration
	// AllowUnresolvedImports lets the runtime import host functions that
	// Chopsticks lacks (Chopsticks --allow-unresolved-imports), as
	// development builds of subtensor do.
	AllowUnresolvedImports bool
	// ReadsOnly is for a runtime that Chopsticks runs but cannot build
	// blocks for (subtensor spec 293: its 1 s slot against Chopsticks' 12 s
	// fallback): Start then waits only for the node to answer, not for
	// block 1 on top of genesis.
	ReadsOnly bool
}

// ErrPortInUse is the error when the port asked for is taken.
var ErrPortInUse = errors.New("already in use")

// Node is a running Chopsticks process.
type Node struct {
	// URL is the websocket endpoint, ws://127.0.0.1:PORT.
	URL string
	// HTTP is the same endpoint over plain HTTP JSON-RPC.
	HTTP string

	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// Start installs Chopsticks if needed, starts a node and waits until it
// answers JSON-RPC. The node runs until Stop, or until ctx is done.
func Start(ctx context.Context, opts Options) (*Node, error) {
	if (opts.Spec == "") == (opts.Fork == "") {
		return nil, errors.New("devnet: give exactly one of a chain spec file or an endpoint to fork")
	}
	args := []string{"--host", "127.0.0.1"}
	if opts.Spec != "" {
		abs, err := filepath.Abs(opts.Spec)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("devnet: chain spec: %w", err)
		}
		args = append(args, "--genesis", abs)
	} else {
		if !strings.HasPrefix(opts.Fork, "ws://") && !strings.HasPrefix(opts.Fork, "wss://") {
			return nil, fmt.Errorf("devnet: fork endpoint %q is not a ws:// or wss:// URL", opts.Fork)
		}
		args = append(args, "--endpoint", opts.Fork)
	}
	if opts.Plant != "" {
		abs, err := filepath.Abs(opts.Plant)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("devnet: storage to plant: %w", err)
		}
		args = append(args, "--import-storage", abs)
	}
	switch opts.BuildBlockMode {
	case "", "Batch", "Instant", "Manual":
		if opts.BuildBlockMode != "" {
			args = append(args, "--build-block-mode", opts.BuildBlockMode)
		}
	default:
		return nil, fmt.Errorf("devnet: build block mode %q is not Batch, Instant or Manual", opts.BuildBlockMode)
	}
	if opts.AllowUnresolvedImports {
		args = append(args, "--allow-unresolved-imports")
	}
	if opts.Port != 0 {
		if err := CheckPort(opts.Port); err != nil {
			return nil, err
		}
	}
	if opts.BlockTime < 0 {
		return nil, fmt.Errorf("devnet: block time %v is negative", opts.BlockTime)
	}
	bin, err := Install(ctx, opts.ToolsDir)
	if err != nil {
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = DefaultStartTimeout
	}
	deadline := time.Now().Add(timeout)
	// A port picked free can be taken by someone else before the node binds
	// it; a few attempts make that race harmless.
	var lastErr error
	for attempt := 0; attempt < 3 && time.Now().Before(deadline); attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		n, err := launch(ctx, bin, append(args, "--port", strconv.Itoa(port)), port, opts.Log, deadline, opts.Spec != "" && !opts.ReadsOnly)
		if err == nil {
			if opts.BlockTime > 0 && opts.BuildBlockMode != "Manual" {
				go n.buildBlocks(opts.BlockTime)
			}
			return n, nil
		}
		lastErr = err
		if opts.Port != 0 || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func launch(ctx context.Context, bin string, args []string, port int, log io.Writer, deadline time.Time, fromSpec bool) (*Node, error) {
	if log == nil {
		log = io.Discard
	}
	var early tailBuffer
	listen := &listenWatch{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = io.MultiWriter(log, &early, listen)
	cmd.Stderr = cmd.Stdout
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devnet: start chopsticks: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	n := &Node{URL: "ws://" + addr, HTTP: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() {
		n.waitErr = cmd.Wait()
		close(n.done)
	}()
	stopOnDone := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			n.Stop()
		case <-stopOnDone:
		case <-n.done:
		}
	}()
	for {
		select {
		case <-n.done:
			close(stopOnDone)
			return nil, fmt.Errorf("devnet: chopsticks exited before answering (%v):\n%s", n.waitErr, early.String())
		case <-ctx.Done():
			close(stopOnDone)
			n.Stop()
			return nil, fmt.Errorf("devnet: start: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
		// Chopsticks moves to the next port when the one asked for is taken
		// by the time it binds: the node is ours only on the port it says.
		if p := listen.port(); p != 0 && p != port {
			close(stopOnDone)
			n.Stop()
			return nil, fmt.Errorf("devnet: 127.0.0.1:%d is %w: it was taken when the node started, which moved to %d", port, ErrPortInUse, p)
		}
		if listen.port() == port && n.ready(fromSpec) {
			close(stopOnDone)
			go func() { // still stop the node when the caller's ctx ends
				select {
				case <-ctx.Done():
					n.Stop()
				case <-n.done:
				}
			}()
			return n, nil
		}
		if time.Now().After(deadline) {
			close(stopOnDone)
			n.Stop()
			return nil, fmt.Errorf("devnet: chopsticks did not answer on %s in time:\n%s", addr, early.String())
		}
	}
}

// ready reports whether the node answers and, for a node started from a
// chain spec, has a first block on top of genesis. Chopsticks builds block 1
// before it listens, but that build fails now and then (the runtime's aura
// check sees the clock cross a slot boundary: "Timestamp slot must match
// CurrentSlot"), leaving the head at genesis under a stand-in hash
// (0x4545…). Then ready asks for the block again with dev_newBlock.
func (n *Node) ready(fromSpec bool) bool {
	ctx := context.Background()
	var chain string
	if n.call(ctx, &chain, "system_chain") != nil {
		return false
	}
	if !fromSpec {
		return true
	}
	var head struct {
		Number string `json:"number"`
	}
	if n.call(ctx, &head, "chain_getHeader") != nil {
		return false
	}
	if num, err := strconv.ParseUint(strings.TrimPrefix(head.Number, "0x"), 16, 64); err == nil && num >= 1 {
		return true
	}
	n.call(ctx, nil, "dev_newBlock") // checked on the next poll
	return false
}

// Call makes one JSON-RPC call over HTTP and decodes its result into out
// (which may be nil). Tests use it to plant state (dev_setStorage) and build
// blocks (dev_newBlock).
func (n *Node) Call(ctx context.Context, out any, method string, params ...any) error {
	return n.call(ctx, out, method, params...)
}

func (n *Node) call(ctx context.Context, out any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("devnet %s: %w", method, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.HTTP, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("devnet %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("devnet %s: %w", method, err)
	}
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return fmt.Errorf("devnet %s: reading answer: %w", method, err)
	}
	if r.Error != nil {
		return fmt.Errorf("devnet %s: error %d: %s", method, r.Error.Code, r.Error.Message)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			return fmt.Errorf("devnet %s: result: %w", method, err)
		}
	}
	return nil
}

// Stop ends the node and waits for it to exit. It is safe to call more
// than once.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		terminate(n.cmd)
		select {
		case <-n.done:
		case <-time.After(5 * time.Second):
			kill(n.cmd)
			<-n.done
		}
	})
	return nil
}

// Done is closed when the node process has exited.
func (n *Node) Done() <-chan struct{} { return n.done }

// CheckPort reports an error wrapping ErrPortInUse when port is taken on
// 127.0.0.1 (Start checks it too; a command checks first to fail before it
// says it is starting).
func CheckPort(port int) error {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("devnet: 127.0.0.1:%d is %w: give another port, or 0 to pick a free one", port, ErrPortInUse)
		}
		return fmt.Errorf("devnet: cannot listen on 127.0.0.1:%d: %w", port, err)
	}
	l.Close()
	return nil
}

// buildBlocks asks for a block every d until the node stops. A build that
// fails is tried again at the next tick.
func (n *Node) buildBlocks(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-n.done
		cancel()
	}()
	for {
		select {
		case <-n.done:
			return
		case <-t.C:
			n.call(ctx, nil, "dev_newBlock")
		}
	}
}

// listenWatch finds the port in Chopsticks' "listening on
// http://127.0.0.1:PORT" line. It keeps at most one partial line.
type listenWatch struct {
	mu    sync.Mutex
	line  []byte
	found int
}

const listenMarker = "listening on http://127.0.0.1:"

func (w *listenWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.found != 0 {
		return len(p), nil
	}
	for _, c := range p {
		if c != '\n' {
			if len(w.line) < 4096 {
				w.line = append(w.line, c)
			}
			continue
		}
		if i := bytes.Index(w.line, []byte(listenMarker)); i >= 0 {
			rest := w.line[i+len(listenMarker):]
			j := 0
			for j < len(rest) && j < 5 && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if port, err := strconv.Atoi(string(rest[:j])); err == nil && port > 0 && port <= 65535 {
				w.found = port
				return len(p), nil
			}
		}
		w.line = w.line[:0]
	}
	return len(p), nil
}

func (w *listenWatch) port() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.found
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devnet: pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// tailBuffer keeps the last few KiB of the node's output for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailKeep = 4096

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailKeep {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailKeep:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return tail(t.buf, tailKeep)
}

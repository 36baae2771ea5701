package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/devnet"
	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// Connection settings of the commands. A command-line tool should say
// quickly that a node is unreachable rather than retry for the minute a
// long-running service would.
const (
	// dialTimeout bounds one endpoint's connection attempt: a TLS handshake
	// across continents takes well under it.
	dialTimeout = 5 * time.Second
	// dialRetries is how often a failed dial or lost connection is retried
	// (about a third of a second of backoff in all with the rpc defaults).
	dialRetries = 2
)

// devnetNetwork is the --network name that starts a local subtensor
// runtime for the run, from the default chain spec (see defaultSpec).
const devnetNetwork = "devnet"

// startDevnet starts the local runtime that --network devnet runs against.
func startDevnet(ctx context.Context, verbose bool, stderr io.Writer) (*devnet.Node, error) {
	spec, err := defaultSpec(ctx)
	if err != nil {
		return nil, usagef("--network devnet: %s", strings.TrimPrefix(oneLine(err.Error()), "devnet: "))
	}
	opts := devnet.Options{Spec: spec, BlockTime: defaultBlockTime}
	if verbose {
		opts.Log = stderr
	}
	if !devnet.Installed("") {
		fmt.Fprintln(stderr, "btscript: installing Chopsticks from npm for --network devnet (once, about 15 seconds)")
	}
	n, err := devnet.Start(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("--network devnet: %w", err)
	}
	return n, nil
}

// errInterrupted is the cancellation cause of a run stopped by a signal.
var errInterrupted = errors.New("interrupted")

// session is one connection to a chain (or a recording of one) with a Lua
// engine whose bindings use it.
type session struct {
	opts     runOptions
	stdout   io.Writer
	stderr   io.Writer
	client   *chain.Client
	rec      *record.Recorder
	engine   *engine.Engine
	pinHash  string       // the --block pin, resolved
	node     *devnet.Node // the node started for --network devnet
	progress *progress    // nil unless stderr is a terminal
	logMu    sync.Mutex
}

// openSession connects (lazily: the first request dials) and builds the
// engine. ctx bounds the --block lookup only.
func openSession(ctx context.Context, o runOptions, stdout, stderr io.Writer) (*session, error) {
	s := &session{opts: o, stdout: stdout, stderr: stderr}
	if o.record != "" {
		// Checked and opened before anything else, so that a path that
		// cannot take the recording costs no work and sends no request.
		rec, err := record.Create(o.record)
		if err != nil {
			return nil, usagef("--record %v", err)
		}
		s.rec = rec
	}
	var t rpc.Transport
	if o.replay != "" {
		book, err := loadRecording(o.replay, o.replayTest, o.metadata)
		if err != nil {
			return nil, fmt.Errorf("--replay: %w", err)
		}
		s.logf("replaying %s (%d recorded answers), no network", o.replay, book.Len())
		t = record.NewReplayer(book)
	} else {
		cfg := rpc.Config{DialTimeout: dialTimeout, Retries: dialRetries, LivenessWindow: o.liveness}
		if o.verbose {
			cfg.Logger = slog.New(slog.NewTextHandler(&lineWriter{s: s}, &slog.HandlerOptions{
				Level: slog.LevelDebug,
				ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
					if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
						return slog.Attr{}
					}
					return a
				},
			}))
		}
		network := o.network
		if network == devnetNetwork {
			n, err := startDevnet(ctx, o.verbose, stderr)
			if err != nil {
				s.close()
				return nil, err
			}
			s.node, network = n, n.URL
		}
		c, err := chain.DialLazy(network, o.fallbacks, cfg, chain.Options{})
		if err != nil {
			s.close()
			return nil, usageError{err.Error()}
		}
		t = c.Transport()
		if arch := defaultArchive(o.network, o.archive); arch != "" {
			au, _ := chain.Endpoint(arch)
			if pu, _ := chain.Endpoint(network); au != pu {
				acfg := cfg
				acfg.Endpoints = []string{au}
				ac, err := rpc.New(acfg)
				if err != nil {
					c.Close()
					s.close()
					return nil, usagef("--archive: %v", err)
				}
				fb := &rpc.ArchiveFallback{Primary: t, Archive: ac, ArchiveName: au}
				if o.verbose {
					fb.Logger = cfg.Logger
				}
				t = fb
				s.logf("archive endpoint for pruned state: %s", rpc.Redact(au))
			}
		}
		if o.verbose {
			u, _ := chain.Endpoint(network)
			if u == o.network || o.network == devnetNetwork {
				s.logf("endpoint %s (connects on the first request)", rpc.Redact(u))
			} else {
				s.logf("network %s: %s (connects on the first request)", o.network, rpc.Redact(u))
			}
			for _, f := range o.fallbacks {
				fu, _ := chain.Endpoint(f)
				s.logf("fallback: %s", rpc.Redact(fu))
			}
		}
	}
	if o.verbose {
		t = &logTransport{next: t, s: s}
	}
	if s.rec != nil {
		t = record.NewRecording(t, s.rec)
	}
	// A recording must hold the metadata it was run with, and a replay must
	// answer from the recording alone: neither uses the disk cache.
	cacheDir := getenv("BTSCRIPT_CACHE_DIR")
	if cacheDir == "" {
		cacheDir, _ = chain.DefaultCacheDir() // none found: no disk cache
	}
	s.client = chain.New(t, chain.Options{
		CacheDir:    cacheDir,
		NoDiskCache: o.noCache || o.record != "" || o.replay != "",
	})

	if o.block != "" {
		b, _ := parseBlock(o.block)
		hash, ok := b.(string)
		if !ok {
			var err error
			if hash, err = s.client.BlockHash(ctx, b.(uint64)); err != nil {
				s.close()
				return nil, fmt.Errorf("--block %s: %w", o.block, err)
			}
		}
		s.pinHash = hash
		s.logf("pinned to block %s", hash)
	}
	s.progress = newProgress(stderr)
	engineOut, engineErr := stdout, stderr
	if o.json {
		// --json: the JSON document is the only thing on stdout.
		engineOut = stderr
	}
	if s.progress != nil {
		engineOut = clearingWriter{engineOut, s.progress}
		engineErr = clearingWriter{engineErr, s.progress}
	}
	s.engine = engine.New(engine.Options{
		Stdout:  engineOut,
		Stderr:  engineErr,
		AllowIO: o.allowIO,
		Timeout: o.timeout,
		Pinner:  newPinner(s.client),
	})
	if err := installBindings(s); err != nil {
		s.close()
		return nil, err
	}
	if err := s.engine.RegisterModule("btscript", s.scriptInfo()); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// scriptInfo is the btscript global: what a script may want to know about
// how it was started. json is true under --json (scripts return their data
// instead of printing it); network is the network name or URL, or
// "replay:FILE"; block is the --block pin's hash, or nil.
func (s *session) scriptInfo() *engine.Module {
	network := s.opts.network
	if s.opts.replay != "" {
		network = "replay:" + s.opts.replay
	}
	m := engine.NewModule().
		Value("json", s.opts.json).
		Value("network", network)
	if s.pinHash != "" {
		m.Value("block", s.pinHash)
	}
	return m
}

// runContext returns the context of one script run: pinned by --block and
// cancelled (with cause errInterrupted) when ctx is.
func (s *session) runContext(ctx context.Context) context.Context {
	if s.pinHash != "" {
		ctx = engine.WithPin(ctx, s.pinHash)
	}
	return ctx
}

// close stops the engine and the connection and saves the recording.
func (s *session) close() error {
	s.progress.close()
	if s.engine != nil {
		s.engine.Close()
	}
	if s.client != nil {
		s.client.Close()
	}
	if s.node != nil {
		s.node.Stop()
	}
	if s.rec != nil {
		if err := s.rec.Finish(); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		s.logf("saved the recording to %s", s.opts.record)
	}
	return nil
}

// logf writes one diagnostic line to stderr when -v is given.
func (s *session) logf(format string, args ...any) {
	if !s.opts.verbose {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.stderr, "btscript: "+format+"\n", args...)
}

// lineWriter sends the rpc client's log lines through session.logf.
type lineWriter struct{ s *session }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.s.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// logTransport logs each request and the time its answer took (-v).
type logTransport struct {
	next rpc.Transport
	s    *session
}

// maxLoggedParams bounds the params shown per request: storage keys and
// runtime call arguments are long hex.
const maxLoggedParams = 160

func (l *logTransport) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	start := time.Now()
	res, err := l.next.Call(ctx, method, params...)
	ps := "[]"
	if len(params) > 0 {
		p, _ := json.Marshal(params)
		ps = string(p)
	}
	if len(ps) > maxLoggedParams {
		ps = ps[:maxLoggedParams] + "…"
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		l.s.logf("rpc %s %s: %v (%.1f ms)", method, ps, err, ms)
	} else {
		l.s.logf("rpc %s %s: %d bytes (%.1f ms)", method, ps, len(res), ms)
	}
	return res, err
}

func (l *logTransport) Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*rpc.Subscription, error) {
	l.s.logf("rpc subscribe %s", method)
	return l.next.Subscribe(ctx, method, unsubscribe, params...)
}

func (l *logTransport) Close() error { return l.next.Close() }

// printResults prints a run's return values: pretty, one per line, or
// with --json one JSON document (the value, an array of several, or null).
func (s *session) printResults(res *engine.Result) error {
	if res == nil {
		res = &engine.Result{}
	}
	s.progress.clear()
	return s.engine.Do(func(L *lua.LState) error {
		if s.opts.json {
			doc, err := resultJSON(L, res.Values)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(s.stdout, "%s\n", doc)
			return err
		}
		for _, v := range res.Values {
			if _, err := fmt.Fprintln(s.stdout, pretty(L, v)); err != nil {
				return err
			}
		}
		return nil
	})
}

// resultJSON encodes return values as one JSON document.
func resultJSON(L *lua.LState, vals []lua.LValue) ([]byte, error) {
	switch len(vals) {
	case 0:
		return []byte("null"), nil
	case 1:
		return toJSON(L, vals[0])
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		doc, err := toJSON(L, v)
		if err != nil {
			return nil, fmt.Errorf("return value %d: %w", i+1, err)
		}
		b.Write(doc)
	}
	b.WriteByte(']')
	return []byte(b.String()), nil
}

// interruptible returns a context cancelled with cause errInterrupted on
// the first SIGINT or SIGTERM. After that first signal the default action
// is restored, so a second Ctrl-C kills the process at once.
func interruptible(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			signal.Stop(ch)
			cancel(errInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(ch)
		cancel(nil)
	}
}

// report prints err as one line on stderr and returns the exit code.
func report(stderr io.Writer, err error, verbose bool) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errInterrupted) {
		fmt.Fprintln(stderr, "btscript: interrupted")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "btscript: %s\n", oneLine(errorMessage(err)))
	var le *engine.Error
	if verbose && errors.As(err, &le) && le.Traceback != "" {
		fmt.Fprintln(stderr, strings.TrimRight(le.Traceback, "\n"))
	}
	if isUsage(err) {
		return exitUsage
	}
	return exitScript
}

// syntaxAt and syntaxEOF match gopher-lua's compile errors, e.g.
// "x.lua line:3(column:7) near 'end':   syntax error" and
// "x.lua at EOF:   syntax error".
var (
	syntaxAt  = regexp.MustCompile(`^(.+?) line:(\d+)\(column:(\d+)\) near '(.*)':\s+(.+)$`)
	syntaxEOF = regexp.MustCompile(`^(.+?) at EOF:\s+(.+)$`)
)

// errorMessage renders err, rewriting gopher-lua syntax errors to the
// file:line: form of runtime errors.
func errorMessage(err error) string {
	msg := strings.TrimSpace(err.Error())
	if strings.HasPrefix(msg, "engine: ") {
		msg = strings.TrimPrefix(msg, "engine: ")
	}
	if m := syntaxAt.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s: %s near '%s' (column %s)", m[1], m[2], m[5], m[4], m[3])
	}
	if m := syntaxEOF.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: %s at the end of the script (is an 'end' or a bracket missing?)", m[1], m[2])
	}
	return msg
}

// oneLine joins the lines of a message.
func oneLine(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, "; ")
}

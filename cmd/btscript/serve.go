package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
)

// serveShutdownTimeout bounds how long serve waits for open connections
// when asked to stop.
const serveShutdownTimeout = 2 * time.Second

// cmdServe serves a recording as a websocket JSON-RPC node until Ctrl-C or
// SIGTERM.
func cmdServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := interruptible(context.Background())
	defer stop()
	return serve(ctx, args, stdout, stderr)
}

// serve is cmdServe with the context that stops it.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	test := fs.String("test", "", "`NAME` of the test to serve from an SDK recording (recorded-rpc.json)")
	addr := fs.String("addr", "127.0.0.1:0", "listen on `HOST:PORT` (port 0 picks a free one)")
	public := fs.Bool("public", false, "allow an address other than loopback (the node is then reachable from other machines)")
	verbose := fs.Bool("v", false, "log each request to stderr")
	var meta metadataFlags
	meta.add(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: btscript serve FILE [flags]

Serves a recording (one made with --record, or the bittensor SDK's
recorded-rpc.json with --test NAME) as a websocket JSON-RPC node, and prints
its ws:// URL on stdout once listening. Requests the recording cannot answer
get a JSON-RPC error naming them. Metadata files of an SDK recording are
looked up in the recording's folder unless named by flags. Flags go before
or after FILE. Stops on Ctrl-C or SIGTERM.

Memory stays bounded whatever clients send: a request over %d MiB gets a
JSON-RPC error (-32600), at most %d requests across all connections (%d
of them over 64 KiB) are read or answered at once, and past that the
server stops reading until one finishes.

Flags:
`, rpc.DefaultMaxRequestSize>>20, rpc.DefaultMaxServerInFlight, rpc.DefaultMaxLargeRequests)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	pos, done, code := parseFlags(fs, args, stderr, false)
	if done {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "btscript serve: give exactly one recording FILE (run 'btscript serve -h')")
		return exitUsage
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "btscript serve: --addr %q: %v\n", *addr, err)
		return exitUsage
	}
	if !*public && !isLoopback(host) {
		fmt.Fprintf(stderr, "btscript serve: --addr %s is not a loopback address: give --public to serve other machines\n", *addr)
		return exitUsage
	}
	path := pos[0]
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "btscript serve: %v\n", unwrapPathError(err))
		return exitUsage
	}
	book, err := loadRecording(path, *test, meta)
	if isUsage(err) {
		fmt.Fprintf(stderr, "btscript serve: %v\n", err)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "btscript serve: %s\n", oneLine(err.Error()))
		return exitScript
	}
	var h rpc.Handler = record.Handler{Book: book}
	if *verbose {
		h = loggedHandler{Handler: record.Handler{Book: book}, w: stderr, mu: new(sync.Mutex)}
	}
	srv := rpc.NewServer(h)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "btscript serve: %v\n", err)
		return exitScript
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "ws://%s\n", ln.Addr())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		f.Sync()
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "btscript serve: %v\n", err)
			return exitScript
		}
	}
	srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	hs.Shutdown(sctx)
	return exitOK
}

// isLoopback reports whether host names only this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loggedHandler logs each request it serves (serve -v).
type loggedHandler struct {
	record.Handler
	w  io.Writer
	mu *sync.Mutex
}

func (l loggedHandler) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	res, err := l.Handler.ServeRPC(ctx, method, params)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		fmt.Fprintf(l.w, "btscript serve: %s %.160s: %v\n", method, params, err)
	} else {
		fmt.Fprintf(l.w, "btscript serve: %s %.160s\n", method, params)
	}
	return res, err
}

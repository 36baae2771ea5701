// Package rpctest provides a fault-injecting websocket JSON-RPC server for
// tests of chain/rpc and the layers above it, and a simple in-memory
// Handler. Servers listen on 127.0.0.1 at a free port.
package rpctest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/btscript/btscript/chain/rpc"
)

// Options selects the faults a Server injects. The zero value injects none.
// Probabilistic faults draw from a generator seeded with Seed, so a run is
// reproducible for a given order of requests.
type Options struct {
	// Latency delays every request by this much before it is handled
	// (one-way: the response is not delayed further). Concurrent requests
	// are delayed concurrently.
	Latency time.Duration

	// DropEvery closes the connection while handling every DropEvery-th
	// request (counted over the server's life), so that request gets no
	// response. 0 never drops on count.
	DropEvery int
	// DropProbability closes the connection while handling a request.
	DropProbability float64
	// GarbageProbability sends a frame that is not JSON before handling a
	// request.
	GarbageProbability float64
	// WrongIDProbability sends a response with an id nobody asked for
	// before the real response.
	WrongIDProbability float64
	// RateLimitProbability answers a request with a JSON-RPC rate-limit
	// error (code rpc.CodeRateLimited, "Too Many Requests").
	RateLimitProbability float64
	// SwallowFirst loses the replies of the first SwallowFirst requests:
	// each gets a response with an id nobody asked for instead of its own,
	// while the connection stays alive (pings answered, other requests
	// served).
	SwallowFirst int

	// Reject429 answers the first Reject429 websocket upgrades with HTTP
	// 429 Too Many Requests.
	Reject429 int
	// RetryAfter, when positive, is sent as the Retry-After header of those
	// 429s (whole seconds, rounded up).
	RetryAfter time.Duration

	// Seed seeds the fault generator.
	Seed uint64

	// MaxMessageSize is passed to the rpc.Server (0: its default).
	MaxMessageSize int64
	// MaxBatchSize is passed to the rpc.Server (0: its default; negative
	// refuses batches).
	MaxBatchSize int
}

// Stats is a snapshot of a Server's counters.
type Stats struct {
	ConnsOpened int            // websocket connections accepted
	ConnsClosed int            // websocket connections ended
	Requests    int            // requests received, subscriptions included
	ByMethod    map[string]int // requests per method
	Rejected429 int            // upgrades refused with 429
	Drops       int            // connections dropped mid-request
	Garbage     int            // garbage frames sent
	WrongIDs    int            // responses with a wrong id sent
	RateLimits  int            // rate-limit errors returned
	Swallowed   int            // replies lost on purpose
}

// Faults returns the number of faults injected.
func (s Stats) Faults() int {
	return s.Rejected429 + s.Drops + s.Garbage + s.WrongIDs + s.RateLimits + s.Swallowed
}

// Server is a running test server. Close it.
type Server struct {
	opts  Options
	inner rpc.Handler
	rpc   *rpc.Server
	http  *httptest.Server

	mu    sync.Mutex
	rng   *rand.Rand
	st    Stats
	peers map[*rpc.Peer]struct{}
}

// New starts a Server on 127.0.0.1 at a free port serving h with the
// faults of opts.
func New(h rpc.Handler, opts Options) *Server {
	s := &Server{
		opts:  opts,
		inner: h,
		rng:   rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		st:    Stats{ByMethod: make(map[string]int)},
		peers: make(map[*rpc.Peer]struct{}),
	}
	s.rpc = rpc.NewServer(faulty{s})
	s.rpc.MaxMessageSize = opts.MaxMessageSize
	s.rpc.MaxBatchSize = opts.MaxBatchSize
	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL returns the server's ws:// URL.
func (s *Server) URL() string { return "ws" + strings.TrimPrefix(s.http.URL, "http") }

// Close closes every connection, stops the listener and waits for all of
// the server's goroutines to return.
func (s *Server) Close() {
	_ = s.rpc.Close()
	s.http.Close()
}

// DropConnections closes every connection that has made a request, as a
// node restart would; the server keeps accepting new ones.
func (s *Server) DropConnections() {
	s.mu.Lock()
	peers := make([]*rpc.Peer, 0, len(s.peers))
	for p := range s.peers {
		peers = append(peers, p)
	}
	s.mu.Unlock()
	for _, p := range peers {
		_ = p.Close()
	}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.ByMethod = make(map[string]int, len(s.st.ByMethod))
	for k, v := range s.st.ByMethod {
		st.ByMethod[k] = v
	}
	return st
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.st.Rejected429 < s.opts.Reject429 {
		s.st.Rejected429++
		s.mu.Unlock()
		if s.opts.RetryAfter > 0 {
			secs := int((s.opts.RetryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		return
	}
	s.st.ConnsOpened++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.st.ConnsClosed++
		s.mu.Unlock()
	}()
	s.rpc.ServeHTTP(w, r)
}

type fault int

const (
	faultNone fault = iota
	faultDrop
	faultGarbage
	faultWrongID
	faultRateLimit
	faultSwallow
)

// admit counts a request, remembers its connection and, when inject is
// set, picks its fault.
func (s *Server) admit(ctx context.Context, method string, inject bool) (fault, *rpc.Peer) {
	p := rpc.PeerFromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Requests++
	s.st.ByMethod[method]++
	if p != nil {
		s.peers[p] = struct{}{}
		// Forget peers once closed, bounded by this sweep.
		for q := range s.peers {
			if q != p && q.Closed() {
				delete(s.peers, q)
			}
		}
	}
	if !inject {
		return faultNone, p
	}
	o := s.opts
	switch {
	case s.st.Swallowed < o.SwallowFirst:
		s.st.Swallowed++
		return faultSwallow, p
	case o.DropEvery > 0 && s.st.Requests%o.DropEvery == 0:
		s.st.Drops++
		return faultDrop, p
	case o.DropProbability > 0 && s.rng.Float64() < o.DropProbability:
		s.st.Drops++
		return faultDrop, p
	case o.GarbageProbability > 0 && s.rng.Float64() < o.GarbageProbability:
		s.st.Garbage++
		return faultGarbage, p
	case o.WrongIDProbability > 0 && s.rng.Float64() < o.WrongIDProbability:
		s.st.WrongIDs++
		return faultWrongID, p
	case o.RateLimitProbability > 0 && s.rng.Float64() < o.RateLimitProbability:
		s.st.RateLimits++
		return faultRateLimit, p
	}
	return faultNone, p
}

// delay waits for the injected latency or until ctx ends.
func (s *Server) delay(ctx context.Context) error {
	if s.opts.Latency <= 0 {
		return nil
	}
	t := time.NewTimer(s.opts.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// faulty wraps the inner handler with the server's faults.
type faulty struct{ s *Server }

// wrongID is far above any id a test client reaches.
const wrongID = 1 << 60

func (f faulty) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	s := f.s
	flt, p := s.admit(ctx, method, true)
	if err := s.delay(ctx); err != nil {
		return nil, err
	}
	switch flt {
	case faultDrop:
		if p != nil {
			_ = p.Close()
		}
		return nil, fmt.Errorf("rpctest: connection dropped")
	case faultGarbage:
		if p != nil {
			_ = p.WriteRaw([]byte("this is not json {"))
		}
	case faultWrongID:
		if p != nil {
			_ = p.WriteRaw([]byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":"wrong"}`, uint64(wrongID))))
		}
	case faultRateLimit:
		return nil, &rpc.Error{Code: rpc.CodeRateLimited, Message: "Too Many Requests"}
	case faultSwallow:
		if p != nil {
			_ = p.WriteRaw([]byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":"lost"}`, uint64(wrongID)+1)))
		}
		// The real reply never comes: hold the request until the
		// connection or the server closes.
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.inner.ServeRPC(ctx, method, params)
}

func (f faulty) SubscriptionMethods(method string) (string, string, bool) {
	if sub, ok := f.s.inner.(rpc.Subscriber); ok {
		return sub.SubscriptionMethods(method)
	}
	return "", "", false
}

func (f faulty) Subscribe(ctx context.Context, method string, params json.RawMessage) (rpc.SubscriptionFunc, error) {
	s := f.s
	s.admit(ctx, method, false)
	if err := s.delay(ctx); err != nil {
		return nil, err
	}
	return f.s.inner.(rpc.Subscriber).Subscribe(ctx, method, params)
}

package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     rpc.Config
		wantErr string
	}{
		{"no endpoints", rpc.Config{}, "no endpoints"},
		{"http scheme", rpc.Config{Endpoints: []string{"http://127.0.0.1:9944"}}, `scheme "http"`},
		{"no host", rpc.Config{Endpoints: []string{"ws://"}}, "no host"},
		{"bad fallback", rpc.Config{Endpoints: []string{"ws://127.0.0.1:1", "tcp://x"}}, `scheme "tcp"`},
		{"negative in-flight", rpc.Config{Endpoints: []string{"ws://127.0.0.1:1"}, MaxInFlight: -1}, "MaxInFlight"},
		{"api key redacted", rpc.Config{Endpoints: []string{"https://user:secret@host/?apikey=secret"}}, "REDACTED"},
		{"ok", rpc.Config{Endpoints: []string{"ws://127.0.0.1:1", "wss://example.org/path"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rpc.New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				_ = c.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: got %v, want error containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error leaks credentials: %v", err)
			}
		})
	}
}

// TestConcurrentCallsOneConnection: 1000 concurrent calls at 20 ms
// injected latency share one connection and all get their own result.
func TestConcurrentCallsOneConnection(t *testing.T) {
	const calls = 1000
	srv := rpctest.New(testHandler(), rpctest.Options{Latency: 20 * time.Millisecond})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	ctx := ctxFor(t)

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Go(func() {
			var got int
			if err := c.CallResult(ctx, &got, "echo", i); err != nil {
				errs <- err
			} else if got != i {
				errs <- fmt.Errorf("call %d: got %d", i, got)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, cs := srv.Stats(), c.Stats()
	t.Logf("%d calls at 20 ms one-way latency: wall %v, server requests %d, client requests %d", calls, wall, st.Requests, cs.Requests)
	if st.ConnsOpened != 1 || cs.Connects != 1 {
		t.Errorf("connections: server opened %d, client connects %d; want 1", st.ConnsOpened, cs.Connects)
	}
	if st.ByMethod["echo"] != calls || cs.Responses != calls {
		t.Errorf("requests %d, responses %d; want %d", st.ByMethod["echo"], cs.Responses, calls)
	}
}

// TestFaultInjection: at least 1000 injected faults of every kind; every
// call succeeds or fails with a clear error before its deadline, and the
// goroutines return to baseline after Close.
func TestFaultInjection(t *testing.T) {
	baseline := runtime.NumGoroutine()
	const (
		wantFaults = 1000
		maxCalls   = 40000
		workers    = 32
	)
	srv := rpctest.New(testHandler(), rpctest.Options{
		DropProbability:      0.02,
		GarbageProbability:   0.02,
		WrongIDProbability:   0.05,
		RateLimitProbability: 0.05,
		Reject429:            100,
		Seed:                 7,
	})
	c, err := rpc.New(fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
	if err != nil {
		t.Fatal(err)
	}

	var calls, ok, failed atomic.Int64
	var mu sync.Mutex
	kinds := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for srv.Stats().Faults() < wantFaults {
				i := int(calls.Add(1))
				if i > maxCalls {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				raw, err := c.Call(ctx, "echo", i)
				cancel()
				if err != nil {
					failed.Add(1)
					if errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "echo") {
						t.Errorf("call %d: unclear or hung: %v", i, err)
					}
					kind := "other"
					for _, k := range []error{rpc.ErrRateLimited, rpc.ErrConnectionLost} {
						if errors.Is(err, k) {
							kind = k.Error()
						}
					}
					var rpcErr *rpc.Error
					if errors.As(err, &rpcErr) && rpcErr.RateLimited() {
						kind = "json-rpc rate limit"
					}
					mu.Lock()
					kinds[kind]++
					mu.Unlock()
					continue
				}
				if string(raw) != fmt.Sprint(i) {
					t.Errorf("call %d: got %s", i, raw)
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	st, cs := srv.Stats(), c.Stats()
	t.Logf("calls %d: ok %d, failed %d %v", ok.Load()+failed.Load(), ok.Load(), failed.Load(), kinds)
	t.Logf("faults %d: drops %d, garbage %d, wrong ids %d, rate limits %d, 429s %d", st.Faults(), st.Drops, st.Garbage, st.WrongIDs, st.RateLimits, st.Rejected429)
	t.Logf("client: %+v", cs)
	if st.Faults() < wantFaults {
		t.Errorf("only %d faults injected", st.Faults())
	}
	if st.Drops == 0 || st.Garbage == 0 || st.WrongIDs == 0 || st.RateLimits == 0 || st.Rejected429 == 0 {
		t.Errorf("a fault kind never fired: %+v", st)
	}
	if ok.Load() == 0 {
		t.Error("no call succeeded")
	}
	if cs.InFlight != 0 {
		t.Errorf("in flight after all calls returned: %d", cs.InFlight)
	}
	eventually(t, "empty pending table", func() bool { return c.Stats().Pending == 0 })
	echoInt(t, ctxFor(t), c, -1)

	_ = c.Close()
	srv.Close()
	waitGoroutines(t, baseline)
}

// TestRetryPolicy: reads are retried after a lost connection;
// submissions are not retried once sent.
func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		method    string
		wantCalls int
	}{
		{"state_getStorage", 1 + rpc.DefaultRetries},
		{"author_submitExtrinsic", 1},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			var n atomic.Int64
			h := &rpctest.Handler{Methods: map[string]rpctest.Func{
				tt.method: func(ctx context.Context, _ json.RawMessage) (any, error) {
					n.Add(1)
					_ = rpc.PeerFromContext(ctx).Close()
					return nil, errors.New("dropped")
				},
			}}
			srv := rpctest.New(h, rpctest.Options{})
			defer srv.Close()
			c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
			_, err := c.Call(ctxFor(t), tt.method, "0x00")
			if !errors.Is(err, rpc.ErrConnectionLost) || !strings.Contains(err.Error(), tt.method) {
				t.Fatalf("got %v, want connection lost naming the method", err)
			}
			if got := int(n.Load()); got != tt.wantCalls {
				t.Fatalf("server saw %d calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

// TestRateLimits: HTTP 429 on the upgrade (with Retry-After honoured) and
// JSON-RPC rate-limit errors are backed off and retried.
func TestRateLimits(t *testing.T) {
	t.Run("upgrade 429 with Retry-After", func(t *testing.T) {
		srv := rpctest.New(testHandler(), rpctest.Options{Reject429: 1, RetryAfter: time.Second})
		defer srv.Close()
		c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
		echoInt(t, ctxFor(t), c, 1)
		if st := srv.Stats(); st.Rejected429 != 1 || st.ConnsOpened != 1 {
			t.Fatalf("server: %+v", st)
		}
		if r := c.Stats().Retries; r != 1 {
			t.Fatalf("retries %d, want 1", r)
		}
	})
	t.Run("deadline shorter than Retry-After", func(t *testing.T) {
		srv := rpctest.New(testHandler(), rpctest.Options{Reject429: 1, RetryAfter: time.Hour})
		defer srv.Close()
		c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
		ctx, cancel := context.WithTimeout(ctxFor(t), 5*time.Second)
		defer cancel()
		_, err := c.Call(ctx, "echo", 1)
		if !errors.Is(err, rpc.ErrRateLimited) {
			t.Fatalf("got %v, want ErrRateLimited", err)
		}
	})
	t.Run("upgrade 429 beyond retries", func(t *testing.T) {
		srv := rpctest.New(testHandler(), rpctest.Options{Reject429: 1000})
		defer srv.Close()
		c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}, Retries: 2}))
		_, err := c.Call(ctxFor(t), "echo", 1)
		if !errors.Is(err, rpc.ErrRateLimited) || !strings.Contains(err.Error(), "429") {
			t.Fatalf("got %v, want ErrRateLimited naming 429", err)
		}
		if got := srv.Stats().Rejected429; got != 3 {
			t.Fatalf("upgrade attempts %d, want 3", got)
		}
	})
	t.Run("json-rpc rate limit", func(t *testing.T) {
		var n atomic.Int64
		h := &rpctest.Handler{Methods: map[string]rpctest.Func{
			"echo": func(ctx context.Context, p json.RawMessage) (any, error) {
				switch n.Add(1) {
				case 1:
					return nil, &rpc.Error{Code: rpc.CodeRateLimited, Message: "slow down"}
				case 2:
					return nil, &rpc.Error{Code: -32000, Message: "Too Many Requests"}
				}
				return rpctest.Echo(ctx, p)
			},
		}}
		srv := rpctest.New(h, rpctest.Options{})
		defer srv.Close()
		c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
		echoInt(t, ctxFor(t), c, 5)
		if n.Load() != 3 || c.Stats().Retries != 2 {
			t.Fatalf("server calls %d, client retries %d; want 3, 2", n.Load(), c.Stats().Retries)
		}
	})
}

func TestIdleClose(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, IdleTimeout: 200 * time.Millisecond})
	ctx := ctxFor(t)
	echoInt(t, ctx, c, 1)
	eventually(t, "idle close", func() bool { return srv.Stats().ConnsClosed == 1 })
	echoInt(t, ctx, c, 2)
	if st := srv.Stats(); st.ConnsOpened != 2 {
		t.Fatalf("connections opened %d, want 2", st.ConnsOpened)
	}
	if cs := c.Stats(); cs.IdleCloses != 1 || cs.Connects != 2 || cs.Reconnects != 0 {
		t.Fatalf("client: %+v", cs)
	}
}

func TestFallbackEndpoints(t *testing.T) {
	notWS := httptest.NewServer(http.NotFoundHandler())
	defer notWS.Close()
	closed := rpctest.New(testHandler(), rpctest.Options{})
	closedURL := closed.URL()
	closed.Close()
	tests := []struct {
		name    string
		primary string
	}{
		{"refused", deadEndpoint(t)},
		{"not a websocket", "ws" + strings.TrimPrefix(notWS.URL, "http")},
		{"closed server", closedURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := rpctest.New(testHandler(), rpctest.Options{})
			defer srv.Close()
			c := newClient(t, rpc.Config{Endpoints: []string{tt.primary, srv.URL()}})
			echoInt(t, ctxFor(t), c, 3)
			if cs := c.Stats(); cs.Dials != 2 || cs.Connects != 1 {
				t.Fatalf("client: %+v", cs)
			}
		})
	}
	t.Run("all down", func(t *testing.T) {
		c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{deadEndpoint(t), deadEndpoint(t)}, Retries: 1}))
		_, err := c.Call(ctxFor(t), "echo", 1)
		if err == nil || strings.Count(err.Error(), "dial ws://127.0.0.1") != 2 {
			t.Fatalf("got %v, want both endpoints named", err)
		}
	})
}

// TestPermitsReleased: 1000 cancelled, failed and dropped calls leave
// every in-flight slot and pending entry free.
func TestPermitsReleased(t *testing.T) {
	const maxInFlight = 4
	h := testHandler()
	h.Methods["author_submitExtrinsic"] = func(ctx context.Context, _ json.RawMessage) (any, error) {
		_ = rpc.PeerFromContext(ctx).Close()
		return nil, errors.New("dropped")
	}
	srv := rpctest.New(h, rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, MaxInFlight: maxInFlight})

	var wg sync.WaitGroup
	var next atomic.Int64
	var failures atomic.Int64
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > 1000 {
					return
				}
				var err error
				switch i % 4 {
				case 0: // cancelled by its deadline while waiting
					ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
					_, err = c.Call(ctx, "hang")
					cancel()
				case 1: // cancelled explicitly
					ctx, cancel := context.WithCancel(context.Background())
					go cancel()
					_, err = c.Call(ctx, "hang")
				case 2: // error response
					_, err = c.Call(ctxFor(t), "fail")
				case 3: // connection lost, not retried
					_, err = c.Call(ctxFor(t), "author_submitExtrinsic", "0x00")
				}
				if err == nil {
					t.Errorf("call %d succeeded", i)
				}
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	if failures.Load() != 1000 {
		t.Fatalf("failures %d", failures.Load())
	}
	eventually(t, "free slots and empty pending table", func() bool {
		st := c.Stats()
		return st.InFlight == 0 && st.Pending == 0
	})

	ctx := ctxFor(t)
	for i := range 25 * maxInFlight {
		wg.Go(func() { echoInt(t, ctx, c, i) })
	}
	wg.Wait()
}

func TestCancelReturnsCtxErr(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	ctx, cancel := context.WithCancel(ctxFor(t))
	done := make(chan error, 1)
	go func() {
		_, err := c.Call(ctx, "hang")
		done <- err
	}()
	eventually(t, "request on the wire", func() bool { return srv.Stats().ByMethod["hang"] == 1 })
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rpc hang") {
		t.Fatalf("got %v, want wrapped context.Canceled", err)
	}
	echoInt(t, ctxFor(t), c, 1)
}

func TestErrorResponse(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	_, err := c.Call(ctxFor(t), "fail")
	var rpcErr *rpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != 1010 || rpcErr.Method() != "fail" {
		t.Fatalf("got %#v", err)
	}
	want := `rpc fail: error 1010: Invalid Transaction ("Inability to pay some fees")`
	if err.Error() != want {
		t.Fatalf("got %q, want %q", err.Error(), want)
	}
	_, err = c.Call(ctxFor(t), "no_such_method")
	if !errors.As(err, &rpcErr) || rpcErr.Code != rpc.CodeMethodNotFound {
		t.Fatalf("got %v", err)
	}
	if c.Stats().Retries != 0 {
		t.Fatal("error responses were retried")
	}
}

// TestGarbageFrame: a non-JSON frame resets the connection; the call in
// flight is retried on a new one.
func TestGarbageFrame(t *testing.T) {
	var once sync.Once
	h := testHandler()
	h.Methods["garbage"] = func(ctx context.Context, p json.RawMessage) (any, error) {
		once.Do(func() { _ = rpc.PeerFromContext(ctx).WriteRaw([]byte("<html>502 Bad Gateway</html>")) })
		return "ok", nil
	}
	srv := rpctest.New(h, rpctest.Options{})
	defer srv.Close()
	c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}}))
	var got string
	if err := c.CallResult(ctxFor(t), &got, "garbage"); err != nil || got != "ok" {
		t.Fatalf("got %q, %v", got, err)
	}
	if cs := c.Stats(); cs.ProtocolErrors != 1 || cs.Reconnects != 1 || cs.Retries != 1 {
		t.Fatalf("client: %+v", cs)
	}
	if srv.Stats().ConnsOpened != 2 {
		t.Fatalf("server: %+v", srv.Stats())
	}
}

func TestMaxMessageSize(t *testing.T) {
	var once sync.Once
	h := testHandler()
	// An oversized frame with no id (an unsolicited notification) before
	// the response: the reader cannot tell whose it is, so the connection
	// resets and the call retries.
	h.Methods["bigNotification"] = func(ctx context.Context, p json.RawMessage) (any, error) {
		once.Do(func() {
			_ = rpc.PeerFromContext(ctx).WriteRaw([]byte(`{"jsonrpc":"2.0","method":"x","params":{"subscription":"1","result":"` + strings.Repeat("y", 4000) + `"}}`))
		})
		return "ok", nil
	}
	srv := rpctest.New(h, rpctest.Options{})
	defer srv.Close()
	c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{srv.URL()}, MaxMessageSize: 1024}))
	ctx := ctxFor(t)

	_, err := c.Call(ctx, "big", 4096)
	if !errors.Is(err, rpc.ErrMessageTooBig) {
		t.Fatalf("got %v, want ErrMessageTooBig", err)
	}
	for _, want := range []string{"rpc big:", "limit is 1024 bytes", "message of 41"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	echoInt(t, ctx, c, 1)
	if c.Stats().Connects != 1 || c.Stats().Retries != 0 {
		t.Fatalf("an oversized response with an id should fail only its call: %+v", c.Stats())
	}

	var got string
	if err := c.CallResult(ctx, &got, "bigNotification"); err != nil || got != "ok" {
		t.Fatalf("got %q, %v", got, err)
	}
	if cs := c.Stats(); cs.Connects != 2 || cs.Retries != 1 {
		t.Fatalf("client: %+v", cs)
	}
}

func TestBatch(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	var a, b int
	elems := []rpc.BatchElem{
		{Method: "echo", Params: []any{1}, Result: &a},
		{Method: "fail"},
		{Method: "echo", Params: []any{2}, Result: &b},
		{Method: "echo", Params: []any{"str"}, Result: &b},
	}
	if err := c.BatchCall(ctxFor(t), elems); err != nil {
		t.Fatal(err)
	}
	if a != 1 || b != 2 || elems[0].Error != nil || elems[2].Error != nil {
		t.Fatalf("results %d %d, errors %v %v", a, b, elems[0].Error, elems[2].Error)
	}
	var rpcErr *rpc.Error
	if !errors.As(elems[1].Error, &rpcErr) || rpcErr.Method() != "fail" {
		t.Fatalf("element 1: %v", elems[1].Error)
	}
	if elems[3].Error == nil || !strings.Contains(elems[3].Error.Error(), "decode result") {
		t.Fatalf("element 3: %v", elems[3].Error)
	}
	if st := srv.Stats(); st.Requests != 4 {
		t.Fatalf("server %+v", st)
	}
	// The writer counts after the write returns, which may be after the
	// response arrived.
	eventually(t, "client request count", func() bool { return c.Stats().Requests == 4 })
}

func TestBatchRejected(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{MaxBatchSize: -1})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	elems := []rpc.BatchElem{{Method: "echo", Params: []any{1}}, {Method: "system_name"}}
	if err := c.BatchCall(ctxFor(t), elems); err != nil {
		t.Fatal(err)
	}
	for i, e := range elems {
		var rpcErr *rpc.Error
		if !errors.As(e.Error, &rpcErr) || !strings.Contains(rpcErr.Error(), "not supported") || rpcErr.Method() != e.Method {
			t.Fatalf("element %d: %v", i, e.Error)
		}
	}
	echoInt(t, ctxFor(t), c, 1)
}

func TestClosedClient(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}})
	echoInt(t, ctxFor(t), c, 1)

	// A call in flight when Close runs fails with ErrClosed.
	done := make(chan error, 1)
	go func() {
		_, err := c.Call(context.Background(), "hang")
		done <- err
	}()
	eventually(t, "request on the wire", func() bool { return srv.Stats().ByMethod["hang"] == 1 })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, rpc.ErrClosed) {
		t.Fatalf("in-flight call: %v", err)
	}
	if _, err := c.Call(ctxFor(t), "echo", 1); !errors.Is(err, rpc.ErrClosed) || !strings.Contains(err.Error(), "rpc echo") {
		t.Fatalf("after close: %v", err)
	}
	if err := c.BatchCall(ctxFor(t), []rpc.BatchElem{{Method: "echo"}}); !errors.Is(err, rpc.ErrClosed) {
		t.Fatalf("batch after close: %v", err)
	}
	if _, err := c.Subscribe(ctxFor(t), "s", "u"); !errors.Is(err, rpc.ErrClosed) {
		t.Fatalf("subscribe after close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "server side closed", func() bool { return srv.Stats().ConnsClosed == 1 })
}

func TestBackpressure(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, MaxInFlight: 2})
	hangCtx, stop := context.WithCancel(ctxFor(t))
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { _, _ = c.Call(hangCtx, "hang") })
	}
	eventually(t, "slots taken", func() bool { return c.Stats().InFlight == 2 })
	// A third call waits for a slot and gives up with its context.
	ctx, cancel := context.WithTimeout(ctxFor(t), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Call(ctx, "echo", 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
	if n := srv.Stats().ByMethod["echo"]; n != 0 {
		t.Fatalf("a call beyond MaxInFlight was sent")
	}
	stop()
	wg.Wait()
	echoInt(t, ctxFor(t), c, 1)
}

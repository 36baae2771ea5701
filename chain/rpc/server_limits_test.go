package rpc_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/gorilla/websocket"
)

// A request over MaxRequestSize is answered with a JSON-RPC error naming
// both sizes and its id; the connection keeps serving.
func TestServerMaxRequestSize(t *testing.T) {
	s := rpc.NewServer(testHandler())
	s.MaxRequestSize = 100 << 10
	ws := rawConn(t, s)
	big := `{"jsonrpc":"2.0","id":"a1","method":"echo","params":["` + strings.Repeat("x", 200<<10) + `"]}`
	got := roundTrip(t, ws, big)
	want := `{"jsonrpc":"2.0","id":"a1","error":{"code":-32600,"message":"Request of ` + strconv.Itoa(len(big)) + ` bytes exceeds the limit of 102400 bytes"}}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Just under the limit (a large request) is served.
	ok := `{"jsonrpc":"2.0","id":2,"method":"echo","params":["` + strings.Repeat("y", 90<<10) + `"]}`
	if got := roundTrip(t, ws, ok); !strings.HasPrefix(got, `{"jsonrpc":"2.0","id":2,"result":"yyy`) {
		t.Fatalf("under the limit: %.100s", got)
	}
	// An id the server cannot find before the params: null.
	noID := `{"jsonrpc":"2.0","method":"echo","params":["` + strings.Repeat("x", 200<<10) + `"],"id":3}`
	if got := roundTrip(t, ws, noID); !strings.HasPrefix(got, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600`) {
		t.Fatalf("id after params: %s", got)
	}
	if got := roundTrip(t, ws, `{"jsonrpc":"2.0","id":4,"method":"echo","params":[4]}`); got != `{"jsonrpc":"2.0","id":4,"result":4}` {
		t.Fatalf("after: %s", got)
	}
}

// MaxInFlight caps requests across all connections: past it, no
// connection is read until a request finishes (backpressure), and then the
// waiting one is served.
func TestServerMaxInFlightAcrossConnections(t *testing.T) {
	s := rpc.NewServer(testHandler())
	s.MaxInFlight = 2
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer s.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	hanger := newClient(t, rpc.Config{Endpoints: []string{url}, Retries: -1, LivenessWindow: -1})
	for range 2 {
		go hanger.Call(context.Background(), "hang")
	}
	eventually(t, "two hangs in flight", func() bool { return hanger.Stats().Requests == 2 })
	other := newClient(t, rpc.Config{Endpoints: []string{url}, LivenessWindow: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := other.Call(ctx, "echo", 1)
	cancel()
	if err == nil {
		t.Fatal("a third request was served past MaxInFlight 2")
	}
	// The hanging requests end with their connection; the next is served.
	_ = hanger.Close()
	echoInt(t, ctxFor(t), other, 5)
}

// A large request needs one of MaxLargeRequests permits: with one permit
// held by a hanging large request, another large one waits while small
// ones are served.
func TestServerMaxLargeRequests(t *testing.T) {
	s := rpc.NewServer(testHandler())
	s.MaxLargeRequests = 1
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer s.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	big := strings.Repeat("z", 100<<10)
	hanger := newClient(t, rpc.Config{Endpoints: []string{url}, Retries: -1, LivenessWindow: -1})
	go hanger.Call(context.Background(), "hang", big)
	eventually(t, "large hang in flight", func() bool { return hanger.Stats().Requests == 1 })
	time.Sleep(50 * time.Millisecond)
	other := newClient(t, rpc.Config{Endpoints: []string{url}, LivenessWindow: -1})
	echoInt(t, ctxFor(t), other, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := other.Call(ctx, "echo", big)
	cancel()
	if err == nil {
		t.Fatal("a second large request was served past MaxLargeRequests 1")
	}
	_ = hanger.Close()
	raw, err := other.Call(ctxFor(t), "echo", big)
	if err != nil || len(raw) != len(big)+2 {
		t.Fatalf("after the permit freed: %d bytes, %v", len(raw), err)
	}
}

// A client that starts a frame and stops sending is cut off after
// RequestReadTimeout instead of holding its permits.
func TestServerRequestReadTimeout(t *testing.T) {
	s := rpc.NewServer(testHandler())
	s.MaxInFlight = 1
	s.RequestReadTimeout = 200 * time.Millisecond
	ws := rawConn(t, s)
	w, err := ws.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	// More than gorilla's write buffer, so a first fragment goes out, and
	// never the rest.
	if _, err := w.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"echo","params":["` + strings.Repeat("x", 16<<10))); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Fatal("the trickling connection got an answer")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("cut off after %v, want about 200ms", took)
	}
}

package rpc_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/gorilla/websocket"
)

// rawConn dials s with a bare websocket to check what goes on the wire.
func rawConn(t *testing.T, s *rpc.Server) *websocket.Conn {
	t.Helper()
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = s.Close()
		hs.Close()
	})
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

func roundTrip(t *testing.T, ws *websocket.Conn, req string) string {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestServerWire(t *testing.T) {
	s := rpc.NewServer(testHandler())
	ws := rawConn(t, s)
	tests := []struct {
		name, req, want string
	}{
		{"call", `{"jsonrpc":"2.0","id":1,"method":"echo","params":[7]}`,
			`{"jsonrpc":"2.0","id":1,"result":7}`},
		{"string id", `{"jsonrpc":"2.0","id":"a","method":"echo","params":[]}`,
			`{"jsonrpc":"2.0","id":"a","result":null}`},
		{"error", `{"jsonrpc":"2.0","id":2,"method":"nope"}`,
			`{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found: nope"}}`},
		{"parse error", `{not json`,
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
		{"no method", `{"jsonrpc":"2.0","id":3}`,
			`{"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"Invalid request: no method"}}`},
		{"empty batch", `[]`,
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid request: empty batch"}}`},
		// The notification (no id) in the batch gets no response.
		{"batch", `[{"jsonrpc":"2.0","id":4,"method":"echo","params":[1]},{"jsonrpc":"2.0","method":"echo","params":[9]},{"jsonrpc":"2.0","id":5,"method":"echo","params":[2]}]`,
			`[{"jsonrpc":"2.0","id":4,"result":1},{"jsonrpc":"2.0","id":5,"result":2}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := roundTrip(t, ws, tt.req); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestServerNotificationGetsNoResponse(t *testing.T) {
	ws := rawConn(t, rpc.NewServer(testHandler()))
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","method":"echo","params":[1]}`)); err != nil {
		t.Fatal(err)
	}
	// The next frame is the response to the following call, not to the
	// notification.
	if got := roundTrip(t, ws, `{"jsonrpc":"2.0","id":8,"method":"echo","params":[8]}`); got != `{"jsonrpc":"2.0","id":8,"result":8}` {
		t.Fatalf("got %s", got)
	}
}

func TestServerSubscriptionWire(t *testing.T) {
	src := newHeads()
	ws := rawConn(t, rpc.NewServer(src.handler()))
	got := roundTrip(t, ws, `{"jsonrpc":"2.0","id":1,"method":"chain_subscribeNewHeads","params":[1]}`)
	var resp struct {
		Result string `json:"result"`
	}
	if err := json.Unmarshal([]byte(got), &resp); err != nil || resp.Result == "" {
		t.Fatalf("subscribe response %s", got)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, note, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"jsonrpc":"2.0","method":"chain_newHead","params":{"result":{"run":1,"n":0},"subscription":"` + resp.Result + `"}}`
	if string(note) != want {
		t.Fatalf("got  %s\nwant %s", note, want)
	}
	unsub := `{"jsonrpc":"2.0","id":2,"method":"chain_unsubscribeNewHeads","params":["` + resp.Result + `"]}`
	if got := roundTrip(t, ws, unsub); got != `{"jsonrpc":"2.0","id":2,"result":true}` {
		t.Fatalf("unsubscribe: %s", got)
	}
	<-src.ended
	if got := roundTrip(t, ws, strings.Replace(unsub, `"id":2`, `"id":3`, 1)); got != `{"jsonrpc":"2.0","id":3,"result":false}` {
		t.Fatalf("second unsubscribe: %s", got)
	}
}

func TestServerMaxMessageSize(t *testing.T) {
	s := rpc.NewServer(testHandler())
	s.MaxMessageSize = 64
	ws := rawConn(t, s)
	big := `{"jsonrpc":"2.0","id":1,"method":"echo","params":["` + strings.Repeat("x", 100) + `"]}`
	if err := ws.WriteMessage(websocket.TextMessage, []byte(big)); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("got %v, want close 1009 (message too big)", err)
	}
}

func TestServerCloseCancelsHandlers(t *testing.T) {
	s := rpc.NewServer(testHandler())
	hs := httptest.NewServer(s)
	defer hs.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{"ws" + strings.TrimPrefix(hs.URL, "http")}, Retries: -1})
	done := make(chan error, 1)
	go func() {
		_, err := c.Call(context.Background(), "hang")
		done <- err
	}()
	eventually(t, "call in flight", func() bool { return c.Stats().Requests == 1 })
	if err := s.Close(); err != nil { // returns only once "hang" has returned
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("call survived server close")
	}
}

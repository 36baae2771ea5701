package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
	"github.com/gorilla/websocket"
)

// A node that loses one reply (answering with a wrong id instead) while
// the connection stays alive: the read is sent again after the liveness
// window and answered, in about a window rather than the call timeout.
func TestSwallowedReplyIsSentAgain(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{SwallowFirst: 1})
	defer srv.Close()
	const window = 300 * time.Millisecond
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, LivenessWindow: window})
	start := time.Now()
	echoInt(t, ctxFor(t), c, 7)
	if took := time.Since(start); took < window || took > 10*window {
		t.Errorf("recovered after %v, want about one window of %v", took, window)
	}
	if st := c.Stats(); st.Resends != 1 || st.Reconnects != 0 {
		t.Errorf("stats %+v: want one resend on the same connection", st)
	}
	if st := srv.Stats(); st.Swallowed != 1 || st.ByMethod["echo"] != 2 {
		t.Errorf("server stats %+v", st)
	}
}

// A submission is never sent twice: with its reply lost it waits for its
// deadline, and the error names the method, the endpoint and the time
// waited.
func TestLostReplyOfSubmissionNamesMethodEndpointAndWait(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{SwallowFirst: 1})
	defer srv.Close()
	// The window leaves room for pongs on a loaded machine: a connection
	// taken for dead would end the call before its deadline.
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, LivenessWindow: 400 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 1700*time.Millisecond)
	defer cancel()
	_, err := c.Call(ctx, "author_submitExtrinsic", "0x00")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline", err)
	}
	msg := err.Error()
	for _, want := range []string{"author_submitExtrinsic", "no reply from " + srv.URL(), "after 1.7"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if st := srv.Stats(); st.ByMethod["author_submitExtrinsic"] != 1 {
		t.Errorf("submission sent %d times, want once", st.ByMethod["author_submitExtrinsic"])
	}
}

// Every reply lost: reads give up at their deadline with the method and
// the endpoint named, after at most two resends.
func TestEveryReplyLostFailsAtDeadline(t *testing.T) {
	srv := rpctest.New(testHandler(), rpctest.Options{SwallowFirst: 1000})
	defer srv.Close()
	c := newClient(t, rpc.Config{Endpoints: []string{srv.URL()}, LivenessWindow: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.Call(ctx, "echo", 1)
	if err == nil || !strings.Contains(err.Error(), "rpc echo: no reply from "+srv.URL()+" after 1") {
		t.Fatalf("err = %v", err)
	}
	if st := srv.Stats(); st.ByMethod["echo"] != 3 {
		t.Errorf("echo sent %d times, want 3 (two resends)", st.ByMethod["echo"])
	}
}

// silentFirst is a node whose first connection goes silent after the
// upgrade (reads nothing, answers no ping) while later ones are served.
type silentFirst struct {
	srv   *rpc.Server
	n     atomic.Int32
	mu    sync.Mutex
	held  []*websocket.Conn
	upg   websocket.Upgrader
	first chan struct{}
}

func (s *silentFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.n.Add(1) > 1 {
		s.srv.ServeHTTP(w, r)
		return
	}
	ws, err := s.upg.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.held = append(s.held, ws)
	s.mu.Unlock()
	close(s.first)
}

func (s *silentFirst) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ws := range s.held {
		ws.Close()
	}
}

// A connection that delivers nothing, not even pongs, while a call waits
// is dead after the liveness window: the read is retried on a new
// connection and answered.
func TestSilentConnectionIsDeadAfterLivenessWindow(t *testing.T) {
	s := &silentFirst{srv: rpc.NewServer(testHandler()), first: make(chan struct{})}
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer s.srv.Close()
	defer s.close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	const window = 300 * time.Millisecond
	c := newClient(t, fastRetries(rpc.Config{Endpoints: []string{url}, LivenessWindow: window}))
	start := time.Now()
	raw, err := c.Call(ctxFor(t), "echo", json.RawMessage(`"hi"`))
	if err != nil || string(raw) != `"hi"` {
		t.Fatalf("call: %s, %v", raw, err)
	}
	if took := time.Since(start); took > 10*window {
		t.Errorf("recovered after %v, want about one window of %v", took, window)
	}
	if st := c.Stats(); st.Reconnects != 1 {
		t.Errorf("stats %+v: want one reconnect", st)
	}
}

package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadLimited(t *testing.T) {
	pad := strings.Repeat("x", 200)
	tests := []struct {
		name      string
		msg       string
		limit     int64
		wantBig   bool
		wantID    uint64
		wantHasID bool
	}{
		{"fits", `{"id":1,"result":"x"}`, 100, false, 0, false},
		{"exactly at limit", `{"id":1}`, 8, false, 0, false},
		{"id first", `{"jsonrpc":"2.0","id":42,"result":"` + pad + `"}`, 64, true, 42, true},
		{"id last", `{"jsonrpc":"2.0","result":"` + pad + `","id":43}`, 64, true, 43, true},
		{"quoted id last", `{"result":"` + pad + `","id":"44"} `, 64, true, 44, true},
		{"notification", `{"method":"m","params":{"result":"` + pad + `"}}`, 64, true, 0, false},
		{"batch", `[{"id":1,"result":"` + pad + `"}]`, 64, true, 0, false},
		{"one past limit", `{"id":7,"result":"abc"}`, 22, true, 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, big, err := readLimited(strings.NewReader(tt.msg), tt.limit, new(bytes.Buffer))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.wantBig {
				if big != nil || string(data) != tt.msg {
					t.Fatalf("got %q, %v", data, big)
				}
				return
			}
			if big == nil {
				t.Fatal("not reported as oversized")
			}
			if big.hasID != tt.wantHasID || big.id != tt.wantID {
				t.Fatalf("id %d (%v), want %d (%v)", big.id, big.hasID, tt.wantID, tt.wantHasID)
			}
			if !errors.Is(big.err, ErrMessageTooBig) || !strings.Contains(big.err.Error(), "message of "+strconv.Itoa(len(tt.msg))+" bytes") {
				t.Fatalf("error %v does not name size %d", big.err, len(tt.msg))
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{cfg: Config{RetryBackoff: 100 * time.Millisecond, RetryBackoffMax: 2 * time.Second}}
	for attempt := range 40 {
		want := min(100*time.Millisecond<<min(attempt, 20), 2*time.Second)
		for range 50 {
			d := c.backoff(attempt, 0)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	if d := c.backoff(0, 3*time.Second); d != 3*time.Second {
		t.Fatalf("Retry-After not honoured: %v", d)
	}
	// The delay is jittered over the whole upper half: callers that failed
	// together spread out. 400 draws all falling in one quarter of the
	// range happens with probability 2^-399.
	const want = 800 * time.Millisecond // attempt 3
	lower, upper := 0, 0
	seen := map[time.Duration]bool{}
	for range 400 {
		d := c.backoff(3, 0)
		seen[d] = true
		if d < want*3/4 {
			lower++
		} else {
			upper++
		}
	}
	if lower == 0 || upper == 0 || len(seen) < 100 {
		t.Fatalf("backoff not jittered: %d draws below %v, %d above, %d distinct", lower, want*3/4, upper, len(seen))
	}
}

func TestRetryable(t *testing.T) {
	lost := errors.Join(ErrConnectionLost, ErrMessageTooBig)
	tests := []struct {
		name             string
		err              error
		sent, idempotent bool
		want             bool
	}{
		{"closed", ErrClosed, false, true, false},
		{"lost read", lost, true, true, true},
		{"lost submit sent", lost, true, false, false},
		{"lost submit unsent", lost, false, false, true},
		{"too big", ErrMessageTooBig, true, true, false},
		{"rate limited read", &Error{Code: CodeRateLimited}, true, true, true},
		{"rate limited submit", &Error{Code: CodeRateLimited}, true, false, false},
		{"other rpc error", &Error{Code: 1010}, true, true, false},
		{"dial", &rateLimitError{}, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryable(tt.err, tt.sent, tt.idempotent); got != tt.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "-1": 0, "soon": 0} {
		if got := parseRetryAfter(in); got != want {
			t.Errorf("%q: got %v, want %v", in, got, want)
		}
	}
}

// TestEncodeFrame checks the hand-written request frames against
// json.Marshal of the same request objects, byte for byte.
func TestEncodeFrame(t *testing.T) {
	type request struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      uint64          `json:"id"`
		Method  string          `json:"method"`
		Params  json.RawMessage `json:"params"`
	}
	params := func(ps ...any) json.RawMessage {
		raw, err := encodeParams(ps)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	tests := []struct {
		name  string
		calls []wireCall
		batch bool
	}{
		{"no params", []wireCall{{"chain_getHead", params()}}, false},
		{"keys and hash", []wireCall{{"state_queryStorageAt", params([]string{"0x01", "0x02"}, "0xab")}}, false},
		{"method to escape", []wireCall{{"we\"ird\n<method>\u00e9", params(1, nil, true)}}, false},
		{"batch", []wireCall{{"a", params("x")}, {"b", params(map[string]any{"k": []int{1, 2}})}}, true},
		{"batch of one", []wireCall{{"a", params()}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := make([]request, len(tt.calls))
			for i, cl := range tt.calls {
				reqs[i] = request{"2.0", 7 + uint64(i), cl.method, cl.params}
			}
			var want []byte
			var err error
			if tt.batch {
				want, err = json.Marshal(reqs)
			} else {
				want, err = json.Marshal(reqs[0])
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := encodeFrame(7, tt.calls, tt.batch)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("frame\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestLivenessWindowDefaults: a node on this machine gets the long
// window, any other endpoint among them the short one, and a window the
// caller sets is kept.
func TestLivenessWindowDefaults(t *testing.T) {
	tests := []struct {
		endpoints []string
		set, want time.Duration
	}{
		{[]string{"ws://127.0.0.1:9944"}, 0, DefaultLoopbackLivenessWindow},
		{[]string{"ws://localhost:9944", "ws://[::1]:9944", "ws://127.0.0.2:1"}, 0, DefaultLoopbackLivenessWindow},
		{[]string{"wss://entrypoint-finney.opentensor.ai:443"}, 0, DefaultLivenessWindow},
		{[]string{"ws://127.0.0.1:9944", "ws://10.0.0.1:9944"}, 0, DefaultLivenessWindow},
		{[]string{"ws://127.0.0.1:9944"}, 2 * time.Second, 2 * time.Second},
		{[]string{"wss://node.example:443"}, -1, -1},
	}
	for _, tt := range tests {
		c, err := Config{Endpoints: tt.endpoints, LivenessWindow: tt.set}.normalize()
		if err != nil {
			t.Fatal(err)
		}
		if c.LivenessWindow != tt.want {
			t.Errorf("%v with %v: window %v, want %v", tt.endpoints, tt.set, c.LivenessWindow, tt.want)
		}
	}
}

// TestEncodeParams: params encoded without reflection are json.Marshal's,
// byte for byte, for strings and lists of strings of every byte, and any
// other params still go through json.Marshal.
func TestEncodeParams(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	str := func() string {
		b := make([]byte, r.IntN(12))
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = "0123456789abcdefx"[r.IntN(17)]
			}
		}
		return string(b)
	}
	cases := [][]any{
		{"0xab"},
		{[]string{"0x01", "0x02"}, "0xab"},
		{[]string{}},
		{[]string(nil), "0x"},
		{"a<b", "c&d", "e>f", "\u2028", "tab\t", "del\x7f", "é"},
		{1, "x"},
		{nil},
		{[]any{"x"}},
	}
	for k := 0; k < 2000; k++ {
		ps := make([]any, 1+r.IntN(3))
		for i := range ps {
			if r.IntN(2) == 0 {
				ps[i] = str()
			} else {
				l := make([]string, r.IntN(4))
				for j := range l {
					l[j] = str()
				}
				ps[i] = l
			}
		}
		cases = append(cases, ps)
	}
	plain := 0
	for _, ps := range cases {
		want, err := json.Marshal(ps)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeParams(ps)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, %v; want %s", ps, got, err, want)
		}
		if _, ok := plainParams(ps); ok {
			plain++
		}
	}
	if plain < 100 {
		t.Errorf("only %d of %d params took the plain path", plain, len(cases))
	}
}

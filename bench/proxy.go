package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// proxy is a websocket relay on 127.0.0.1 between a client and a node. It
// holds every frame for delay in each direction (so a round trip costs
// 2×delay, as on a network link), counts the JSON-RPC requests the client
// sends, by method, and can answer state_getKeysPaged for one prefix from
// a key index (see keyIndex) instead of the node.
type proxy struct {
	URL      string
	upstream string
	delay    time.Duration
	index    *keyIndex

	ln  net.Listener
	srv *http.Server

	mu     sync.Mutex
	counts map[string]int
	frames int // frames from clients
	t0     time.Time
	sent   []sentAt // first requests since the last reset, in order
	conns  map[*websocket.Conn]struct{}
	closed bool
}

// frame is one websocket message in flight through the proxy.
type frame struct {
	due   time.Time
	typ   int
	data  []byte
	local []byte // when set: an answer made here, sent back instead of forwarded
}

const proxyQueue = 1 << 16

func startProxy(upstream string, delay time.Duration, index *keyIndex) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	p := &proxy{
		URL:      "ws://" + ln.Addr().String(),
		upstream: upstream,
		delay:    delay,
		index:    index,
		ln:       ln,
		counts:   map[string]int{},
		conns:    map[*websocket.Conn]struct{}{},
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

// Close stops the proxy and closes every connection through it.
func (p *proxy) Close() {
	p.mu.Lock()
	p.closed = true
	conns := make([]*websocket.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	p.srv.Close()
	for _, c := range conns {
		c.Close()
	}
}

// sentAt is when a request reached the proxy, after the last reset.
type sentAt struct {
	method string
	at     time.Duration
}

// maxTimeline bounds the requests whose arrival times are kept.
const maxTimeline = 64

// reset zeroes the request counts.
func (p *proxy) reset() {
	p.mu.Lock()
	p.counts = map[string]int{}
	p.frames = 0
	p.t0 = time.Now()
	p.sent = p.sent[:0]
	p.mu.Unlock()
}

// requestCounts is a snapshot of the requests seen since the last reset.
type requestCounts struct {
	Frames   int
	Requests int
	Methods  map[string]int
	Timeline []sentAt
}

func (p *proxy) snapshot() requestCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	rc := requestCounts{Frames: p.frames, Methods: make(map[string]int, len(p.counts)), Timeline: slices.Clone(p.sent)}
	for m, n := range p.counts {
		rc.Methods[m] = n
		rc.Requests += n
	}
	return rc
}

// String renders the counts as "N req (method n, ...)", most used first.
func (rc requestCounts) String() string {
	names := make([]string, 0, len(rc.Methods))
	for m := range rc.Methods {
		names = append(names, m)
	}
	sort.Slice(names, func(i, j int) bool {
		if rc.Methods[names[i]] != rc.Methods[names[j]] {
			return rc.Methods[names[i]] > rc.Methods[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, m := range names {
		parts[i] = fmt.Sprintf("%s %d", m, rc.Methods[m])
	}
	return fmt.Sprintf("%d req (%s)", rc.Requests, strings.Join(parts, ", "))
}

// timeline renders when the requests reached the proxy, in ms after the
// run started, runs of one method grouped: "chain_getHead +0, state_call
// +21 +22".
func (rc requestCounts) timeline() string {
	var sb strings.Builder
	last := ""
	for _, s := range rc.Timeline {
		if s.method != last {
			if sb.Len() > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(s.method)
			last = s.method
		}
		fmt.Fprintf(&sb, " +%.0f", ms(s.at))
	}
	if len(rc.Timeline) == maxTimeline {
		sb.WriteString(" …")
	}
	return sb.String()
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  64 << 10,
	WriteBufferSize: 64 << 10,
	CheckOrigin:     func(*http.Request) bool { return true },
}

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	up, _, err := (&websocket.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10, HandshakeTimeout: 10 * time.Second}).Dial(p.upstream, nil)
	if err != nil {
		http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	down, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		up.Close()
		return
	}
	up.SetReadLimit(256 << 20)
	down.SetReadLimit(256 << 20)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		up.Close()
		down.Close()
		return
	}
	p.conns[up], p.conns[down] = struct{}{}, struct{}{}
	p.mu.Unlock()

	toUp := make(chan frame, proxyQueue)
	toDown := make(chan frame, proxyQueue)
	done := make(chan struct{})
	var once sync.Once
	stop := func() {
		once.Do(func() {
			close(done)
			up.Close()
			down.Close()
			p.mu.Lock()
			delete(p.conns, up)
			delete(p.conns, down)
			p.mu.Unlock()
		})
	}
	// queue puts f on a side's queue, due after the delay.
	queue := func(to chan<- frame, f frame) bool {
		f.due = time.Now().Add(p.delay)
		select {
		case to <- f:
			return true
		case <-done:
			return false
		}
	}
	// read queues each frame of from toward the other side; inspect, when
	// given, counts a frame and may answer it in the proxy's place.
	read := func(from *websocket.Conn, to chan<- frame, inspect func([]byte) []byte) {
		defer stop()
		for {
			typ, data, err := from.ReadMessage()
			if err != nil {
				return
			}
			f := frame{typ: typ, data: data}
			if inspect != nil {
				f.local = inspect(data)
			}
			if !queue(to, f) {
				return
			}
		}
	}
	// write sends each queued frame to its side when it is due, or turns
	// a frame the proxy answers back toward the client.
	write := func(from <-chan frame, to *websocket.Conn) {
		defer stop()
		for {
			var f frame
			select {
			case f = <-from:
			case <-done:
				return
			}
			wait(f.due, done)
			if f.local != nil {
				if !queue(toDown, frame{typ: websocket.TextMessage, data: f.local}) {
					return
				}
				continue
			}
			if err := to.WriteMessage(f.typ, f.data); err != nil {
				return
			}
		}
	}
	go read(down, toUp, p.inspect)
	go write(toUp, up)
	go read(up, toDown, nil)
	go write(toDown, down)
}

func wait(due time.Time, done <-chan struct{}) {
	d := time.Until(due)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}

type rpcRequest struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

// inspect counts the requests of a client frame (one request or a batch)
// and returns the local answer when the key index answers it.
func (p *proxy) inspect(data []byte) []byte {
	var reqs []rpcRequest
	trimmed := strings.TrimLeft(string(data[:min(len(data), 16)]), " \t\r\n")
	if len(data) > largeFrame {
		// A large request (512 storage keys): only its methods are
		// counted, by a scan, which perturbs the clients measured far less
		// than decoding 55 KB of JSON per request did.
		reqs = methodsOf(data)
	} else if strings.HasPrefix(trimmed, "[") {
		if json.Unmarshal(data, &reqs) != nil {
			reqs = nil
		}
	} else {
		var r rpcRequest
		if json.Unmarshal(data, &r) == nil {
			reqs = []rpcRequest{r}
		}
	}
	p.mu.Lock()
	p.frames++
	for _, r := range reqs {
		p.counts[r.Method]++
		if len(p.sent) < maxTimeline {
			p.sent = append(p.sent, sentAt{r.Method, time.Since(p.t0)})
		}
	}
	p.mu.Unlock()
	if len(reqs) != 1 || !strings.HasPrefix(trimmed, "{") || p.index == nil {
		return nil
	}
	return p.index.answer(reqs[0])
}

// largeFrame is the size from which a client frame's requests are only
// counted (see inspect).
const largeFrame = 4 << 10

// methodsOf returns the requests of a frame named by their "method"
// fields, found by a scan.
func methodsOf(data []byte) []rpcRequest {
	var reqs []rpcRequest
	const field = `"method"`
	for {
		i := bytes.Index(data, []byte(field))
		if i < 0 {
			return reqs
		}
		data = bytes.TrimLeft(data[i+len(field):], " \t\r\n")
		if len(data) == 0 || data[0] != ':' {
			continue
		}
		data = bytes.TrimLeft(data[1:], " \t\r\n")
		if len(data) == 0 || data[0] != '"' {
			continue
		}
		end := bytes.IndexByte(data[1:], '"')
		if end < 0 {
			return reqs
		}
		reqs = append(reqs, rpcRequest{Method: string(data[1 : 1+end])})
		data = data[1+end:]
	}
}

// keyIndex answers state_getKeysPaged for one storage prefix from a sorted
// list of the keys under it. Chopsticks lists keys by scanning its storage
// layers for each key it returns, which takes milliseconds per key once a
// map holds thousands of entries (about 90 s for a walk of 10 000); a node
// iterates its trie instead. The index lets the paged-map row measure the
// clients rather than that scan; values are still read from the node.
type keyIndex struct {
	prefix string // 0x-hex, lower case
	keys   []string
}

func newKeyIndex(prefix string, keys []string) *keyIndex {
	ks := make([]string, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		k = strings.ToLower(k)
		if !seen[k] && strings.HasPrefix(k, prefix) {
			seen[k] = true
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return &keyIndex{prefix: strings.ToLower(prefix), keys: ks}
}

// page returns up to count keys under prefix after start ("" for the first).
func (ix *keyIndex) page(count int, start string) []string {
	i := 0
	if start != "" {
		start = strings.ToLower(start)
		i = sort.SearchStrings(ix.keys, start)
		if i < len(ix.keys) && ix.keys[i] == start {
			i++
		}
	}
	j := min(i+count, len(ix.keys))
	return ix.keys[i:j]
}

func (ix *keyIndex) answer(r rpcRequest) []byte {
	if r.Method != "state_getKeysPaged" && r.Method != "state_getKeysPagedAt" || len(r.Params) < 2 {
		return nil
	}
	var prefix string
	var count int
	if json.Unmarshal(r.Params[0], &prefix) != nil || strings.ToLower(prefix) != ix.prefix ||
		json.Unmarshal(r.Params[1], &count) != nil || count <= 0 {
		return nil
	}
	var start string
	if len(r.Params) > 2 {
		var s *string
		if json.Unmarshal(r.Params[2], &s) != nil {
			return nil
		}
		if s != nil {
			start = *s
		}
	}
	keys := ix.page(count, start)
	if keys == nil {
		keys = []string{}
	}
	out, err := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  []string        `json:"result"`
	}{"2.0", r.ID, keys})
	if err != nil {
		return nil
	}
	return out
}

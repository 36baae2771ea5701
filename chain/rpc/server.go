package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Server defaults, applied to zero fields of Server.
const (
	// DefaultServerConcurrency bounds requests handled at once on one
	// connection, matching DefaultMaxInFlight so that a Client at its
	// limit is served without queuing. Past it the server stops reading
	// that connection until a handler returns.
	DefaultServerConcurrency = DefaultMaxInFlight

	// DefaultMaxBatchSize bounds the requests of one batch; a larger batch
	// is refused with one error. 1024 is a Client's worth of in-flight
	// calls.
	DefaultMaxBatchSize = 1024

	// DefaultMaxRequestSize bounds one request frame the server handles. A
	// larger frame (up to MaxMessageSize) is read to its end without being
	// kept and answered with a JSON-RPC error; the connection stays open.
	// The largest requests a client of a node sends, 512-key
	// state_queryStorageAt reads and batches of a thousand calls, stay
	// well under 1 MiB.
	DefaultMaxRequestSize = 4 << 20

	// DefaultMaxServerInFlight bounds requests being read or handled at
	// once across all connections. Past it no connection is read until a
	// request finishes: clients wait (TCP backpressure) instead of the
	// server queuing their frames in memory.
	DefaultMaxServerInFlight = 2048

	// DefaultMaxLargeRequests bounds how many requests larger than
	// largeRequest are read or handled at once across all connections, so
	// that memory stays bounded by about DefaultMaxLargeRequests ×
	// MaxRequestSize whatever clients send; more wait.
	DefaultMaxLargeRequests = 8
)

const (
	// largeRequest is the size past which a request needs one of the
	// MaxLargeRequests slots: together with MaxServerInFlight it bounds
	// the memory of small requests (2048 × 64 KiB = 128 MiB).
	largeRequest = 64 << 10
)

// DefaultRequestReadTimeout bounds the reading of one request frame once
// it has started, so that a client trickling a frame cannot hold its
// permits for ever; past it the connection is closed. 30 s moves 4 MiB
// over a link of 1 Mbit/s.
const DefaultRequestReadTimeout = 30 * time.Second

// Handler serves JSON-RPC methods. ServeRPC is called concurrently. ctx is
// cancelled when the connection closes or the server closes; use
// PeerFromContext to reach the connection. Returning a *Error sends it as
// the JSON-RPC error; any other error is sent as CodeInternalError with
// its message. result is encoded with encoding/json.
type Handler interface {
	ServeRPC(ctx context.Context, method string, params json.RawMessage) (result any, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, method string, params json.RawMessage) (any, error)

// ServeRPC calls f.
func (f HandlerFunc) ServeRPC(ctx context.Context, method string, params json.RawMessage) (any, error) {
	return f(ctx, method, params)
}

// Subscriber is implemented by a Handler that serves subscriptions.
type Subscriber interface {
	// SubscriptionMethods reports whether method opens a subscription and,
	// if so, the method name its notifications carry and the method that
	// cancels it (for example chain_subscribeNewHeads → chain_newHead,
	// chain_unsubscribeNewHeads).
	SubscriptionMethods(method string) (notification, unsubscribe string, ok bool)

	// Subscribe checks params and returns the function that produces the
	// subscription's notifications; an error is sent as the response and
	// no subscription is made. The server answers with a fresh
	// subscription id, then runs the returned function in its own
	// goroutine. It should call notify for each result and return when
	// ctx is done (on unsubscribe, disconnect or server close); notify
	// returns an error once the subscription is gone.
	Subscribe(ctx context.Context, method string, params json.RawMessage) (SubscriptionFunc, error)
}

// SubscriptionFunc produces one subscription's notifications.
type SubscriptionFunc func(ctx context.Context, notify func(result any) error)

// Server serves JSON-RPC 2.0 over websocket: it implements http.Handler,
// upgrading each request to a websocket and serving it until either side
// closes. Requests on a connection are handled concurrently; batches and
// subscriptions are supported. Set fields before serving.
type Server struct {
	// MaxMessageSize bounds one incoming frame; a larger frame closes the
	// connection. Default DefaultMaxMessageSize.
	MaxMessageSize int64
	// Concurrency bounds requests handled at once per connection.
	// Default DefaultServerConcurrency.
	Concurrency int
	// MaxBatchSize bounds a batch. Default DefaultMaxBatchSize; negative
	// refuses all batches (with one error response with a null id, as
	// nodes with batches disabled do).
	MaxBatchSize int
	// MaxRequestSize bounds one request frame handled; a larger one is
	// answered with a JSON-RPC error. Default DefaultMaxRequestSize,
	// capped at MaxMessageSize.
	MaxRequestSize int64
	// MaxInFlight bounds requests read or handled at once across all
	// connections. Default DefaultMaxServerInFlight.
	MaxInFlight int
	// MaxLargeRequests bounds requests over 64 KiB read or handled at
	// once across all connections. Default DefaultMaxLargeRequests.
	MaxLargeRequests int
	// RequestReadTimeout bounds the reading of one request frame once it
	// has started. Default DefaultRequestReadTimeout.
	RequestReadTimeout time.Duration

	handler  Handler
	sub      Subscriber
	upgrader websocket.Upgrader

	limitsOnce  sync.Once
	inFlight    chan struct{} // global in-flight permits
	large       chan struct{} // global permits for large requests
	reqLimit    int64
	readTimeout time.Duration

	mu     sync.Mutex
	peers  map[*Peer]struct{}
	unsubs map[string]bool // every unsubscribe method named so far
	closed bool
	wg     sync.WaitGroup
	subIDs atomic.Uint64
}

// NewServer returns a Server for h. If h implements Subscriber, the server
// serves its subscriptions.
func NewServer(h Handler) *Server {
	s := &Server{
		handler: h,
		peers:   make(map[*Peer]struct{}),
		unsubs:  make(map[string]bool),
	}
	s.sub, _ = h.(Subscriber)
	return s
}

// Peer is one websocket connection served by a Server.
type Peer struct {
	srv    *Server
	ws     *websocket.Conn
	remote string
	ctx    context.Context
	cancel context.CancelFunc
	wmu    sync.Mutex // gorilla allows one writer at a time
	once   sync.Once
	wg     sync.WaitGroup

	smu  sync.Mutex
	subs map[string]serverSub
}

type serverSub struct {
	cancel      context.CancelFunc
	unsubscribe string
}

type peerKey struct{}

// PeerFromContext returns the connection a request arrived on, from the
// ctx given to a Handler; nil otherwise.
func PeerFromContext(ctx context.Context) *Peer {
	p, _ := ctx.Value(peerKey{}).(*Peer)
	return p
}

// RemoteAddr returns the peer's network address.
func (p *Peer) RemoteAddr() string { return p.remote }

// Close closes the connection; its handlers' contexts are cancelled.
func (p *Peer) Close() error {
	p.once.Do(func() {
		p.cancel()
		_ = p.ws.Close()
	})
	return nil
}

// WriteRaw sends frame as one text message, as is. It lets a handler send
// what the protocol does not model (diagnostics, or faults in tests).
func (p *Peer) WriteRaw(frame []byte) error { return p.write(frame) }

func (p *Peer) write(frame []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if p.ctx.Err() != nil {
		return errPeerClosed
	}
	_ = p.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := p.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		_ = p.Close()
		return err
	}
	return nil
}

var errPeerClosed = errors.New("rpc: connection closed")

// ServeHTTP upgrades the request to a websocket and serves it until the
// connection closes; it returns after the connection's handlers and
// subscriptions have returned.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered with an HTTP error
	}
	limit := s.MaxMessageSize
	if limit <= 0 {
		limit = DefaultMaxMessageSize
	}
	ws.SetReadLimit(limit)
	p := &Peer{srv: s, ws: ws, remote: r.RemoteAddr, subs: make(map[string]serverSub)}
	p.ctx, p.cancel = context.WithCancel(context.WithValue(context.Background(), peerKey{}, p))

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = p.Close()
		return
	}
	s.peers[p] = struct{}{}
	s.mu.Unlock()
	defer func() {
		_ = p.Close()
		p.wg.Wait()
		s.mu.Lock()
		delete(s.peers, p)
		s.mu.Unlock()
	}()

	s.limitsOnce.Do(s.initLimits)
	conc := s.Concurrency
	if conc <= 0 {
		conc = DefaultServerConcurrency
	}
	sem := make(chan struct{}, conc)
	for {
		_, r, err := ws.NextReader()
		if err != nil {
			return
		}
		// The frame has started: take the permits before reading it, so a
		// server at its limits stops reading instead of buffering.
		if !acquire(p.ctx, sem) {
			return
		}
		if !acquire(p.ctx, s.inFlight) {
			<-sem
			return
		}
		release := func() { <-s.inFlight; <-sem }
		_ = ws.SetReadDeadline(time.Now().Add(s.readTimeout))
		data, big, err := s.readRequest(p.ctx, r)
		_ = ws.SetReadDeadline(time.Time{})
		if err != nil {
			release()
			return
		}
		if big != nil {
			release()
			p.send(errorResponse(big.id, &Error{Code: CodeInvalidRequest, Message: big.msg}))
			continue
		}
		if len(data) > largeRequest {
			inner := release
			release = func() { <-s.large; inner() }
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer release()
			p.handleFrame(data)
		}()
	}
}

func (s *Server) initLimits() {
	n := s.MaxInFlight
	if n <= 0 {
		n = DefaultMaxServerInFlight
	}
	s.inFlight = make(chan struct{}, n)
	n = s.MaxLargeRequests
	if n <= 0 {
		n = DefaultMaxLargeRequests
	}
	s.large = make(chan struct{}, n)
	s.readTimeout = s.RequestReadTimeout
	if s.readTimeout <= 0 {
		s.readTimeout = DefaultRequestReadTimeout
	}
	s.reqLimit = s.MaxRequestSize
	if s.reqLimit <= 0 {
		s.reqLimit = DefaultMaxRequestSize
	}
	if m := s.MaxMessageSize; m > 0 && s.reqLimit > m {
		s.reqLimit = m
	} else if m <= 0 && s.reqLimit > DefaultMaxMessageSize {
		s.reqLimit = DefaultMaxMessageSize
	}
}

// acquire takes a permit of sem unless ctx ends first.
func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// tooBig describes a request over the size limit: the id it carried, if
// one was found in its first bytes, and the message to answer with.
type tooBig struct {
	id  json.RawMessage
	msg string
}

// readRequest reads one request frame. A frame over largeRequest takes a
// large-request permit (kept while it is handled: the caller releases it)
// before more than largeRequest bytes are held. A frame over the request
// limit is read to its end and dropped, and described by tooBig. An error
// ends the connection.
func (s *Server) readRequest(ctx context.Context, r io.Reader) ([]byte, *tooBig, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, largeRequest+1))
	if err != nil {
		return nil, nil, err
	}
	if n <= largeRequest {
		return buf.Bytes(), nil, nil
	}
	if !acquire(ctx, s.large) {
		return nil, nil, ctx.Err()
	}
	m, err := buf.ReadFrom(io.LimitReader(r, s.reqLimit+1-n))
	n += m
	if err == nil && n <= s.reqLimit {
		return buf.Bytes(), nil, nil
	}
	// Too big: keep the head to find the id, drop the rest as it comes.
	head := append([]byte(nil), buf.Bytes()[:min(buf.Len(), 4096)]...)
	<-s.large
	if err != nil {
		return nil, nil, err
	}
	buf = bytes.Buffer{}
	rest, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, nil, err
	}
	id := nullID
	if raw, ok := requestID(head); ok {
		id = raw
	}
	return nil, &tooBig{id: id, msg: "Request of " + strconv.FormatInt(n+rest, 10) + " bytes exceeds the limit of " + strconv.FormatInt(s.reqLimit, 10) + " bytes"}, nil
}

// requestID finds the id of a request object from its first bytes, when
// "id" comes before the params.
func requestID(head []byte) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, false
		}
		if key != "id" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil, false
			}
			continue
		}
		var id json.RawMessage
		if dec.Decode(&id) != nil || len(id) == 0 || (id[0] != '"' && id[0] != '-' && (id[0] < '0' || id[0] > '9') && string(id) != "null") || len(id) > 128 {
			return nil, false
		}
		return id, true
	}
	return nil, false
}

// Close closes every connection and waits for their handlers to return.
// Later upgrades are refused. It does not stop the http.Server in front.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	peers := make([]*Peer, 0, len(s.peers))
	for p := range s.peers {
		peers = append(peers, p)
	}
	s.mu.Unlock()
	for _, p := range peers {
		_ = p.Close()
	}
	s.wg.Wait()
	return nil
}

type serverRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type serverResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

var nullID = json.RawMessage("null")

func (p *Peer) handleFrame(data []byte) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			p.send(errorResponse(nullID, &Error{Code: CodeParseError, Message: "Parse error"}))
			return
		}
		limit := p.srv.MaxBatchSize
		if limit == 0 {
			limit = DefaultMaxBatchSize
		}
		switch {
		case len(raws) == 0:
			p.send(errorResponse(nullID, &Error{Code: CodeInvalidRequest, Message: "Invalid request: empty batch"}))
			return
		case limit < 0:
			p.send(errorResponse(nullID, &Error{Code: CodeInvalidRequest, Message: "Batched requests are not supported by this server"}))
			return
		case len(raws) > limit:
			p.send(errorResponse(nullID, &Error{Code: CodeInvalidRequest, Message: "Batch of " + strconv.Itoa(len(raws)) + " requests exceeds the limit of " + strconv.Itoa(limit)}))
			return
		}
		var resps []*serverResponse
		var starts []func()
		for _, raw := range raws {
			resp, start := p.handleOne(raw)
			if resp != nil {
				resps = append(resps, resp)
			}
			if start != nil {
				starts = append(starts, start)
			}
		}
		if len(resps) > 0 {
			p.send(resps)
		}
		for _, start := range starts {
			start()
		}
		return
	}
	resp, start := p.handleOne(data)
	if resp != nil {
		p.send(resp)
	}
	if start != nil {
		start()
	}
}

func errorResponse(id json.RawMessage, e *Error) *serverResponse {
	return &serverResponse{JSONRPC: "2.0", ID: id, Error: e}
}

func (p *Peer) send(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		// A result that cannot be encoded: answer with an error instead.
		if r, ok := v.(*serverResponse); ok {
			data, _ = json.Marshal(errorResponse(r.ID, &Error{Code: CodeInternalError, Message: "encode result: " + err.Error()}))
		} else {
			return
		}
	}
	_ = p.write(data)
}

// handleOne serves one request object. It returns the response (nil for a
// notification) and, for an accepted subscription, the function that
// starts it once the response is written.
func (p *Peer) handleOne(raw json.RawMessage) (*serverResponse, func()) {
	var req serverRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return errorResponse(nullID, &Error{Code: CodeParseError, Message: "Parse error"}), nil
	}
	id := req.ID
	notification := len(id) == 0
	if notification {
		id = nullID
	}
	if req.Method == "" {
		return errorResponse(id, &Error{Code: CodeInvalidRequest, Message: "Invalid request: no method"}), nil
	}
	var result any
	var err error
	var start func()
	if p.isUnsubscribe(req.Method) {
		result = p.unsubscribe(req.Method, req.Params)
	} else if p.srv.sub != nil {
		if note, unsub, ok := p.srv.sub.SubscriptionMethods(req.Method); ok {
			result, start, err = p.subscribe(req.Method, note, unsub, req.Params)
		} else {
			result, err = p.srv.handler.ServeRPC(p.ctx, req.Method, req.Params)
		}
	} else {
		result, err = p.srv.handler.ServeRPC(p.ctx, req.Method, req.Params)
	}
	if notification {
		return nil, start
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Code: CodeInternalError, Message: err.Error()}
		}
		return errorResponse(id, e), nil
	}
	if result == nil {
		result = json.RawMessage("null")
	}
	return &serverResponse{JSONRPC: "2.0", ID: id, Result: result}, start
}

func (p *Peer) isUnsubscribe(method string) bool {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	return p.srv.unsubs[method]
}

func (p *Peer) subscribe(method, note, unsub string, params json.RawMessage) (any, func(), error) {
	fn, err := p.srv.sub.Subscribe(p.ctx, method, params)
	if err != nil {
		return nil, nil, err
	}
	if unsub != "" {
		p.srv.mu.Lock()
		p.srv.unsubs[unsub] = true
		p.srv.mu.Unlock()
	}
	id := strconv.FormatUint(p.srv.subIDs.Add(1), 10)
	ctx, cancel := context.WithCancel(p.ctx)
	p.smu.Lock()
	p.subs[id] = serverSub{cancel: cancel, unsubscribe: unsub}
	p.smu.Unlock()
	idJSON, _ := json.Marshal(id)
	notify := func(result any) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		data, err := json.Marshal(map[string]any{
			"jsonrpc": "2.0",
			"method":  note,
			"params":  map[string]any{"subscription": json.RawMessage(idJSON), "result": result},
		})
		if err != nil {
			return err
		}
		return p.write(data)
	}
	start := func() {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() {
				cancel()
				p.smu.Lock()
				delete(p.subs, id)
				p.smu.Unlock()
			}()
			fn(ctx, notify)
		}()
	}
	return id, start, nil
}

// unsubscribe cancels the subscription named by the first param and
// reports whether it existed, as Substrate nodes do.
func (p *Peer) unsubscribe(method string, params json.RawMessage) bool {
	var args []json.RawMessage
	if err := json.Unmarshal(params, &args); err != nil || len(args) == 0 {
		return false
	}
	id := subscriptionKey(args[0])
	p.smu.Lock()
	defer p.smu.Unlock()
	sub, ok := p.subs[id]
	if !ok || sub.unsubscribe != method {
		return false
	}
	delete(p.subs, id)
	sub.cancel()
	return true
}

// Closed reports whether the connection has been closed.
func (p *Peer) Closed() bool { return p.ctx.Err() != nil }

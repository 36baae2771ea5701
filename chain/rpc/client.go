package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// nonIdempotent lists methods that change chain state. They are never
// retried once their request may have reached the node: submitting an
// extrinsic twice either fails (nonce reused) or, worse, pays twice.
var nonIdempotent = map[string]bool{
	"author_submitExtrinsic":         true,
	"author_submitAndWatchExtrinsic": true,
}

// Client is a JSON-RPC 2.0 client over one websocket, safe for concurrent
// use. Calls from any number of goroutines share the connection and are
// matched to responses by id.
//
// A single dispatch goroutine owns the connection state, the table of
// requests waiting for a response, and the subscriptions; callers, the
// connection's reader, and dialers talk to it over channels, so no lock
// guards those tables. Each connection has one reader and one writer
// goroutine. Any read error, write error or protocol violation tears the
// connection down and fails (or retries) what was in flight on it; the
// next call dials anew, so no failure outlives its connection.
type Client struct {
	cfg   Config
	ids   atomic.Uint64
	slots chan struct{} // in-flight permits, capacity cfg.MaxInFlight

	registerCh chan *op
	forgetCh   chan *op
	inCh       chan inbound
	downCh     chan connDown
	dialCh     chan dialResult
	unsubCh    chan unsubRequest
	subEndCh   chan subEnd

	closing    chan struct{} // closed by Close
	closeOnce  sync.Once
	quit       chan struct{} // closed when dispatch has exited
	wg         sync.WaitGroup
	dialCtx    context.Context // cancelled when the client closes
	dialCancel context.CancelFunc

	// Owned by the dispatch goroutine.
	conn      *conn
	dialing   bool
	lost      bool // the last connection ended in failure, not idle close
	waiting   []*op
	pending   map[uint64]*op
	batches   []*op // pending batch ops, oldest first
	subs      map[*Subscription]struct{}
	byKey     map[string]*Subscription
	idle      *time.Timer
	idleArmed bool

	st       stats
	endpoint atomic.Value // string: the endpoint of the latest connection
}

// endpointName names the endpoint calls go to, for errors.
func (c *Client) endpointName() string {
	if e, ok := c.endpoint.Load().(string); ok {
		return redact(e)
	}
	return redact(c.cfg.Endpoints[0])
}

// op is one attempt of a call or batch: its ids, its frame, and the
// channels over which dispatch answers.
type op struct {
	method    string // for messages; the first element's for a batch
	firstID   uint64
	n         int // number of requests (ids firstID..firstID+n-1)
	batch     bool
	frame     []byte
	sub       *Subscription // subscribe requests only
	resub     bool          // a resubscription after reconnect
	ready     chan error    // nil once registered on a connection
	resp      chan reply    // capacity n+1: dispatch never blocks on it
	conn      *conn         // set by dispatch before ready
	remaining int           // owned by dispatch
}

type reply struct {
	id  uint64
	msg *message
	err error
}

type inbound struct {
	conn *conn
	msgs []*message
	big  *oversize
}

type connDown struct {
	conn *conn
	err  error
}

type dialResult struct {
	conn *conn
	err  error
}

type unsubRequest struct {
	sub   *Subscription
	reply chan json.RawMessage // the server id to unsubscribe, or nil
}

type subEnd struct {
	sub *Subscription
	err error
}

// New validates cfg and returns a Client. It does not connect: the first
// call dials. New starts one goroutine; Close releases it.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:        cfg,
		slots:      make(chan struct{}, cfg.MaxInFlight),
		registerCh: make(chan *op),
		forgetCh:   make(chan *op),
		inCh:       make(chan inbound),
		downCh:     make(chan connDown),
		dialCh:     make(chan dialResult),
		unsubCh:    make(chan unsubRequest),
		subEndCh:   make(chan subEnd),
		closing:    make(chan struct{}),
		quit:       make(chan struct{}),
		pending:    make(map[uint64]*op),
		subs:       make(map[*Subscription]struct{}),
		byKey:      make(map[string]*Subscription),
		idle:       time.NewTimer(time.Hour),
	}
	c.idle.Stop()
	c.dialCtx, c.dialCancel = context.WithCancel(context.Background())
	go c.dispatch()
	return c, nil
}

// Close ends all subscriptions (their Err becomes ErrClosed), fails calls
// in flight with ErrClosed, closes the connection and waits for the
// client's goroutines to return. Later calls return ErrClosed. Close is
// idempotent and always returns nil.
func (c *Client) Close() error {
	c.closeOnce.Do(func() { close(c.closing) })
	<-c.quit
	c.wg.Wait()
	return nil
}

// Call performs one JSON-RPC call and returns its raw result ("null" when
// the node returned null). params are encoded as a JSON array.
//
// ctx bounds the whole call: waiting for an in-flight slot, dialing,
// retries with their backoff, and the response. When ctx has no deadline,
// Config.CallTimeout applies. Cancelling ctx returns promptly with
// ctx.Err() wrapped; a response arriving later is dropped. ctx does not
// affect the connection, which other calls keep using.
//
// A JSON-RPC error response is returned as *Error. Other errors are
// wrapped as "rpc <method>: ..." around ErrClosed, ErrConnectionLost,
// ErrMessageTooBig, ErrRateLimited, a dial failure or ctx.Err().
func (c *Client) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	return c.call(ctx, method, params, c.cfg.Retries)
}

// CallResult performs Call and decodes the result into result (a pointer,
// as for json.Unmarshal). A nil result discards it.
func (c *Client) CallResult(ctx context.Context, result any, method string, params ...any) error {
	raw, err := c.Call(ctx, method, params...)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return fmt.Errorf("rpc %s: decode result: %w", method, err)
	}
	return nil
}

func (c *Client) call(ctx context.Context, method string, params []any, retries int) (json.RawMessage, error) {
	raw, err := encodeParams(params)
	if err != nil {
		return nil, fmt.Errorf("rpc %s: encode params: %w", method, err)
	}
	start := time.Now()
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	if err := c.acquire(ctx); err != nil {
		return nil, fmt.Errorf("rpc %s: %w", method, err)
	}
	defer c.release()
	msgs, err := c.roundTrip(ctx, []wireCall{{method, raw}}, false, nil, false, retries)
	if err != nil {
		var rpcErr *Error
		if errors.As(err, &rpcErr) {
			return nil, rpcErr
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("rpc %s: no reply from %s after %v: %w", method, c.endpointName(), time.Since(start).Round(time.Millisecond), err)
		}
		return nil, fmt.Errorf("rpc %s: %w", method, err)
	}
	m := msgs[0]
	if m.Error != nil {
		return nil, m.Error.withMethod(method)
	}
	if len(m.Result) == 0 {
		return json.RawMessage("null"), nil
	}
	return m.Result, nil
}

// BatchElem is one call of a BatchCall.
type BatchElem struct {
	// Method is the method to call.
	Method string
	// Params are its positional params, encoded as a JSON array.
	Params []any
	// Result, if not nil, receives the decoded result (a pointer, as for
	// json.Unmarshal).
	Result any
	// Raw receives the raw result.
	Raw json.RawMessage
	// Error is set when this element failed: a *Error from the node
	// (including a node that rejects batches, which fails every element)
	// or a decoding error.
	Error error
}

// BatchCall sends the elements as one JSON-RPC batch array in one frame
// and waits for all responses. It occupies one in-flight slot. Per-element
// failures are reported in each BatchElem.Error; the returned error
// reports only failures of the exchange itself (connection, ctx, client
// closed), in which case no element is filled. A batch is retried after a
// lost connection only when every method in it is idempotent; a
// rate-limit error on one element is reported, not retried. ctx is
// handled as in Call.
func (c *Client) BatchCall(ctx context.Context, elems []BatchElem) error {
	if len(elems) == 0 {
		return nil
	}
	calls := make([]wireCall, len(elems))
	for i := range elems {
		raw, err := encodeParams(elems[i].Params)
		if err != nil {
			return fmt.Errorf("rpc batch: element %d (%s): encode params: %w", i, elems[i].Method, err)
		}
		calls[i] = wireCall{elems[i].Method, raw}
	}
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	if err := c.acquire(ctx); err != nil {
		return fmt.Errorf("rpc batch: %w", err)
	}
	defer c.release()
	msgs, err := c.roundTrip(ctx, calls, true, nil, false, c.cfg.Retries)
	if err != nil {
		return fmt.Errorf("rpc batch of %d (first %s): %w", len(elems), elems[0].Method, err)
	}
	for i, m := range msgs {
		e := &elems[i]
		e.Raw, e.Error = nil, nil
		switch {
		case m.Error != nil:
			e.Error = m.Error.withMethod(e.Method)
		default:
			e.Raw = m.Result
			if len(e.Raw) == 0 {
				e.Raw = json.RawMessage("null")
			}
			if e.Result != nil {
				if err := json.Unmarshal(e.Raw, e.Result); err != nil {
					e.Error = fmt.Errorf("rpc %s: decode result: %w", e.Method, err)
				}
			}
		}
	}
	return nil
}

// Subscribe calls method (for example chain_subscribeNewHeads) and returns
// the Subscription fed by the node's notifications. unsubscribe names the
// method that cancels it (chain_unsubscribeNewHeads), called by
// Subscription.Unsubscribe and after an abandoned subscribe.
//
// ctx bounds the subscribe call, as in Call, and the subscription: when
// it ends, the subscription is cancelled at the node and ends with
// context.Cause(ctx) as its Err. It also ends with Unsubscribe, Close, or
// a failure to resubscribe. After a reconnect the client calls method again with the
// same params and routes the new server id to the same Subscription, so
// a consumer sees at most a gap; if renewing fails after Config.Retries,
// the Subscription ends with that error. An active subscription keeps the
// connection from idling out.
//
// If ctx ends after the request was sent but before the node answered,
// the node's subscription may outlive the call: its notifications are
// dropped by the client until the connection closes.
func (c *Client) Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*Subscription, error) {
	raw, err := encodeParams(params)
	if err != nil {
		return nil, fmt.Errorf("rpc %s: encode params: %w", method, err)
	}
	s := newSubscription(c.cfg.SubscriptionBuffer)
	s.client, s.method, s.unsubMethod, s.params = c, method, unsubscribe, raw
	var once sync.Once
	s.unsub = func() error {
		var err error
		once.Do(func() { err = c.unsubscribe(s) })
		return err
	}
	life := ctx
	ctx, cancel := c.callContext(ctx)
	defer cancel()
	if err := c.acquire(ctx); err != nil {
		return nil, fmt.Errorf("rpc %s: %w", method, err)
	}
	defer c.release()
	msgs, err := c.roundTrip(ctx, []wireCall{{method, raw}}, false, s, false, c.cfg.Retries)
	if err != nil {
		var rpcErr *Error
		if errors.As(err, &rpcErr) {
			return nil, rpcErr
		}
		return nil, fmt.Errorf("rpc %s: %w", method, err)
	}
	if m := msgs[0]; m.Error != nil {
		return nil, m.Error.withMethod(method)
	}
	stop := context.AfterFunc(life, func() {
		s.end(context.Cause(life))
		s.Unsubscribe()
	})
	s.mu.Lock()
	if s.ended {
		stop()
	} else {
		s.stopCtx = stop // end releases the context's hold
	}
	s.mu.Unlock()
	return s, nil
}

// unsubscribe detaches s from the dispatch tables and, if it is live on
// the current connection, calls its unsubscribe method once (no retry: a
// reconnect would have invalidated the id anyway).
func (c *Client) unsubscribe(s *Subscription) error {
	r := unsubRequest{sub: s, reply: make(chan json.RawMessage, 1)}
	var id json.RawMessage
	select {
	case c.unsubCh <- r:
		id = <-r.reply
	case <-c.quit:
	}
	s.end(ErrUnsubscribed)
	if id == nil || s.unsubMethod == "" {
		return nil
	}
	_, err := c.call(context.Background(), s.unsubMethod, []any{id}, 0)
	return err
}

// resubscribe renews s after its connection was lost. Its failure ends s.
func (c *Client) resubscribe(s *Subscription) {
	defer c.wg.Done()
	ctx, cancel := c.callContext(context.Background())
	defer cancel()
	msgs, err := c.roundTrip(ctx, []wireCall{{s.method, s.params}}, false, s, true, c.cfg.Retries)
	if err == nil && msgs[0].Error != nil {
		err = msgs[0].Error.withMethod(s.method)
	}
	if err == nil {
		return
	}
	select {
	case c.subEndCh <- subEnd{s, fmt.Errorf("rpc %s: resubscribe after reconnect: %w", s.method, err)}:
	case <-c.quit:
	}
}

// callContext applies Config.CallTimeout when ctx has no deadline.
func (c *Client) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || c.cfg.CallTimeout < 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.cfg.CallTimeout)
}

// acquire takes an in-flight slot, blocking until one frees, ctx ends or
// the client closes.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case <-c.closing:
		return ErrClosed
	default:
	}
	select {
	case c.slots <- struct{}{}:
		c.st.inFlight.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closing:
		return ErrClosed
	}
}

func (c *Client) release() {
	c.st.inFlight.Add(-1)
	<-c.slots
}

type wireCall struct {
	method string
	params json.RawMessage
}

// roundTrip runs attempts until one succeeds or the failure is final,
// backing off between attempts. It returns one message per call, in order.
func (c *Client) roundTrip(ctx context.Context, calls []wireCall, batch bool, sub *Subscription, resub bool, retries int) ([]*message, error) {
	idempotent := true
	for _, cl := range calls {
		if nonIdempotent[cl.method] {
			idempotent = false
		}
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		msgs, err, sent := c.attemptResending(ctx, calls, batch, sub, resub, idempotent)
		if err == nil && !batch && msgs[0].Error != nil && msgs[0].Error.RateLimited() {
			// The node refused to serve the request, so a retry is safe
			// for reads; a refused submission is reported as is.
			if !idempotent {
				return msgs, nil
			}
			err, sent = msgs[0].Error.withMethod(calls[0].method), true
		}
		if err == nil {
			return msgs, nil
		}
		if ctx.Err() != nil && lastErr != nil && errors.Is(err, ctx.Err()) {
			return nil, fmt.Errorf("%w (after %d attempts; last error: %v)", err, attempt, lastErr)
		}
		if !retryable(err, sent, idempotent) || attempt >= retries {
			return nil, err
		}
		lastErr = err
		delay := c.backoff(attempt, retryAfter(err))
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			return nil, fmt.Errorf("%w (no time left to retry before the deadline)", err)
		}
		c.st.retries.Add(1)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (after %d attempts; last error: %v)", ctx.Err(), attempt+1, lastErr)
		case <-c.closing:
			t.Stop()
			return nil, ErrClosed
		}
	}
}

// retryable classifies an attempt's failure. sent reports whether the
// request may have reached the node.
func retryable(err error, sent, idempotent bool) bool {
	var rpcErr *Error
	switch {
	case errors.Is(err, ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &rpcErr):
		return rpcErr.RateLimited() && idempotent
	case errors.Is(err, ErrConnectionLost):
		// Checked before ErrMessageTooBig: an oversized frame without an
		// id resets the connection, and the innocent calls on it retry.
		return idempotent || !sent
	case errors.Is(err, ErrMessageTooBig):
		return false
	}
	// Dial failures and the like: nothing was sent.
	return idempotent || !sent
}

// backoff returns the delay before retry number attempt+1: exponential
// from RetryBackoff, capped at RetryBackoffMax, uniformly jittered over
// its upper half so that callers failed together do not retry together;
// a longer Retry-After hint wins.
func (c *Client) backoff(attempt int, hint time.Duration) time.Duration {
	d := c.cfg.RetryBackoffMax
	if attempt < 30 {
		if e := c.cfg.RetryBackoff << attempt; e > 0 && e < d {
			d = e
		}
	}
	d = d/2 + rand.N(d/2+1)
	return max(d, hint)
}

// attemptResending runs one attempt; for reads, while it has no reply
// after the liveness window, the same calls are sent again alongside (at
// most maxResends times) and the first reply wins, so a reply the node lost
// costs a window, not the call timeout. The original request stays
// pending, so a slow but live query is still answered by it.
func (c *Client) attemptResending(ctx context.Context, calls []wireCall, batch bool, sub *Subscription, resub, idempotent bool) ([]*message, error, bool) {
	if !idempotent || sub != nil || c.cfg.LivenessWindow <= 0 {
		return c.attempt(ctx, calls, batch, sub, resub)
	}
	type result struct {
		msgs []*message
		err  error
		sent bool
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan result, maxResends+1)
	run := func() {
		msgs, err, sent := c.attempt(actx, calls, batch, nil, false)
		results <- result{msgs, err, sent}
	}
	go run()
	running, resends := 1, 0
	timer := time.NewTimer(c.cfg.LivenessWindow)
	defer timer.Stop()
	var last result
	for {
		select {
		case r := <-results:
			running--
			if r.err == nil || running == 0 {
				return r.msgs, r.err, r.sent || last.sent
			}
			last = r
		case <-timer.C:
			if resends < maxResends {
				resends++
				running++
				c.st.resends.Add(1)
				c.cfg.Logger.Debug("rpc: no reply within the liveness window; sending the request again", "method", calls[0].method, "window", c.cfg.LivenessWindow)
				go run()
				timer.Reset(c.cfg.LivenessWindow)
			}
		}
	}
}

// attempt sends the calls once and waits for their responses. sent
// reports whether the frame was handed to the connection's writer.
func (c *Client) attempt(ctx context.Context, calls []wireCall, batch bool, sub *Subscription, resub bool) (msgs []*message, err error, sent bool) {
	o := &op{
		method: calls[0].method,
		n:      len(calls),
		batch:  batch,
		sub:    sub,
		resub:  resub,
		ready:  make(chan error, 1),
		resp:   make(chan reply, len(calls)+1),
	}
	o.firstID = c.ids.Add(uint64(len(calls))) - uint64(len(calls)) + 1
	o.frame, err = encodeFrame(o.firstID, calls, batch)
	if err != nil {
		return nil, err, false
	}

	select {
	case c.registerCh <- o:
	case <-ctx.Done():
		return nil, ctx.Err(), false
	case <-c.quit:
		return nil, ErrClosed, false
	}
	select {
	case err := <-o.ready:
		if err != nil {
			return nil, err, false
		}
	case <-ctx.Done():
		c.forget(o)
		return nil, ctx.Err(), false
	}

	select {
	case o.conn.out <- outFrame{o.frame, o.n}:
	case <-o.conn.dead:
		c.forget(o)
		return nil, fmt.Errorf("%w: %w", ErrConnectionLost, o.conn.cause()), false
	case <-ctx.Done():
		c.forget(o)
		return nil, ctx.Err(), false
	}

	msgs = make([]*message, o.n)
	for got := 0; got < o.n; got++ {
		select {
		case r := <-o.resp:
			if r.err != nil {
				return nil, r.err, true
			}
			msgs[r.id-o.firstID] = r.msg
		case <-ctx.Done():
			c.forget(o)
			return nil, ctx.Err(), true
		}
	}
	return msgs, nil, true
}

// forget withdraws o from dispatch after its caller gave up.
func (c *Client) forget(o *op) {
	select {
	case c.forgetCh <- o:
	case <-c.quit:
	}
}

// encodeFrame writes the request objects of calls, numbered from firstID,
// as one frame: a batch array when batch is set. The params are
// json.Marshal's output already, valid and compact, so they are copied as
// they are: json.Marshal would check and compact them again, which for the
// thousand keys of a state_queryStorageAt costs more than the rest of the
// frame.
func encodeFrame(firstID uint64, calls []wireCall, batch bool) ([]byte, error) {
	size := 2
	for _, cl := range calls {
		size += len(`{"jsonrpc":"2.0","id":,"method":"","params":},`) + 20 + len(cl.method) + len(cl.params)
	}
	buf := make([]byte, 0, size)
	if batch {
		buf = append(buf, '[')
	}
	for i, cl := range calls {
		if i > 0 {
			buf = append(buf, ',')
		}
		method, err := json.Marshal(cl.method)
		if err != nil {
			return nil, err
		}
		buf = append(buf, `{"jsonrpc":"2.0","id":`...)
		buf = strconv.AppendUint(buf, firstID+uint64(i), 10)
		buf = append(buf, `,"method":`...)
		buf = append(buf, method...)
		buf = append(buf, `,"params":`...)
		buf = append(buf, cl.params...)
		buf = append(buf, '}')
	}
	if batch {
		buf = append(buf, ']')
	}
	return buf, nil
}

// Stats is a snapshot of a Client's counters.
type Stats struct {
	Requests             uint64 // request objects written to a connection
	Responses            uint64 // responses matched to a waiting request
	Notifications        uint64 // subscription notifications delivered
	DroppedNotifications uint64 // notifications dropped by full subscription buffers
	UnknownResponses     uint64 // responses or notifications nobody waited for, dropped
	ProtocolErrors       uint64 // frames that were not JSON-RPC; each reset a connection
	Dials                uint64 // endpoint connection attempts
	Connects             uint64 // connections established
	Reconnects           uint64 // connections established after one was lost to a failure
	IdleCloses           uint64 // connections closed for idleness
	Retries              uint64 // retry attempts of calls
	Resends              uint64 // reads sent again for want of a reply within the liveness window
	InFlight             int64  // calls holding an in-flight slot now
	Pending              int64  // requests in the waiting table now
	Subscriptions        int64  // active subscriptions now
}

type stats struct {
	requests, responses, notifications, dropped, unknown, protocol atomic.Uint64
	dials, connects, reconnects, idleCloses, retries, resends      atomic.Uint64
	inFlight, pending, subs                                        atomic.Int64
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{
		Requests:             c.st.requests.Load(),
		Responses:            c.st.responses.Load(),
		Notifications:        c.st.notifications.Load(),
		DroppedNotifications: c.st.dropped.Load(),
		UnknownResponses:     c.st.unknown.Load(),
		ProtocolErrors:       c.st.protocol.Load(),
		Dials:                c.st.dials.Load(),
		Connects:             c.st.connects.Load(),
		Reconnects:           c.st.reconnects.Load(),
		IdleCloses:           c.st.idleCloses.Load(),
		Retries:              c.st.retries.Load(),
		Resends:              c.st.resends.Load(),
		InFlight:             c.st.inFlight.Load(),
		Pending:              c.st.pending.Load(),
		Subscriptions:        c.st.subs.Load(),
	}
}

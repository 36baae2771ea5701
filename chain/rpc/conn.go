package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// writeTimeout bounds one frame write. A peer that does not take a
	// frame within 10 s has stopped reading; the connection is reset
	// rather than letting every caller queue behind it.
	writeTimeout = 10 * time.Second

	// pingInterval is how often the writer pings when the liveness window
	// is off. Pings make a half-open connection (peer gone without a FIN)
	// visible within pongWait instead of hanging every call until its
	// timeout.
	pingInterval = 15 * time.Second

	// pongWait is how long the reader waits for any frame, pong included,
	// when the liveness window is off. Two ping intervals tolerate one lost
	// or delayed pong.
	pongWait = 2 * pingInterval

	// closeGrace bounds the close frame sent on an orderly close.
	closeGrace = time.Second

	// outQueue is the capacity of a connection's write queue. Callers
	// block on it (with their context) when the writer falls behind, so it
	// only smooths bursts; 64 frames covers a burst of small calls.
	outQueue = 64

	// maxOversizeDrain bounds how many bytes past MaxMessageSize the
	// reader drains to keep the connection usable and to report the real
	// size. Beyond it the connection is reset instead.
	maxOversizeDrain = 256 << 20

	// oversizeTail is how much of an oversized frame's end is kept to find
	// its id when the id follows the result.
	oversizeTail = 128
)

// conn is one websocket connection with its writer queue.
type conn struct {
	ws       *websocket.Conn
	endpoint string
	out      chan outFrame
	dead     chan struct{} // closed by kill
	once     sync.Once
	err      error         // why it died; set before dead is closed
	scratch  *bytes.Buffer // frames are read into it, then copied out at their size
}

type outFrame struct {
	data []byte
	n    int // request objects in data
}

// kill closes the connection once, recording why.
func (cn *conn) kill(err error, graceful bool) {
	cn.once.Do(func() {
		cn.err = err
		close(cn.dead)
		if graceful {
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = cn.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace))
		}
		_ = cn.ws.Close()
	})
}

// cause returns why the connection died; it waits for kill.
func (cn *conn) cause() error {
	<-cn.dead
	return cn.err
}

// rateLimitError is a 429 on the websocket upgrade.
type rateLimitError struct {
	endpoint string
	after    time.Duration
}

func (e *rateLimitError) Error() string {
	if e.after > 0 {
		return fmt.Sprintf("%v: HTTP 429 from %s (retry after %v)", ErrRateLimited, e.endpoint, e.after)
	}
	return fmt.Sprintf("%v: HTTP 429 from %s", ErrRateLimited, e.endpoint)
}

func (e *rateLimitError) Unwrap() error { return ErrRateLimited }

// retryAfter returns the Retry-After hint carried by err, if any.
func retryAfter(err error) time.Duration {
	var rl *rateLimitError
	if errors.As(err, &rl) {
		return rl.after
	}
	return 0
}

// dial tries the endpoints in order and returns the first connection. If
// every endpoint refused with 429, the error wraps ErrRateLimited with the
// longest Retry-After; otherwise it joins the endpoints' errors.
func (c *Client) dial(ctx context.Context) (*conn, error) {
	var errs []error
	var limited *rateLimitError
	allLimited := true
	for _, ep := range c.cfg.Endpoints {
		if ctx.Err() != nil {
			return nil, ErrClosed
		}
		c.st.dials.Add(1)
		dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
		d := websocket.Dialer{
			Proxy:            http.ProxyFromEnvironment,
			HandshakeTimeout: c.cfg.DialTimeout,
		}
		ws, resp, err := d.DialContext(dctx, ep, c.cfg.Header)
		cancel()
		if err == nil {
			ws.SetReadLimit(0) // the reader enforces MaxMessageSize itself
			return &conn{
				ws:       ws,
				endpoint: ep,
				out:      make(chan outFrame, outQueue),
				dead:     make(chan struct{}),
			}, nil
		}
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			rl := &rateLimitError{endpoint: redact(ep), after: parseRetryAfter(resp.Header.Get("Retry-After"))}
			if limited == nil || rl.after > limited.after {
				limited = rl
			}
			errs = append(errs, rl)
			continue
		}
		allLimited = false
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		errs = append(errs, fmt.Errorf("dial %s: %w", redact(ep), err))
	}
	if ctx.Err() != nil {
		return nil, ErrClosed
	}
	if allLimited && limited != nil {
		return nil, limited
	}
	return nil, errors.Join(errs...)
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// readLoop reads frames and hands them to dispatch until the connection
// fails, then reports the failure. It is the connection's only reader.
func (c *Client) readLoop(cn *conn) {
	defer c.wg.Done()
	wait := c.pongWait()
	cn.ws.SetPongHandler(func(string) error {
		return cn.ws.SetReadDeadline(time.Now().Add(wait))
	})
	for {
		err := c.readOne(cn)
		if err == nil {
			continue
		}
		cn.kill(err, false)
		select {
		case c.downCh <- connDown{cn, cn.cause()}:
		case <-c.quit:
		}
		return
	}
}

// readOne reads and forwards one frame. Any error it returns ends the
// connection.
func (c *Client) readOne(cn *conn) error {
	wait := c.pongWait()
	if err := cn.ws.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return err
	}
	_, r, err := cn.ws.NextReader()
	if err != nil {
		if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
			return fmt.Errorf("%w: no frame, not even a pong, for %v", ErrConnectionLost, wait)
		}
		return err
	}
	// A large frame arriving slowly is alive: each chunk read extends the
	// deadline.
	r = &liveReader{r: r, ws: cn.ws, wait: wait}
	if cn.scratch == nil {
		cn.scratch = new(bytes.Buffer)
	}
	data, big, err := readLimited(r, c.cfg.MaxMessageSize, cn.scratch)
	if err != nil {
		return err
	}
	if cn.scratch.Cap() > maxScratch {
		cn.scratch = nil
	}
	in := inbound{conn: cn}
	if big != nil {
		if !big.hasID {
			return big.err
		}
		in.big = big
	} else {
		msgs, err := parseFrame(data)
		if err != nil {
			c.st.protocol.Add(1)
			return fmt.Errorf("%w: %v", ErrProtocol, err)
		}
		in.msgs = msgs
	}
	select {
	case c.inCh <- in:
		return nil
	case <-c.quit:
		return ErrClosed
	}
}

// maxScratch bounds the read buffer a connection keeps between frames.
const maxScratch = 1 << 20

// oversize describes a frame larger than the limit.
type oversize struct {
	err   error
	id    uint64
	hasID bool
}

// readLimited reads one message of at most limit bytes. A larger message
// is drained (up to maxOversizeDrain past the limit) to measure it and
// find its id, so that only the call it answers fails; an oversize without
// a recoverable id, or too big to drain, is returned as an error with
// hasID false and resets the connection.
//
// The message is read into buf, reused from frame to frame, and returned
// as a copy of its size: read into a new buffer, a 70 KB answer cost the
// allocations of every doubling from 512 bytes, twice its size.
func readLimited(r io.Reader, limit int64, buf *bytes.Buffer) ([]byte, *oversize, error) {
	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if n <= limit {
		return bytes.Clone(buf.Bytes()), nil, nil
	}
	head := buf.Bytes()
	tail := make([]byte, 0, 2*oversizeTail)
	chunk := make([]byte, 32<<10)
	var extra int64
	complete := false
	for extra < maxOversizeDrain {
		k, err := r.Read(chunk)
		extra += int64(k)
		tail = append(tail, chunk[:k]...)
		if len(tail) > oversizeTail {
			tail = append(tail[:0], tail[len(tail)-oversizeTail:]...)
		}
		if err == io.EOF {
			complete = true
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	size := n + extra
	if !complete {
		return nil, &oversize{err: fmt.Errorf("%w: received a message of more than %d bytes, limit is %d bytes (Config.MaxMessageSize)", ErrMessageTooBig, size, limit)}, nil
	}
	big := &oversize{err: fmt.Errorf("%w: received a message of %d bytes, limit is %d bytes (Config.MaxMessageSize)", ErrMessageTooBig, size, limit)}
	if extra == 0 {
		tail = head[max(0, len(head)-oversizeTail):]
	}
	big.id, big.hasID = findID(head, tail)
	return nil, big, nil
}

var tailID = regexp.MustCompile(`"id"\s*:\s*"?(\d+)"?\s*}\s*$`)

// findID recovers the id of a truncated response object: from the head
// when "id" precedes the result, else from the tail when it ends the
// object.
func findID(head, tail []byte) (uint64, bool) {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err == nil && t == json.Delim('{') {
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				break
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				break
			}
			if key == "id" {
				return parseID(v)
			}
		}
	}
	if m := tailID.FindSubmatch(tail); m != nil {
		if id, err := strconv.ParseUint(string(m[1]), 10, 64); err == nil {
			return id, true
		}
	}
	return 0, false
}

// writeLoop is the connection's only writer: request frames from the
// queue, and pings.
func (c *Client) writeLoop(cn *conn) {
	defer c.wg.Done()
	ping := time.NewTicker(c.pingEvery())
	defer ping.Stop()
	for {
		select {
		case f := <-cn.out:
			_ = cn.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := cn.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
				cn.kill(fmt.Errorf("write: %w", err), false)
				return
			}
			c.st.requests.Add(uint64(f.n))
		case <-ping.C:
			if err := cn.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				cn.kill(fmt.Errorf("ping: %w", err), false)
				return
			}
		case <-cn.dead:
			return
		}
	}
}

// pongWait is how long the reader waits for any frame.
func (c *Client) pongWait() time.Duration {
	if c.cfg.LivenessWindow > 0 {
		return c.cfg.LivenessWindow
	}
	return pongWait
}

// pingEvery is how often the writer pings.
func (c *Client) pingEvery() time.Duration {
	if c.cfg.LivenessWindow > 0 {
		return c.cfg.LivenessWindow / 2
	}
	return pingInterval
}

// liveReader extends the connection's read deadline whenever a read of a
// frame returns data.
type liveReader struct {
	r    io.Reader
	ws   *websocket.Conn
	wait time.Duration
}

func (l *liveReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		_ = l.ws.SetReadDeadline(time.Now().Add(l.wait))
	}
	return n, err
}

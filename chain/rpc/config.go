package rpc

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Defaults applied by New to the zero value of each Config field.
const (
	// DefaultMaxInFlight bounds requests in flight on one client. A
	// Substrate node serves a websocket with a bounded per-connection queue
	// (jsonrpsee defaults to a few hundred to a thousand); 1024 keeps a
	// busy script saturating one connection without letting a runaway loop
	// queue unbounded work in memory.
	DefaultMaxInFlight = 1024

	// DefaultIdleTimeout is how long a connection with nothing in flight and
	// no subscription stays open. 10 s spans the pauses of an interactive
	// script while not holding a public node's connection slot for long.
	DefaultIdleTimeout = 10 * time.Second

	// DefaultMaxMessageSize bounds one incoming frame. Substrate nodes cap
	// responses at 10-16 MiB by default and some RPC providers raise it;
	// 64 MiB admits a full runtime metadata blob or a large state page with
	// room to spare while still refusing a runaway stream.
	DefaultMaxMessageSize = 64 << 20

	// DefaultRetries is how many times an idempotent read is retried after
	// a lost connection, failed dial or rate limit. With the default
	// backoff that spans roughly 5 s, long enough to ride out a node
	// restart behind a load balancer.
	DefaultRetries = 5

	// DefaultRetryBackoff is the first retry's backoff, doubled per retry.
	// 100 ms is above a LAN round trip and below a human's notice.
	DefaultRetryBackoff = 100 * time.Millisecond

	// DefaultRetryBackoffMax caps the doubling so that a long retry series
	// keeps probing the node every few seconds.
	DefaultRetryBackoffMax = 2 * time.Second

	// DefaultDialTimeout bounds one endpoint's TCP + TLS + websocket
	// handshake; past it the next endpoint is tried. 10 s tolerates an
	// intercontinental TLS handshake on a poor link.
	DefaultDialTimeout = 10 * time.Second

	// DefaultCallTimeout applies when the caller's context has no deadline,
	// so that a call never waits forever on a node that stopped answering.
	// 60 s admits the slowest legitimate queries (large storage pages on an
	// archive node).
	DefaultCallTimeout = 60 * time.Second

	// DefaultLivenessWindow is how long a connection may deliver nothing,
	// pongs included, before it is taken for dead (pinged every half
	// window), and how long a read waits for its reply before the request
	// is sent again. 5 s is well above a round trip to any public node and
	// far below the call timeout that a stalled node used to cost.
	DefaultLivenessWindow = 5 * time.Second

	// DefaultLoopbackLivenessWindow is the liveness window when every
	// endpoint is on this machine. Loopback has no middlebox to drop a
	// connection silently, and a node process that dies closes its socket,
	// which the reader sees at once; a loopback node that sends nothing is
	// busy, not gone: Chopsticks answers no ping while it lists keys, about
	// 9 ms a key, so a 1000-key page keeps it silent for 9 s.
	DefaultLoopbackLivenessWindow = 60 * time.Second

	// maxResends bounds how often one read is sent again for want of a
	// reply within the liveness window.
	maxResends = 2

	// DefaultSubscriptionBuffer is the number of notifications a
	// Subscription holds for a consumer that is not reading. 128 blocks is
	// over 12 minutes of Bittensor heads.
	DefaultSubscriptionBuffer = 128
)

// Config configures a Client. The zero value of every field selects the
// default named in its comment; only Endpoints is required.
type Config struct {
	// Endpoints are ws:// or wss:// URLs: the primary first, then
	// fallbacks. Every connection attempt tries them in this order and
	// uses the first that accepts.
	Endpoints []string

	// MaxInFlight bounds concurrent calls (a batch counts as one). A call
	// beyond it blocks until a slot frees or its context ends; nothing is
	// queued without bound. Default DefaultMaxInFlight.
	MaxInFlight int

	// IdleTimeout closes the connection once nothing has been in flight
	// and no subscription has been active for this long; the next call
	// reopens it. Default DefaultIdleTimeout; negative never closes.
	IdleTimeout time.Duration

	// MaxMessageSize bounds one incoming frame in bytes. A larger frame
	// fails its call with ErrMessageTooBig naming the size and the limit.
	// Default DefaultMaxMessageSize.
	MaxMessageSize int64

	// Retries is how many times an idempotent call is retried after a
	// lost connection, a failed dial or a rate-limit refusal. Default
	// DefaultRetries; negative disables retries.
	Retries int

	// RetryBackoff is the backoff before the first retry; it doubles per
	// retry up to RetryBackoffMax, with random jitter, and a Retry-After
	// header overrides it when longer. Default DefaultRetryBackoff.
	RetryBackoff time.Duration

	// RetryBackoffMax caps RetryBackoff's doubling. Default
	// DefaultRetryBackoffMax.
	RetryBackoffMax time.Duration

	// DialTimeout bounds one endpoint's connection attempt. Default
	// DefaultDialTimeout.
	DialTimeout time.Duration

	// CallTimeout bounds a call whose context has no deadline. Default
	// DefaultCallTimeout; negative applies no timeout.
	CallTimeout time.Duration

	// LivenessWindow: a connection that delivers no frame (a pong
	// included; it is pinged every half window) for this long is dead: it
	// is closed and the reads on it retried on a new one. A read whose
	// reply has not come within it is sent again (at most twice; whichever
	// reply comes first is used), which recovers a reply the node lost.
	// Default DefaultLivenessWindow, or DefaultLoopbackLivenessWindow when
	// every endpoint is a loopback address or localhost; negative turns
	// both off (pings every 15 s, dead after 30 s).
	LivenessWindow time.Duration

	// SubscriptionBuffer is the notification buffer of each Subscription.
	// Default DefaultSubscriptionBuffer.
	SubscriptionBuffer int

	// Header is sent with every websocket upgrade request (for example an
	// API key of an RPC provider).
	Header http.Header

	// Logger receives diagnostics such as dropped frames. Default: discard.
	Logger *slog.Logger
}

// normalize validates c and returns a copy with defaults applied.
func (c Config) normalize() (Config, error) {
	if len(c.Endpoints) == 0 {
		return c, errors.New("rpc: config: no endpoints")
	}
	c.Endpoints = append([]string(nil), c.Endpoints...)
	for _, ep := range c.Endpoints {
		u, err := url.Parse(ep)
		if err != nil {
			return c, fmt.Errorf("rpc: config: endpoint %q: %w", ep, err)
		}
		if u.Scheme != "ws" && u.Scheme != "wss" {
			return c, fmt.Errorf("rpc: config: endpoint %s: scheme %q is not ws or wss", redact(ep), u.Scheme)
		}
		if u.Host == "" {
			return c, fmt.Errorf("rpc: config: endpoint %s: no host", redact(ep))
		}
	}
	if c.MaxInFlight < 0 {
		return c, fmt.Errorf("rpc: config: MaxInFlight %d is negative", c.MaxInFlight)
	}
	if c.MaxMessageSize < 0 {
		return c, fmt.Errorf("rpc: config: MaxMessageSize %d is negative", c.MaxMessageSize)
	}
	if c.SubscriptionBuffer < 0 {
		return c, fmt.Errorf("rpc: config: SubscriptionBuffer %d is negative", c.SubscriptionBuffer)
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	} else if c.Retries < 0 {
		c.Retries = 0
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.RetryBackoffMax <= 0 {
		c.RetryBackoffMax = DefaultRetryBackoffMax
	}
	if c.RetryBackoffMax < c.RetryBackoff {
		c.RetryBackoffMax = c.RetryBackoff
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.SubscriptionBuffer == 0 {
		c.SubscriptionBuffer = DefaultSubscriptionBuffer
	}
	if c.LivenessWindow == 0 {
		c.LivenessWindow = DefaultLivenessWindow
		if allLoopback(c.Endpoints) {
			c.LivenessWindow = DefaultLoopbackLivenessWindow
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Redact returns the endpoint without user info and query, which is where
// RPC providers put API keys, so that errors and logs can name it.
func Redact(endpoint string) string { return redact(endpoint) }

func redact(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "<unparsable endpoint>"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	u.Fragment = ""
	return u.String()
}

// allLoopback reports whether every endpoint names this machine.
func allLoopback(endpoints []string) bool {
	for _, ep := range endpoints {
		u, err := url.Parse(ep)
		if err != nil {
			return false
		}
		host := u.Hostname()
		if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			return false
		}
	}
	return len(endpoints) > 0
}

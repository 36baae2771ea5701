package rpc

import (
	"encoding/json"
	"sync"
	"sync/atomic"
)

// Subscription is a stream of notifications. The Client creates them in
// Subscribe; other Transport implementations create them with
// NewSubscription.
//
// Notifications wait in a bounded buffer. When the consumer falls behind
// and the buffer is full, the oldest notification is dropped to make room
// for the newest and Dropped counts it: a slow consumer never blocks the
// connection's reader nor other calls, and for head subscriptions the
// newest head is the one that matters.
type Subscription struct {
	ch      chan json.RawMessage
	done    chan struct{}
	dropped atomic.Uint64
	unsub   func() error // cancels at the source; may be nil

	mu      sync.Mutex // guards ended, err and stopCtx, and serializes sends with end
	ended   bool
	err     error
	stopCtx func() bool // detaches the subscription from its context

	// Fields below belong to the Client's dispatch goroutine.
	client        *Client
	method        string          // the subscribe method
	unsubMethod   string          // the unsubscribe method
	params        json.RawMessage // params of the subscribe call, replayed on resubscribe
	serverKey     string          // current server-side id, "" while not subscribed
	serverID      json.RawMessage // the same id as the node sent it
	resubscribing bool
}

func newSubscription(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultSubscriptionBuffer
	}
	return &Subscription{
		ch:   make(chan json.RawMessage, buffer),
		done: make(chan struct{}),
	}
}

// C returns the channel of notification results (the "result" member of
// each notification). It is closed when the subscription ends; Err then
// says why.
func (s *Subscription) C() <-chan json.RawMessage { return s.ch }

// Done is closed when the subscription ends.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err returns nil while the subscription is active, then why it ended:
// ErrUnsubscribed, ErrClosed (the client closed), or the failure that
// ended it (for example a resubscription that failed after a reconnect).
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Dropped returns how many notifications were discarded because the
// buffer was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Unsubscribe ends the subscription and cancels it at its source (for the
// Client, by calling the unsubscribe method on the node, bounded by
// Config.CallTimeout). The channel closes whether or not that call
// succeeds; its error is returned. Calling it again does nothing.
func (s *Subscription) Unsubscribe() error {
	if s.unsub != nil {
		return s.unsub()
	}
	s.end(ErrUnsubscribed)
	return nil
}

// deliver queues msg, dropping the oldest queued notification when the
// buffer is full. It never blocks. It reports false once ended.
func (s *Subscription) deliver(msg json.RawMessage) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return false
	}
	select {
	case s.ch <- msg:
		return true
	default:
	}
	// Full: drop the oldest. Sends are serialized by mu, so after taking
	// one out there is room (the consumer only ever removes).
	select {
	case <-s.ch:
	default:
	}
	s.dropped.Add(1)
	select {
	case s.ch <- msg:
	default:
		s.dropped.Add(1)
	}
	return true
}

// end closes the subscription with err (first call wins).
func (s *Subscription) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	if err == nil {
		err = ErrSubscriptionClosed
	}
	s.ended = true
	s.err = err
	if s.stopCtx != nil {
		s.stopCtx()
	}
	close(s.ch)
	close(s.done)
}

// Feed is the producing side of a Subscription made by NewSubscription.
// Its methods are safe for concurrent use.
type Feed struct{ s *Subscription }

// NewSubscription returns a Subscription holding up to buffer
// notifications (DefaultSubscriptionBuffer when buffer <= 0) and the Feed
// that fills it. It lets a Transport other than Client (a replay of a
// recording, a fake in tests) implement Subscribe. unsubscribe, if not
// nil, is called once by the first Subscription.Unsubscribe and should
// stop the producer; the subscription is ended either way.
func NewSubscription(buffer int, unsubscribe func() error) (*Subscription, *Feed) {
	s := newSubscription(buffer)
	if unsubscribe != nil {
		var once sync.Once
		s.unsub = func() error {
			var err error
			once.Do(func() {
				err = unsubscribe()
				s.end(ErrUnsubscribed)
			})
			return err
		}
	}
	return s, &Feed{s: s}
}

// Send queues a notification result without blocking, dropping the oldest
// queued one if the buffer is full. It reports false once the
// subscription has ended.
func (f *Feed) Send(result json.RawMessage) bool { return f.s.deliver(result) }

// End ends the subscription: its channel closes and Err returns err
// (ErrSubscriptionClosed when err is nil). Later calls do nothing.
func (f *Feed) End(err error) { f.s.end(err) }

// Done is closed when the subscription ends, for example because the
// consumer called Unsubscribe.
func (f *Feed) Done() <-chan struct{} { return f.s.done }

package rpc

import (
	"encoding/json"
	"fmt"
	"slices"
)

// dispatch owns the connection state, the pending table and the
// subscriptions. It never blocks on anything but its own select: replies
// go to buffered channels, notifications to non-blocking buffers, and
// dialing, writing and resubscribing happen in other goroutines.
func (c *Client) dispatch() {
	defer c.shutdown()
	for {
		select {
		case <-c.closing:
			return
		case o := <-c.registerCh:
			c.register(o)
		case o := <-c.forgetCh:
			c.drop(o)
		case in := <-c.inCh:
			c.handleInbound(in)
		case d := <-c.downCh:
			if d.conn == c.conn {
				c.teardown(d.err)
			}
		case r := <-c.dialCh:
			c.dialed(r)
		case u := <-c.unsubCh:
			u.reply <- c.detach(u.sub)
		case e := <-c.subEndCh:
			c.detach(e.sub)
			e.sub.end(e.err)
		case <-c.idle.C:
			c.idleArmed = false
			if c.isIdle() {
				c.cfg.Logger.Debug("rpc: closing idle connection", "endpoint", redact(c.conn.endpoint))
				c.conn.kill(errIdle, true)
				c.conn = nil
				c.st.idleCloses.Add(1)
			}
		}
		c.updateIdle()
		c.st.pending.Store(int64(len(c.pending)))
		c.st.subs.Store(int64(len(c.subs)))
	}
}

var errIdle = fmt.Errorf("%w: closed for idleness", ErrConnectionLost)

// register puts o on the current connection, or queues it and dials.
func (c *Client) register(o *op) {
	if c.conn != nil {
		c.attach(o)
		o.ready <- nil
		return
	}
	c.waiting = append(c.waiting, o)
	c.startDial()
}

func (c *Client) attach(o *op) {
	o.conn = c.conn
	o.remaining = o.n
	for i := range o.n {
		c.pending[o.firstID+uint64(i)] = o
	}
	if o.batch {
		c.batches = append(c.batches, o)
	}
}

// drop removes o from the waiting list and the pending table.
func (c *Client) drop(o *op) {
	c.waiting = slices.DeleteFunc(c.waiting, func(w *op) bool { return w == o })
	c.unpend(o)
	// A subscribe whose caller gave up after the node accepted it: the
	// caller never got the Subscription, so cancel it at the node.
	if o.sub != nil && !o.resub {
		if _, ok := c.subs[o.sub]; ok {
			if id := c.detach(o.sub); id != nil {
				c.spawnUnsubscribe(o.sub.unsubMethod, id)
			}
			o.sub.end(ErrUnsubscribed)
		}
	}
}

func (c *Client) unpend(o *op) {
	for i := range o.n {
		id := o.firstID + uint64(i)
		if c.pending[id] == o {
			delete(c.pending, id)
		}
	}
	if o.batch {
		c.batches = slices.DeleteFunc(c.batches, func(b *op) bool { return b == o })
	}
}

// fail answers o with err and removes it.
func (c *Client) fail(o *op, err error) {
	c.unpend(o)
	o.resp <- reply{err: err}
}

func (c *Client) startDial() {
	if c.dialing {
		return
	}
	c.dialing = true
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		cn, err := c.dial(c.dialCtx)
		select {
		case c.dialCh <- dialResult{cn, err}:
		case <-c.quit:
			if cn != nil {
				cn.kill(ErrClosed, true)
			}
		}
	}()
}

// dialed installs a new connection and registers the waiting ops on it,
// or fails them with the dial error (their callers back off and retry).
func (c *Client) dialed(r dialResult) {
	c.dialing = false
	waiting := c.waiting
	c.waiting = nil
	if r.err != nil {
		for _, o := range waiting {
			o.ready <- r.err
		}
		return
	}
	c.conn = r.conn
	c.endpoint.Store(r.conn.endpoint)
	c.st.connects.Add(1)
	if c.lost {
		c.st.reconnects.Add(1)
		c.lost = false
	}
	c.wg.Add(2)
	go c.readLoop(r.conn)
	go c.writeLoop(r.conn)
	for _, o := range waiting {
		c.attach(o)
		o.ready <- nil
	}
}

// teardown forgets the current connection after a failure: every request
// pending on it fails with ErrConnectionLost (its caller retries reads),
// and every subscription is renewed on the next connection.
func (c *Client) teardown(cause error) {
	cn := c.conn
	c.conn = nil
	c.lost = true
	c.cfg.Logger.Debug("rpc: connection lost", "endpoint", redact(cn.endpoint), "err", cause)
	err := fmt.Errorf("%w: %w", ErrConnectionLost, cause)
	failed := make(map[*op]bool)
	for _, o := range c.pending {
		if !failed[o] {
			failed[o] = true
			o.resp <- reply{err: err}
		}
	}
	clear(c.pending)
	c.batches = nil
	clear(c.byKey)
	for s := range c.subs {
		s.serverKey, s.serverID = "", nil
		if nonIdempotent[s.method] {
			// Renewing would send the extrinsic again: end the watch and
			// let the caller look for it on chain.
			c.detach(s)
			s.end(fmt.Errorf("rpc %s: connection lost while watching; the extrinsic was not sent again: %w", s.method, err))
			continue
		}
		if !s.resubscribing {
			s.resubscribing = true
			c.wg.Add(1)
			go c.resubscribe(s)
		}
	}
}

func (c *Client) handleInbound(in inbound) {
	if in.conn != c.conn {
		return // from a connection already torn down; its ops were failed
	}
	if in.big != nil {
		if o := c.pending[in.big.id]; o != nil {
			c.fail(o, in.big.err)
			return
		}
		// Nobody waits for it (the reader only forwards it when it found
		// an id): drop it like any unknown response.
		c.st.unknown.Add(1)
		c.cfg.Logger.Warn("rpc: dropped oversized response to unknown id", "id", in.big.id, "err", in.big.err)
		return
	}
	for _, m := range in.msgs {
		if m.isNotification() {
			c.notify(m)
			continue
		}
		c.respond(m)
	}
}

func (c *Client) notify(m *message) {
	var p notificationParams
	if err := json.Unmarshal(m.Params, &p); err != nil || len(p.Subscription) == 0 {
		c.st.unknown.Add(1)
		c.cfg.Logger.Warn("rpc: dropped malformed notification", "method", m.Method)
		return
	}
	s := c.byKey[subscriptionKey(p.Subscription)]
	if s == nil {
		c.st.unknown.Add(1)
		c.cfg.Logger.Debug("rpc: dropped notification for unknown subscription", "method", m.Method, "subscription", string(p.Subscription))
		return
	}
	before := s.Dropped()
	if s.deliver(p.Result) {
		c.st.notifications.Add(1)
		c.st.dropped.Add(s.Dropped() - before)
	}
}

func (c *Client) respond(m *message) {
	id, ok := parseID(m.ID)
	if !ok {
		// A null id with an error is how a node that does not accept
		// batches answers one: attribute it to the oldest pending batch.
		if isNullID(m.ID) && m.Error != nil && len(c.batches) > 0 {
			o := c.batches[0]
			c.unpend(o)
			for i := range o.n {
				o.resp <- reply{id: o.firstID + uint64(i), msg: m}
			}
			c.st.responses.Add(1)
			return
		}
		c.st.unknown.Add(1)
		c.cfg.Logger.Warn("rpc: dropped response without usable id", "id", string(m.ID))
		return
	}
	o := c.pending[id]
	if o == nil {
		c.st.unknown.Add(1)
		c.cfg.Logger.Debug("rpc: dropped response to unknown id", "id", id)
		return
	}
	delete(c.pending, id)
	c.st.responses.Add(1)
	o.remaining--
	if o.remaining == 0 && o.batch {
		c.batches = slices.DeleteFunc(c.batches, func(b *op) bool { return b == o })
	}
	if o.sub != nil && m.Error == nil {
		c.activate(o, m.Result)
	}
	o.resp <- reply{id: id, msg: m}
}

// activate maps the server id of an accepted subscribe to its
// Subscription, before any later frame is processed, so no notification
// can outrun it.
func (c *Client) activate(o *op, id json.RawMessage) {
	s := o.sub
	if o.resub {
		s.resubscribing = false
		if _, live := c.subs[s]; !live {
			// Unsubscribed or ended while renewing: cancel the new one.
			c.spawnUnsubscribe(s.unsubMethod, id)
			return
		}
	}
	c.subs[s] = struct{}{}
	s.serverKey, s.serverID = subscriptionKey(id), id
	c.byKey[s.serverKey] = s
}

// detach removes s from the tables and returns its live server id, if any.
func (c *Client) detach(s *Subscription) json.RawMessage {
	if _, ok := c.subs[s]; !ok {
		return nil
	}
	delete(c.subs, s)
	id := s.serverID
	if s.serverKey != "" && c.byKey[s.serverKey] == s {
		delete(c.byKey, s.serverKey)
	}
	s.serverKey, s.serverID = "", nil
	return id
}

// spawnUnsubscribe cancels a server-side subscription nobody wants,
// best effort.
func (c *Client) spawnUnsubscribe(method string, id json.RawMessage) {
	if method == "" || c.conn == nil {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		_, err := c.call(c.dialCtx, method, []any{id}, 0)
		if err != nil {
			c.cfg.Logger.Debug("rpc: unsubscribe of abandoned subscription failed", "method", method, "err", err)
		}
	}()
}

func (c *Client) isIdle() bool {
	return c.conn != nil && len(c.pending) == 0 && len(c.waiting) == 0 && len(c.subs) == 0
}

// updateIdle arms the idle timer when the connection becomes idle and
// disarms it when it becomes busy.
func (c *Client) updateIdle() {
	idle := c.cfg.IdleTimeout > 0 && c.isIdle()
	switch {
	case idle && !c.idleArmed:
		c.idle.Reset(c.cfg.IdleTimeout)
		c.idleArmed = true
	case !idle && c.idleArmed:
		c.idle.Stop()
		c.idleArmed = false
	}
}

// shutdown runs when dispatch exits: everything waiting fails with
// ErrClosed and every subscription ends.
func (c *Client) shutdown() {
	c.dialCancel()
	c.idle.Stop()
	if c.conn != nil {
		c.conn.kill(ErrClosed, true)
		c.conn = nil
	}
	for _, o := range c.waiting {
		o.ready <- ErrClosed
	}
	c.waiting = nil
	failed := make(map[*op]bool)
	for _, o := range c.pending {
		if !failed[o] {
			failed[o] = true
			o.resp <- reply{err: ErrClosed}
		}
	}
	clear(c.pending)
	for s := range c.subs {
		s.end(ErrClosed)
	}
	clear(c.subs)
	c.st.pending.Store(0)
	c.st.subs.Store(0)
	close(c.quit)
}

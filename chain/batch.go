package chain

import (
	"context"
	"sync"
	"time"

	"github.com/btscript/btscript/scale"
)

// A Batch holds the storage reads that one producer starts in a burst —
// the branches of a gather — so that they leave in the fewest requests: a
// request goes as soon as Options.BatchMax reads are in it, and the rest
// when Flush is called, however slowly the reads came. The client's own
// batcher has to guess when a burst has ended from the pauses between
// keys; the producer knows. The engine's bindings keep one Batch per
// engine and flush it when the script has started all it can (see
// engine.Engine.OnWait), so a gather of 100,000 reads leaves as 196
// requests and a lone read leaves at once. Reads that
// are never flushed still leave once MaxHold passes without another read
// joining them, or after MaxHoldTotal. Reads of a Batch share requests
// only with each other. A Batch is safe for concurrent use.
//
// QueryThen only notes the read: its key is built, and its block's
// runtime looked up, on the goroutine that sends the request, so the
// producer (the engine's one Lua goroutine) spends no time on them.
type Batch struct {
	c     *Client
	mu    sync.Mutex
	reads []heldRead
	timer *time.Timer
	gen   uint64 // counts the requests taken, so a late timer sends nothing
	seen  int    // reads held when the timer last fired
	waits int    // times the timer fired for the reads held
}

// heldRead is a read waiting in a Batch: QueryThen's arguments.
type heldRead struct {
	ctx              context.Context
	at, pallet, item string
	keys             []any
	then             func(scale.Value, error)
}

// MaxHold is how long reads wait in a Batch that is not flushed, after
// the last of them came; MaxHoldTotal the longest any waits. A producer
// that flushes never waits for them; they are generous because a loaded
// machine stalls a producer for tens of milliseconds, which would cut a
// request short.
const (
	MaxHold      = 200 * time.Millisecond
	MaxHoldTotal = 5 * MaxHold
)

// NewBatch returns an empty Batch of reads through c.
func (c *Client) NewBatch() *Batch {
	return &Batch{c: c}
}

// QueryThen is Client.QueryThen with the read held in b until its request
// fills or b is flushed. then is called as there, also with the errors
// QueryThen reports at once (a bad block hash, an unknown item), which
// come when the request is sent.
func (b *Batch) QueryThen(ctx context.Context, at, pallet, item string, keys []any, then func(scale.Value, error)) {
	max := b.c.opts.BatchMax
	b.mu.Lock()
	if b.reads == nil {
		b.reads = make([]heldRead, 0, max)
		gen := b.gen
		b.seen = 1
		b.timer = time.AfterFunc(MaxHold, func() { b.expire(gen) })
	}
	b.reads = append(b.reads, heldRead{ctx: ctx, at: at, pallet: pallet, item: item, keys: keys, then: then})
	var full []heldRead
	if len(b.reads) >= max {
		full = b.take()
	}
	b.mu.Unlock()
	if full != nil {
		go b.c.sendHeld(full)
	}
}

// Flush sends the reads b holds, without waiting for the answers.
func (b *Batch) Flush() {
	b.mu.Lock()
	reads := b.take()
	b.mu.Unlock()
	if reads != nil {
		go b.c.sendHeld(reads)
	}
}

// take removes and returns the reads held; b.mu is held.
func (b *Batch) take() []heldRead {
	reads := b.reads
	if reads == nil {
		return nil
	}
	b.reads = nil
	b.timer.Stop()
	b.gen++
	b.seen, b.waits = 0, 0
	return reads
}

// expire sends the reads of request gen, held MaxHold without a flush,
// unless they have gone, or more came since the timer last fired (a
// producer slowed down, not one that forgot to flush) and MaxHoldTotal
// has not passed.
func (b *Batch) expire(gen uint64) {
	b.mu.Lock()
	if b.gen != gen {
		b.mu.Unlock()
		return
	}
	b.waits++
	if n := len(b.reads); n > b.seen && b.waits < int(MaxHoldTotal/MaxHold) {
		b.seen = n
		b.timer.Reset(MaxHold)
		b.mu.Unlock()
		return
	}
	reads := b.take()
	b.mu.Unlock()
	b.c.sendHeld(reads)
}

// sendHeld starts the reads of a Batch: one request per block they read
// (one, nearly always), each read completed as QueryThen's.
func (c *Client) sendHeld(reads []heldRead) {
	// With neither the block's runtime nor a guess at it (the first reads
	// of a process), queryThen reads each value on a goroutine of its own,
	// in requests the client's batcher forms: learn the runtime first, once
	// for the request, on this goroutine, which is the request's anyway.
	if hash, err := checkHash("block", reads[0].at); err == nil && c.knownMetadata(hash) == nil && c.lastMeta.Load() == nil {
		c.metadata(context.Background(), hash) // an error reaches each read
	}
	open := make(map[string]*storageBatch, 1)
	add := func(hash, key string, then func([]byte, error)) bool {
		if c.opts.BatchWindow < 0 || c.batchingRefused() {
			return false
		}
		sb := open[hash]
		if sb == nil {
			sb = newStorageBatch(len(reads), time.Time{})
			open[hash] = sb
		}
		if sb.add(key, then, c.opts.BatchMax) {
			delete(open, hash)
			go c.send(hash, sb)
		}
		return true
	}
	var memo entryMemo
	for _, r := range reads {
		c.queryThen(r.ctx, r.at, r.pallet, r.item, r.keys, r.then, add, &memo)
	}
	for hash, sb := range open {
		go c.send(hash, sb)
	}
}

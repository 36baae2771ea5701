package chain

import (
	"context"
	"sync"
	"time"

	"github.com/btscript/btscript/scale"
)

// A Batch holds the storage reads that one producer starts in a burst —
// the branches of a gather — so that they leave in the fewest requests: a
// request goes as soon as it holds Options.BatchMax keys, and the rest
// when Flush is called, however slowly the keys came. The client's own
// batcher has to guess when a burst has ended from the pauses between
// keys; the producer knows. The engine's bindings keep one Batch per
// engine and flush it each time the script waits, so a gather of 100,000
// reads leaves as 196 requests and a lone read leaves at once. A read that
// is never flushed still leaves MaxHold after the first key of its
// request. Reads of a Batch share requests only with each other. A Batch
// is safe for concurrent use.
type Batch struct {
	c    *Client
	mu   sync.Mutex
	open map[string]*storageBatch // by block hash
}

// MaxHold is the longest a read waits in a Batch that is not flushed.
const MaxHold = 50 * time.Millisecond

// NewBatch returns an empty Batch of reads through c.
func (c *Client) NewBatch() *Batch {
	return &Batch{c: c, open: make(map[string]*storageBatch)}
}

// QueryThen is Client.QueryThen with the read held in b until its request
// fills or b is flushed. Reads the client does not batch (see
// Options.BatchWindow) go out at once, as there.
func (b *Batch) QueryThen(ctx context.Context, at, pallet, item string, keys []any, then func(scale.Value, error)) {
	b.c.queryThen(ctx, at, pallet, item, keys, then, b.add)
}

// Flush sends every request of b that holds reads, without waiting for
// the answers.
func (b *Batch) Flush() {
	b.mu.Lock()
	if len(b.open) == 0 {
		b.mu.Unlock()
		return
	}
	open := b.open
	b.open = make(map[string]*storageBatch, len(open))
	b.mu.Unlock()
	for hash, sb := range open {
		sb.timer.Stop()
		go b.c.send(hash, sb)
	}
}

// add puts a read of key at block hash in b's request for that block,
// sending the request when full; false when the client does not batch.
func (b *Batch) add(hash, key string, then func([]byte, error)) bool {
	c := b.c
	if c.opts.BatchWindow < 0 || c.batchingRefused() {
		return false
	}
	max := c.opts.BatchMax
	b.mu.Lock()
	sb := b.open[hash]
	if sb == nil {
		sb = newStorageBatch(max, time.Time{})
		b.open[hash] = sb
		sb.timer = time.AfterFunc(MaxHold, func() { b.expire(hash, sb) })
	}
	full := sb.add(key, then, max)
	if full {
		delete(b.open, hash)
		sb.timer.Stop()
	}
	b.mu.Unlock()
	if full {
		go c.send(hash, sb)
	}
	return true
}

// expire sends sb, held MaxHold without a flush, unless it has gone.
func (b *Batch) expire(hash string, sb *storageBatch) {
	b.mu.Lock()
	if b.open[hash] != sb {
		b.mu.Unlock()
		return
	}
	delete(b.open, hash)
	b.mu.Unlock()
	b.c.send(hash, sb)
}

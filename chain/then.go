package chain

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/btscript/btscript/scale"
)

// Reads with a completion: QueryThen hands a storage read to the batcher
// and returns, so that a caller waiting for ten thousand reads holds ten
// thousand small records instead of as many goroutines.

// QueryThen is Query that returns at once and calls then with the value
// or the error, exactly once, from another goroutine (or from this one,
// for an error found before anything is sent). The read is batched like
// Query's; the value is decoded on the goroutine that read its batch. At
// a block whose runtime is known, or with a guess at it (see Query), no
// goroutine waits for the answer; otherwise one does what Query does.
// then must not block: it may run on the goroutine that delivers a whole
// batch. A done ctx before the read goes out fails the call; a read in
// flight is not withdrawn (its batch serves other callers), so a caller
// that stops waiting on ctx ignores the later then.
func (c *Client) QueryThen(ctx context.Context, at, pallet, item string, keys []any, then func(scale.Value, error)) {
	c.queryThen(ctx, at, pallet, item, keys, then, c.readStorageThen, nil)
}

// entryMemo is the storage entry of the last read of a run of reads whose
// block's runtime is known: the reads of a Batch nearly all name one item
// at one block, whose hash, runtime and entry are then looked up once.
type entryMemo struct {
	at, pallet, item string
	hash             string
	e                *scale.StorageEntry
	guess            *guess // when hash's runtime is guessed, e is the guess's (see readGuessed)
	buf              []byte // each key is built here
}

// queryThen is QueryThen with the batcher that takes the read: add puts
// a key in a batch, or reports false when reads are not batched. memo,
// when not nil, is used and kept for a run of reads.
func (c *Client) queryThen(ctx context.Context, at, pallet, item string, keys []any, then func(scale.Value, error), add func(hash, key string, then func([]byte, error)) bool, memo *entryMemo) {
	r := read{then: then, pallet: pallet, item: item}
	if err := ctx.Err(); err != nil {
		r.fail(err)
		return
	}
	if memo != nil && memo.e != nil && at == memo.at && pallet == memo.pallet && item == memo.item {
		if memo.guess != nil {
			c.readGuessed(ctx, memo.guess, memo.e, r, keys, add, &memo.buf)
		} else {
			c.readEntry(ctx, memo.hash, memo.e, keys, r, add, &memo.buf)
		}
		return
	}
	if at == "" {
		c.queryGo(ctx, at, pallet, item, keys, then)
		return
	}
	hash, err := checkHash("block", at)
	if err != nil {
		r.fail(err)
		return
	}
	if md := c.knownMetadata(hash); md != nil {
		e, err := md.Storage(pallet, item)
		if err != nil {
			r.fail(err)
			return
		}
		if memo != nil {
			*memo = entryMemo{at: at, pallet: pallet, item: item, hash: hash, e: e, buf: memo.buf}
			c.readEntry(ctx, hash, e, keys, r, add, &memo.buf)
			return
		}
		c.readEntry(ctx, hash, e, keys, r, add, nil)
		return
	}
	guess := c.lastMeta.Load()
	if guess == nil {
		c.queryGo(ctx, hash, pallet, item, keys, then)
		return
	}
	if memo != nil {
		if e, err := guess.Storage(pallet, item); err == nil {
			g := memo.guess
			if g == nil || g.hash != hash {
				g = c.newGuess(hash, guess)
			}
			*memo = entryMemo{at: at, pallet: pallet, item: item, hash: hash, e: e, guess: g, buf: memo.buf}
			c.readGuessed(ctx, g, e, r, keys, add, &memo.buf)
			return
		}
	}
	c.querySpeculativeThen(ctx, hash, guess, r, keys, add)
}

// guess is the runtime guessed for the reads of one request at a block
// whose own runtime is not known yet (see readGuessed): the block's
// metadata is asked once for them all, and each read, when its value
// comes, finds the verdict here rather than waiting on a record of its own.
type guess struct {
	c       *Client
	hash    string
	md      *scale.Metadata // the guess
	verdict atomic.Pointer[guessVerdict]
	mu      sync.Mutex
	waiting []func(*guessVerdict) // reads whose values came before the verdict
}

// guessVerdict is the block's own metadata, or why it could not be had.
type guessVerdict struct {
	md  *scale.Metadata
	err error
}

// newGuess starts the lookup of block hash's metadata for the reads that
// guess md.
func (c *Client) newGuess(hash string, md *scale.Metadata) *guess {
	g := &guess{c: c, hash: hash, md: md}
	c.metadataThen(hash, g.settle)
	return g
}

func (g *guess) settle(md *scale.Metadata, err error) {
	v := &guessVerdict{md: md, err: err}
	g.mu.Lock()
	g.verdict.Store(v)
	waiting := g.waiting
	g.waiting = nil
	g.mu.Unlock()
	for _, f := range waiting {
		f(v)
	}
}

// when calls f with the verdict, now or once it comes.
func (g *guess) when(f func(*guessVerdict)) {
	if v := g.verdict.Load(); v != nil {
		f(v)
		return
	}
	g.mu.Lock()
	if v := g.verdict.Load(); v != nil {
		g.mu.Unlock()
		f(v)
		return
	}
	g.waiting = append(g.waiting, f)
	g.mu.Unlock()
}

// readGuessed reads keys of e, the entry of the guessed runtime g.md, at
// g.hash: the read leaves at once with the guessed key, and its value is
// decoded when the block's runtime is known to be the guess. When it is
// another, the read is done again with that runtime's key unless the key
// is the same (as querySpeculativeThen does, one read at a time).
func (c *Client) readGuessed(ctx context.Context, g *guess, e *scale.StorageEntry, r read, keys []any, add func(hash, key string, then func([]byte, error)) bool, buf *[]byte) {
	key, err := entryKey(e, keys, buf)
	if err != nil {
		// The guessed runtime cannot make this key: it waits for the
		// block's own.
		c.querySpeculativeThen(ctx, g.hash, g.md, r, keys, add)
		return
	}
	if !add(g.hash, key, func(raw []byte, err error) {
		if v := g.verdict.Load(); v != nil {
			c.finishGuessed(ctx, v, g, e, key, r, keys, raw, err)
			return
		}
		g.when(func(v *guessVerdict) { c.finishGuessed(ctx, v, g, e, key, r, keys, raw, err) })
	}) {
		c.queryGo(ctx, g.hash, r.pallet, r.item, keys, r.then)
	}
}

// finishGuessed completes a read of readGuessed with the verdict v on its
// guess and what the read with the guessed key got.
func (c *Client) finishGuessed(ctx context.Context, v *guessVerdict, g *guess, e *scale.StorageEntry, key string, r read, keys []any, raw []byte, readErr error) {
	if v.err != nil {
		r.fail(v.err)
		return
	}
	rekey := key
	if v.md != g.md {
		var err error
		if e, rekey, err = storageKey(v.md, r.pallet, r.item, keys); err != nil {
			r.fail(err)
			return
		}
	}
	if readErr != nil || rekey != key {
		if !c.readStorageThen(g.hash, rekey, decodeThen(e, r)) {
			c.queryGo(ctx, g.hash, r.pallet, r.item, keys, r.then)
		}
		return
	}
	r.decode(e, raw, nil)
}

// readEntry reads keys of storage entry e at block hash, known to have
// e's runtime, through add; buf, when not nil, is where to build the key.
func (c *Client) readEntry(ctx context.Context, hash string, e *scale.StorageEntry, keys []any, r read, add func(hash, key string, then func([]byte, error)) bool, buf *[]byte) {
	key, err := entryKey(e, keys, buf)
	if err != nil {
		r.fail(err)
		return
	}
	if !add(hash, key, decodeThen(e, r)) {
		c.queryGo(ctx, hash, e.Pallet, e.Name, keys, r.then)
	}
}

// decodeThen returns the completion of r, a storage read of e: the raw
// value decoded and given to r's then, or the error.
func decodeThen(e *scale.StorageEntry, r read) func([]byte, error) {
	return func(raw []byte, err error) { r.decode(e, raw, err) }
}

// read is a storage read with a completion: where its outcome goes, and
// the item its errors name. It is passed and captured by value, so that a
// read in flight costs its completion and nothing more.
type read struct {
	then         func(scale.Value, error)
	pallet, item string
}

func (r read) fail(err error) {
	r.then(scale.Null, fmt.Errorf("query %s.%s: %w", r.pallet, r.item, err))
}

// decode gives r's then the value raw holds, an entry of e, or the error
// of reading or decoding it.
func (r read) decode(e *scale.StorageEntry, raw []byte, err error) {
	if err == nil {
		var v scale.Value
		if v, err = e.DecodeValue(raw); err == nil {
			r.then(v, nil)
			return
		}
	}
	r.fail(err)
}

// queryGo is QueryThen's fallback: Query on a goroutine of its own.
func (c *Client) queryGo(ctx context.Context, at, pallet, item string, keys []any, then func(scale.Value, error)) {
	go func() { then(c.Query(ctx, at, pallet, item, keys...)) }()
}

// speculation joins the two halves of a read at a block whose runtime is
// not known yet: the value read with the key the last metadata gives,
// and the block's own metadata.
type speculation struct {
	mu      sync.Mutex
	left    int // halves still to come
	raw     []byte
	readErr error
	md      *scale.Metadata
	mdErr   error
}

// querySpeculativeThen is querySpeculative with completions: the block's
// metadata is asked once for all the reads waiting on it (see
// metadataThen).
// The read with the guessed key goes to add; a second read, when the
// guess was wrong, to the client's own batches (it starts on the
// goroutine that fetched the metadata, which flushes no Batch).
func (c *Client) querySpeculativeThen(ctx context.Context, hash string, guess *scale.Metadata, r read, keys []any, add func(hash, key string, then func([]byte, error)) bool) {
	pallet, item, then := r.pallet, r.item, r.then
	_, gkey, gerr := storageKey(guess, pallet, item, keys)
	sp := &speculation{left: 2}
	finish := func() {
		if sp.mdErr != nil {
			r.fail(sp.mdErr)
			return
		}
		e, key, err := storageKey(sp.md, pallet, item, keys)
		if err != nil {
			r.fail(err)
			return
		}
		decode := decodeThen(e, r)
		if sp.readErr != nil || key != gkey {
			if !c.readStorageThen(hash, key, decode) {
				c.queryGo(ctx, hash, pallet, item, keys, then)
			}
			return
		}
		decode(sp.raw, nil)
	}
	half := func(set func()) {
		sp.mu.Lock()
		set()
		sp.left--
		last := sp.left == 0
		sp.mu.Unlock()
		if last {
			finish()
		}
	}
	if gerr != nil {
		half(func() { sp.readErr = gerr })
	} else if !add(hash, gkey, func(raw []byte, err error) {
		half(func() { sp.raw, sp.readErr = raw, err })
	}) {
		c.queryGo(ctx, hash, pallet, item, keys, then)
		return
	}
	c.metadataThen(hash, func(md *scale.Metadata, err error) {
		half(func() { sp.md, sp.mdErr = md, err })
	})
}

// metaWait is a lookup of one block's metadata with the reads waiting on
// it.
type metaWait struct {
	then []func(*scale.Metadata, error)
}

// metadataThen calls then with the metadata of block hash, once known,
// from the goroutine that looked it up: one per block however many reads
// wait.
func (c *Client) metadataThen(hash string, then func(*scale.Metadata, error)) {
	if md := c.knownMetadata(hash); md != nil {
		then(md, nil)
		return
	}
	c.metaWaitMu.Lock()
	if c.metaWaits == nil {
		c.metaWaits = make(map[string]*metaWait)
	}
	w := c.metaWaits[hash]
	if w != nil {
		w.then = append(w.then, then)
		c.metaWaitMu.Unlock()
		return
	}
	w = &metaWait{then: []func(*scale.Metadata, error){then}}
	c.metaWaits[hash] = w
	c.metaWaitMu.Unlock()
	go func() {
		md, err := c.metadata(context.Background(), hash)
		c.metaWaitMu.Lock()
		delete(c.metaWaits, hash)
		c.metaWaitMu.Unlock()
		// No more are added once the entry is gone; the lock above
		// orders the last append before this read.
		for _, f := range w.then {
			f(md, err)
		}
	}()
}

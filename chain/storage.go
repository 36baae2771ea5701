package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/btscript/btscript/internal/jsonscan"
	"strings"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/scale"
)

// Query reads one storage item of block at ("" for the head). keys are the
// map keys, as scale.Values or plain Go values (see scale.Metadata.Encode).
// A missing value gives the item's default: Null for an optional item.
func (c *Client) Query(ctx context.Context, at, pallet, item string, keys ...any) (scale.Value, error) {
	growStack()
	v, err := c.query(ctx, at, pallet, item, keys)
	if err != nil {
		return scale.Null, fmt.Errorf("query %s.%s: %w", pallet, item, err)
	}
	return v, nil
}

func (c *Client) query(ctx context.Context, at, pallet, item string, keys []any) (scale.Value, error) {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return scale.Null, err
	}
	md := c.knownMetadata(hash)
	if md == nil {
		if guess := c.lastMeta.Load(); guess != nil {
			return c.querySpeculative(ctx, hash, guess, pallet, item, keys)
		}
		if md, err = c.metadata(ctx, hash); err != nil {
			return scale.Null, err
		}
	}
	e, key, err := storageKey(md, pallet, item, keys)
	if err != nil {
		return scale.Null, err
	}
	raw, err := c.readStorage(ctx, hash, key)
	if err != nil {
		return scale.Null, err
	}
	return e.DecodeValue(raw)
}

// querySpeculative reads a block whose runtime is not known yet: the key
// is built with the metadata last used (runtimes rarely change, and keys
// change with them more rarely still) and read while the block's runtime
// is looked up, saving a round trip. The value is decoded with the
// block's own metadata, and read again if that gives another key.
func (c *Client) querySpeculative(ctx context.Context, hash string, guess *scale.Metadata, pallet, item string, keys []any) (scale.Value, error) {
	type mdResult struct {
		md  *scale.Metadata
		err error
	}
	mdc := make(chan mdResult, 1)
	go func() {
		md, err := c.metadata(ctx, hash)
		mdc <- mdResult{md, err}
	}()
	var raw []byte
	_, gkey, gerr := storageKey(guess, pallet, item, keys)
	if gerr == nil {
		raw, gerr = c.readStorage(ctx, hash, gkey)
	}
	r := <-mdc
	if r.err != nil {
		return scale.Null, r.err
	}
	e, key, err := storageKey(r.md, pallet, item, keys)
	if err != nil {
		return scale.Null, err
	}
	if gerr != nil || key != gkey {
		if raw, err = c.readStorage(ctx, hash, key); err != nil {
			return scale.Null, err
		}
	}
	return e.DecodeValue(raw)
}

func storageKey(md *scale.Metadata, pallet, item string, keys []any) (*scale.StorageEntry, string, error) {
	e, err := md.Storage(pallet, item)
	if err != nil {
		return nil, "", err
	}
	key, err := entryKey(e, keys, nil)
	if err != nil {
		return nil, "", err
	}
	return e, key, nil
}

// entryKey returns the 0x-hex key of one value of e, built in *buf when
// buf is not nil (and kept there, for the next key).
func entryKey(e *scale.StorageEntry, keys []any, buf *[]byte) (string, error) {
	if len(keys) != len(e.Hashers) {
		return "", fmt.Errorf("takes %d keys, got %d", len(e.Hashers), len(keys))
	}
	var b []byte
	if buf != nil {
		b = (*buf)[:0]
	}
	key, err := e.AppendKey(b, keys...)
	if err != nil {
		return "", err
	}
	if buf != nil {
		*buf = key[:0]
	}
	return hexKey(key), nil
}

// hexKey returns "0x" and key in lower-case hex, in one allocation: a
// gather of 100,000 reads makes as many keys.
func hexKey(key []byte) string {
	var tmp [2 + 2*128]byte // most keys; hex.Encode is several times a byte-by-byte loop
	buf := tmp[:]
	if n := 2 + 2*len(key); n > len(tmp) {
		buf = make([]byte, n)
	}
	buf[0], buf[1] = '0', 'x'
	n := 2 + hex.Encode(buf[2:], key)
	var sb strings.Builder
	sb.Grow(n)
	sb.Write(buf[:n])
	return sb.String()
}

// StorageKey names one storage value for QueryMulti.
type StorageKey struct {
	Pallet, Item string
	Keys         []any
}

// QueryMulti reads many storage values of block at in as few requests as
// the batch size allows, returning them in the order asked.
func (c *Client) QueryMulti(ctx context.Context, at string, items []StorageKey) ([]scale.Value, error) {
	growStack()
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("query multi: %w", err)
	}
	md, err := c.metadata(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("query multi: %w", err)
	}
	entries := make([]*scale.StorageEntry, len(items))
	keys := make([]string, len(items))
	for i, it := range items {
		e, err := md.Storage(it.Pallet, it.Item)
		if err != nil {
			return nil, fmt.Errorf("query multi: item %d: %w", i+1, err)
		}
		if len(it.Keys) != len(e.Hashers) {
			return nil, fmt.Errorf("query multi: item %d: %s.%s takes %d keys, got %d", i+1, it.Pallet, it.Item, len(e.Hashers), len(it.Keys))
		}
		k, err := e.Key(it.Keys...)
		if err != nil {
			return nil, fmt.Errorf("query multi: item %d: %w", i+1, err)
		}
		entries[i], keys[i] = e, "0x"+hex.EncodeToString(k)
	}
	raws, err := c.readMany(ctx, hash, keys)
	if err != nil {
		return nil, fmt.Errorf("query multi: %w", err)
	}
	out := make([]scale.Value, len(items))
	for i := range items {
		if out[i], err = entries[i].DecodeValue(raws[i]); err != nil {
			return nil, fmt.Errorf("query multi: item %d: %w", i+1, err)
		}
	}
	return out, nil
}

// MapEntry is one entry of a storage map.
type MapEntry struct {
	// Key holds the raw storage key, 0x-hex.
	Key string
	// Keys are the map keys decoded back from the storage key; a key
	// behind a hasher that cannot be reversed is Null.
	Keys  []scale.Value
	Value scale.Value
}

// MapOptions tunes QueryMap.
type MapOptions struct {
	// PageSize overrides the client's page size.
	PageSize int
	// Progress is called after each page with the entries delivered so far.
	Progress func(done int)
}

// QueryMap walks a storage map of block at, page by page, calling fn for
// each entry in key order; prefix fixes the first map keys. The next page
// of keys is fetched while the values of the current one are read. fn's
// error stops the walk and is returned.
func (c *Client) QueryMap(ctx context.Context, at, pallet, item string, prefix []any, opts MapOptions, fn func(MapEntry) error) error {
	if err := c.queryMap(ctx, at, pallet, item, prefix, opts, fn); err != nil {
		return fmt.Errorf("query map %s.%s: %w", pallet, item, err)
	}
	return nil
}

type keyPage struct {
	keys []string
	err  error
}

func (c *Client) queryMap(ctx context.Context, at, pallet, item string, prefix []any, opts MapOptions, fn func(MapEntry) error) error {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return err
	}
	md, err := c.metadata(ctx, hash)
	if err != nil {
		return err
	}
	e, err := md.Storage(pallet, item)
	if err != nil {
		return err
	}
	if !e.IsMap() {
		return errors.New("is a plain value, not a map: use query")
	}
	if len(prefix) >= len(e.Hashers) {
		return fmt.Errorf("takes at most %d prefix keys for a map walk, got %d", len(e.Hashers)-1, len(prefix))
	}
	pk, err := e.Key(prefix...)
	if err != nil {
		return err
	}
	pageSize := opts.PageSize
	if pageSize <= 0 || pageSize > DefaultPageSize {
		pageSize = c.opts.PageSize
	}
	prefixHex := "0x" + hex.EncodeToString(pk)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fetch := func(start string) <-chan keyPage {
		ch := make(chan keyPage, 1)
		go func() {
			var keys []string
			var startArg any
			if start != "" {
				startArg = start
			}
			err := c.call(ctx, &keys, "state_getKeysPaged", prefixHex, pageSize, startArg, hash)
			ch <- keyPage{keys, err}
		}()
		return ch
	}
	next := fetch("")
	done := 0
	for {
		var page keyPage
		select {
		case page = <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
		if page.err != nil {
			return page.err
		}
		if len(page.keys) == 0 {
			return nil
		}
		last := page.keys[len(page.keys)-1]
		if len(page.keys) == pageSize {
			next = fetch(last)
		} else {
			next = nil
		}
		raws, err := c.readMany(ctx, hash, page.keys)
		if err != nil {
			return err
		}
		for i, k := range page.keys {
			kb, err := decodeHex(k)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(strings.ToLower(k), prefixHex) {
				return fmt.Errorf("node returned key %s outside the prefix %s", k, prefixHex)
			}
			keys, err := e.DecodeKey(kb)
			if err != nil {
				keys = nil // an opaque hasher: the raw key is still given
			}
			v, err := e.DecodeValue(raws[i])
			if err != nil {
				return fmt.Errorf("value of key %s: %w", k, err)
			}
			if err := fn(MapEntry{Key: k, Keys: keys, Value: v}); err != nil {
				return err
			}
		}
		done += len(page.keys)
		if opts.Progress != nil {
			opts.Progress(done)
		}
		if next == nil {
			return nil
		}
	}
}

// storageBatch collects the reads of one block that go out together.
type storageBatch struct {
	keys  []string
	index map[string]int                // position of each key in keys
	first []func([]byte, error)         // the first reader of each key
	more  map[int][]func([]byte, error) // further readers of a key, rare
	timer *time.Timer
	// burstRun is the full batches sent in a row when this one began
	// (see burst).
	burstRun int
	start    time.Time // when the first key arrived
	last     time.Time // when the latest key arrived
}

// batchStretch is how many windows a batch may stay open while keys keep
// arriving: a gather's reads come in a burst whose length depends on the
// machine, and a burst should leave as one request, not one per window.
const batchStretch = 8

// readStorage reads one key of block hash, batched with the other reads
// of the same block that arrive in the same burst (see flush).
func (c *Client) readStorage(ctx context.Context, hash, key string) ([]byte, error) {
	type result struct {
		val []byte
		err error
	}
	ch := make(chan result, 1)
	if !c.readStorageThen(hash, key, func(v []byte, err error) { ch <- result{v, err} }) {
		return c.getStorage(ctx, hash, key)
	}
	select {
	case r := <-ch:
		return r.val, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readStorageThen adds key to the batch of block hash and returns at
// once; then is called with the value, from the goroutine that read it,
// when the batch's answer comes. It reports false, without calling then,
// when reads are not batched.
func (c *Client) readStorageThen(hash, key string, then func([]byte, error)) bool {
	c.batchMu.Lock()
	if c.opts.BatchWindow < 0 || c.noBatch {
		c.batchMu.Unlock()
		return false
	}
	b := c.batches[hash]
	now := time.Now()
	if b == nil {
		b = newStorageBatch(c.opts.BatchMax, now)
		b.burstRun = c.burst.on(hash, now, c.opts.BatchWindow)
		c.batches[hash] = b
		b.timer = time.AfterFunc(c.opts.BatchWindow, func() { c.flush(hash, b) })
	}
	b.last = now
	full := b.add(key, then, c.opts.BatchMax)
	if full {
		delete(c.batches, hash)
		b.timer.Stop()
		c.burst.full(hash, now, c.opts.BatchWindow)
	}
	c.batchMu.Unlock()
	if full {
		go c.send(hash, b)
	}
	return true
}

func newStorageBatch(max int, now time.Time) *storageBatch {
	return &storageBatch{index: make(map[string]int, max), start: now,
		keys: make([]string, 0, max), first: make([]func([]byte, error), 0, max)}
}

// add puts a reader of key in the batch and reports whether the batch
// now holds max keys. A key asked twice is read once.
func (b *storageBatch) add(key string, then func([]byte, error), max int) bool {
	if i, dup := b.index[key]; dup {
		if b.more == nil {
			b.more = make(map[int][]func([]byte, error))
		}
		b.more[i] = append(b.more[i], then)
	} else {
		b.index[key] = len(b.keys)
		b.keys = append(b.keys, key)
		b.first = append(b.first, then)
	}
	return len(b.keys) >= max
}

// flush sends a batch when its window ends, unless keys are still
// arriving: then it waits one more window, up to batchStretch windows.
func (c *Client) flush(hash string, b *storageBatch) {
	c.batchMu.Lock()
	if c.batches[hash] != b { // sent already because it filled up
		c.batchMu.Unlock()
		return
	}
	now := time.Now()
	w := c.opts.BatchWindow
	if b.waits(now, w, c.opts.BatchMax) {
		b.timer.Reset(w)
		c.batchMu.Unlock()
		return
	}
	delete(c.batches, hash)
	c.batchMu.Unlock()
	c.send(hash, b)
}

// waits reports whether a batch whose window ended stays open: keys
// arrived within the window, and the batch is within its stretch or fills
// soon; or, in a long burst that fills it soon, the keys paused for less
// than batchFillGap (a loaded machine stalls the goroutine that makes
// them for a millisecond or two, which would cut the batch short).
func (b *storageBatch) waits(now time.Time, w time.Duration, max int) bool {
	idle, open := now.Sub(b.last), now.Sub(b.start)
	if idle < w && open < batchStretch*w {
		return true
	}
	if b.burstRun >= 2 && idle < time.Duration(min(b.burstRun, batchLongGap))*w && open < batchLongStretch*w {
		return true
	}
	if open < batchStretch*w || !b.fillsSoon(now, w, max) {
		return false
	}
	return idle < batchFillGap*w
}

// burst follows the full batches of one block sent one after another:
// two or more, each within batchStretch windows of the last, make a long
// burst (a gather of thousands of reads), whose next batch rides out a
// pause of the goroutine making its keys (see waits) of as many windows
// as full batches went before it, up to batchLongGap. The tail of a
// burst of a thousand reads, after one full batch, still leaves 1 ms
// after its last key; that of a long burst up to 16 ms after, a small
// part of what such a burst takes.
type burst struct {
	hash string
	at   time.Time // when the last full batch left
	run  int       // full batches in a row
}

func (u *burst) full(hash string, now time.Time, w time.Duration) {
	if u.hash == hash && now.Sub(u.at) < batchStretch*w {
		u.run++
	} else {
		u.hash, u.run = hash, 1
	}
	u.at = now
}

// on returns the full batches in a row of the burst of hash in progress,
// or 0.
func (u *burst) on(hash string, now time.Time, w time.Duration) int {
	if u.hash == hash && now.Sub(u.at) < batchStretch*w {
		return u.run
	}
	return 0
}

// batchLongGap is the longest pause, in windows, a batch of a long burst
// waits through (see burst), or one that fills soon past its stretch.
const batchLongGap = 16

// batchFillGap is the pause, in windows, a batch past its stretch that
// fills soon waits through.
const batchFillGap = 4

// fillsSoon reports whether a batch past its stretch, whose keys still
// arrive, will fill within another batchStretch windows at the rate they
// have come, and has not been open batchLongStretch windows: then it waits
// to leave full. A long burst (a gather of a hundred thousand reads)
// otherwise leaves in batches cut short at the stretch, more requests
// than needed, for no gain: the burst ends when its last batch returns.
func (b *storageBatch) fillsSoon(now time.Time, w time.Duration, max int) bool {
	open := now.Sub(b.start)
	if open >= batchLongStretch*w || len(b.keys) == 0 {
		return false
	}
	perKey := open / time.Duration(len(b.keys))
	return time.Duration(max-len(b.keys))*perKey <= batchStretch*w
}

// batchLongStretch is how many windows a batch that fills soon (see
// fillsSoon) may stay open.
const batchLongStretch = 4 * batchStretch

// send reads a batch. Its request belongs to no single caller: a caller
// that gives up stops waiting, and the others still get their values.
func (c *Client) send(hash string, b *storageBatch) {
	ctx := context.Background()
	var vals [][]byte
	var err error
	if len(b.keys) == 1 {
		var v []byte
		v, err = c.getStorage(ctx, hash, b.keys[0])
		vals = [][]byte{v}
	} else {
		vals, err = c.readMany(ctx, hash, b.keys)
	}
	for i, then := range b.first {
		var v []byte
		if err == nil {
			v = vals[i]
		}
		then(v, err)
		for _, then := range b.more[i] {
			then(v, err)
		}
	}
}

func (c *Client) getStorage(ctx context.Context, hash, key string) ([]byte, error) {
	var s *string
	if err := c.call(ctx, &s, "state_getStorage", key, hash); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, nil
	}
	return decodeHex(*s)
}

// readMany reads keys of block hash with state_queryStorageAt, BatchMax
// keys a request, all requests in flight at once. A node without that
// method is read key by key from then on.
func (c *Client) readMany(ctx context.Context, hash string, keys []string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if c.batchingRefused() {
		return out, c.readEach(ctx, hash, keys, out)
	}
	n := (len(keys) + c.opts.BatchMax - 1) / c.opts.BatchMax
	errs := make(chan error, n)
	for i := 0; i < len(keys); i += c.opts.BatchMax {
		j := min(i+c.opts.BatchMax, len(keys))
		go func(i, j int) { errs <- c.queryStorageAt(ctx, hash, keys[i:j], out[i:j]) }(i, j)
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	var rpcErr *rpc.Error
	if errors.As(first, &rpcErr) && rpcErr.Code == rpc.CodeMethodNotFound {
		c.batchMu.Lock()
		c.noBatch = true
		c.batchMu.Unlock()
		return out, c.readEach(ctx, hash, keys, out)
	}
	return out, first
}

func (c *Client) batchingRefused() bool {
	c.batchMu.Lock()
	defer c.batchMu.Unlock()
	return c.noBatch
}

func (c *Client) readEach(ctx context.Context, hash string, keys []string, out [][]byte) error {
	errs := make(chan error, len(keys))
	for i, k := range keys {
		go func(i int, k string) {
			v, err := c.getStorage(ctx, hash, k)
			out[i] = v
			errs <- err
		}(i, k)
	}
	var first error
	for range keys {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (c *Client) queryStorageAt(ctx context.Context, hash string, keys []string, out [][]byte) error {
	raw, err := c.t.Call(ctx, "state_queryStorageAt", keys, hash)
	if err != nil {
		return err
	}
	if list, ok := scanChangeList(raw, len(keys)); ok && inOrder(list, keys) {
		// The node answers in the order asked, nearly always: no map.
		// Small values share one allocation (a request's u64s are 4 KB).
		size := 0
		for _, ch := range list {
			size += len(ch.val) / 2
		}
		var arena []byte
		if size <= maxValueArena {
			arena = make([]byte, size)
		}
		for i, ch := range list {
			if ch.null {
				out[i] = nil
				continue
			}
			var dst []byte
			if n := len(ch.val)/2 - 1; arena != nil && n >= 0 {
				dst, arena = arena[:n:n], arena[n:]
			}
			b, err := decodeHexInto(dst, ch.val)
			if err != nil {
				return err
			}
			out[i] = b
		}
		return nil
	}
	got, err := parseChangeSets(raw)
	if err != nil {
		return fmt.Errorf("rpc state_queryStorageAt: unexpected answer %.100s: %w", raw, err)
	}
	var missing []int
	for i, k := range keys {
		v, ok := got[strings.ToLower(k)]
		if !ok {
			missing = append(missing, i)
			continue
		}
		if v == nil {
			out[i] = nil
			continue
		}
		b, err := decodeHex(*v)
		if err != nil {
			return err
		}
		out[i] = b
	}
	// A node that leaves keys out of its answer is asked for them one by
	// one rather than have them taken for empty.
	for _, i := range missing {
		v, err := c.getStorage(ctx, hash, keys[i])
		if err != nil {
			return err
		}
		out[i] = v
	}
	return nil
}

// inOrder reports whether list answers keys one by one, in their order.
func inOrder(list []change, keys []string) bool {
	if len(list) != len(keys) {
		return false
	}
	for i, ch := range list {
		if string(ch.key) != keys[i] {
			return false
		}
	}
	return true
}

// parseChangeSets reads the answer of state_queryStorageAt,
// [{"block": hash, "changes": [[key, value or null], ...]}, ...], into a
// map from lower-case key to value. The answer of a thousand keys is a few
// hundred KiB of hex: a direct scan of that fixed shape is several times
// faster than encoding/json, which stays the fallback for anything else.
func parseChangeSets(raw []byte) (map[string]*string, error) {
	if got, ok := scanChangeSets(raw); ok {
		return got, nil
	}
	var sets []struct {
		Changes [][2]*string `json:"changes"`
	}
	if err := json.Unmarshal(raw, &sets); err != nil {
		return nil, errors.New("not a list of {block, changes} sets")
	}
	got := make(map[string]*string)
	for _, s := range sets {
		for _, ch := range s.Changes {
			if ch[0] != nil {
				got[strings.ToLower(*ch[0])] = ch[1]
			}
		}
	}
	return got, nil
}

// scanChangeSets is the fast path of parseChangeSets; ok is false for any
// answer it does not recognise.
func scanChangeSets(raw []byte) (got map[string]*string, ok bool) {
	list, ok := scanChangeList(raw, 0)
	if !ok {
		return nil, false
	}
	got = make(map[string]*string, len(list))
	for _, ch := range list {
		var v *string
		if !ch.null {
			s := string(ch.val)
			v = &s
		}
		got[strings.ToLower(string(ch.key))] = v
	}
	return got, true
}

// maxValueArena bounds the values of one answer that share an
// allocation: a value kept by a script keeps its neighbours alive with it.
const maxValueArena = 64 << 10

// change is one [key, value] of an answer of state_queryStorageAt, as
// views of the answer's text (without the quotes).
type change struct {
	key, val []byte
	null     bool
}

// scanChangeList reads the changes of an answer of state_queryStorageAt
// in the order given, without copying them; ok is false for any answer it
// does not recognise.
func scanChangeList(raw []byte, n int) (list []change, ok bool) {
	s := jsonScanner{b: raw}
	list = make([]change, 0, n)
	if !s.expect('[') {
		return nil, false
	}
	if s.peek() == ']' {
		s.i++
		return list, s.end()
	}
	for {
		if !s.expect('{') {
			return nil, false
		}
		for {
			name, ok := s.str()
			if !ok || !s.expect(':') {
				return nil, false
			}
			switch name {
			case "changes":
				if list, ok = s.changes(list); !ok {
					return nil, false
				}
			case "block":
				if _, ok := s.strView(); !ok && !s.null() {
					return nil, false
				}
			default:
				return nil, false
			}
			if s.expect(',') {
				continue
			}
			if !s.expect('}') {
				return nil, false
			}
			break
		}
		if s.expect(',') {
			continue
		}
		if !s.expect(']') {
			return nil, false
		}
		return list, s.end()
	}
}

type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\n' || s.b[s.i] == '\t' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *jsonScanner) peek() byte {
	s.skipSpace()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jsonScanner) expect(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

func (s *jsonScanner) end() bool {
	s.skipSpace()
	return s.i == len(s.b)
}

func (s *jsonScanner) null() bool {
	s.skipSpace()
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// str reads a plain ASCII string without escapes, as hex and field names
// are; anything else is left to encoding/json.
func (s *jsonScanner) str() (string, bool) {
	v, ok := s.strView()
	return string(v), ok
}

// strView is str as a view of the text.
func (s *jsonScanner) strView() ([]byte, bool) {
	if !s.expect('"') {
		return nil, false
	}
	start := s.i
	if s.i = jsonscan.PlainRun(s.b, s.i, true); s.i < len(s.b) && s.b[s.i] == '"' {
		v := s.b[start:s.i]
		s.i++
		return v, true
	}
	return nil, false
}

// changes reads [[key, value or null], ...] onto list.
func (s *jsonScanner) changes(list []change) ([]change, bool) {
	if !s.expect('[') {
		return nil, false
	}
	if s.expect(']') {
		return list, true
	}
	for {
		if !s.expect('[') {
			return nil, false
		}
		k, ok := s.strView()
		if !ok || !s.expect(',') {
			return nil, false
		}
		ch := change{key: k, null: s.null()}
		if !ch.null {
			if ch.val, ok = s.strView(); !ok {
				return nil, false
			}
		}
		if !s.expect(']') {
			return nil, false
		}
		list = append(list, ch)
		if s.expect(',') {
			continue
		}
		return list, s.expect(']')
	}
}

// StorageRaw reads raw storage bytes by key (0x-hex) of block at; nil
// when the key holds no value.
func (c *Client) StorageRaw(ctx context.Context, at, key string) ([]byte, error) {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("storage %s: %w", key, err)
	}
	v, err := c.readStorage(ctx, hash, key)
	if err != nil {
		return nil, fmt.Errorf("storage %s: %w", key, err)
	}
	return v, nil
}

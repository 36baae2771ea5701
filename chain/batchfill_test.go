package chain

import (
	"testing"
	"time"
)

// TestBatchFillsSoon: a batch past its stretch whose keys came fast enough
// to fill it within another stretch waits for them, up to the long
// stretch; one that fills slowly, or has waited that long, leaves.
func TestBatchFillsSoon(t *testing.T) {
	const w = time.Millisecond
	t0 := time.Unix(1000, 0)
	batch := func(keys int) *storageBatch {
		return &storageBatch{keys: make([]string, keys), start: t0}
	}
	for _, c := range []struct {
		keys int
		open time.Duration
		want bool
	}{
		{320, 8 * w, true},   // 40 keys/ms: 192 more in 4.8 ms
		{100, 8 * w, false},  // 12.5 keys/ms: 412 more take 33 ms
		{256, 8 * w, true},   // 32 keys/ms: 256 more in exactly 8 ms
		{255, 8 * w, false},  // just slower
		{500, 31 * w, true},  // still within the long stretch
		{500, 32 * w, false}, // open the long stretch: leaves
		{0, 8 * w, false},
	} {
		if got := batch(c.keys).fillsSoon(t0.Add(c.open), w, 512); got != c.want {
			t.Errorf("%d keys after %s: fillsSoon %v, want %v", c.keys, c.open, got, c.want)
		}
	}
}

// TestBatchWaits: within its stretch a batch waits while keys come; past
// it, only a batch that fills soon waits, through a pause of up to 4
// windows; a batch whose keys stopped leaves.
func TestBatchWaits(t *testing.T) {
	const w = time.Millisecond
	t0 := time.Unix(1000, 0)
	for _, c := range []struct {
		keys       int
		open, idle time.Duration
		want       bool
	}{
		{10, 3 * w, 0, true},          // a burst just begun
		{10, 3 * w, w, false},         // a short burst that ended: leaves
		{100, 8 * w, 0, false},        // past the stretch, filling slowly
		{320, 8 * w, 0, true},         // past the stretch, filling fast
		{320, 9 * w, 3 * w, true},     // a pause in a long burst
		{320, 12 * w, 4 * w, false},   // a pause of 4 windows: the burst ended
		{500, 32 * w, 0, false},       // open the long stretch
		{488, 3 * w, 2 * w, false},    // the tail of 1000 reads leaves at once
		{300, 2*w + w/2, w / 2, true}, // keys still coming
	} {
		b := &storageBatch{keys: make([]string, c.keys), start: t0, last: t0.Add(c.open - c.idle)}
		if got := b.waits(t0.Add(c.open), w, 512); got != c.want {
			t.Errorf("%d keys, open %s, idle %s: waits %v, want %v", c.keys, c.open, c.idle, got, c.want)
		}
	}
}

// TestBurstRidesOutPauses: after full batches in a row, the next batch of
// the block waits through a pause of as many windows as there were (up to
// 16); after one, or after a batch that left long ago, it does not.
func TestBurstRidesOutPauses(t *testing.T) {
	const w = time.Millisecond
	t0 := time.Unix(1000, 0)
	var u burst
	if got := u.on("0xa", t0, w); got != 0 {
		t.Fatalf("no burst yet: %d", got)
	}
	u.full("0xa", t0, w)
	if got := u.on("0xa", t0.Add(w), w); got != 1 {
		t.Fatalf("after one full batch: %d, want 1", got)
	}
	for i := 1; i < 20; i++ {
		u.full("0xa", t0.Add(time.Duration(i)*2*w), w)
	}
	now := t0.Add(40 * w)
	if got := u.on("0xa", now, w); got != 20 {
		t.Fatalf("after 20 full batches: %d, want 20", got)
	}
	if got := u.on("0xb", now, w); got != 0 {
		t.Fatalf("another block: %d, want 0", got)
	}
	if got := u.on("0xa", now.Add(8*w), w); got != 0 {
		t.Fatalf("8 windows after the last full batch: %d, want 0", got)
	}
	u.full("0xb", now, w)
	if got := u.on("0xa", now, w); got != 0 {
		t.Fatalf("a full batch of another block ends the burst: %d", got)
	}
	for _, c := range []struct {
		run        int
		open, idle time.Duration
		want       bool
	}{
		{2, 3 * w, w, true},      // pause of 1 window after 2 full batches
		{2, 4 * w, 2 * w, false}, // 2 windows: the burst ended
		{1, 3 * w, w, false},     // the tail of 1000 reads
		{20, 20 * w, 15 * w, true},
		{20, 20 * w, 16 * w, false}, // at most 16 windows
		{20, 32 * w, 0, false},      // the long stretch still ends it
	} {
		b := &storageBatch{keys: make([]string, 10), start: t0, last: t0.Add(c.open - c.idle), burstRun: c.run}
		if got := b.waits(t0.Add(c.open), w, 512); got != c.want {
			t.Errorf("after %d full batches, open %s, idle %s: waits %v, want %v", c.run, c.open, c.idle, got, c.want)
		}
	}
}

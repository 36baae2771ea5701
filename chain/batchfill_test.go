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

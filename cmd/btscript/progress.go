package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/chzyer/readline"
)

// progressEvery throttles the progress line: often enough to look alive,
// rarely enough not to slow a fast walk.
const progressEvery = 200 * time.Millisecond

// progress draws a one-line status of long storage map walks on a
// terminal's stderr. It is never used when stderr is a pipe or a file.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	last  time.Time
	shown bool
}

// newProgress returns a progress line on w, or nil when w is not a
// terminal.
func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok || !readline.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{w: w}
}

// update shows that done entries of pallet.item have been read.
func (p *progress) update(pallet, item string, done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		p.shown = true
		fmt.Fprintf(p.w, "\r\033[K%s.%s: %d entries…", pallet, item, done)
	}
}

// clear removes the progress line, if one is shown.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// clearingWriter clears the progress line before each write, so that a
// script's output never lands after a half-drawn status line.
type clearingWriter struct {
	w io.Writer
	p *progress
}

func (c clearingWriter) Write(b []byte) (int, error) {
	c.p.clear()
	return c.w.Write(b)
}

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

// slowCall is how long a chain call runs before the progress line names
// it: a runtime API call over a large subnet can take seconds, and a
// silent terminal looks hung.
const slowCall = time.Second

// clearLine returns the terminal's cursor to the start of the line and
// clears it.
const clearLine = "\r\033[K"

// progress draws a one-line status on a terminal's stderr: the entries a
// long storage map walk has read, or the oldest chain call that has been
// running for slowCall or more. It is never used when stderr is a pipe or
// a file.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	last    time.Time // of the last map walk line
	shown   bool
	waiting bool   // the line shown names a slow call
	text    string // and says this
	calls   map[uint64]pendingCall
	nextID  uint64
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
}

// pendingCall is a chain call in flight.
type pendingCall struct {
	what  string
	start time.Time
}

// newProgress returns a progress line on w, or nil when w is not a
// terminal. Its goroutine, which redraws the line for slow calls, runs
// until close.
func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok || !readline.IsTerminal(int(f.Fd())) {
		return nil
	}
	p := &progress{w: w, calls: make(map[uint64]pendingCall), stop: make(chan struct{})}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case now := <-tick.C:
				p.tick(now)
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

// update shows that done entries of pallet.item have been read.
func (p *progress) update(pallet, item string, done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		p.shown, p.waiting = true, false
		fmt.Fprintf(p.w, clearLine+"%s.%s: %d entries…", pallet, item, done)
	}
}

// call records that a chain call asking for what has started; the
// returned function records that it returned.
func (p *progress) call(what string) func() {
	p.mu.Lock()
	id := p.nextID
	p.nextID++
	p.calls[id] = pendingCall{what, time.Now()}
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		delete(p.calls, id)
		p.mu.Unlock()
	}
}

// tick redraws the line for the calls running at now: the oldest of those
// running for slowCall or more, or nothing. A map walk's line stays while
// it is fresh.
func (p *progress) tick(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown && !p.waiting && now.Sub(p.last) < slowCall {
		return
	}
	var oldest pendingCall
	slow := 0
	for _, c := range p.calls {
		if now.Sub(c.start) < slowCall {
			continue
		}
		if slow++; slow == 1 || c.start.Before(oldest.start) {
			oldest = c
		}
	}
	if slow == 0 {
		if p.waiting {
			p.erase()
		}
		return
	}
	text := fmt.Sprintf("%s: waiting %.0f s…", oldest.what, now.Sub(oldest.start).Seconds())
	if slow > 1 {
		text += fmt.Sprintf(" (%d slow calls)", slow)
	}
	if p.waiting && text == p.text {
		return // unchanged: no redraw
	}
	fmt.Fprint(p.w, clearLine, text)
	p.shown, p.waiting, p.text = true, true, text
}

// clear removes the progress line, if one is shown.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		p.erase()
	}
}

// erase removes the line shown; p.mu is held.
func (p *progress) erase() {
	fmt.Fprint(p.w, clearLine)
	p.shown, p.waiting = false, false
}

// close clears the line and stops its goroutine.
func (p *progress) close() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		close(p.stop)
		p.stopped.Wait()
	})
	p.clear()
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

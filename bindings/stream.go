package bindings

import (
	"context"
	"runtime"
	"sync"

	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// stream feeds a Lua iterator from a producing goroutine through a bounded
// channel: the producer runs ahead by at most the channel's capacity, and
// each call of the iterator takes one item. The producer stops when it
// runs out, fails, or its context ends: when the script (or the task that
// created the stream) ends, when the iterator reaches its limit, or when
// Lua drops the iterator (a finalizer cancels it).
type stream struct {
	mu     sync.Mutex // one caller at a time
	items  chan []any
	errc   chan error // the producer's result, sent once
	err    error
	done   bool
	cancel context.CancelFunc
	limit  int // items to deliver; 0 means all
	taken  int
}

// streamHandle is what the Lua iterator holds; its finalizer stops the
// producer when the iterator is dropped before the end.
type streamHandle struct{ s *stream }

// newStream starts produce in its own goroutine with a context derived
// from ctx. produce sends items with send, which reports false when the
// stream was stopped; its error ends the iteration with that error.
func newStream(ctx context.Context, buffer, limit int, produce func(ctx context.Context, send func([]any) bool) error) *streamHandle {
	ctx, cancel := context.WithCancel(ctx)
	s := &stream{items: make(chan []any, buffer), errc: make(chan error, 1), cancel: cancel, limit: limit}
	items, errc := s.items, s.errc
	go func() {
		send := func(it []any) bool {
			select {
			case items <- it:
				return true
			case <-ctx.Done():
				return false
			}
		}
		err := produce(ctx, send)
		if ctx.Err() != nil && err != nil {
			err = nil // stopped on purpose
		}
		errc <- err
		close(items)
	}()
	h := &streamHandle{s}
	runtime.SetFinalizer(h, func(h *streamHandle) { h.s.cancel() })
	return h
}

// next returns the next item, nil at the end, or the producer's error.
func (h *streamHandle) next(ctx context.Context, _ []any) ([]any, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return []any{nil}, s.err
	}
	if s.limit > 0 && s.taken >= s.limit {
		s.finish(nil)
		return []any{nil}, nil
	}
	select {
	case it, ok := <-s.items:
		if !ok {
			s.finish(<-s.errc)
			return []any{nil}, s.err
		}
		s.taken++
		return it, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// finish stops the producer and remembers how the iteration ended.
func (s *stream) finish(err error) {
	s.done, s.err = true, err
	s.cancel()
}

// iterator is a LuaValuer making the Lua iterator function of a stream.
type iterator struct {
	e *engine.Engine
	h *streamHandle
}

// LuaValue returns an async Lua function that yields the stream's items.
func (it iterator) LuaValue(L *lua.LState) lua.LValue {
	return it.e.AsyncFunction(L, it.h.next)
}

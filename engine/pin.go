package engine

import (
	"context"
	"errors"
	"sync"
)

// Pinner resolves the block that calls are pinned to.
type Pinner interface {
	// Head returns the hash of the current head block.
	Head(ctx context.Context) (string, error)
	// Resolve returns the hash of block, which is a block hash string or a
	// block number (int64 or *big.Int), as given to at() or WithBlock.
	Resolve(ctx context.Context, block any) (string, error)
}

// pinKey is the context key of the pin cell in scope.
type pinKey struct{}

// pinCell is a block pin shared by every call in its scope. Its hash is
// resolved lazily, at most once, by the first call that asks (Pin).
type pinCell struct {
	ctx     context.Context // for the resolving call
	resolve func(ctx context.Context) (string, error)
	mu      sync.Mutex
	started bool
	done    chan struct{}
	hash    string
	err     error
	then    []func(hash string, ok bool, err error) // told when resolved (see WhenPinned)
	run     *run                                    // told of then running (see settle)
}

func newPinCell(ctx context.Context, r *run, resolve func(ctx context.Context) (string, error)) *pinCell {
	return &pinCell{ctx: ctx, run: r, resolve: resolve, done: make(chan struct{})}
}

// get returns the pinned hash, resolving it on the first call.
func (p *pinCell) get(ctx context.Context) (string, error) {
	p.mu.Lock()
	first := !p.started
	p.started = true
	p.mu.Unlock()
	if first {
		p.settle(p.resolve(p.ctx))
		return p.hash, p.err
	}
	select {
	case <-p.done:
		return p.hash, p.err
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// settle records the resolved pin and tells those waiting with WhenPinned.
func (p *pinCell) settle(hash string, err error) {
	p.mu.Lock()
	p.hash, p.err = hash, err
	close(p.done)
	then := p.then
	p.then = nil
	p.mu.Unlock()
	if len(then) == 0 {
		return
	}
	// The calls waiting start off the engine's goroutine, which must not
	// flush what they queue until all have (see OnWait), and is then woken
	// to.
	r := p.run
	if r != nil {
		r.settling.Add(1)
	}
	for _, f := range then {
		tellPin(f, hash, err)
	}
	if r != nil {
		r.settling.Add(-1)
		r.nudge()
	}
}

// whenResolved calls f as WhenPinned does once the pin is resolved: at
// once when it is, else from the goroutine that resolves it, which it
// starts if no call has.
func (p *pinCell) whenResolved(f func(hash string, ok bool, err error)) {
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		tellPin(f, p.hash, p.err)
		return
	default:
	}
	p.then = append(p.then, f)
	first := !p.started
	p.started = true
	p.mu.Unlock()
	if first {
		go func() { p.settle(p.resolve(p.ctx)) }()
	}
}

// WhenPinned calls f with what Pin(ctx) reports, without waiting for the
// pin to be resolved: at once when no pin is in scope or it is resolved
// already, else later, from the goroutine that resolves it (and it may
// start that resolution). It is Pin for calls with a completion (see
// StartFunc), which must not wait on the engine's goroutine. f must not
// block: it may run on the goroutine that tells every waiting call in
// turn.
func WhenPinned(ctx context.Context, f func(hash string, ok bool, err error)) {
	p, _ := ctx.Value(pinKey{}).(*pinCell)
	if p == nil {
		f("", false, nil)
		return
	}
	p.whenResolved(f)
}

// tellPin calls f of WhenPinned with a resolved pin.
func tellPin(f func(hash string, ok bool, err error), hash string, err error) {
	if err != nil {
		f("", true, err)
		return
	}
	f(hash, true, nil)
}

// Pin returns the block hash that an async call running with ctx must
// target. ok is false when no pin is in scope (the call should use the
// latest block). Inside gather (and anything it runs) the first call to Pin
// fetches Pinner.Head once for the whole gather; inside at(block, f) it
// resolves block once; a run started with WithPin or WithBlock is pinned
// throughout.
func Pin(ctx context.Context) (hash string, ok bool, err error) {
	p, _ := ctx.Value(pinKey{}).(*pinCell)
	if p == nil {
		return "", false, nil
	}
	hash, err = p.get(ctx)
	if err != nil {
		return "", true, err
	}
	return hash, true, nil
}

// runPin is how WithPin and WithBlock mark a context.
type runPin struct {
	hash  string
	block any
	fixed bool
}

type runPinKey struct{}

// WithPin returns a context that pins a whole Eval or RunFile to the block
// with the given hash (e.g. a --block flag).
func WithPin(ctx context.Context, hash string) context.Context {
	return context.WithValue(ctx, runPinKey{}, runPin{hash: hash, fixed: true})
}

// WithBlock returns a context that pins a whole Eval or RunFile to block (a
// hash string or a block number), resolved once through Pinner.Resolve when
// a call first asks for the pin.
func WithBlock(ctx context.Context, block any) context.Context {
	return context.WithValue(ctx, runPinKey{}, runPin{block: block})
}

// errNoPinner is raised by at() when the engine has no Pinner.
var errNoPinner = errors.New("no Pinner configured")

// withRunPin installs the run-wide pin requested by WithPin or WithBlock.
func withRunPin(ctx context.Context, r *run, pinner Pinner) context.Context {
	rp, ok := ctx.Value(runPinKey{}).(runPin)
	if !ok {
		return ctx
	}
	if rp.fixed {
		hash := rp.hash
		return context.WithValue(ctx, pinKey{}, newPinCell(ctx, r, func(context.Context) (string, error) { return hash, nil }))
	}
	return context.WithValue(ctx, pinKey{}, newPinCell(ctx, r, func(c context.Context) (string, error) {
		if pinner == nil {
			return "", errNoPinner
		}
		return pinner.Resolve(c, rp.block)
	}))
}

// withHeadPin gives ctx a pin cell resolved by Pinner.Head unless a pin is
// already in scope.
func withHeadPin(ctx context.Context, r *run, pinner Pinner) context.Context {
	if pinner == nil || ctx.Value(pinKey{}) != nil {
		return ctx
	}
	return context.WithValue(ctx, pinKey{}, newPinCell(ctx, r, pinner.Head))
}

// pinFrom returns the pin cell in scope, or nil.
func pinFrom(ctx context.Context) *pinCell {
	p, _ := ctx.Value(pinKey{}).(*pinCell)
	return p
}

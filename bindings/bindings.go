package bindings

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/scale"
	lua "github.com/yuin/gopher-lua"
)

// DefaultMapBuffer is the number of map entries a chain.query_map walk
// reads ahead of the script: about one page, so the next page is fetched
// while the script works through the current one.
const DefaultMapBuffer = 1024

// Options configures the modules Install adds. The zero value is usable.
type Options struct {
	// Progress, when set, is called from the walking goroutine after each
	// page of a chain.query_map walk with the entries read so far (for a
	// progress line on stderr). It must not block for long.
	Progress func(pallet, item string, done int)
	// MapBuffer is how many entries a chain.query_map walk reads ahead of
	// the script. Default DefaultMapBuffer.
	MapBuffer int
	// Calls, when set, is told of each chain and bt function call as it
	// starts, with what it asks for ("chain.query SubtensorModule.Tempo",
	// "bt.metagraph"); the function it returns is called when the call
	// returns (for a status line naming slow calls). Both must return at
	// once. The iterators of chain.query_map, heads and watch are not
	// reported: waiting is what they are for.
	Calls func(what string) (done func())
	// Sign says whether and how scripts may sign (the keys module,
	// chain.tx and the bt actions); the zero value refuses.
	Sign SignOptions
}

// binder holds what the module functions share.
type binder struct {
	e     *engine.Engine
	c     *chain.Client
	opts  Options
	batch *chain.Batch // chain.query's reads, flushed by the engine's OnWait
}

// Install adds the chain, bt, json and ss58 modules and the Balance type
// to e, with chain calls made through c. The engine's Options.Pinner must
// be set, normally to NewPinner(c), so that gather and at pin calls to one
// block: Install refuses an engine without one, a nil engine or client,
// and a negative MapBuffer.
func Install(e *engine.Engine, c *chain.Client, opts Options) error {
	switch {
	case e == nil:
		return errors.New("bindings: Install needs an engine, got nil")
	case c == nil:
		return errors.New("bindings: Install needs a chain client, got nil")
	case e.Options().Pinner == nil:
		return errors.New("bindings: the engine has no Pinner, so gather and at would not pin calls to one block: create it with engine.Options{Pinner: bindings.NewPinner(client)}")
	case opts.MapBuffer < 0:
		return fmt.Errorf("bindings: Options.MapBuffer is %d; it must be 0 (the default, %d) or more", opts.MapBuffer, DefaultMapBuffer)
	}
	if opts.MapBuffer == 0 {
		opts.MapBuffer = DefaultMapBuffer
	}
	b := &binder{e: e, c: c, opts: opts, batch: c.NewBatch()}
	if err := e.OnWait(b.batch.Flush); err != nil {
		return err
	}
	if err := e.Do(func(L *lua.LState) error { openBalance(L); openAlpha(L); openSigner(L); return nil }); err != nil {
		return err
	}
	mods := []struct {
		name string
		m    *engine.Module
	}{
		{"chain", b.chainModule()},
		{"bt", b.btModule()},
		{"json", jsonModule()},
		{"ss58", ss58Module()},
		{"keys", b.keysModule()},
		{"chain", b.txModule()},
		{"bt", b.btActions()},
	}
	for _, m := range mods {
		if err := e.RegisterModule(m.name, m.m); err != nil {
			return fmt.Errorf("bindings: install %s: %w", m.name, err)
		}
	}
	return e.Do(func(L *lua.LState) error { b.guardBT(L); return nil })
}

// pinner resolves engine pins with a chain client.
type pinner struct{ c *chain.Client }

// NewPinner returns the engine.Pinner for c: Head is the best block, and
// Resolve takes a block hash string or a block number.
func NewPinner(c *chain.Client) engine.Pinner { return pinner{c} }

// Head returns the hash of the best block. It also asks for the block's
// runtime, which every read at the pin needs: asked by the first read, the
// request would follow that read's batches and wait for the node to
// answer them, while reads went on guessing the runtime (see
// chain.Batch); the yield lets it leave before the reads the pin wakes.
func (p pinner) Head(ctx context.Context) (string, error) {
	h, err := p.c.Head(ctx)
	if err != nil {
		return "", err
	}
	go p.c.RuntimeVersion(context.WithoutCancel(ctx), h)
	runtime.Gosched()
	return h, nil
}

// Resolve returns the hash of block: a 0x-hex hash (checked) or a number.
func (p pinner) Resolve(ctx context.Context, block any) (string, error) {
	return resolveBlock(ctx, p.c, block)
}

// resolveBlock turns a block argument into a hash.
func resolveBlock(ctx context.Context, c *chain.Client, block any) (string, error) {
	if s, ok := block.(string); ok {
		return c.Resolve(ctx, s)
	}
	n, ok := uintArg(block)
	if !ok {
		return "", fmt.Errorf("block must be a hash string or a block number, got %s", describe(block))
	}
	return c.BlockHash(ctx, n)
}

// pinned returns the block hash a call with ctx targets: the engine's pin
// when one is in scope, else "" (the head at the time of the call).
func pinned(ctx context.Context) (string, error) {
	hash, ok, err := engine.Pin(ctx)
	if err != nil {
		return "", fmt.Errorf("resolving the pinned block: %w", err)
	}
	if !ok {
		return "", nil
	}
	return hash, nil
}

// blockAt returns the block a call targets: args[i] when given (a hash or
// a number), else the pin or the head.
func (b *binder) blockAt(ctx context.Context, fn string, args []any, i int) (string, error) {
	if i < len(args) && args[i] != nil {
		h, err := resolveBlock(ctx, b.c, args[i])
		if err != nil {
			return "", fmt.Errorf("%s: %w", fn, err)
		}
		return h, nil
	}
	h, err := pinned(ctx)
	if err != nil {
		return "", fmt.Errorf("%s: %w", fn, err)
	}
	return h, nil
}

// uintArg converts an integer argument (as engine.ToGo gives it).
func uintArg(v any) (uint64, bool) {
	switch x := v.(type) {
	case int64:
		if x >= 0 {
			return uint64(x), true
		}
	case float64:
		if x >= 0 && x == math.Trunc(x) && x <= 1<<53 {
			return uint64(x), true
		}
	case *big.Int:
		if x.IsUint64() {
			return x.Uint64(), true
		}
	}
	return 0, false
}

// describe renders an argument for error messages: 'text' for strings.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		if len(x) > 80 {
			x = x[:77] + "..."
		}
		return "'" + x + "'"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case *big.Int:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any, map[string]any:
		return "a table"
	case bt.Balance:
		return "a Balance (" + x.String() + ")"
	}
	return fmt.Sprintf("a %T", v)
}

// argErr is an argument error: "fn: what".
func argErr(fn, format string, a ...any) error {
	return errors.New(fn + ": " + fmt.Sprintf(format, a...))
}

// intRange reads argument i as an integer in [lo, hi].
func intRange(fn, name string, args []any, i int, lo, hi uint64) (uint64, error) {
	var v any
	if i < len(args) {
		v = args[i]
	}
	n, ok := uintArg(v)
	if !ok || n < lo || n > hi {
		return 0, argErr(fn, "%s must be an integer %d..%d, got %s", name, lo, hi, describe(v))
	}
	return n, nil
}

func u16Arg(fn, name string, args []any, i int) (uint16, error) {
	n, err := intRange(fn, name, args, i, 0, math.MaxUint16)
	return uint16(n), err
}

func u8Arg(fn, name string, args []any, i int) (uint8, error) {
	n, err := intRange(fn, name, args, i, 0, math.MaxUint8)
	return uint8(n), err
}

// optU8Arg reads an optional u8 argument (absent or nil gives 0).
func optU8Arg(fn, name string, args []any, i int) (uint8, error) {
	if i >= len(args) || args[i] == nil {
		return 0, nil
	}
	return u8Arg(fn, name, args, i)
}

// stringArg reads argument i as a string.
func stringArg(fn, name string, args []any, i int) (string, error) {
	var v any
	if i < len(args) {
		v = args[i]
	}
	s, ok := v.(string)
	if !ok {
		return "", argErr(fn, "%s must be a string, got %s", name, describe(v))
	}
	return s, nil
}

// addressArg reads argument i as an SS58 account address.
func addressArg(fn, name string, args []any, i int) (string, error) {
	s, err := stringArg(fn, name, args, i)
	if err != nil {
		return "", err
	}
	pub, _, err := scale.SS58Decode(s)
	if err != nil {
		return "", argErr(fn, "%s: invalid SS58 address %s: %s", name, describe(s), ss58Reason(err))
	}
	if len(pub) != 32 {
		return "", argErr(fn, "%s: %s is not an account address (%d-byte key)", name, describe(s), len(pub))
	}
	return s, nil
}

// ss58Reason strips the address the scale error repeats.
func ss58Reason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "ss58 address ") {
		return msg[i+2:]
	}
	return msg
}

// chainCall wraps the function behind a chain or bt call for the engine:
// it tells Options.Calls, when set, that the call runs.
func (b *binder) chainCall(name string, fn engine.Func) engine.Func {
	if b.opts.Calls == nil {
		return fn
	}
	return func(ctx context.Context, args []any) ([]any, error) {
		defer b.opts.Calls(describeCall(name, args))()
		return fn(ctx, args)
	}
}

// chainStart is chainCall for a function with a completion.
func (b *binder) chainStart(name string, fn engine.StartFunc) engine.StartFunc {
	if b.opts.Calls == nil {
		return fn
	}
	return func(ctx context.Context, args []any, done func([]any, error)) {
		end := b.opts.Calls(describeCall(name, args))
		fn(ctx, args, func(vals []any, err error) {
			end()
			done(vals, err)
		})
	}
}

// describeCall names a call for Options.Calls: the function and, for the
// chain functions that start with them, the pallet and item or the API and
// method ("chain.call SubnetInfoRuntimeApi.get_metagraph").
func describeCall(name string, args []any) string {
	if len(args) >= 2 && strings.HasPrefix(name, "chain.") {
		p, ok1 := args[0].(string)
		it, ok2 := args[1].(string)
		if ok1 && ok2 {
			return name + " " + p + "." + it
		}
	}
	return name
}

// goArgs prepares Lua arguments for scale encoding: Balances become their
// rao.
func goArgs(args []any) []any {
	if !slices.ContainsFunc(args, needsGoArg) {
		return args // nearly always: no copy
	}
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = goArg(a)
	}
	return out
}

// needsGoArg reports whether goArg changes v.
func needsGoArg(v any) bool {
	switch v.(type) {
	case bt.Balance, []any, map[string]any:
		return true
	}
	return false
}

func goArg(v any) any {
	switch x := v.(type) {
	case bt.Balance:
		return uint64(x)
	case []any:
		return goArgs(x)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = goArg(e)
		}
		return m
	}
	return v
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Default limits applied when the corresponding Options field is zero.
const (
	// DefaultCallStackSize is the default maximum Lua call depth of each
	// coroutine (the script, every gather branch, spawned task and pcall
	// body). gopher-lua reserves CallStackSize bytes in every coroutine
	// for it, so a gather of ten thousand branches pays this ten thousand
	// times.
	DefaultCallStackSize = 2000
	// DefaultRegistrySize is the default initial size, in slots, of the
	// script's value stack. It is also the least: gopher-lua replaces a
	// smaller size with its own default of 5120. With it, coroutines start
	// with 32 slots (512 bytes, held by every waiting gather branch) and
	// grow as they need.
	DefaultRegistrySize = 128
	// DefaultRegistryMaxSize is the default maximum size, in slots, of each
	// coroutine's value stack.
	DefaultRegistryMaxSize = 1 << 20
	// DefaultMemoryLimit is the default memory limit of a run, in bytes.
	DefaultMemoryLimit = 1 << 30
	// DefaultMaxConcurrency is the default number of async calls allowed to
	// run at once per engine. Chain calls mostly wait on the network, and
	// the transport bounds what is really in flight; a lower cap would
	// split a gather of a thousand reads into waves of round trips.
	DefaultMaxConcurrency = 4096
	// MaxStringRep is the largest string, in bytes, that string.rep builds.
	MaxStringRep = 64 << 20
)

// registryGrowStep is the least number of slots a value stack grows by.
// gopher-lua grows it by a fixed step, copying it each time, so a small
// step makes unpacking a large table quadratic.
const registryGrowStep = 1024

// Options configures an Engine. The zero value is usable: every field
// documents its default.
type Options struct {
	// Stdout receives print output. Default os.Stdout.
	Stdout io.Writer
	// Stderr receives warnings (for example errors of spawned tasks nobody
	// waited for). Default os.Stderr.
	Stderr io.Writer
	// AllowIO opens the full io and os libraries, dofile, loadfile, require
	// and module. When false, scripts get only os.time, os.clock, os.date
	// and os.difftime.
	AllowIO bool
	// Timeout limits the wall time of each Eval or RunFile. 0 means no limit.
	Timeout time.Duration
	// CallStackSize is the maximum Lua call depth of each coroutine;
	// deeper recursion fails with "stack overflow". Default
	// DefaultCallStackSize.
	CallStackSize int
	// RegistrySize is the initial size, in slots, of each coroutine's value
	// stack. Default, and least, DefaultRegistrySize (with which coroutines
	// start smaller, see DefaultRegistrySize).
	RegistrySize int
	// RegistryMaxSize is the size, in slots, the value stack of a coroutine
	// may grow to; beyond it the script fails with "registry overflow".
	// Default DefaultRegistryMaxSize.
	RegistryMaxSize int
	// MemoryLimit bounds, in bytes, what a run adds to the Go heap beyond
	// what the heap held when the run began: the embedding program's own
	// live heap does not count. Builtins that build large values check
	// the size before allocating and raise a Lua error; a watchdog samples
	// the heap every few milliseconds for the rest and stops the script.
	// It is approximate: garbage present when the run began counts as
	// room, and what other goroutines of the program allocate during the
	// run counts against it. Default DefaultMemoryLimit; negative disables.
	MemoryLimit int64
	// Pinner resolves the block that gather and at pin calls to. Nil means
	// no pinning: Pin always reports that no pin is in scope, and at fails.
	Pinner Pinner
	// MaxConcurrency is the number of async calls that may run at once;
	// further calls wait for a free slot. Default DefaultMaxConcurrency.
	MaxConcurrency int
}

// ErrOptions is wrapped by the error of every call on an Engine made with
// Options that Validate refuses.
var ErrOptions = errors.New("engine: invalid options")

// Validate reports the first field of o out of range: a negative Timeout,
// CallStackSize, RegistrySize, RegistryMaxSize or MaxConcurrency, or a
// RegistryMaxSize below RegistrySize when both are set. Zero always means
// the default. The error wraps ErrOptions and names the field.
func (o Options) Validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"Timeout", int64(o.Timeout)},
		{"CallStackSize", int64(o.CallStackSize)},
		{"RegistrySize", int64(o.RegistrySize)},
		{"RegistryMaxSize", int64(o.RegistryMaxSize)},
		{"MaxConcurrency", int64(o.MaxConcurrency)},
	} {
		if f.v < 0 {
			return fmt.Errorf("%w: %s is %d; it must be 0 (the default) or more", ErrOptions, f.name, f.v)
		}
	}
	if o.RegistryMaxSize > 0 && o.RegistrySize > 0 && o.RegistryMaxSize < o.RegistrySize {
		return fmt.Errorf("%w: RegistryMaxSize %d is below RegistrySize %d", ErrOptions, o.RegistryMaxSize, o.RegistrySize)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.CallStackSize <= 0 {
		o.CallStackSize = DefaultCallStackSize
	}
	if o.RegistrySize < DefaultRegistrySize {
		o.RegistrySize = DefaultRegistrySize
	}
	if o.RegistryMaxSize <= 0 {
		o.RegistryMaxSize = DefaultRegistryMaxSize
	}
	if o.RegistryMaxSize < o.RegistrySize {
		o.RegistryMaxSize = o.RegistrySize
	}
	if o.MemoryLimit == 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
	return o
}

// Func is an asynchronous function callable from Lua. It runs on its own
// goroutine while the calling Lua coroutine waits; other coroutines of the
// script keep running. ctx is cancelled when the script, its gather branch,
// its task or its timeout ends; Pin(ctx) reports the block in scope. Args
// and results are converted as described by ToGo and ToLua. A returned
// error is raised in Lua at the calling line and can be caught with pcall.
type Func func(ctx context.Context, args []any) ([]any, error)

// ErrClosed is returned by calls on an Engine after Close, and wrapped by
// the error of a run that Close cancelled.
var ErrClosed = errors.New("engine: closed")

// errClosedRun is the cause of a run cancelled by Close: it is both
// ErrClosed and context.Canceled, as the run was cancelled.
var errClosedRun error = closedError{}

type closedError struct{}

func (closedError) Error() string { return ErrClosed.Error() }

func (closedError) Is(target error) bool {
	return target == ErrClosed || target == context.Canceled
}

// Engine is a Lua host. One goroutine owns its Lua state; every method is
// safe for concurrent use and runs on that goroutine. Runs (Eval, RunFile)
// execute one at a time.
type Engine struct {
	opts    Options
	builder *Builder          // see LuaBuilder
	hook    func(*lua.LState) // every coroutine's panic function (panicHook)
	intAdd  lua.LValue        // the Int metatable's own __add and __sub (see arith)
	intSub  lua.LValue

	jobs      chan func()
	quit      chan struct{}
	ownerDone chan struct{}
	closeOnce sync.Once
	optsErr   error          // from Options.Validate: every call fails with it
	calls     sync.WaitGroup // goroutines of async calls and watchdogs
	sem       chan struct{}  // MaxConcurrency slots

	// closing is cancelled by Close, and with it the run in progress.
	closing     context.Context
	closeCancel context.CancelCauseFunc

	// Owned by the owner goroutine. The Lua state is not exported: gopher-lua
	// is not safe for concurrent use, so code outside the engine reaches it
	// only through Do, which runs on the owner goroutine.
	state       *lua.LState
	wrapper     *lua.LFunction // func(raw) returning the yield-aware Lua wrapper
	body        *lua.LFunction // coroutine trampoline
	check       *lua.LFunction
	marker      *lua.LUserData
	run         *run
	pcs         map[uintptr]frameKind
	coroMap     map[coroKey]*userCoro
	threads     []*lua.LState // idle threads for reuse
	clean       int           // threads[:clean] have forgotten what they ran (see tidy)
	spare       *slab         // a finished gather's branch records, for reuse
	fnbuf       []lua.LValue  // a gather's functions, while it starts (see listFunctions)
	directEnds  int           // gather branches that gave back their thread at their call (see step)
	madeThreads int           // Lua threads made for tasks (see newThread)
	memBase     int64         // heap bytes when the current run began
	memDirty    bool          // the last run left much garbage (see memoryBase)
	ready       []readyItem   // the ready queue's array, kept between runs
	onWait      []func()      // see OnWait

	goneMu sync.Mutex
	gone   []coroKey // coroutines collected, to drop from coroMap

	evalMu    sync.Mutex
	evalCache map[string]evalCompiled
}

// New creates an Engine with its Lua state and owner goroutine. Close it to
// release them. Options that Validate refuses give an engine on which
// every call fails with that error, wrapping ErrOptions: call
// opts.Validate first to find out at once.
func New(opts Options) *Engine {
	if err := opts.Validate(); err != nil {
		e := &Engine{opts: opts, optsErr: err, quit: make(chan struct{}), ownerDone: make(chan struct{}), evalCache: map[string]evalCompiled{}}
		close(e.quit)
		close(e.ownerDone)
		e.closeOnce.Do(func() {})
		return e
	}
	e := &Engine{
		opts:      opts.withDefaults(),
		jobs:      make(chan func()),
		quit:      make(chan struct{}),
		ownerDone: make(chan struct{}),
		pcs:       make(map[uintptr]frameKind),
		evalCache: make(map[string]evalCompiled),
	}
	e.sem = make(chan struct{}, e.opts.MaxConcurrency)
	e.closing, e.closeCancel = context.WithCancelCause(context.Background())
	ready := make(chan struct{})
	go e.own(ready)
	<-ready
	return e
}

// own is the owner goroutine: it creates the Lua state and runs jobs.
func (e *Engine) own(ready chan struct{}) {
	defer close(e.ownerDone)
	e.state = lua.NewState(lua.Options{
		CallStackSize:       e.opts.CallStackSize,
		RegistrySize:        e.opts.RegistrySize,
		RegistryMaxSize:     e.opts.RegistryMaxSize,
		RegistryGrowStep:    max(e.opts.RegistrySize, registryGrowStep),
		SkipOpenLibs:        true,
		MinimizeStackMemory: true,
	})
	e.init()
	close(ready)
	for {
		select {
		case job := <-e.jobs:
			job()
			e.tidy()
		case <-e.quit:
			e.state.Close()
			return
		}
	}
}

// Options returns the options the engine runs with, defaults filled in.
func (e *Engine) Options() Options { return e.opts }

// do runs fn on the owner goroutine and waits for it.
func (e *Engine) do(fn func()) error {
	done := make(chan struct{})
	job := func() {
		defer close(done)
		fn()
	}
	if e.optsErr != nil {
		return e.optsErr
	}
	select {
	case e.jobs <- job:
	case <-e.quit:
		return ErrClosed
	}
	<-done
	return nil
}

// Close stops the engine. It cancels the running script, if any, as
// cancelling its context would (its Eval or RunFile returns an error that
// wraps ErrClosed and context.Canceled), waits for it to stop and for every
// goroutine the engine started to finish, and releases the Lua state. An
// async Func that ignores its context holds Close up until it returns,
// and so Close must not be called from a Func or from code run by Do (it
// would wait for itself): call it from the goroutine that owns the
// engine. Close is idempotent; calls after it return ErrClosed.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		e.closeCancel(errClosedRun)
		close(e.quit)
		<-e.ownerDone
		e.calls.Wait()
		forgetIntMetatable(e.state.G)
	})
	return nil
}

// Do runs fn on the owner goroutine with the engine's Lua state, for
// bindings that need raw gopher-lua access (metatables, userdata types,
// LGFunctions). fn must not keep L or call into it after returning. An
// error returned or raised by fn is returned.
func (e *Engine) Do(fn func(L *lua.LState) error) error {
	var err error
	if derr := e.do(func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("engine: %v", luaPanicMessage(r))
			}
		}()
		err = fn(e.state)
	}); derr != nil {
		return derr
	}
	return err
}

// Setup runs Lua code once in the engine's global environment, outside any
// script run, for bindings that define helpers in Lua. It must not call
// async functions. name is the chunk name used in error messages.
func (e *Engine) Setup(name, code string) error {
	return e.Do(func(L *lua.LState) error {
		fn, err := L.Load(strings.NewReader(code), name)
		if err != nil {
			return fmt.Errorf("engine: setup %s: %w", name, err)
		}
		L.Push(fn)
		if err := L.PCall(0, 0, nil); err != nil {
			return fmt.Errorf("engine: setup %s: %w", name, err)
		}
		return nil
	})
}

// Register sets the global name to the async function fn.
func (e *Engine) Register(name string, fn Func) error {
	return e.Do(func(L *lua.LState) error {
		L.SetGlobal(name, e.AsyncFunction(L, fn))
		return nil
	})
}

// OnWait adds f to what the engine calls, on its goroutine, when the
// running script has started all it can before answers come: each time
// it has nothing left to run and waits for calls in flight, and when it
// turns from running coroutines to handling the answers that came in
// meanwhile. That is the moment to send work that calls have queued but
// not yet sent (the bindings flush their batch of storage reads, see
// chain.Batch). It is also called after a pin that calls were waiting
// for is resolved, and not while the calls are told (see WhenPinned).
// f must return promptly and must not call into the engine.
func (e *Engine) OnWait(f func()) error {
	if f == nil {
		return errors.New("engine: OnWait: nil function")
	}
	return e.do(func() { e.onWait = append(e.onWait, f) })
}

// Module is a set of fields to install as a global table: async functions,
// synchronous gopher-lua functions and constants. Build it with NewModule
// and install it with Engine.RegisterModule.
type Module struct {
	names []string
	async map[string]Func
	sync  map[string]lua.LGFunction
	vals  map[string]any
}

// NewModule returns an empty Module.
func NewModule() *Module {
	return &Module{async: map[string]Func{}, sync: map[string]lua.LGFunction{}, vals: map[string]any{}}
}

func (m *Module) add(name string) {
	m.names = append(m.names, name)
	delete(m.async, name)
	delete(m.sync, name)
	delete(m.vals, name)
}

// Async adds an async function field and returns m.
func (m *Module) Async(name string, fn Func) *Module {
	m.add(name)
	m.async[name] = fn
	return m
}

// Sync adds a synchronous gopher-lua function field and returns m. It runs
// on the owner goroutine and must not block for long.
func (m *Module) Sync(name string, fn lua.LGFunction) *Module {
	m.add(name)
	m.sync[name] = fn
	return m
}

// Value adds a constant field, converted with ToLua, and returns m.
func (m *Module) Value(name string, v any) *Module {
	m.add(name)
	m.vals[name] = v
	return m
}

// RegisterModule installs m as the global table name, merging into an
// existing table of that name.
func (e *Engine) RegisterModule(name string, m *Module) error {
	return e.Do(func(L *lua.LState) error {
		tbl, ok := L.GetGlobal(name).(*lua.LTable)
		if !ok {
			tbl = L.NewTable()
		}
		for _, field := range m.names {
			switch {
			case m.async[field] != nil:
				tbl.RawSetString(field, e.AsyncFunction(L, m.async[field]))
			case m.sync[field] != nil:
				tbl.RawSetString(field, L.NewFunction(m.sync[field]))
			default:
				v, err := ToLua(L, m.vals[field])
				if err != nil {
					return fmt.Errorf("engine: module %s field %s: %w", name, field, err)
				}
				tbl.RawSetString(field, v)
			}
		}
		L.SetGlobal(name, tbl)
		return nil
	})
}

// Result holds what a chunk returned.
type Result struct {
	// Values are the Lua values returned. They belong to the engine's Lua
	// state: inspect them before the next call on the engine.
	Values []lua.LValue
}

// Go converts the results to Go values with ToGo, e.g. for JSON output.
func (r *Result) Go() []any {
	if r == nil {
		return nil
	}
	out := make([]any, len(r.Values))
	for i, v := range r.Values {
		out[i] = ToGo(v)
	}
	return out
}

// Eval runs a chunk of Lua code, as a REPL does: it first tries
// "return " .. code so that an expression yields its value, and falls back
// to code as a statement. The chunk name in error messages is "stdin"; use
// RunString to name the chunk and pass it arguments.
// The code is compiled on the calling goroutine, and the compiled form of
// the last evalCacheSize distinct chunks is kept: a program that evaluates
// the same code again and again parses it once.
func (e *Engine) Eval(ctx context.Context, code string) (*Result, error) {
	if e.optsErr != nil {
		return nil, e.optsErr
	}
	c, err := e.evalChunk(code)
	if err != nil {
		return nil, err
	}
	var res *Result
	if derr := e.do(func() {
		fn := e.state.NewFunctionFromProto(c.proto)
		var args []lua.LValue
		if c.expr {
			args = []lua.LValue{e.state.NewFunction(func(L *lua.LState) int { return L.GetTop() })}
		}
		res, err = e.execute(ctx, fn, args)
	}); derr != nil {
		return nil, derr
	}
	return res, err
}

// RunString runs code as a chunk named name, as RunFile runs a file: name
// is what error messages and tracebacks call it ("job-42.lua:3: ..."), and
// args, converted with ToLua, are the chunk's varargs (...). Unlike Eval,
// code is a block of statements: it gives values with return. Compiled
// chunks are kept as Eval keeps them.
func (e *Engine) RunString(ctx context.Context, name, code string, args ...any) (*Result, error) {
	if e.optsErr != nil {
		return nil, e.optsErr
	}
	if name == "" {
		return nil, fmt.Errorf("engine: RunString needs a chunk name")
	}
	c, err := e.cachedChunk("\x00"+name+"\x00"+code, func() (evalCompiled, error) {
		proto, err := compile(code, name)
		if err != nil {
			return evalCompiled{}, &Error{Message: atEnd(code, syntaxMessage(err))}
		}
		return evalCompiled{proto: proto}, nil
	})
	if err != nil {
		return nil, err
	}
	var res *Result
	if derr := e.do(func() {
		lvs := make([]lua.LValue, len(args))
		for i, a := range args {
			lv, cerr := ToLua(e.state, a)
			if cerr != nil {
				err = fmt.Errorf("engine: RunString argument %d: %w", i+1, cerr)
				return
			}
			lvs[i] = lv
		}
		res, err = e.execute(ctx, e.state.NewFunctionFromProto(c.proto), lvs)
	}); derr != nil {
		return nil, derr
	}
	return res, err
}

// cachedChunk returns the chunk compiled under key, compiling it with
// build when it is not kept.
func (e *Engine) cachedChunk(key string, build func() (evalCompiled, error)) (evalCompiled, error) {
	e.evalMu.Lock()
	c, ok := e.evalCache[key]
	e.evalMu.Unlock()
	if ok {
		return c, nil
	}
	c, err := build()
	if err != nil {
		return c, err
	}
	e.evalMu.Lock()
	if len(e.evalCache) >= evalCacheSize {
		for k := range e.evalCache { // drop any one
			delete(e.evalCache, k)
			break
		}
	}
	e.evalCache[key] = c
	e.evalMu.Unlock()
	return c, nil
}

// evalCacheSize bounds the compiled chunks Eval keeps.
const evalCacheSize = 64

// evalCompiled is one chunk compiled for Eval.
type evalCompiled struct {
	proto *lua.FunctionProto
	expr  bool // takes one argument: a function returning its arguments
}

// evalChunk compiles code for Eval, or returns it from the cache.
func (e *Engine) evalChunk(code string) (evalCompiled, error) {
	return e.cachedChunk(code, func() (evalCompiled, error) {
		// An expression is evaluated as the argument of a function that
		// returns its arguments, not as "return expr": a tail call would
		// drop the chunk's frame, and with it the line of an error.
		proto, err := compile("local btscript_values = ...; return btscript_values("+code+"\n)", "stdin")
		if err == nil {
			return evalCompiled{proto: proto, expr: true}, nil
		}
		if proto, err = compile(code, "stdin"); err != nil {
			return evalCompiled{}, &Error{Message: atEnd(code, syntaxMessage(err))}
		}
		return evalCompiled{proto: proto}, nil
	})
}

// compile parses and compiles a chunk, with checked concatenation (see
// compileChecked). It needs no Lua state, so it runs on any goroutine.
func compile(code, name string) (*lua.FunctionProto, error) {
	return compileChecked(code, name)
}

// RunFile runs the Lua script at path. The script receives args as the
// global table arg (arg[0] is path) and as its varargs (...).
func (e *Engine) RunFile(ctx context.Context, path string, args []string) (*Result, error) {
	if e.optsErr != nil {
		return nil, e.optsErr
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	code := string(src)
	if strings.HasPrefix(code, "#") { // shebang line
		if i := strings.IndexByte(code, '\n'); i >= 0 {
			code = "--" + code[i:]
		} else {
			code = ""
		}
	}
	proto, err := compile(code, filepath.Base(path))
	if err != nil {
		return nil, &Error{Message: atEnd(code, syntaxMessage(err))}
	}
	var res *Result
	if derr := e.do(func() {
		fn := e.state.NewFunctionFromProto(proto)
		argt := e.state.NewTable()
		argt.RawSetInt(0, lua.LString(path))
		lvs := make([]lua.LValue, len(args))
		for i, a := range args {
			argt.RawSetInt(i+1, lua.LString(a))
			lvs[i] = lua.LString(a)
		}
		e.state.SetGlobal("arg", argt)
		res, err = e.execute(ctx, fn, lvs)
	}); derr != nil {
		return nil, derr
	}
	return res, err
}

// AsyncFunction returns a Lua function that calls fn asynchronously. It
// must be called on the owner goroutine (inside Do or a Lua function), for
// bindings that build their own tables.
func (e *Engine) AsyncFunction(L *lua.LState, fn Func) *lua.LFunction {
	if fn == nil {
		panic("engine: nil Func")
	}
	return e.asyncEntry(L, func(r *run, L *lua.LState, nret int) int { return r.startCall(L, fn, nret) })
}

// asyncEntry returns the Lua function through which an async call starts;
// begin starts it on the run (a Func on a goroutine, a StartFunc with a
// completion) and parks the caller.
func (e *Engine) asyncEntry(L *lua.LState, begin func(r *run, L *lua.LState, nret int) int) *lua.LFunction {
	if !frames.ok {
		return e.yielding(L, func(L *lua.LState, r *run) int { return begin(r, L, nretWrapped) })
	}
	// Called directly, without the Lua wrapper: the coroutine resumes with
	// the results as they are, and a failed call ends the coroutine with the
	// error (see failCall). This halves the interpreter's work per call.
	var self *lua.LFunction
	self = L.NewFunction(func(L *lua.LState) int {
		r := e.run
		if r == nil || r.current == nil {
			L.RaiseError("this function can only be called while a script runs")
		}
		if !e.frameYieldable(L) {
			return r.blockCall(L, self)
		}
		r.curTask.site, r.curTask.sitePC = callSite(L)
		return begin(r, L, wantResults(L))
	})
	return self
}

// syntaxMessage extracts the first line of a gopher-lua compile error.
func syntaxMessage(err error) string {
	msg := err.Error()
	var api *lua.ApiError
	if errors.As(err, &api) {
		msg = api.Object.String()
	}
	return strings.TrimSpace(msg)
}

// syntaxAtEOF matches gopher-lua's message for input that ends inside a
// construct: "x.lua at EOF:   syntax error".
var syntaxAtEOF = regexp.MustCompile(`^(.+?) at EOF:\s+(.+)$`)

// openerSearch bounds the parses atEnd spends looking for the construct
// left open.
const openerSearch = 64

// atEnd gives a syntax error at the end of code the line numbers gopher-lua
// leaves out: the last line, and, when a few parses find it, the line
// where the construct left open starts (the line after the longest prefix
// of whole lines that parses).
func atEnd(code, msg string) string {
	m := syntaxAtEOF.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	lines := strings.Split(strings.TrimRight(code, "\n"), "\n")
	last := len(lines)
	opener := 0
	for k, tries := last-1, 0; k >= 0 && tries < openerSearch; k, tries = k-1, tries+1 {
		if _, err := parse.Parse(strings.NewReader(strings.Join(lines[:k], "\n")), m[1]); err == nil {
			opener = k + 1
			for opener <= last && strings.TrimSpace(lines[opener-1]) == "" {
				opener++
			}
			break
		}
	}
	if opener >= 1 && opener <= last {
		return fmt.Sprintf("%s:%d: %s at the end of the script: the statement from line %d is not finished (is an 'end' or a bracket missing?)", m[1], last, m[2], opener)
	}
	return fmt.Sprintf("%s:%d: %s at the end of the script (is an 'end' or a bracket missing?)", m[1], last, m[2])
}

// luaPanicMessage renders a recovered panic value without any Go stack.
func luaPanicMessage(r any) string {
	if api, ok := r.(*lua.ApiError); ok {
		return api.Object.String()
	}
	return fmt.Sprint(r)
}

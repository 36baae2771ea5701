// Package engine is the Lua host: one goroutine owns each Lua state, Go
// functions run asynchronously while the calling coroutine waits, and
// gather runs many calls at once, all pinned to one block.
//
// The engine knows nothing of any chain. Bindings register functions into
// it: async ones (Func, via Register, RegisterModule with Module.Async, or
// AsyncFunction inside Do), synchronous gopher-lua ones (Module.Sync, Do)
// and Lua helpers (Setup).
//
// # Scheduling
//
// A script runs as a set of Lua coroutines driven by the engine on the
// owner goroutine. Calling an async function parks the calling coroutine,
// runs the Func on its own goroutine (at most Options.MaxConcurrency at
// once) and resumes the coroutine with the results, converted on the owner
// goroutine. gopher-lua cannot yield across pcall, generic-for iterators,
// metamethods or callbacks of Go functions (table.sort, string.gsub); the
// engine therefore provides its own pcall, xpcall and coroutine library,
// which run bodies as child coroutines and pass parked calls through, and it
// detects calls from places that cannot yield (from gopher-lua's call
// frames: a frame not entered by a call instruction of Lua code runs in a
// nested interpreter loop). There the call runs as a separate task and the
// engine drives the scheduler until it finishes: the calling coroutine
// blocks, the script's other coroutines keep running. A failed call ends
// its coroutine with the error, raised at the line of the call; pcall and
// xpcall catch it, as their bodies are coroutines of their own.
//
// # Lua globals
//
//   - gather(f1, f2, ...) runs the functions as concurrent coroutines and
//     returns the first return value of each, in order. gather{name = f, ...}
//     returns a table with the same keys. The first error cancels the other
//     branches (their calls' contexts are done) and is raised as
//     "gather: branch 2 failed: ..." or "gather: branch 'name' failed: ...".
//   - spawn(f, ...) starts a task and returns a handle: task:wait() returns
//     its results or raises its error, task:cancel() stops it, task:done()
//     reports whether it finished. Tasks still running when the script ends
//     are cancelled; errors of tasks nobody waited for go to Options.Stderr.
//   - sleep(seconds) waits without blocking other coroutines.
//   - timeout(seconds, f, ...) runs f with a deadline and raises
//     "timeout after Ns" when it expires.
//   - at(block, f, ...) runs f pinned to block (hash string or number).
//   - pcall, xpcall and coroutine.create/resume/yield/wrap/status/running
//     behave as in Lua 5.1 and may wrap async calls.
//   - int(x) makes an exact integer from a number or a decimal/hex string;
//     isint(x) reports whether x is an exact integer; tonumber(Int) returns
//     the nearest float.
//
// # Pinning
//
// Each gather (unless a pin is already in scope) creates a pin cell that
// calls Pinner.Head lazily, at most once, when the first async call inside
// asks for it with Pin; nested gathers and spawned tasks share it. at()
// pins explicitly through Pinner.Resolve, also lazily and once. WithPin and
// WithBlock pin a whole run.
//
// # Exact integers
//
// An integer whose magnitude is at most 2^53 is a plain Lua number; beyond
// that it is an Int userdata with arithmetic (+ - * / % ^ unary -),
// comparison, tostring and concatenation metamethods. / is integer
// division truncating toward zero; % takes the sign of the divisor, as in
// Lua. Results are normalised: back to a number when they fit. Mixing an
// Int with a non-integral number, or with a number beyond 2^53, raises
// "cannot mix float 1.5 with exact integer". int() always returns an Int
// userdata, so int(a) < int(b) and int(a) == int(b) always work. gopher-lua
// follows Lua 5.1: == between a number and an Int is always false (correct
// under normalisation, since an Int never holds a value that fits a number),
// and < or <= between a number and an Int raises "attempt to compare number
// with userdata"; wrap both sides in int(). Arithmetic on plain numbers is
// ordinary float arithmetic: adding 1 to the number 2^53 loses precision,
// use int() first.
//
// # Sandbox and limits
//
// Scripts get the base library without dofile, loadfile, require and module
// (loadstring accepts text chunks only), string (string.rep capped at
// MaxStringRep), table, math, the engine's coroutine library, os.time,
// os.clock, os.date, os.difftime and debug.traceback. Options.AllowIO
// opens io, all of os, package, dofile and loadfile. Options.Timeout,
// CallStackSize, RegistryMaxSize and MemoryLimit stop runaway scripts with
// an *Error; cancelling the context passed to Eval or RunFile stops the
// script promptly, and the engine stays usable.
package engine

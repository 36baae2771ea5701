// Package engine is the Lua host: one goroutine owns each Lua state, Go
// functions run asynchronously while the calling coroutine waits, and
// gather runs many calls at once, all pinned to one block.
//
// The engine knows nothing of any chain. Bindings register functions into
// it: async ones (Func, via Register, RegisterModule with Module.Async, or
// AsyncFunction inside Do), synchronous gopher-lua ones (Module.Sync, Do)
// and Lua helpers (Setup).
//
// # Lifecycle and errors
//
// New makes an engine (its Lua state and owner goroutine); it is cheap
// enough to make one per script, which is how to run each script in a
// clean state, as an engine keeps its globals between runs. RunString runs
// a named chunk with arguments, RunFile a file, Eval REPL input; runs on
// one engine take turns. Close cancels the run in progress (its error
// wraps ErrClosed and context.Canceled) and waits for the engine's
// goroutines. A run's error is an *Error with the Lua position in its
// message; errors.Is and errors.As see through it to the Go error behind
// it: what a Func returned when the script did not catch it, the
// context's cause, ErrTimeout, ErrMemoryLimit or ErrDeadlock. Options out
// of range fail every call with an error wrapping ErrOptions.
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
// An Int is an exact integer userdata with arithmetic (+ - * / % ^ unary -),
// comparison, tostring and concatenation metamethods. An Int stays an Int:
// every result of arithmetic with one is an Int, whatever its magnitude,
// so a sum never passes through a float. A number meeting an Int must be
// an integer of magnitude at most 2^53 (exact in a double), else the
// operation raises an error ("cannot mix number … with exact integer").
// / is exact or an error; int.div(a, b) is floor division (Lua 5.1 has no
// //), and % takes the sign of the divisor, so a == int.div(a, b)*b + a%b.
// An Int holds at most MaxIntBits bits: a larger result is an error raised
// before it is computed. *big.Int values from Go become Ints; other Go
// integers within 2^53 become numbers. Comparisons between a number and
// an Int are exact: the engine compiles each comparison that could meet
// an Int as a call (Lua 5.1 alone makes == of different types false and <
// an error); one with a literal string, nil or boolean stays a VM
// instruction.
// Arithmetic on plain numbers is ordinary float arithmetic: adding 1 to the
// number 2^53 loses precision, use int() first.
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
// script promptly, and the engine stays usable. The builtins that build
// large values (string.rep, format, gsub, upper, lower, reverse,
// table.concat, .., unpack, gather) check the size against the memory the
// run has left before allocating; .. is compiled as a call of that checked
// concatenation. The pattern functions are Lua 5.1's matcher, stopped by
// the run's context and bounded in recursion. Coroutines a script drops
// while suspended are collected during the run.
package engine

package engine

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Error is the error of a script run: a Lua error, a limit or a
// cancellation.
type Error struct {
	// Message is the Lua error message, with the script position where one
	// is known, e.g. "script.lua:3: tempo: netuid must be an integer". An
	// error value that is not a string is rendered: an Int or a Balance by
	// its value, a table by its __tostring.
	Message string
	// Traceback is the Lua stack traceback at the error, when known.
	Traceback string
	cause     error
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause, for errors.Is and errors.As: the context's
// cause for a cancelled run (context.Canceled, ErrClosed, or what the
// caller's context was cancelled with), ErrTimeout (also
// context.DeadlineExceeded) for Options.Timeout, ErrMemoryLimit,
// ErrDeadlock; for a script that failed with an error it did not catch,
// the Go error behind it when there is one: what an async Func returned
// (a *rpc.Error or *scale.NotFoundError from a chain call, say), or
// context.DeadlineExceeded for an expired timeout scope. It is nil for an
// error the script raised itself.
func (e *Error) Unwrap() error { return e.cause }

// MaxErrorText bounds, in bytes, the text an error value's __tostring may
// give: the message is one line of a terminal, not a document.
const MaxErrorText = 4096

// ErrorTostringTimeout bounds the time an error value's __tostring may
// run.
const ErrorTostringTimeout = time.Second

// hasPosition matches a message that holds a script position (the VM's
// own errors, such as "lua callstack overflow", have none).
var hasPosition = regexp.MustCompile(`(^|\s)[^\s:]+:\d+:`)

// tracePosition finds the innermost script position of a traceback.
var tracePosition = regexp.MustCompile(`\n\t([^\s:]+:\d+):`)

// runError builds the error of a run that failed with the Lua value v.
func (e *Engine) runError(v lua.LValue, trace string) *Error {
	msg := e.errorText(v)
	if _, ok := v.(lua.LString); !ok {
		// Lua gives no position to an error value that is not a string:
		// the traceback has it. (A string raised at level 0 keeps none,
		// as its author asked.)
		if m := tracePosition.FindStringSubmatch(trace); m != nil {
			msg = m[1] + ": " + msg
		}
	}
	return &Error{Message: msg, Traceback: trace}
}

// errorText renders an error value: a string as it is, an Int or a
// Balance by its value (their __tostring), a table or userdata by its
// __tostring, run under a time bound with its own errors caught, and
// clipped to MaxErrorText. It runs on the owner goroutine.
func (e *Engine) errorText(v lua.LValue) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return numString(x)
	case lua.LBool, *lua.LNilType:
		return x.String()
	case *lua.LUserData:
		if b, ok := x.Value.(*big.Int); ok && isIntUD(x) {
			return b.String()
		}
	}
	L := e.state
	mm := metaField(L, v, "__tostring")
	if mm == lua.LNil {
		return fmt.Sprintf("(error object is a %s value)", v.Type())
	}
	ctx, cancel := context.WithTimeout(context.Background(), ErrorTostringTimeout)
	defer cancel()
	prev := L.Context()
	L.SetContext(ctx)
	defer func() {
		if prev != nil {
			L.SetContext(prev)
		} else {
			L.RemoveContext()
		}
	}()
	top := L.GetTop()
	defer L.SetTop(top)
	L.Push(mm)
	L.Push(v)
	if err := L.PCall(1, 1, nil); err != nil {
		if ctx.Err() != nil {
			return fmt.Sprintf("(error object is a %s value; its __tostring failed: it ran past %s)", v.Type(), ErrorTostringTimeout)
		}
		return fmt.Sprintf("(error object is a %s value; its __tostring failed: %s)", v.Type(), clipText(syntaxMessage(err)))
	}
	switch s := L.Get(-1).(type) {
	case lua.LString:
		return clipText(string(s))
	case lua.LNumber:
		return numString(s)
	default:
		return fmt.Sprintf("(error object is a %s value; its __tostring gave a %s)", v.Type(), s.Type())
	}
}

// clipText bounds a message to MaxErrorText bytes.
func clipText(s string) string {
	if len(s) <= MaxErrorText {
		return s
	}
	s = s[:MaxErrorText]
	// Do not end inside a UTF-8 sequence.
	for i := 0; i < 3 && len(s) > 0 && s[len(s)-1]&0xc0 == 0x80; i++ {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xc0 {
		s = s[:len(s)-1]
	}
	return strings.TrimRight(s, "\n") + "…"
}

package engine

// Error is the error of a script run: a Lua error, a limit or a
// cancellation.
type Error struct {
	// Message is the Lua error message, with the script position where Lua
	// gives one, e.g. "script.lua:3: tempo: netuid must be an integer".
	Message string
	// Traceback is the Lua stack traceback at the error, when known.
	Traceback string
	cause     error
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause: context.Canceled, an error wrapping ErrTimeout,
// ErrMemoryLimit or ErrDeadlock, or nil for a Lua error.
func (e *Error) Unwrap() error { return e.cause }

package engine

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Error positions and tracebacks.

// sameValue is == for error values, with NaN equal to itself.
func sameValue(a, b lua.LValue) bool {
	if x, ok := a.(lua.LNumber); ok {
		if y, ok := b.(lua.LNumber); ok && x != x && y != y {
			return true
		}
	}
	return a == b
}

// positioned prefixes msg with the script position of L, when there is
// one. A task that runs a call for a coroutine that could not yield (see
// block) has no script frames of its own: given that task as t, the
// position is where that coroutine waits.
func positioned(t *task, L *lua.LState, msg string) string {
	pos := where(L)
	for ; pos == "" && t != nil && t.blocked != nil; t = t.parent {
		pos = where(t.blocked)
	}
	if pos != "" {
		return pos + " " + msg
	}
	return msg
}

// where returns "source:line:" of the innermost script frame: the caller
// of a running Go function, or where a parked coroutine waits.
func where(L *lua.LState) string {
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return ""
		}
		if _, err := L.GetInfo("Sl", dbg, nil); err != nil {
			continue
		}
		if dbg.What == "G" || dbg.Source == internalChunk || dbg.CurrentLine <= 0 {
			continue
		}
		return fmt.Sprintf("%s:%d:", dbg.Source, dbg.CurrentLine)
	}
}

// panicHook replaces gopher-lua's panic function in every coroutine to
// record the Lua traceback of an error before the stack unwinds.
func (e *Engine) panicHook(L *lua.LState) {
	obj := L.Get(-1)
	if s, ok := obj.(lua.LString); ok && strings.HasPrefix(string(s), internalChunk+":") {
		// error() called straight from the engine's trampoline, as in
		// pcall(error, "x"): like Lua, report no position.
		if _, rest, found := strings.Cut(string(s)[len(internalChunk)+1:], ": "); found {
			obj = lua.LString(rest)
		}
	}
	if r := e.run; r != nil {
		if r.carryObj != nil && r.carryObj == obj {
			r.lastTrace = r.carryTrace
		} else {
			r.lastTrace = r.traceback(L)
		}
		r.lastObj = obj
	}
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: obj})
}

// traceback renders the Lua stack of L and of the coroutines below it.
func (r *run) traceback(L *lua.LState) string {
	var b strings.Builder
	b.WriteString("stack traceback:")
	threads := []*lua.LState{L}
	for c := r.current; c != nil; c = c.parent {
		if c.th != L {
			threads = append(threads, c.th)
		}
	}
	prev, lines := "", 0
	for _, th := range threads {
		for level := 0; level < 200; level++ {
			dbg, ok := th.GetStack(level)
			if !ok {
				break
			}
			if _, err := th.GetInfo("Snl", dbg, nil); err != nil {
				continue
			}
			if dbg.Source == internalChunk || dbg.What == "G" {
				continue
			}
			line := fmt.Sprintf("\n\t%s:%d: in ", dbg.Source, dbg.CurrentLine)
			switch {
			case dbg.What == "main":
				line += "main chunk"
			case dbg.Name != "":
				line += fmt.Sprintf("function '%s'", dbg.Name)
			default:
				line += fmt.Sprintf("function <%s:%d>", dbg.Source, dbg.LineDefined)
			}
			if line != prev {
				b.WriteString(line)
				lines++
			}
			prev = line
		}
	}
	if lines == 0 {
		return ""
	}
	return b.String()
}

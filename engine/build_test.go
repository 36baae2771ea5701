package engine

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// slowBuilt is a result whose Lua value takes until release is closed to
// build. On the engine's goroutine (LuaValue) it is an error: it must be
// built where the call returned it.
type slowBuilt struct {
	release <-chan struct{}
	t       *testing.T
}

func (s slowBuilt) LuaValue(L *lua.LState) lua.LValue {
	s.t.Error("LuaValue ran: the result was converted on the engine's goroutine")
	return lua.LNil
}

func (s slowBuilt) BuildLua(b *Builder) lua.LValue {
	select {
	case <-s.release:
	case <-time.After(10 * time.Second):
		s.t.Error("the engine did not run the other branch while a result was being built")
	}
	t := b.Array(2)
	t.RawSetInt(1, b.Uint64(1<<63))
	t.RawSetInt(2, b.Int(new(big.Int).Lsh(big.NewInt(1), 100)))
	return t
}

// TestBuiltOffTheEngineGoroutine: a LuaBuilder result of a Func and of a
// StartFunc is built on the goroutine that returns it, while the engine
// runs other coroutines, and arrives as the Lua value LuaValue would give
// (an array of Ints).
func TestBuiltOffTheEngineGoroutine(t *testing.T) {
	for _, kind := range []string{"func", "start"} {
		t.Run(kind, func(t *testing.T) {
			release := make(chan struct{})
			e, _ := newTestEngine(t, Options{})
			if kind == "func" {
				e.Register("slow", func(ctx context.Context, args []any) ([]any, error) {
					return []any{slowBuilt{release, t}}, nil
				})
			} else {
				e.RegisterModule("s", NewModule().Start("slow", func(ctx context.Context, args []any, done func([]any, error)) {
					go done([]any{slowBuilt{release, t}}, nil)
				}))
				e.Do(func(L *lua.LState) error {
					L.SetGlobal("slow", L.GetField(L.GetGlobal("s"), "slow"))
					return nil
				})
			}
			e.Register("open", func(ctx context.Context, args []any) ([]any, error) {
				time.Sleep(20 * time.Millisecond) // the slow result is being built by now
				close(release)
				return nil, nil
			})
			got := fmt.Sprint(eval(t, e, `
				local r = {gather(function() return slow() end, function() open() return "opened" end)}
				a = r[1] or {}
				return isint(a[1]), tostring(a[1]), tostring(a[2] + 1), r[2]`))
			if want := "[true 9223372036854775808 1267650600228229401496703205377 opened]"; got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
			e.Do(func(L *lua.LState) error {
				if a, ok := L.GetGlobal("a").(*lua.LTable); !ok || !IsArray(L, a) {
					t.Error("the built table is not marked as an array")
				}
				return nil
			})
		})
	}
}

type panicBuilt struct{}

func (panicBuilt) LuaValue(L *lua.LState) lua.LValue { return lua.LNil }
func (panicBuilt) BuildLua(b *Builder) lua.LValue    { panic("no table for you") }

// TestBuildPanicIsTheCallsError: a panic while a result is built is the
// call's error, not a crash of the process.
func TestBuildPanicIsTheCallsError(t *testing.T) {
	e, _ := newTestEngine(t, Options{})
	e.Register("bad", func(ctx context.Context, args []any) ([]any, error) { return []any{panicBuilt{}}, nil })
	_, err := e.Eval(context.Background(), `return bad()`)
	var ee *Error
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "building its result: no table for you") {
		t.Fatalf("got %v, want the panic as the call's error", err)
	}
}

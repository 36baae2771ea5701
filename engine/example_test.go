package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// A Go async function registered with the engine and gathered from Lua: the
// three calls run at once.
func Example() {
	e := engine.New(engine.Options{Stdout: os.Stdout})
	defer e.Close()

	e.Register("upper", func(ctx context.Context, args []any) ([]any, error) {
		s, _ := args[0].(string)
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return []any{strings.ToUpper(s)}, nil
	})

	res, err := e.Eval(context.Background(), `
		local a, b, c = gather(
			function() return upper("alice") end,
			function() return upper("bob") end,
			function() return upper("carol") end)
		print(a, b, c)
		return a .. "+" .. b`)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(res.Go()...)
	// Output:
	// ALICE	BOB	CAROL
	// ALICE+BOB
}

// An Int stays an Int: a sum of integers just above 2^52 stays exact, where
// plain numbers would round. / is exact or an error; int.div floors.
func Example_exactIntegers() {
	e := engine.New(engine.Options{Stdout: os.Stdout})
	defer e.Close()
	_, err := e.Eval(context.Background(), `
		local s = int(0)
		for i = 1, 3 do s = s + 4503599627370497 end
		local f = 0
		for i = 1, 3 do f = f + 4503599627370497 end
		print(s, string.format("%.0f", f))
		print(int.div(7, 2), int(8) / 2, pcall(function() return int(7) / 2 end))`)
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// 13510798882111491	13510798882111492
	// 3	4	false	stdin:7: 7 / 2 is not an integer: use int.div(a, b) for the floor, or tonumber(a) / tonumber(b) for a float
}

// quotaError is an error type of the host's own.
type quotaError struct{ left int }

func (q *quotaError) Error() string { return fmt.Sprintf("quota exhausted (%d left)", q.left) }

// A named script with arguments, on an engine of its own with its own
// timeout; a Go error it does not catch comes back to the host with its
// type, and the Lua position in its message.
func ExampleEngine_RunString() {
	e := engine.New(engine.Options{Stdout: os.Stdout, Timeout: 10 * time.Second})
	defer e.Close()
	e.Register("spend", func(ctx context.Context, args []any) ([]any, error) {
		n, _ := args[0].(int64)
		if n > 3 {
			return nil, &quotaError{left: 3}
		}
		return []any{3 - n}, nil
	})
	res, err := e.RunString(context.Background(), "job-1.lua", "local n = ...\nreturn spend(n)", 2)
	fmt.Println(res.Go(), err)

	_, err = e.RunString(context.Background(), "job-2.lua", "local n = ...\nreturn spend(n)", 5)
	var q *quotaError
	fmt.Println(err)
	fmt.Println(errors.As(err, &q), q.left)
	// Output:
	// [1] <nil>
	// job-2.lua:2: quota exhausted (3 left)
	// true 3
}

// Close cancels the script running on the engine.
func ExampleEngine_Close() {
	e := engine.New(engine.Options{})
	started := make(chan struct{})
	e.Register("started", func(ctx context.Context, args []any) ([]any, error) {
		close(started)
		return nil, nil
	})
	done := make(chan error)
	go func() {
		// One line: Close may land while started() is still returning.
		_, err := e.RunString(context.Background(), "wait.lua", "started() sleep(30)")
		done <- err
	}()
	<-started
	e.Close()
	err := <-done
	fmt.Println(err)
	fmt.Println(errors.Is(err, context.Canceled), errors.Is(err, engine.ErrClosed))
	// Output:
	// wait.lua:1: script cancelled: engine: closed
	// true true
}

// account is a result that builds its own Lua table with the engine's
// Builder, on the goroutine of the call that returns it.
type account struct {
	name    string
	balance uint64
}

func (a account) BuildLua(b *engine.Builder) lua.LValue {
	t := b.Table(0, 2)
	t.RawSetString("name", lua.LString(a.name))
	t.RawSetString("balance", b.Uint64(a.balance)) // an exact Int
	return t
}

// LuaValue is the same conversion on the engine's goroutine, for callers
// that convert with ToLua.
func (a account) LuaValue(L *lua.LState) lua.LValue {
	t := L.CreateTable(0, 2)
	t.RawSetString("name", lua.LString(a.name))
	t.RawSetString("balance", engine.NewInt(L, new(big.Int).SetUint64(a.balance)))
	return t
}

// A result that implements LuaBuilder reaches the script as a ready table:
// the engine builds it where the call returned it, not on the goroutine
// that runs every coroutine.
func ExampleLuaBuilder() {
	e := engine.New(engine.Options{Stdout: os.Stdout})
	defer e.Close()
	e.Register("account", func(ctx context.Context, args []any) ([]any, error) {
		return []any{account{"alice", 1 << 62}}, nil
	})
	_, err := e.Eval(context.Background(), `
		local a = account()
		print(a.name, a.balance, isint(a.balance))`)
	if err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// alice	4611686018427387904	true
}

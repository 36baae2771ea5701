package engine_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/btscript/btscript/engine"
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

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

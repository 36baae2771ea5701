package engine_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/btscript/btscript/engine"
)

// A function with a completion hands its work to something already
// running (here a goroutine standing in for a batch of requests) and
// returns; the calling coroutine waits without a goroutine of its own.
func ExampleModule_Start() {
	work := make(chan func())
	go func() {
		for f := range work {
			f()
		}
	}()
	defer close(work)
	upper := func(ctx context.Context, args []any, done func([]any, error)) {
		s, _ := args[0].(string)
		work <- func() { done([]any{strings.ToUpper(s)}, nil) }
	}
	e := engine.New(engine.Options{Stdout: os.Stdout})
	defer e.Close()
	if err := e.RegisterModule("text", engine.NewModule().Start("upper", upper)); err != nil {
		fmt.Println(err)
		return
	}
	res, err := e.Eval(context.Background(), `local a, b = gather(function() return text.upper("a") end, function() return text.upper("b") end) return a .. b`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Go()[0])
	// Output: AB
}

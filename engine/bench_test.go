package engine

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"
)

// BenchmarkGather1000 gathers 1000 concurrent async calls of 1 ms each. The
// reported overhead-ms/1000calls is the wall time per gather minus the 1 ms
// every call sleeps: the cost of the scheduler for 1000 calls.
func BenchmarkGather1000(b *testing.B) {
	e := New(Options{Stdout: &bytes.Buffer{}, MaxConcurrency: 2000})
	defer e.Close()
	e.Register("work", func(ctx context.Context, args []any) ([]any, error) {
		time.Sleep(time.Millisecond)
		return args, nil
	})
	if _, err := e.Eval(context.Background(), `
		fs = {}
		for i = 1, 1000 do fs[i] = function() return work(i) end end`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		res, err := e.Eval(context.Background(), `return select('#', gather(unpack(fs)))`)
		if err != nil || res.Go()[0] != int64(1000) {
			b.Fatal(err, res)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per-time.Millisecond)/float64(time.Millisecond), "overhead-ms/1000calls")
}

// BenchmarkAsyncCall measures one async call made in sequence.
func BenchmarkAsyncCall(b *testing.B) {
	e := New(Options{Stdout: &bytes.Buffer{}})
	defer e.Close()
	e.Register("nop", func(ctx context.Context, args []any) ([]any, error) { return args, nil })
	b.ResetTimer()
	if _, err := e.Eval(context.Background(), `for i = 1, `+strconv.Itoa(b.N)+` do nop(i) end`); err != nil {
		b.Fatal(err)
	}
}

// benchEval runs code once per iteration in an engine where setup ran and
// nop is an async function returning its arguments.
func benchEval(b *testing.B, setup, code string) {
	e := New(Options{Stdout: &bytes.Buffer{}})
	defer e.Close()
	e.Register("nop", func(ctx context.Context, args []any) ([]any, error) { return args, nil })
	if _, err := e.Eval(context.Background(), setup); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Eval(context.Background(), code); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGatherParts splits the cost of BenchmarkGather1000: 1000
// branches that make no call (tasks and coroutines alone), 1000 branches
// each making an async call that returns at once, and 1000 such calls in
// sequence.
func BenchmarkGatherParts(b *testing.B) {
	b.Run("branches", func(b *testing.B) {
		benchEval(b, `fs = {} for i = 1, 1000 do fs[i] = function() return i end end`,
			`return select('#', gather(unpack(fs)))`)
	})
	b.Run("branches+calls", func(b *testing.B) {
		benchEval(b, `fs = {} for i = 1, 1000 do fs[i] = function() return nop(i) end end`,
			`return select('#', gather(unpack(fs)))`)
	})
	b.Run("calls-in-sequence", func(b *testing.B) {
		benchEval(b, ``, `for i = 1, 1000 do nop(i) end`)
	})
}

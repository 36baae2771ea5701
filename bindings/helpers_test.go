package bindings_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/rpctest"
	lua "github.com/yuin/gopher-lua"
)

// env is an engine with the modules installed over a client.
type env struct {
	e   *engine.Engine
	c   *chain.Client
	out *bytes.Buffer
	srv *rpctest.Server
}

// newEngine makes an engine over c with the bindings installed.
func newEngine(t testing.TB, c *chain.Client, opts bindings.Options) *env {
	t.Helper()
	out := &bytes.Buffer{}
	e := engine.New(engine.Options{Pinner: bindings.NewPinner(c), Stdout: out, Stderr: out})
	t.Cleanup(func() { e.Close() })
	if err := bindings.Install(e, c, opts); err != nil {
		t.Fatal(err)
	}
	return &env{e: e, c: c, out: out}
}

// recorded serves the SDK's recorded tests (the first answers first) as a
// node and returns an engine whose client talks to it.
func recorded(t *testing.T, tests ...string) *env {
	t.Helper()
	c, _, srv := chaintest.Recorded(t, rpctest.Options{}, chain.Options{}, tests...)
	en := newEngine(t, c, bindings.Options{})
	en.srv = srv
	return en
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// eval runs code and returns its results rendered with tostring, joined
// by " ".
func (en *env) eval(t *testing.T, code string) string {
	t.Helper()
	res, err := en.e.Eval(ctxT(t), code)
	if err != nil {
		t.Fatalf("%s\n=> error: %v", code, err)
	}
	return en.render(res)
}

// evalErr runs code that must fail and returns the error text.
func (en *env) evalErr(t *testing.T, code string) string {
	t.Helper()
	_, err := en.e.Eval(ctxT(t), code)
	if err == nil {
		t.Fatalf("%s: no error", code)
	}
	return err.Error()
}

func (en *env) render(res *engine.Result) string {
	parts := make([]string, len(res.Values))
	en.e.Do(func(L *lua.LState) error {
		for i, v := range res.Values {
			parts[i] = L.ToStringMeta(v).String()
		}
		return nil
	})
	return strings.Join(parts, " ")
}

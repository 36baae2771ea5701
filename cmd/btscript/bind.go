package main

import (
	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// newPinner returns the engine's pinner for the session's chain client.
func newPinner(c *chain.Client) engine.Pinner { return bindings.NewPinner(c) }

// installBindings adds the chain, bt, json and ss58 modules to the
// session's engine, with a progress line for long map walks and slow calls
// when stderr is a terminal.
func installBindings(s *session) error {
	opts := bindings.Options{Sign: signOptions(s)}
	if s.progress != nil {
		opts.Progress = s.progress.update
		opts.Calls = s.progress.call
	}
	return bindings.Install(s.engine, s.client, opts)
}

// toJSON encodes a Lua value as JSON with exact integers.
func toJSON(L *lua.LState, v lua.LValue) ([]byte, error) { return bindings.ToJSON(L, v) }

// pretty renders a Lua value for people: tables expanded, exact integers
// and balances as such.
func pretty(L *lua.LState, v lua.LValue) string { return bindings.Pretty(L, v) }

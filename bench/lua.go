package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/engine"
	lua "github.com/yuin/gopher-lua"
)

// rowDecodeLua decodes each recorded result and converts it to Lua tables
// (bindings.ToLua, the conversion every chain value takes into a script),
// against polkadot.js createType + toJSON (plain JS objects).
func (b *bench) rowDecodeLua() error {
	e := engine.New(engine.Options{Stdout: io.Discard, Stderr: io.Discard})
	defer e.Close()
	for i, c := range b.cases {
		logf("row 2: decode %s (%d KB) to Lua tables", c.method, len(c.raw)/1000)
		rm, raw := c.rm, c.raw
		var items int
		goFn := func() error {
			v, err := rm.DecodeOutput(raw)
			if err != nil {
				return err
			}
			return e.Do(func(L *lua.LState) error {
				t := bindings.ToLua(L, v)
				if tt, ok := t.(*lua.LTable); ok {
					items = tt.Len()
				}
				return nil
			})
		}
		bts, pjs, err := b.alternate(b.cfg.micro, goFn, map[string]any{"op": "decode", "name": c.name, "json": true})
		if err != nil {
			return err
		}
		if v, _ := rm.DecodeOutput(raw); v.Len() != items && items != 0 {
			return fmt.Errorf("%s: Lua table has %d items, the value %d", c.method, items, v.Len())
		}
		r := result{id: fmt.Sprintf("2%c", 'g'+i), bts: bts, pjs: pjs,
			name: fmt.Sprintf("decode %s (%d KB) → Lua tables", c.name, len(c.raw)/1000)}
		r.notes = append(r.notes, "btscript: DecodeOutput + bindings.ToLua on the engine's goroutine; pjs: createType + toJSON",
			fmt.Sprintf("btscript %s", mbps(len(raw), median(bts))))
		b.add(r)
		if err := b.profileLoop(fmt.Sprintf("row2-%s-lua", c.name), goFn); err != nil {
			return err
		}
	}
	return nil
}

// luaReadsScript is the Lua side of row 3: one gather of reads chain.query
// branches, pinned to the head by the gather (one chain_getHead).
func luaReadsScript(n int) string {
	return fmt.Sprintf(`
local fns = {}
for i = 0, %d do
  fns[#fns + 1] = function() return chain.query("SubtensorModule", "Tempo", i) end
end
local vals = {gather(unpack(fns))}
local sum = 0
for _, v in ipairs(vals) do sum = sum + v end
return sum`, n-1)
}

// newLuaEngine returns an engine with the btscript modules over c, with
// the engine's default limits (those of btscript run) unless maxConc > 0.
func newLuaEngine(c *chain.Client, maxConc ...int) (*engine.Engine, error) {
	opts := engine.Options{Stdout: io.Discard, Stderr: io.Discard, Pinner: bindings.NewPinner(c)}
	if len(maxConc) > 0 {
		opts.MaxConcurrency = maxConc[0]
	}
	e := engine.New(opts)
	if err := bindings.Install(e, c, bindings.Options{}); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func luaRun(ctx context.Context, e *engine.Engine, script string, wantSum int64) (time.Duration, error) {
	t0 := time.Now()
	res, err := e.Eval(ctx, script)
	took := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if len(res.Values) != 1 {
		return 0, fmt.Errorf("lua gather returned %d values", len(res.Values))
	}
	if n, ok := res.Values[0].(lua.LNumber); !ok || int64(n) != wantSum {
		return 0, fmt.Errorf("lua gather sum %v, want %d", res.Values[0], wantSum)
	}
	return took, nil
}

// luaConcurrencyNote runs the Lua gather of row 3 again with the engine's
// MaxConcurrency raised above the number of reads, to show how much of the
// row's time the default limit costs.
func (b *bench) luaConcurrencyNote(ctx context.Context, c *chain.Client, p *proxy, wantSum int64) (string, error) {
	e, err := newLuaEngine(c, 2*b.cfg.reads)
	if err != nil {
		return "", err
	}
	defer e.Close()
	script := luaReadsScript(b.cfg.reads)
	var xs []float64
	var rc requestCounts
	for range max(3, b.cfg.runs/2) {
		if err := b.newBlock(ctx); err != nil {
			return "", err
		}
		p.reset()
		d, err := luaRun(ctx, e, script, wantSum)
		if err != nil {
			return "", err
		}
		rc = p.snapshot()
		xs = append(xs, ms(d))
	}
	return fmt.Sprintf("with engine.Options.MaxConcurrency %d instead of the default %d: %s, %s; %s",
		2*b.cfg.reads, engine.DefaultMaxConcurrency, fmtMS(median(xs)), rc, rc.timeline()), nil
}

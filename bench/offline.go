package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/btscript/btscript/scale"
)

// bench holds what the rows share.
type bench struct {
	cfg     config
	pjs     *pjsWorker
	tmp     string
	results []result

	// serveNote is the outcome of the serve check, printed under the table.
	serveNote string

	// offline rows
	metaFile string // hex of the bare V15 metadata ("meta" + 0x0f + ...)
	meta     []byte
	md       *scale.Metadata
	cases    []decodeCase

	// network rows
	net *network
}

// decodeCase is one recorded runtime API result.
type decodeCase struct {
	name, method string
	raw          []byte
	file         string
	rm           *scale.RuntimeMethod
}

var decodeMethods = []struct{ name, method string }{
	{"neurons_lite", "NeuronInfoRuntimeApi_get_neurons_lite"},
	{"subnet_state", "SubnetInfoRuntimeApi_get_subnet_state"},
	{"selective_mechagraph", "SubnetInfoRuntimeApi_get_selective_mechagraph"},
}

func (b *bench) nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "Node.js ?"
	}
	return "Node.js " + strings.TrimSpace(string(out))
}

// loadOffline reads the finney V15 metadata and the recorded results of the
// metagraph test, and hands the same bytes to the polkadot.js worker.
func (b *bench) loadOffline() error {
	s, err := os.ReadFile(filepath.Join(b.cfg.testdata, "finney-spec343-metadata-at-version-15.hex"))
	if err != nil {
		return err
	}
	wrapped, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(string(s)), "0x"))
	if err != nil {
		return fmt.Errorf("metadata V15: %w", err)
	}
	// Option<OpaqueMetadata>: 0x01, compact length, then the metadata. Both
	// sides get the metadata itself.
	if len(wrapped) < 2 || wrapped[0] != 1 {
		return fmt.Errorf("metadata V15: not Some(OpaqueMetadata)")
	}
	n, k, err := scale.DecodeCompact(wrapped[1:])
	if err != nil || uint64(len(wrapped)-1-k) != n {
		return fmt.Errorf("metadata V15: bad length prefix")
	}
	b.meta = wrapped[1+k:]
	if string(b.meta[:4]) != "meta" || b.meta[4] != 15 {
		return fmt.Errorf("metadata V15: no meta+V15 header")
	}
	b.metaFile = filepath.Join(b.tmp, "metadata-v15.hex")
	if err := os.WriteFile(b.metaFile, []byte("0x"+hex.EncodeToString(b.meta)), 0o644); err != nil {
		return err
	}
	if b.md, err = scale.Parse(b.meta); err != nil {
		return err
	}

	rec, err := os.ReadFile(filepath.Join(b.cfg.testdata, "recorded-rpc.json"))
	if err != nil {
		return err
	}
	var all map[string]map[string]map[string]json.RawMessage
	if err := json.Unmarshal(rec, &all); err != nil {
		return fmt.Errorf("recorded-rpc.json: %w", err)
	}
	calls := all["metagraph"]["state_call"]
	var pjsCases []map[string]string
	for _, m := range decodeMethods {
		c := decodeCase{name: m.name, method: m.method}
		for params, resp := range calls {
			var ps []any
			if json.Unmarshal([]byte(params), &ps) != nil || len(ps) == 0 || ps[0] != m.method {
				continue
			}
			var r struct {
				Result string `json:"result"`
			}
			if err := json.Unmarshal(resp, &r); err != nil || r.Result == "" {
				return fmt.Errorf("recorded %s: no result", m.method)
			}
			if c.raw, err = hex.DecodeString(strings.TrimPrefix(r.Result, "0x")); err != nil {
				return fmt.Errorf("recorded %s: %w", m.method, err)
			}
		}
		if c.raw == nil {
			return fmt.Errorf("recorded-rpc.json has no metagraph state_call of %s", m.method)
		}
		if c.rm, err = b.md.MethodByRPCName(m.method); err != nil {
			return err
		}
		c.file = filepath.Join(b.tmp, m.name+".hex")
		if err := os.WriteFile(c.file, []byte("0x"+hex.EncodeToString(c.raw)), 0o644); err != nil {
			return err
		}
		b.cases = append(b.cases, c)
		pjsCases = append(pjsCases, map[string]string{"name": c.name, "method": c.method, "file": c.file})
	}
	a, err := b.pjs.do(map[string]any{"op": "setup", "metadata": b.metaFile, "cases": pjsCases})
	if err != nil {
		return err
	}
	// Both sides must see the same number of items in each result.
	for _, c := range b.cases {
		v, err := c.rm.DecodeOutput(c.raw)
		if err != nil {
			return err
		}
		if got := a.Cases[c.name].Items; got >= 0 && got != v.Len() {
			return fmt.Errorf("%s: polkadot.js decodes %d items, btscript %d", c.method, got, v.Len())
		}
	}
	return nil
}

// rounds splits n iterations into alternating rounds of both sides, so that
// noise from other work on the machine falls on both.
func rounds(n int) (int, int) {
	r := 5
	if n < r {
		r = n
	}
	return r, (n + r - 1) / r
}

func timeGo(n int, fn func() error) ([]float64, error) {
	out := make([]float64, 0, n)
	for range n {
		t0 := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		out = append(out, ms(time.Since(t0)))
	}
	return out, nil
}

// alternate runs warm-up iterations of both sides, then n timed
// iterations each in rounds, starting with the other side each round.
func (b *bench) alternate(n int, goFn func() error, pjsCmd map[string]any) (bts, pjs []float64, err error) {
	pjsRun := func(k int) ([]float64, error) {
		cmd := map[string]any{}
		for k, v := range pjsCmd {
			cmd[k] = v
		}
		cmd["n"] = k
		a, err := b.pjs.do(cmd)
		if err != nil {
			return nil, err
		}
		return a.MS, nil
	}
	if _, err := timeGo(3, goFn); err != nil {
		return nil, nil, err
	}
	if _, err := pjsRun(5); err != nil {
		return nil, nil, err
	}
	r, per := rounds(n)
	for i := range r {
		k := min(per, n-len(bts))
		if k <= 0 {
			break
		}
		for j := range 2 {
			if (i+j)%2 == 0 {
				xs, err := timeGo(k, goFn)
				if err != nil {
					return nil, nil, err
				}
				bts = append(bts, xs...)
			} else {
				xs, err := pjsRun(k)
				if err != nil {
					return nil, nil, err
				}
				pjs = append(pjs, xs...)
			}
		}
	}
	return bts, pjs, nil
}

func (b *bench) rowParse() error {
	logf("row 1: parse metadata V15 (%d KB)", len(b.meta)/1000)
	goFn := func() error {
		_, err := scale.Parse(b.meta)
		return err
	}
	bts, pjs, err := b.alternate(b.cfg.micro, goFn, map[string]any{"op": "parse"})
	if err != nil {
		return err
	}
	r := result{id: "1", name: fmt.Sprintf("parse finney metadata V15 (%d KB) into a registry", len(b.meta)/1000), bts: bts, pjs: pjs}
	r.notes = append(r.notes, "btscript compiles every type's codec up front; polkadot.js builds types lazily, on first use")
	b.add(r)
	return b.profileLoop("row1-parse", goFn)
}

func (b *bench) rowDecode() error {
	for i, c := range b.cases {
		for _, toJSON := range []bool{false, true} {
			what := "value"
			if toJSON {
				what = "JSON"
			}
			logf("row 2: decode %s (%d KB) to %s", c.method, len(c.raw)/1000, what)
			rm, raw := c.rm, c.raw
			goFn := func() error {
				v, err := rm.DecodeOutput(raw)
				if err != nil {
					return err
				}
				if toJSON {
					_ = v.AppendJSON(nil)
				}
				return nil
			}
			bts, pjs, err := b.alternate(b.cfg.micro, goFn, map[string]any{"op": "decode", "name": c.name, "json": toJSON})
			if err != nil {
				return err
			}
			r := result{id: fmt.Sprintf("2%c", 'a'+2*i+boolInt(toJSON)), bts: bts, pjs: pjs}
			if toJSON {
				r.name = fmt.Sprintf("decode %s (%d KB) → JSON", c.name, len(c.raw)/1000)
				r.notes = append(r.notes, "btscript: DecodeOutput + AppendJSON (JSON text); pjs: createType + toJSON (plain JS objects, no text)")
			} else {
				r.name = fmt.Sprintf("decode %s (%d KB) → value", c.name, len(c.raw)/1000)
				r.notes = append(r.notes, "btscript: DecodeOutput (scale.Value); pjs: registry.createType (codec objects)")
			}
			r.notes = append(r.notes, fmt.Sprintf("btscript %s, pjs %s", mbps(len(raw), median(bts)), mbps(len(raw), median(pjs))))
			b.add(r)
			if err := b.profileLoop(fmt.Sprintf("row2-%s-%s", c.name, what), goFn); err != nil {
				return err
			}
		}
	}
	return nil
}

func boolInt(x bool) int {
	if x {
		return 1
	}
	return 0
}

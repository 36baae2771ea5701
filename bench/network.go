package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/devnet"
	"github.com/btscript/btscript/scale"
)

// network is the running node and what was planted in it.
type network struct {
	node    *devnet.Node
	head    string
	md      *scale.Metadata // the node's runtime metadata
	spec    uint32
	index   *keyIndex // System.Account keys
	accFree *big.Int  // sum of data.free over System.Account
	proxies []*proxy
}

func (b *bench) close() {
	if b.net == nil {
		return
	}
	for _, p := range b.net.proxies {
		p.Close()
	}
	if b.net.node != nil {
		b.net.node.Stop()
	}
}

func (b *bench) newProxy(delay time.Duration, index *keyIndex) (*proxy, error) {
	p, err := startProxy(b.net.node.URL, delay, index)
	if err != nil {
		return nil, err
	}
	b.net.proxies = append(b.net.proxies, p)
	return p, nil
}

// newClient returns a btscript chain client on url with its metadata loaded.
func newClient(ctx context.Context, url string, opts chain.Options) (*chain.Client, error) {
	t, err := rpc.New(rpc.Config{Endpoints: []string{url}})
	if err != nil {
		return nil, err
	}
	c := chain.New(t, opts)
	if _, err := c.Metadata(ctx, ""); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// startNode runs the raonet runtime (spec 218) under Chopsticks, plants
// SubtensorModule.Tempo for netuids 0..reads-1 and entries System.Account
// entries, and builds a block.
func (b *bench) startNode(ctx context.Context) error {
	spec := filepath.Join(b.cfg.testdata, "node", "subtensor-raonet-spec218.json")
	logf("starting Chopsticks on %s", filepath.Base(spec))
	opts := devnet.Options{Spec: spec, BuildBlockMode: "Manual"}
	if b.cfg.verbose {
		opts.Log = os.Stderr
	}
	node, err := devnet.Start(ctx, opts)
	if err != nil {
		return err
	}
	b.net = &network{node: node}

	tempo := make([]any, b.cfg.reads)
	for i := range tempo {
		tempo[i] = []any{[]any{i}, tempoValue(i)}
	}
	accounts := make([]any, b.cfg.entries)
	for i := range accounts {
		accounts[i] = []any{[]any{accountHex(i)}, map[string]any{
			"providers": 1,
			"data":      map[string]any{"free": new(big.Int).Add(big.NewInt(1e12), big.NewInt(int64(i))).String()},
		}}
	}
	logf("planting %d Tempo values and %d accounts", len(tempo), len(accounts))
	subtensor := map[string]any{"Tempo": tempo}
	if b.cfg.rows["6"] {
		for k, v := range b.scalePlant() {
			subtensor[k] = v
		}
	}
	plant := map[string]any{
		"SubtensorModule": subtensor,
		"System":          map[string]any{"Account": accounts},
	}
	if err := node.Call(ctx, nil, "dev_setStorage", plant); err != nil {
		return err
	}
	if err := node.Call(ctx, &b.net.head, "dev_newBlock", map[string]any{"count": 1}); err != nil {
		return err
	}
	c, err := newClient(ctx, node.URL, chain.Options{NoDiskCache: true})
	if err != nil {
		return err
	}
	defer c.Close()
	if b.net.head, err = c.Head(ctx); err != nil {
		return err
	}
	if b.net.md, err = c.Metadata(ctx, b.net.head); err != nil {
		return err
	}
	rv, err := c.RuntimeVersion(ctx, b.net.head)
	if err != nil {
		return err
	}
	b.net.spec = rv.SpecVersion
	v, err := c.Query(ctx, b.net.head, "SubtensorModule", "Tempo", b.cfg.reads-1)
	if err != nil {
		return err
	}
	if u, _ := v.Uint(); u != uint64(tempoValue(b.cfg.reads-1)) {
		return fmt.Errorf("planted Tempo(%d) reads back as %s", b.cfg.reads-1, v)
	}
	return b.buildIndex(ctx, spec)
}

func tempoValue(i int) int { return 100 + i%1000 }

func accountHex(i int) string { return fmt.Sprintf("0x%064x", i+1) }

// buildIndex lists the keys of System.Account without asking Chopsticks to
// walk them (see keyIndex): the keys of the planted accounts and those of
// the genesis state. It then checks the list against the node: the first
// keys Chopsticks lists must match, and every key must hold a value.
func (b *bench) buildIndex(ctx context.Context, specFile string) error {
	e, err := b.net.md.Storage("System", "Account")
	if err != nil {
		return err
	}
	prefix := "0x" + hex.EncodeToString(e.Prefix32())
	var keys []string
	for i := range b.cfg.entries {
		k, err := e.Key(accountHex(i))
		if err != nil {
			return err
		}
		keys = append(keys, "0x"+hex.EncodeToString(k))
	}
	raw, err := os.ReadFile(specFile)
	if err != nil {
		return err
	}
	var spec struct {
		Genesis struct {
			Raw struct {
				Top map[string]json.RawMessage `json:"top"`
			} `json:"raw"`
		} `json:"genesis"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("chain spec: %w", err)
	}
	for k := range spec.Genesis.Raw.Top {
		if strings.HasPrefix(strings.ToLower(k), prefix) {
			keys = append(keys, k)
		}
	}
	ix := newKeyIndex(prefix, keys)

	var first []string
	if err := b.net.node.Call(ctx, &first, "state_getKeysPaged", prefix, 10, nil, b.net.head); err != nil {
		return err
	}
	if want := ix.page(10, ""); !slices.Equal(lower(first), want) {
		return fmt.Errorf("System.Account key index: Chopsticks lists %v first, the index %v", first, want)
	}
	free := new(big.Int)
	n := 0
	for i := 0; i < len(ix.keys); i += 1000 {
		page := ix.keys[i:min(i+1000, len(ix.keys))]
		var sets []struct {
			Changes [][2]*string `json:"changes"`
		}
		if err := b.net.node.Call(ctx, &sets, "state_queryStorageAt", page, b.net.head); err != nil {
			return err
		}
		for _, s := range sets {
			for _, ch := range s.Changes {
				if ch[1] == nil {
					return fmt.Errorf("System.Account key index: %s holds no value", *ch[0])
				}
				vb, err := hex.DecodeString(strings.TrimPrefix(*ch[1], "0x"))
				if err != nil {
					return err
				}
				v, err := e.DecodeValue(vb)
				if err != nil {
					return err
				}
				free.Add(free, accountFree(v))
				n++
			}
		}
	}
	if n != len(ix.keys) {
		return fmt.Errorf("System.Account key index: %d keys, %d values", len(ix.keys), n)
	}
	b.net.index, b.net.accFree = ix, free
	logf("System.Account: %d entries (%d planted, %d from genesis)", len(ix.keys), b.cfg.entries, len(ix.keys)-b.cfg.entries)
	return nil
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func accountFree(v scale.Value) *big.Int {
	d, ok := v.Field("data")
	if !ok {
		return new(big.Int)
	}
	f, ok := d.Field("free")
	if !ok {
		return new(big.Int)
	}
	return f.BigInt()
}

// btsReads is the btscript side of row 3: the head hash, then one Query
// per netuid, all concurrent (the client batches reads of one block).
func (b *bench) btsReads(ctx context.Context, c *chain.Client) (time.Duration, error) {
	n := b.cfg.reads
	t0 := time.Now()
	hash, err := c.Head(ctx)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Query(ctx, hash, "SubtensorModule", "Tempo", uint16(i))
			if err == nil {
				if u, _ := v.Uint(); u != uint64(tempoValue(i)) {
					err = fmt.Errorf("Tempo(%d) = %s, want %d", i, v, tempoValue(i))
				}
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	took := time.Since(t0)
	close(errs)
	return took, <-errs
}

// rawReads is the floor of row 3 measured from Go: chain_getHead and one
// state_queryStorageAt of all the keys, nothing decoded.
func (b *bench) rawReads(ctx context.Context, url string, keys []string) (time.Duration, error) {
	t, err := rpc.New(rpc.Config{Endpoints: []string{url}})
	if err != nil {
		return 0, err
	}
	defer t.Close()
	var h string
	if err := t.CallResult(ctx, &h, "chain_getHead"); err != nil { // dial outside the timing
		return 0, err
	}
	t0 := time.Now()
	if err := t.CallResult(ctx, &h, "chain_getHead"); err != nil {
		return 0, err
	}
	raw, err := t.Call(ctx, "state_queryStorageAt", keys, h)
	if err != nil {
		return 0, err
	}
	took := time.Since(t0)
	if !bytes.Contains(raw, []byte("changes")) {
		return 0, fmt.Errorf("state_queryStorageAt: %.100s", raw)
	}
	return took, nil
}

func (b *bench) tempoKeys() ([]string, []int, error) {
	e, err := b.net.md.Storage("SubtensorModule", "Tempo")
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, b.cfg.reads)
	ids := make([]int, b.cfg.reads)
	for i := range keys {
		k, err := e.Key(uint16(i))
		if err != nil {
			return nil, nil, err
		}
		keys[i], ids[i] = "0x"+hex.EncodeToString(k), i
	}
	return keys, ids, nil
}

func (b *bench) pjsConnect(url string) error {
	a, err := b.pjs.do(map[string]any{"op": "connect", "url": url})
	if err != nil {
		return err
	}
	if uint32(a.Spec) != b.net.spec {
		return fmt.Errorf("polkadot.js sees spec %d, btscript %d", a.Spec, b.net.spec)
	}
	return nil
}

// sides runs n runs of each side alternately (ABBA order) after one
// warm-up run each, resetting the proxy counts (when p is set) before each
// run and keeping those of the last run of each side. before, when set,
// runs before each pair of runs (outside the timing).
func (b *bench) sides(n int, p *proxy, before func() error, btsRun, pjsRun func() (float64, error)) (bts, pjs []float64, btsReq, pjsReq requestCounts, err error) {
	if before == nil {
		before = func() error { return nil }
	}
	one := func(side int) error {
		if p != nil {
			p.reset()
		}
		var x float64
		var err error
		if side == 0 {
			x, err = btsRun()
		} else {
			x, err = pjsRun()
		}
		if err != nil {
			return err
		}
		if side == 0 {
			bts = append(bts, x)
			if p != nil {
				btsReq = p.snapshot()
			}
		} else {
			pjs = append(pjs, x)
			if p != nil {
				pjsReq = p.snapshot()
			}
		}
		return nil
	}
	if err = before(); err != nil {
		return
	}
	if err = one(0); err != nil {
		return
	}
	if err = one(1); err != nil {
		return
	}
	bts, pjs = nil, nil
	for i := range n {
		if err = before(); err != nil {
			return
		}
		order := []int{0, 1}
		if i%2 == 1 {
			order = []int{1, 0}
		}
		for _, side := range order {
			if err = one(side); err != nil {
				return
			}
		}
	}
	return
}

// readsVariant is one row of row 3.
type readsVariant struct {
	id, name string
	url      string
	p        *proxy
	pjsOp    string // "reads" (Promise.all of getStorage) or "multi"
	fresh    bool   // a new block before each pair of runs
	lua      bool   // the btscript side is a Lua gather
}

func (b *bench) rowReads(ctx context.Context) error {
	px, err := b.newProxy(b.cfg.delay, nil)
	if err != nil {
		return err
	}
	rtt := 2 * b.cfg.delay
	variants := []readsVariant{
		{"3a", "direct, new block each run", b.net.node.URL, nil, "reads", true, false},
		{"3b", fmt.Sprintf("proxy %s RTT, new block each run", rtt), px.URL, px, "reads", true, false},
		{"3c", fmt.Sprintf("proxy %s RTT, new block each run, pjs .multi", rtt), px.URL, px, "multi", true, false},
		{"3d", fmt.Sprintf("proxy %s RTT, same block every run", rtt), px.URL, px, "reads", false, false},
		{"3e", fmt.Sprintf("proxy %s RTT, new block each run, btscript Lua gather", rtt), px.URL, px, "reads", true, true},
	}
	for _, v := range variants {
		logf("row %s: %d storage reads at one block, %s", v.id, b.cfg.reads, v.name)
		if err := b.readsRow(ctx, v); err != nil {
			return err
		}
	}
	return b.pjsDisconnect()
}

func (b *bench) readsRow(ctx context.Context, v readsVariant) error {
	keys, ids, err := b.tempoKeys()
	if err != nil {
		return err
	}
	c, err := newClient(ctx, v.url, chain.Options{NoDiskCache: true})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := b.pjsConnect(v.url); err != nil {
		return err
	}
	wantSum := int64(0)
	for i := range b.cfg.reads {
		wantSum += int64(tempoValue(i))
	}
	btsRun := func() (float64, error) {
		d, err := b.btsReads(ctx, c)
		return ms(d), err
	}
	if v.lua {
		e, err := newLuaEngine(c)
		if err != nil {
			return err
		}
		defer e.Close()
		script := luaReadsScript(b.cfg.reads)
		btsRun = func() (float64, error) {
			d, err := luaRun(ctx, e, script, wantSum)
			return ms(d), err
		}
	}
	pjsRun := func() (float64, error) {
		a, err := b.pjs.do(map[string]any{"op": v.pjsOp, "ids": ids})
		if err != nil {
			return 0, err
		}
		if a.Sum != wantSum {
			return 0, fmt.Errorf("polkadot.js read a sum of %d, want %d", a.Sum, wantSum)
		}
		return a.MS[0], nil
	}
	var before func() error
	if v.fresh {
		before = func() error { return b.newBlock(ctx) }
	}
	bts, pjs, btsReq, pjsReq, err := b.sides(b.cfg.runs, v.p, before, btsRun, pjsRun)
	if err != nil {
		return err
	}
	r := result{id: v.id, bts: bts, pjs: pjs}
	switch v.pjsOp {
	case "reads":
		r.name = fmt.Sprintf("%d storage reads at one block, %s (pjs Promise.all of state.getStorage)", b.cfg.reads, v.name)
	case "multi":
		r.name = fmt.Sprintf("%d storage reads at one block, %s", b.cfg.reads, v.name)
	}
	if v.p != nil {
		rtt := 2 * b.cfg.delay
		r.notes = append(r.notes, "btscript "+btsReq.String(), "pjs "+pjsReq.String())
		floor := make([]float64, 0, 5)
		for range 5 {
			d, err := b.rawReads(ctx, v.url, keys)
			if err != nil {
				return err
			}
			floor = append(floor, ms(d))
		}
		r.notes = append(r.notes,
			fmt.Sprintf("floor (raw chain_getHead + one state_queryStorageAt) %s", fmtMS(median(floor))),
			fmt.Sprintf("btscript = 2 RTT + %s", fmtMS(median(bts)-ms(2*rtt))))
		if v.fresh {
			r.notes = append(r.notes, "btscript requests at the proxy, ms after the start: "+btsReq.timeline())
		}
	}
	if v.lua {
		note, err := b.luaConcurrencyNote(ctx, c, v.p, wantSum)
		if err != nil {
			return err
		}
		r.notes = append(r.notes, note)
	}
	b.add(r)
	if v.p == nil || v.pjsOp != "reads" {
		return nil
	}
	return b.profileLoop("row"+v.id+"-reads", func() error {
		_, err := btsRun()
		return err
	})
}

// newBlock builds a block, so that the next runs read a block neither
// client has seen (polkadot.js caches storage answers by block hash).
func (b *bench) newBlock(ctx context.Context) error {
	return b.net.node.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1})
}

func (b *bench) pjsDisconnect() error {
	_, err := b.pjs.do(map[string]any{"op": "disconnect"})
	return err
}

// btsMap walks System.Account at the head with QueryMap.
func (b *bench) btsMap(ctx context.Context, c *chain.Client) (time.Duration, int, *big.Int, error) {
	t0 := time.Now()
	hash, err := c.Head(ctx)
	if err != nil {
		return 0, 0, nil, err
	}
	n := 0
	free := new(big.Int)
	err = c.QueryMap(ctx, hash, "System", "Account", nil, chain.MapOptions{}, func(e chain.MapEntry) error {
		n++
		free.Add(free, accountFree(e.Value))
		return nil
	})
	return time.Since(t0), n, free, err
}

func (b *bench) rowMap(ctx context.Context) error {
	direct, err := b.newProxy(0, b.net.index)
	if err != nil {
		return err
	}
	slow, err := b.newProxy(b.cfg.delay, b.net.index)
	if err != nil {
		return err
	}
	if err := b.mapRow(ctx, "4a", "no delay", direct); err != nil {
		return err
	}
	if err := b.mapRow(ctx, "4b", fmt.Sprintf("%s RTT", 2*b.cfg.delay), slow); err != nil {
		return err
	}
	return b.pjsDisconnect()
}

func (b *bench) mapRow(ctx context.Context, id, name string, p *proxy) error {
	want := len(b.net.index.keys)
	logf("row %s: paged map of %d entries, %s", id, want, name)
	c, err := newClient(ctx, p.URL, chain.Options{NoDiskCache: true})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := b.pjsConnect(p.URL); err != nil {
		return err
	}
	btsRun := func() (float64, error) {
		d, n, free, err := b.btsMap(ctx, c)
		if err != nil {
			return 0, err
		}
		if n != want || free.Cmp(b.net.accFree) != 0 {
			return 0, fmt.Errorf("btscript walked %d entries (free %s), want %d (free %s)", n, free, want, b.net.accFree)
		}
		return ms(d), nil
	}
	pjsRun := func() (float64, error) {
		a, err := b.pjs.do(map[string]any{"op": "map", "pageSize": 1000})
		if err != nil {
			return 0, err
		}
		if a.Count != want || a.Free != b.net.accFree.String() {
			return 0, fmt.Errorf("polkadot.js walked %d entries (free %s), want %d (free %s)", a.Count, a.Free, want, b.net.accFree)
		}
		return a.MS[0], nil
	}
	runs := max(3, b.cfg.runs/3)
	bts, pjs, btsReq, pjsReq, err := b.sides(runs, p, func() error { return b.newBlock(ctx) }, btsRun, pjsRun)
	if err != nil {
		return err
	}
	r := result{id: id, bts: bts, pjs: pjs,
		name: fmt.Sprintf("paged map System.Account, %d entries, pages of 1000, %s", want, name)}
	r.notes = append(r.notes, "btscript "+btsReq.String(), "pjs "+pjsReq.String(),
		"keys listed by the proxy's key index, values read from Chopsticks")
	if p.delay > 0 {
		r.notes = append(r.notes, "btscript requests at the proxy, ms after the start: "+btsReq.timeline())
	}
	b.add(r)
	return b.profileLoop("row"+id+"-map", func() error {
		_, err := btsRun()
		return err
	})
}

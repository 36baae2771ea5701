package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/engine"
)

// Row 6: gathers of 10 000 and 100 000 reads at one block, through the
// proxy, beside the raw floor and polkadot.js. The reads are of
// SubtensorModule.BlockAtRegistration(netuid, uid), a map of two u16 keys
// (Tempo's single u16 key has too few values): read i is
// (scaleNetuid0 + i/1000, i%1000), planted with scaleValue(i).

const scaleNetuid0 = 1000

func scaleValue(i int) int { return 100 + i%1000 }

func scaleKey(i int) (int, int) { return scaleNetuid0 + i/1000, i % 1000 }

// scaleTempo plants the values of row 6 (at most max(sizes)).
func (b *bench) scalePlant() map[string]any {
	n := slices.Max(b.cfg.scaleSizes)
	vals := make([]any, n)
	for i := range vals {
		netuid, uid := scaleKey(i)
		vals[i] = []any{[]any{netuid, uid}, scaleValue(i)}
	}
	return map[string]any{"BlockAtRegistration": vals}
}

func scaleSum(n int) int64 {
	var s int64
	for i := range n {
		s += int64(scaleValue(i))
	}
	return s
}

// scaleScript is the Lua side: one gather of n chain.query branches.
func scaleScript(n int) string {
	return fmt.Sprintf(`
local fns = {}
for i = 0, %d do
  local netuid, uid = %d + math.floor(i / 1000), i %% 1000
  fns[#fns + 1] = function() return chain.query("SubtensorModule", "BlockAtRegistration", netuid, uid) end
end
local vals = gather(fns)
local sum = 0
for _, v in ipairs(vals) do sum = sum + v end
return tostring(sum)`, n-1, scaleNetuid0)
}

// scaleCLIScript is scaleScript for btscript run: it prints the sum.
func scaleCLIScript(n int) string {
	return "local function run()" + scaleScript(n) + "\nend\nprint(\"@@SUM \" .. tostring(run()))\n"
}

func (b *bench) scaleKeys(n int) ([]string, error) {
	e, err := b.net.md.Storage("SubtensorModule", "BlockAtRegistration")
	if err != nil {
		return nil, err
	}
	keys := make([]string, n)
	for i := range keys {
		netuid, uid := scaleKey(i)
		k, err := e.Key(uint16(netuid), uint16(uid))
		if err != nil {
			return nil, err
		}
		keys[i] = "0x" + hex.EncodeToString(k)
	}
	return keys, nil
}

// rawScale is the floor: chain_getHead, then the keys as concurrent
// state_queryStorageAt of 512 keys, nothing decoded.
func (b *bench) rawScale(ctx context.Context, c *rawConn, keys []string) (time.Duration, error) {
	t0 := time.Now()
	var h string
	if err := c.t.CallResult(ctx, &h, "chain_getHead"); err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(keys)/512+1)
	for i := 0; i < len(keys); i += 512 {
		wg.Add(1)
		go func(part []string) {
			defer wg.Done()
			raw, err := c.t.Call(ctx, "state_queryStorageAt", part, h)
			if err == nil && !strings.Contains(string(raw[:min(len(raw), 200)]), "changes") {
				err = fmt.Errorf("state_queryStorageAt: %.100s", raw)
			}
			if err != nil {
				errs <- err
			}
		}(keys[i:min(i+512, len(keys))])
	}
	wg.Wait()
	took := time.Since(t0)
	close(errs)
	return took, <-errs
}

// goScale is the Go client: Head, then one Query per read on goroutines.
func goScale(ctx context.Context, c *chain.Client, n int) (time.Duration, error) {
	t0 := time.Now()
	hash, err := c.Head(ctx)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	var mu sync.Mutex
	var sum int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			netuid, uid := scaleKey(i)
			v, err := c.Query(ctx, hash, "SubtensorModule", "BlockAtRegistration", uint16(netuid), uint16(uid))
			if err != nil {
				errs <- err
				return
			}
			u, _ := v.Uint()
			mu.Lock()
			sum += int64(u)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(t0)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	if sum != scaleSum(n) {
		return 0, fmt.Errorf("go read a sum of %d, want %d", sum, scaleSum(n))
	}
	return took, nil
}

// cliScale runs `btscript run` of the gather and returns its wall time
// and peak RSS in bytes.
func (b *bench) cliScale(ctx context.Context, bin, script, url, home string, n int) (time.Duration, int64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	// Through a small process of this binary: a child started by a large
	// process reports that process's peak RSS as its own (Linux counts the
	// memory the child shared until exec).
	cmd := exec.CommandContext(ctx, self, "-rss-exec", bin, "run", "-network", url, script)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+home)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(t0)
	if err != nil {
		return 0, 0, fmt.Errorf("btscript run: %v: %s", err, lastBytes(out, 300))
	}
	want := "@@SUM " + strconv.FormatInt(scaleSum(n), 10)
	if !strings.Contains(string(out), want) {
		return 0, 0, fmt.Errorf("btscript run printed %q, want %q", lastBytes(out, 200), want)
	}
	_, after, ok := strings.Cut(string(out), "@@RSS ")
	rss, err := strconv.ParseInt(strings.TrimSpace(after), 10, 64)
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("no peak RSS from the helper: %s", lastBytes(out, 200))
	}
	return took, rss, nil
}

// spread renders a median with the least and the most sample.
func spread(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%s–%s)", fmtMS(median(xs)), fmtMS(slices.Min(xs)), fmtMS(slices.Max(xs)))
}

func mib(x float64) string { return fmt.Sprintf("%.0f MiB", x/(1<<20)) }

func (b *bench) rowScale(ctx context.Context) error {
	px, err := b.newProxy(b.cfg.delay, nil)
	if err != nil {
		return err
	}
	c, err := newClient(ctx, px.URL, chain.Options{NoDiskCache: true})
	if err != nil {
		return err
	}
	defer c.Close()
	e, err := newLuaEngine(c)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := b.pjsConnect(px.URL); err != nil {
		return err
	}
	defer b.pjsDisconnect()
	raw, err := dialRaw(ctx, px.URL)
	if err != nil {
		return err
	}
	defer raw.Close()
	bin, why := b.buildBtscript(ctx)
	if bin == "" {
		return fmt.Errorf("row 6: %s", why)
	}
	home := filepath.Join(b.tmp, "cache-scale")
	rtt := 2 * b.cfg.delay
	for i, n := range b.cfg.scaleSizes {
		id := fmt.Sprintf("6%c", 'a'+i)
		logf("row %s: gather of %d reads at one block, proxy %s RTT", id, n, rtt)
		keys, err := b.scaleKeys(n)
		if err != nil {
			return err
		}
		script := filepath.Join(b.tmp, fmt.Sprintf("scale-%d.lua", n))
		if err := os.WriteFile(script, []byte(scaleCLIScript(n)), 0o644); err != nil {
			return err
		}
		want := scaleSum(n)
		luaCode := scaleScript(n)
		pairs := make([][2]int, n)
		for i := range pairs {
			pairs[i][0], pairs[i][1] = scaleKey(i)
		}
		var floor, goT, luaT, cliT, pjsT, rss []float64
		var luaReq, cliReq, pjsReq requestCounts
		sides := []func(warm bool) error{
			func(bool) error {
				d, err := b.rawScale(ctx, raw, keys)
				floor = append(floor, ms(d))
				return err
			},
			func(bool) error {
				d, err := goScale(ctx, c, n)
				goT = append(goT, ms(d))
				return err
			},
			func(bool) error {
				px.reset()
				d, err := luaRunString(ctx, e, luaCode, want)
				luaT, luaReq = append(luaT, ms(d)), px.snapshot()
				return err
			},
			func(bool) error {
				px.reset()
				d, r, err := b.cliScale(ctx, bin, script, px.URL, home, n)
				cliT, cliReq, rss = append(cliT, ms(d)), px.snapshot(), append(rss, float64(r))
				return err
			},
			func(bool) error {
				px.reset()
				a, err := b.pjs.do(map[string]any{"op": "pairs", "pairs": pairs})
				if err != nil {
					return err
				}
				if a.Sum != want {
					return fmt.Errorf("polkadot.js read a sum of %d, want %d", a.Sum, want)
				}
				pjsT, pjsReq = append(pjsT, a.MS[0]), px.snapshot()
				return nil
			},
		}
		// One warm-up round (its samples dropped), then rounds in a
		// rotating order, each at a new block.
		for round := -1; round < b.cfg.scaleRuns; round++ {
			for k := range sides {
				if err := b.newBlock(ctx); err != nil {
					return err
				}
				if err := sides[(k+max(round, 0))%len(sides)](round < 0); err != nil {
					return fmt.Errorf("row %s: %w", id, err)
				}
			}
			if round < 0 {
				floor, goT, luaT, cliT, pjsT, rss = nil, nil, nil, nil, nil, nil
			}
		}
		fl := median(floor)
		r := result{id: id, bts: luaT, pjs: pjsT,
			name: fmt.Sprintf("gather of %d storage reads at one block, proxy %s RTT, new block each run, btscript Lua gather (pjs .multi)", n, rtt)}
		r.notes = append(r.notes,
			fmt.Sprintf("medians (least–most) of %d interleaved runs", len(luaT)),
			"floor (raw chain_getHead + concurrent 512-key state_queryStorageAt) "+spread(floor),
			fmt.Sprintf("Lua gather %s = %.2f× floor", spread(luaT), median(luaT)/fl),
			fmt.Sprintf("Go (Query × %d goroutines) %s = %.2f× floor", n, spread(goT), median(goT)/fl),
			fmt.Sprintf("btscript run (new process, warm metadata cache) %s = %.2f× floor, peak RSS %s (%s–%s)",
				spread(cliT), median(cliT)/fl, mib(median(rss)), mib(slices.Min(rss)), mib(slices.Max(rss))),
			"pjs "+spread(pjsT),
			"Lua "+luaReq.String(), "btscript run "+cliReq.String(), "pjs "+pjsReq.String())
		b.add(r)
		if err := b.profileLoop(fmt.Sprintf("row%s-scale", id), func() error {
			_, err := luaRunString(ctx, e, luaCode, want)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// rawConn is the raw websocket client of the floor.
type rawConn struct{ t *rpc.Client }

func dialRaw(ctx context.Context, url string) (*rawConn, error) {
	t, err := rpc.New(rpc.Config{Endpoints: []string{url}})
	if err != nil {
		return nil, err
	}
	var h string
	if err := t.CallResult(ctx, &h, "chain_getHead"); err != nil { // dial outside the timing
		t.Close()
		return nil, err
	}
	return &rawConn{t}, nil
}

func (c *rawConn) Close() { c.t.Close() }

// luaRunString is luaRun for a script returning its sum as text (the
// values are u64, exact integers in Lua).
func luaRunString(ctx context.Context, e *engine.Engine, script string, wantSum int64) (time.Duration, error) {
	t0 := time.Now()
	res, err := e.Eval(ctx, script)
	took := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if len(res.Values) != 1 || res.Values[0].String() != strconv.FormatInt(wantSum, 10) {
		return 0, fmt.Errorf("lua gather returned %v, want the sum %d", res.Values, wantSum)
	}
	return took, nil
}

// rssMain runs args and prints "@@RSS <bytes>", the peak RSS of the
// process, after its output. This process is small (a few MiB), the
// least the figure can be.
func rssMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "bench -rss-exec: no command")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "bench -rss-exec:", err)
		return 1
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		fmt.Printf("@@RSS %d\n", int64(ru.Maxrss)<<10) // KiB on Linux
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench -rss-exec:", err)
		return 1
	}
	return 0
}

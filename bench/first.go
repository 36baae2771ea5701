package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
)

// firstMain is the btscript side of row 5 in a fresh process: dial, read
// the head, read SubtensorModule.Tempo(1) there, print it. It stands in for
// `btscript run` of a one-query script.
func firstMain(url, cacheDir string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := firstQuery(ctx, url, cacheDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench -first:", err)
		return 1
	}
	fmt.Printf("@@FIRST %s\n", v)
	return 0
}

func firstQuery(ctx context.Context, url, cacheDir string) (string, error) {
	opts := chain.Options{CacheDir: cacheDir}
	c, err := chain.Dial(ctx, url, nil, rpcConfig(), opts)
	if err != nil {
		return "", err
	}
	defer c.Close()
	hash, err := c.Head(ctx)
	if err != nil {
		return "", err
	}
	v, err := c.Query(ctx, hash, "SubtensorModule", "Tempo", 1)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// buildBtscript builds cmd/btscript into the temporary folder and returns
// its path, or "" and the reason when it does not build or has no run
// command.
func (b *bench) buildBtscript(ctx context.Context) (string, string) {
	bin := filepath.Join(b.tmp, "btscript")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/btscript")
	cmd.Dir = filepath.Dir(b.cfg.dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("go build ./cmd/btscript failed: %v: %s", err, lastBytes(out, 300))
	}
	out, _ := exec.CommandContext(ctx, bin, "help").CombinedOutput()
	if !strings.Contains(string(out), "\n  run ") {
		return "", "btscript has no run command yet"
	}
	return bin, ""
}

func (b *bench) rowFirst(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	px, err := b.newProxy(b.cfg.delay, nil)
	if err != nil {
		return err
	}
	want := strconv.Itoa(tempoValue(1))
	script := filepath.Join(b.tmp, "first.lua")
	if err := os.WriteFile(script, []byte(firstScript), 0o644); err != nil {
		return err
	}
	bin, why := b.buildBtscript(ctx)
	// process runs a fresh btscript process reading one value with its
	// metadata cache under home (XDG_CACHE_HOME).
	process := func(url, home string) (time.Duration, string, error) {
		if bin != "" {
			return runFirstLine(ctx, "@@FIRST ", []string{"XDG_CACHE_HOME=" + home}, bin, "run", "-network", url, script)
		}
		return runFirstLine(ctx, "@@FIRST ", nil, self, "-first", url, "-first-cache", filepath.Join(home, "btscript", "metadata"))
	}
	btsWhat := "btscript run of a one-query script (cmd/btscript built into a temp folder)"
	if bin == "" {
		btsWhat = "btscript: a Go binary doing dial + head + one Query (" + why + ")"
		logf("row 5: %s", btsWhat)
	}
	warmHome := filepath.Join(b.tmp, "cache-warm")
	if _, got, err := process(b.net.node.URL, warmHome); err != nil || got != want {
		return fmt.Errorf("row 5: filling the metadata cache: %v (read %q)", err, got)
	}
	n := 0
	coldHome := func() string {
		n++
		return filepath.Join(b.tmp, fmt.Sprintf("cache-cold-%d", n))
	}
	check := func(got string) error {
		if got != want {
			return fmt.Errorf("first query read %q, want %s", got, want)
		}
		return nil
	}
	rtt := 2 * b.cfg.delay
	type variant struct {
		id, name string
		url      string
		p        *proxy
		warm     bool
		process  bool
	}
	variants := []variant{
		{"5a", "new process, cold cache, direct", b.net.node.URL, nil, false, true},
		{"5b", "new process, warm cache, direct", b.net.node.URL, nil, true, true},
		{"5c", fmt.Sprintf("new process, cold cache, %s RTT", rtt), px.URL, px, false, true},
		{"5d", fmt.Sprintf("new process, warm cache, %s RTT", rtt), px.URL, px, true, true},
		{"5e", "in process, cold cache, direct", b.net.node.URL, nil, false, false},
		{"5f", "in process, warm cache, direct", b.net.node.URL, nil, true, false},
	}
	for _, v := range variants {
		logf("row %s: first query result, %s", v.id, v.name)
		home := func() string {
			if v.warm {
				return warmHome
			}
			return coldHome()
		}
		var btsRun, pjsRun func() (float64, error)
		if v.process {
			btsRun = func() (float64, error) {
				d, got, err := process(v.url, home())
				if err == nil {
					err = check(got)
				}
				return ms(d), err
			}
			pjsRun = func() (float64, error) {
				d, got, err := runFirstLine(ctx, "@@FIRST ", nil, "node", filepath.Join(b.cfg.dir, "pjs.mjs"), "first", v.url)
				if err == nil {
					err = check(got)
				}
				return ms(d), err
			}
		} else {
			btsRun = func() (float64, error) {
				t0 := time.Now()
				got, err := firstQuery(ctx, v.url, filepath.Join(home(), "btscript", "metadata"))
				d := time.Since(t0)
				if err == nil {
					err = check(got)
				}
				return ms(d), err
			}
			pjsRun = func() (float64, error) {
				a, err := b.pjs.do(map[string]any{"op": "first", "url": v.url})
				if err != nil {
					return 0, err
				}
				if err := check(strconv.FormatInt(a.Value, 10)); err != nil {
					return 0, err
				}
				return a.MS[0], nil
			}
		}
		bts, pjs, btsReq, pjsReq, err := b.sides(b.cfg.firstRuns, v.p, nil, btsRun, pjsRun)
		if err != nil {
			return err
		}
		r := result{id: v.id, name: "first query result, " + v.name, bts: bts, pjs: pjs}
		if v.p != nil {
			r.notes = append(r.notes, "btscript "+btsReq.String(), "pjs "+pjsReq.String(),
				"btscript requests at the proxy, ms after spawn: "+btsReq.timeline(),
				"pjs: "+pjsReq.timeline())
		}
		if v.warm {
			r.notes = append(r.notes, "polkadot.js has no metadata disk cache: its warm run is a cold one")
		}
		if v.process {
			r.notes = append(r.notes, "spawn to printed result; "+btsWhat+"; pjs: node pjs.mjs first (ApiPromise.create + one query)")
		} else {
			r.notes = append(r.notes, "btscript: chain.Dial + Head + Query; pjs: ApiPromise.create + query, in its warmed-up worker")
		}
		b.add(r)
	}
	return nil
}

// firstScript is the one-query script of row 5.
const firstScript = `print("@@FIRST " .. tostring(chain.query("SubtensorModule", "Tempo", 1)))
`

func rpcConfig() rpc.Config { return rpc.Config{} }

// Command bench measures btscript against polkadot.js (@polkadot/api), the
// reference JavaScript Substrate client, on the same work, the same bytes
// and the same server in one run, and prints a table of medians and ratios.
//
// Run it from the repository root:
//
//	go run ./bench
//
// It installs the pinned @polkadot/api into bench/node_modules on first use
// (npm ci from bench/package-lock.json) and runs the real subtensor runtime
// under Chopsticks (devnet.Start, which installs Chopsticks on first use).
// The polkadot.js side is bench/pjs.mjs, run by Node.js as a child process
// that times its own work and answers in JSON; the btscript side runs in
// this process. Network rows go to Chopsticks on 127.0.0.1, directly or
// through a websocket proxy in this process that delays every frame and
// counts requests by method. See bench/README.md for what each row
// measures.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	dir        string // the bench folder: pjs.mjs, package.json, node_modules
	testdata   string
	rows       map[string]bool
	micro      int // iterations per side of the parse and decode rows
	runs       int // runs per side of the network rows
	firstRuns  int // runs per side of the first-result rows
	delay      time.Duration
	reads      int
	entries    int
	profileDir string
	verbose    bool
	scaleSizes []int // reads of each row 6 gather
	scaleRuns  int   // interleaved runs of row 6
}

func main() {
	var cfg config
	var rows string
	var firstURL, firstCache string
	flag.StringVar(&cfg.dir, "dir", "", "the bench folder (default: ./bench, else this source file's folder)")
	flag.StringVar(&cfg.testdata, "testdata", "", "the shared chain data folder (default $BTSCRIPT_TESTDATA, else ../shared/testdata)")
	flag.StringVar(&rows, "rows", "1,2,3,4,5,serve", "rows to run, comma-separated (serve: polkadot.js reads a served recording; 6: large gathers, not run by default)")
	flag.IntVar(&cfg.micro, "micro", 30, "iterations per side of the parse and decode rows")
	flag.IntVar(&cfg.runs, "n", 15, "runs per side of the storage rows")
	flag.IntVar(&cfg.firstRuns, "first-n", 7, "runs per side of the first-result rows")
	flag.DurationVar(&cfg.delay, "delay", 10*time.Millisecond, "one-way delay the proxy adds to every frame")
	flag.IntVar(&cfg.reads, "reads", 1000, "storage values planted and read in row 3")
	flag.IntVar(&cfg.entries, "entries", 10000, "map entries planted and walked in row 4")
	var scaleSizes string
	flag.StringVar(&scaleSizes, "scale", "10000,100000", "reads of each row 6 gather, comma-separated")
	flag.IntVar(&cfg.scaleRuns, "scale-n", 5, "interleaved runs of each side of row 6")
	flag.StringVar(&cfg.profileDir, "cpuprofile", "", "write a CPU profile of the btscript side of each row into this folder")
	flag.BoolVar(&cfg.verbose, "v", false, "show the Chopsticks log")
	flag.StringVar(&firstURL, "first", "", "internal: connect to this URL, print the first query result and exit")
	flag.StringVar(&firstCache, "first-cache", "", "internal: metadata cache folder for -first")
	rssExec := flag.Bool("rss-exec", false, "internal: run the command after the flags and print its peak RSS")
	flag.Parse()
	if *rssExec {
		os.Exit(rssMain(flag.Args()))
	}

	if firstURL != "" {
		os.Exit(firstMain(firstURL, firstCache))
	}
	cfg.rows = map[string]bool{}
	for _, r := range strings.Split(rows, ",") {
		if r = strings.TrimSpace(r); r != "" {
			cfg.rows[r] = true
		}
	}
	for _, f := range strings.Split(scaleSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 65536*1000 {
			fmt.Fprintf(os.Stderr, "bench: -scale: %q is not a number of reads from 1 to 65536000\n", f)
			os.Exit(2)
		}
		cfg.scaleSizes = append(cfg.scaleSizes, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func findDir(dir string) (string, error) {
	if dir == "" {
		if _, err := os.Stat(filepath.Join("bench", "pjs.mjs")); err == nil {
			dir = "bench"
		} else if _, file, _, ok := runtime.Caller(0); ok {
			dir = filepath.Dir(file)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(abs, "pjs.mjs")); err != nil {
		return "", fmt.Errorf("no pjs.mjs in %s: run from the repository root or give -dir", abs)
	}
	return abs, nil
}

func findTestdata(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("BTSCRIPT_TESTDATA")
	}
	if dir == "" {
		dir = filepath.Join("..", "shared", "testdata")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(abs, "recorded-rpc.json")); err != nil {
		return "", fmt.Errorf("shared chain data not found in %s (set BTSCRIPT_TESTDATA or give -testdata): %w", abs, err)
	}
	return abs, nil
}

func run(ctx context.Context, cfg config) error {
	var err error
	if cfg.dir, err = findDir(cfg.dir); err != nil {
		return err
	}
	if cfg.testdata, err = findTestdata(cfg.testdata); err != nil {
		return err
	}
	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "btscript-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	if err := installPJS(ctx, cfg.dir); err != nil {
		return err
	}
	w, err := startPJS(cfg.dir)
	if err != nil {
		return err
	}
	defer w.Close()

	b := &bench{cfg: cfg, pjs: w, tmp: tmp}
	defer b.close()
	if cfg.rows["1"] || cfg.rows["2"] {
		if err := b.loadOffline(); err != nil {
			return err
		}
		if cfg.rows["1"] {
			if err := b.rowParse(); err != nil {
				return err
			}
		}
		if cfg.rows["2"] {
			if err := b.rowDecode(); err != nil {
				return err
			}
			if err := b.rowDecodeLua(); err != nil {
				return err
			}
		}
	}
	if cfg.rows["3"] || cfg.rows["4"] || cfg.rows["5"] || cfg.rows["6"] {
		if err := b.startNode(ctx); err != nil {
			return err
		}
		if cfg.rows["3"] {
			if err := b.rowReads(ctx); err != nil {
				return err
			}
		}
		if cfg.rows["4"] {
			if err := b.rowMap(ctx); err != nil {
				return err
			}
		}
		if cfg.rows["5"] {
			if err := b.rowFirst(ctx); err != nil {
				return err
			}
		}
		if cfg.rows["6"] {
			if err := b.rowScale(ctx); err != nil {
				return err
			}
		}
	}
	if cfg.rows["serve"] {
		if err := b.checkServe(ctx); err != nil {
			return err
		}
	}
	b.print(os.Stdout, time.Since(start))
	return nil
}

// profileTime is how long each profiled loop runs.
const profileTime = 2 * time.Second

// profileLoop is what a row profiles: fn again and again for profileTime.
func (b *bench) profileLoop(name string, fn func() error) error {
	if b.cfg.profileDir == "" {
		return nil
	}
	return b.profile(name, func() error {
		for t0 := time.Now(); time.Since(t0) < profileTime; {
			if err := fn(); err != nil {
				return err
			}
		}
		return nil
	})
}

// profile runs fn under the CPU profiler when -cpuprofile is given.
func (b *bench) profile(name string, fn func() error) error {
	if b.cfg.profileDir == "" {
		return fn()
	}
	f, err := os.Create(filepath.Join(b.cfg.profileDir, name+".prof"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return fn()
}

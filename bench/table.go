package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// result is one row of the table: samples in milliseconds for each side.
type result struct {
	id, name string
	bts, pjs []float64
	notes    []string
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtMS(x float64) string {
	switch {
	case x == 0:
		return "–"
	case x < 1:
		return fmt.Sprintf("%.3f ms", x)
	case x < 10:
		return fmt.Sprintf("%.2f ms", x)
	case x < 1000:
		return fmt.Sprintf("%.1f ms", x)
	default:
		return fmt.Sprintf("%.2f s", x/1000)
	}
}

// mbps renders a throughput of n bytes in x milliseconds.
func mbps(n int, x float64) string {
	if x <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f MB/s", float64(n)/1e6/(x/1000))
}

func (b *bench) add(r result) {
	b.results = append(b.results, r)
	bm, pm := median(r.bts), median(r.pjs)
	ratio := "–"
	if bm > 0 && pm > 0 {
		ratio = fmt.Sprintf("%.1f×", pm/bm)
	}
	logf("row %s %s: btscript %s, polkadot.js %s, %s", r.id, r.name, fmtMS(bm), fmtMS(pm), ratio)
}

// print writes the table in Markdown.
func (b *bench) print(w io.Writer, took time.Duration) {
	fmt.Fprintf(w, "\nbtscript vs polkadot.js (@polkadot/api %s), %s, %s/%s, %d CPUs, Go %s, %s\n",
		pjsVersion, time.Now().Format("2006-01-02 15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), b.nodeVersion())
	fmt.Fprintf(w, "medians; parse/decode %d iterations per side, storage %d runs, first result %d runs; whole run %s\n\n",
		b.cfg.micro, b.cfg.runs, b.cfg.firstRuns, took.Round(time.Second))
	fmt.Fprintln(w, "| row | btscript | polkadot.js | ratio (pjs/btscript) | notes |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | --- |")
	for _, r := range b.results {
		bm, pm := median(r.bts), median(r.pjs)
		ratio := "–"
		if bm > 0 && pm > 0 {
			ratio = fmt.Sprintf("%.1f×", pm/bm)
		}
		fmt.Fprintf(w, "| %s %s | %s | %s | %s | %s |\n", r.id, r.name, fmtMS(bm), fmtMS(pm), ratio,
			strings.Join(r.notes, "; "))
	}
	if b.serveNote != "" {
		fmt.Fprintf(w, "\nserve check: %s\n", b.serveNote)
	}
}

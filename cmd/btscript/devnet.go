package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/devnet"
)

// defaultSpecName is the chain spec devnet runs when neither --spec nor
// --fork is given: the Bittensor runtime at the "rao" upgrade (spec 218).
const defaultSpecName = devnet.SpecFile

// defaultBlockTime is how often the devnet builds a block unless told
// otherwise: as often as the live chain.
const defaultBlockTime = 12 * time.Second

// defaultDevnetPort is the port of the "local" network, so that
// "btscript run --network local" reaches a devnet started without --port.
const defaultDevnetPort = 9944

// cmdDevnet runs a local chain under Chopsticks until Ctrl-C or SIGTERM.
func cmdDevnet(args []string, stdout, stderr io.Writer) int {
	ctx, stop := interruptible(context.Background())
	defer stop()
	return runDevnet(ctx, args, stdout, stderr)
}

// runDevnet is cmdDevnet with the context that stops it.
func runDevnet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devnet", flag.ContinueOnError)
	spec := fs.String("spec", "", "run the raw chain spec `FILE` offline")
	fork := fs.String("fork", "", "fork the live `NETWORK` (finney, test, archive, or a ws(s):// URL) at its head")
	port := fs.Int("port", defaultDevnetPort, "listen on 127.0.0.1:`N` (0 picks a free port)")
	plant := fs.String("plant", "", "plant the storage in `FILE` (JSON or YAML, Chopsticks --import-storage) at start")
	mode := fs.String("block-mode", "", "block building: Batch (Chopsticks' default: a block per batch of extrinsics), Instant, or Manual (only on dev_newBlock, no timer)")
	blockTime := fs.Duration("block-time", defaultBlockTime, "build a block every `DUR` (0: only as --block-mode says)")
	verbose := fs.Bool("v", false, "show the node's log on stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: btscript devnet [--spec FILE | --fork NETWORK] [flags]

Runs a local Bittensor chain under Chopsticks (a node that executes the real
runtime), always on 127.0.0.1, and prints its ws:// URL on stdout when it
answers. Stops on Ctrl-C or SIGTERM. Chopsticks is installed from npm into the
user cache on first use (needs Node.js and npm).

Without --spec or --fork it runs %s from
$BTSCRIPT_TESTDATA, or from ../shared/testdata beside the working directory,
or else a copy fetched once into the user cache from the subtensor
repository. A block is built every --block-time (12s) unless --block-mode
is Manual.

Flags:
`, defaultSpecName)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	pos, done, code := parseFlags(fs, args, stderr, false)
	if done {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "btscript devnet: unexpected argument %q (run 'btscript devnet -h')\n", pos[0])
		return exitUsage
	}
	if *spec != "" && *fork != "" {
		fmt.Fprintln(stderr, "btscript devnet: give --spec or --fork, not both")
		return exitUsage
	}
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(stderr, "btscript devnet: --port %d is not a port number\n", *port)
		return exitUsage
	}
	switch *mode {
	case "", "Batch", "Instant", "Manual":
	default:
		fmt.Fprintf(stderr, "btscript devnet: --block-mode %q: use Batch, Instant or Manual\n", *mode)
		return exitUsage
	}
	if *blockTime < 0 {
		fmt.Fprintf(stderr, "btscript devnet: --block-time %v is negative\n", *blockTime)
		return exitUsage
	}
	opts := devnet.Options{Port: *port, Plant: *plant, BuildBlockMode: *mode, BlockTime: *blockTime}
	switch {
	case *fork != "":
		u, err := chain.Endpoint(*fork)
		if err != nil {
			fmt.Fprintf(stderr, "btscript devnet: --fork: %v\n", err)
			return exitUsage
		}
		opts.Fork = u
	case *spec != "":
		if _, err := os.Stat(*spec); err != nil {
			fmt.Fprintf(stderr, "btscript devnet: --spec: %v\n", unwrapPathError(err))
			return exitUsage
		}
		opts.Spec = *spec
	default:
		found, err := defaultSpec(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "btscript devnet: %s\n", strings.TrimPrefix(oneLine(err.Error()), "devnet: "))
			return exitUsage
		}
		opts.Spec = found
	}
	if *plant != "" {
		if _, err := os.Stat(*plant); err != nil {
			fmt.Fprintf(stderr, "btscript devnet: --plant: %v\n", unwrapPathError(err))
			return exitUsage
		}
	}
	if *verbose {
		opts.Log = stderr
	}
	if *port != 0 {
		if err := devnet.CheckPort(*port); err != nil {
			fmt.Fprintf(stderr, "btscript devnet: --port %s\n", strings.TrimPrefix(oneLine(err.Error()), "devnet: "))
			return exitUsage
		}
	}
	if opts.Spec != "" {
		fmt.Fprintf(stderr, "btscript devnet: starting %s\n", opts.Spec)
	} else {
		fmt.Fprintf(stderr, "btscript devnet: forking %s\n", opts.Fork)
	}
	node, err := devnet.Start(ctx, opts)
	if err != nil {
		if errors.Is(context.Cause(ctx), errInterrupted) {
			fmt.Fprintln(stderr, "btscript devnet: interrupted")
			return exitInterrupted
		}
		fmt.Fprintf(stderr, "btscript devnet: %s\n", strings.TrimPrefix(oneLine(err.Error()), "devnet: "))
		if errors.Is(err, devnet.ErrPortInUse) {
			return exitUsage
		}
		return exitScript
	}
	fmt.Fprintln(stdout, node.URL)
	if f, ok := stdout.(interface{ Sync() error }); ok {
		f.Sync()
	}
	select {
	case <-ctx.Done():
		node.Stop()
		fmt.Fprintln(stderr, "btscript devnet: stopped")
		return exitOK
	case <-node.Done():
		fmt.Fprintln(stderr, "btscript devnet: the node exited unexpectedly (run with -v to see its log)")
		return exitScript
	}
}

// defaultSpec finds the default chain spec: in $BTSCRIPT_TESTDATA, else in
// ../shared/testdata relative to the working directory, else in the user
// cache, fetched from the subtensor repository on first use (checked
// against its sha256).
func defaultSpec(ctx context.Context) (string, error) {
	if dir := getenv("BTSCRIPT_TESTDATA"); dir != "" {
		p := filepath.Join(dir, defaultSpecName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p := filepath.Join("..", "shared", "testdata", defaultSpecName)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return devnet.FetchSpec(ctx, "", getenv("BTSCRIPT_SPEC_URL"))
}

// Package devnettest starts a real subtensor runtime under Chopsticks for
// integration tests, from the raw chain spec in the shared chain data.
package devnettest

import (
	"context"
	"os"
	"testing"

	"github.com/btscript/btscript/devnet"
	"github.com/btscript/btscript/internal/testdata"
)

// Start runs the subtensor "raonet" runtime (spec 218) on 127.0.0.1 and
// stops it when the test ends. Blocks are built only on dev_newBlock, so a
// test controls the chain. Set BTSCRIPT_DEVNET_LOG=1 to see the node's log.
func Start(tb testing.TB) *devnet.Node {
	tb.Helper()
	return start(tb, devnet.Options{Spec: testdata.Path(tb, testdata.RaonetSpec), BuildBlockMode: "Manual"})
}

// Start293 runs subtensor's mainline development runtime of July 2025
// (spec 293, typed runtime APIs as on finney) on 127.0.0.1 and stops it
// when the test ends. Chopsticks cannot build its blocks, so the node is
// for reads at the head: plant state with dev_setStorage, which takes
// effect there at once.
func Start293(tb testing.TB) *devnet.Node {
	tb.Helper()
	return start(tb, devnet.Options{Spec: testdata.Path(tb, testdata.DevSpec293), BuildBlockMode: "Manual",
		AllowUnresolvedImports: true, ReadsOnly: true})
}

func start(tb testing.TB, opts devnet.Options) *devnet.Node {
	tb.Helper()
	if os.Getenv("BTSCRIPT_DEVNET_LOG") != "" {
		opts.Log = os.Stderr
	}
	n, err := devnet.Start(context.Background(), opts)
	if err != nil {
		tb.Fatalf("start devnet: %v", err)
	}
	tb.Cleanup(func() { n.Stop() })
	return n
}

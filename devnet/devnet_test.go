package devnet_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/btscript/btscript/devnet"
	"github.com/btscript/btscript/internal/devnettest"
)

func TestNodeRunsSubtensorRuntime(t *testing.T) {
	n := devnettest.Start(t)
	if !strings.HasPrefix(n.URL, "ws://127.0.0.1:") {
		t.Fatalf("URL = %q, want a loopback ws URL", n.URL)
	}
	ctx := context.Background()
	var version struct {
		SpecName    string `json:"specName"`
		SpecVersion int    `json:"specVersion"`
	}
	if err := n.Call(ctx, &version, "state_getRuntimeVersion"); err != nil {
		t.Fatal(err)
	}
	if version.SpecName != "node-subtensor" || version.SpecVersion != 218 {
		t.Fatalf("runtime = %s %d, want node-subtensor 218", version.SpecName, version.SpecVersion)
	}
	var before, after struct {
		Number string `json:"number"`
	}
	if err := n.Call(ctx, &before, "chain_getHeader"); err != nil {
		t.Fatal(err)
	}
	// Start returns once the node has built block 1: before, its head is
	// genesis under a stand-in hash.
	if num, err := strconv.ParseUint(strings.TrimPrefix(before.Number, "0x"), 16, 64); err != nil || num != 1 {
		t.Fatalf("head at start is block %s, want 1", before.Number)
	}
	if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 2}); err != nil {
		t.Fatal(err)
	}
	if err := n.Call(ctx, &after, "chain_getHeader"); err != nil {
		t.Fatal(err)
	}
	if before.Number == after.Number {
		t.Fatalf("dev_newBlock built nothing: head stayed at %s", after.Number)
	}
	n.Stop()
	select {
	case <-n.Done():
	default:
		t.Fatal("node still running after Stop")
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts devnet.Options
		want string
	}{
		{"neither", devnet.Options{}, "exactly one"},
		{"both", devnet.Options{Spec: "x.json", Fork: "wss://x"}, "exactly one"},
		{"missing spec", devnet.Options{Spec: "/nonexistent/spec.json"}, "chain spec"},
		{"bad fork url", devnet.Options{Fork: "http://x"}, "not a ws"},
		{"bad mode", devnet.Options{Spec: "devnet.go", BuildBlockMode: "Fast"}, "build block mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := devnet.Start(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

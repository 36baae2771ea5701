package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
)

// checkServe serves the SDK recording of test subnetwork_n as a node, the
// way `btscript serve` does, and has polkadot.js and btscript read the same
// storage through it. It is a check, not a timing: it fails when the two
// disagree.
func (b *bench) checkServe(ctx context.Context) error {
	path := filepath.Join(b.cfg.testdata, "recorded-rpc.json")
	book, err := record.Load(path, "subnetwork_n", b.cfg.testdata)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := rpc.NewServer(record.Handler{Book: book})
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer func() { srv.Close(); hs.Close() }()
	url := "ws://" + ln.Addr().String()

	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(b.cfg.dir, "serve_check.mjs"), url)
	cmd.Dir = b.cfg.dir
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("serve check: polkadot.js: %w\n%s", err, out)
	}
	var pjs struct {
		Head          string `json:"head"`
		SpecVersion   int    `json:"specVersion"`
		SubnetworkN   uint64 `json:"subnetworkN"`
		NetworksAdded bool   `json:"networksAdded"`
	}
	line := ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "@@SERVE ") {
			line = strings.TrimPrefix(l, "@@SERVE ")
		}
	}
	if err := json.Unmarshal([]byte(line), &pjs); err != nil {
		return fmt.Errorf("serve check: polkadot.js answered %q: %w", out, err)
	}

	t, err := rpc.New(rpc.Config{Endpoints: []string{url}})
	if err != nil {
		return err
	}
	c := chain.New(t, chain.Options{NoDiskCache: true})
	defer c.Close()
	n, err := c.Query(ctx, pjs.Head, "SubtensorModule", "SubnetworkN", 1)
	if err != nil {
		return fmt.Errorf("serve check: btscript: %w", err)
	}
	added, err := c.Query(ctx, pjs.Head, "SubtensorModule", "NetworksAdded", 1)
	if err != nil {
		return fmt.Errorf("serve check: btscript: %w", err)
	}
	bn, _ := n.Uint()
	ba, _ := added.Bool()
	if bn != pjs.SubnetworkN || ba != pjs.NetworksAdded || bn != 1024 {
		return fmt.Errorf("serve check: polkadot.js read SubnetworkN(1)=%d NetworksAdded(1)=%v, btscript read %d %v",
			pjs.SubnetworkN, pjs.NetworksAdded, bn, ba)
	}
	b.serveNote = fmt.Sprintf("polkadot.js and btscript, through a served SDK recording (test subnetwork_n, head %.10s…, spec %d), both read SubnetworkN(1) = %d and NetworksAdded(1) = %v",
		pjs.Head, pjs.SpecVersion, bn, ba)
	logf("%s", b.serveNote)
	return nil
}

package main

import (
	"bufio"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btscript/btscript/internal/testdata"
)

// TestDevnetCommand starts "btscript devnet" as a process, queries the
// chain it serves, watches it build blocks on its default 12 s timer, and
// stops it with Ctrl-C (SIGINT).
func TestDevnetCommand(t *testing.T) {
	spec := testdata.Path(t, testdata.RaonetSpec)
	cmd := child(t, "devnet", "--spec", spec, "--port", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(l)
	}()
	var url string
	select {
	case url = <-lines:
	case <-time.After(2 * time.Minute):
		t.Fatalf("devnet printed no URL; stderr:\n%s", stderr.String())
	}
	if !strings.HasPrefix(url, "ws://127.0.0.1:") {
		t.Fatalf("url %q; stderr:\n%s", url, stderr.String())
	}
	r := bts(t, "eval", "--network", url, "chain.block_number() >= 1, chain.runtime_version().spec_version")
	if r.code != exitOK || r.stdout != "true\n218\n" {
		t.Fatalf("query the devnet: %+v", r)
	}
	// The port it printed is the one it serves; asking for it again is a
	// usage error naming the port.
	port := url[strings.LastIndex(url, ":")+1:]
	r = bts(t, "devnet", "--spec", spec, "--port", port)
	if r.code != exitUsage || !strings.Contains(r.stderr, "btscript devnet: --port 127.0.0.1:"+port+" is already in use: give another port, or 0 to pick a free one") {
		t.Fatalf("devnet on a taken port: %+v", r)
	}
	checkOneLine(t, r.stderr)
	// Blocks come on the timer: watch_blocks.lua 3 ends by itself.
	began := time.Now()
	r = bts(t, "run", "--network", url, "--timeout", "80s", scriptPath(t, "watch_blocks.lua"), "3")
	if r.code != exitOK || strings.Count(r.stdout, "\n") != 3 {
		t.Fatalf("watch_blocks.lua 3: %+v", r)
	}
	t.Logf("watch_blocks.lua 3 took %v", time.Since(began).Round(time.Second))
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("devnet exited with %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("devnet did not stop on SIGINT; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "btscript devnet: stopped") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	// The node is gone with it.
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "ws://"), time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the devnet stopped", url)
	}
}

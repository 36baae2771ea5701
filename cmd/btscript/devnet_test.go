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
// chain it serves, and stops it with Ctrl-C (SIGINT).
func TestDevnetCommand(t *testing.T) {
	spec := testdata.Path(t, testdata.RaonetSpec)
	cmd := child(t, "devnet", "--spec", spec, "--port", "0", "--block-mode", "Manual")
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
	r := bts(t, "eval", "--network", url, "chain.block_number(), chain.runtime_version().spec_version")
	if r.code != exitOK || r.stdout != "1\n218\n" {
		t.Fatalf("query the devnet: %+v", r)
	}
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

package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/btscript/btscript/internal/testdata"
)

// openPTY opens a pseudo-terminal pair with the given window size.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Fatalf("unlock pty: %v", errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Fatalf("pty number: %v", errno)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws := struct{ rows, cols, x, y uint16 }{40, 200, 0, 0}
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, s.Fd(), syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws))); errno != 0 {
		t.Fatalf("window size: %v", errno)
	}
	return m, s
}

// ansi matches terminal control sequences readline draws with.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// screen collects what the REPL writes to the terminal, without control
// sequences.
type screen struct{ syncBuffer }

func (s *screen) String() string {
	return strings.ReplaceAll(ansi.ReplaceAllString(s.syncBuffer.String(), ""), "\r", "")
}

// TestReplInTerminal drives the REPL through a real pseudo-terminal
// against the SDK's recording (no network): results, completion,
// multi-line input, Ctrl-C during a call, history and Ctrl-D.
func TestReplInTerminal(t *testing.T) {
	rec := testdata.Path(t, testdata.RecordedRPC)
	cmd := child(t, "repl", "--replay", rec, "--replay-test", "subnetwork_n")
	history := strings.TrimPrefix(cmd.Env[len(cmd.Env)-1], "BTSCRIPT_HISTORY=")
	p := runOnPTY(t, cmd)
	scr, exited := p.scr, p.exited
	const wait = 20 * time.Second
	typeKeys := func(s string) { t.Helper(); p.typeKeys(t, s) }
	// mark returns the screen length, to look only at what comes after.
	after := func(from int) interface{ String() string } {
		return stringer(func() string { s := scr.String(); return s[min(from, len(s)):] })
	}

	waitFor(t, scr, "> ", wait)

	// A binding call prints its exact value.
	from := len(scr.String())
	typeKeys("bt.subnetwork_n(1)\r")
	waitFor(t, after(from), "1024\n", wait)

	// TAB completes module functions.
	from = len(scr.String())
	typeKeys("bt.subnetw\t")
	waitFor(t, after(from), "bt.subnetwork_n(", wait)
	typeKeys("1) + 1\r")
	waitFor(t, after(from), "1025\n", wait)

	// TAB completes pallets and storage items from the live metadata.
	from = len(scr.String())
	typeKeys(`chain.query("SubtensorMo` + "\t")
	waitFor(t, after(from), `chain.query("SubtensorModule`, wait)
	typeKeys(`", "SubnetworkN` + "\t")
	waitFor(t, after(from), `"SubnetworkN`, wait)
	typeKeys(`", 1)` + "\r")
	waitFor(t, after(from), "1024\n", wait)

	// An incomplete chunk continues on the next line.
	from = len(scr.String())
	typeKeys("function f(x)\r")
	waitFor(t, after(from), ">> ", wait)
	typeKeys("  return x * 2\r")
	typeKeys("end\r")
	typeKeys("f(21)\r")
	waitFor(t, after(from), "42\n", wait)

	// So does an expression ending in an operator.
	from = len(scr.String())
	typeKeys("20 +\r")
	waitFor(t, after(from), ">> ", wait)
	typeKeys("22\r")
	waitFor(t, after(from), "42\n", wait)

	// Ctrl-C cancels a running call and the REPL stays.
	from = len(scr.String())
	typeKeys("sleep(10)\r")
	time.Sleep(700 * time.Millisecond)
	start := time.Now()
	typeKeys("\x03")
	waitFor(t, after(from), "interrupted", wait)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Ctrl-C took %s", d)
	}
	from = len(scr.String())
	typeKeys("'still here'\r")
	waitFor(t, after(from), `"still here"`, wait)

	// Errors are one line and the REPL goes on.
	from = len(scr.String())
	typeKeys("nil + 1\r")
	waitFor(t, after(from), "stdin:1: ", wait)
	typeKeys(":help\r")
	waitFor(t, after(from), ":quit", wait)

	// Ctrl-D exits cleanly.
	typeKeys("\x04")
	select {
	case <-exited:
		if p.err != nil {
			t.Fatalf("repl exited with %v; screen:\n%s", p.err, scr.String())
		}
	case <-time.After(wait):
		t.Fatalf("repl did not exit on Ctrl-D; screen:\n%s", scr.String())
	}
	hist, err := os.ReadFile(history)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if !strings.Contains(string(hist), "bt.subnetwork_n(1)") || !strings.Contains(string(hist), "f(21)") {
		t.Fatalf("history lacks the chunks typed:\n%s", hist)
	}
	// A multi-line chunk is one entry, so the next session recalls it whole.
	for _, want := range []string{"\nfunction f(x) return x * 2 end\n", "\n20 + 22\n"} {
		if !strings.Contains(string(hist), want) {
			t.Fatalf("history lacks %q as one line:\n%s", want, hist)
		}
	}
	if strings.Contains(string(hist), "\nend\n") {
		t.Fatalf("history holds a lone end:\n%s", hist)
	}
}

// ptyRun is a btscript process on a pseudo-terminal.
type ptyRun struct {
	scr    *screen
	master *os.File
	exited chan struct{}
	err    error // the process's exit status, once exited is closed
}

// runOnPTY starts cmd on a new pseudo-terminal and records what it shows.
// The process is stopped when the test ends (SIGTERM, then a kill after
// 20 s).
func runOnPTY(t *testing.T, cmd *exec.Cmd) *ptyRun {
	t.Helper()
	master, slave := openPTY(t)
	t.Cleanup(func() { master.Close() })
	cmd.Env = append(cmd.Env, "TERM=xterm")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	p := &ptyRun{scr: &screen{}, master: master, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-p.exited
			}
		}
	})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.scr.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return p
}

// typeKeys sends s to the terminal.
func (p *ptyRun) typeKeys(t *testing.T, s string) {
	t.Helper()
	if _, err := p.master.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// startPTY runs btscript with args on a new pseudo-terminal and returns
// what it shows, a function to type keys, and the channel closed when it
// exits.
func startPTY(t *testing.T, args ...string) (*screen, func(string), <-chan struct{}) {
	t.Helper()
	p := runOnPTY(t, child(t, args...))
	return p.scr, func(s string) { t.Helper(); p.typeKeys(t, s) }, p.exited
}

// TestReplDevnetStaysUp runs "btscript repl --network devnet" in a
// terminal: the devnet it starts answers at once and still 30 s later,
// and stops with the REPL.
func TestReplDevnetStaysUp(t *testing.T) {
	testdata.Path(t, testdata.RaonetSpec)
	if testing.Short() {
		t.Skip("starts a devnet and waits 30 s")
	}
	scr, typeKeys, exited := startPTY(t, "repl", "--network", "devnet")
	after := func(from int) interface{ String() string } {
		return stringer(func() string { s := scr.String(); return s[min(from, len(s)):] })
	}
	waitFor(t, scr, "> ", 3*time.Minute)
	const query = "bt.tempo(1), bt.subnet_exists(1), chain.query('SubtensorModule', 'Tempo', 1)\r"
	from := len(scr.String())
	typeKeys(query)
	waitFor(t, after(from), "100\ttrue\t100\n", time.Minute)
	// Ctrl-C cancels a running chunk, not the devnet.
	from = len(scr.String())
	typeKeys("sleep(10)\r")
	time.Sleep(700 * time.Millisecond)
	typeKeys("\x03")
	waitFor(t, after(from), "interrupted", time.Minute)
	time.Sleep(30 * time.Second)
	from = len(scr.String())
	typeKeys(query)
	waitFor(t, after(from), "100\ttrue\t100\n", time.Minute)
	if strings.Contains(scr.String(), "refused") {
		t.Fatalf("screen:\n%s", scr.String())
	}
	typeKeys("\x04")
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("repl did not exit on Ctrl-D; screen:\n%s", scr.String())
	}
}

type stringer func() string

func (s stringer) String() string { return s() }

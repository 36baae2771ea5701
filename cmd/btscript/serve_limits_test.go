package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/gorilla/websocket"
)

// stressEnv sets the scale of TestServeBoundedUnderHugeRequests as
// CLIENTSxMB; the default is small enough for a shared CI machine. The
// issue's full scale is 24x60.
const stressEnv = "BTSCRIPT_SERVE_STRESS"

// peakRSS reads a process's peak resident set size in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// hugeRequest sends one request of size bytes, written in chunks so the
// client never holds it, and returns the answer.
func hugeRequest(url string, id, size int) (string, error) {
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return "", err
	}
	defer ws.Close()
	w, err := ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return "", err
	}
	head := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"state_getStorage","params":["0x`, id)
	tail := `"]}`
	if _, err := w.Write([]byte(head)); err != nil {
		return "", err
	}
	chunk := bytes.Repeat([]byte("ab"), 32<<10)
	for left := size - len(head) - len(tail); left > 0; left -= len(chunk) {
		if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
			return "", err
		}
	}
	if _, err := w.Write([]byte(tail)); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	_ = ws.SetReadDeadline(time.Now().Add(2 * time.Minute))
	_, msg, err := ws.ReadMessage()
	return string(msg), err
}

// serve under many clients each sending a request far over the request
// limit stays within its memory bound, answers each with a JSON-RPC error
// naming the sizes, and keeps answering a normal client within a second.
func TestServeBoundedUnderHugeRequests(t *testing.T) {
	clients, mb := 6, 12
	if s := os.Getenv(stressEnv); s != "" {
		if _, err := fmt.Sscanf(s, "%dx%d", &clients, &mb); err != nil {
			t.Fatalf("%s=%q: want CLIENTSxMB", stressEnv, s)
		}
	}
	src := testdata.Path(t, testdata.RecordedRPC)
	cmd := child(t, "serve", src, "--test", "subnetwork_n")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no URL: %v; %s", err, stderr.String())
	}
	url := strings.TrimSpace(line)
	base := peakRSS(t, cmd.Process.Pid)

	normal, err := rpc.New(rpc.Config{Endpoints: []string{url}})
	if err != nil {
		t.Fatal(err)
	}
	defer normal.Close()
	stop := make(chan struct{})
	var worst time.Duration
	var calls int
	var normalErr error
	probe := make(chan struct{})
	go func() {
		defer close(probe)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			start := time.Now()
			_, err := normal.Call(ctx, "chain_getHead")
			cancel()
			if err != nil {
				normalErr = err
				return
			}
			calls++
			worst = max(worst, time.Since(start))
		}
	}()

	var wg sync.WaitGroup
	answers := make([]string, clients)
	errs := make([]error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = hugeRequest(url, i+1, mb<<20)
		}()
	}
	wg.Wait()
	close(stop)
	<-probe
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("%d clients × %d MB: peak RSS %.1f MiB (%.1f MiB before); normal client: %d calls, slowest %v",
		clients, mb, float64(peak)/(1<<20), float64(base)/(1<<20), calls, worst)

	for i := range clients {
		if errs[i] != nil {
			t.Fatalf("client %d: %v", i, errs[i])
		}
		var resp struct {
			ID    int        `json:"id"`
			Error *rpc.Error `json:"error"`
		}
		if err := json.Unmarshal([]byte(answers[i]), &resp); err != nil || resp.Error == nil || resp.ID != i+1 ||
			resp.Error.Code != rpc.CodeInvalidRequest || !strings.Contains(resp.Error.Message, fmt.Sprintf("exceeds the limit of %d bytes", rpc.DefaultMaxRequestSize)) {
			t.Errorf("client %d got %.300s", i, answers[i])
		}
	}
	if normalErr != nil || calls == 0 {
		t.Fatalf("normal client: %d calls, %v", calls, normalErr)
	}
	if worst > time.Second {
		t.Errorf("normal client waited %v, want under 1 s", worst)
	}
	if limit := int64(1 << 30); !raceEnabled && peak > limit {
		t.Errorf("peak RSS %d bytes, over %d", peak, limit)
	}
	if limit := base + 256<<20; !raceEnabled && os.Getenv(stressEnv) == "" && peak > limit {
		t.Errorf("peak RSS %d bytes, over %d at the small scale", peak, limit)
	}
}

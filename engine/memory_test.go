package engine

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// The memory limit is the run's, not the process's: a host that itself
// holds 1.5 GiB of live heap runs a script under the default options.
func TestHostHeapDoesNotCount(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 1.5 GiB of heap")
	}
	hold := make([][]byte, 24)
	for i := range hold {
		hold[i] = make([]byte, 64<<20) // 1.5 GiB, untouched: virtual, not resident
	}
	e := New(Options{})
	defer e.Close()
	res, err := e.Eval(context.Background(), `sleep(0.05) return 1+1`)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Go()); got != "[2]" {
		t.Fatalf("got %s", got)
	}
	// The script's own allocations still count.
	_, err = e.Eval(context.Background(), `local t = {} for i = 1, 40 do t[i] = ("x"):rep(60 * 2^20) .. i end`)
	if err == nil {
		t.Fatal("a script holding 2.4 GiB ran under a 1 GiB limit")
	}
	t.Log(err)
	runtime.KeepAlive(hold)
}

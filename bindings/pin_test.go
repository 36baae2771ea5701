package bindings_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/chaintest"
)

// noting is a transport that notes the state_getRuntimeVersion calls.
type noting struct {
	rpc.Transport
	mu    sync.Mutex
	asked []string
}

func (n *noting) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if method == "state_getRuntimeVersion" && len(params) == 1 {
		n.mu.Lock()
		n.asked = append(n.asked, params[0].(string))
		n.mu.Unlock()
	}
	return n.Transport.Call(ctx, method, params...)
}

// TestPinnerAsksTheHeadsRuntime: the pinner's Head asks for the runtime of
// the head it returns without waiting for it, so that the request leaves
// ahead of the reads the pin wakes (each of which needs it).
func TestPinnerAsksTheHeadsRuntime(t *testing.T) {
	srv := chaintest.AccountsServer(t, 0)
	tr, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	calls := &noting{Transport: tr}
	c := chain.New(calls, chain.Options{CacheDir: t.TempDir()})
	t.Cleanup(func() { c.Close() })
	head, err := bindings.NewPinner(c).Head(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		calls.mu.Lock()
		asked := calls.asked
		calls.mu.Unlock()
		if len(asked) > 0 {
			if len(asked) != 1 || asked[0] != head {
				t.Fatalf("asked for the runtime of %v, want of the head %s once", asked, head)
			}
			return
		}
	}
	t.Fatal("the runtime of the head was never asked")
}

// Package chaintest holds what the tests of the chain layers share: a
// transport that notes the calls made through it.
package chaintest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/btscript/btscript/chain/rpc"
)

// Calls is a transport that notes every call made through it.
type Calls struct {
	rpc.Transport
	mu     sync.Mutex
	counts map[string]int
	params map[string][]any
}

// Call notes the call, then makes it. A state_call is also counted under
// "state_call NAME", and its params are kept by NAME.
func (c *Calls) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string]int{}
		c.params = map[string][]any{}
	}
	c.counts[method]++
	if method == "state_call" && len(params) > 0 {
		name := fmt.Sprint(params[0])
		c.counts["state_call "+name]++
		c.params[name] = params
	}
	c.mu.Unlock()
	return c.Transport.Call(ctx, method, params...)
}

// Count returns how many calls of method were made.
func (c *Calls) Count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[method]
}

// StateCall returns the params of the latest state_call of runtime API
// method name ("Api_method"), or nil.
func (c *Calls) StateCall(name string) []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.params[name]
}

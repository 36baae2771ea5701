package rpc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/btscript/btscript/chain/rpc"
)

// A node stand-in and a client talking to it over a websocket on
// 127.0.0.1.
func Example() {
	srv := rpc.NewServer(rpc.HandlerFunc(func(ctx context.Context, method string, params json.RawMessage) (any, error) {
		switch method {
		case "system_chain":
			return "Bittensor", nil
		case "chain_getHeader":
			return map[string]any{"number": "0x2a"}, nil
		}
		return nil, &rpc.Error{Code: rpc.CodeMethodNotFound, Message: "Method not found"}
	}))
	hs := httptest.NewServer(srv) // listens on 127.0.0.1:0
	defer hs.Close()
	defer srv.Close()

	c, err := rpc.New(rpc.Config{Endpoints: []string{"ws" + strings.TrimPrefix(hs.URL, "http")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx := context.Background()

	var chain string
	if err := c.CallResult(ctx, &chain, "system_chain"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(chain)

	var header struct{ Number string }
	batch := []rpc.BatchElem{
		{Method: "chain_getHeader", Result: &header},
		{Method: "state_getMetadata"},
	}
	if err := c.BatchCall(ctx, batch); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(header.Number)
	fmt.Println(batch[1].Error)

	// Output:
	// Bittensor
	// 0x2a
	// rpc state_getMetadata: error -32601: Method not found
}

package devnet

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestReadyRebuildsFirstBlock: a node from a chain spec whose first block
// failed to build is asked for one, and is ready once it has it.
func TestReadyRebuildsFirstBlock(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	number := "0x00000000"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method string `json:"method"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, req.Method)
		var result any
		switch req.Method {
		case "system_chain":
			result = "bittensor"
		case "chain_getHeader":
			result = map[string]string{"number": number}
		case "dev_newBlock":
			number = "0x00000001"
			result = "0x01"
		}
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": 1, "result": result})
	}))
	defer srv.Close()
	n := &Node{HTTP: srv.URL}

	if n.ready(true) {
		t.Fatal("ready with the head at genesis")
	}
	if !n.ready(true) {
		t.Fatal("not ready with block 1")
	}
	if !n.ready(false) {
		t.Fatal("a forked node is not ready when it answers")
	}
	want := "[system_chain chain_getHeader dev_newBlock system_chain chain_getHeader system_chain]"
	if got := fmt.Sprint(calls); got != want {
		t.Fatalf("calls %s, want %s", got, want)
	}
}

package chain_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/internal/testdata"
	"github.com/btscript/btscript/scale"
)

// Reading storage from Go: here from the bittensor SDK's recording of
// finney, replayed; chain.Dial("finney", …) reads the live chain the same
// way.
func Example() {
	path := filepath.Join(testdata.Dir(), "recorded-rpc.json")
	book, err := record.Load(path, "get_balance", filepath.Dir(path))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := chain.New(record.NewReplayer(book), chain.Options{})
	defer c.Close()

	ctx := context.Background()
	head, err := c.Head(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := c.Query(ctx, head, "System", "Account", "5CUkpcUWSSMKMdNUW23sfUke6WCkoYXixR4CPBDCLpvxLmSi")
	if err != nil {
		fmt.Println(err)
		return
	}
	var account struct {
		Nonce uint32
		Data  struct{ Free, Reserved uint64 }
	}
	if err := v.Unmarshal(&account); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(account.Data.Free, "rao free")
	// Output: 7450117072 rao free
}

// A Batch holds reads until they fill a request or the producer flushes:
// a program that starts many reads at once, as the engine does for a
// gather, flushes when it has started them all.
func ExampleClient_NewBatch() {
	path := filepath.Join(testdata.Dir(), "recorded-rpc.json")
	book, err := record.Load(path, "get_balance", filepath.Dir(path))
	if err != nil {
		fmt.Println(err)
		return
	}
	c := chain.New(record.NewReplayer(book), chain.Options{})
	defer c.Close()
	ctx := context.Background()
	head, err := c.Head(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := c.NewBatch()
	done := make(chan string, 1)
	b.QueryThen(ctx, head, "System", "Account", []any{"5CUkpcUWSSMKMdNUW23sfUke6WCkoYXixR4CPBDCLpvxLmSi"}, func(v scale.Value, err error) {
		if err != nil {
			done <- err.Error()
			return
		}
		var account struct{ Data struct{ Free uint64 } }
		if err := v.Unmarshal(&account); err != nil {
			done <- err.Error()
			return
		}
		done <- fmt.Sprint(account.Data.Free, " rao free")
	})
	b.Flush() // every read is started: send them
	fmt.Println(<-done)
	// Output: 7450117072 rao free
}

package bt_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/internal/testdata"
)

// Reading Bittensor state from Go, all at one block: here from the
// bittensor SDK's recording of finney, replayed; with
// chain.Dial(ctx, "finney", nil, rpc.Config{}, chain.Options{}) the same
// code reads the live chain.
func Example() {
	path := filepath.Join(testdata.Dir(), "recorded-rpc.json")
	book, err := record.Load(path, "tempo", filepath.Dir(path))
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
	tempo, exists, err := bt.Tempo(ctx, c, head, 23)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("subnet 23 exists:", exists, "tempo:", tempo)
	// Output:
	// subnet 23 exists: true tempo: 1000
}

func ExampleBalance_String() {
	fmt.Println(bt.Balance(1_500_000_000), bt.Balance(12345678901234567))
	// Output: τ1.500000000 τ12345678.901234567
}

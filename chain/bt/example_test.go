package bt_test

import (
	"context"
	"fmt"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/bt"
	"github.com/btscript/btscript/chain/rpc"
)

// Reading Bittensor state from Go, all at one block.
func Example() {
	c, err := chain.Dial("finney", nil, rpc.Config{}, chain.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx := context.Background()
	head, err := c.Head(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	tempo, exists, err := bt.Tempo(ctx, c, head, 1)
	if err != nil || !exists {
		fmt.Println("subnet 1:", exists, err)
		return
	}
	bal, err := bt.GetBalance(ctx, c, head, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tempo, bal, bal.Rao())
}

func ExampleBalance_String() {
	fmt.Println(bt.Balance(1_500_000_000), bt.Balance(12345678901234567))
	// Output: τ1.500000000 τ12345678.901234567
}

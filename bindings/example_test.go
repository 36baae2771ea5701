package bindings_test

import (
	"context"
	"fmt"
	"os"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/engine"
)

// Installing the modules into an engine. Chain calls need a node; json,
// ss58 and balances work without one.
func ExampleInstall() {
	c := chain.New(nil, chain.Options{}) // offline; normally chain.Dial(ctx, "finney", ...)
	e := engine.New(engine.Options{Pinner: bindings.NewPinner(c), Stdout: os.Stdout})
	defer e.Close()
	if err := bindings.Install(e, c, bindings.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	_, err := e.Eval(context.Background(), `
		local stake = bt.tao("1.5") + bt.balance(1)
		print(stake, json.encode({stake = stake, big = json.decode("12345678901234567890")}))
		print(ss58.decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"))`)
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// τ1.500000001	{"big":12345678901234567890,"stake":1500000001}
	// 0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d	42
}

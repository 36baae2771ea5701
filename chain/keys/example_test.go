package keys_test

import (
	"fmt"

	"github.com/btscript/btscript/chain/keys"
)

func Example() {
	alice, err := keys.FromURI("//Alice")
	if err != nil {
		panic(err)
	}
	sig, _ := alice.Sign([]byte("hello"))
	fmt.Println(alice.Address())
	fmt.Println(keys.Verify(alice.PublicKey(), []byte("hello"), sig))
	fmt.Printf("%v\n", alice) // never the secret
	// Output:
	// 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
	// true
	// Signer(5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY)
}

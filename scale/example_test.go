package scale_test

import (
	"fmt"

	"github.com/btscript/btscript/scale"
)

// A decoded value is stored in Go structs the way encoding/json stores a
// document: fields by name (LastUpdate matches last_update), accounts in
// AccountID or as text, integers exact.
func ExampleValue_Unmarshal() {
	alice, _ := scale.ParseAccountID("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	v := scale.NewSeq([]scale.Value{
		scale.NewComposite(
			[]string{"hotkey", "stake", "last_update"},
			[]scale.Value{scale.NewAccount(alice[:], 42), scale.NewUint(12345678901234567), scale.NewUint(7)}),
	})

	type neuron struct {
		Hotkey     scale.AccountID
		Stake      uint64
		LastUpdate uint32
	}
	var ns []neuron
	if err := v.Unmarshal(&ns); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ns[0].Hotkey, ns[0].Stake, ns[0].LastUpdate)

	var small []struct{ Stake uint32 }
	fmt.Println(v.Unmarshal(&small))
	// Output:
	// 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY 12345678901234567 7
	// scale: unmarshal uint at [0].stake into Go uint32: 12345678901234567 does not fit
}

func ExampleSS58Decode() {
	pub, prefix, err := scale.SS58Decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	fmt.Printf("%x %d %v\n", pub, prefix, err)
	fmt.Println(scale.SS58Encode(pub, 0))
	// Output:
	// d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d 42 <nil>
	// 15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5
}

package bindings

import (
	"fmt"
	"math/big"
	"net/netip"
)

type ipValue struct {
	n   *big.Int
	typ uint8
}

// ipArg reads an IP address as a string ("1.2.3.4", "::1") or an integer.
func ipArg(v any) (ipValue, error) {
	switch x := v.(type) {
	case string:
		a, err := netip.ParseAddr(x)
		if err != nil {
			return ipValue{}, fmt.Errorf("ip %q is not an IP address", x)
		}
		if a.Is4() {
			return ipValue{new(big.Int).SetBytes(a.AsSlice()), 4}, nil
		}
		return ipValue{new(big.Int).SetBytes(a.AsSlice()), 6}, nil
	case int64:
		if x >= 0 && x <= 1<<32-1 {
			return ipValue{big.NewInt(x), 4}, nil
		}
	}
	return ipValue{}, fmt.Errorf("ip must be an address string such as '1.2.3.4', got %s", describe(v))
}

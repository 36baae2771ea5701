package bt_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/btscript/btscript/chain/bt"
)

func TestPriceFromSqrt(t *testing.T) {
	one := new(big.Int).Lsh(big.NewInt(1), 64) // 1.0 in U64F64
	tests := []struct {
		bits *big.Int
		want string
	}{
		{one, "τ1.000000000"},
		{new(big.Int).Rsh(one, 1), "τ0.250000000"},                                  // 0.5² TAO
		{new(big.Int).Lsh(one, 1), "τ4.000000000"},                                  // 2²
		{big.NewInt(1), "τ0.000000000"},                                             // 2^-64 squared rounds down to 0
		{new(big.Int).Add(new(big.Int).Rsh(one, 1), big.NewInt(1)), "τ0.250000000"}, // just above 0.5: rounds down
		{new(big.Int).Sub(one, big.NewInt(1)), "τ0.999999999"},                      // just under 1: rounds down, not to 1
	}
	for _, tt := range tests {
		got, err := bt.PriceFromSqrt(tt.bits)
		if err != nil || got.String() != tt.want {
			t.Errorf("PriceFromSqrt(%s) = %s, %v; want %s", tt.bits, got, err, tt.want)
		}
	}
	huge := new(big.Int).Lsh(one, 40)
	if _, err := bt.PriceFromSqrt(huge); err == nil || !strings.Contains(err.Error(), "exceeds 2^64") {
		t.Errorf("PriceFromSqrt(2^104) err = %v", err)
	}
	if _, err := bt.PriceFromSqrt(big.NewInt(-1)); err == nil {
		t.Error("a negative root gave no error")
	}
}

package bt

import (
	"fmt"
	"math"
	"strconv"
)

// RaoPerTao is the number of rao in one TAO.
const RaoPerTao = 1_000_000_000

// TaoSymbol is the symbol Balance.String puts before the amount.
const TaoSymbol = "τ"

// Balance is an amount of TAO held exactly, in rao (10^-9 TAO).
type Balance uint64

// Rao returns the amount in rao.
func (b Balance) Rao() uint64 { return uint64(b) }

// Tao returns the amount in TAO as a float64, which is inexact beyond 2^53
// rao (about 9 million TAO): use it for display and arithmetic that
// tolerates rounding, and Rao for exact work.
func (b Balance) Tao() float64 { return float64(b) / RaoPerTao }

// String renders the amount in TAO with all nine decimals, exactly:
// "τ1.500000000".
func (b Balance) String() string {
	u := uint64(b)
	return TaoSymbol + strconv.FormatUint(u/RaoPerTao, 10) + "." + fmt.Sprintf("%09d", u%RaoPerTao)
}

// Add returns b+o, or an error when the sum exceeds the uint64 range.
func (b Balance) Add(o Balance) (Balance, error) {
	if uint64(b) > math.MaxUint64-uint64(o) {
		return 0, fmt.Errorf("balance overflow: %s + %s exceeds %d rao", b, o, uint64(math.MaxUint64))
	}
	return b + o, nil
}

// Sub returns b-o, or an error when o is larger than b (balances are never
// negative).
func (b Balance) Sub(o Balance) (Balance, error) {
	if o > b {
		return 0, fmt.Errorf("balance underflow: %s - %s is negative", b, o)
	}
	return b - o, nil
}

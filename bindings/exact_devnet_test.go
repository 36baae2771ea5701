package bindings_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/btscript/btscript/bindings"
	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/internal/chaintest"
	"github.com/btscript/btscript/internal/devnettest"
	"github.com/btscript/btscript/scale"
)

// A Lua walk of every System.Account on the devnet sums the free balances
// exactly: the same sum as Go's, over the same values, where a float sum
// of them is off.
func TestQueryMapSumIsExact(t *testing.T) {
	n := devnettest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const planted = 1000
	var accounts []any
	for i := range planted {
		pub := sha256.Sum256(binary.BigEndian.AppendUint32([]byte("account"), uint32(i)))
		// Just above 2^52, odd: every partial sum past 2^53 loses a bit
		// in a double.
		free := uint64(1)<<52 + uint64(i)*2654435761%(1<<40) | 1
		accounts = append(accounts, []any{[]any{scale.SS58Encode(pub[:], 42)},
			map[string]any{"providers": 1, "data": map[string]any{"free": fmt.Sprint(free)}}})
	}
	if err := n.Call(ctx, nil, "dev_setStorage", map[string]any{"System": map[string]any{"Account": accounts}}); err != nil {
		t.Fatal(err)
	}
	if err := n.Call(ctx, nil, "dev_newBlock", map[string]any{"count": 1}); err != nil {
		t.Fatal(err)
	}
	c, _ := chaintest.Dial(t, n.URL, chain.Options{})
	head, err := c.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exact, float, count := new(big.Int), 0.0, 0
	err = c.QueryMap(ctx, head, "System", "Account", nil, chain.MapOptions{}, func(e chain.MapEntry) error {
		data, _ := e.Value.Field("data")
		free, _ := data.Field("free")
		exact.Add(exact, free.BigInt())
		f, _ := new(big.Float).SetInt(free.BigInt()).Float64()
		float += f
		count++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count < planted {
		t.Fatalf("Go walk saw %d accounts, planted %d", count, planted)
	}
	if fmt.Sprintf("%.0f", float) == exact.String() {
		t.Fatalf("a float sum is exact here (%s): the test would not notice a float", exact)
	}
	en := newEngine(t, c, bindings.Options{})
	got := en.eval(t, `
		return at("`+head+`", function()
			local sum, n = 0, 0
			for keys, account in chain.query_map("System", "Account") do
				sum = account.data.free + sum -- an Int: the sum becomes one
				n = n + 1
			end
			return tostring(sum), n
		end)`)
	if want := fmt.Sprintf("%s %d", exact, count); got != want {
		t.Fatalf("Lua sum and count %s, Go %s", got, want)
	}
}

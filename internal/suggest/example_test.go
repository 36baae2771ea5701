package suggest_test

import (
	"fmt"

	"github.com/btscript/btscript/internal/suggest"
)

func ExampleClosest() {
	names := []string{"tempo", "subnetwork_n", "difficulty", "Tempo2", "immunity_period"}
	fmt.Println(suggest.Closest("tmepo", names))
	fmt.Println(suggest.Closest("subnetwork", names))
	fmt.Println(suggest.Closest("xyz", names))
	// Output:
	// [tempo]
	// [subnetwork_n]
	// []
}

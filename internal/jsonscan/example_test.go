package jsonscan_test

import (
	"fmt"

	"github.com/btscript/btscript/internal/jsonscan"
)

func ExamplePlainRun() {
	frame := []byte(`["0x26aa394eea5630e07c48ae0c9558cef7","a\"b"]`)
	end := jsonscan.PlainRun(frame, 2, true)
	fmt.Println(string(frame[2:end]), end)
	fmt.Println(jsonscan.PlainRun(frame, end+3, true)) // the backslash
	// Output:
	// 0x26aa394eea5630e07c48ae0c9558cef7 36
	// 40
}

package record_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/btscript/btscript/chain/record"
)

// A recording is journaled to its file as exchanges are added, so it can
// be loaded even before Finish writes its sorted form.
func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "record-example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.json")

	rec, err := record.Create(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec.Add("state_getStorage", []any{"0x01"}, json.RawMessage(`"0x2a00"`), nil)

	book, _ := record.Load(path, "", "") // the journal, as a kill would leave it
	res, _ := book.Answer("state_getStorage", json.RawMessage(`["0x01"]`))
	fmt.Println("journal:", string(res))

	if err := rec.Finish(); err != nil {
		fmt.Println(err)
		return
	}
	book, _ = record.Load(path, "", "")
	res, _ = book.Answer("state_getStorage", json.RawMessage(`["0x01"]`))
	fmt.Println("sorted:", string(res))

	// A path that is not a regular file is refused, untouched.
	fmt.Println(record.CheckPath(dir) != nil)
	// Output:
	// journal: "0x2a00"
	// sorted: "0x2a00"
	// true
}

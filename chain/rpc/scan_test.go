package rpc

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

var frameSeeds = []string{
	`{"jsonrpc":"2.0","id":7,"result":[{"block":"0xab","changes":[["0x01","0x02"],["0x03",null]]}]}`,
	`{"jsonrpc":"2.0","method":"chain_newHead","params":{"subscription":"abc","result":{"number":"0x10"}}}`,
	`[{"jsonrpc":"2.0","id":1,"result":"0x00"}, {"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found","data":"x"}}]`,
	`{"id":"3","result":null,"error":null}`,
	` { "id" : 1 , "result" : -1.5e+10 , "x" : [ true , false , null , { } , [ ] ] } `,
	`{"id":1,"method":"a\"b","result":1}`,
	`{"ID":1,"result":2}`,
	`{"id":1,"id":2}`,
	`{"id":1,"result":"\ud83d\ude00 \u00e9 \t"}`,
	`{"id":1,"result":01}`,
	`{"id":1,"result":"a` + "\x01" + `"}`,
	`{"id":1,"result":[1,2,]}`,
	`{"id":1,"method":5}`,
	`{"id":1,"error":"boom"}`,
	`{"id":1} x`,
	`[]`,
	`[null]`,
	`[{"id":1}`,
	`{"id":1,"method":"` + "\xff" + `"}`,
	`{}`,
	`{"result":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
}

// TestScanMessage compares parseFrame with encoding/json on frames of
// every kind: the plain ones the scan reads and the others it leaves.
func TestScanMessage(t *testing.T) {
	for _, f := range frameSeeds {
		sameAsStd(t, []byte(f))
	}
	// The plain frames are read by the scan, not handed to encoding/json.
	for _, f := range frameSeeds[:5] {
		data := bytes.TrimSpace([]byte(f))
		var ok bool
		if data[0] == '[' {
			_, ok = scanBatch(data)
		} else {
			_, ok = scanMessage(data)
		}
		if !ok {
			t.Errorf("%.80s: left to encoding/json", f)
		}
	}
}

// FuzzScanMessage holds parseFrame to encoding/json on any input: the
// same messages, or the same error.
func FuzzScanMessage(f *testing.F) {
	for _, s := range frameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsStd(t, data)
	})
}

func sameAsStd(t *testing.T, data []byte) {
	t.Helper()
	got, err := parseFrame(data)
	want, wantErr := decodeFrame(bytes.TrimSpace(data))
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%.200q: error %v, encoding/json %v", data, err, wantErr)
	}
	if len(got) != len(want) {
		t.Fatalf("%.200q: %d messages, encoding/json %d", data, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !bytes.Equal(g.ID, w.ID) || g.Method != w.Method || !bytes.Equal(g.Params, w.Params) ||
			!bytes.Equal(g.Result, w.Result) || !reflect.DeepEqual(g.Error, w.Error) {
			t.Fatalf("%.200q: message %d\n%+v\nencoding/json\n%+v", data, i, *g, *w)
		}
	}
}

func BenchmarkParseFrame(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"jsonrpc":"2.0","id":12,"result":[{"block":"0x` + strings.Repeat("ab", 32) + `","changes":[`)
	for i := range 500 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`["0x` + strings.Repeat("26", 48) + `","0x` + strings.Repeat("0f", 40) + `"]`)
	}
	sb.WriteString(`]}]}`)
	frame := []byte(sb.String())
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		for b.Loop() {
			if _, err := parseFrame(frame); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		for b.Loop() {
			if _, err := decodeFrame(frame); err != nil {
				b.Fatal(err)
			}
		}
	})
}

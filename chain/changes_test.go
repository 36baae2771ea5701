package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btscript/btscript/chain/rpc"

	"github.com/btscript/btscript/internal/testdata"
)

// viaJSON is what encoding/json makes of an answer, for comparison.
func viaJSON(raw []byte) (map[string]*string, bool) {
	var sets []struct {
		Changes [][2]*string `json:"changes"`
	}
	if json.Unmarshal(raw, &sets) != nil {
		return nil, false
	}
	got := map[string]*string{}
	for _, s := range sets {
		for _, ch := range s.Changes {
			if ch[0] != nil {
				got[strings.ToLower(*ch[0])] = ch[1]
			}
		}
	}
	return got, true
}

func sameChanges(a, b map[string]*string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || (v == nil) != (w == nil) || v != nil && *v != *w {
			return false
		}
	}
	return true
}

func TestParseChangeSets(t *testing.T) {
	tests := []struct {
		name, raw string
		fast      bool // the direct scan handles it
		want      map[string]string
		wantErr   bool
	}{
		{"compact", `[{"block":"0xab","changes":[["0xAA","0x01"],["0xbb",null]]}]`, true, map[string]string{"0xaa": "0x01", "0xbb": "<nil>"}, false},
		{"spaced", "[ {\n \"block\" : \"0xab\" ,\n \"changes\" : [ [ \"0xaa\" , \"0x01\" ] ] } ]", true, map[string]string{"0xaa": "0x01"}, false},
		{"changes first", `[{"changes":[["0xaa","0x02"]],"block":"0xab"}]`, true, map[string]string{"0xaa": "0x02"}, false},
		{"two sets", `[{"block":"0x1","changes":[["0xaa","0x01"]]},{"block":"0x2","changes":[["0xbb","0x02"]]}]`, true, map[string]string{"0xaa": "0x01", "0xbb": "0x02"}, false},
		{"no sets", `[]`, true, map[string]string{}, false},
		{"no changes", `[{"block":"0x1","changes":[]}]`, true, map[string]string{}, false},
		{"escaped string falls back", `[{"block":"0x1","changes":[["0x\u0061a","0x01"]]}]`, false, map[string]string{"0xaa": "0x01"}, false},
		{"unknown field falls back", `[{"block":"0x1","extra":1,"changes":[["0xaa","0x01"]]}]`, false, map[string]string{"0xaa": "0x01"}, false},
		{"not an array", `{"changes":[]}`, false, nil, true},
		{"truncated", `[{"block":"0x1","changes":[["0xaa","0x01"]`, false, nil, true},
		{"trailing garbage", `[]x`, false, nil, true},
		{"number value", `[{"block":"0x1","changes":[["0xaa",1]]}]`, false, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fast := scanChangeSets([]byte(tt.raw))
			if fast != tt.fast {
				t.Errorf("direct scan handled it: %v, want %v", fast, tt.fast)
			}
			got, err := parseChangeSets([]byte(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			flat := map[string]string{}
			for k, v := range got {
				flat[k] = "<nil>"
				if v != nil {
					flat[k] = *v
				}
			}
			if len(flat) != len(tt.want) {
				t.Fatalf("got %v, want %v", flat, tt.want)
			}
			for k, v := range tt.want {
				if flat[k] != v {
					t.Fatalf("got %v, want %v", flat, tt.want)
				}
			}
		})
	}
}

// Every recorded state_queryStorageAt answer of finney reads the same with
// the direct scan as with encoding/json.
func TestParseChangeSetsRecorded(t *testing.T) {
	n := 0
	for test, methods := range testdata.Recorded(t) {
		for params := range methods["state_queryStorageAt"] {
			raw := testdata.Recorded(t).Result(t, test, "state_queryStorageAt", params)
			fast, ok := scanChangeSets(raw)
			want, _ := viaJSON(raw)
			if !ok || !sameChanges(fast, want) {
				t.Fatalf("%s: direct scan ok=%v disagrees with encoding/json", test, ok)
			}
			n += len(fast)
		}
	}
	if n == 0 {
		t.Fatal("no recorded changes read")
	}
}

func FuzzParseChangeSets(f *testing.F) {
	f.Add([]byte(`[{"block":"0xab","changes":[["0xAA","0x01"],["0xbb",null]]}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"changes":[["0x","0x"]],"block":null}]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, ok := scanChangeSets(raw)
		if !ok {
			return
		}
		want, valid := viaJSON(raw)
		if !valid || !sameChanges(fast, want) {
			t.Fatalf("direct scan accepted %q as %v; encoding/json: valid=%v %v", raw, fast, valid, want)
		}
	})
}

func BenchmarkParseChangeSets(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`[{"block":"0x1b3f85dc8c83cada6d1782c955973a509a37c62af3d6ba29f5fd816aee37eb3b","changes":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`["0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9` + strings.Repeat("ab", 32) + `","0x` + strings.Repeat("cd", 80) + `"]`)
	}
	sb.WriteString(`]}]`)
	raw := []byte(sb.String())
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for range b.N {
			if _, ok := scanChangeSets(raw); !ok {
				b.Fatal("not scanned")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for range b.N {
			if _, ok := viaJSON(raw); !ok {
				b.Fatal("not parsed")
			}
		}
	})
}

// answerTransport answers every call with one canned result.
type answerTransport struct{ result string }

func (a answerTransport) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	return json.RawMessage(a.result), nil
}

func (answerTransport) Subscribe(ctx context.Context, method, unsubscribe string, params ...any) (*rpc.Subscription, error) {
	return nil, errors.New("no subscriptions")
}

func (answerTransport) Close() error { return nil }

// TestQueryStorageAtOrder: values are matched to their keys whether the
// node answers in the order asked (read straight through) or not (by
// key, whatever its case), and a key left out is asked for alone.
func TestQueryStorageAtOrder(t *testing.T) {
	keys := []string{"0xaa01", "0xbb02", "0xcc03"}
	for _, tt := range []struct {
		name, answer string
		want         []string // hex of each value, "nil" for none
	}{
		{"in order", `[{"block":"0x1","changes":[["0xaa01","0x01"],["0xbb02",null],["0xcc03","0x0302"]]}]`, []string{"01", "nil", "0302"}},
		{"reversed", `[{"block":"0x1","changes":[["0xcc03","0x0302"],["0xbb02",null],["0xaa01","0x01"]]}]`, []string{"01", "nil", "0302"}},
		{"upper case", `[{"block":"0x1","changes":[["0xAA01","0x01"],["0xBB02","0x02"],["0xCC03",null]]}]`, []string{"01", "02", "nil"}},
		{"two sets", `[{"block":"0x1","changes":[["0xaa01","0x01"]]},{"block":"0x2","changes":[["0xbb02","0x02"],["0xcc03","0x03"]]}]`, []string{"01", "02", "03"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := New(answerTransport{tt.answer}, Options{})
			defer c.Close()
			out := make([][]byte, len(keys))
			if err := c.queryStorageAt(context.Background(), "0x1", keys, out); err != nil {
				t.Fatal(err)
			}
			// Values may share memory, but appending to one must not
			// write into the next.
			for _, v := range out {
				if v != nil {
					_ = append(v, 0xee, 0xee)
				}
			}
			for i, v := range out {
				got := "nil"
				if v != nil {
					got = hex.EncodeToString(v)
				}
				if got != tt.want[i] {
					t.Errorf("key %s: %s, want %s", keys[i], got, tt.want[i])
				}
			}
		})
	}
	c := New(answerTransport{`[{"block":"0x1","changes":[["0xaa01","0xzz"],["0xbb02",null],["0xcc03","0x03"]]}]`}, Options{})
	defer c.Close()
	if err := c.queryStorageAt(context.Background(), "0x1", keys, make([][]byte, 3)); err == nil || !strings.Contains(err.Error(), "bad hex") {
		t.Errorf("bad hex in order: %v, want an error naming it", err)
	}
}

func TestCheckHash(t *testing.T) {
	lower := "0x" + strings.Repeat("ab", 32)
	for _, tt := range []struct{ in, want string }{
		{lower, lower},
		{"0x" + strings.Repeat("AB", 32), lower},
		{"0x" + strings.Repeat("ag", 32), ""},
		{"0x" + strings.Repeat("ab", 31), ""},
		{"1x" + strings.Repeat("ab", 32), ""},
	} {
		got, err := checkHash("block", tt.in)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("checkHash(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestHexKey: a key of any length, including past the stack buffer.
func TestHexKey(t *testing.T) {
	for _, n := range []int{0, 1, 52, 128, 129, 300} {
		key := make([]byte, n)
		for i := range key {
			key[i] = byte(i*37 + 5)
		}
		if got, want := hexKey(key), "0x"+hex.EncodeToString(key); got != want {
			t.Fatalf("%d bytes: %s, want %s", n, got, want)
		}
	}
}

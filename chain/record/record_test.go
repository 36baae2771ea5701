package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

func sdkBook(t *testing.T, test string) *Book {
	t.Helper()
	path := testdata.Path(t, testdata.RecordedRPC)
	b, err := Load(path, test, filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func answerString(t *testing.T, b *Book, method, params string) string {
	t.Helper()
	res, err := b.Answer(method, json.RawMessage(params))
	if err != nil {
		t.Fatalf("%s %s: %v", method, params, err)
	}
	var s string
	if string(res) == "null" || json.Unmarshal(res, &s) != nil {
		var compact bytes.Buffer
		if json.Compact(&compact, res) == nil {
			return compact.String()
		}
		return string(res)
	}
	return s
}

func TestSDKMatchingRules(t *testing.T) {
	b := sdkBook(t, "metagraph")
	const head = "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"
	const other = "0x1111111111111111111111111111111111111111111111111111111111111111"
	tests := []struct {
		name, method, params, wantPrefix string
	}{
		{"exact", "chain_getBlockHash", `[6852690]`, head},
		{"head alias", "chain_getHead", `[]`, head},
		{"head as getBlockHash", "chain_getBlockHash", `[]`, head},
		{"call at recorded block", "state_call", `["NeuronInfoRuntimeApi_get_neurons_lite","0100","` + head + `"]`, "0x0110"},
		{"call at any block", "state_call", `["NeuronInfoRuntimeApi_get_neurons_lite", "0100", "` + other + `"]`, "0x0110"},
		{"call data with 0x", "state_call", `["NeuronInfoRuntimeApi_get_neurons_lite", "0x0100", "` + other + `"]`, "0x0110"},
		{"storage under the other name", "state_getStorage", `["0x658faa385070e074c85bf6b568cf0555604fb97037feb8522bf37d42d54fa6e9f1577fbf1d628fdd0100", "` + head + `"]`, "null"},
		{"runtime version at any block", "state_getRuntimeVersion", `["` + other + `"]`, `{"`},
		{"metadata v14", "state_getMetadata", `["` + head + `"]`, "0x6d657461" + "0e"},
		{"metadata v15", "state_call", `["Metadata_metadata_at_version","0x0f000000","` + head + `"]`, "0x01"},
		{"metadata versions", "state_call", `["Metadata_metadata_versions",""]`, metadataVersions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := answerString(t, b, tt.method, tt.params)
			if !strings.HasPrefix(got, tt.wantPrefix) {
				t.Fatalf("answer = %.80s, want prefix %s", got, tt.wantPrefix)
			}
		})
	}
}

func TestSDKStorageByKey(t *testing.T) {
	b := sdkBook(t, "weights")
	const prefix = "0x658faa385070e074c85bf6b568cf0555a1e7036061f484bc3048a64b64e35ec41700"
	const key = prefix + "0a00"
	other := `"0x2222222222222222222222222222222222222222222222222222222222222222"`

	// A page size the SDK never asked for is served from the keys it saw.
	got := answerString(t, b, "state_getKeysPaged", `["`+prefix+`", 1000, null, `+other+`]`)
	if got != `["`+key+`"]` {
		t.Fatalf("keys = %s", got)
	}
	got = answerString(t, b, "state_getKeysPaged", `["`+prefix+`", 1000, "`+key+`", `+other+`]`)
	if got != `[]` {
		t.Fatalf("keys after the last = %s", got)
	}
	// A read the SDK made with state_queryStorageAt is served to state_getStorage.
	if got := answerString(t, b, "state_getStorageAt", `["`+key+`", `+other+`]`); got != "0x040a00ffff" {
		t.Fatalf("value = %s", got)
	}
	res, err := b.Answer("state_queryStorageAt", json.RawMessage(`[["`+key+`"], `+other+`]`))
	if err != nil {
		t.Fatal(err)
	}
	var sets []struct {
		Changes [][2]*string `json:"changes"`
	}
	if err := json.Unmarshal(res, &sets); err != nil || len(sets) != 1 || len(sets[0].Changes) != 1 || *sets[0].Changes[0][1] != "0x040a00ffff" {
		t.Fatalf("queryStorageAt = %s (%v)", res, err)
	}
	// Keys never seen are not assumed empty.
	for _, req := range []struct{ method, params string }{
		{"state_getStorage", `["0x1234"]`},
		{"state_queryStorageAt", `[["` + key + `", "0x1234"]]`},
		{"state_getKeysPaged", `["0x658faa385070e074c85bf6b568cf0555", 10, null]`},
		{"system_health", `[]`},
	} {
		_, err := b.Answer(req.method, json.RawMessage(req.params))
		if !errors.Is(err, ErrNotRecorded) || !strings.Contains(err.Error(), req.method) {
			t.Errorf("%s %s: err = %v, want ErrNotRecorded naming the method", req.method, req.params, err)
		}
	}
}

func TestSDKCycleAnsweredInTurn(t *testing.T) {
	b := sdkBook(t, "retry_archive")
	const params = `["0x6c0da8a9dd5994d374d43210dc401f000b2fe02541bc2e7cd54719655d751a18"]`
	var answers []string
	for i := 0; i < 3; i++ {
		res, err := b.Answer("state_getRuntimeVersion", json.RawMessage(params))
		if err != nil {
			answers = append(answers, "error:"+err.Error())
			continue
		}
		var v struct{ SpecVersion int }
		json.Unmarshal(res, &v)
		answers = append(answers, string(rune('0'+v.SpecVersion%10)))
	}
	if answers[0] == answers[1] {
		t.Fatalf("a cycle of two different answers gave the same one twice: %v", answers)
	}
	if answers[1] != answers[2] {
		t.Fatalf("after the last answer, the last should repeat: %v", answers)
	}
}

func TestSDKTestSelection(t *testing.T) {
	path := testdata.Path(t, testdata.RecordedRPC)
	if _, err := Load(path, "", filepath.Dir(path)); err == nil || !strings.Contains(err.Error(), "name one") {
		t.Fatalf("no test named: err = %v", err)
	}
	if _, err := Load(path, "nope", filepath.Dir(path)); err == nil || !strings.Contains(err.Error(), `no test "nope"`) {
		t.Fatalf("unknown test: err = %v", err)
	}
	if _, err := Load(path, "tempo", t.TempDir()); err == nil || !strings.Contains(err.Error(), "metadata") {
		t.Fatalf("missing metadata: err = %v", err)
	}
}

func TestRecorderRoundTrip(t *testing.T) {
	var r Recorder
	// Added out of order and concurrently in real runs: the file is sorted.
	r.Add("state_getStorage", []any{"0xbb", nil}, json.RawMessage(`"0x01"`), nil)
	r.Add("chain_getHead", nil, json.RawMessage(`"0xhead1"`), nil)
	r.Add("state_getStorage", []any{"0xaa", nil}, json.RawMessage(`null`), nil)
	r.Add("chain_getHead", []any{}, json.RawMessage(`"0xhead2"`), nil)
	r.Add("state_call", []any{"X_y", "0x"}, nil, &Error{Code: -32000, Message: "no such api"})
	r.Add("chain_subscribeNewHeads", []any{}, json.RawMessage(`"sub1"`), nil)
	r.Notify("chain_subscribeNewHeads", json.RawMessage(`"sub1"`), json.RawMessage(`{"number":"0x1"}`))
	r.Notify("chain_subscribeNewHeads", json.RawMessage(`"sub1"`), json.RawMessage(`{"number":"0x2"}`))

	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 8 {
		t.Fatalf("want header, 6 exchanges and footer on their own lines, got %d lines:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[1], `"chain_getHead"`) || !strings.Contains(lines[1], "0xhead1") || !strings.Contains(lines[2], "0xhead2") {
		t.Fatalf("exchanges not sorted by method keeping call order:\n%s", buf.String())
	}
	if !strings.Contains(lines[5], `"0xaa"`) || !strings.Contains(lines[6], `"0xbb"`) {
		t.Fatalf("exchanges not sorted by params:\n%s", buf.String())
	}
	var again bytes.Buffer
	r.WriteTo(&again)
	if again.String() != buf.String() {
		t.Fatal("writing the same recording twice gave different files")
	}

	f, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b := NewBook(f.Exchanges)
	for _, want := range []string{"0xhead1", "0xhead2", "0xhead2"} {
		if got := answerString(t, b, "chain_getHead", `[]`); got != want {
			t.Fatalf("head = %s, want %s", got, want)
		}
	}
	if got := answerString(t, b, "state_getStorage", `["0xbb",null]`); got != "0x01" {
		t.Fatalf("storage = %s", got)
	}
	_, err = b.Answer("state_call", json.RawMessage(`["X_y","0x"]`))
	var rpcErr *Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != -32000 {
		t.Fatalf("recorded error = %v", err)
	}
	notes, err := b.Notifications("chain_subscribeNewHeads", json.RawMessage(`[]`))
	if err != nil || len(notes) != 2 || string(notes[1]) != `{"number":"0x2"}` {
		t.Fatalf("notifications = %s, %v", notes, err)
	}
}

func TestParseRejectsDamagedFiles(t *testing.T) {
	var r Recorder
	r.Add("chain_getHead", nil, json.RawMessage(`"0x01"`), nil)
	r.Add("state_getStorage", []any{"0xaa"}, json.RawMessage(`"0x02"`), nil)
	var buf bytes.Buffer
	r.WriteTo(&buf)
	good := buf.String()

	tests := []struct {
		name, data, want string
	}{
		{"truncated", good[:len(good)/2], fmt.Sprintf("line %d: the file ends early", 1+strings.Count(good[:len(good)/2], "\n"))},
		{"empty", "", "line 1: the file ends early"},
		{"not json", "hello", "line 1"},
		{"bad syntax", strings.Replace(good, `"0x02"}`, `"0x02"`, 1), "line 4: invalid character"},
		{"wrong format", strings.Replace(good, Format, "other", 1), `format is "other"`},
		{"newer version", strings.Replace(good, `"version": 1`, `"version": 9`, 1), "version 9 is not supported"},
		{"no answer", strings.Replace(good, `,"result":"0x02"`, ``, 1), "exchange 2 (state_getStorage) has neither"},
		{"no method", strings.Replace(good, `"method":"chain_getHead",`, ``, 1), "exchange 1 has no method"},
		{"params not array", strings.Replace(good, `"params":["0xaa"]`, `"params":{"a":1}`, 1), "not an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "rec.json")
		os.WriteFile(p, []byte(good[:len(good)-10]), 0o644)
		if _, err := Load(p, "", ""); err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("err = %v, want it to name the file", err)
		}
		// With a test name (an SDK recording cut short reads as neither
		// kind) the damage is what is reported, with its line.
		if _, err := Load(p, "tempo", ""); err == nil || !strings.Contains(err.Error(), p+": recording: line ") || !strings.Contains(err.Error(), "ends early") {
			t.Fatalf("err = %v, want the file, the line and the truncation", err)
		}
	})
}

func TestSaveReplacesWhole(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rec.json")
	var r Recorder
	r.Add("system_chain", nil, json.RawMessage(`"Bittensor"`), nil)
	if err := r.Save(p); err != nil {
		t.Fatal(err)
	}
	b, err := Load(p, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := answerString(t, b, "system_chain", `[]`); got != "Bittensor" {
		t.Fatalf("system_chain = %s", got)
	}
}

func TestBooksAnswerFromTheFirstThatRecorded(t *testing.T) {
	var a, b Recorder
	a.Add("system_chain", nil, json.RawMessage(`"A"`), nil)
	b.Add("system_chain", nil, json.RawMessage(`"B"`), nil)
	b.Add("system_name", nil, json.RawMessage(`"node"`), nil)
	b.Add("system_health", nil, nil, &Error{Code: -32000, Message: "busy"})
	bs := Books{NewBook(a.File().Exchanges), NewBook(b.File().Exchanges)}
	tests := []struct {
		method, want string
		err          error
	}{
		{"system_chain", "A", nil},
		{"system_name", "node", nil},
		{"system_health", "", &Error{}},
		{"system_version", "", ErrNotRecorded},
	}
	for _, tt := range tests {
		got, err := bs.Answer(tt.method, json.RawMessage(`[]`))
		switch {
		case tt.err == ErrNotRecorded:
			if !errors.Is(err, ErrNotRecorded) || !strings.Contains(err.Error(), tt.method) {
				t.Errorf("%s: err = %v, want not recorded", tt.method, err)
			}
		case tt.err != nil:
			var rec *Error
			if !errors.As(err, &rec) || rec.Message != "busy" {
				t.Errorf("%s: err = %v, want the recorded error", tt.method, err)
			}
		case err != nil || string(got) != `"`+tt.want+`"`:
			t.Errorf("%s = %s, %v; want %q", tt.method, got, err, tt.want)
		}
	}
}

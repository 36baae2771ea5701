package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

const neuronsLiteParams = `["NeuronInfoRuntimeApi_get_neurons_lite", "0100", "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"]`

func runCmd(t *testing.T, stdinText string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	old := decodeStdin
	decodeStdin = strings.NewReader(stdinText)
	defer func() { decodeStdin = old }()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDecodeCommand(t *testing.T) {
	v14 := testdata.Path(t, testdata.MetadataV14)
	v15 := testdata.Path(t, testdata.MetadataV15)
	rec := testdata.Recorded(t)
	neurons := strings.Trim(string(rec.Result(t, "metagraph", "state_call", neuronsLiteParams)), `"`)

	// The same metadata as raw binary.
	raw := filepath.Join(t.TempDir(), "meta.bin")
	if err := os.WriteFile(raw, testdata.Hex(t, testdata.MetadataV14), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // exact stdout, or a prefix when it ends in "…"
		err   string // substring of stderr
	}{
		{"storage u16", "", []string{"--metadata", v15, "--storage", "SubtensorModule.Tempo", "0xe803"}, 0, "1000\n", ""},
		{"storage default", "", []string{"--metadata", v14, "--storage", "SubtensorModule.Tempo"}, 0, "360\n", ""},
		{"storage null", "", []string{"--metadata", v14, "--storage", "SubtensorModule.Uids", "null"}, 0, "null\n", ""},
		{"constant", "", []string{"--metadata", v15, "--constant", "System.SS58Prefix"}, 0, "42\n", ""},
		{"constant from binary metadata", "", []string{"--metadata", raw, "--constant", "System.SS58Prefix"}, 0, "42\n", ""},
		{"type id", "", []string{"--metadata", v15, "--type", "8", "ffffffffffffffffffffffffffffffff"}, 0, "340282366920938463463374607431768211455\n", ""},
		{"call from stdin", neurons + "\n", []string{"--metadata", v15, "--call", "NeuronInfoRuntimeApi.get_neurons_lite", "-"}, 0, `[{"hotkey":"5…`, ""},
		{"call by rpc name", neurons, []string{"--metadata", v15, "--call", "NeuronInfoRuntimeApi_get_neurons_lite", "-"}, 0, `[{"hotkey":"5…`, ""},
		{"call in V14", neurons, []string{"--metadata", v14, "--call", "NeuronInfoRuntimeApi.get_neurons_lite", "-"}, 1, "", "btscript decode: runtime API NeuronInfoRuntimeApi not found: metadata V14 has no runtime API descriptions"},
		{"strict", "", []string{"--metadata", v15, "--storage", "SubtensorModule.Tempo", "e80300"}, 1, "", "btscript decode: storage SubtensorModule.Tempo: decode u16, byte offset 2: 1 bytes left over"},
		{"bad hex", "", []string{"--metadata", v15, "--type", "2", "0xzz"}, 1, "", "input is not hex"},
		{"unknown item", "", []string{"--metadata", v15, "--storage", "SubtensorModule.Tempoo", "00"}, 1, "", "did you mean Tempo"},
		{"missing file", "", []string{"--metadata", "/nonexistent", "--type", "2", "00"}, 1, "", "btscript decode: open /nonexistent"},
		{"no metadata", "", []string{"--type", "2", "00"}, 2, "", "--metadata FILE is required"},
		{"two modes", "", []string{"--metadata", v15, "--type", "2", "--constant", "System.SS58Prefix"}, 2, "", "exactly one of"},
		{"no hex", "", []string{"--metadata", v15, "--type", "2"}, 2, "", "missing HEX"},
		{"bad flag", "", []string{"--bogus"}, 2, "", "flag provided but not defined"},
		{"bad constant name", "", []string{"--metadata", v15, "--constant", "SS58Prefix"}, 2, "", "PALLET.NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.stdin, append([]string{"decode"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			if p, ok := strings.CutSuffix(tt.out, "…"); ok {
				if !strings.HasPrefix(out, p) {
					t.Fatalf("stdout %.100q, want prefix %q", out, p)
				}
			} else if out != tt.out {
				t.Fatalf("stdout %.200q, want %q", out, tt.out)
			}
			if tt.err != "" && !strings.Contains(errOut, tt.err) {
				t.Fatalf("stderr %q, want %q", errOut, tt.err)
			}
			if tt.code == 1 && strings.Count(errOut, "\n") != 1 {
				t.Fatalf("stderr is not one line: %q", errOut)
			}
		})
	}
}

// TestDecodeCommandNeurons checks real values in the JSON of the recorded
// get_neurons_lite answer for netuid 1.
func TestDecodeCommandNeurons(t *testing.T) {
	v15 := testdata.Path(t, testdata.MetadataV15)
	neurons := strings.Trim(string(testdata.Recorded(t).Result(t, "metagraph", "state_call", neuronsLiteParams)), `"`)
	code, out, errOut := runCmd(t, neurons, "decode", "--metadata", v15, "--call", "NeuronInfoRuntimeApi.get_neurons_lite", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var list []map[string]any
	if err := dec.Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1024 {
		t.Fatalf("%d neurons", len(list))
	}
	for i, n := range list {
		if n["uid"] != json.Number(strconv.Itoa(i)) || n["netuid"] != json.Number("1") {
			t.Fatalf("neuron %d: uid %v netuid %v", i, n["uid"], n["netuid"])
		}
	}
	// 0x2257640000000000 at bytes 69..77 of the answer: block 6575906.
	axon := list[0]["axon_info"].(map[string]any)
	if axon["block"] != json.Number("6575906") {
		t.Fatalf("axon block %v", axon["block"])
	}
}

func TestMetadataCommand(t *testing.T) {
	v14 := testdata.Path(t, testdata.MetadataV14)
	v15 := testdata.Path(t, testdata.MetadataV15)
	code, out, errOut := runCmd(t, "", "metadata", "--metadata", v15)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"metadata V15, runtime node-subtensor spec 343, ss58 prefix 42\n",
		"26 pallets, ",
		"  SubtensorModule (index 7): ",
		"Tempo",
		"  NeuronInfoRuntimeApi: ",
		"get_neurons_lite",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	code, out, _ = runCmd(t, "", "metadata", "--metadata", v14, "--json")
	if code != 0 {
		t.Fatal("json summary failed")
	}
	var s struct {
		Version     int `json:"version"`
		Pallets     int `json:"pallets"`
		RuntimeAPIs int `json:"runtime_apis"`
		PalletList  []struct {
			Name    string   `json:"name"`
			Storage []string `json:"storage"`
		} `json:"pallet_list"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != 14 || s.Pallets != 26 || s.RuntimeAPIs != 0 || len(s.PalletList) != 26 || s.PalletList[0].Name != "System" {
		t.Fatalf("summary %+v", s)
	}
	if code, _, errOut := runCmd(t, "", "metadata"); code != 2 || !strings.Contains(errOut, "btscript metadata: --metadata FILE is required") {
		t.Fatalf("missing flag: %d %q", code, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.hex")
	os.WriteFile(bad, []byte("0x6d6574610d00"), 0o600)
	if code, _, errOut := runCmd(t, "", "metadata", "--metadata", bad); code != 1 || !strings.Contains(errOut, "metadata version 13 is not supported (need 14 or 15)") {
		t.Fatalf("version 13: %d %q", code, errOut)
	}
}

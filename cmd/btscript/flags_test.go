package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/internal/testdata"
)

// Flags written after FILE or CODE are btscript's flags, never silently
// script arguments; "--" ends them; an unknown flag after CODE or a
// recording FILE is an error naming it.
func TestFlagsAfterFile(t *testing.T) {
	src := testdata.Path(t, testdata.RecordedRPC)
	script := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(script, []byte("local n = bt.subnetwork_n(1)\nreturn n, table.concat({...}, ' ')\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	replay := []string{"--replay", src, "--replay-test", "subnetwork_n"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"flags after FILE", append([]string{"run", script}, replay...), exitOK, "1024\n\"\"\n", ""},
		{"flags between script args", append(append([]string{"run", script, "a"}, replay...), "b", "--json"), exitOK, "[1024,\"a b\"]\n", ""},
		{"flag=value after FILE", []string{"run", script, "--replay=" + src, "--replay-test=subnetwork_n", "--json=false", "x"}, exitOK, "1024\n\"x\"\n", ""},
		{"-- ends flags", append(append([]string{"run"}, replay...), script, "--", "--json", "-v"), exitOK, "1024\n\"--json -v\"\n", ""},
		{"unknown flags are the script's", append(append([]string{"run"}, replay...), script, "--out", "f", "-5"), exitOK, "1024\n\"--out f -5\"\n", ""},
		{"missing value", []string{"run", script, "--network"}, exitUsage, "", "flag needs an argument: --network"},
		{"bad value", []string{"run", script, "--timeout", "soon"}, exitUsage, "", "soon"},
		{"eval flags after CODE", append([]string{"eval", "bt.subnetwork_n(1)"}, replay...), exitOK, "1024\n", ""},
		{"eval unknown flag after CODE", []string{"eval", "1", "--netwrk", "devnet"}, exitUsage, "", "flag provided but not defined: --netwrk"},
		{"serve unknown flag after FILE", []string{"serve", src, "--tset", "x"}, exitUsage, "", "flag provided but not defined: --tset"},
		{"serve two files", []string{"serve", src, src}, exitUsage, "", "give exactly one recording FILE"},
		{"help after FILE", []string{"run", script, "-h"}, exitOK, "", "Usage: btscript run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bts(t, tt.args...)
			if r.code != tt.code || r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("%q: got %+v; want exit %d, stdout %q, stderr with %q", tt.args, r, tt.code, tt.stdout, tt.stderr)
			}
			if tt.code == exitUsage {
				checkOneLine(t, r.stderr)
			}
		})
	}
}

// serve takes its flags after FILE, as its synopsis shows.
func TestServeFlagsAfterFile(t *testing.T) {
	src := testdata.Path(t, testdata.RecordedRPC)
	url, stop := startServe(t, src, "", "--test", "subnetwork_n", "--addr", "127.0.0.1:0")
	defer stop()
	if r := bts(t, "eval", "bt.subnetwork_n(1)", "--network", url, "--archive", "off"); r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("%+v", r)
	}
}

// An SDK recording is served with the metadata files named by flags, and
// by default with those beside it.
func TestSDKRecordingMetadataFlags(t *testing.T) {
	src := testdata.Path(t, testdata.RecordedRPC)
	meta := testdata.Path(t, "")
	v14, v15 := filepath.Join(meta, record.SDKMetadataV14), filepath.Join(meta, record.SDKMetadataV15)
	// The recording alone in a folder, without its metadata files.
	alone := filepath.Join(t.TempDir(), "recorded-rpc.json")
	if err := os.Symlink(src, alone); err != nil {
		t.Fatal(err)
	}
	code := "bt.subnetwork_n(1)"
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"beside the recording", []string{"--replay", src}, exitOK, "1024\n", ""},
		{"missing beside", []string{"--replay", alone}, exitScript, "", record.SDKMetadataV14},
		{"--metadata DIR", []string{"--replay", alone, "--metadata", meta}, exitOK, "1024\n", ""},
		{"--metadata-v14/v15", []string{"--replay", alone, "--metadata-v14", v14, "--metadata-v15", v15}, exitOK, "1024\n", ""},
		{"one file only", []string{"--replay", alone, "--metadata-v14", v14}, exitUsage, "", "--metadata-v14 and --metadata-v15 go together"},
		{"both styles", []string{"--replay", alone, "--metadata", meta, "--metadata-v14", v14, "--metadata-v15", v15}, exitUsage, "", "not both"},
		{"missing file", []string{"--replay", alone, "--metadata-v14", v14, "--metadata-v15", v14 + ".nope"}, exitUsage, "", "--metadata-v15: "},
		{"not hex", []string{"--replay", alone, "--metadata-v14", src, "--metadata-v15", v15}, exitScript, "", "not 0x-prefixed hex"},
		{"without --replay", []string{"--network", "ws://127.0.0.1:1", "--metadata", meta}, exitUsage, "", "need --replay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"eval", code, "--replay-test", "subnetwork_n"}, tt.args...)
			if tt.name == "without --replay" {
				args = append([]string{"eval", code}, tt.args...)
			}
			r := bts(t, args...)
			if r.code != tt.code || r.stdout != tt.stdout || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("got %+v; want exit %d, stdout %q, stderr with %q", r, tt.code, tt.stdout, tt.stderr)
			}
			if r.code != exitOK {
				checkOneLine(t, r.stderr)
			}
		})
	}
	url, stop := startServe(t, alone, "subnetwork_n", "--metadata", meta)
	defer stop()
	if r := bts(t, "eval", code, "--network", url); r.code != exitOK || r.stdout != "1024\n" {
		t.Fatalf("serve with --metadata: %+v", r)
	}
}

package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// The metadata files an SDK recording is served with: the SDK's tests
// answer every metadata request with them, whatever block is asked for.
const (
	SDKMetadataV14 = "finney-spec343-metadata-v14.hex"
	SDKMetadataV15 = "finney-spec343-metadata-at-version-15.hex"
)

// metadataVersions is the SCALE Vec<u32> [14, 15] that
// Metadata_metadata_versions returns for a runtime offering both.
const metadataVersions = "0x080e0000000f000000"

// isSDK tells the bittensor SDK's recording shape (test → method → params
// → response) from ours, which has a "format" field.
func isSDK(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	_, ours := top["format"]
	return !ours && len(top) > 0
}

// LoadSDK reads the bittensor SDK's test recordings (recorded-rpc.json):
// {test: {method: {params_json: response}}} where a response is
// {"result": …}, {"error": …} or {"cycle": [response, …]} answered in turn.
// test picks the recorded test to serve; it may be empty when the file
// holds one. metadataDir holds SDKMetadataV14 and SDKMetadataV15, served
// for state_getMetadata and Metadata_metadata_at_version.
func LoadSDK(data []byte, test, metadataDir string) (*Book, error) {
	var meta SDKMetadata
	if metadataDir != "" {
		meta = MetadataIn(metadataDir)
	}
	return loadSDK(data, test, meta)
}

// SDKMetadata names the metadata files an SDK recording is served with: a
// V14 blob for state_getMetadata and a V15 one for
// Metadata_metadata_at_version(15), each a 0x-hex file. Empty fields serve
// no metadata.
type SDKMetadata struct {
	V14, V15 string
}

// MetadataIn names the spec-343 files the SDK ships beside its recording
// (SDKMetadataV14, SDKMetadataV15) in dir.
func MetadataIn(dir string) SDKMetadata {
	return SDKMetadata{V14: filepath.Join(dir, SDKMetadataV14), V15: filepath.Join(dir, SDKMetadataV15)}
}

func loadSDK(data []byte, test string, meta SDKMetadata) (*Book, error) {
	exchanges, err := sdkExchanges(data, test, meta)
	if err != nil {
		return nil, err
	}
	return NewBook(exchanges), nil
}

// sdkExchanges reads the exchanges of one test of an SDK recording, with
// the metadata exchanges, in a stable order.
func sdkExchanges(data []byte, test string, meta SDKMetadata) ([]Exchange, error) {
	var all map[string]map[string]map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("SDK recording: %w", describeJSONError(data, err))
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	if test == "" {
		if len(all) != 1 {
			return nil, fmt.Errorf("SDK recording holds %d tests: name one (%s)", len(all), strings.Join(first(names, 12), ", "))
		}
		test = names[0]
	}
	methods, ok := all[test]
	if !ok {
		return nil, fmt.Errorf("SDK recording has no test %q (it has %s)", test, strings.Join(first(names, 12), ", "))
	}
	var exchanges []Exchange
	for method, byParams := range methods {
		for params, raw := range byParams {
			responses, err := sdkResponses(raw)
			if err != nil {
				return nil, fmt.Errorf("SDK recording %s %s %s: %w", test, method, shorten(params), err)
			}
			if !json.Valid([]byte(params)) || !strings.HasPrefix(strings.TrimSpace(params), "[") {
				return nil, fmt.Errorf("SDK recording %s %s: params %s are not a JSON array", test, method, shorten(params))
			}
			for _, r := range responses {
				r.Method, r.Params = method, json.RawMessage(params)
				exchanges = append(exchanges, r)
			}
		}
	}
	if meta != (SDKMetadata{}) {
		exs, err := sdkMetadata(meta)
		if err != nil {
			return nil, err
		}
		exchanges = append(exchanges, exs...)
	}
	// Map order is random: sort so that answers given in turn keep their
	// recorded order within one request and the book is the same every run.
	sort.SliceStable(exchanges, func(i, j int) bool {
		if exchanges[i].Method != exchanges[j].Method {
			return exchanges[i].Method < exchanges[j].Method
		}
		return string(exchanges[i].Params) < string(exchanges[j].Params)
	})
	return exchanges, nil
}

func sdkResponses(raw json.RawMessage) ([]Exchange, error) {
	var r map[string]json.RawMessage
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("response is not an object: %w", err)
	}
	if c, ok := r["cycle"]; ok {
		var cycle []json.RawMessage
		if err := json.Unmarshal(c, &cycle); err != nil || len(cycle) == 0 {
			return nil, fmt.Errorf("cycle is not a non-empty list")
		}
		var out []Exchange
		for _, one := range cycle {
			ex, err := sdkResponses(one)
			if err != nil {
				return nil, err
			}
			out = append(out, ex...)
		}
		return out, nil
	}
	if res, ok := r["result"]; ok {
		return []Exchange{{Result: res}}, nil
	}
	if e, ok := r["error"]; ok {
		var rpcErr Error
		if err := json.Unmarshal(e, &rpcErr); err != nil {
			rpcErr = Error{Code: -32000, Message: string(e)}
		}
		return []Exchange{{Error: &rpcErr}}, nil
	}
	return nil, fmt.Errorf("response has neither result, error nor cycle")
}

func sdkMetadata(meta SDKMetadata) ([]Exchange, error) {
	read := func(name string) (json.RawMessage, error) {
		if name == "" {
			return nil, fmt.Errorf("SDK recording metadata: a V14 and a V15 file are both needed")
		}
		b, err := readLimited(name)
		if err != nil {
			return nil, fmt.Errorf("SDK recording metadata: %w", err)
		}
		s := string(bytes.TrimSpace(b))
		if !strings.HasPrefix(s, "0x") {
			return nil, fmt.Errorf("SDK recording metadata %s: not 0x-prefixed hex", name)
		}
		return json.Marshal(s)
	}
	v14, err := read(meta.V14)
	if err != nil {
		return nil, err
	}
	v15, err := read(meta.V15)
	if err != nil {
		return nil, err
	}
	versions, _ := json.Marshal(metadataVersions)
	return []Exchange{
		{Method: "state_getMetadata", Params: json.RawMessage("[]"), Result: v14},
		{Method: "state_call", Params: json.RawMessage(`["Metadata_metadata_at_version","0x0f000000"]`), Result: v15},
		{Method: "state_call", Params: json.RawMessage(`["Metadata_metadata_versions","0x"]`), Result: versions},
	}, nil
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

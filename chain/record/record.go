package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
)

// Format and Version identify a recording file. A file of another format
// or a newer version is refused rather than half understood.
const (
	Format  = "btscript-recording"
	Version = 1
)

// maxFileSize bounds what Load reads: a recording holds metadata (a few
// MiB per runtime) and answers; anything past this is not a recording.
const maxFileSize = 1 << 30

// ErrNotRecorded is wrapped by the error for a request that a recording
// cannot answer.
var ErrNotRecorded = errors.New("not in the recording")

// Error is a JSON-RPC error answer, as recorded.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("recorded error %d: %s", e.Code, e.Message)
}

// Exchange is one request and its answer. Exactly one of Result and Error
// is set; Notifications holds what a subscription delivered, in order.
type Exchange struct {
	Method        string            `json:"method"`
	Params        json.RawMessage   `json:"params"`
	Result        json.RawMessage   `json:"result,omitempty"`
	Error         *Error            `json:"error,omitempty"`
	Notifications []json.RawMessage `json:"notifications,omitempty"`
}

// File is a recording as stored.
type File struct {
	Format    string     `json:"format"`
	Version   int        `json:"version"`
	Exchanges []Exchange `json:"exchanges"`
}

// Recorder collects exchanges from concurrent callers. The zero value
// holds them in memory (see Save); Create also writes them to a file as
// they come.
type Recorder struct {
	mu        sync.Mutex
	exchanges []Exchange
	path      string
	journal   *os.File // nil unless made by Create and not finished
	jerr      error    // the journal's first write failure
}

// Add records one exchange. params is anything that marshals to the JSON
// params array; rpcErr is the node's error answer, if any.
func (r *Recorder) Add(method string, params any, result json.RawMessage, rpcErr *Error) error {
	p, err := marshalParams(params)
	if err != nil {
		return fmt.Errorf("record %s: %w", method, err)
	}
	ex := Exchange{Method: method, Params: p, Error: rpcErr}
	if rpcErr == nil {
		ex.Result = append(json.RawMessage(nil), result...)
		if len(ex.Result) == 0 {
			ex.Result = json.RawMessage("null")
		}
	}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.journalLine(ex)
	r.mu.Unlock()
	return nil
}

// Notify appends a notification to the latest recorded exchange of method
// whose result (the subscription id) is id.
func (r *Recorder) Notify(method string, id json.RawMessage, notification json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.exchanges) - 1; i >= 0; i-- {
		ex := &r.exchanges[i]
		if ex.Method == method && bytes.Equal(ex.Result, id) {
			n := append(json.RawMessage(nil), notification...)
			ex.Notifications = append(ex.Notifications, n)
			r.journalLine(journalNote{Notify: method, ID: id, Value: n})
			return
		}
	}
}

// File returns what was recorded, sorted as it is stored.
func (r *Recorder) File() File {
	r.mu.Lock()
	ex := append([]Exchange(nil), r.exchanges...)
	r.mu.Unlock()
	keys := make([]string, len(ex))
	for i := range ex {
		keys[i] = canonical(ex[i].Params)
	}
	idx := make([]int, len(ex))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ea, eb := ex[idx[a]], ex[idx[b]]
		if ea.Method != eb.Method {
			return ea.Method < eb.Method
		}
		return keys[idx[a]] < keys[idx[b]]
	})
	out := make([]Exchange, len(ex))
	for i, j := range idx {
		out[i] = ex[j]
	}
	return File{Format: Format, Version: Version, Exchanges: out}
}

// WriteTo writes the recording in the stored format, one exchange a line.
func (r *Recorder) WriteTo(w io.Writer) (int64, error) {
	f := r.File()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\"format\": %q, \"version\": %d, \"exchanges\": [\n", f.Format, f.Version)
	for i, ex := range f.Exchanges {
		line, err := json.Marshal(ex)
		if err != nil {
			return 0, fmt.Errorf("write recording: %w", err)
		}
		buf.Write(line)
		if i < len(f.Exchanges)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

// Save writes the recording to path, replacing it whole: it is written to
// a temporary file beside path, synced, and renamed over it, keeping its
// mode, so a crash while saving leaves the old file, never half a new one.
// path must pass CheckPath.
func (r *Recorder) Save(path string) error {
	if err := CheckPath(path); err != nil {
		return fmt.Errorf("save recording: %w", err)
	}
	if err := r.writeFile(path); err != nil {
		return fmt.Errorf("save recording %s: %w", path, err)
	}
	return nil
}

// Parse reads a recording in the btscript format.
func Parse(data []byte) (File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("recording: %w", describeJSONError(data, err))
	}
	if f.Format != Format {
		return File{}, fmt.Errorf("recording: format is %q, want %q", f.Format, Format)
	}
	if f.Version < 1 || f.Version > Version {
		return File{}, fmt.Errorf("recording: version %d is not supported (this btscript reads version %d)", f.Version, Version)
	}
	for i, ex := range f.Exchanges {
		if ex.Method == "" {
			return File{}, fmt.Errorf("recording: exchange %d has no method", i+1)
		}
		if ex.Result == nil && ex.Error == nil {
			return File{}, fmt.Errorf("recording: exchange %d (%s) has neither a result nor an error", i+1, ex.Method)
		}
		if len(ex.Params) > 0 && ex.Params[0] != '[' && string(ex.Params) != "null" {
			return File{}, fmt.Errorf("recording: exchange %d (%s): params are not an array", i+1, ex.Method)
		}
	}
	return f, nil
}

// Load reads a recording file: the btscript format, or the bittensor SDK's
// test recordings (see LoadSDK), told apart by their content. For an SDK
// file, test names the recorded test to serve and metadataDir the folder
// holding the metadata files it serves.
func Load(path, test, metadataDir string) (*Book, error) {
	var meta SDKMetadata
	if metadataDir != "" {
		meta = MetadataIn(metadataDir)
	}
	return LoadWith(path, test, meta)
}

// LoadWith is Load with the metadata files of an SDK recording named one
// by one.
func LoadWith(path, test string, meta SDKMetadata) (*Book, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	f, ours, err := loadStream(path, fh)
	fh.Close()
	if err != nil {
		return nil, err
	}
	if ours {
		if test != "" {
			return nil, fmt.Errorf("recording %s: a test name only applies to SDK recordings", path)
		}
		return NewBook(f.Exchanges), nil
	}
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	if !isSDK(data) {
		// Our format with its keys in another order, or neither format:
		// Parse says which.
		f, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if test != "" {
			return nil, fmt.Errorf("recording %s: a test name only applies to SDK recordings", path)
		}
		return NewBook(f.Exchanges), nil
	}
	return loadSDK(data, test, meta)
}

func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("recording %s: larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

func marshalParams(params any) (json.RawMessage, error) {
	switch p := params.(type) {
	case nil:
		return json.RawMessage("[]"), nil
	case json.RawMessage:
		if len(p) == 0 {
			return json.RawMessage("[]"), nil
		}
		return append(json.RawMessage(nil), p...), nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return json.RawMessage("[]"), nil
	}
	return b, nil
}

// canonical returns params re-marshalled from their parsed form, so that
// spacing and key order do not matter. Numbers keep their text.
func canonical(params json.RawMessage) string {
	if len(params) == 0 || string(params) == "null" {
		return "[]"
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(params)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(params)
	}
	return string(b)
}

// describeJSONError turns a decoder error into one that names the line.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		last := 1 + strings.Count(string(data), "\n")
		if strings.HasSuffix(string(data), "\n") {
			last--
		}
		return fmt.Errorf("line %d: the file ends early, inside a value (truncated?): %w", max(last, 1), err)
	default:
		return err
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + strings.Count(string(data[:off]), "\n")
	return fmt.Errorf("line %d: %w", line, err)
}

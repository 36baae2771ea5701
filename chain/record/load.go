package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// sniffSize is how much of a file Load reads to tell the formats apart.
const sniffSize = 4096

// loadStream reads a btscript recording or journal from f without holding
// the file in memory: exchanges are decoded one at a time and keep their
// answers as raw bytes, so a loaded recording holds about its file's size.
// ok is false when the file is neither (an SDK recording).
func loadStream(path string, f *os.File) (File, bool, error) {
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(sniffSize)
	if isJournal(head) {
		file, err := parseJournalFrom(path, io.LimitReader(br, maxFileSize+1))
		return file, true, err
	}
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return File{}, false, nil
	}
	if key, err := dec.Token(); err != nil || key != "format" {
		return File{}, false, nil
	}
	lr := &countingReader{r: io.LimitReader(br, maxFileSize+1)}
	file, err := decodeStream(json.NewDecoder(lr))
	if err == nil && lr.n > maxFileSize {
		err = fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	if err != nil {
		return File{}, true, fmt.Errorf("%s: recording: %w", path, describeStreamError(path, err))
	}
	return file, true, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodeStream decodes {"format", "version", "exchanges": [...]}, one
// exchange at a time, and checks it as Parse does.
func decodeStream(dec *json.Decoder) (File, error) {
	var f File
	if _, err := dec.Token(); err != nil {
		return f, err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return f, err
		}
		switch t {
		case "format":
			err = dec.Decode(&f.Format)
			if err == nil && f.Format != Format {
				return f, fmt.Errorf("format is %q, want %q", f.Format, Format)
			}
		case "version":
			err = dec.Decode(&f.Version)
			if err == nil && (f.Version < 1 || f.Version > Version) {
				return f, fmt.Errorf("version %d is not supported (this btscript reads version %d)", f.Version, Version)
			}
		case "exchanges":
			if t, err = dec.Token(); err == nil && t != json.Delim('[') {
				return f, errors.New("exchanges is not a list")
			}
			for err == nil && dec.More() {
				var ex Exchange
				if err = dec.Decode(&ex); err == nil {
					err = checkExchange(len(f.Exchanges), ex)
					f.Exchanges = append(f.Exchanges, ex)
				}
			}
			if err == nil {
				_, err = dec.Token()
			}
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return f, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return f, err
	}
	if f.Format != Format {
		return f, fmt.Errorf("format is %q, want %q", f.Format, Format)
	}
	if f.Version < 1 || f.Version > Version {
		return f, fmt.Errorf("version %d is not supported (this btscript reads version %d)", f.Version, Version)
	}
	return f, nil
}

// checkExchange checks exchange i as Parse does.
func checkExchange(i int, ex Exchange) error {
	switch {
	case ex.Method == "":
		return fmt.Errorf("exchange %d has no method", i+1)
	case ex.Result == nil && ex.Error == nil:
		return fmt.Errorf("exchange %d (%s) has neither a result nor an error", i+1, ex.Method)
	case len(ex.Params) > 0 && ex.Params[0] != '[' && string(ex.Params) != "null":
		return fmt.Errorf("exchange %d (%s): params are not an array", i+1, ex.Method)
	}
	return nil
}

// describeStreamError names the line of a decoding error, reading the file
// again up to the error's offset.
func describeStreamError(path string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1) // the whole file: the error is at its end
	truncated := errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case !truncated:
		return err
	}
	f, oerr := os.Open(path)
	if oerr != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if off >= 0 {
		r = io.LimitReader(f, off)
	}
	line, last := 1, byte(0)
	br := bufio.NewReader(r)
	for {
		b, rerr := br.ReadByte()
		if rerr != nil {
			break
		}
		if b == '\n' {
			line++
		}
		last = b
	}
	if truncated {
		if last == '\n' && line > 1 {
			line-- // the value it ends inside began on the line before
		}
		return fmt.Errorf("line %d: the file ends early, inside a value (truncated?): %w", line, err)
	}
	return fmt.Errorf("line %d: %w", line, err)
}

// parseJournalFrom reads a journal line by line (see parseJournal).
func parseJournalFrom(path string, r io.Reader) (File, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var lines journalLines
	var total int64
	for {
		line, err := br.ReadBytes('\n')
		total += int64(len(line))
		if total > maxFileSize {
			return File{}, fmt.Errorf("%s: recording larger than %d bytes", path, maxFileSize)
		}
		if err == io.EOF {
			// A last line without its newline is the write a kill
			// interrupted: left out.
			break
		}
		if err != nil {
			return File{}, fmt.Errorf("%s: %w", path, err)
		}
		if err := lines.add(path, line); err != nil {
			return File{}, err
		}
	}
	if lines.n == 0 {
		return File{}, fmt.Errorf("%s: journal has no complete first line", path)
	}
	return lines.f, nil
}

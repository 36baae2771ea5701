package record

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// JournalFormat is the first line of a recording being written: the
// exchanges follow one a line in the order they happened. A finished run
// replaces it with the sorted form; a run killed before it could (SIGKILL,
// power loss) leaves it, and it replays like the sorted form.
const JournalFormat = "btscript-recording-journal"

// ErrPathRefused is wrapped by the error for a recording path that is not
// absent or a writable regular file in a writable folder.
var ErrPathRefused = errors.New("refused as a recording path")

// CheckPath reports why path cannot take a recording: its folder must be
// an existing, writable directory and path must be absent or a regular
// file that may be written. A symbolic link, FIFO, device, socket or
// directory is refused, never followed or replaced. A file with no write
// permission bit is refused even where the user could override it
// (root), since the mode says it is not to be changed.
func CheckPath(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: folder %s does not exist: %w", path, dir, ErrPathRefused)
	case err != nil:
		return fmt.Errorf("%s: folder %s: %w", path, dir, errors.Join(ErrPathRefused, unwrapPath(err)))
	case !st.IsDir():
		return fmt.Errorf("%s: %s is not a folder: %w", path, dir, ErrPathRefused)
	case syscall.Access(dir, 2|1) != nil || st.Mode().Perm()&0o222 == 0:
		return fmt.Errorf("%s: folder %s is not writable: %w", path, dir, ErrPathRefused)
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, errors.Join(ErrPathRefused, unwrapPath(err)))
	}
	if kind := fileKind(fi.Mode()); kind != "" {
		return fmt.Errorf("%s is %s, not a regular file: %w", path, kind, ErrPathRefused)
	}
	if syscall.Access(path, 2) != nil || fi.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("%s is read-only: %w", path, ErrPathRefused)
	}
	return nil
}

// fileKind names a mode that is not a regular file; "" for a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// tempFile creates a new file beside path with a name no other writer
// uses (O_EXCL), hidden, ending in .tmp. perm is the mode of the file it
// will replace, or 0 for the default (0666 less the umask).
func tempFile(path string, perm fs.FileMode) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 8 {
		var r [8]byte
		_, _ = rand.Read(r[:])
		name := filepath.Join(dir, "."+base+"."+hex.EncodeToString(r[:])+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if perm != 0 {
			if err := f.Chmod(perm); err != nil {
				f.Close()
				os.Remove(name)
				return nil, err
			}
		}
		return f, nil
	}
	return nil, fmt.Errorf("no free temporary name beside %s", path)
}

// replace renames tmp over path, but only while path is absent or a
// regular file, then makes the rename durable.
func replace(tmp, path string) error {
	if fi, err := os.Lstat(path); err == nil {
		if kind := fileKind(fi.Mode()); kind != "" {
			return fmt.Errorf("%s became %s during the run: %w", path, kind, ErrPathRefused)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a rename in dir durable; it is best effort, as some file
// systems cannot sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// modeOf returns the permission bits of the regular file at path, or 0.
func modeOf(path string) fs.FileMode {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		return fi.Mode().Perm()
	}
	return 0
}

// writeFile writes the recording through a fresh temporary file beside
// path: written, synced, then renamed over path, keeping its mode. The
// temporary file is removed on failure.
func (r *Recorder) writeFile(path string) error {
	f, err := tempFile(path, modeOf(path))
	if err != nil {
		return err
	}
	tmp := f.Name()
	w := bufio.NewWriterSize(f, 1<<20)
	_, err = r.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = replace(tmp, path)
		if errors.Is(err, ErrPathRefused) {
			// Never lose the run's work: the written recording stays.
			return fmt.Errorf("%w; the recording is kept in %s", err, tmp)
		}
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Create starts a recording at path: the path is checked (see CheckPath),
// then a journal is put in its place, through a temporary file renamed
// over it, and every exchange is appended to the journal as it is added,
// so that a process killed at any point leaves a recording of what it had
// done. Finish replaces the journal with the sorted form. Two processes
// recording to one path never mix their writes: each renames whole files,
// and the last rename wins.
func Create(path string) (*Recorder, error) {
	if err := CheckPath(path); err != nil {
		return nil, err
	}
	f, err := tempFile(path, modeOf(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fail := func(err error) (*Recorder, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := fmt.Fprintf(f, "{\"format\": %q, \"version\": %d}\n", JournalFormat, Version); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := replace(f.Name(), path); err != nil {
		return fail(err)
	}
	return &Recorder{path: path, journal: f}, nil
}

// Path returns the file a recorder made by Create writes.
func (r *Recorder) Path() string { return r.path }

// journalLine appends one line to the journal; the first failure is kept
// and reported by Finish.
func (r *Recorder) journalLine(v any) {
	if r.journal == nil || r.jerr != nil {
		return
	}
	line, err := json.Marshal(v)
	if err == nil {
		line = append(line, '\n')
		_, err = r.journal.Write(line)
	}
	if err != nil {
		r.jerr = fmt.Errorf("write journal: %w", err)
	}
}

// journalNote is a notification line of a journal.
type journalNote struct {
	Notify string          `json:"notify"` // the subscribe method
	ID     json.RawMessage `json:"id"`     // the recorded subscription id
	Value  json.RawMessage `json:"value"`
}

// Finish writes the sorted recording over the journal of a recorder made
// by Create. If that fails, the journal stays in place (it replays too)
// and the error says so.
func (r *Recorder) Finish() error {
	r.mu.Lock()
	j, jerr := r.journal, r.jerr
	r.journal = nil
	r.mu.Unlock()
	if j == nil {
		return nil
	}
	defer j.Close()
	if err := r.writeFile(r.path); err != nil {
		if jerr != nil {
			return fmt.Errorf("save recording %s: %w (and %v)", r.path, err, jerr)
		}
		return fmt.Errorf("save recording %s: %w (the unsorted journal of the run is left in its place)", r.path, err)
	}
	return nil
}

// journalLines builds a File from a journal's lines, in order.
type journalLines struct {
	f    File
	n    int            // lines seen
	byID map[string]int // subscribe exchange by method and recorded id
}

// add reads one complete line of a journal.
func (j *journalLines) add(path string, line []byte) error {
	j.n++
	n := j.n
	line = bytes.TrimSpace(line)
	if n == 1 {
		var head struct {
			Format  string `json:"format"`
			Version int    `json:"version"`
		}
		if json.Unmarshal(line, &head) != nil || head.Format != JournalFormat {
			return fmt.Errorf("%s: journal line 1 is not a journal's first line", path)
		}
		if head.Version < 1 || head.Version > Version {
			return fmt.Errorf("%s: journal version %d is not supported (this btscript reads version %d)", path, head.Version, Version)
		}
		j.f = File{Format: Format, Version: Version}
		j.byID = map[string]int{}
		return nil
	}
	if len(line) == 0 {
		return nil
	}
	if bytes.HasPrefix(line, []byte(`{"notify"`)) {
		var jn journalNote
		if err := json.Unmarshal(line, &jn); err != nil {
			return fmt.Errorf("%s: journal line %d: %w", path, n, err)
		}
		k, ok := j.byID[jn.Notify+" "+string(jn.ID)]
		if !ok {
			return fmt.Errorf("%s: journal line %d: notification of an unknown subscription %s", path, n, jn.ID)
		}
		j.f.Exchanges[k].Notifications = append(j.f.Exchanges[k].Notifications, jn.Value)
		return nil
	}
	var ex Exchange
	if err := json.Unmarshal(line, &ex); err != nil {
		return fmt.Errorf("%s: journal line %d: %w", path, n, err)
	}
	if ex.Method == "" || ex.Result == nil && ex.Error == nil {
		return fmt.Errorf("%s: journal line %d: not an exchange", path, n)
	}
	if ex.Error == nil {
		j.byID[ex.Method+" "+string(ex.Result)] = len(j.f.Exchanges)
	}
	j.f.Exchanges = append(j.f.Exchanges, ex)
	return nil
}

// isJournal reports whether data starts with a journal's first line.
func isJournal(data []byte) bool {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	var head struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(first, &head) == nil && head.Format == JournalFormat
}

var _ io.WriterTo = (*Recorder)(nil)

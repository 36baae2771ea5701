package record

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"testing"

	"github.com/btscript/btscript/internal/testdata"
)

// realRecording writes a btscript recording of at least size bytes made of
// the SDK's recorded finney exchanges (every test, with the metadata),
// repeated: a request recorded several times is answered in turn, so the
// copies are a valid recording and no chain byte is made up.
func realRecording(t testing.TB, path string, size int64) int64 {
	t.Helper()
	data, err := os.ReadFile(testdata.Path(t, testdata.RecordedRPC))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var base []Exchange
	for i, n := range names {
		meta := SDKMetadata{}
		if i == 0 {
			meta = MetadataIn(testdata.Path(t, ""))
		}
		exs, err := sdkExchanges(data, n, meta)
		if err != nil {
			t.Fatal(err)
		}
		base = append(base, exs...)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "{\"format\": %q, \"version\": %d, \"exchanges\": [\n", Format, Version)
	var written int64
	first := true
	for written < size {
		for _, ex := range base {
			line, err := json.Marshal(ex)
			if err != nil {
				t.Fatal(err)
			}
			if !first {
				w.WriteString(",\n")
			}
			first = false
			w.Write(line)
			written += int64(len(line)) + 2
		}
	}
	w.WriteString("\n]}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	return st.Size()
}

// loadChildEnv makes TestReplayMemory, run as a child process, load the
// recording it names and exit, so that the parent can read its peak RSS.
const loadChildEnv = "BTSCRIPT_TEST_LOAD_RECORDING"

// A loaded recording holds about its file's size, and loading it peaks
// at about twice the file's size (the peak RSS of a process that loads it,
// with the collector tuned as the btscript command tunes it).
func TestReplayMemory(t *testing.T) {
	if p := os.Getenv(loadChildEnv); p != "" {
		book, err := Load(p, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := book.Answer("state_getMetadata", json.RawMessage("[]")); err != nil {
			t.Fatal(err)
		}
		return
	}
	size := int64(20 << 20)
	if s := os.Getenv("BTSCRIPT_REPLAY_MB"); s != "" {
		mb, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		size = int64(mb) << 20
	}
	path := filepath.Join(t.TempDir(), "big.json")
	if p := os.Getenv("BTSCRIPT_REPLAY_FILE"); p != "" {
		path = p // kept, to measure a replay of it by hand
	}
	fileSize := realRecording(t, path, size)

	cmd := exec.Command(os.Args[0], "-test.run=^TestReplayMemory$", "-test.count=1")
	cmd.Env = append(os.Environ(), loadChildEnv+"="+path, "GOGC=200")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	// The bare test process, for the baseline.
	base := exec.Command(os.Args[0], "-test.run=^$")
	if out, err := base.CombinedOutput(); err != nil {
		t.Fatalf("baseline: %v\n%s", err, out)
	}
	baseline := base.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	t.Logf("file %.1f MiB: loading peaks at %.1f MiB RSS (%.1f MiB for the bare process): %.2f× the file",
		float64(fileSize)/(1<<20), float64(peak)/(1<<20), float64(baseline)/(1<<20), float64(peak-baseline)/float64(fileSize))
	if !raceEnabled && peak-baseline > 2*fileSize+fileSize/4 {
		t.Errorf("loading peaked at %d bytes over the baseline, over about 2× the file (%d bytes)", peak-baseline, fileSize)
	}

	before := liveHeap()
	book, err := Load(path, "", "")
	if err != nil {
		t.Fatal(err)
	}
	held := liveHeap() - before
	t.Logf("the loaded book holds %.1f MiB (%.2f× the file), %d exchanges", float64(held)/(1<<20), float64(held)/float64(fileSize), book.Len())
	if held > uint64(fileSize)*5/4 {
		t.Errorf("the book holds %d bytes, over the file's %d", held, fileSize)
	}
	runtime.KeepAlive(book)
}

// liveHeap returns the bytes in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

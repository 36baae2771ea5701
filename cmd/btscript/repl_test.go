package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/internal/testdata"
)

func TestIncomplete(t *testing.T) {
	tests := []struct {
		chunk string
		want  bool
	}{
		{"1 + 1", false},
		{"x = 1", false},
		{"function f()", true},
		{"function f()\n return 1\nend", false},
		{"if x then", true},
		{"for i = 1, 3 do", true},
		{"t = {", true},
		{"t = {1,\n2}", false},
		{"f(", true},
		{"s = [[long", true},
		{"s = 'unterminated", false}, // a short string cannot continue
		{"x = = 1", false},           // an error, not a continuation
		{"x )", false},
		{"return", false},
		{"1 +", true}, // an operator waiting for its operand
		{"1 +\n2", false},
		{"bt.tempo(1) *", true},
		{"{1,", true},
		{"x = 1 +", true},
		{"1 + + 2", false},
		{"local a = 1 a", false}, // an expression is not a statement
	}
	for _, tt := range tests {
		if got := incomplete(tt.chunk); got != tt.want {
			t.Errorf("incomplete(%q) = %v, want %v", tt.chunk, got, tt.want)
		}
	}
}

func TestHistoryEntry(t *testing.T) {
	tests := []struct{ chunk, want string }{
		{"bt.tempo(1)", "bt.tempo(1)"},
		{"function f(x)\n  return x * 2\nend", "function f(x) return x * 2 end"},
		{"1 +\n2", "1 + 2"},
		{"local t = {\n 1,\n 2 }", "local t = { 1, 2 }"},
		// Where a line break matters the chunk is kept as typed.
		{"x = 1 -- one\ny = 2", "x = 1 -- one\ny = 2"},
		{"s = [[a\nb]]", "s = [[a\nb]]"},
	}
	for _, tt := range tests {
		if got := historyEntry(tt.chunk); got != tt.want {
			t.Errorf("historyEntry(%q) = %q, want %q", tt.chunk, got, tt.want)
		}
	}
}

func TestCompleter(t *testing.T) {
	rec := testdata.Path(t, testdata.RecordedRPC)
	o := runOptions{replay: rec, replayTest: "subnetwork_n"}
	var out, errb bytes.Buffer
	s, err := openSession(context.Background(), o, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	c := newCompleter(s)
	complete := func(line string) []string {
		cands, n := c.Do([]rune(line), len([]rune(line)))
		var full []string
		for _, cand := range cands {
			full = append(full, line[:len(line)-n]+line[len(line)-n:]+string(cand))
		}
		return full
	}
	tests := []struct {
		line string
		want []string // each must be among the completions
		none bool     // no completion at all
	}{
		{line: "bt.subnetw", want: []string{"bt.subnetwork_n("}},
		{line: "chain.que", want: []string{"chain.query(", "chain.query_map(", "chain.query_multi("}},
		{line: "x = string.up", want: []string{"x = string.upper("}},
		{line: "pri", want: []string{"print("}},
		{line: "fun", want: []string{"function"}},
		{line: "ch", want: []string{"chain."}},
		{line: `chain.query("SubtensorMod`, want: []string{`chain.query("SubtensorModule`}},
		{line: `chain.query("SubtensorModule", "Subnetwork`, want: []string{`chain.query("SubtensorModule", "SubnetworkN`}},
		{line: `chain.query_map('System', 'Acc`, want: []string{`chain.query_map('System', 'Account`}},
		{line: `chain.constant("Balances", "Existential`, want: []string{`chain.constant("Balances", "ExistentialDeposit`}},
		{line: `chain.call("NeuronInfoRuntimeApi", "get_neurons_l`, want: []string{`chain.call("NeuronInfoRuntimeApi", "get_neurons_lite`}},
		{line: `chain.call("SubnetInfoRuntimeApi_get_subnet_hyp`, want: []string{`chain.call("SubnetInfoRuntimeApi_get_subnet_hyperparams`}},
		{line: `print("bt.subn`, none: true}, // inside an ordinary string
		{line: `nosuch.x`, none: true},
	}
	for _, tt := range tests {
		got := complete(tt.line)
		if tt.none {
			if len(got) != 0 {
				t.Errorf("%q completes to %v, want nothing", tt.line, got)
			}
			continue
		}
		for _, w := range tt.want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("%q: %q not among %v", tt.line, w, got)
			}
		}
	}
}

// TestProgressNamesSlowCalls walks the progress line through calls that
// become slow, several slow at once, returning, and a map walk's fresh
// line, which slow calls do not overwrite.
func TestProgressNamesSlowCalls(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, calls: map[uint64]pendingCall{}}
	start := time.Now()
	meta := p.call("chain.call SubnetInfoRuntimeApi.get_metagraph")
	steps := []struct {
		name string
		at   time.Duration
		do   func()
		want string // what the step draws; "" for nothing
	}{
		{"not slow yet", 500 * time.Millisecond, nil, ""},
		{"one slow call", 2200 * time.Millisecond, nil, "chain.call SubnetInfoRuntimeApi.get_metagraph: waiting 2 s…"},
		{"two slow calls", 3200 * time.Millisecond, func() { p.call("bt.metagraph") },
			"chain.call SubnetInfoRuntimeApi.get_metagraph: waiting 3 s… (2 slow calls)"},
		{"the oldest returned", 3400 * time.Millisecond, meta, "bt.metagraph: waiting 3 s…"},
		{"unchanged, not redrawn", 3450 * time.Millisecond, nil, ""},
	}
	for _, st := range steps {
		if st.do != nil {
			st.do()
		}
		b.Reset()
		p.tick(start.Add(st.at))
		got := strings.TrimPrefix(b.String(), "\r\x1b[K")
		if got != st.want {
			t.Fatalf("%s: line %q, want %q", st.name, got, st.want)
		}
	}
	// A map walk's line is not overwritten while fresh.
	p.update("SubtensorModule", "Keys", 1000)
	b.Reset()
	p.tick(time.Now().Add(100 * time.Millisecond))
	if b.Len() != 0 {
		t.Fatalf("fresh map walk line overwritten with %q", b.String())
	}
	p.tick(time.Now().Add(5 * time.Second))
	if !strings.Contains(b.String(), "bt.metagraph: waiting") {
		t.Fatalf("stale map walk line kept: %q", b.String())
	}
	// No slow call left: the line goes.
	p.mu.Lock()
	clear(p.calls)
	p.mu.Unlock()
	b.Reset()
	p.tick(time.Now())
	if b.String() != "\r\x1b[K" {
		t.Fatalf("line not cleared: %q", b.String())
	}
	p.tick(time.Now())
	if b.String() != "\r\x1b[K" {
		t.Fatalf("cleared twice: %q", b.String())
	}
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	var b bytes.Buffer
	if p := newProgress(&b); p != nil {
		t.Fatal("progress on a buffer")
	}
	p := &progress{w: &b}
	p.update("SubtensorModule", "Keys", 1000)
	if !strings.Contains(b.String(), "SubtensorModule.Keys: 1000 entries") {
		t.Fatalf("progress line %q", b.String())
	}
	p.update("SubtensorModule", "Keys", 2000) // throttled
	if strings.Contains(b.String(), "2000") {
		t.Fatalf("not throttled: %q", b.String())
	}
	w := clearingWriter{&b, p}
	w.Write([]byte("output\n"))
	if !strings.HasSuffix(b.String(), "\r\x1b[Koutput\n") {
		t.Fatalf("output after progress: %q", b.String())
	}
	p.clear() // nothing shown: writes nothing
	if !strings.HasSuffix(b.String(), "output\n") {
		t.Fatalf("second clear wrote: %q", b.String())
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/btscript/btscript/engine"
	"github.com/chzyer/readline"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Prompts of the REPL: a new chunk, and the continuation of one that is
// not complete yet.
const (
	promptFirst = "> "
	promptMore  = ">> "
)

// historyLimit is how many chunks the REPL history keeps.
const historyLimit = 1000

const replHelp = `Type Lua: an expression prints its value(s), statements run.
A chunk that is not complete yet (an open function, if, table or string,
or an operator waiting for its operand, as in "1 +") continues on the next
line; Ctrl-C abandons it. History keeps a multi-line chunk as one entry.

  TAB          complete globals, module functions (chain., bt.) and, inside
               the quotes of chain.query("..., pallets, storage items,
               constants and runtime APIs of the live metadata
  Ctrl-C       cancel the running call (the REPL stays), or clear the line
  Ctrl-D       exit (also :quit)
  Ctrl-R       search the history
  :help        this text
  :quit        exit

Values print with exact integers; chain.*, bt.*, json.* and ss58.* are loaded.
`

// replStdin is the REPL's input; tests replace it.
var replStdin io.ReadCloser

// cmdRepl runs the interactive Lua prompt.
func cmdRepl(args []string, stdout, stderr io.Writer) int {
	var o runOptions
	fs := newRunFlags("repl", "repl [flags]",
		"Interactive Lua against the chain, with completion, multi-line input and\npersistent history (in $BTSCRIPT_HISTORY, or the user config directory).\n--timeout applies to each chunk; --block pins every chunk; Ctrl-C cancels the\nrunning chunk, Ctrl-D exits. Type :help inside for the keys.", &o, stderr)
	rest, done, code := parseRunArgs(fs, &o, args, stderr, false)
	if done {
		return code
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "btscript repl: unexpected argument %q (run 'btscript repl -h')\n", rest[0])
		return exitUsage
	}
	// The session's context lives as long as the REPL: a devnet started
	// for --network devnet runs until the session closes. Ctrl-C aborts
	// the start only; after it, Ctrl-C cancels the running chunk.
	sessCtx, endSession := context.WithCancelCause(context.Background())
	defer endSession(nil)
	stopWatch := onInterrupt(func() { endSession(errInterrupted) })
	s, err := openSession(sessCtx, o, stdout, stderr)
	stopWatch()
	if err != nil {
		return report(stderr, err, o.verbose)
	}
	defer func() {
		if err := s.close(); err != nil {
			fmt.Fprintf(stderr, "btscript: %v\n", oneLine(err.Error()))
		}
	}()

	comp := newCompleter(s)
	cfg := &readline.Config{
		Prompt:                 promptFirst,
		HistoryFile:            historyPath(),
		HistoryLimit:           historyLimit,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		AutoComplete:           comp,
		InterruptPrompt:        "^C",
		Stdout:                 stdout,
		Stderr:                 stderr,
	}
	if replStdin != nil {
		cfg.Stdin = replStdin
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "btscript repl: %v\n", err)
		return exitScript
	}
	defer rl.Close()
	return repl(s, rl, stdout, stderr)
}

// onInterrupt calls f on the first SIGINT or SIGTERM until the returned
// stop is called; unlike interruptible, stopping leaves what f guards
// running.
func onInterrupt(f func()) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			f()
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// historyPath returns the REPL history file: $BTSCRIPT_HISTORY, else
// <user config dir>/btscript/repl_history, or "" (no history kept) when
// neither is usable.
func historyPath() string {
	if p := getenv("BTSCRIPT_HISTORY"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	dir = filepath.Join(dir, "btscript")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "repl_history")
}

// evalState lets the signal handler cancel the chunk running now.
type evalState struct {
	mu     sync.Mutex
	cancel context.CancelCauseFunc
}

func (st *evalState) set(c context.CancelCauseFunc) {
	st.mu.Lock()
	st.cancel = c
	st.mu.Unlock()
}

func (st *evalState) interrupt() {
	st.mu.Lock()
	if st.cancel != nil {
		st.cancel(errInterrupted)
	}
	st.mu.Unlock()
}

// repl reads and runs chunks until end of input or :quit.
func repl(s *session, rl *readline.Instance, stdout, stderr io.Writer) int {
	// Ctrl-C while a chunk runs arrives as SIGINT (readline's raw mode,
	// where Ctrl-C is a key, is only on while a line is read). It cancels
	// the chunk; the REPL goes on. SIGTERM ends the REPL.
	var st evalState
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	terminated := make(chan struct{})
	go func() {
		for sig := range sigs {
			st.interrupt()
			if sig == syscall.SIGTERM {
				close(terminated)
				rl.Close()
				return
			}
		}
	}()

	fmt.Fprintln(stderr, "btscript REPL: Lua with chain, bt, json and ss58. :help for help, Ctrl-D to exit.")
	var lines []string
	for {
		if len(lines) == 0 {
			rl.SetPrompt(promptFirst)
		} else {
			rl.SetPrompt(promptMore)
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			lines = nil
			continue
		}
		if err != nil { // io.EOF: Ctrl-D or end of input
			select {
			case <-terminated:
				return exitInterrupted
			default:
			}
			return exitOK
		}
		if len(lines) == 0 {
			switch cmd := strings.TrimSpace(line); {
			case cmd == "":
				continue
			case cmd == ":quit" || cmd == ":q" || cmd == ":exit":
				return exitOK
			case cmd == ":help" || cmd == ":h" || cmd == ":?":
				fmt.Fprint(stdout, replHelp)
				continue
			case strings.HasPrefix(cmd, ":"):
				fmt.Fprintf(stderr, "unknown command %s (:help, :quit)\n", cmd)
				continue
			}
		}
		lines = append(lines, line)
		chunk := strings.Join(lines, "\n")
		if incomplete(chunk) {
			continue
		}
		lines = nil
		rl.SaveHistory(historyEntry(chunk))
		evalChunk(s, &st, chunk, stdout, stderr)
	}
}

// evalChunk runs one chunk and prints its values or its error.
func evalChunk(s *session, st *evalState, chunk string, stdout, stderr io.Writer) {
	ctx, cancel := context.WithCancelCause(context.Background())
	st.set(cancel)
	defer func() {
		st.set(nil)
		cancel(nil)
	}()
	res, err := s.engine.Eval(s.runContext(ctx), chunk)
	s.progress.clear()
	if err == nil {
		err = s.engine.Do(func(L *lua.LState) error {
			if len(res.Values) == 0 {
				return nil
			}
			if s.opts.json {
				doc, err := resultJSON(L, res.Values)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%s\n", doc)
				return nil
			}
			parts := make([]string, len(res.Values))
			for i, v := range res.Values {
				parts[i] = pretty(L, v)
			}
			fmt.Fprintln(stdout, strings.Join(parts, "\t"))
			return nil
		})
	}
	if err == nil {
		return
	}
	if errors.Is(err, errInterrupted) {
		fmt.Fprintln(stderr, "interrupted")
		return
	}
	fmt.Fprintln(stderr, oneLine(errorMessage(err)))
	var le *engine.Error
	if s.opts.verbose && errors.As(err, &le) && le.Traceback != "" {
		fmt.Fprintln(stderr, strings.TrimRight(le.Traceback, "\n"))
	}
}

// incomplete reports whether chunk fails to compile only because it ends
// too early (an open block, bracket, long string or an operator missing
// its operand, as in "1 +"), as an expression or as statements, so that
// the REPL should read another line.
func incomplete(chunk string) bool {
	_, err := parse.Parse(strings.NewReader("return "+chunk), "stdin")
	if err == nil {
		return false
	}
	if endsEarly(err) {
		return true
	}
	_, err = parse.Parse(strings.NewReader(chunk), "stdin")
	return err != nil && endsEarly(err)
}

// endsEarly reports whether a parse error is the end of input reached in
// the middle of a construct. A short string cannot span lines: an
// unterminated one is an error, not a reason to wait for more.
func endsEarly(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "at EOF") && (strings.Contains(msg, "syntax error") || strings.Contains(msg, "unterminated multiline"))
}

// historyEntry is how a chunk is kept in the history file, which holds
// one entry per line: the lines of a multi-line chunk joined by spaces,
// which Lua reads alike, so that the next session recalls it whole. A
// chunk with a comment or a long bracket, where a line break matters, is
// kept as typed.
func historyEntry(chunk string) string {
	if !strings.Contains(chunk, "\n") || strings.Contains(chunk, "--") || strings.Contains(chunk, "[[") || strings.Contains(chunk, "[=") {
		return chunk
	}
	lines := strings.Split(chunk, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	joined := strings.Join(lines, " ")
	if _, err := parse.Parse(strings.NewReader(joined), "stdin"); err != nil {
		if _, err2 := parse.Parse(strings.NewReader("return "+joined), "stdin"); err2 != nil {
			return chunk
		}
	}
	return joined
}

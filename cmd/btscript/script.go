package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/btscript/btscript/engine"
)

// commonFlagsHelp documents the flags shared by run, eval and repl.
const commonFlagsHelp = `
Flags go before or after FILE or CODE. The arguments after FILE that are
not btscript's flags are passed to the script (as ... and arg); after "--"
every argument is the script's, so "run x.lua -- -v" passes -v to it.

Each flag can also be set by an environment variable (the flag wins):
BTSCRIPT_NETWORK, BTSCRIPT_FALLBACK (comma-separated), BTSCRIPT_BLOCK,
BTSCRIPT_TIMEOUT, BTSCRIPT_JSON, BTSCRIPT_ALLOW_IO, BTSCRIPT_VERBOSE,
BTSCRIPT_RECORD, BTSCRIPT_REPLAY, BTSCRIPT_REPLAY_TEST, BTSCRIPT_ARCHIVE,
BTSCRIPT_NO_CACHE (booleans take true/false/1/0). Metadata is cached in
$BTSCRIPT_CACHE_DIR, or <user cache dir>/btscript/metadata; --record and
--replay never use the cache, so that a recording holds everything it needs.

Exit codes: 0 ok, 1 script error (also a bad recording or an unreachable
node), 2 usage error, 130 interrupted by Ctrl-C or SIGTERM.
`

// newRunFlags returns the flag set of run, eval or repl.
func newRunFlags(name, synopsis, about string, o *runOptions, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	addRunFlags(fs, o)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: btscript %s\n\n%s\n\nFlags:\n", synopsis, about)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		fmt.Fprint(stderr, commonFlagsHelp)
	}
	return fs
}

// parseRunArgs parses the common flags and the environment, returning the
// positional arguments; extra lets arguments after the first that are not
// btscript's flags through as positional ones.
func parseRunArgs(fs *flag.FlagSet, o *runOptions, args []string, stderr io.Writer, extra bool) ([]string, bool, int) {
	pos, done, code := parseFlags(fs, args, stderr, extra)
	if done {
		return nil, true, code
	}
	if err := applyEnv(fs); err != nil {
		fmt.Fprintf(stderr, "btscript %s: %v\n", fs.Name(), err)
		return nil, true, exitUsage
	}
	if err := o.check(); err != nil {
		fmt.Fprintf(stderr, "btscript %s: %v\n", fs.Name(), err)
		return nil, true, exitUsage
	}
	return pos, false, exitOK
}

// cmdRun runs a Lua script file.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	var o runOptions
	fs := newRunFlags("run", "run [flags] FILE [args...]",
		"Runs the Lua script FILE against the chain and prints its return values\n(pretty, or JSON with --json). Use - as FILE to read the script from stdin.", &o, stderr)
	rest, done, code := parseRunArgs(fs, &o, args, stderr, true)
	if done {
		return code
	}
	if len(rest) == 0 {
		fmt.Fprintln(stderr, "btscript run: no script FILE given (run 'btscript run -h')")
		return exitUsage
	}
	path, scriptArgs := rest[0], rest[1:]
	if path == "-" {
		tmp, err := stdinScript()
		if err != nil {
			fmt.Fprintf(stderr, "btscript run: %v\n", err)
			return exitUsage
		}
		defer os.RemoveAll(filepath.Dir(tmp))
		path = tmp
	} else if st, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "btscript run: %v\n", unwrapPathError(err))
		return exitUsage
	} else if st.IsDir() {
		fmt.Fprintf(stderr, "btscript run: %s is a directory, not a script\n", path)
		return exitUsage
	}
	return runSession(o, stdout, stderr, func(ctx context.Context, e *engine.Engine) (*engine.Result, error) {
		return e.RunFile(ctx, path, scriptArgs)
	})
}

// stdinScript copies a script from stdin to a temporary file.
func stdinScript() (string, error) {
	src, err := io.ReadAll(scriptStdin)
	if err != nil {
		return "", fmt.Errorf("reading the script from stdin: %w", err)
	}
	// The file is named stdin.lua so that errors point at "stdin.lua:LINE".
	dir, err := os.MkdirTemp("", "btscript-stdin-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "stdin.lua")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return path, nil
}

// scriptStdin is where "run -" reads the script; tests replace it.
var scriptStdin io.Reader = os.Stdin

// cmdEval runs a chunk of Lua given on the command line.
func cmdEval(args []string, stdout, stderr io.Writer) int {
	var o runOptions
	fs := newRunFlags("eval", "eval [flags] 'CODE'",
		"Runs CODE as a REPL line would: an expression prints its value(s),\nstatements print what they return.", &o, stderr)
	rest, done, code := parseRunArgs(fs, &o, args, stderr, false)
	if done {
		return code
	}
	switch {
	case len(rest) == 0:
		fmt.Fprintln(stderr, "btscript eval: no CODE given (run 'btscript eval -h')")
		return exitUsage
	case len(rest) > 1:
		fmt.Fprintf(stderr, "btscript eval: give the code as one argument (quote it); got %d arguments\n", len(rest))
		return exitUsage
	}
	src := rest[0]
	return runSession(o, stdout, stderr, func(ctx context.Context, e *engine.Engine) (*engine.Result, error) {
		return e.Eval(ctx, src)
	})
}

// runSession opens a session, runs fn once under Ctrl-C handling, prints
// the results and returns the exit code.
func runSession(o runOptions, stdout, stderr io.Writer, fn func(context.Context, *engine.Engine) (*engine.Result, error)) int {
	ctx, stop := interruptible(context.Background())
	defer stop()
	s, err := openSession(ctx, o, stdout, stderr)
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return report(stderr, err, o.verbose)
	}
	res, runErr := fn(s.runContext(ctx), s.engine)
	s.progress.clear()
	if runErr == nil {
		runErr = s.printResults(res)
	}
	code := report(stderr, runErr, o.verbose)
	if err := s.close(); err != nil {
		fmt.Fprintf(stderr, "btscript: %v\n", oneLine(err.Error()))
		if code == exitOK {
			code = exitScript
		}
	}
	return code
}

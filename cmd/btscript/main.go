// Command btscript runs Lua scripts that query the Bittensor chain (subtensor),
// or any Substrate chain, with concurrent calls over one websocket.
//
// Usage:
//
//	btscript run FILE [args...]    run a script
//	btscript eval 'CODE'           run a chunk of Lua given on the command line
//	btscript repl                  interactive Lua
//	btscript decode ...            decode raw SCALE bytes with a metadata file
//	btscript metadata ...          summarise a metadata file
//	btscript devnet ...            run a local chain under Chopsticks
//	btscript serve FILE            serve a recording as a JSON-RPC node
//
// Run "btscript COMMAND -h" for the flags of each command. Exit codes: 0
// ok, 1 script error (or a failed command), 2 usage error, 130 interrupted
// by Ctrl-C or SIGTERM.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
)

// Exit codes shared by every command.
const (
	exitOK     = 0 // the command did what was asked
	exitScript = 1 // the script or the work failed
	exitUsage  = 2 // the command line was wrong
	// exitInterrupted ends a run stopped by Ctrl-C (SIGINT) or SIGTERM:
	// 128 + SIGINT, as shells report a process killed by it.
	exitInterrupted = 130
)

// command is one subcommand: it parses its own flags from args and
// returns the process exit code.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"decode":   {"decode raw SCALE bytes (hex) with a metadata file, print JSON", cmdDecode},
	"metadata": {"summarise a metadata file: version, pallets, storage, runtime APIs", cmdMetadata},
	"run":      {"run a Lua script against the chain", cmdRun},
	"eval":     {"run a chunk of Lua given on the command line, print its values", cmdEval},
	"repl":     {"interactive Lua with completion and history", cmdRepl},
	"devnet":   {"run a local Bittensor chain under Chopsticks", cmdDevnet},
	"serve":    {"serve a recording as a websocket JSON-RPC node", cmdServe},
}

// gcPercent is the collector's target unless GOGC is set: a script's
// gathers allocate fast (JSON, decoded values, Lua tables), and at Go's
// default of 100 the collector took a fifth of a 1000-query gather's CPU.
// At 200 the heap may grow to three times the live data between
// collections instead of two.
const gcPercent = 200

// gcSoftLimit is the heap the collector works to stay under unless
// GOMEMLIMIT is set: GOGC=200's headroom, three times the live data, is
// small for a gather of a thousand reads and hundreds of MiB for a gather
// of a hundred thousand. Past it the collector runs more often (the
// runtime gives it at most half the CPU), not the script less far: the
// run's memory limit (engine.DefaultMemoryLimit) is what stops a script.
const gcSoftLimit = 384 << 20

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(gcSoftLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "btscript: unknown command %q (run 'btscript help')\n", args[0])
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "btscript: script the Bittensor chain (and any Substrate chain) in Lua")
	fmt.Fprintln(w, "\nUsage: btscript COMMAND [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'btscript COMMAND -h' for the flags of a command.")
}

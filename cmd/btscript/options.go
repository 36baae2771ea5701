package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/btscript/btscript/chain"
)

// getenv reads the environment; tests replace it.
var getenv = os.Getenv

// usageError is a command-line mistake: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// isUsage reports whether err is a command-line mistake.
func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

// runOptions are the flags shared by run, eval and repl. Each flag also
// reads a BTSCRIPT_* environment variable (see envNames); a flag given on
// the command line wins over the variable.
type runOptions struct {
	network    string        // network name or ws(s):// URL
	fallbacks  []string      // more endpoints, tried in turn
	block      string        // "" or a block number or hash pinning the whole run
	timeout    time.Duration // script wall time; 0 means none
	json       bool          // print return values as JSON
	allowIO    bool          // open io/os
	verbose    bool          // log connections and requests to stderr
	record     string        // save the JSON-RPC traffic to this file
	replay     string        // answer from this recording instead of a node
	replayTest string        // test name inside an SDK recording
	noCache    bool          // no metadata disk cache
	allowSign  bool          // let scripts make signers and submit
	dryRun     bool          // build, sign and price transactions, submit none
	wallet     string        // default wallet of keys.wallet()
	hotkey     string        // default hotkey of keys.wallet()
}

// envNames maps each common flag to its environment variable.
var envNames = map[string]string{
	"network":     "BTSCRIPT_NETWORK",
	"fallback":    "BTSCRIPT_FALLBACK",
	"block":       "BTSCRIPT_BLOCK",
	"timeout":     "BTSCRIPT_TIMEOUT",
	"json":        "BTSCRIPT_JSON",
	"allow-io":    "BTSCRIPT_ALLOW_IO",
	"v":           "BTSCRIPT_VERBOSE",
	"record":      "BTSCRIPT_RECORD",
	"replay":      "BTSCRIPT_REPLAY",
	"replay-test": "BTSCRIPT_REPLAY_TEST",
	"no-cache":    "BTSCRIPT_NO_CACHE",
	"allow-sign":  "BTSCRIPT_ALLOW_SIGN",
	"dry-run":     "BTSCRIPT_DRY_RUN",
	"wallet":      "BTSCRIPT_WALLET",
	"hotkey":      "BTSCRIPT_HOTKEY",
}

// listFlag collects a repeatable string flag.
type listFlag struct{ vals *[]string }

func (l listFlag) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l listFlag) Set(s string) error {
	*l.vals = append(*l.vals, s)
	return nil
}

// durationFlag accepts a Go duration ("90s", "2m") or plain seconds ("30").
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "0"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := parseDuration(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 30s, 2m, or seconds)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// addRunFlags declares the common flags on fs.
func addRunFlags(fs *flag.FlagSet, o *runOptions) {
	fs.StringVar(&o.network, "network", chain.DefaultNetwork, "`NAME` of a network (finney, test, archive, local, devnet: a local runtime started for the run) or a ws:// or wss:// URL")
	fs.Var(listFlag{&o.fallbacks}, "fallback", "fallback endpoint `URL` or network name, tried in turn (repeatable)")
	fs.StringVar(&o.block, "block", "", "pin the whole run to block `N` (a number or a 0x hash), resolved once at start")
	fs.Var(durationFlag{&o.timeout}, "timeout", "stop the script after `DURATION` (e.g. 30s, 2m, or seconds); 0 means no limit")
	fs.BoolVar(&o.json, "json", false, "print the script's return values as JSON (exact integers) and nothing else on stdout")
	fs.BoolVar(&o.allowIO, "allow-io", false, "give scripts the io and os libraries, dofile, loadfile and require")
	fs.BoolVar(&o.verbose, "v", false, "log connections and requests to stderr")
	fs.StringVar(&o.record, "record", "", "save every JSON-RPC request and answer of the run to `FILE`")
	fs.StringVar(&o.replay, "replay", "", "answer from recording `FILE` instead of a node (no network)")
	fs.StringVar(&o.replayTest, "replay-test", "", "`NAME` of the test to serve from an SDK recording (recorded-rpc.json)")
	fs.BoolVar(&o.noCache, "no-cache", false, "do not keep metadata on disk between runs")
	fs.BoolVar(&o.allowSign, "allow-sign", false, "let the script make signers (keys.*) and submit transactions")
	fs.BoolVar(&o.dryRun, "dry-run", false, "build, sign and price each transaction, print it to stderr, and submit nothing")
	fs.StringVar(&o.wallet, "wallet", "", "`NAME` of the wallet keys.wallet() loads (~/.bittensor/wallets/NAME)")
	fs.StringVar(&o.hotkey, "hotkey", "", "`NAME` of the hotkey keys.wallet() loads (default \"default\")")
}

// applyEnv sets every flag that was not given on the command line from its
// environment variable.
func applyEnv(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env, ok := envNames[f.Name]
		if !ok || given[f.Name] || err != nil {
			return
		}
		val := getenv(env)
		if val == "" {
			return
		}
		if f.Name == "fallback" {
			for _, u := range strings.Split(val, ",") {
				if u = strings.TrimSpace(u); u != "" {
					if serr := f.Value.Set(u); serr != nil {
						err = usagef("%s=%q: %v", env, val, serr)
						return
					}
				}
			}
			return
		}
		if serr := f.Value.Set(val); serr != nil {
			err = usagef("%s=%q: %v", env, val, serr)
		}
	})
	return err
}

// check validates combinations of flags.
func (o *runOptions) check() error {
	if o.replay == "" {
		if o.replayTest != "" {
			return usagef("--replay-test needs --replay FILE")
		}
		if _, err := chain.Endpoint(o.network); err != nil && o.network != devnetNetwork {
			return usagef("%v (or devnet, a local runtime started for the run)", err)
		}
		for _, f := range o.fallbacks {
			if _, err := chain.Endpoint(f); err != nil {
				return usagef("--fallback: %v", err)
			}
		}
	} else {
		if o.record != "" {
			return usagef("--record and --replay cannot be used together")
		}
		if _, err := os.Stat(o.replay); err != nil {
			return usagef("--replay: %v", unwrapPathError(err))
		}
	}
	if o.block != "" {
		if _, err := parseBlock(o.block); err != nil {
			return usagef("--block: %v", err)
		}
	}
	return nil
}

// parseBlock reads a --block value: a 0x block hash or a block number.
func parseBlock(s string) (any, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		h := strings.ToLower(s)
		if len(h) != 66 {
			return nil, fmt.Errorf("%q is not a 32-byte 0x-hex block hash", s)
		}
		for _, c := range h[2:] {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return nil, fmt.Errorf("%q is not a 32-byte 0x-hex block hash", s)
			}
		}
		return h, nil
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 || !n.IsUint64() {
		return nil, fmt.Errorf("%q is not a block number or a 0x block hash", s)
	}
	return n.Uint64(), nil
}

// unwrapPathError drops the "stat"/"open" operation from a file error.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// parseFlags parses args with fs, reporting mistakes as one line. It
// returns done=true with the exit code when parsing ended the command
// (help or a mistake).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (done bool, code int) {
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			usage()
			return true, exitOK
		}
		fmt.Fprintf(stderr, "btscript %s: %v (run 'btscript %s -h')\n", fs.Name(), err, fs.Name())
		return true, exitUsage
	}
	return false, exitOK
}

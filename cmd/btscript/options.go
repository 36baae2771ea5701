package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/chain/record"
)

// archiveOff is the --archive value that turns the archive fallback off.
const archiveOff = "off"

// defaultArchive returns the archive endpoint of a network: the archive
// node for finney, whose public entry points prune old state, and none
// for other networks.
func defaultArchive(network, archive string) string {
	switch {
	case archive == archiveOff:
		return ""
	case archive != "":
		return archive
	case network == "" || network == chain.DefaultNetwork || network == chain.Networks[chain.DefaultNetwork]:
		return "archive"
	}
	return ""
}

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
	metadata   metadataFlags // metadata files of an SDK recording
	archive    string        // archive endpoint for pruned state; "" default, "off" none
	liveness   time.Duration // rpc liveness window; 0 means rpc's default
	noCache    bool          // no metadata disk cache
	allowSign  bool          // let scripts make signers and submit
	dryRun     bool          // build, sign and price transactions, submit none
	wallet     string        // default wallet of keys.wallet()
	hotkey     string        // default hotkey of keys.wallet()
}

// metadataFlags name the metadata files an SDK recording is served with:
// one folder holding the SDK's two files, or each file by name. None
// given: the files beside the recording.
type metadataFlags struct {
	dir, v14, v15 string
}

// add declares the flags on fs.
func (m *metadataFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&m.dir, "metadata", "", "`DIR` holding the metadata files of an SDK recording ("+record.SDKMetadataV14+", "+record.SDKMetadataV15+"); default the recording's folder")
	fs.StringVar(&m.v14, "metadata-v14", "", "V14 metadata `FILE` (0x hex) served with an SDK recording")
	fs.StringVar(&m.v15, "metadata-v15", "", "V15 metadata `FILE` (0x hex) served with an SDK recording")
}

// files returns the metadata files to serve with the SDK recording at
// path, checking that each exists.
func (m metadataFlags) files(path string) (record.SDKMetadata, error) {
	if m.dir != "" && (m.v14 != "" || m.v15 != "") {
		return record.SDKMetadata{}, usagef("give --metadata DIR or --metadata-v14/--metadata-v15, not both")
	}
	if (m.v14 == "") != (m.v15 == "") {
		return record.SDKMetadata{}, usagef("--metadata-v14 and --metadata-v15 go together")
	}
	meta := record.SDKMetadata{V14: m.v14, V15: m.v15}
	switch {
	case m.dir != "":
		if st, err := os.Stat(m.dir); err != nil {
			return meta, usagef("--metadata: %v", unwrapPathError(err))
		} else if !st.IsDir() {
			return meta, usagef("--metadata: %s is not a folder", m.dir)
		}
		meta = record.MetadataIn(m.dir)
	case m.v14 != "":
		for flagName, f := range map[string]string{"--metadata-v14": m.v14, "--metadata-v15": m.v15} {
			if _, err := os.Stat(f); err != nil {
				return meta, usagef("%s: %v", flagName, unwrapPathError(err))
			}
		}
	default:
		meta = record.MetadataIn(filepath.Dir(path))
	}
	return meta, nil
}

// given reports whether any metadata flag was given.
func (m metadataFlags) given() bool { return m.dir != "" || m.v14 != "" || m.v15 != "" }

// loadRecording loads the recording at path, an SDK recording with its
// test and metadata files.
func loadRecording(path, test string, meta metadataFlags) (*record.Book, error) {
	files, err := meta.files(path)
	if err != nil {
		return nil, err
	}
	return record.LoadWith(path, test, files)
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
	"archive":     "BTSCRIPT_ARCHIVE",
	"liveness":    "BTSCRIPT_LIVENESS",
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
	o.metadata.add(fs)
	fs.StringVar(&o.archive, "archive", "", "archive endpoint `URL` (or network name) that reads of pruned state are retried on; default archive for finney, none for other networks; off turns it off")
	fs.Var(durationFlag{&o.liveness}, "liveness", "take a connection that sends nothing for `DURATION` for dead, and send again a read unanswered for that long (default 5s, 60s for a node on this machine)")
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
		if o.archive != "" && o.archive != archiveOff {
			if _, err := chain.Endpoint(o.archive); err != nil {
				return usagef("--archive: %v", err)
			}
		}
		if o.metadata.given() {
			return usagef("--metadata, --metadata-v14 and --metadata-v15 need --replay FILE")
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

// parseFlags parses args with fs, reporting mistakes as one line. Flags
// may come before and after the positional arguments (FILE, CODE): after
// the first positional argument, an argument that names one of fs's
// flags is that flag, "--" makes every later argument positional, and
// when extra is set any other argument is positional (a script's own
// arguments, "-x" included); otherwise an unknown flag is an error. It
// returns done=true with the exit code when parsing ended the command
// (help or a mistake).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, extra bool) (pos []string, done bool, code int) {
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage }()
	fail := func(err error) ([]string, bool, int) {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			usage()
			return nil, true, exitOK
		}
		fmt.Fprintf(stderr, "btscript %s: %v (run 'btscript %s -h')\n", fs.Name(), err, fs.Name())
		return nil, true, exitUsage
	}
	if err := fs.Parse(args); err != nil {
		return fail(err)
	}
	rest := fs.Args()
	if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
		return rest, false, exitOK
	}
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			return append(pos, rest[i+1:]...), false, exitOK
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if len(pos) == 0 || len(a) < 2 || a[0] != '-' || name == "" {
			pos = append(pos, a)
			continue
		}
		if name == "h" || name == "help" {
			return fail(flag.ErrHelp)
		}
		f := fs.Lookup(name)
		if f == nil {
			if extra {
				pos = append(pos, a)
				continue
			}
			return fail(fmt.Errorf("flag provided but not defined: %s", a))
		}
		one := []string{a}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && bf.IsBoolFlag()) {
			if i+1 >= len(rest) {
				return fail(fmt.Errorf("flag needs an argument: %s", a))
			}
			i++
			one = append(one, rest[i])
		}
		if err := fs.Parse(one); err != nil {
			return fail(err)
		}
	}
	return pos, false, exitOK
}

package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/btscript/btscript/scale"
)

// decodeStdin is where "-" reads hex from; tests replace it.
var decodeStdin io.Reader = os.Stdin

// errDecodeUsage marks command-line mistakes (exit code 2).
var errDecodeUsage = errors.New("usage")

type decodeUsageError struct{ msg string }

// Error returns the message.
func (e decodeUsageError) Error() string { return e.msg }

// Unwrap makes errors.Is(err, errDecodeUsage) hold.
func (e decodeUsageError) Unwrap() error { return errDecodeUsage }

func decodeUsagef(format string, args ...any) error {
	return decodeUsageError{fmt.Sprintf(format, args...)}
}

// decodeFinish prints err as one line prefixed with the command name and returns
// the exit code.
func decodeFinish(stderr io.Writer, cmd string, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "btscript %s: %s\n", cmd, strings.ReplaceAll(err.Error(), "\n", " "))
	if errors.Is(err, errDecodeUsage) {
		return exitUsage
	}
	return exitScript
}

// cmdDecode decodes SCALE bytes given in hex with a metadata file and
// prints the value as JSON with exact integers.
func cmdDecode(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	metaFile := fs.String("metadata", "", "metadata `FILE`: hex of state_getMetadata or Metadata_metadata_at_version, or raw bytes")
	storage := fs.String("storage", "", "decode a storage value of `PALLET.ITEM` (no HEX: the default value)")
	call := fs.String("call", "", "decode the output of runtime API method `API.METHOD` (or API_method)")
	constant := fs.String("constant", "", "decode the constant `PALLET.NAME` from the metadata itself")
	typeID := fs.Int("type", -1, "decode as registry type `ID`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: btscript decode --metadata FILE (--storage PALLET.ITEM | --call API.METHOD | --constant PALLET.NAME | --type ID) [HEX | -]")
		fmt.Fprintln(stderr, "\nDecodes SCALE bytes given as hex (\"-\" reads the hex from stdin) and prints JSON.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	return decodeFinish(stderr, "decode", runDecode(fs, *metaFile, *storage, *call, *constant, *typeID, stdout))
}

func runDecode(fs *flag.FlagSet, metaFile, storage, call, constant string, typeID int, stdout io.Writer) error {
	modes := 0
	for _, set := range []bool{storage != "", call != "", constant != "", typeID >= 0} {
		if set {
			modes++
		}
	}
	if metaFile == "" {
		return decodeUsagef("--metadata FILE is required")
	}
	if modes != 1 {
		return decodeUsagef("give exactly one of --storage, --call, --constant, --type")
	}
	if fs.NArg() > 1 {
		return decodeUsagef("too many arguments: %s", strings.Join(fs.Args()[1:], " "))
	}
	m, err := loadMetadataFile(metaFile)
	if err != nil {
		return err
	}
	var input []byte
	haveInput := fs.NArg() == 1
	if haveInput {
		if input, err = decodeHexArg(fs.Arg(0)); err != nil {
			return err
		}
	} else if constant == "" && storage == "" {
		return decodeUsagef("missing HEX argument (or - to read it from decodeStdin)")
	}
	var v scale.Value
	switch {
	case constant != "":
		if haveInput {
			return decodeUsagef("--constant takes no HEX: the value is in the metadata")
		}
		pallet, name, ok := strings.Cut(constant, ".")
		if !ok {
			return decodeUsagef("--constant wants PALLET.NAME, got %q", constant)
		}
		c, err := m.Constant(pallet, name)
		if err != nil {
			return err
		}
		if v, err = c.Decode(); err != nil {
			return err
		}
	case storage != "":
		pallet, item, ok := strings.Cut(storage, ".")
		if !ok {
			return decodeUsagef("--storage wants PALLET.ITEM, got %q", storage)
		}
		e, err := m.Storage(pallet, item)
		if err != nil {
			return err
		}
		if v, err = e.DecodeValue(input); err != nil {
			return err
		}
	case call != "":
		var me *scale.RuntimeMethod
		if api, method, ok := strings.Cut(call, "."); ok {
			me, err = m.Method(api, method)
		} else {
			me, err = m.MethodByRPCName(call)
		}
		if err != nil {
			return err
		}
		if v, err = me.DecodeOutput(input); err != nil {
			return err
		}
	default:
		if v, err = m.Decode(typeID, input); err != nil {
			return err
		}
	}
	out := v.AppendJSON(nil)
	out = append(out, '\n')
	_, err = stdout.Write(out)
	return err
}

// loadMetadataFile reads a metadata file in any form scale.Parse accepts.
func loadMetadataFile(path string) (*scale.Metadata, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := scale.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// decodeHexArg returns the bytes of a hex argument, or of the hex read from
// decodeStdin for "-". Surrounding space and JSON quotes are ignored, and "null"
// (a missing storage value) gives nil.
func decodeHexArg(arg string) ([]byte, error) {
	s := arg
	if arg == "-" {
		b, err := io.ReadAll(decodeStdin)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		s = string(b)
	}
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if s == "null" {
		return nil, nil
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("input is not hex: %w", err)
	}
	return b, nil
}

// cmdMetadata prints a summary of a metadata file.
func cmdMetadata(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("metadata", flag.ContinueOnError)
	fs.SetOutput(stderr)
	metaFile := fs.String("metadata", "", "metadata `FILE`: hex of state_getMetadata or Metadata_metadata_at_version, or raw bytes")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: btscript metadata --metadata FILE [--json]")
		fmt.Fprintln(stderr, "\nSummarises runtime metadata: version, pallets with their storage items, runtime APIs.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	err := func() error {
		if *metaFile == "" {
			return decodeUsagef("--metadata FILE is required")
		}
		if fs.NArg() > 0 {
			return decodeUsagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
		}
		m, err := loadMetadataFile(*metaFile)
		if err != nil {
			return err
		}
		s := summarise(m)
		if *asJSON {
			b, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				return err
			}
			_, err = stdout.Write(append(b, '\n'))
			return err
		}
		return s.print(stdout)
	}()
	return decodeFinish(stderr, "metadata", err)
}

type metaSummary struct {
	Version      int             `json:"version"`
	SpecName     string          `json:"spec_name,omitempty"`
	SpecVersion  uint32          `json:"spec_version,omitempty"`
	SS58Prefix   uint16          `json:"ss58_prefix"`
	Pallets      int             `json:"pallets"`
	StorageItems int             `json:"storage_items"`
	Constants    int             `json:"constants"`
	RuntimeAPIs  int             `json:"runtime_apis"`
	APIMethods   int             `json:"runtime_api_methods"`
	Types        int             `json:"types"`
	PalletList   []palletSummary `json:"pallet_list"`
	APIList      []apiSummary    `json:"runtime_api_list"`
}

type palletSummary struct {
	Name      string   `json:"name"`
	Index     uint8    `json:"index"`
	Storage   []string `json:"storage"`
	Constants []string `json:"constants"`
	Calls     bool     `json:"calls"`
	Events    bool     `json:"events"`
}

type apiSummary struct {
	Name    string   `json:"name"`
	Methods []string `json:"methods"`
}

func summarise(m *scale.Metadata) metaSummary {
	s := metaSummary{
		Version: m.Version, SpecName: m.SpecName, SpecVersion: m.SpecVersion, SS58Prefix: m.SS58Prefix,
		Pallets: len(m.Pallets), RuntimeAPIs: len(m.APIs), Types: len(m.Types),
		PalletList: []palletSummary{}, APIList: []apiSummary{},
	}
	for _, p := range m.Pallets {
		ps := palletSummary{Name: p.Name, Index: p.Index, Storage: []string{}, Constants: []string{},
			Calls: p.CallType >= 0, Events: p.EventType >= 0}
		for _, e := range p.Storage {
			ps.Storage = append(ps.Storage, e.Name)
		}
		for _, c := range p.Constants {
			ps.Constants = append(ps.Constants, c.Name)
		}
		s.StorageItems += len(p.Storage)
		s.Constants += len(p.Constants)
		s.PalletList = append(s.PalletList, ps)
	}
	for _, a := range m.APIs {
		as := apiSummary{Name: a.Name, Methods: []string{}}
		for _, me := range a.Methods {
			as.Methods = append(as.Methods, me.Name)
		}
		s.APIMethods += len(a.Methods)
		s.APIList = append(s.APIList, as)
	}
	sort.Slice(s.APIList, func(i, j int) bool { return s.APIList[i].Name < s.APIList[j].Name })
	return s
}

func (s metaSummary) print(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "metadata V%d", s.Version)
	if s.SpecName != "" {
		fmt.Fprintf(&b, ", runtime %s spec %d", s.SpecName, s.SpecVersion)
	}
	fmt.Fprintf(&b, ", ss58 prefix %d\n", s.SS58Prefix)
	fmt.Fprintf(&b, "%d pallets, %d storage items, %d constants, %d runtime APIs (%d methods), %d types\n",
		s.Pallets, s.StorageItems, s.Constants, s.RuntimeAPIs, s.APIMethods, s.Types)
	b.WriteString("\npallets:\n")
	for _, p := range s.PalletList {
		fmt.Fprintf(&b, "  %s (index %d): %d storage items", p.Name, p.Index, len(p.Storage))
		if len(p.Storage) > 0 {
			b.WriteString(": " + strings.Join(p.Storage, ", "))
		}
		b.WriteByte('\n')
	}
	if len(s.APIList) > 0 {
		b.WriteString("\nruntime APIs:\n")
		for _, a := range s.APIList {
			b.WriteString("  " + a.Name + ": " + strings.Join(a.Methods, ", ") + "\n")
		}
	} else {
		b.WriteString("\nno runtime API descriptions (metadata V" + strconv.Itoa(s.Version) + ")\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package bindings

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
)

// A bt helper's signature is written as the SDK's, "tempo(netuid, block?)":
// each parameter's type follows from its name, and "?" marks an optional
// one. The helper takes its arguments by position or, as the SDK's keyword
// arguments, in a final table of names ({block = 123}).

// paramKind is how a parameter's argument is read.
type paramKind int

const (
	kU16     paramKind = iota // netuid, uid
	kU8                       // mechid
	kAddress                  // an SS58 account
	kBool                     // lite
	kString                   // param_name
	kU16List                  // field_indices, netuids
	kBlock                    // a block number or hash
)

var paramKinds = map[string]paramKind{
	"netuid": kU16, "uid": kU16,
	"mechid":  kU8,
	"address": kAddress, "hotkey": kAddress, "coldkey": kAddress,
	"lite":          kBool,
	"param_name":    kString,
	"field_indices": kU16List, "netuids": kU16List,
	"block": kBlock,
}

type param struct {
	name string
	kind paramKind
	opt  bool
}

// signature is a bt helper's name and parameters.
type signature struct {
	name   string
	params []param
}

// parseSignature reads "name(a, b?, ...)"; it panics on a malformed one,
// as the signatures are constants of this package.
func parseSignature(spec string) signature {
	name, rest, ok := strings.Cut(spec, "(")
	if !ok || !strings.HasSuffix(rest, ")") {
		panic("bindings: bad signature " + spec)
	}
	s := signature{name: name}
	rest = strings.TrimSuffix(rest, ")")
	if rest == "" {
		return s
	}
	for _, p := range strings.Split(rest, ", ") {
		opt := strings.HasSuffix(p, "?")
		p = strings.TrimSuffix(p, "?")
		k, ok := paramKinds[p]
		if !ok {
			panic("bindings: unknown parameter " + p + " in " + spec)
		}
		s.params = append(s.params, param{name: p, kind: k, opt: opt})
	}
	return s
}

// usage renders the signature as the README does: bt.weights(netuid[,
// block[, mechid]]).
func (s signature) usage() string {
	var b strings.Builder
	b.WriteString("bt." + s.name + "(")
	closing := 0
	for i, p := range s.params {
		switch {
		case p.opt && i == 0:
			b.WriteString("[")
			closing++
		case p.opt:
			b.WriteString("[, ")
			closing++
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(p.name)
	}
	b.WriteString(strings.Repeat("]", closing))
	b.WriteString(")")
	return b.String()
}

// argError is an error in the arguments of a bt helper (count, type or
// range); its message names the helper and its usage.
type argError struct{ msg string }

func (e *argError) Error() string { return e.msg }

func (s signature) errorf(format string, a ...any) error {
	return &argError{msg: "bt." + s.name + ": " + fmt.Sprintf(format, a...) + " (usage: " + s.usage() + ")"}
}

// wrapArg adds the usage to an argument error of the shared readers.
func (s signature) wrapArg(err error) error {
	return &argError{msg: err.Error() + " (usage: " + s.usage() + ")"}
}

// callArgs are a call's arguments read by the signature: values by
// parameter index, and at, the block the call reads ("" for the head).
type callArgs struct {
	vals []any
	set  []bool
	at   string
}

func (a *callArgs) has(i int) bool      { return a.set[i] }
func (a *callArgs) u16(i int) uint16    { return a.vals[i].(uint16) }
func (a *callArgs) u8(i int) uint8      { v, _ := a.vals[i].(uint8); return v }
func (a *callArgs) str(i int) string    { return a.vals[i].(string) }
func (a *callArgs) u16s(i int) []uint16 { v, _ := a.vals[i].([]uint16); return v }
func (a *callArgs) boolOr(i int, d bool) bool {
	if v, ok := a.vals[i].(bool); ok {
		return v
	}
	return d
}

// named returns the final table of named arguments, when args ends with
// a table whose keys name parameters of s; a name that is not one is an
// error when others are.
func (s signature) named(args []any) (map[string]any, bool, error) {
	if len(args) == 0 {
		return nil, false, nil
	}
	m, ok := args[len(args)-1].(map[string]any)
	if !ok || len(m) == 0 {
		return nil, false, nil
	}
	var unknown []string
	for k := range m {
		if s.index(k) < 0 {
			unknown = append(unknown, k)
		}
	}
	switch {
	case len(unknown) == len(m):
		return nil, false, nil
	case len(unknown) > 0:
		sort.Strings(unknown)
		return nil, false, s.errorf("unknown named argument %q", unknown[0])
	}
	return m, true, nil
}

func (s signature) index(name string) int {
	for i, p := range s.params {
		if p.name == name {
			return i
		}
	}
	return -1
}

// parse reads args by the signature and resolves the block.
func (s signature) parse(ctx context.Context, b *binder, args []any) (*callArgs, error) {
	fn := "bt." + s.name
	named, ok, err := s.named(args)
	if err != nil {
		return nil, err
	}
	if ok {
		args = args[:len(args)-1]
	}
	if len(args) > len(s.params) {
		if len(s.params) == 0 {
			return nil, s.errorf("takes no arguments, got %d", len(args))
		}
		return nil, s.errorf("takes at most %d arguments, got %d", len(s.params), len(args))
	}
	raw := make([]any, len(s.params))
	copy(raw, args)
	names := make([]string, 0, len(named))
	for k := range named {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		i := s.index(k)
		if i < len(args) && args[i] != nil {
			return nil, s.errorf("%s is given both by position and by name", k)
		}
		raw[i] = named[k]
	}
	a := &callArgs{vals: make([]any, len(s.params)), set: make([]bool, len(s.params))}
	blockGiven := false
	for i, p := range s.params {
		v := raw[i]
		if v == nil {
			if !p.opt {
				return nil, s.wrapArg(missing(fn, p))
			}
			continue
		}
		a.set[i] = true
		var err error
		switch p.kind {
		case kU16:
			a.vals[i], err = u16Arg(fn, p.name, raw, i)
		case kU8:
			a.vals[i], err = u8Arg(fn, p.name, raw, i)
		case kAddress:
			a.vals[i], err = addressArg(fn, p.name, raw, i)
		case kString:
			a.vals[i], err = stringArg(fn, p.name, raw, i)
		case kBool:
			bv, ok := v.(bool)
			if !ok {
				err = argErr(fn, "%s must be true or false, got %s", p.name, describe(v))
			}
			a.vals[i] = bv
		case kU16List:
			a.vals[i], err = u16List(fn, p.name, v)
		case kBlock:
			blockGiven = true
			a.at, err = resolveBlock(ctx, b.c, v)
			if err != nil {
				err = argErr(fn, "%s", err)
			}
		}
		if err != nil {
			return nil, s.wrapArg(err)
		}
	}
	if !blockGiven {
		at, err := pinned(ctx)
		if err != nil {
			return nil, argErr(fn, "%s", err)
		}
		a.at = at
	}
	return a, nil
}

// missing is the error for a required argument left out, in the words of
// the shared readers.
func missing(fn string, p param) error {
	switch p.kind {
	case kU16:
		return argErr(fn, "%s must be an integer 0..%d, got nil", p.name, math.MaxUint16)
	case kAddress, kString:
		return argErr(fn, "%s must be a string, got nil", p.name)
	}
	return argErr(fn, "%s is required", p.name)
}

// u16List reads a list of integers 0..65535.
func u16List(fn, name string, v any) ([]uint16, error) {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case map[string]any:
		if len(x) != 0 {
			return nil, argErr(fn, "%s must be a list of integers, got a table with named fields", name)
		}
	default:
		return nil, argErr(fn, "%s must be a list of integers, got %s", name, describe(v))
	}
	out := make([]uint16, len(list))
	for i := range list {
		n, err := u16Arg(fn, fmt.Sprintf("%s[%d]", name, i+1), list, i)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

package bt

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/scale"
)

// UntypedAPIError reports a runtime API method that the runtime declares
// as returning bare bytes (Vec<u8>) without describing their layout, as
// subtensor runtimes before the typed runtime APIs do. Its answer cannot
// be decoded from the metadata, and this package does not guess it.
type UntypedAPIError struct {
	API, Method string
	SpecName    string
	SpecVersion uint32
}

// Error names the method and the runtime.
func (e *UntypedAPIError) Error() string {
	return fmt.Sprintf("runtime API %s.%s: runtime %s version %d declares it as returning bare Vec<u8> and publishes no types for its answer, so it cannot be decoded (a newer runtime describes it; storage reads with chain.query work on this one)",
		e.API, e.Method, e.SpecName, e.SpecVersion)
}

// MissingAPIError reports that the runtime declares none of the runtime API
// methods a helper can use.
type MissingAPIError struct {
	API         string
	Methods     []string
	SpecName    string
	SpecVersion uint32
}

// Error names the methods looked for and the runtime.
func (e *MissingAPIError) Error() string {
	return fmt.Sprintf("runtime %s version %d has no runtime API %s.%s", e.SpecName, e.SpecVersion, e.API, strings.Join(e.Methods, " or ."))
}

// pickMethod returns the first of methods that the runtime of block hash
// declares with a typed answer, or with a bare Vec<u8> answer that a
// registered type table describes (see chain.APITypes). A method declared
// without types is skipped when a later one is usable, and reported
// otherwise.
func pickMethod(ctx context.Context, c *chain.Client, hash, api string, methods ...string) (*scale.RuntimeMethod, error) {
	md, err := c.Metadata(ctx, hash)
	if err != nil {
		return nil, err
	}
	v, err := c.RuntimeVersion(ctx, hash)
	if err != nil {
		return nil, err
	}
	var untypedErr *UntypedAPIError
	for _, name := range methods {
		m, err := md.Method(api, name)
		if err != nil {
			continue
		}
		if chain.UntypedOutput(md, m) && !chain.HasAPIType(v.SpecName, v.SpecVersion, m) {
			if untypedErr == nil {
				untypedErr = &UntypedAPIError{API: api, Method: name, SpecName: v.SpecName, SpecVersion: v.SpecVersion}
			}
			continue
		}
		return m, nil
	}
	if untypedErr != nil {
		return nil, untypedErr
	}
	return nil, &MissingAPIError{API: api, Methods: methods, SpecName: v.SpecName, SpecVersion: v.SpecVersion}
}

// callAPI calls the first usable method of methods (see pickMethod) with
// the arguments args returns for it.
func callAPI(ctx context.Context, c *chain.Client, hash, api string, args func(method string) []any, methods ...string) (scale.Value, error) {
	m, err := pickMethod(ctx, c, hash, api, methods...)
	if err != nil {
		return scale.Null, err
	}
	var a []any
	if args != nil {
		a = accountBytes(c, ctx, hash, m, args(m.Name))
	}
	return c.Call(ctx, hash, api, m.Name, a...)
}

// fixed returns an args function giving the same arguments to every method.
func fixed(args ...any) func(string) []any {
	return func(string) []any { return args }
}

// accountBytes passes an address as its 32 public-key bytes where the
// method takes a bare Vec<u8> (older subtensor runtimes take accounts so),
// as the SDK did; encoding the address text would ask about no account.
func accountBytes(c *chain.Client, ctx context.Context, hash string, m *scale.RuntimeMethod, args []any) []any {
	md, err := c.Metadata(ctx, hash)
	if err != nil {
		return args
	}
	var out []any
	for i, in := range m.Inputs {
		if i >= len(args) {
			break
		}
		s, ok := args[i].(string)
		if !ok || !chain.UntypedType(md, in.Type) {
			continue
		}
		pub, _, err := scale.SS58Decode(s)
		if err != nil {
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[i] = pub
	}
	if out == nil {
		return args
	}
	return out
}

package chain

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/btscript/btscript/scale"
	"golang.org/x/crypto/blake2b"
)

// DefaultEraPeriod is the mortality of a signed extrinsic, in blocks: it
// is valid for 64 blocks from the block it was built at (the SDK's
// default), so a transaction that did not get in stops being valid.
const DefaultEraPeriod = 64

// Signer signs extrinsic payloads with an sr25519 key (keys.Signer).
type Signer interface {
	PublicKey() [32]byte
	Sign(msg []byte) ([64]byte, error)
}

// TxOptions tunes a transaction. The zero value is a mortal transaction
// (DefaultEraPeriod) with no tip, the nonce from the client's nonce
// manager, waiting for inclusion in a block.
type TxOptions struct {
	// Tip is paid to the block author on top of the fee, in the chain's
	// smallest unit (rao).
	Tip uint64
	// Period is the mortality in blocks (a power of two 4..65536 after
	// rounding up); 0 means DefaultEraPeriod.
	Period uint64
	// Immortal makes the transaction valid forever (not recommended: it
	// can be replayed after the account is reaped).
	Immortal bool
	// WaitFinalized waits for the block to be finalized, not just for
	// inclusion.
	WaitFinalized bool
}

// ErrCall marks a call that the runtime's metadata does not describe, or
// arguments that do not fit it: nothing was signed or sent.
var ErrCall = errors.New("bad call")

// Tx is a signed extrinsic, ready to submit.
type Tx struct {
	Pallet, Call string
	Signer       string // SS58 address of the signer
	Nonce        uint64
	Tip          uint64
	// Bytes is the extrinsic as submitted (with its length prefix).
	Bytes []byte
	// Hash is the extrinsic hash, 0x-hex of blake2-256 of Bytes.
	Hash string
	// CallHex is the encoded call, 0x-hex.
	CallHex string
	// At is the block the transaction was built against (era birth,
	// runtime version).
	At string
}

// EncodeCall encodes pallet.call with args by the runtime's metadata. Args
// are positional in the call's field order, or one map of field names.
func EncodeCall(md *scale.Metadata, pallet, call string, args []any) ([]byte, error) {
	_, callT, _, _, err := md.ExtrinsicTypes()
	if err != nil {
		return nil, err
	}
	p, err := md.Pallet(pallet)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCall, err)
	}
	if p.CallType < 0 {
		return nil, fmt.Errorf("%w: pallet %s has no calls", ErrCall, pallet)
	}
	var v *scale.Variant
	names := make([]string, 0, len(md.Type(p.CallType).Variants))
	for i, x := range md.Type(p.CallType).Variants {
		names = append(names, x.Name)
		if x.Name == call {
			v = &md.Type(p.CallType).Variants[i]
		}
	}
	if v == nil {
		return nil, fmt.Errorf("%w: pallet %s has no call %s (calls: %s)", ErrCall, pallet, call, strings.Join(names, ", "))
	}
	var payload any
	if m, ok := singleMap(args); ok && namesFields(m, v.Fields) {
		payload = m
	} else {
		if len(args) != len(v.Fields) {
			return nil, fmt.Errorf("%w: %s.%s takes %d arguments (%s), got %d", ErrCall, pallet, call, len(v.Fields), fieldList(md, v.Fields), len(args))
		}
		payload = args
	}
	b, err := md.Encode(callT, map[string]any{pallet: map[string]any{call: payload}})
	if err != nil {
		return nil, fmt.Errorf("%w: %s.%s: %w", ErrCall, pallet, call, err)
	}
	return b, nil
}

func singleMap(args []any) (map[string]any, bool) {
	if len(args) != 1 {
		return nil, false
	}
	m, ok := args[0].(map[string]any)
	return m, ok
}

// namesFields reports whether every key of m is a field name of the call
// (and m names at least one), so that one map argument is the call's
// arguments by name rather than its only argument.
func namesFields(m map[string]any, fs []scale.Field) bool {
	if len(m) == 0 {
		return false
	}
	for k := range m {
		found := false
		for _, f := range fs {
			if f.Name != "" && f.Name == k {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func fieldList(md *scale.Metadata, fs []scale.Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Name + ": " + md.TypeName(f.Type)
	}
	return strings.Join(parts, ", ")
}

// era returns the mortal era bytes for a transaction built at block
// number current with the given period, and the era's birth block.
func era(current, period uint64) (enc [2]byte, birth uint64) {
	p := uint64(4)
	for p < period && p < 1<<16 {
		p <<= 1
	}
	phase := current % p
	quant := max(p>>12, 1)
	qphase := phase / quant * quant
	tz := uint64(bits.TrailingZeros64(p))
	v := min(max(tz-1, 1), 15) | (qphase/quant)<<4
	enc = [2]byte{byte(v), byte(v >> 8)}
	birth = (max(current, qphase)-qphase)/p*p + qphase
	return enc, birth
}

// extension holds the values of one signed extension: its data in the
// extrinsic and its additional signed data.
type extension struct{ extra, additional any }

// wrapInner builds a value for type id out of inner, descending through
// structs with a single field (the signed extensions wrap their data so).
func wrapInner(md *scale.Metadata, id int, inner any) any {
	t := md.Type(id)
	if t != nil && t.Def == scale.DefComposite && len(t.Fields) == 1 {
		v := wrapInner(md, t.Fields[0].Type, inner)
		if t.Fields[0].Name != "" {
			return map[string]any{t.Fields[0].Name: v}
		}
		return v
	}
	return inner
}

// empty returns the value of a type that carries no data ((), an empty
// struct or tuple), and whether it is one.
func empty(md *scale.Metadata, id int) (any, bool) {
	t := md.Type(id)
	switch {
	case t == nil:
		return nil, false
	case t.Def == scale.DefTuple && len(t.Tuple) == 0:
		return []any{}, true
	case t.Def == scale.DefComposite && len(t.Fields) == 0:
		return []any{}, true
	case t.Def == scale.DefComposite && len(t.Fields) == 1:
		return empty(md, t.Fields[0].Type)
	}
	return nil, false
}

// eraValue makes the Era enum value of the encoded era bytes: the variant
// whose index is the first byte, with the second byte as its data.
func eraValue(md *scale.Metadata, id int, enc []byte) (any, error) {
	t := md.Type(id)
	for t != nil && t.Def == scale.DefComposite && len(t.Fields) == 1 {
		id = t.Fields[0].Type
		t = md.Type(id)
	}
	if t == nil || t.Def != scale.DefVariant {
		return nil, fmt.Errorf("the mortality extension's type %s is not an Era enum", md.TypeName(id))
	}
	for _, v := range t.Variants {
		if v.Index == enc[0] {
			if len(enc) == 1 {
				return v.Name, nil
			}
			return map[string]any{v.Name: enc[1]}, nil
		}
	}
	return nil, fmt.Errorf("the Era enum %s has no variant %d", md.TypeName(id), enc[0])
}

// txContext is what a signed extrinsic is built against.
type txContext struct {
	md      *scale.Metadata
	rv      RuntimeVersion
	genesis string
	at      string // block hash built at
	number  uint64
	birth   string // era birth block hash ("" for immortal: genesis)
}

func (c *Client) txContext(ctx context.Context) (*txContext, error) {
	at, err := c.Head(ctx)
	if err != nil {
		return nil, err
	}
	h, err := c.Header(ctx, at)
	if err != nil {
		return nil, err
	}
	md, err := c.metadata(ctx, at)
	if err != nil {
		return nil, err
	}
	rv, err := c.runtimeVersion(ctx, at)
	if err != nil {
		return nil, err
	}
	genesis, err := c.GenesisHash(ctx)
	if err != nil {
		return nil, err
	}
	return &txContext{md: md, rv: rv, genesis: genesis, at: at, number: h.Number}, nil
}

// sign builds and signs the extrinsic of call with nonce.
func (tc *txContext) sign(ctx context.Context, c *Client, s Signer, call []byte, nonce uint64, opts TxOptions) ([]byte, error) {
	md := tc.md
	addrT, _, sigT, extraT, err := md.ExtrinsicTypes()
	if err != nil {
		return nil, err
	}
	var eraBytes []byte
	birthHash := tc.genesis
	if opts.Immortal {
		eraBytes = []byte{0}
	} else {
		period := opts.Period
		if period == 0 {
			period = DefaultEraPeriod
		}
		if period > 1<<16 {
			return nil, fmt.Errorf("era period %d is above 65536 blocks", period)
		}
		e, birth := era(tc.number, period)
		eraBytes = e[:]
		if birth == tc.number {
			birthHash = tc.at
		} else if birthHash, err = c.BlockHash(ctx, birth); err != nil {
			return nil, err
		}
	}
	exts := md.Extrinsic.SignedExtensions
	values := make([]extension, len(exts))
	for i, x := range exts {
		var e extension
		switch x.Identifier {
		case "CheckSpecVersion":
			e.additional = tc.rv.SpecVersion
		case "CheckTxVersion":
			e.additional = tc.rv.TransactionVersion
		case "CheckGenesis":
			e.additional = tc.genesis
		case "CheckMortality", "CheckEra":
			v, err := eraValue(md, x.Type, eraBytes)
			if err != nil {
				return nil, err
			}
			e.extra, e.additional = wrapInner(md, x.Type, v), birthHash
		case "CheckNonce":
			e.extra = wrapInner(md, x.Type, nonce)
		case "ChargeTransactionPayment":
			e.extra = wrapInner(md, x.Type, opts.Tip)
		case "ChargeAssetTxPayment":
			e.extra = map[string]any{"tip": opts.Tip, "asset_id": nil}
		case "CheckMetadataHash":
			// Off: the runtime then checks no metadata hash.
			e.extra = wrapInner(md, x.Type, "Disabled")
			e.additional = nil
		}
		for j, part := range []struct {
			v  *any
			id int
		}{{&e.extra, x.Type}, {&e.additional, x.AdditionalSigned}} {
			if *part.v != nil || (j == 1 && x.Identifier == "CheckMetadataHash") {
				continue
			}
			v, ok := empty(md, part.id)
			if !ok {
				return nil, fmt.Errorf("signed extension %s carries data of type %s that btscript does not know how to fill", x.Identifier, md.TypeName(part.id))
			}
			*part.v = v
		}
		values[i] = e
	}
	var extra, additional []byte
	for i, x := range exts {
		if extra, err = md.AppendEncode(extra, x.Type, values[i].extra); err != nil {
			return nil, fmt.Errorf("signed extension %s: %w", x.Identifier, err)
		}
		if additional, err = md.AppendEncode(additional, x.AdditionalSigned, values[i].additional); err != nil {
			return nil, fmt.Errorf("signed extension %s (signed data): %w", x.Identifier, err)
		}
	}
	// The extra type is the tuple of the extensions: check the parts make
	// exactly one of it.
	if v, err := md.Decode(extraT, extra); err != nil || v.Len() != len(exts) {
		return nil, fmt.Errorf("signed extensions do not encode as %s: %v", md.TypeName(extraT), err)
	}
	payload := make([]byte, 0, len(call)+len(extra)+len(additional))
	payload = append(append(append(payload, call...), extra...), additional...)
	if len(payload) > 256 {
		h := blake2b.Sum256(payload)
		payload = h[:]
	}
	sig, err := s.Sign(payload)
	if err != nil {
		return nil, err
	}
	pub := s.PublicKey()
	addr, err := md.Encode(addrT, map[string]any{"Id": pub[:]})
	if err != nil {
		if addr, err = md.Encode(addrT, pub[:]); err != nil {
			return nil, fmt.Errorf("encode the signer's address as %s: %w", md.TypeName(addrT), err)
		}
	}
	sigEnc, err := md.Encode(sigT, map[string]any{"Sr25519": sig[:]})
	if err != nil {
		return nil, fmt.Errorf("encode the signature as %s: %w", md.TypeName(sigT), err)
	}
	body := make([]byte, 0, 1+len(addr)+len(sigEnc)+len(extra)+len(call))
	body = append(body, 0x80|4)
	body = append(append(append(append(body, addr...), sigEnc...), extra...), call...)
	return append(scale.AppendCompact(make([]byte, 0, len(body)+5), uint64(len(body))), body...), nil
}

func hexOf(b []byte) string { return "0x" + hex.EncodeToString(b) }

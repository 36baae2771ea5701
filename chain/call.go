package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/btscript/btscript/scale"
)

// Call calls runtime API method api.method at block at ("" for the head),
// encoding args by the method's signature in the metadata (V15) and
// decoding its output.
func (c *Client) Call(ctx context.Context, at, api, method string, args ...any) (scale.Value, error) {
	growStack()
	v, err := c.runtimeCall(ctx, at, api, method, args)
	if err != nil {
		return scale.Null, fmt.Errorf("call %s.%s: %w", api, method, err)
	}
	return v, nil
}

func (c *Client) runtimeCall(ctx context.Context, at, api, method string, args []any) (scale.Value, error) {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return scale.Null, err
	}
	md, err := c.metadata(ctx, hash)
	if err != nil {
		return scale.Null, err
	}
	if len(md.APIs) == 0 {
		return scale.Null, fmt.Errorf("the runtime's metadata is V%d, which does not describe runtime APIs (V15 does)", md.Version)
	}
	m, err := md.Method(api, method)
	if err != nil {
		return scale.Null, err
	}
	in, err := m.EncodeArgs(args...)
	if err != nil {
		return scale.Null, err
	}
	out, err := c.callRaw(ctx, hash, m.RPCName(), in)
	if err != nil {
		return scale.Null, err
	}
	return c.callTyped(ctx, hash, md, m, out)
}

// CallRaw calls a runtime API by its state_call name ("Api_method") with
// argument bytes already encoded, returning the output bytes.
func (c *Client) CallRaw(ctx context.Context, at, name string, args []byte) ([]byte, error) {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", name, err)
	}
	out, err := c.callRaw(ctx, hash, name, args)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", name, err)
	}
	return out, nil
}

func (c *Client) callRaw(ctx context.Context, hash, name string, args []byte) ([]byte, error) {
	var s string
	if err := c.call(ctx, &s, "state_call", name, "0x"+hex.EncodeToString(args), hash); err != nil {
		return nil, err
	}
	return decodeHex(s)
}

// Constant returns a pallet constant of the runtime of block at.
func (c *Client) Constant(ctx context.Context, at, pallet, name string) (scale.Value, error) {
	growStack()
	md, err := c.Metadata(ctx, at)
	if err != nil {
		return scale.Null, fmt.Errorf("constant %s.%s: %w", pallet, name, err)
	}
	k, err := md.Constant(pallet, name)
	if err != nil {
		return scale.Null, fmt.Errorf("constant %s.%s: %w", pallet, name, err)
	}
	return k.Decode()
}

// Block is a block with its extrinsics.
type Block struct {
	Header *Header
	// Extrinsics are the raw extrinsics, 0x-hex, in block order.
	Extrinsics []string
	// Decoded holds the extrinsics decoded with the metadata of the
	// block's runtime, in the same order; nil when DecodeErr is set.
	Decoded []scale.Extrinsic
	// DecodeErr says why the extrinsics could not be decoded (the raw
	// ones are still given).
	DecodeErr error
}

// Block returns block at ("" for the head) with its extrinsics.
func (c *Client) Block(ctx context.Context, at string) (*Block, error) {
	growStack()
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("block: %w", err)
	}
	var r *struct {
		Block struct {
			Header     rawHeader `json:"header"`
			Extrinsics []string  `json:"extrinsics"`
		} `json:"block"`
	}
	if err := c.call(ctx, &r, "chain_getBlock", hash); err != nil {
		return nil, fmt.Errorf("block %s: %w", hash, err)
	}
	if r == nil {
		return nil, fmt.Errorf("block %s: the node does not have it", hash)
	}
	h, err := r.Block.Header.header(hash)
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", hash, err)
	}
	b := &Block{Header: h, Extrinsics: r.Block.Extrinsics}
	b.Decoded, b.DecodeErr = c.decodeExtrinsics(ctx, hash, b.Extrinsics)
	return b, nil
}

func (c *Client) decodeExtrinsics(ctx context.Context, hash string, raw []string) ([]scale.Extrinsic, error) {
	md, err := c.metadata(ctx, hash)
	if err != nil {
		return nil, err
	}
	out := make([]scale.Extrinsic, len(raw))
	for i, x := range raw {
		b, err := decodeHex(x)
		if err != nil {
			return nil, fmt.Errorf("extrinsic %d: %w", i, err)
		}
		if out[i], err = md.DecodeExtrinsic(b); err != nil {
			return nil, fmt.Errorf("extrinsic %d: %w", i, err)
		}
	}
	return out, nil
}

// Events returns the events of block at: System.Events decoded.
func (c *Client) Events(ctx context.Context, at string) (scale.Value, error) {
	v, err := c.Query(ctx, at, "System", "Events")
	if err != nil {
		return scale.Null, fmt.Errorf("events: %w", err)
	}
	return v, nil
}

// Heads is a subscription to new block headers: C delivers them until
// Unsubscribe or the context given to SubscribeHeads ends; Err then says
// why it ended.
type Heads struct {
	stream[*Header]
}

// HeadKind selects the headers SubscribeHeads delivers.
type HeadKind int

const (
	// Best is each new best block (chain_subscribeNewHeads).
	Best HeadKind = iota
	// Finalized is each newly finalized block
	// (chain_subscribeFinalizedHeads).
	Finalized
)

// SubscribeHeads delivers each new header of the kind asked for (Best or
// Finalized) on the returned Heads.C() until Unsubscribe or ctx ends.
func (c *Client) SubscribeHeads(ctx context.Context, kind HeadKind) (*Heads, error) {
	var method, unsub string
	switch kind {
	case Best:
		method, unsub = "chain_subscribeNewHeads", "chain_unsubscribeNewHeads"
	case Finalized:
		method, unsub = "chain_subscribeFinalizedHeads", "chain_unsubscribeFinalizedHeads"
	default:
		return nil, fmt.Errorf("subscribe heads: kind %d is neither chain.Best nor chain.Finalized", kind)
	}
	if c.t == nil {
		return nil, fmt.Errorf("subscribe heads: %w", ErrNoTransport)
	}
	sub, err := c.t.Subscribe(ctx, method, unsub)
	if err != nil {
		return nil, fmt.Errorf("subscribe heads: %w", err)
	}
	h := &Heads{}
	follow(ctx, &h.stream, sub, func(raw json.RawMessage) (*Header, bool, error) {
		var r rawHeader
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, false, fmt.Errorf("head notification: %w", err)
		}
		hdr, err := r.header("")
		if err != nil {
			return nil, false, fmt.Errorf("head notification: %w", err)
		}
		return hdr, true, nil
	})
	return h, nil
}

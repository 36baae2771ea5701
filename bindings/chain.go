package bindings

import (
	"context"
	"fmt"
	"sort"

	"github.com/btscript/btscript/chain"
	"github.com/btscript/btscript/engine"
	"github.com/btscript/btscript/scale"
)

// chainModule is the chain module: generic Substrate queries.
func (b *binder) chainModule() *engine.Module {
	m := engine.NewModule()
	for _, f := range []struct {
		name string
		fn   engine.Func
	}{
		{"query_map", b.queryMap},
		{"query_multi", b.queryMulti},
		{"call", b.call},
		{"constant", b.constant},
		{"head", b.head},
		{"finalized_head", b.finalizedHead},
		{"block_hash", b.blockHash},
		{"block_number", b.blockNumber},
		{"header", b.header},
		{"block", b.block},
		{"events", b.events},
		{"heads", b.heads(false)},
		{"finalized_heads", b.heads(true)},
		{"watch", b.watch},
		{"metadata", b.metadata},
		{"runtime_version", b.runtimeVersion},
	} {
		m.Async(f.name, b.chainCall("chain."+f.name, f.fn))
	}
	// The read a gather makes by the thousand waits in the client's batch,
	// not on a goroutine of its own.
	m.Start("query", b.chainStart("chain.query", b.queryStart))
	return m
}

// palletItem reads the pallet and item name arguments.
func palletItem(fn string, args []any) (string, string, error) {
	p, err := stringArg(fn, "pallet", args, 0)
	if err != nil {
		return "", "", err
	}
	it, err := stringArg(fn, "item", args, 1)
	if err != nil {
		return "", "", err
	}
	return p, it, nil
}

// query(pallet, item, keys...) reads one storage value, with a completion
// (see engine.StartFunc): the pin and the read are waited for without a
// goroutine, and the reads the script starts leave in full requests, the
// rest when it has started all it can (see chain.Batch, engine.OnWait).
func (b *binder) queryStart(ctx context.Context, args []any, done func([]any, error)) {
	pallet, item, err := palletItem("chain.query", args)
	if err != nil {
		done(nil, err)
		return
	}
	keys := goArgs(args[2:])
	engine.WhenPinned(ctx, func(hash string, _ bool, err error) {
		if err != nil {
			done(nil, fmt.Errorf("chain.query: resolving the pinned block: %w", err))
			return
		}
		b.batch.QueryThen(ctx, hash, pallet, item, keys, func(v scale.Value, err error) {
			if err != nil {
				done(nil, err)
				return
			}
			done([]any{Value{v}}, nil)
		})
	})
}

// query_map(pallet, item, prefix...) streams a storage map: an iterator
// giving (keys, value) per entry, keys being the decoded map keys.
func (b *binder) queryMap(ctx context.Context, args []any) ([]any, error) {
	pallet, item, err := palletItem("chain.query_map", args)
	if err != nil {
		return nil, err
	}
	at, err := b.blockAt(ctx, "chain.query_map", nil, 0)
	if err != nil {
		return nil, err
	}
	if at == "" {
		// One walk reads one block, even without a pin.
		if at, err = b.c.Head(ctx); err != nil {
			return nil, err
		}
	}
	prefix := goArgs(args[2:])
	opts := chain.MapOptions{}
	if b.opts.Progress != nil {
		opts.Progress = func(done int) { b.opts.Progress(pallet, item, done) }
	}
	h := newStream(ctx, b.opts.MapBuffer, 0, func(ctx context.Context, send func([]any) bool) error {
		return b.c.QueryMap(ctx, at, pallet, item, prefix, opts, func(e chain.MapEntry) error {
			keys := make([]any, len(e.Keys))
			for i, k := range e.Keys {
				keys[i] = Value{k}
			}
			if !send([]any{keys, Value{e.Value}}) {
				return context.Canceled
			}
			return nil
		})
	})
	return []any{iterator{b.e, h}}, nil
}

// query_multi({{pallet, item, keys...}, ...}) reads many storage values in
// one batched request.
func (b *binder) queryMulti(ctx context.Context, args []any) ([]any, error) {
	const fn = "chain.query_multi"
	var list []any
	if len(args) > 0 {
		switch x := args[0].(type) {
		case []any:
			list = x
		case map[string]any:
			if len(x) != 0 {
				return nil, argErr(fn, "argument must be a list of {pallet, item, keys...}, got a table with named fields")
			}
		default:
			return nil, argErr(fn, "argument must be a list of {pallet, item, keys...}, got %s", describe(args[0]))
		}
	}
	keys := make([]chain.StorageKey, len(list))
	for i, e := range list {
		parts, ok := e.([]any)
		if !ok || len(parts) < 2 {
			return nil, argErr(fn, "item %d must be {pallet, item, keys...}, got %s", i+1, describe(e))
		}
		p, ok1 := parts[0].(string)
		it, ok2 := parts[1].(string)
		if !ok1 || !ok2 {
			return nil, argErr(fn, "item %d must start with the pallet and item names", i+1)
		}
		keys[i] = chain.StorageKey{Pallet: p, Item: it, Keys: goArgs(parts[2:])}
	}
	at, err := b.blockAt(ctx, fn, nil, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	if len(keys) == 0 {
		return []any{out}, nil
	}
	vals, err := b.c.QueryMulti(ctx, at, keys)
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		out[i] = Value{v}
	}
	return []any{out}, nil
}

// call(api, method, args...) calls a runtime API method.
func (b *binder) call(ctx context.Context, args []any) ([]any, error) {
	const fn = "chain.call"
	api, err := stringArg(fn, "api", args, 0)
	if err != nil {
		return nil, err
	}
	method, err := stringArg(fn, "method", args, 1)
	if err != nil {
		return nil, err
	}
	at, err := b.blockAt(ctx, fn, nil, 0)
	if err != nil {
		return nil, err
	}
	v, err := b.c.Call(ctx, at, api, method, goArgs(args[2:])...)
	if err != nil {
		return nil, err
	}
	return []any{Value{v}}, nil
}

// constant(pallet, name) returns a pallet constant.
func (b *binder) constant(ctx context.Context, args []any) ([]any, error) {
	const fn = "chain.constant"
	pallet, err := stringArg(fn, "pallet", args, 0)
	if err != nil {
		return nil, err
	}
	name, err := stringArg(fn, "name", args, 1)
	if err != nil {
		return nil, err
	}
	at, err := b.blockAt(ctx, fn, nil, 0)
	if err != nil {
		return nil, err
	}
	v, err := b.c.Constant(ctx, at, pallet, name)
	if err != nil {
		return nil, err
	}
	return []any{Value{v}}, nil
}

// head() returns the pinned block's hash, or the best block's.
func (b *binder) head(ctx context.Context, _ []any) ([]any, error) {
	at, err := b.blockAt(ctx, "chain.head", nil, 0)
	if err != nil {
		return nil, err
	}
	if at != "" {
		return []any{at}, nil
	}
	h, err := b.c.Head(ctx)
	if err != nil {
		return nil, err
	}
	return []any{h}, nil
}

// finalized_head() returns the hash of the last finalized block.
func (b *binder) finalizedHead(ctx context.Context, _ []any) ([]any, error) {
	h, err := b.c.FinalizedHead(ctx)
	if err != nil {
		return nil, err
	}
	return []any{h}, nil
}

// block_hash(n) returns the hash of block number n.
func (b *binder) blockHash(ctx context.Context, args []any) ([]any, error) {
	n, err := intRange("chain.block_hash", "block number", args, 0, 0, 1<<53)
	if err != nil {
		return nil, err
	}
	h, err := b.c.BlockHash(ctx, n)
	if err != nil {
		return nil, err
	}
	return []any{h}, nil
}

// block_number([block]) returns a block's number.
func (b *binder) blockNumber(ctx context.Context, args []any) ([]any, error) {
	at, err := b.blockAt(ctx, "chain.block_number", args, 0)
	if err != nil {
		return nil, err
	}
	n, err := b.c.BlockNumber(ctx, at)
	if err != nil {
		return nil, err
	}
	return []any{n}, nil
}

// header([block]) returns a block header as a table.
func (b *binder) header(ctx context.Context, args []any) ([]any, error) {
	at, err := b.blockAt(ctx, "chain.header", args, 0)
	if err != nil {
		return nil, err
	}
	h, err := b.c.Header(ctx, at)
	if err != nil {
		return nil, err
	}
	return []any{headerTable(h)}, nil
}

func headerTable(h *chain.Header) map[string]any {
	digest := make([]any, len(h.Digest))
	for i, d := range h.Digest {
		digest[i] = d
	}
	return map[string]any{
		"hash":            h.Hash,
		"parent_hash":     h.ParentHash,
		"number":          h.Number,
		"state_root":      h.StateRoot,
		"extrinsics_root": h.ExtrinsicsRoot,
		"digest":          digest,
	}
}

// block([block]) returns {header = ..., extrinsics = {hex, ...}, calls =
// {{signed, address, call}, ...}}; calls is nil, and decode_error says why,
// when the runtime's metadata cannot decode the extrinsics.
func (b *binder) block(ctx context.Context, args []any) ([]any, error) {
	at, err := b.blockAt(ctx, "chain.block", args, 0)
	if err != nil {
		return nil, err
	}
	blk, err := b.c.Block(ctx, at)
	if err != nil {
		return nil, err
	}
	ext := make([]any, len(blk.Extrinsics))
	for i, x := range blk.Extrinsics {
		ext[i] = x
	}
	out := map[string]any{"header": headerTable(blk.Header), "extrinsics": ext}
	if blk.DecodeErr != nil {
		out["decode_error"] = blk.DecodeErr.Error()
	} else {
		calls := make([]any, len(blk.Decoded))
		for i, x := range blk.Decoded {
			call := map[string]any{"signed": x.Signed, "call": Value{x.Call}}
			if x.Signed {
				call["address"] = Value{x.Address}
			}
			calls[i] = call
		}
		out["calls"] = calls
	}
	return []any{out}, nil
}

// events([block]) returns the decoded System.Events of a block.
func (b *binder) events(ctx context.Context, args []any) ([]any, error) {
	at, err := b.blockAt(ctx, "chain.events", args, 0)
	if err != nil {
		return nil, err
	}
	v, err := b.c.Events(ctx, at)
	if err != nil {
		return nil, err
	}
	return []any{Value{v}}, nil
}

// heads([n]) / finalized_heads([n]) iterate over new headers, stopping
// after n when given.
func (b *binder) heads(finalized bool) engine.Func {
	fn := "chain.heads"
	if finalized {
		fn = "chain.finalized_heads"
	}
	return func(ctx context.Context, args []any) ([]any, error) {
		limit := 0
		if len(args) > 0 && args[0] != nil {
			n, err := intRange(fn, "count", args, 0, 1, 1<<31)
			if err != nil {
				return nil, err
			}
			limit = int(n)
		}
		h := newStream(ctx, 16, limit, func(ctx context.Context, send func([]any) bool) error {
			kind := chain.Best
			if finalized {
				kind = chain.Finalized
			}
			sub, err := b.c.SubscribeHeads(ctx, kind)
			if err != nil {
				return err
			}
			defer sub.Unsubscribe()
			for hdr := range sub.C() {
				if !send([]any{headerTable(hdr)}) {
					return nil
				}
			}
			if ctx.Err() != nil {
				return nil
			}
			if err := sub.Err(); err != nil {
				return err
			}
			return fmt.Errorf("%s: the subscription ended", fn)
		})
		return []any{iterator{b.e, h}}, nil
	}
}

// watch(pallet, item, keys...) iterates over a storage value: the value
// now, then each new value a block sets, with the hash of that block.
func (b *binder) watch(ctx context.Context, args []any) ([]any, error) {
	pallet, item, err := palletItem("chain.watch", args)
	if err != nil {
		return nil, err
	}
	keys := goArgs(args[2:])
	h := newStream(ctx, 16, 0, func(ctx context.Context, send func([]any) bool) error {
		w, err := b.c.SubscribeStorage(ctx, pallet, item, keys...)
		if err != nil {
			return err
		}
		defer w.Unsubscribe()
		for ch := range w.C() {
			if !send([]any{Value{ch.Value}, ch.Block}) {
				return nil
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if err := w.Err(); err != nil {
			return err
		}
		return fmt.Errorf("chain.watch: the subscription ended")
	})
	return []any{iterator{b.e, h}}, nil
}

// metadata() lists the runtime's pallets (storage item and constant
// names) and runtime APIs (method names), for listing and completion.
func (b *binder) metadata(ctx context.Context, _ []any) ([]any, error) {
	at, err := b.blockAt(ctx, "chain.metadata", nil, 0)
	if err != nil {
		return nil, err
	}
	md, err := b.c.Metadata(ctx, at)
	if err != nil {
		return nil, err
	}
	pallets := make(map[string]any, len(md.Pallets))
	for _, p := range md.Pallets {
		storage := make([]any, 0, len(p.Storage))
		for _, s := range p.Storage {
			storage = append(storage, s.Name)
		}
		consts := make([]any, 0, len(p.Constants))
		for _, k := range p.Constants {
			consts = append(consts, k.Name)
		}
		pallets[p.Name] = map[string]any{"storage": storage, "constants": consts}
	}
	apis := make(map[string]any, len(md.APIs))
	for _, a := range md.APIs {
		methods := make([]string, 0, len(a.Methods))
		for _, m := range a.Methods {
			methods = append(methods, m.Name)
		}
		sort.Strings(methods)
		apis[a.Name] = methods
	}
	return []any{map[string]any{"pallets": pallets, "apis": apis, "version": md.Version}}, nil
}

// runtime_version([block]) returns the runtime version of the block given
// (a number or a hash), else of the pinned block or the head.
func (b *binder) runtimeVersion(ctx context.Context, args []any) ([]any, error) {
	at, err := b.blockAt(ctx, "chain.runtime_version", args, 0)
	if err != nil {
		return nil, err
	}
	v, err := b.c.RuntimeVersion(ctx, at)
	if err != nil {
		return nil, err
	}
	return []any{map[string]any{
		"spec_name":           v.SpecName,
		"impl_name":           v.ImplName,
		"spec_version":        v.SpecVersion,
		"impl_version":        v.ImplVersion,
		"transaction_version": v.TransactionVersion,
	}}, nil
}

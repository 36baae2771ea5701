package chain

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/scale"
)

// StorageChange is the value of a watched storage item as of a block.
type StorageChange struct {
	Block string
	Value scale.Value
}

// Watch is a subscription to one storage value.
type Watch struct {
	sub *rpc.Subscription
	// C delivers the value now, then each new value, until Close or the
	// subscription's context ends; it is closed then.
	C   <-chan StorageChange
	err error
}

// Err says why the subscription ended, once C is closed.
func (w *Watch) Err() error {
	if w.err != nil {
		return w.err
	}
	return w.sub.Err()
}

// Close ends the subscription.
func (w *Watch) Close() error { return w.sub.Unsubscribe() }

// SubscribeStorage watches pallet.item(keys...) with state_subscribeStorage:
// the node sends the value now, then again whenever a block changes it.
// Each value is decoded with the metadata of the block it is from.
func (c *Client) SubscribeStorage(ctx context.Context, pallet, item string, keys ...any) (*Watch, error) {
	head, err := c.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch %s.%s: %w", pallet, item, err)
	}
	md, err := c.metadata(ctx, head)
	if err != nil {
		return nil, fmt.Errorf("watch %s.%s: %w", pallet, item, err)
	}
	_, key, err := storageKey(md, pallet, item, keys)
	if err != nil {
		return nil, fmt.Errorf("watch %s.%s: %w", pallet, item, err)
	}
	sub, err := c.t.Subscribe(ctx, "state_subscribeStorage", "state_unsubscribeStorage", []string{key})
	if err != nil {
		return nil, fmt.Errorf("watch %s.%s: %w", pallet, item, err)
	}
	ch := make(chan StorageChange)
	w := &Watch{sub: sub, C: ch}
	fail := func(err error) {
		w.err = fmt.Errorf("watch %s.%s: %w", pallet, item, err)
		sub.Unsubscribe()
	}
	go func() {
		defer close(ch)
		for {
			var raw json.RawMessage
			var ok bool
			select {
			case raw, ok = <-sub.C():
				if !ok {
					return
				}
			case <-ctx.Done():
				sub.Unsubscribe()
				return
			}
			var set struct {
				Block string `json:"block"`
			}
			if err := json.Unmarshal(raw, &set); err != nil {
				fail(fmt.Errorf("notification %.100s: %w", raw, err))
				return
			}
			changes, err := parseChangeSets(append(append([]byte{'['}, raw...), ']'))
			if err != nil {
				fail(fmt.Errorf("notification %.100s: %w", raw, err))
				return
			}
			v, present := changes[key]
			if !present {
				continue // a change set about other keys
			}
			change, err := c.decodeChange(ctx, set.Block, pallet, item, keys, v)
			if err != nil {
				fail(err)
				return
			}
			select {
			case ch <- change:
			case <-ctx.Done():
				sub.Unsubscribe()
				return
			}
		}
	}()
	return w, nil
}

// decodeChange decodes a watched value with the metadata of its block.
func (c *Client) decodeChange(ctx context.Context, block, pallet, item string, keys []any, v *string) (StorageChange, error) {
	hash, err := checkHash("notification block", block)
	if err != nil {
		return StorageChange{}, err
	}
	md, err := c.metadata(ctx, hash)
	if err != nil {
		return StorageChange{}, err
	}
	e, _, err := storageKey(md, pallet, item, keys)
	if err != nil {
		return StorageChange{}, err
	}
	var b []byte
	if v != nil {
		if b, err = decodeHex(*v); err != nil {
			return StorageChange{}, err
		}
	}
	val, err := e.DecodeValue(b)
	if err != nil {
		return StorageChange{}, err
	}
	return StorageChange{Block: hash, Value: val}, nil
}

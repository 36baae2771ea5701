package chain

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/btscript/btscript/scale"
)

// StorageChange is the value of a watched storage item as of a block.
type StorageChange struct {
	Block string
	Value scale.Value
}

// Watch is a subscription to one storage value: C delivers the value
// now, then each new value, until Unsubscribe or the context given to
// SubscribeStorage ends; Err then says why it ended.
type Watch struct {
	stream[StorageChange]
}

// SubscribeStorage watches pallet.item(keys...) with state_subscribeStorage:
// the node sends the value now, then again whenever a block changes it.
// Each value is decoded with the metadata of the block it is from.
func (c *Client) SubscribeStorage(ctx context.Context, pallet, item string, keys ...any) (*Watch, error) {
	w, err := c.subscribeStorage(ctx, pallet, item, keys)
	if err != nil {
		return nil, fmt.Errorf("watch %s.%s: %w", pallet, item, err)
	}
	return w, nil
}

func (c *Client) subscribeStorage(ctx context.Context, pallet, item string, keys []any) (*Watch, error) {
	head, err := c.Head(ctx)
	if err != nil {
		return nil, err
	}
	md, err := c.metadata(ctx, head)
	if err != nil {
		return nil, err
	}
	_, key, err := storageKey(md, pallet, item, keys)
	if err != nil {
		return nil, err
	}
	if c.t == nil {
		return nil, ErrNoTransport
	}
	sub, err := c.t.Subscribe(ctx, "state_subscribeStorage", "state_unsubscribeStorage", []string{key})
	if err != nil {
		return nil, err
	}
	w := &Watch{}
	follow(ctx, &w.stream, sub, func(raw json.RawMessage) (StorageChange, bool, error) {
		fail := func(err error) (StorageChange, bool, error) {
			return StorageChange{}, false, fmt.Errorf("watch %s.%s: %w", pallet, item, err)
		}
		var set struct {
			Block string `json:"block"`
		}
		if err := json.Unmarshal(raw, &set); err != nil {
			return fail(fmt.Errorf("notification %.100s: %w", raw, err))
		}
		changes, err := parseChangeSets(append(append([]byte{'['}, raw...), ']'))
		if err != nil {
			return fail(fmt.Errorf("notification %.100s: %w", raw, err))
		}
		v, present := changes[key]
		if !present {
			return StorageChange{}, false, nil // a change set about other keys
		}
		change, err := c.decodeChange(ctx, set.Block, pallet, item, keys, v)
		if err != nil {
			return fail(err)
		}
		return change, true, nil
	})
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

package scale

import (
	"encoding/hex"
	"fmt"
)

// IsMap reports whether the entry is a map (has keys).
func (e *StorageEntry) IsMap() bool { return len(e.Hashers) > 0 }

// FullName returns "Pallet.Item".
func (e *StorageEntry) FullName() string { return e.Pallet + "." + e.Name }

// Prefix32 returns twox128(pallet prefix) ‖ twox128(item), the first 32
// bytes of every key of the entry.
func (e *StorageEntry) Prefix32() []byte {
	if e.prefix != nil {
		return append([]byte(nil), e.prefix...)
	}
	return StoragePrefix(e.Prefix, e.Name)
}

// Key returns the storage key for args, one per map key (a Value or a plain
// Go value, see Metadata.Encode): twox128(prefix) ‖ twox128(item) ‖
// hasher_i(encode(arg_i)). With fewer args than keys it returns the prefix
// shared by all keys starting with those args, for state_getKeysPaged.
func (e *StorageEntry) Key(args ...any) ([]byte, error) {
	return e.AppendKey(make([]byte, 0, 32+len(args)*48), args...)
}

// AppendKey is Key appending the key to dst: a caller making many keys
// can build each in the same buffer.
func (e *StorageEntry) AppendKey(dst []byte, args ...any) ([]byte, error) {
	if len(args) > len(e.Hashers) {
		if len(e.Hashers) == 0 {
			return nil, fmt.Errorf("storage %s is a plain value and takes no keys, got %d", e.FullName(), len(args))
		}
		return nil, fmt.Errorf("storage %s takes %d keys, got %d", e.FullName(), len(e.Hashers), len(args))
	}
	if len(e.KeyTypes) != len(e.Hashers) {
		return nil, fmt.Errorf("storage %s: key type %s does not split into %d keys", e.FullName(), e.md.TypeName(e.KeyType), len(e.Hashers))
	}
	key := dst
	if e.prefix != nil {
		key = append(key, e.prefix...)
	} else {
		key = append(key, StoragePrefix(e.Prefix, e.Name)...)
	}
	for i, a := range args {
		// The encoding goes after the key, is hashed onto the end, and the
		// hash moved down over it: no buffer but the key's.
		start := len(key)
		var err error
		key, err = e.md.AppendEncode(key, e.KeyTypes[i], a)
		if err != nil {
			return nil, fmt.Errorf("storage %s key %d (%s): %w", e.FullName(), i+1, e.md.TypeName(e.KeyTypes[i]), err)
		}
		end := len(key)
		key = e.Hashers[i].Append(key, key[start:end])
		key = append(key[:start], key[end:]...)
	}
	return key, nil
}

// DecodeKey recovers the map keys from a full storage key. Keys hashed
// with Blake2_128Concat, Twox64Concat or Identity are decoded; a key behind
// a hasher that cannot be reversed is an error.
func (e *StorageEntry) DecodeKey(key []byte) ([]Value, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("storage %s: key of %d bytes is shorter than its 32-byte prefix", e.FullName(), len(key))
	}
	if p := e.Prefix32(); string(key[:32]) != string(p) {
		return nil, fmt.Errorf("storage %s: key 0x%s does not start with the prefix 0x%s", e.FullName(), hex.EncodeToString(key[:32]), hex.EncodeToString(p))
	}
	if len(e.KeyTypes) != len(e.Hashers) {
		return nil, fmt.Errorf("storage %s: key type %s does not split into %d keys", e.FullName(), e.md.TypeName(e.KeyType), len(e.Hashers))
	}
	rest := key[32:]
	off := 32
	out := make([]Value, len(e.Hashers))
	for i, h := range e.Hashers {
		hl := h.HashLen()
		if len(rest) < hl {
			return nil, fmt.Errorf("storage %s: key ends inside the %s hash of key %d (offset %d)", e.FullName(), h, i+1, off)
		}
		if !h.Reversible() {
			return nil, fmt.Errorf("storage %s: key %d is hashed with %s, which cannot be reversed", e.FullName(), i+1, h)
		}
		rest, off = rest[hl:], off+hl
		v, n, err := e.md.DecodePrefix(e.KeyTypes[i], rest)
		if err != nil {
			return nil, fmt.Errorf("storage %s key %d at offset %d: %w", e.FullName(), i+1, off, err)
		}
		out[i] = v
		rest, off = rest[n:], off+n
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("storage %s: %d bytes left over after the keys at offset %d", e.FullName(), len(rest), off)
	}
	return out, nil
}

// DecodeValue decodes a storage value. A nil b (the node returned null for
// a missing key) gives the default: Null for Optional entries, the decoded
// default bytes for Default entries.
func (e *StorageEntry) DecodeValue(b []byte) (Value, error) {
	if b == nil {
		return e.DefaultValue()
	}
	v, err := e.md.Decode(e.Value, b)
	if err != nil {
		return Null, fmt.Errorf("storage %s: %w", e.FullName(), err)
	}
	return v, nil
}

// DefaultValue returns the value a read of a missing key gives: Null for
// an Optional entry, the decoded metadata default for a Default entry.
func (e *StorageEntry) DefaultValue() (Value, error) {
	if e.Modifier == Optional {
		// The metadata default of an Optional entry is an encoded
		// Option<V>, None in practice.
		switch {
		case len(e.Default) == 0 || (len(e.Default) == 1 && e.Default[0] == 0):
			return Null, nil
		case e.Default[0] == 1:
			v, err := e.md.Decode(e.Value, e.Default[1:])
			if err != nil {
				return Null, fmt.Errorf("storage %s default: %w", e.FullName(), err)
			}
			return v, nil
		}
		return Null, fmt.Errorf("storage %s default: invalid Option encoding 0x%x", e.FullName(), e.Default)
	}
	v, err := e.md.Decode(e.Value, e.Default)
	if err != nil {
		return Null, fmt.Errorf("storage %s default: %w", e.FullName(), err)
	}
	return v, nil
}

// Package scale implements the SCALE codec driven by Substrate runtime
// metadata (V14 and V15): the portable type registry compiled to decoders
// and encoders, a value model that keeps every integer exact, storage key
// hashing, and SS58 addresses. It does no I/O and starts no goroutines.
//
// Parse reads metadata in the forms a node returns it (state_getMetadata,
// Metadata_metadata_at_version, raw or hex) and compiles every registry
// type once. Metadata.Decode then turns bytes into a Value strictly: all
// input must be consumed, and errors name the type, the field path (for
// example "[17].axon_info.ip") and the byte offset.
//
// Values map SCALE types as follows:
//   - integers: Uint or Int when they fit in 64 bits, Big otherwise; Bits
//     records the declared width (8..256);
//   - Vec<u8> and [u8; N]: Bytes, rendered as "0x…" hex;
//   - sp_core::crypto::AccountId32: Account, rendered in SS58 with the
//     metadata's System.SS58Prefix;
//   - structs with named fields: Composite (field names shared with the
//     compiled codec); a struct with one unnamed field is its field; tuple
//     structs and tuples are Seq; empty structs and () are Null;
//   - Option<T>: Null or the T itself (so Some(None) of a nested option
//     reads as Null);
//   - other enums: Variant with the variant name and, when the variant has
//     data, a payload (the field, a Composite or a Seq);
//   - bit sequences: a Seq of Bool, one per bit.
//
// Sequences of integers, compact integers and bools are stored packed (8
// bytes per item, nothing for the garbage collector to scan); Len and
// Index read them without allocating.
//
// Value.Unmarshal stores a value in Go structs, slices, maps, *big.Int and
// AccountID, as encoding/json stores a document, with errors that name the
// path.
//
// Metadata.Encode accepts a Value or plain Go values (see its
// documentation); StorageEntry.Key builds storage keys and
// RuntimeMethod.EncodeArgs the argument of state_call.
package scale

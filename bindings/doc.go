// Package bindings installs the Lua modules of btscript into an engine:
//
//   - chain: storage queries (single, multi, streamed maps), runtime API
//     calls, constants, blocks, headers, events, head subscriptions and
//     metadata listings of any Substrate chain;
//   - bt: the Bittensor helpers of package bt with the bittensor SDK's
//     names, argument orders and optional block argument (a number or a
//     hash, by position or in a final table of names), nil where the SDK
//     gives None, and errors naming the helper and its usage for wrong
//     arguments or an unknown name;
//   - json: encoding and decoding that keeps integers exact;
//   - ss58: address encoding, decoding and validation.
//
// Every chain call targets the block pinned by the engine (inside gather,
// at, or a run pinned with engine.WithBlock), else the head at the time of
// the call. Chain values reach Lua converted by one rule: integers of types
// up to 32 bits are numbers and of wider types (u64, u128 …) exact Int
// userdata whatever their value, so sums of them stay exact, never floats;
// bytes are "0x…" hex strings; account ids are SS58 strings; structs are
// tables keyed by the metadata's field names; unit enum variants are their
// name and variants with data {Name = data}; sequences are arrays, marked
// so that an empty one is [] in JSON; None is nil.
// Balances from bt helpers are Balance userdata: b.rao (exact), b.tao (a
// float, on request), tostring(b) = "τ1.500000000", == < <= + - between
// balances, and json.encode writes the rao integer. Amounts of a subnet's
// alpha are Alpha userdata ("α1.500000000 (subnet 3)"), which mix only
// with alpha of the same subnet.
package bindings

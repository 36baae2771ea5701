// Package bt reads Bittensor (subtensor) chain state the way the bittensor
// SDK's AsyncSubtensor does: the same helper names and argument orders,
// reading the same storage items, constants and runtime APIs, so that
// answers match the SDK's. Embedders get these helpers without Lua; the
// bindings package exposes them to scripts as the bt module.
//
// Every helper takes a *chain.Client and a block hash at ("" means the head
// at the time of the call). A helper that makes several reads resolves at
// once, so all of its reads see the same block.
//
// Storage-based helpers work on every runtime. Helpers that call a runtime
// API fall back to the older method where the SDK does (the _v2 and
// mechagraph methods are missing on older runtimes). Older runtimes declare
// the subtensor runtime APIs as returning bare Vec<u8> with no type
// information; this package registers a type table (chain.APITypes) for
// those it knows, written from subtensor's structs at that runtime's commit
// (spec 218), and a helper whose method no table covers fails with an error
// saying so rather than guessing the layout of the answer.
//
// Results come two ways: as scale.Value (every field the runtime has, under
// its metadata's names) and, for the main runtime API answers, as Go
// structs decoded with scale.Value.Unmarshal (NeuronsLiteOf, NeuronOf,
// MetagraphOf, StakeInfoOf, DelegatesOf, DelegateOf, SubnetsOf).
//
// Amounts are exact and carry their unit in their type: Balance holds TAO
// as rao in a uint64; Alpha holds an amount of a subnet's alpha token with
// its netuid (GetStake returns one).
package bt

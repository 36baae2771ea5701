// Package chain queries a Substrate chain over an rpc.Transport: blocks and
// headers, storage (single, multi and paged maps), runtime API calls,
// constants and events, each decoded with the metadata of the runtime of
// the block it targets.
//
// Every query takes a block hash, or "" for the head at the time of the
// call. The runtime of each block is looked up once and its metadata once
// per runtime version (in memory, and on disk between runs when
// Options.CacheDir is set). Identical concurrent lookups share one request,
// and storage reads of the same block in flight together are sent as one
// state_queryStorageAt.
//
// Dial connects and returns a Client once the node answers (DialLazy
// connects on the first request); New wraps any rpc.Transport, such as a
// record.Replayer. A Client is safe for concurrent use and meant to be
// shared: by goroutines, and by the Lua engines that bindings.Install
// gives it to. Values come back as scale.Value, which Unmarshal stores
// into Go structs. Subscriptions (SubscribeHeads, SubscribeStorage) have
// the shape of rpc.Subscription: C, Err, Unsubscribe and Done, and end
// with the context they were made with.
package chain

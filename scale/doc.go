// Package scale implements the SCALE codec driven by Substrate runtime
// metadata (V14 and V15): the portable type registry compiled to decoders
// and encoders, a value model that keeps every integer exact, storage key
// hashing, and SS58 addresses. It does no I/O and starts no goroutines.
package scale

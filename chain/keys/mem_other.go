//go:build !linux

package keys

// addressSpaceLeft reports no limit where it cannot be read.
func addressSpaceLeft() (uint64, bool) { return 0, false }

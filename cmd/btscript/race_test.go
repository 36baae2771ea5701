//go:build race

package main

// raceEnabled: the race detector multiplies memory, so RSS bounds do not
// apply.
const raceEnabled = true

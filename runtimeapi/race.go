//go:build race

package runtimeapi

// raceEnabled reports whether the race detector is on (see wire.go).
const raceEnabled = true

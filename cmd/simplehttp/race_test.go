//go:build race

package main

// raceEnabled says the tests run with the race detector; the end-to-end
// tests then build the command with it too.
const raceEnabled = true

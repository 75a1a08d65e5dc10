//go:build !linux

package main

// startReaper does nothing here: see reap_linux.go.
func startReaper() {}

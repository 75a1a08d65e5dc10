//go:build !linux

package main

// maybeExecSubreaper does nothing: see reap_linux_test.go.
func maybeExecSubreaper() {}

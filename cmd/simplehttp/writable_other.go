//go:build !unix

package main

// notWritable cannot tell here (see writable_unix.go).
func notWritable(string) string { return "" }

//go:build !linux

package main

import (
	"io/fs"
	"os"
)

// isTerminal reports whether f is a character device: a terminal, or a
// device such as /dev/null, where a QR code does no harm either.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&fs.ModeCharDevice != 0
}

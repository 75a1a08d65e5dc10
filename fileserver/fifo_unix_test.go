//go:build unix

package fileserver_test

import "golang.org/x/sys/unix"

// mkfifo makes a named pipe at path.
func mkfifo(path string, mode uint32) error { return unix.Mkfifo(path, mode) }

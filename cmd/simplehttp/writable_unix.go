//go:build unix

package main

import (
	"errors"

	"golang.org/x/sys/unix"
)

// notWritable says why this process cannot create files in dir: a
// read-only file system, or permissions that do not let its user write
// there; "" when it can, or when it cannot tell.
func notWritable(dir string) string {
	// access(2) checks for the real user, which is the one that writes
	// (the effective one) but in a set-user-ID program.
	err := unix.Access(dir, unix.W_OK)
	switch {
	case errors.Is(err, unix.EROFS):
		return "it is on a read-only file system"
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return "this user may not write there"
	}
	return ""
}

//go:build unix && !linux && !aix && !solaris

package fileserver

import (
	"os"

	"golang.org/x/sys/unix"
)

// createUnnamed: only Linux has O_TMPFILE; elsewhere uploads go through
// a hidden named file.
func createUnnamed(dir *os.File) (*os.File, error) { return nil, errUnnamedUnsupported }

func linkUnnamed(f *os.File, dirfd int, name string) error { panic("unreachable") }

// renameNoReplace: no rename that never replaces is used beyond Linux,
// so a file system without hard links takes no upload there.
func renameNoReplace(dirfd int, old, name string) error { return unix.ENOSYS }

//go:build unix && !linux && !aix && !solaris

package fileserver

import "os"

var noUnnamed bool

// createUnnamed: only Linux has O_TMPFILE; elsewhere uploads go through
// a hidden named file.
func createUnnamed(dir *os.File) (*os.File, error) { return nil, errUnnamedUnsupported }

func linkUnnamed(f *os.File, dirfd int, name string) error { panic("unreachable") }

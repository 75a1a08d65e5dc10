//go:build linux || darwin || freebsd

package fileserver

import "golang.org/x/sys/unix"

// SetStatfs makes the statfs of an upload's directory answer what edit
// makes of the real answer, as another file system would; it returns a
// func that restores it.
func SetStatfs(edit func(*unix.Statfs_t)) (restore func()) {
	old := fstatfs
	fstatfs = func(fd int, st *unix.Statfs_t) error {
		if err := old(fd, st); err != nil {
			return err
		}
		edit(st)
		return nil
	}
	return func() { fstatfs = old }
}

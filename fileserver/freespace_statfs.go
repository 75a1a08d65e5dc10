//go:build linux || darwin || freebsd

package fileserver

import (
	"os"

	"golang.org/x/sys/unix"
)

// freeSpace is the space an unprivileged process may still use on the
// file system of dir, or -1 if it cannot tell.
func freeSpace(dir *os.File) int64 {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(dir.Fd()), &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

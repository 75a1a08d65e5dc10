//go:build linux || darwin || freebsd

package fileserver

import (
	"os"

	"golang.org/x/sys/unix"
)

// reserveUsable: root may write into the blocks a file system keeps for
// it (ext4's 5 %, UFS's minfree), which statfs counts as free but not as
// available.
var reserveUsable = os.Geteuid() == 0

// freeSpace is the space this process may still use on the file system
// of dir, or -1 if it cannot tell: the available blocks, or all the free
// ones for root. Counting only the available ones, root's uploads whose
// length was announced got 507 at once where the same file sent without
// a length was stored.
func freeSpace(dir *os.File) int64 {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(dir.Fd()), &st); err != nil {
		return -1
	}
	free := int64(st.Bavail)
	if reserveUsable {
		free = int64(st.Bfree)
	}
	return free * int64(st.Bsize)
}

//go:build linux || darwin || freebsd

package fileserver

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// reserveUsable: root may write into the blocks a file system keeps for
// it (ext4's 5 %, UFS's minfree), which statfs counts as free but not as
// available.
var reserveUsable = os.Geteuid() == 0

// fstatfs is unix.Fstatfs; tests give it the answers of other file
// systems.
var fstatfs = unix.Fstatfs

// freeSpace is the space this process may still use on the file system
// of dir, or -1 if it cannot tell: the available blocks, or all the free
// ones for root. Counting only the available ones, root's uploads whose
// length was announced got 507 at once where the same file sent without
// a length was stored.
func freeSpace(dir *os.File) int64 {
	var st unix.Statfs_t
	if err := fstatfs(int(dir.Fd()), &st); err != nil {
		return -1
	}
	free := uint64(st.Bavail)
	if reserveUsable {
		free = uint64(st.Bfree)
	}
	return spaceOf(uint64(st.Blocks), free, uint64(st.Bsize))
}

// spaceOf is free blocks of bsize bytes, or -1 for a file system that
// tells no size: one of no blocks at all, which is what a FUSE file
// system that does not answer statfs reports through libfuse (all
// zeros), and on which every upload of announced length got 507. Past
// what an int64 holds (a network or FUSE file system that reports its
// space as unlimited), it is math.MaxInt64: the product wrapped around,
// to nothing or less.
func spaceOf(blocks, free, bsize uint64) int64 {
	if blocks == 0 || bsize == 0 {
		return -1
	}
	if free > math.MaxInt64/bsize {
		return math.MaxInt64
	}
	return int64(free * bsize)
}

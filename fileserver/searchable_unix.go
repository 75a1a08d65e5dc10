//go:build unix && !aix

package fileserver

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// unsearchable reports why the names in the open directory f cannot be
// looked up (a directory its user may read but not search: mode r--),
// or nil when they can or it cannot tell. One fstatat(2) of "." in it:
// a name is looked up in a directory only with its search permission,
// even ".".
func unsearchable(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	rc.Control(func(fd uintptr) {
		var st unix.Stat_t
		for {
			err := unix.Fstatat(int(fd), ".", &st, unix.AT_SYMLINK_NOFOLLOW)
			if err != unix.EINTR {
				if errors.Is(err, unix.EACCES) {
					serr = err
				}
				return
			}
		}
	})
	return serr
}

// reopenDir returns a new file of the directory f, not yet read, that
// reads its entries with the types the directory holds and looks none of
// them up; nil if it cannot. f, opened in an os.Root, looks each entry up
// as it reads it. The new file is not in the Root: what its entries' Info
// would look up by path must not be asked of it (see unsearchedDir).
func reopenDir(f *os.File) *os.File {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	nfd := -1
	rc.Control(func(fd uintptr) {
		nfd, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err != nil || nfd < 0 {
		return nil
	}
	if _, err := unix.Seek(nfd, 0, 0); err != nil {
		syscall.Close(nfd)
		return nil
	}
	return os.NewFile(uintptr(nfd), f.Name())
}

package fileserver

import (
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// procFD tells whether /proc/self/fd is there to link an unnamed file
// through (a chroot or container may lack /proc); without it unnamed
// files are not used, as they could never be given a name.
var procFD = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
})

// createUnnamed opens an unnamed file in dir (O_TMPFILE): it has no name
// until linkUnnamed gives it one, so nothing can list, serve or leave it
// behind, whatever happens to the process.
func createUnnamed(dir *os.File) (*os.File, error) {
	if noUnnamed || !procFD() {
		return nil, errUnnamedUnsupported
	}
	fd, err := unix.Openat(int(dir.Fd()), ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o666)
	switch err {
	case nil:
		return os.NewFile(uintptr(fd), "(upload)"), nil
	case unix.EOPNOTSUPP, unix.EISDIR, unix.EINVAL, unix.ENOENT:
		// The file system (or kernel) has no O_TMPFILE.
		return nil, errUnnamedUnsupported
	}
	return nil, &os.PathError{Op: "create", Path: "(upload)", Err: err}
}

// linkUnnamed gives the unnamed file f the name in dirfd, failing with
// EEXIST if the name exists. linkat(2) with AT_EMPTY_PATH needs a
// capability; through /proc it needs none.
func linkUnnamed(f *os.File, dirfd int, name string) error {
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())), dirfd, name, unix.AT_SYMLINK_FOLLOW)
	if err != nil {
		return &os.LinkError{Op: "link", Old: "(upload)", New: name, Err: err}
	}
	return nil
}

// renameNoReplace renames old to name in dirfd, failing with EEXIST if
// name exists: renameat2(2) with RENAME_NOREPLACE, which FAT and exFAT
// have though they have no hard links.
func renameNoReplace(dirfd int, old, name string) error {
	return unix.Renameat2(dirfd, old, dirfd, name, unix.RENAME_NOREPLACE)
}

//go:build unix && !aix && !solaris

package fileserver

import "golang.org/x/sys/unix"

// SetKeepLinkError makes the link that keeps a file an upload replaces
// fail with errno, as it does for a file of another user under
// fs.protected_hardlinks; it returns a func that restores it.
func SetKeepLinkError(errno unix.Errno) (restore func()) {
	old := keepLink
	keepLink = func(int, string, int, string, int) error { return errno }
	return func() { keepLink = old }
}

// SetCommitLinkError makes the link that names an upload's hidden
// temporary file fail with errno, as on a file system without hard links
// (FAT answers EPERM); it returns a func that restores it.
func SetCommitLinkError(errno unix.Errno) (restore func()) {
	old := commitLink
	commitLink = func(int, string, int, string, int) error { return errno }
	return func() { commitLink = old }
}

//go:build unix && !aix && !solaris && !dragonfly

package fileserver

import "golang.org/x/sys/unix"

// readlinkat reads the link name in the directory dirfd into buf.
func readlinkat(dirfd int, name string, buf []byte) (int, error) {
	return unix.Readlinkat(dirfd, name, buf)
}

package fileserver

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// readlinkat reads the link name in the directory dirfd into buf:
// golang.org/x/sys/unix has no Readlinkat on DragonFly, whose kernel has
// the system call.
func readlinkat(dirfd int, name string, buf []byte) (int, error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return 0, err
	}
	n, _, errno := unix.Syscall6(unix.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

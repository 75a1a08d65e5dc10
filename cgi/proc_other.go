//go:build !unix

package cgi

import (
	"errors"
	"io"
	"os"
	"runtime"
	"syscall"
)

// errUnsupported is New's error where scripts cannot be run as on Unix:
// a script is started by its #! line, in a process group that is killed
// whole, as another user when the server runs as root; Windows has none
// of these.
var errUnsupported = errors.New("cgi: CGI scripts are not supported on " + runtime.GOOS +
	" (they are started by their #! line, in a process group of their own)")

// executable reports whether a file of mode may be executed: any x bit.
func executable(path string, mode os.FileMode) bool { return mode.Perm()&0o111 != 0 }

func scriptProcAttr(cred string) (*syscall.SysProcAttr, error) {
	return nil, errUnsupported
}

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

func readNow(fd uintptr, p []byte) (int, error) { return 0, io.EOF }

func catchSignals() {}

//go:build unix

package cgi

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// errUnsupported is New's error where scripts cannot be run: none, on
// Unix.
var errUnsupported error

// executable reports whether the server's user may execute the file at
// path, whose mode is mode, as Python's os.access(path, os.X_OK) does:
// the x bit of the owner, the group or others, whichever applies to the
// user; for root, any of them.
func executable(path string, mode os.FileMode) bool {
	return unix.Access(path, unix.X_OK) == nil
}

// scriptProcAttr returns how the launcher starts a script: in a process
// group of its own (so that killGroup reaches what it starts too), as
// the user cred names ("uid:gid", or "" for the launcher's own), and
// killed with its launcher where the kernel can do that.
func scriptProcAttr(cred string) (*syscall.SysProcAttr, error) {
	a := &syscall.SysProcAttr{Setpgid: true}
	if cred != "" {
		u, g, ok := strings.Cut(cred, ":")
		uid, err1 := strconv.ParseUint(u, 10, 32)
		gid, err2 := strconv.ParseUint(g, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return nil, errors.New("bad launcher credentials")
		}
		a.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	setParentDeathSignal(a)
	return a, nil
}

// killGroup kills the process group led by pid: a script and whatever it
// started.
func killGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }

// readNow reads from the pipe fd, whose reads do not block, what it
// holds now: io.EOF when it holds nothing, even if a writer is left.
func readNow(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || err == nil && n == 0:
			return 0, io.EOF
		case err != nil:
			return 0, err
		}
		return n, nil
	}
}

// catchSignals keeps the launcher alive through signals that are not
// its to act on, which would otherwise kill it and leave the script's
// group behind. SIGPIPE: a write of the launcher's to a pipe that
// net/http/cgi no longer reads returns an error instead. SIGINT: a
// Ctrl-C in a terminal reaches the launcher too (it runs in the server's
// process group), and the server, not the launcher, decides when a
// request in flight ends; a launcher orphaned by a second one ends its
// script itself (see watchParent). A SIGINT the launcher started with
// ignored stays ignored. The script still starts with each signal's
// action as it was: a caught signal does not survive exec.
func catchSignals() {
	sigs := []os.Signal{syscall.SIGPIPE}
	if !signal.Ignored(os.Interrupt) {
		sigs = append(sigs, os.Interrupt)
	}
	signal.Notify(make(chan os.Signal, 1), sigs...)
}

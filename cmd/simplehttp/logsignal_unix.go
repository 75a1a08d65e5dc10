//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// reopenSignal is the signal that has the command open its --log-file
// again: SIGUSR1, as for nginx.
var reopenSignal os.Signal = syscall.SIGUSR1

// hangupSignal ends the command as it ends Python's (status 129), once the
// log lines it holds are written: see run.
var hangupSignal os.Signal = syscall.SIGHUP

// dieOf ends the process by sig's default action. A PID namespace's first
// process (a container's entry point) cannot die of its own signal: the
// kernel drops it, and the runtime then exited with status 2, that of a
// bad command line. It exits with 128+sig, the status a shell, or a
// container runtime, gives a process killed by sig.
func dieOf(sig os.Signal) {
	if os.Getpid() == 1 {
		os.Exit(128 + int(sig.(syscall.Signal)))
	}
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig.(syscall.Signal))
}

// openNonblock is the flag that opens a FIFO without waiting for a
// reader (see openAppend).
const openNonblock = syscall.O_NONBLOCK

// setBlocking makes the writes to f, opened with openNonblock, wait for
// room again, as those to a file opened without it do. Left non-blocking,
// a FIFO whose reader lagged failed them once the pipe was full (EAGAIN,
// a line cut or lost) where Go does not poll the file: FIFOs on macOS.
func setBlocking(f *os.File) {
	if c, err := f.SyscallConn(); err == nil {
		c.Control(func(fd uintptr) { syscall.SetNonblock(int(fd), false) })
	}
}

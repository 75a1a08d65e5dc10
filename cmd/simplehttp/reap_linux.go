package main

import (
	"bytes"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// startReaper makes the server wait for the orphans the kernel hands it,
// when it is the process they go to: PID 1 (the command run as a
// container's entry point), or a child subreaper. A CGI script's
// children are killed with its process group, and a script killed with
// its launcher (net/http/cgi kills the launcher when it gives up on a
// response) is orphaned too; each then ends as a zombie of the server,
// which nothing else would wait for: one or two zombies a CGI request,
// for as long as the server runs, until the container's process limit
// refuses every script (503).
//
// Only orphans are reaped: a zombie child of the server in a process
// group other than the server's. The server's own children, the
// launchers, stay in its group and are left to os/exec to wait for.
func startReaper() {
	if os.Getpid() != 1 && !isSubreaper() {
		return
	}
	// One signal may stand for several children: each wakes a scan
	// of them all.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	go func() {
		for range sigs {
			reapZombieOrphans()
		}
	}()
}

// isSubreaper reports whether the process is a child subreaper
// (PR_SET_CHILD_SUBREAPER, which an execve keeps).
func isSubreaper() bool {
	var v int32
	err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0, 0, 0)
	return err == nil && v != 0
}

// reapZombieOrphans waits for every zombie child of the process that is
// in another process group than its own. A process has no list of its
// children but in /proc (the per-thread children files need a kernel
// option), which a container's PID 1 finds short.
func reapZombieOrphans() {
	self, group := os.Getpid(), syscall.Getpgrp()
	if me, err := os.Readlink("/proc/self"); err != nil || me != strconv.Itoa(self) {
		return // no /proc, or another PID namespace's: its pids are not ours
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold anything.
		f := bytes.Fields(b[bytes.LastIndexByte(b, ')')+1:])
		if len(f) < 3 || string(f[0]) != "Z" || string(f[1]) != strconv.Itoa(self) || string(f[2]) == strconv.Itoa(group) {
			continue
		}
		// A zombie stays ours until it is waited for: the pid is not
		// reused meanwhile.
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
}

package main

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
)

// startPID1 starts the command with args as the first process of a PID
// namespace of its own, as a container's entry point runs; the test is
// skipped where that takes a privilege the tests lack.
func startPID1(t *testing.T, args ...string) *proc {
	t.Helper()
	probe := exec.Command("/bin/true")
	probe.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	if err := probe.Run(); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) {
			t.Skipf("cannot make a PID namespace (needs root): %v", err)
		}
		t.Fatal(err)
	}
	cmd := command(t, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	return startCommand(t, cmd)
}

// TestE2EHangupPID1: as a container's PID 1, which the kernel does not let
// die of its own signal, SIGHUP still ends the server, after the log lines,
// with the status of a death by SIGHUP, 129, as a container runtime
// reports it. The runtime exited with status 2, that of a bad command line.
func TestE2EHangupPID1(t *testing.T) {
	p := hangUp(t, startPID1)
	if ee, ok := p.err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(syscall.SIGHUP) {
		t.Errorf("exit: %v, want status 129; stderr: %s", p.err, p.stderr)
	}
}

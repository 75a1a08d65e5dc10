package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

// TestE2ESecondSignalPID1: as a container's PID 1, a second SIGTERM (or
// Ctrl-C) ends a shutdown held up by a download with the status of a
// death by the signal, 143, as a container runtime reports one. The
// kernel dropped the signal, and the runtime exited with status 2, that
// of a bad command line.
func TestE2ESecondSignalPID1(t *testing.T) {
	dir := t.TempDir()
	// Far more than the socket buffers hold: its handler is still
	// writing it for a client that reads nothing.
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(256 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p := startPID1(t, "-b", "127.0.0.1", "-d", dir, "0")
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /big.bin HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// With the status line in, the response is on its way.
	if line, err := bufio.NewReader(conn).ReadString('\n'); err != nil || line != "HTTP/1.0 200 OK\r\n" {
		t.Fatalf("status line %q, %v", line, err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The shutdown has begun once the interrupt line is out.
	said := make(chan string, 1)
	go func() {
		b, _ := p.stdout.ReadString('.')
		said <- b
	}()
	select {
	case s := <-said:
		if s != "\nKeyboard interrupt received, exiting." {
			t.Fatalf("stdout after the signal = %q", s)
		}
	case <-time.After(waitLimit):
		t.Fatalf("no interrupt line %v after SIGTERM", waitLimit)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(waitLimit):
		t.Fatalf("still running %v after a second SIGTERM", waitLimit)
	}
	if ee, ok := p.err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Errorf("exit: %v, want status 143; stderr: %s", p.err, p.stderr)
	}
}

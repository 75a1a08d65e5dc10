package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestE2ESignalStderrBlocked: a server whose stderr nobody reads any more
// (a pipe left full) still exits after SIGTERM, within exitTimeout, where
// its shutdown waited for ever to write the access log.
func TestE2ESignalStderrBlocked(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := command(t, "-b", "127.0.0.1", "-d", dir, "0")
	cmd.Stderr = w
	p := startCommand(t, cmd)
	w.Close()
	// Fill the pipe: the server's next write to stderr blocks.
	size, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", r.Fd()), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	if got := curl(t, p.url+"/hello.txt"); got != "hello\n" {
		t.Fatalf("GET /hello.txt = %q", got)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(exitTimeout + waitLimit):
		t.Fatalf("still running %v after SIGTERM", exitTimeout+waitLimit)
	}
	if rest, _ := io.ReadAll(p.stdout); string(rest) != "\nKeyboard interrupt received, exiting.\n" {
		t.Errorf("stdout after the signal = %q", rest)
	}
	// Held up past its shutdown, it says so to a service manager.
	if ee, ok := p.err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", p.err)
	}
}

// TestE2EStderrClosed: a server whose stderr's reader is gone (a pipe to
// `head` that has exited) serves on and shuts down on SIGTERM as usual,
// where the first log line it wrote killed it with SIGPIPE, and so cut
// off its shutdown and the downloads in flight. Python, which ignores
// SIGPIPE, goes on running too.
func TestE2EStderrClosed(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := command(t, "-b", "127.0.0.1", "-d", dir, "0")
	cmd.Stderr = w
	p := startCommand(t, cmd)
	w.Close()
	r.Close() // no reader left: a write gets EPIPE
	for range 2 {
		if got := curl(t, p.url+"/hello.txt"); got != "hello\n" {
			t.Fatalf("GET /hello.txt = %q", got)
		}
	}
	// The shutdown writes the log lines, then Python's line, and exits 0.
	p.stop(t, syscall.SIGTERM)
}

// TestRunInterruptedStart: Ctrl-C while the start is held up, here by a
// FIFO as --tls-cert that nobody writes, prints Python's interrupt line
// and exits 0 at once, where the command waited for ever (and main killed
// it 15 s later with status 1 and no word).
func TestRunInterruptedStart(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "cert.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	r := startRun(t, "-b", "127.0.0.1", "-d", t.TempDir(), "--tls-cert", fifo, "0")
	// The start has opened the FIFO once a writer can open it without
	// waiting; the start then waits for its bytes.
	var w *os.File
	for deadline := time.Now().Add(waitLimit); w == nil; {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		switch {
		case err == nil:
			w = f
		case time.Now().After(deadline):
			t.Fatalf("the start did not open the FIFO: %v", err)
		default:
			time.Sleep(10 * time.Millisecond)
		}
	}
	defer w.Close() // lets the abandoned start end
	r.cancel()
	select {
	case <-r.exited:
	case <-time.After(waitLimit):
		w.Close() // the start fails, and run returns
		t.Fatalf("run still starting %v after the interrupt", waitLimit)
	}
	var out []string
	for l := range r.stdout {
		out = append(out, l)
	}
	if got, want := strings.Join(out, "\n"), interruptLine; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if r.status != 0 || r.stderr.String() != "" {
		t.Errorf("exit status %d, stderr %q; want 0 and nothing", r.status, r.stderr)
	}
}

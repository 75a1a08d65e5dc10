package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLogFileFIFOBlocking: a FIFO that the --log-file's name is opened
// again at, once read, is written as the first file is, waiting for room.
// It stayed non-blocking (opened so not to wait for a reader), and where
// Go does not poll a FIFO (macOS) a full pipe failed the writes, cutting
// or losing lines, whenever the reader lagged.
func TestLogFileFIFOBlocking(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	l, tick := testLogFile(t, path, slog.DiscardHandler)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tick()
	if _, err := l.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	if n, err := r.Read(b); string(b[:n]) != "one\n" {
		t.Fatalf("the FIFO got %q, %v; want %q", b[:n], err, "one\n")
	}
	c, err := l.f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	c.Control(func(fd uintptr) { flags, err = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if err != nil || flags&unix.O_NONBLOCK != 0 {
		t.Errorf("the FIFO's flags %#o, %v: want its writes to wait for room, without O_NONBLOCK", flags, err)
	}
}

package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/simplehttp/simplehttp/internal/qr"
)

// TestIsTerminal checks the terminal test on a pseudo-terminal and on what
// is not one: a pipe, a file, /dev/null (a character device).
func TestIsTerminal(t *testing.T) {
	_, slave := openPTY(t)
	if !isTerminal(slave) {
		t.Error("isTerminal(pty) = false")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, f := range map[string]*os.File{"pipe": pw, "/dev/null": null, "file": file} {
		if isTerminal(f) {
			t.Errorf("isTerminal(%s) = true", name)
		}
	}
}

// TestPrintQRCodes prints the codes to a pseudo-terminal, as a user's
// terminal would get them, and to a pipe, which gets nothing.
func TestPrintQRCodes(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}
	code, err := qr.Terminal("http://127.0.0.1:8000/")
	if err != nil {
		t.Fatal(err)
	}
	want := "http://127.0.0.1:8000/\n" + code

	master, slave := openPTY(t)
	go func() {
		printQRCodes(slave, addr, false)
		slave.Close()
	}()
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for got.Len() < len(want)+strings.Count(want, "\n") {
		n, err := master.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	// The terminal turns each "\n" into "\r\n" (onlcr).
	if s := strings.ReplaceAll(got.String(), "\r\n", "\n"); s != want {
		t.Errorf("on a terminal:\n%s\nwant:\n%s", s, want)
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	printQRCodes(pw, addr, false)
	pw.Close()
	if b, _ := io.ReadAll(pr); len(b) != 0 {
		t.Errorf("on a pipe: %q, want nothing", b)
	}
}

// openPTY opens a pseudo-terminal pair, closed when the test ends.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Skipf("unlockpt: %v", errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Skipf("ptsname: %v", errno)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pty: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

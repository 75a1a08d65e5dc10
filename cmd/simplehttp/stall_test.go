package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeConn records what a stallConn does to the connection underneath:
// the writes, the pieces handed to ReadFrom and the write deadlines set,
// each stamped with the fake clock.
type fakeConn struct {
	net.Conn // nil: only the methods below are called
	clock    *fakeClock
	events   []string
	written  bytes.Buffer
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func (f *fakeConn) Write(p []byte) (int, error) {
	f.events = append(f.events, "write "+itoa(len(p)))
	f.clock.t = f.clock.t.Add(10 * time.Second) // a slow client
	return f.written.Write(p)
}

func (f *fakeConn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() {
		f.events = append(f.events, "deadline none")
	} else {
		f.events = append(f.events, "deadline +"+t.Sub(f.clock.t).String())
	}
	return nil
}

func (f *fakeConn) SetDeadline(t time.Time) error { return f.SetWriteDeadline(t) }

// fakeReaderFrom is a fakeConn with ReadFrom, as *net.TCPConn has.
type fakeReaderFrom struct{ *fakeConn }

func (f fakeReaderFrom) ReadFrom(r io.Reader) (int64, error) {
	desc := "readfrom"
	if lr, ok := r.(*io.LimitedReader); ok {
		desc += " " + itoa(int(lr.N))
		if _, nested := lr.R.(*io.LimitedReader); nested {
			desc += " nested" // would defeat sendfile
		}
	}
	f.events = append(f.events, desc)
	f.clock.t = f.clock.t.Add(10 * time.Second)
	return io.Copy(&f.written, r)
}

func itoa(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return strconv.Itoa(n/1024) + "K"
	}
	return strconv.Itoa(n)
}

func newFakeStallConn(readerFrom bool) (*stallConn, *fakeConn) {
	clock := &fakeClock{t: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)}
	f := &fakeConn{clock: clock}
	var inner net.Conn = f
	if readerFrom {
		inner = fakeReaderFrom{f}
	}
	return &stallConn{Conn: inner, timeout: 60 * time.Second, now: clock.now}, f
}

// TestStallConnWrite checks that a large write goes out in pieces, each
// with a fresh deadline once the previous one is a few seconds old: a
// client that takes 10 s per piece keeps the connection however long the
// whole response takes.
func TestStallConnWrite(t *testing.T) {
	c, f := newFakeStallConn(false)
	p := bytes.Repeat([]byte("x"), 3*stallChunk+100)
	n, err := c.Write(p)
	if n != len(p) || err != nil || !bytes.Equal(f.written.Bytes(), p) {
		t.Fatalf("Write = %d, %v; wrote %d bytes; want %d, nil, all", n, err, f.written.Len(), len(p))
	}
	want := []string{
		"deadline +1m0s", "write 64K",
		"deadline +1m0s", "write 64K",
		"deadline +1m0s", "write 64K",
		"deadline +1m0s", "write 100",
	}
	if got := strings.Join(f.events, ", "); got != strings.Join(want, ", ") {
		t.Errorf("events:\n%s\nwant:\n%s", got, strings.Join(want, ", "))
	}
}

// TestStallConnRearm checks that quick successive writes share a deadline
// (moving it costs a timer update) as long as it is fresh.
func TestStallConnRearm(t *testing.T) {
	c, f := newFakeStallConn(false)
	c.Write([]byte("a")) // deadline, then 10 s pass
	f.clock.t = f.clock.t.Add(-10 * time.Second)
	c.Write([]byte("b"))                        // at the same instant: no new deadline
	f.clock.t = f.clock.t.Add(-6 * time.Second) // 4 s after the first
	c.Write([]byte("c"))                        // timeout/16 = 3.75 s passed: new deadline
	want := "deadline +1m0s, write 1, write 1, deadline +1m0s, write 1"
	if got := strings.Join(f.events, ", "); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
}

// TestStallConnExplicitDeadline checks that a deadline set by the caller
// (net/http around the TLS handshake) holds until it is cleared.
func TestStallConnExplicitDeadline(t *testing.T) {
	c, f := newFakeStallConn(false)
	c.SetWriteDeadline(f.clock.t.Add(5 * time.Second))
	c.Write([]byte("handshake"))
	c.SetWriteDeadline(time.Time{})
	c.Write([]byte("response"))
	want := "deadline +5s, write 9, deadline none, deadline +1m0s, write 8"
	if got := strings.Join(f.events, ", "); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
}

// TestStallConnReadFrom checks that ReadFrom hands the file to the
// connection's own ReadFrom (sendfile) in pieces, each a LimitedReader
// directly over the file, each with a fresh deadline, and honours the
// limit of a LimitedReader it is given (as io.CopyN and
// http.ServeContent give it).
func TestStallConnReadFrom(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	content := bytes.Repeat([]byte("0123456789abcdef"), (2*stallChunk+50)/16+1)
	if err := os.WriteFile(name, content, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		src    func(*os.File) io.Reader
		want   []byte
		events string
	}{
		{"whole file", func(f *os.File) io.Reader { return f }, content,
			"deadline +1m0s, readfrom 64K, deadline +1m0s, readfrom 64K, deadline +1m0s, readfrom 64K"},
		{"limited", func(f *os.File) io.Reader { return io.LimitReader(f, stallChunk+10) }, content[:stallChunk+10],
			"deadline +1m0s, readfrom 64K, deadline +1m0s, readfrom 10"},
		{"limit at a piece boundary", func(f *os.File) io.Reader { return io.LimitReader(f, stallChunk) }, content[:stallChunk],
			"deadline +1m0s, readfrom 64K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			c, f := newFakeStallConn(true)
			src := tt.src(file)
			n, err := c.ReadFrom(src)
			if err != nil || n != int64(len(tt.want)) || !bytes.Equal(f.written.Bytes(), tt.want) {
				t.Errorf("ReadFrom = %d, %v; want %d, nil and the bytes", n, err, len(tt.want))
			}
			if lr, ok := src.(*io.LimitedReader); ok && lr.N != 0 {
				t.Errorf("LimitedReader.N = %d after ReadFrom, want 0", lr.N)
			}
			if got := strings.Join(f.events, ", "); got != tt.events {
				t.Errorf("events:\n%s\nwant:\n%s", got, tt.events)
			}
		})
	}
}

// TestStallConnStalledClient checks, over real TCP, that a client that
// stops reading loses the connection: the write fails with a timeout
// instead of blocking for ever.
func TestStallConnStalledClient(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sl := newStallListener(ln, 100*time.Millisecond)
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close() // never read
	client.(*net.TCPConn).SetReadBuffer(4096)
	server, err := sl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	server.(*stallConn).Conn.(*net.TCPConn).SetWriteBuffer(4096)

	done := make(chan error, 1)
	go func() {
		_, err := server.Write(make([]byte, 16<<20))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Write to a client that does not read: %v, want a deadline error", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Write to a client that does not read is still blocked")
	}
}

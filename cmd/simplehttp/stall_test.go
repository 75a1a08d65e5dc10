package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeConn is a connection to a scripted client, with a fake clock. Each
// write attempt (Write or ReadFrom) gives the client the bytes; it takes
// the next number in takes (the last one repeats; -1 means all of them).
// If it takes less than all, the write blocks until the write deadline,
// which moves the clock there, and fails as net.Conn's does. A write that
// begins after the deadline fails at once, sending nothing. It records
// what the stallConn above it does: the attempts, what the client took
// and the deadlines set, each relative to the fake clock.
type fakeConn struct {
	net.Conn // nil: only the methods below are called
	clock    *fakeClock
	takes    []int
	attempt  int
	deadline time.Time
	events   []string
	written  bytes.Buffer
	// late is how long after its deadline an attempt's write returns,
	// by attempt: the process ran late (a host out of CPU, a paused VM).
	late map[int]time.Duration
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// transfer is one write attempt of size bytes: how many the client takes,
// and the error.
func (f *fakeConn) transfer(size int) (int, string, error) {
	if !f.deadline.IsZero() && !f.deadline.After(f.clock.t) {
		return 0, "expired", &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
	}
	k := f.takes[min(f.attempt, len(f.takes)-1)]
	f.attempt++
	if k < 0 || k >= size {
		return size, "", nil
	}
	if f.deadline.IsZero() {
		return k, "blocked for ever", errors.New("blocked with no deadline")
	}
	f.clock.t = f.deadline.Add(f.late[f.attempt-1])
	return k, "took " + itoa(k), &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
}

func (f *fakeConn) Write(p []byte) (int, error) {
	n, what, err := f.transfer(len(p))
	f.event("write "+itoa(len(p)), what)
	f.written.Write(p[:n])
	return n, err
}

func (f *fakeConn) event(op, what string) {
	if what != "" {
		op += ": " + what
	}
	f.events = append(f.events, op)
}

func (f *fakeConn) SetWriteDeadline(t time.Time) error {
	f.deadline = t
	if t.IsZero() {
		f.events = append(f.events, "deadline none")
	} else {
		f.events = append(f.events, "deadline +"+t.Sub(f.clock.t).String())
	}
	return nil
}

func (f *fakeConn) SetReadDeadline(t time.Time) error { return nil }

// fakeReaderFrom is a fakeConn with ReadFrom, as *net.TCPConn has; it
// sends a file (or a LimitedReader over one) as sendfile does.
type fakeReaderFrom struct{ *fakeConn }

func (f fakeReaderFrom) ReadFrom(r io.Reader) (int64, error) {
	desc := "readfrom"
	lr, limited := r.(*io.LimitedReader)
	src := r
	if limited {
		src = lr.R
		if _, nested := lr.R.(*io.LimitedReader); nested {
			desc += " nested" // would defeat sendfile
		}
	}
	// Like the net package: a file is any syscall.Conn (an *os.File, or
	// the wrapper of one that File.WriteTo passes on).
	file, ok := src.(interface {
		syscall.Conn
		io.Seeker
		Stat() (os.FileInfo, error)
	})
	if !ok {
		f.events = append(f.events, desc+" of a reader that is not a file") // would defeat sendfile
		return io.Copy(writerOnly{f}, r)
	}
	fi, _ := file.Stat()
	pos, _ := file.Seek(0, io.SeekCurrent)
	size := fi.Size() - pos
	if limited {
		size = min(size, lr.N)
	}
	n, what, err := f.transfer(int(size))
	f.event(desc+" "+itoa(int(size)), what)
	io.CopyN(&f.written, r, int64(n))
	return int64(n), err
}

func itoa(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "M"
	case n >= 1024 && n%1024 == 0:
		return strconv.Itoa(n>>10) + "K"
	}
	return strconv.Itoa(n)
}

const testTimeout = 60 * time.Second

// newFakeStallConn returns a stallConn with a 60 s timeout over a fake
// connection whose client takes takes, with the alarm set as Accept sets
// it.
func newFakeStallConn(readerFrom bool, takes ...int) (*stallConn, *fakeConn) {
	clock := &fakeClock{t: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)}
	if len(takes) == 0 {
		takes = []int{-1}
	}
	f := &fakeConn{clock: clock, takes: takes}
	var inner net.Conn = f
	if readerFrom {
		inner = fakeReaderFrom{f}
	}
	c := newStallConn(inner, testTimeout, clock.now)
	c.arm()
	return c, f
}

func checkEvents(t *testing.T, f *fakeConn, want ...string) {
	t.Helper()
	if got := strings.Join(f.events, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	f.events = nil
}

// TestStallConnFastWrites checks that writes that do not block cost no
// deadline, however large, and that net/http clearing a write deadline it
// never set (it does after every request) costs none either.
func TestStallConnFastWrites(t *testing.T) {
	c, f := newFakeStallConn(false)
	for _, size := range []int{1024, 16 << 20, 100} {
		if n, err := c.Write(make([]byte, size)); n != size || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", size, n, err)
		}
		c.SetWriteDeadline(time.Time{})
	}
	checkEvents(t, f, "deadline +15s", "write 1K", "write 16M", "write 100")
}

// TestStallConnNoTimeout checks --send-timeout 0: no alarm is ever set,
// and an explicit deadline still works and clears.
func TestStallConnNoTimeout(t *testing.T) {
	clock := &fakeClock{t: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)}
	f := &fakeConn{clock: clock, takes: []int{-1}}
	c := newStallConn(f, 0, clock.now)
	if err := c.arm(); err != nil {
		t.Fatal(err)
	}
	c.Write(make([]byte, 100))
	c.SetWriteDeadline(clock.t.Add(time.Second))
	c.SetWriteDeadline(time.Time{})
	c.Write(make([]byte, 100))
	checkEvents(t, f, "write 100", "deadline +1s", "deadline none", "write 100")
}

// TestStallConnSlowClient checks that a client that takes a little in
// each check period keeps the connection, however long the whole response
// takes: here 1 MiB at 4 KiB per 15 s, over an hour.
func TestStallConnSlowClient(t *testing.T) {
	c, f := newFakeStallConn(false, 4096)
	start := f.clock.t
	p := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	n, err := c.Write(p)
	if n != len(p) || err != nil || !bytes.Equal(f.written.Bytes(), p) {
		t.Fatalf("Write = %d, %v, wrote %d bytes; want %d, nil, all", n, err, f.written.Len(), len(p))
	}
	if took := f.clock.t.Sub(start); took < time.Hour {
		t.Errorf("the client took the response in %v, want over an hour (the test is wrong)", took)
	}
	// 255 attempts interrupted by the alarm, each after 4 KiB, then the
	// last 4 KiB.
	if len(f.events) != 1+2*255+1 {
		t.Errorf("%d events, want %d", len(f.events), 1+2*255+1)
	}
	if len(f.events) > 5 {
		f.events = append(f.events[:5], f.events[len(f.events)-1])
	}
	checkEvents(t, f, "deadline +15s",
		"write 1M: took 4K", "deadline +15s",
		"write 1020K: took 4K", "deadline +15s",
		"write 4K")
}

// TestStallConnStoppedClient checks when a client that stops taking bytes
// is dropped: after the timeout with nothing taken, counted from the first
// time the alarm finds it stuck, and not before. A client that takes a
// byte before then keeps the connection.
//
// A server that ran late does not drop its client for it: a write whose
// alarm is seen two minutes late (the process had no CPU, its VM was
// paused) finds the timeout gone without having been there to write what
// the client took meanwhile. The next rings decide: a client that takes
// bytes keeps the connection, one that takes nothing is dropped after as
// many rings as fit in the timeout.
func TestStallConnStoppedClient(t *testing.T) {
	tests := []struct {
		name   string
		takes  []int
		late   map[int]time.Duration // by attempt
		err    bool
		events []string
	}{
		{"stops after some", []int{10 << 10, 0}, nil, true, []string{
			"write 1M: took 10K", "deadline +15s", // progress: the timeout runs from here
			"write 1014K: took 0", "deadline +15s",
			"write 1014K: took 0", "deadline +15s",
			"write 1014K: took 0", "deadline +15s",
			"write 1014K: took 0", // 60 s with nothing taken
		}},
		{"never takes anything", []int{0}, nil, true, []string{
			"write 1M: took 0", "deadline +15s",
			"write 1M: took 0", "deadline +15s",
			"write 1M: took 0", "deadline +15s",
			"write 1M: took 0", "deadline +15s",
			"write 1M: took 0",
		}},
		// Three rings in a row find nothing taken, the fourth a byte:
		// less than the timeout without progress.
		{"takes a byte within each minute", []int{1, 0, 0, 0, 1, -1}, nil, false, []string{
			"write 1M: took 1", "deadline +15s",
			"write 1048575: took 0", "deadline +15s",
			"write 1048575: took 0", "deadline +15s",
			"write 1048575: took 0", "deadline +15s",
			"write 1048575: took 1", "deadline +15s",
			"write 1048574",
		}},
		{"late, then takes bytes again", []int{10 << 10, 0, 10 << 10, -1}, map[int]time.Duration{1: 2 * time.Minute}, false, []string{
			"write 1M: took 10K", "deadline +15s",
			"write 1014K: took 0", "deadline +15s", // two minutes late
			"write 1014K: took 10K", "deadline +15s",
			"write 1004K",
		}},
		{"late, then takes nothing", []int{10 << 10, 0}, map[int]time.Duration{1: 2 * time.Minute}, true, []string{
			"write 1M: took 10K", "deadline +15s",
			"write 1014K: took 0", "deadline +15s", // two minutes late
			"write 1014K: took 0", "deadline +15s",
			"write 1014K: took 0", "deadline +15s",
			"write 1014K: took 0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newFakeStallConn(false, tt.takes...)
			f.late = tt.late
			f.events = nil
			_, err := c.Write(make([]byte, 1<<20))
			if tt.err && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("Write: %v, want a deadline error", err)
			}
			if !tt.err && err != nil {
				t.Errorf("Write: %v, want nil", err)
			}
			checkEvents(t, f, tt.events...)
		})
	}
}

// TestStallConnStalledStaysDead: once a write failed for the timeout,
// every later write fails at once, also under an explicit deadline: the
// close_notify alert a TLS connection's Close writes with a 5 s deadline of
// its own would otherwise hold the connection 5 s longer.
func TestStallConnStalledStaysDead(t *testing.T) {
	for _, readerFrom := range []bool{false, true} {
		c, f := newFakeStallConn(readerFrom, 0)
		if _, err := c.Write(make([]byte, 1<<20)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Write: %v, want a deadline error", err)
		}
		f.events = nil
		c.SetWriteDeadline(f.clock.t.Add(5 * time.Second))
		if n, err := c.Write([]byte("alert")); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Write after the stall: %d, %v; want 0 and a deadline error at once", n, err)
		}
		file, _ := bigFile(t, 1000)
		if n, err := c.ReadFrom(file); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("ReadFrom after the stall: %d, %v; want 0 and a deadline error at once", n, err)
		}
		checkEvents(t, f, "deadline +5s") // no write attempt
	}
}

// TestStallConnStaleAlarm checks that the alarm rung while no write was
// blocked (an idle connection) starts the timeout when the next write
// finds it, not before.
func TestStallConnStaleAlarm(t *testing.T) {
	c, f := newFakeStallConn(false, 0)
	f.clock.t = f.clock.t.Add(time.Hour) // idle: the alarm rang long ago
	f.events = nil
	_, err := c.Write([]byte("x"))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write: %v, want a deadline error", err)
	}
	checkEvents(t, f,
		"write 1: expired", "deadline +15s", // the timeout runs from here
		"write 1: took 0", "deadline +15s",
		"write 1: took 0", "deadline +15s",
		"write 1: took 0", "deadline +15s",
		"write 1: took 0")
}

// TestStallConnExplicitDeadline checks that a deadline set by the caller
// (net/http around the TLS handshake) holds, with its usual meaning, until
// it is cleared; then the alarm is set again.
func TestStallConnExplicitDeadline(t *testing.T) {
	c, f := newFakeStallConn(false, -1, 0)
	f.events = nil
	c.SetWriteDeadline(f.clock.t.Add(5 * time.Second))
	c.Write([]byte("handshake"))
	if _, err := c.Write([]byte("stuck")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write past an explicit deadline: %v, want a deadline error", err)
	}
	c.SetWriteDeadline(time.Time{})
	checkEvents(t, f,
		"deadline +5s", "write 9", "write 5: took 0", // no second attempt
		"deadline +15s")
}

// TestStallConnReadFrom checks that ReadFrom hands a file to the
// connection's own ReadFrom (sendfile) whole, or a LimitedReader directly
// over the file (as io.CopyN and http.ServeContent give it), and when the
// alarm interrupts it, calls it again for the rest while the client takes
// bytes. Other readers go through Write.
func TestStallConnReadFrom(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	content := bytes.Repeat([]byte("0123456789abcdef"), 3<<16)
	if err := os.WriteFile(name, content, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		src    func(*os.File) io.Reader
		takes  []int
		want   []byte
		events []string
	}{
		{"whole file", func(f *os.File) io.Reader { return f }, nil, content,
			[]string{"deadline +15s", "readfrom 3M"}},
		{"limited", func(f *os.File) io.Reader { return io.LimitReader(f, 2<<20+10) }, nil, content[:2<<20+10],
			[]string{"deadline +15s", "readfrom 2097162"}},
		{"slow client", func(f *os.File) io.Reader { return io.LimitReader(f, 2<<20) }, []int{1 << 20, 0, 1 << 20}, content[:2<<20],
			[]string{"deadline +15s", "readfrom 2M: took 1M", "deadline +15s", "readfrom 1M: took 0", "deadline +15s", "readfrom 1M"}},
		{"nested limit", func(f *os.File) io.Reader { return io.LimitReader(io.LimitReader(f, 1<<20), 1<<20) }, nil, content[:1<<20],
			[]string{"write 32K", "write 32K"}}, // through Write, 32 KiB at a time (only the first two shown)
		{"not a file", func(*os.File) io.Reader { return bytes.NewReader(content[:100]) }, nil, content[:100],
			[]string{"write 100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			c, f := newFakeStallConn(true, tt.takes...)
			f.events = nil
			src := tt.src(file)
			n, err := c.ReadFrom(src)
			if err != nil || n != int64(len(tt.want)) || !bytes.Equal(f.written.Bytes(), tt.want) {
				t.Errorf("ReadFrom = %d, %v; want %d, nil and the bytes", n, err, len(tt.want))
			}
			if lr, ok := src.(*io.LimitedReader); ok && lr.N != 0 {
				t.Errorf("LimitedReader.N = %d after ReadFrom, want 0", lr.N)
			}
			if len(f.events) > len(tt.events) {
				f.events = f.events[:len(tt.events)]
			}
			checkEvents(t, f, tt.events...)
		})
	}
}

// TestStallConnCopyFile checks that io.Copy(w, f), the way a handler
// most often sends a file, reaches the connection's ReadFrom (sendfile)
// too: File.WriteTo hands ReadFrom a wrapper of the file, not the file.
func TestStallConnCopyFile(t *testing.T) {
	file, content := bigFile(t, 1<<20)
	c, f := newFakeStallConn(true)
	f.events = nil
	n, err := io.Copy(c, file)
	if err != nil || n != int64(len(content)) || !bytes.Equal(f.written.Bytes(), content) {
		t.Errorf("io.Copy = %d, %v; want %d, nil and the bytes", n, err, len(content))
	}
	checkEvents(t, f, "deadline +15s", "readfrom 1M")
}

// stallPair returns both ends of a TCP connection accepted through a
// stallListener with timeout, with small socket buffers so that a client
// that does not read blocks the server soon: the client's receive buffer
// is rcvbuf. (Below the loopback MSS of 64 KiB, it makes the receiver
// advertise a zero window until TCP's persist timer probes it, every 200
// ms and more: a reader too slow for the test's timeout.)
func stallPair(t *testing.T, timeout time.Duration, rcvbuf int) (server *stallConn, client *net.TCPConn) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sl := newStallListener(ln, timeout)
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	client = c.(*net.TCPConn)
	client.SetReadBuffer(rcvbuf)
	s, err := sl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	server = s.(*stallConn)
	server.Conn.(*net.TCPConn).SetWriteBuffer(4096)
	return server, client
}

// bigFile writes size bytes of a pattern to a file and returns it open.
func bigFile(t *testing.T, size int) (*os.File, []byte) {
	content := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	name := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(name, content, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, content
}

// send sends content to the client through server: by Write, or by
// ReadFrom from file (sendfile), which holds content.
func send(server *stallConn, how string, file *os.File, content []byte) error {
	if how == "Write" {
		_, err := server.Write(content)
		return err
	}
	_, err := server.ReadFrom(io.LimitReader(file, int64(len(content))))
	return err
}

// TestStallConnStalledClient checks, over real TCP, that a client that
// stops reading loses the connection, whether the server writes or sends
// a file: the write fails with a timeout instead of blocking for ever.
func TestStallConnStalledClient(t *testing.T) {
	for _, how := range []string{"Write", "ReadFrom"} {
		t.Run(how, func(t *testing.T) {
			server, _ := stallPair(t, 200*time.Millisecond, 4096) // the client never reads
			file, content := bigFile(t, 16<<20)
			done := make(chan error, 1)
			go func() { done <- send(server, how, file, content) }()
			select {
			case err := <-done:
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("%s to a client that does not read: %v, want a deadline error", how, err)
				}
			case <-time.After(waitLimit):
				t.Fatalf("%s to a client that does not read is still blocked", how)
			}
		})
	}
}

// TestStallConnSlowReader checks, over real TCP, that a client that reads
// slowly keeps the connection, even though the whole response takes
// longer than the timeout: 4 MiB read 16 KiB at a time every 10 ms (at
// least 2.5 s) with a timeout of 1 s, by Write and by sendfile (which the
// alarm then interrupts every 250 ms, to go on where it stopped).
func TestStallConnSlowReader(t *testing.T) {
	if testing.Short() {
		t.Skip("reads slowly for a few seconds")
	}
	const timeout = time.Second
	for _, how := range []string{"Write", "ReadFrom"} {
		t.Run(how, func(t *testing.T) {
			server, client := stallPair(t, timeout, 128<<10)
			file, content := bigFile(t, 4<<20)
			done := make(chan error, 1)
			go func() {
				err := send(server, how, file, content)
				server.Close()
				done <- err
			}()
			start := time.Now()
			got := readSlowly(t, client, 10*time.Millisecond)
			if err := <-done; err != nil {
				t.Errorf("%s to a slow reader: %v, want nil", how, err)
			}
			if !bytes.Equal(got.Bytes(), content) {
				t.Errorf("client got %d bytes, want the %d sent", got.Len(), len(content))
			}
			if took := time.Since(start); took < timeout {
				t.Logf("the client read everything in %v, within the timeout: the test proved little", took)
			}
		})
	}
}

// readSlowly reads c to its end, 16 KiB every period, within waitLimit.
func readSlowly(t *testing.T, c net.Conn, period time.Duration) *bytes.Buffer {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitLimit))
	tick := time.NewTicker(period)
	defer tick.Stop()
	var got bytes.Buffer
	for {
		<-tick.C
		_, err := io.CopyN(&got, c, 16<<10)
		if err == io.EOF {
			return &got
		}
		if err != nil {
			t.Fatalf("client: after %d bytes: %v", got.Len(), err)
		}
	}
}

// TestStallConnSendfileResumes checks, over real TCP, that a file sent
// with sendfile arrives intact when the alarm rang while the connection
// was idle: with its write deadline past, a TCP connection's own ReadFrom
// copies through a buffer instead of using sendfile, and loses what it
// read.
func TestStallConnSendfileResumes(t *testing.T) {
	server, client := stallPair(t, time.Second, 128<<10)
	file, content := bigFile(t, 1<<20)
	const responses = 4
	done := make(chan error, 1)
	go func() {
		defer server.Close()
		for range responses {
			server.Conn.SetWriteDeadline(time.Now().Add(-time.Second)) // the alarm rang while idle
			if _, err := file.Seek(0, io.SeekStart); err != nil {
				done <- err
				return
			}
			if n, err := server.ReadFrom(io.LimitReader(file, int64(len(content)))); n != int64(len(content)) || err != nil {
				done <- fmt.Errorf("ReadFrom = %d, %v; want %d, nil", n, err, len(content))
				return
			}
		}
		done <- nil
	}()
	got := readSlowly(t, client, 2*time.Millisecond)
	if err := <-done; err != nil {
		t.Error(err)
	}
	if want := bytes.Repeat(content, responses); !bytes.Equal(got.Bytes(), want) {
		t.Errorf("client got %d bytes, not the %d sent", got.Len(), len(want))
	}
}

package main

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// writeStallTimeout is how long a client may take no byte of a response
// before the connection is closed: the time a client may stop reading
// (nginx's send_timeout, with its default). --send-timeout sets it.
const writeStallTimeout = 60 * time.Second

// stallListener guards against clients that stop reading. http.Server's
// WriteTimeout bounds the whole response, so it cuts off large downloads on
// slow links, and a deadline set once per response through
// http.ResponseController does the same. Instead, every connection accepted
// watches its writes for progress: a client that keeps taking bytes,
// however slowly, keeps the connection; one that takes none for the
// timeout loses it.
//
// The watch is the connection's write deadline, used as an alarm that is
// checked when it rings rather than as a limit: a write (or a sendfile)
// that is still blocked when it rings returns, having sent what it could;
// if the client took any byte since the alarm last rang, the alarm is
// set again and the write goes on where it stopped. Only a client that
// took nothing for the timeout, over several rings, makes the write fail.
// A write that does not block costs nothing: the alarm is set when the
// connection is accepted and again only after it rang, at most once per
// check period while the connection writes.
//
// It works below TLS and HTTP/2 (they write through the connection) and
// keeps sendfile(2): ReadFrom hands the whole file to the TCP connection,
// in one piece.
type stallListener struct {
	net.Listener
	timeout time.Duration
	now     func() time.Time // time.Now, or a test clock
}

func newStallListener(ln net.Listener, timeout time.Duration) *stallListener {
	return &stallListener{Listener: ln, timeout: timeout, now: time.Now}
}

// Accept wraps the connection accepted and sets its alarm.
func (l *stallListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := newStallConn(c, l.timeout, l.now)
	if err := sc.arm(); err != nil {
		c.Close()
		return nil, err
	}
	return sc, nil
}

// stallConn is a connection whose writes each must make progress within
// timeout. A write deadline set explicitly (net/http does so around the TLS
// handshake, a handler may through http.ResponseController) replaces the
// alarm, with its usual meaning, until it is cleared with the zero time.
type stallConn struct {
	net.Conn
	timeout time.Duration
	check   time.Duration // how often a blocked write looks for progress: timeout/stallChecks
	now     func() time.Time

	// quiet is when a blocked write last saw the alarm ring after
	// progress, as nanoseconds after base plus one (monotonic time), or 0
	// once a write has completed: the client has taken no byte since
	// (give or take a check period). Atomic, as writes may come from
	// different goroutines (HTTP/2).
	base  time.Time
	quiet atomic.Int64
	// rings counts the rings since quiet that found nothing taken; under
	// mu. The time alone would blame the client for the server's own
	// lateness: a process that ran late (a host out of CPU, a paused VM)
	// wrote nothing meanwhile, whatever the client took.
	rings int

	// explicit is set while a deadline set by the caller holds. It
	// changes only under mu, which also orders setting the alarm against
	// setting an explicit deadline.
	explicit atomic.Bool
	mu       sync.Mutex

	// stalled is set once a write has failed for the timeout: the
	// client is gone for this connection, and every later write fails
	// at once. Otherwise the close that follows would wait again: a TLS
	// connection's Close writes its close_notify alert under a deadline
	// of its own, 5 s, which would replace the alarm.
	stalled atomic.Bool
}

// stallChecks is how many times the alarm rings within the timeout.
const stallChecks = 4

func newStallConn(c net.Conn, timeout time.Duration, now func() time.Time) *stallConn {
	return &stallConn{Conn: c, timeout: timeout, check: timeout / stallChecks, now: now, base: now()}
}

// arm sets the alarm to ring one check period from now. With no timeout
// there is no alarm.
func (c *stallConn) arm() error {
	if c.timeout <= 0 {
		return nil
	}
	return c.Conn.SetWriteDeadline(c.now().Add(c.check))
}

// SetWriteDeadline sets an explicit write deadline, which holds until it is
// cleared with the zero time; then the alarm is back. Clearing a deadline
// that was never set costs nothing: net/http does so after every request.
func (c *stallConn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() && !c.explicit.Load() {
		return nil // the alarm is set: it stays
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.IsZero() {
		c.explicit.Store(false)
		c.quiet.Store(0)
		if c.timeout <= 0 {
			return c.Conn.SetWriteDeadline(t) // no alarm to go back to
		}
		return c.arm()
	}
	c.explicit.Store(true)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline is SetWriteDeadline for the write side, and sets the read
// deadline as it is.
func (c *stallConn) SetDeadline(t time.Time) error {
	rerr := c.Conn.SetReadDeadline(t)
	if err := c.SetWriteDeadline(t); err != nil {
		return err
	}
	return rerr
}

// Write writes p. A write that the alarm interrupts goes on while the
// client keeps taking bytes.
func (c *stallConn) Write(p []byte) (int, error) {
	if c.stalled.Load() {
		return 0, errStalled
	}
	written := 0
	for {
		n, err := c.Conn.Write(p)
		written += n
		if err == nil {
			c.progressed()
			return written, nil
		}
		if !c.goOn(err, n > 0) {
			return written, err
		}
		p = p[n:]
	}
}

// ReadFrom lets net/http send files with sendfile(2) through the wrapper:
// a regular file (an *os.File, or what io.Copy(w, f) hands over for one),
// or an *io.LimitedReader directly over one (as io.CopyN and
// http.ServeContent give it), goes whole to the connection's own
// ReadFrom. Anything else is copied through Write.
func (c *stallConn) ReadFrom(r io.Reader) (int64, error) {
	if c.stalled.Load() {
		return 0, errStalled
	}
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok || !sendsFile(r) {
		return io.Copy(writerOnly{c}, r)
	}
	// Set the alarm afresh if it rang while the connection was idle:
	// with its write deadline past, a TCP connection's ReadFrom does not
	// use sendfile but copies through a buffer, and loses the bytes it
	// read when the write fails.
	if err := c.rearm(); err != nil {
		return 0, err
	}
	var total int64
	for {
		n, err := rf.ReadFrom(r) // advances r (and the LimitedReader's N) by n
		total += n
		if err == nil {
			c.progressed()
			return total, nil
		}
		if !c.goOn(err, n > 0) {
			return total, err
		}
	}
}

// sendsFile reports whether the TCP connection's ReadFrom sends r with
// sendfile(2) and nothing else, so that after an interruption it can be
// called again to send the rest: on Linux, for a regular file, sendfile
// always applies, and it takes from the file exactly the bytes it sends.
// (Its fallback, a copy through a buffer, would lose the bytes read but not
// yet written when the alarm interrupts it.) It costs one fstat(2).
//
// A file is what the net package sends from: a syscall.Conn, which an
// *os.File is and so is the wrapper File.WriteTo passes on (io.Copy(w, f)
// reaches ReadFrom with that wrapper, not with f).
func sendsFile(r io.Reader) bool {
	if runtime.GOOS != "linux" {
		return false
	}
	if lr, ok := r.(*io.LimitedReader); ok {
		r = lr.R
	}
	f, ok := r.(interface {
		syscall.Conn
		Stat() (os.FileInfo, error)
	})
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// errStalled is the error of a write to a connection whose client took
// nothing for the timeout: a deadline error, as the write that found it.
var errStalled = &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}

// rearm sets the alarm to ring one check period from now, unless an
// explicit deadline holds.
func (c *stallConn) rearm() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.explicit.Load() {
		return nil
	}
	return c.arm()
}

// progressed notes that a write completed.
func (c *stallConn) progressed() {
	if c.quiet.Load() != 0 {
		c.quiet.Store(0)
	}
}

// goOn is called when a write failed with err, having sent something in
// this attempt or not (progress). It reports whether to write the rest:
// only when the alarm interrupted the write (not an explicit deadline, nor
// any other error) and the client has taken a byte within the timeout. It
// then sets the alarm again.
func (c *stallConn) goOn(err error, progress bool) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || c.explicit.Load() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.explicit.Load() {
		return false // set while the write was blocked
	}
	now := c.now()
	elapsed := int64(now.Sub(c.base)) + 1
	quiet := c.quiet.Load()
	if progress || quiet == 0 {
		// Progress since the alarm last rang, or the first ring during
		// this write (the alarm may have been set long before the write
		// began): the timeout runs from now.
		quiet = elapsed
		c.quiet.Store(quiet)
		c.rings = 0
	} else if c.rings++; elapsed-quiet >= int64(c.timeout) && c.rings >= stallChecks {
		// Nothing taken for the whole timeout, seen by as many rings as
		// fit in it: a ring that came late finds the time gone but was
		// not there to write, so the next ones must find nothing too.
		c.stalled.Store(true)
		return false
	}
	// The alarm rings every check period from quiet on, and the timeout
	// is a whole number of periods: the ring that finds the client
	// stuck for the timeout comes on time. (Never sooner than a check
	// period: see ReadFrom on a past deadline.)
	return c.arm() == nil
}

// CloseWrite lets net/http half-close the connection, as it does on a
// *net.TCPConn, before closing it after an error.
func (c *stallConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// writerOnly hides every method of an io.Writer but Write, so that
// io.Copy does not call ReadFrom again.
type writerOnly struct{ io.Writer }

package main

import (
	"io"
	"math"
	"net"
	"sync/atomic"
	"time"
)

// writeStallTimeout is how long one write to a client may block before the
// connection is closed: the time a client may stop reading (nginx's
// send_timeout, with its default).
const writeStallTimeout = 60 * time.Second

// stallChunk bounds the bytes one deadline covers. A client must take
// stallChunk bytes within writeStallTimeout to keep the connection, so the
// slowest link served without interruption moves about 1 KiB/s.
const stallChunk = 64 << 10

// stallListener guards against clients that stop reading. http.Server's
// WriteTimeout bounds the whole response, so it cuts off large downloads on
// slow links, and a deadline set once per response through
// http.ResponseController does the same. Instead, every connection
// accepted gets a fresh write deadline before each write of at most
// stallChunk bytes: a client that keeps reading, however slowly, keeps the
// connection; one that stops for writeStallTimeout loses it.
//
// It works below TLS and HTTP/2 (they write through the connection) and
// keeps sendfile(2): ReadFrom hands the file to the TCP connection in
// stallChunk pieces, each still sent with sendfile.
type stallListener struct {
	net.Listener
	timeout time.Duration
	now     func() time.Time // time.Now, or a test clock
}

func newStallListener(ln net.Listener, timeout time.Duration) *stallListener {
	return &stallListener{Listener: ln, timeout: timeout, now: time.Now}
}

// Accept wraps the connection accepted.
func (l *stallListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &stallConn{Conn: c, timeout: l.timeout, now: l.now}, nil
}

// stallConn is a connection whose writes each must make progress within
// timeout. A deadline set explicitly (net/http does so around the TLS
// handshake, a handler may through http.ResponseController) wins until it
// is cleared with the zero time.
type stallConn struct {
	net.Conn
	timeout time.Duration
	now     func() time.Time

	// rearm is when the deadline is next moved (UnixNano); explicit
	// (math.MaxInt64) while a deadline set by the caller holds. Moving it
	// costs a timer update, so it is moved at most every timeout/16; a
	// write then has between 15/16 and all of timeout to complete.
	// Atomic: HTTP/2 may write from another goroutine than the one that
	// wrote before.
	rearm atomic.Int64
}

const explicit = math.MaxInt64

// extend moves the write deadline to timeout from now, unless it was moved
// very recently or was set by the caller.
func (c *stallConn) extend() error {
	now := c.now()
	if now.UnixNano() < c.rearm.Load() {
		return nil
	}
	c.rearm.Store(now.Add(c.timeout / 16).UnixNano())
	return c.Conn.SetWriteDeadline(now.Add(c.timeout))
}

// SetWriteDeadline sets an explicit write deadline, which holds until it is
// cleared with the zero time; then each write gets timeout again.
func (c *stallConn) SetWriteDeadline(t time.Time) error {
	c.hold(t)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline is SetWriteDeadline for both directions.
func (c *stallConn) SetDeadline(t time.Time) error {
	c.hold(t)
	return c.Conn.SetDeadline(t)
}

func (c *stallConn) hold(t time.Time) {
	if t.IsZero() {
		c.rearm.Store(0)
	} else {
		c.rearm.Store(explicit)
	}
}

// Write writes p in pieces of at most stallChunk bytes, each with a fresh
// deadline.
func (c *stallConn) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), stallChunk)]
		if err := c.extend(); err != nil {
			return written, err
		}
		n, err := c.Conn.Write(chunk)
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// ReadFrom lets net/http send files with sendfile(2) through the wrapper:
// it passes r to the connection's own ReadFrom in pieces of at most
// stallChunk bytes, each with a fresh deadline. A piece is an
// *io.LimitedReader directly over the file (never a LimitedReader of a
// LimitedReader, which the kernel path does not recognise).
func (c *stallConn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{c}, r)
	}
	src, remain := r, int64(-1) // -1: until EOF
	if lr, ok := r.(*io.LimitedReader); ok {
		src, remain = lr.R, lr.N
		defer func() { lr.N = remain }()
	}
	var total int64
	for remain != 0 {
		if err := c.extend(); err != nil {
			return total, err
		}
		want := int64(stallChunk)
		if remain > 0 {
			want = min(want, remain)
		}
		piece := &io.LimitedReader{R: src, N: want}
		n, err := rf.ReadFrom(piece)
		total += n
		if remain > 0 {
			remain -= n
		}
		if err != nil {
			return total, err
		}
		if n < want { // EOF
			break
		}
	}
	return total, nil
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

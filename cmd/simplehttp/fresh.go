package main

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// freshConns keeps the connections accepted that have not begun a
// request, so that a shutdown closes them at once, as Python exits at
// once on Ctrl-C. http.Server.Shutdown closes idle keep-alive connections
// at once but waits up to 5 s for one that has sent nothing yet (a
// browser's preconnect), and a Ctrl-C after browsing took that long.
//
// A connection is fresh from Accept until a byte arrives on it: a
// request that has begun to arrive (or a TLS handshake) is left to
// Shutdown's rules. The cost is one map insertion and deletion per
// connection, and an atomic load per read.
type freshConns struct {
	mu sync.Mutex
	m  map[*freshConn]struct{} // nil once closed
}

// freshConn is a connection of a freshConns.
type freshConn struct {
	net.Conn
	set   *freshConns
	begun atomic.Bool
}

// listener wraps ln so that the connections it accepts are kept.
func (s *freshConns) listener(ln net.Listener) net.Listener {
	s.m = map[*freshConn]struct{}{}
	return &freshListener{Listener: ln, set: s}
}

type freshListener struct {
	net.Listener
	set *freshConns
}

func (l *freshListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	fc := &freshConn{Conn: c, set: l.set}
	l.set.mu.Lock()
	closed := l.set.m == nil
	if !closed {
		l.set.m[fc] = struct{}{}
	}
	l.set.mu.Unlock()
	if closed {
		c.Close() // accepted as the shutdown began
	}
	return fc, nil
}

// Read reads from the connection; once it has read a byte, the
// connection is no longer fresh. (net/http's ConnState would say when a
// request begins, but not for an HTTP/2 connection, which is active from
// its TLS handshake on with no hook run; a connection the shutdown closed
// for fresh would take its streams with it.)
func (c *freshConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.forget()
	}
	return n, err
}

// forget takes the connection out of its set, once.
func (c *freshConn) forget() {
	if c.begun.Load() {
		return
	}
	c.begun.Store(true)
	c.set.mu.Lock()
	delete(c.set.m, c) // nothing once closeAll has begun
	c.set.mu.Unlock()
}

// Close closes the connection, which is then no longer kept.
func (c *freshConn) Close() error {
	c.forget()
	return c.Conn.Close()
}

// closeAll closes the connections that are still fresh, and any accepted
// from now on.
func (s *freshConns) closeAll() {
	s.mu.Lock()
	m := s.m
	s.m = nil
	s.mu.Unlock()
	for fc := range m {
		fc.Close()
	}
}

// ReadFrom passes sendfile(2) on to the connection below.
func (c *freshConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}

// CloseWrite lets net/http half-close the connection, as it does on a
// *net.TCPConn, before closing it after an error.
func (c *freshConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

package main

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// stallStreams gives every HTTP/2 stream the guard that stallConn gives a
// connection: a stream whose client takes no byte of the response for
// timeout is reset (RST_STREAM, INTERNAL_ERROR), and its handler's write
// fails, so that the handler returns and lets go of what it holds.
//
// The connection's guard cannot see it: HTTP/2 flow control lets a client
// stop one stream (by granting it no window) while it keeps reading the
// connection, so the server writes nothing for that stream and no write of
// the connection ever blocks. Without this the stream's handler, its copy
// buffer and the stream itself stayed until the client reset it or closed
// the connection, however long that took.
//
// As on a connection, the guard is an alarm rather than a limit: while a
// write or a flush of the handler is blocked, it checks every timeout/4
// whether one has completed since it last looked, and resets the stream
// only after finding none for the whole timeout, in as many checks (a
// check that came late, the server short of CPU, does not count for
// the ones it missed). A client that keeps
// taking bytes keeps its stream, and a handler that takes its time between
// writes (a CGI script at work, an upload being read) is not watched at all.
// Progress is seen a write at a time, so a client must take each write
// (the file server's are 32 KiB) within the timeout: about 550 bytes a
// second at 60 s, where an HTTP/1 connection needs one byte.
//
// After the handler returns, net/http still sends what its writes left in
// the stream's buffer (up to 4 KiB: all of a small file). The stream's own
// write deadline, set to timeout from then, bounds that part; net/http
// stops it when the stream ends.
//
// Requests over HTTP/1 go through untouched. timeout 0 means no guard.
func stallStreams(next http.Handler, timeout time.Duration) http.Handler {
	if timeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			next.ServeHTTP(w, r)
			return
		}
		g := &streamGuard{ResponseWriter: w, timeout: timeout, check: timeout / stallChecks}
		defer g.finish(r)
		next.ServeHTTP(g, r)
	})
}

// streamGuard wraps an HTTP/2 stream's ResponseWriter. Write, Flush and
// FlushError are watched; Unwrap keeps http.ResponseController working.
// (The HTTP/2 writer has no ReadFrom or Hijack to keep.)
type streamGuard struct {
	http.ResponseWriter
	timeout time.Duration
	check   time.Duration

	started bool          // the handler wrote: the alarm is set (handler's goroutine only)
	busy    atomic.Int32  // writes and flushes under way
	done    atomic.Uint64 // writes and flushes completed

	mu    sync.Mutex // orders the alarm's reset against the handler's return
	alarm *time.Timer
	over  bool      // the handler returned: the alarm must not touch the stream
	reset bool      // the alarm reset the stream
	seen  uint64    // done when the alarm last rang
	quiet time.Time // when the alarm first found the blocked writes stuck; zero if not
	rings int       // rings since quiet that found them still stuck
}

// Write writes p, watched.
func (g *streamGuard) Write(p []byte) (int, error) {
	g.begin()
	defer g.end()
	return g.ResponseWriter.Write(p)
}

// Flush sends what is buffered, watched: on HTTP/2 it waits for the
// client's window.
func (g *streamGuard) Flush() {
	g.FlushError()
}

// FlushError is Flush with its error, for http.ResponseController.
func (g *streamGuard) FlushError() error {
	g.begin()
	defer g.end()
	return http.NewResponseController(g.ResponseWriter).Flush()
}

// Unwrap returns the stream's own ResponseWriter.
func (g *streamGuard) Unwrap() http.ResponseWriter {
	return g.ResponseWriter
}

// begin notes a write under way, setting the alarm at the first.
func (g *streamGuard) begin() {
	if !g.started {
		g.started = true
		g.mu.Lock()
		g.alarm = time.AfterFunc(g.check, g.ring)
		g.mu.Unlock()
	}
	g.busy.Add(1)
}

// end notes a write completed (or failed).
func (g *streamGuard) end() {
	g.done.Add(1)
	g.busy.Add(-1)
}

// ring is the alarm. It resets the stream when writes have been blocked
// with none completing for the whole timeout, and otherwise rings again
// one check period later.
func (g *streamGuard) ring() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.over {
		return
	}
	now := time.Now()
	switch d := g.done.Load(); {
	case g.busy.Load() == 0:
		g.quiet = time.Time{} // not writing: nothing to watch
	case g.quiet.IsZero() || d != g.seen:
		g.quiet, g.rings = now, 0 // blocked, but progress since the last ring
	default:
		g.rings++
		if now.Sub(g.quiet) >= g.timeout && g.rings >= stallChecks {
			// A deadline in the past resets the stream at once, and the
			// blocked write returns an error. The handler has not
			// returned (over is false under mu), so its ResponseWriter
			// is still its.
			http.NewResponseController(g.ResponseWriter).SetWriteDeadline(now.Add(-time.Second))
			g.reset = true
			return
		}
	}
	g.seen = g.done.Load()
	g.alarm.Reset(g.check)
}

// finish runs when the handler returns: it stops the alarm, and bounds the
// sending of what the handler left buffered with the stream's deadline.
func (g *streamGuard) finish(r *http.Request) {
	if !g.started {
		return // nothing written: only headers (not flow-controlled) are left
	}
	g.mu.Lock()
	g.over = true
	g.alarm.Stop()
	reset := g.reset
	g.mu.Unlock()
	if reset || r.Context().Err() != nil {
		return // the stream is over (reset, or the connection closed)
	}
	http.NewResponseController(g.ResponseWriter).SetWriteDeadline(time.Now().Add(g.timeout))
}

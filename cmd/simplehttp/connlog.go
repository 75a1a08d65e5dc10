package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"

	"github.com/simplehttp/simplehttp/internal/overload"
)

// connFailurePrefixes begin the lines net/http writes to its ErrorLog for
// a connection that a client broke before or outside any request: a TLS
// handshake that failed (a client idle until --read-header-timeout, plain
// HTTP sent to the TLS port, a scanner, a browser that refuses the
// certificate) and an HTTP/2 connection ended for its client's errors.
var connFailurePrefixes = [][]byte{
	[]byte("http: TLS handshake error from "),
	[]byte("http2: server: error reading preface from client "),
	[]byte("timeout waiting for SETTINGS frames from "),
	[]byte("http2: server connection error from "),
	[]byte("http2: received GOAWAY "),
}

// connFailures is the http.Server's ErrorLog. net/http writes a line for
// every connection that fails as above, so a flood of them (idle TLS
// connections, a scanner) flooded the log. Those lines go through an
// [overload.Log] instead: said when an episode begins, at most once a
// minute while it lasts, and when a connection begins a request again
// (see connState). Every other line of net/http's goes to the
// diagnostics as it is.
type connFailures struct {
	log  *overload.Log
	rest io.Writer // the diagnostics, at level Error, as slog.NewLogLogger writes
}

func newConnFailures(logger *slog.Logger) *connFailures {
	return &connFailures{
		log:  overload.New(logger, "TLS or HTTP/2 connections failing"),
		rest: slog.NewLogLogger(logger.Handler(), slog.LevelError).Writer(),
	}
}

// errorLog returns the logger for http.Server.ErrorLog.
func (f *connFailures) errorLog() *log.Logger {
	return log.New(f, "", 0)
}

// Write takes one line of net/http's.
func (f *connFailures) Write(p []byte) (int, error) {
	for _, prefix := range connFailurePrefixes {
		if bytes.HasPrefix(p, prefix) {
			f.log.Failed(context.Background(), errors.New(string(bytes.TrimSuffix(p, []byte("\n")))))
			return len(p), nil
		}
	}
	return f.rest.Write(p)
}

// connState is the http.Server's ConnState: a connection that begins a
// request has completed its TLS handshake (and, over HTTP/2, its
// preface), which ends an episode of failures.
func (f *connFailures) connState(_ net.Conn, s http.ConnState) {
	if s == http.StateActive {
		f.log.OK(context.Background())
	}
}

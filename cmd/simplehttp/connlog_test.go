package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"testing"
)

// TestConnFailures: of net/http's ErrorLog lines, those of connections a
// client broke (TLS handshakes, HTTP/2 connection errors) make one line per
// episode; any other goes to the diagnostics as it is, at level Error.
func TestConnFailures(t *testing.T) {
	var buf bytes.Buffer
	f := newConnFailures(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	l := f.errorLog()
	for range 3 {
		l.Printf("http: TLS handshake error from %s: %v", "127.0.0.1:1", "EOF")
		l.Printf("http2: server: error reading preface from client %s: %v", "127.0.0.1:2", "bogus greeting")
		l.Printf("timeout waiting for SETTINGS frames from %s", "127.0.0.1:3")
		l.Printf("http2: server connection error from %s: %v", "127.0.0.1:4", "connection error: PROTOCOL_ERROR")
		l.Printf("http2: received GOAWAY %+v, starting graceful shutdown", "[FrameHeader GOAWAY len=8]")
	}
	l.Printf("http: superfluous response.WriteHeader call from %s", "main.f")
	want := `level=WARN msg="TLS or HTTP/2 connections failing" err="http: TLS handshake error from 127.0.0.1:1: EOF" failures=1
level=ERROR msg="http: superfluous response.WriteHeader call from main.f"
`
	if got := buf.String(); got != want {
		t.Errorf("log =\n%s\nwant\n%s", got, want)
	}
	buf.Reset()
	f.connState(nil, http.StateNew)
	if buf.Len() != 0 {
		t.Errorf("a new connection logged %q", buf.String())
	}
	f.connState(nil, http.StateActive)
	if got, want := buf.String(), "level=INFO msg=\"TLS or HTTP/2 connections failing: recovered\" failures=14\n"; got != want {
		t.Errorf("a request after the failures logged %q, want %q", got, want)
	}
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	for _, c := range []struct {
		name, in string
		code     int
		keep     bool
		err      string // "" for none
		rest     string // what is left unread
	}{
		{"ok", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nServer: x\r\n\r\nabcNEXT", 200, true, "", "NEXT"},
		{"lower-case name, spaces", "HTTP/1.1 404 Not Found\r\ncontent-length:  2 \r\n\r\nhi", 404, true, "", ""},
		{"HTTP/1.1, close", "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n", 200, false, "", ""},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 200, false, "", ""},
		{"HTTP/1.0, keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 200, true, "", ""},
		{"no length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 200, false, "without Content-Length", ""},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 200, false, "bad Content-Length", ""},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 200, true, io.ErrUnexpectedEOF.Error(), ""},
		{"bad status line", "HTTP/1.1 2x0 OK\r\n\r\n", 0, false, "bad status line", ""},
		{"not HTTP", "SSH-2.0-x\r\n", 0, false, "bad status line", ""},
		{"cut in the head", "HTTP/1.1 200 OK\r\nContent-Len", 200, false, io.EOF.Error(), ""},
	} {
		br := bufio.NewReader(strings.NewReader(c.in))
		n, code, keep, err := readResponse(br)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		}
		if code != c.code {
			t.Errorf("%s: code %d, want %d", c.name, code, c.code)
		}
		if c.err == "" && keep != c.keep {
			t.Errorf("%s: keep-alive %v, want %v", c.name, keep, c.keep)
		}
		if c.err == "" {
			rest, _ := io.ReadAll(br)
			if string(rest) != c.rest || n != int64(len(c.in)-len(c.rest)) {
				t.Errorf("%s: read %d bytes leaving %q, want %d leaving %q", c.name, n, rest, len(c.in)-len(c.rest), c.rest)
			}
		}
	}
}

func TestReadResponseAllocates(t *testing.T) {
	resp := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nDate: x\r\n\r\nhello"
	r := strings.NewReader(resp)
	br := bufio.NewReader(r)
	if n := testing.AllocsPerRun(100, func() {
		r.Reset(resp)
		br.Reset(r)
		if _, _, _, err := readResponse(br); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per response, want 0 (the client runs with the collector off)", n)
	}
}

// TestRun paces 20 connections at 100 requests a second: the window's
// requests are counted and timed, each connection asks in turn, and the
// server sees the path and Host asked for. The first requests come in the
// settling mean before the window, 200 ms here: at 400 requests a second
// (50 ms) a loaded machine (make test runs packages side by side) woke
// every connection late, inside the window, now and then.
func TestRun(t *testing.T) {
	var served, bad atomic.Int64
	var host string
	body := strings.Repeat("x", 1024)
	host = countingServer(t, new(atomic.Int64), func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/1k.bin" || r.Host != host || r.Method != "GET" {
			bad.Add(1)
		}
		served.Add(1)
		w.Write([]byte(body))
	})
	c := config{addr: host, path: "/1k.bin", conns: 20, rate: 100, warm: 100 * time.Millisecond,
		duration: time.Second, timeout: 10 * time.Second}
	r := run(c)
	if bad.Load() != 0 {
		t.Errorf("%d requests with another path, host or method", bad.Load())
	}
	if r.connect+r.read+r.write+r.status+r.tmout != 0 {
		t.Errorf("errors: %+v", r)
	}
	// 100 asked in the window; the count is a Poisson draw (sd 10) and
	// each connection's wait starts after its answer, so allow a wide
	// band: what it catches is a client that does not pace at all (tens
	// of thousands) or does not ask (none).
	if r.requests < 50 || r.requests > 200 {
		t.Errorf("%d requests in the 1 s window at 100 req/s", r.requests)
	}
	if int64(len(r.latencies)) != r.requests || len(r.latencies) == 0 || slices.Min(r.latencies) <= 0 {
		t.Fatalf("%d latencies for %d requests, or one not above 0", len(r.latencies), r.requests)
	}
	// Requests made in the warm-up and the settling mean are served but
	// not counted.
	if served.Load() <= r.requests {
		t.Errorf("server saw %d requests, the window %d: the settling ones should be outside it", served.Load(), r.requests)
	}
	// Each response is the head plus 1 KiB.
	if per := r.bytes / r.requests; per < 1024+50 || per > 1024+300 || r.bytes%r.requests != 0 {
		t.Errorf("%d bytes for %d responses", r.bytes, r.requests)
	}
}

// countingServer serves h on 127.0.0.1 until the test ends, counting the
// connections it accepts in conns, and returns its host:port.
func countingServer(t *testing.T, conns *atomic.Int64, h http.HandlerFunc) string {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestRunErrors: answers of 400 and more are counted as status errors on
// a connection that stays; a server that announces "Connection: close"
// costs a new connection per request and no error; a server that closes every connection after
// one answer gives read errors, and the client connects again.
func TestRunErrors(t *testing.T) {
	c := config{path: "/", conns: 4, rate: 200, warm: 50 * time.Millisecond, duration: 500 * time.Millisecond, timeout: 5 * time.Second}

	var conns atomic.Int64
	c.addr = countingServer(t, &conns, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusNotFound)
	})
	r := run(c)
	if r.requests == 0 || r.status != r.requests || r.read+r.write+r.connect != 0 || conns.Load() != 4 {
		t.Errorf("404s: %d requests, %d status errors, %d read, %d write, %d connect, %d connections (want 4)",
			r.requests, r.status, r.read, r.write, r.connect, conns.Load())
	}

	// A server that says it closes after each answer: the client opens
	// a new connection for the next request, and counts no error.
	conns.Store(0)
	c.addr = countingServer(t, &conns, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("ok"))
	})
	r = run(c)
	if r.requests == 0 || r.read+r.write+r.connect+r.status != 0 || conns.Load() <= 4 {
		t.Errorf("Connection: close: %d requests, %d read, %d write, %d connect, %d status errors, %d connections (want more than 4)",
			r.requests, r.read, r.write, r.connect, r.status, conns.Load())
	}

	// One answer per connection, then the server closes it unannounced:
	// the next request on it fails.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}()
		}
	}()
	c.addr = ln.Addr().String()
	r = run(c)
	if r.requests == 0 || r.read == 0 || accepted.Load() <= 4 {
		t.Errorf("closing server: %d requests, %d read errors, %d connections accepted (want more than 4)", r.requests, r.read, accepted.Load())
	}
	if r.connect != 0 {
		t.Errorf("closing server: %d connect errors", r.connect)
	}

	// Nothing listens: every connect is refused, and each connection
	// tries again at its next request rather than giving up for the rest
	// of the run (as wrk does), so there are many more connect errors
	// than connections.
	c.addr = ln.Addr().String()
	ln.Close()
	r = run(c)
	if r.connect <= int64(c.conns) || r.requests != 0 {
		t.Errorf("no server: %d connect errors for %d connections, %d requests; want more connect errors than connections, no request",
			r.connect, c.conns, r.requests)
	}
}

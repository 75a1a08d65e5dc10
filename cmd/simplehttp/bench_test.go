package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchMtime is the modification time of the benchmarks' 1 KiB file.
var benchMtime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// benchHandler returns the configuration and the command's handler for -p HTTP/1.1 over a
// directory holding 1k.bin (mtime benchMtime), with the access log to
// io.Discard, once the file is old enough to be cached: the file server
// keeps a file in memory only once its ctime is 2 s old (fileserver's
// racyWindow), so this waits 2 s.
func benchHandler(b *testing.B) (config, http.Handler) {
	b.Helper()
	dir := b.TempDir()
	name := filepath.Join(dir, "1k.bin")
	if err := os.WriteFile(name, bytes.Repeat([]byte("x"), 1024), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.Chtimes(name, benchMtime, benchMtime); err != nil {
		b.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	cfg, err := parseArgs([]string{"-d", dir, "-p", "HTTP/1.1"})
	if err != nil {
		b.Fatal(err)
	}
	h, _, closeHandler, err := newHandler(cfg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closeHandler.close)
	return cfg, h
}

// BenchmarkHandler measures the command's whole handler (access log, error
// pages, -H headers, limits, file server) on the responses of the load
// workloads that are small enough for the handler to matter: a cached
// 1 KiB file, a 404 and a 304. The access log goes to io.Discard. Its
// setup waits 2 s, for the file to be cached.
func BenchmarkHandler(b *testing.B) {
	_, h := benchHandler(b)
	ims := benchMtime.Add(24 * time.Hour).Format(http.TimeFormat)
	for _, bc := range []struct {
		name, target string
		header       http.Header
		want         int
	}{
		{"1KiB", "/1k.bin", nil, 200},
		{"404", "/no-such-file", nil, 404},
		{"304", "/1k.bin", http.Header{"If-Modified-Since": {ims}}, 304},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", bc.target, nil)
			for k, v := range bc.header {
				r.Header[k] = v
			}
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			if w.code != bc.want {
				b.Fatalf("GET %s: status %d, want %d", bc.target, w.code, bc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkConnClose measures a whole one-request connection (workload
// (b) of the load comparison: accept, request, 1 KiB response, close)
// through the command's server and handler, client included, with the
// command's listener and with a bare one.
func BenchmarkConnClose(b *testing.B) {
	cfg, h := benchHandler(b)
	const request = "GET /1k.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	for _, bc := range []struct {
		name string
		wrap func(net.Listener) net.Listener
	}{
		{"listener=command", func(ln net.Listener) net.Listener { return newStallListener(ln, writeStallTimeout) }},
		{"listener=bare", func(ln net.Listener) net.Listener { return ln }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lc := listenConfig()
			ln, err := lc.Listen(b.Context(), "tcp4", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := newServer(cfg, h, slog.New(slog.DiscardHandler))
			go srv.Serve(bc.wrap(ln))
			defer srv.Close()
			addr := ln.Addr().String()
			buf := make([]byte, 4096)
			b.ReportAllocs()
			for b.Loop() {
				c, err := net.Dial("tcp4", addr)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.WriteString(c, request); err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					m, err := c.Read(buf)
					n += m
					if err != nil {
						break
					}
				}
				c.Close()
				if n < 1024 {
					b.Fatalf("response of %d bytes", n)
				}
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps the status and throws the
// rest away.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkStallConn measures what the guard against clients that stop
// reading adds to a write that does not block, and to a file sent with
// sendfile(2), against the bare TCP connection.
func BenchmarkStallConn(b *testing.B) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() { // a client that reads everything
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			return
		}
		io.Copy(io.Discard, c)
		c.Close()
	}()
	raw, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	guarded := newStallConn(raw, writeStallTimeout, time.Now)
	if err := guarded.arm(); err != nil {
		b.Fatal(err)
	}

	name := filepath.Join(b.TempDir(), "1m.bin")
	if err := os.WriteFile(name, bytes.Repeat([]byte("x"), 1<<20), 0o644); err != nil {
		b.Fatal(err)
	}
	file, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()

	for _, conn := range []struct {
		name string
		c    interface {
			io.Writer
			io.ReaderFrom
		}
	}{{"bare", raw.(*net.TCPConn)}, {"guarded", guarded}} {
		b.Run("write=1KiB/"+conn.name, func(b *testing.B) {
			p := make([]byte, 1024)
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.c.Write(p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("sendfile=1MiB/"+conn.name, func(b *testing.B) {
			b.SetBytes(1 << 20)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := file.Seek(0, io.SeekStart); err != nil {
					b.Fatal(err)
				}
				if n, err := conn.c.ReadFrom(io.LimitReader(file, 1<<20)); n != 1<<20 || err != nil {
					b.Fatalf("ReadFrom = %d, %v", n, err)
				}
			}
		})
	}
}

package accesslog

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// discardWriter is a ResponseWriter that drops the response, so the
// benchmark measures the middleware rather than the network.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkHandler compares a 1 KiB response through the middleware,
// logging to a buffered *os.File (/dev/null), with the bare handler.
func BenchmarkHandler(b *testing.B) {
	body := make([]byte, 1024)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	})
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	run := func(b *testing.B, h http.Handler) {
		r := httptest.NewRequest("GET", "/some/file.txt?x=1", nil)
		r.RemoteAddr = "192.0.2.1:54321"
		r.Header.Set("User-Agent", "bench/1.0")
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, bare) })
	for _, f := range []Format{Python, Common, Combined, JSON} {
		b.Run("format="+f.String(), func(b *testing.B) {
			m, err := New(Options{Writer: devnull, Format: f})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			run(b, m.Handler(bare))
		})
	}
	b.Run("format=python/unbuffered", func(b *testing.B) {
		m, err := New(Options{Writer: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		run(b, m.Handler(bare))
	})
}

// BenchmarkServer is BenchmarkHandler over loopback HTTP/1.1 with
// keep-alive: the overhead a client of a real server sees.
func BenchmarkServer(b *testing.B) {
	body := make([]byte, 1024)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	})
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	m, err := New(Options{Writer: devnull})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for _, tt := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"format=python", m.Handler(bare)}} {
		b.Run(tt.name, func(b *testing.B) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			client := srv.Client()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				resp, err := client.Get(srv.URL + "/file.txt")
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

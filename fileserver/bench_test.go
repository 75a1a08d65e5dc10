package fileserver_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// discardWriter is a ResponseWriter that throws the body away, as cheaply
// as possible, so the benchmarks measure the handlers. Like net/http's
// response, it offers ReadFrom, so a handler's sendfile path is taken.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(io.Discard, struct{ io.Reader }{r})
}

// benchMtime is the mtime of the benchmark files; the 304 requests ask
// If-Modified-Since a day later.
var benchMtime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func benchTree(b *testing.B, entries int) string {
	dir := b.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(p, benchMtime, benchMtime); err != nil {
			b.Fatal(err)
		}
	}
	write("1k.txt", []byte(strings.Repeat("x", 1<<10)))
	write("1m.bin", []byte(strings.Repeat("y", 1<<20)))
	if err := os.Mkdir(filepath.Join(dir, "list"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range entries {
		write(fmt.Sprintf("list/file-%05d.txt", i), nil)
	}
	return dir
}

// BenchmarkServe compares our handler with net/http.FileServer on the hot
// paths of a static site: a 1 KiB file, a 1 MiB file (through
// ReadFrom, as net/http sends it), a 404, an If-Modified-Since answered
// 304 and a listing of 1,000 entries, with and without our cache. Each case reports allocs/op, so a
// regression shows in review. The writer discards the body and its header
// map is cleared between requests, as net/http's would be new.
func BenchmarkServe(b *testing.B) {
	dir := benchTree(b, 1000)
	ours, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer ours.Close()
	// The files were just written: let the cache keep them at once, as
	// it would a minute from now.
	fileserver.SetClock(ours, fileserver.HourAhead)
	// The same without the cache: every file read and every listing
	// rendered again, as for files and directories that just changed.
	uncached, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{DisableCache: true})
	if err != nil {
		b.Fatal(err)
	}
	defer uncached.Close()
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"simplehttp", ours},
		{"simplehttp-nocache", uncached},
		{"net-http", http.FileServer(http.Dir(dir))},
	}
	ims := benchMtime.Add(24 * time.Hour).Format(http.TimeFormat)
	for _, target := range []struct {
		name, path string
		header     map[string]string
	}{
		{"file=1KiB", "/1k.txt", nil},
		{"file=1MiB", "/1m.bin", nil},
		{"404", "/no-such-file", nil},
		{"304", "/1k.txt", map[string]string{"If-Modified-Since": ims}},
		{"listing=1000", "/list/", nil},
	} {
		for _, h := range handlers {
			b.Run(target.name+"/"+h.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", target.path, nil)
				for k, v := range target.header {
					req.Header.Set(k, v)
				}
				w := &discardWriter{h: make(http.Header)}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.h.ServeHTTP(w, req)
				}
			})
		}
	}
}

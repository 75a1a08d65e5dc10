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

	"github.com/simplehttp/simplehttp/fileserver"
)

// discardWriter is a ResponseWriter that throws the body away, as cheaply
// as possible, so the benchmarks measure the handlers.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(io.Discard, r)
}

func benchTree(b *testing.B, entries int) string {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "1k.txt"), []byte(strings.Repeat("x", 1<<10)), 0o644)
	os.WriteFile(filepath.Join(dir, "1m.bin"), []byte(strings.Repeat("y", 1<<20)), 0o644)
	list := filepath.Join(dir, "list")
	os.Mkdir(list, 0o755)
	for i := range entries {
		os.WriteFile(filepath.Join(list, fmt.Sprintf("file-%05d.txt", i)), nil, 0o644)
	}
	return dir
}

// BenchmarkServe compares our handler with net/http.FileServer on the same
// requests: a 1 KiB file, a 1 MiB file and a listing of 1,000 entries.
func BenchmarkServe(b *testing.B) {
	dir := benchTree(b, 1000)
	ours, err := fileserver.NewDir(dir, fileserver.Options{})
	if err != nil {
		b.Fatal(err)
	}
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"simplehttp", ours},
		{"net-http", http.FileServer(http.Dir(dir))},
	}
	for _, target := range []struct{ name, path string }{
		{"file=1KiB", "/1k.txt"},
		{"file=1MiB", "/1m.bin"},
		{"listing=1000", "/list/"},
	} {
		for _, h := range handlers {
			b.Run(target.name+"/"+h.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", target.path, nil)
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

package fileserver_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
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
	if err := os.Mkdir(filepath.Join(dir, "list100"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		write(fmt.Sprintf("list100/file-%03d.txt", i), nil)
	}
	return dir
}

// BenchmarkServe compares our handler with net/http.FileServer on the hot
// paths of a static site: a 1 KiB file, a 1 MiB file (through
// ReadFrom, as net/http sends it), a 404, an If-Modified-Since answered
// 304 and listings of 100 and 1,000 entries, with and without our cache. Each case reports allocs/op, so a
// regression shows in its output. The writer discards the body and its header
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
		{"listing=100", "/list100/", nil},
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

// BenchmarkRichListing measures the rich listing (Options.Listing =
// ListingRich) of 1,000 and 10,000 entries beside Python's: from the
// cache (the rows kept, each entry stat'ed again), without the cache
// (read, stat'ed, sorted and rendered every time), and sorted by size,
// descending.
func BenchmarkRichListing(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		dir := benchTree(b, n)
		newHandler := func(opts fileserver.Options) *fileserver.Handler {
			h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { h.Close() })
			fileserver.SetClock(h, fileserver.HourAhead)
			return h
		}
		python := newHandler(fileserver.Options{})
		rich := newHandler(fileserver.Options{Listing: fileserver.ListingRich})
		richNoCache := newHandler(fileserver.Options{Listing: fileserver.ListingRich, DisableCache: true})
		for _, c := range []struct {
			name, target string
			h            http.Handler
		}{
			{"python", "/list/", python},
			{"rich", "/list/", rich},
			{"rich-nocache", "/list/", richNoCache},
			{"rich-size-desc", "/list/?sort=size&order=desc", rich},
			{"rich-size-desc-nocache", "/list/?sort=size&order=desc", richNoCache},
		} {
			b.Run(fmt.Sprintf("entries=%d/%s", n, c.name), func(b *testing.B) {
				req := httptest.NewRequest("GET", c.target, nil)
				w := &discardWriter{h: make(http.Header)}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					c.h.ServeHTTP(w, req)
				}
			})
		}
	}
}

// BenchmarkListingLarge serves the listing of a directory of 100,000
// entries: Python's (built in memory and cached), the rich one (too
// large for the cache, so streamed rather than built in memory) and the
// JSON one (never cached: its sizes change without the directory). All
// share one tree, whose 100,000 files take most of the benchmark's time
// to create. Each reports, besides the time, peak-heap-MiB: the Go heap
// allocated by the first request, which reads the directory and renders
// the list, with the garbage collector off; an upper bound of the memory
// the request holds at any moment (what it allocates and drops, such as
// the directory entries read, is counted too).
func BenchmarkListingLarge(b *testing.B) {
	dir := benchTree(b, 100000)
	for _, c := range []struct {
		name   string
		opts   fileserver.Options
		accept string
	}{
		{"listing=python", fileserver.Options{}, ""},
		{"listing=rich", fileserver.Options{Listing: fileserver.ListingRich}, ""},
		{"listing=json", fileserver.Options{}, "application/json"},
	} {
		b.Run(c.name, func(b *testing.B) {
			h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, c.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			req := httptest.NewRequest("GET", "/list/", nil)
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			w := &discardWriter{h: make(http.Header)}
			peak := peakHeapMiB(func() { h.ServeHTTP(w, req) })
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(peak, "peak-heap-MiB")
		})
	}
}

// peakHeapMiB runs f once with the garbage collector off and returns the
// heap it allocated, in MiB.
func peakHeapMiB(f func()) float64 {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
}

// BenchmarkServePolicies measures a cached 1 KiB file in the root and two
// directories down, directly and through a link inside the root (which
// SymlinksNever answers with a 404), under each SymlinkPolicy: the
// stricter policies pay for resolving the name inside the root on every
// request (on Linux one fstatat(2) in the root itself, or one openat2(2),
// an fstat and a close; elsewhere, or before Linux 5.6, the os.Root walk).
func BenchmarkServePolicies(b *testing.B) {
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "d1", "d2"), 0o755); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"1k.txt", "d1/d2/1k.txt"} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(strings.Repeat("x", 1<<10)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.Symlink("d1", filepath.Join(dir, "link")); err != nil {
		b.Fatal(err)
	}
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		h, err := fileserver.NewDir(dir, policy, fileserver.Options{Logger: slog.New(slog.DiscardHandler)}) // never logs the refused link
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		fileserver.SetClock(h, fileserver.HourAhead)
		for _, target := range []struct{ name, path string }{{"depth=0", "/1k.txt"}, {"depth=2", "/d1/d2/1k.txt"}, {"link", "/link/d2/1k.txt"}} {
			b.Run("symlinks="+policy.String()+"/"+target.name, func(b *testing.B) {
				req := httptest.NewRequest("GET", target.path, nil)
				w := &discardWriter{h: make(http.Header)}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, req)
				}
			})
		}
	}
}

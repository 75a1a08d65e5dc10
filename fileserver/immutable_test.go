package fileserver_test

import (
	"embed"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

//go:embed testdata/mime_python311.json
var benchEmbedded embed.FS

// BenchmarkNotModifiedNoMtime answers If-None-Match with 304 for files
// that carry no modification time, so that their ETag is a hash of their
// content: a 6 KiB file of an embed.FS and of an fs.Sub of it (the usual
// way to mount embedded assets), and a 4 MiB file of an fstest.MapFS.
func BenchmarkNotModifiedNoMtime(b *testing.B) {
	sub, err := fs.Sub(benchEmbedded, "testdata")
	if err != nil {
		b.Fatal(err)
	}
	big := fstest.MapFS{"big.bin": {Data: []byte(strings.Repeat("0123456789abcdef", 4<<20/16))}}
	for _, bc := range []struct {
		name string
		fsys fs.FS
		opts fileserver.Options
		path string
	}{
		{"embed/size=6KiB", benchEmbedded, fileserver.Options{}, "/testdata/mime_python311.json"},
		{"fs.Sub(embed)/size=6KiB", sub, fileserver.Options{}, "/mime_python311.json"},
		{"MapFS/size=4MiB", big, fileserver.Options{}, "/big.bin"},
		{"MapFS/size=4MiB/immutable", big, fileserver.Options{Immutable: true}, "/big.bin"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h, err := fileserver.New(bc.fsys, bc.opts)
			if err != nil {
				b.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", bc.path, nil))
			etag := rec.Header().Get("Etag")
			if rec.Code != 200 || etag == "" {
				b.Fatalf("GET %s: %d, ETag %q", bc.path, rec.Code, etag)
			}
			req := httptest.NewRequest("GET", bc.path, nil)
			req.Header.Set("If-None-Match", etag)
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}

// readCountingFS counts the Read calls on the files it opens.
type readCountingFS struct {
	fs.FS
	reads *atomic.Int64
}

func (c readCountingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return readCountingFile{f, c.reads}, nil
}

type readCountingFile struct {
	fs.File
	reads *atomic.Int64
}

func (f readCountingFile) Read(p []byte) (int, error) {
	f.reads.Add(1)
	return f.File.Read(p)
}

func (f readCountingFile) Seek(offset int64, whence int) (int64, error) {
	return f.File.(io.Seeker).Seek(offset, whence)
}

// TestHashOnce: a file without a modification time gets a hash of its
// content as ETag. Content that cannot change (an embed.FS, an fs.Sub of
// one, an FS declared Immutable) is hashed once: answering If-None-Match
// then reads nothing. Any other FS is hashed again on every request, so a
// changed file gets a new ETag at once.
func TestHashOnce(t *testing.T) {
	sub := embeddedSub(t)
	for _, tc := range []struct {
		name      string
		fsys      fs.FS
		opts      fileserver.Options
		path      string
		wantReads bool // on each 304
	}{
		{"embed.FS", embedded, fileserver.Options{}, "/testdata/embed/hello.txt", false},
		{"fs.Sub of embed.FS", sub, fileserver.Options{}, "/hello.txt", false},
		{"fs.Sub of embed.FS, nested", sub, fileserver.Options{}, "/sub/x.txt", false},
		{"Immutable MapFS", mapFS(), fileserver.Options{Immutable: true}, "/nomtime.txt", false},
		{"MapFS", mapFS(), fileserver.Options{}, "/nomtime.txt", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reads atomic.Int64
			h := mustNew(t, readCountingFS{tc.fsys, &reads}, tc.opts)
			first := serve(t, h, "GET", tc.path, nil)
			etag := first.header.Get("Etag")
			if first.status != 200 || len(etag) != 34 {
				t.Fatalf("GET %s = %d ETag %q, want 200 with a hash ETag", tc.path, first.status, etag)
			}
			for i := range 3 {
				reads.Store(0)
				got := serve(t, h, "GET", tc.path, map[string]string{"If-None-Match": etag})
				if got.status != 304 || got.body != "" || got.header.Get("Etag") != etag {
					t.Fatalf("If-None-Match %s #%d: %d ETag %q body %q, want 304, the same ETag and no body",
						etag, i, got.status, got.header.Get("Etag"), got.body)
				}
				if n := reads.Load(); (n > 0) != tc.wantReads {
					t.Errorf("If-None-Match #%d: %d reads of the file, want reads: %v", i, n, tc.wantReads)
				}
			}
		})
	}
	t.Run("MapFS changed", func(t *testing.T) {
		fsys := mapFS()
		h := mustNew(t, fsys, fileserver.Options{})
		etag := serve(t, h, "GET", "/nomtime.txt", nil).header.Get("Etag")
		fsys["nomtime.txt"].Data = []byte("changed\n")
		got := serve(t, h, "GET", "/nomtime.txt", map[string]string{"If-None-Match": etag})
		if got.status != 200 || got.body != "changed\n" || got.header.Get("Etag") == etag {
			t.Errorf("after a change: %d %q ETag %q, want 200, the new content and a new ETag", got.status, got.body, got.header.Get("Etag"))
		}
	})
}

// TestEpochIsAModificationTime: a file dated the Unix epoch has a
// modification time, as in Python: Last-Modified says so and its ETag is
// made from it and the size, as Options.Immutable's documentation says,
// not a hash of the content.
func TestEpochIsAModificationTime(t *testing.T) {
	fsys := fstest.MapFS{"e.txt": {Data: []byte("hello"), ModTime: time.Unix(0, 0)}}
	h, err := fileserver.New(fsys, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/e.txt", nil))
	if got := w.Header().Get("Etag"); w.Code != 200 || got != `"0-5"` {
		t.Errorf("GET: %d, ETag %s, want 200 with \"0-5\"", w.Code, got)
	}
	if got := w.Header().Get("Last-Modified"); got != "Thu, 01 Jan 1970 00:00:00 GMT" {
		t.Errorf("Last-Modified %q", got)
	}
}

// TestEpochUnmodifiedSince: a file dated the Unix epoch fails an
// If-Unmodified-Since before 1970 with 412, as a file of any other date
// fails one before its own, read from disk, from the cache and from an
// fs.FS; http.ServeContent alone skips the header for the epoch.
func TestEpochUnmodifiedSince(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "e.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, "e.txt"), time.Unix(0, 0), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	disk, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	fileserver.SetClock(disk, fileserver.HourAhead) // the second request from the cache
	mapped := mustNew(t, fstest.MapFS{"e.txt": {Data: []byte("hello"), ModTime: time.Unix(0, 0)}}, fileserver.Options{})
	page := httptest.NewRecorder()
	errorpage.Error(page, httptest.NewRequest("GET", "/e.txt", nil), 412, "Precondition Failed", "")
	const before = "Wed, 31 Dec 1969 23:59:59 GMT"
	tests := []struct {
		hdr  map[string]string
		want int
	}{
		{map[string]string{"If-Unmodified-Since": before}, 412},
		{map[string]string{"If-Unmodified-Since": "Wednesday, 31-Dec-69 23:59:59 GMT"}, 412},
		{map[string]string{"If-Unmodified-Since": "Wed Dec 31 23:59:59 1969"}, 412},
		{map[string]string{"If-Unmodified-Since": before, "Range": "bytes=0-1"}, 412},
		{map[string]string{"If-Unmodified-Since": before, "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, 412},
		{map[string]string{"If-Unmodified-Since": before, "If-Match": `"0-5"`}, 200},
		{map[string]string{"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, 200},
		{map[string]string{"If-Unmodified-Since": "not a date"}, 200},
	}
	for _, h := range []http.Handler{disk, mapped} {
		for _, tt := range tests {
			for i := 0; i < 2; i++ {
				got := serve(t, h, "GET", "/e.txt", tt.hdr)
				if got.status != tt.want {
					t.Errorf("%v (%d): %d, want %d", tt.hdr, i, got.status, tt.want)
					continue
				}
				if tt.want == 412 && (got.body != page.Body.String() || got.header.Get("Last-Modified") != "" || got.header.Get("Etag") != "") {
					t.Errorf("%v (%d): 412 %q with Last-Modified %q, ETag %q, want the error page alone",
						tt.hdr, i, got.body, got.header.Get("Last-Modified"), got.header.Get("Etag"))
				}
			}
		}
	}
	if entries, _ := fileserver.CacheStats(disk); entries != 1 {
		t.Errorf("%d files cached, want e.txt", entries)
	}
}

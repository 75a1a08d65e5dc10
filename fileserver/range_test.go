package fileserver_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// TestRangeEdges: ranges that net/http's ServeContent gets wrong on its
// own (FuzzRange looks for more). A suffix range of zero bytes is not satisfiable (RFC 9110 section
// 14.1.1), where ServeContent sent 206 with "bytes 6-5/6"; neither is a
// suffix range of an empty file (ServeContent's rule for empty files
// then gives 200). A header of more ranges than any client asks for is
// ignored, as Apache does past its MaxRanges, instead of a response of
// one part per range. The same from the disk and from the cache.
func TestRangeEdges(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	big := bytes.Repeat([]byte("0123456789"), 100)
	fsys := fstest.MapFS{
		"six.txt":   {Data: []byte("abcdef"), ModTime: mtime},
		"empty.txt": {Data: nil, ModTime: mtime},
		"big.txt":   {Data: big, ModTime: mtime},
	}
	ranges := func(n int) string {
		var specs []string
		for i := 0; i < n; i++ {
			specs = append(specs, fmt.Sprintf("%d-%d", 2*i, 2*i))
		}
		return "bytes=" + strings.Join(specs, ",")
	}
	// The same files on disk, where the file goes out through ServeContent
	// as an open *os.File (with sendfile, over a real connection).
	dir := t.TempDir()
	for name, f := range fsys {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(filepath.Join(dir, name), mtime, mtime)
	}
	for _, from := range []string{"fs", "fs cache", "disk"} {
		var h *fileserver.Handler
		var err error
		opts := fileserver.Options{DisableCache: from != "fs cache"}
		if from == "disk" {
			h, err = fileserver.NewDir(dir, fileserver.SymlinksFollow, opts)
		} else {
			h, err = fileserver.New(fsys, opts)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		for _, c := range []struct {
			path, rng, ifRange string
			status             int
			contentRange       string
			body               string // "" with a 206 of parts: checked by type
		}{
			{"/six.txt", "bytes=-0", "", 416, "bytes */6", ""},
			{"/six.txt", "bytes= -0 ", "", 416, "bytes */6", ""},
			{"/six.txt", "bytes=-0,1-2", "", 206, "bytes 1-2/6", "bc"},
			{"/six.txt", "bytes=-2", "", 206, "bytes 4-5/6", "ef"},
			{"/six.txt", "bytes=-0", `"other"`, 200, "", "abcdef"}, // If-Range fails: the whole file
			{"/empty.txt", "bytes=-5", "", 200, "", ""},
			// A unit this server does not know, or a set that is not
			// valid, is ignored (RFC 9110 section 14.2): ServeContent
			// alone answered 416 without a Content-Range.
			{"/six.txt", "items=0-1", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=5-2", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=1", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=-", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=-x", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=-x1", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=x-2", "", 200, "", "abcdef"},
			{"/six.txt", "bytes=+1-2", "", 200, "", "abcdef"},       // digits only, no sign
			{"/six.txt", "Bytes=1-2", "", 206, "bytes 1-2/6", "bc"}, // units are case-insensitive
			// Positions too large for an int64 are past any file.
			{"/six.txt", "bytes=2-99999999999999999999", "", 206, "bytes 2-5/6", "cdef"},
			{"/six.txt", "bytes=99999999999999999999-", "", 416, "bytes */6", ""},
			{"/big.txt", ranges(201), "", 200, "", string(big)},
			{"/big.txt", ranges(200), "", 206, "", ""},
		} {
			for i := 0; i < 2; i++ { // the second time from the cache, where there is one
				r := httptest.NewRequest("GET", c.path, nil)
				r.Header.Set("Range", c.rng)
				if c.ifRange != "" {
					r.Header.Set("If-Range", c.ifRange)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				name := fmt.Sprintf("%s, %s, Range %.40q", from, c.path, c.rng)
				if w.Code != c.status || w.Header().Get("Content-Range") != c.contentRange {
					t.Errorf("%s: %d, Content-Range %q; want %d, %q", name, w.Code, w.Header().Get("Content-Range"), c.status, c.contentRange)
					continue
				}
				switch {
				case c.status == 416:
					// The error page alone, nothing of ServeContent's
					// text after it, and none of the file's headers.
					if b := w.Body.String(); !strings.Contains(b, "<p>Message: Range Not Satisfiable.</p>") || !strings.HasSuffix(b, "</html>\n") {
						t.Errorf("%s: 416 without the error page: %q", name, b)
					}
					checkHeaders(t, name, w.Header(), map[string]string{"Content-Type": "text/html;charset=utf-8", "Etag": "", "Last-Modified": ""})
				case c.status == 206 && c.body == "":
					if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "multipart/byteranges; boundary=") {
						t.Errorf("%s: Content-Type %q, want multipart/byteranges", name, ct)
					}
				case w.Body.String() != c.body:
					t.Errorf("%s: body %.40q, want %.40q", name, w.Body.String(), c.body)
				}
			}
		}
	}
}

// TestIfRangeDate: an If-Range date gets a 206 only for a file whose
// modification time is that very second with no fraction: a file replaced
// within the second of the client's copy (same size, new bytes) would
// otherwise answer with the new version's bytes, which the client splices
// onto the old ones. Such a file gets the whole new version instead; an
// If-Range ETag still gets its 206. From an fs.FS, the cache and disk.
func TestIfRangeDate(t *testing.T) {
	whole := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	frac := whole.Add(600 * time.Millisecond)
	const date, before = "Thu, 02 Jan 2025 03:04:05 GMT", "Thu, 02 Jan 2025 03:04:04 GMT"
	fsys := fstest.MapFS{
		"whole.txt": {Data: []byte("0123456789"), ModTime: whole},
		"frac.txt":  {Data: []byte("0123456789"), ModTime: frac},
	}
	dir := t.TempDir()
	for name, f := range fsys {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, f.ModTime, f.ModTime); err != nil {
			t.Fatal(err)
		}
	}
	cached, disk := cachedAndDisk(t, dir)
	for from, h := range map[string]http.Handler{"fs": mustNew(t, fsys, fileserver.Options{}), "cache": cached, "disk": disk} {
		fracETag := serve(t, h, "GET", "/frac.txt", nil).header.Get("Etag")
		for _, c := range []struct {
			path, ifRange string
			status        int
		}{
			{"/whole.txt", date, 206},
			{"/whole.txt", before, 200},
			{"/frac.txt", date, 200}, // its Last-Modified, yet not proof of the version
			{"/frac.txt", fracETag, 206},
			{"/frac.txt", "", 206},
		} {
			for _, method := range []string{"GET", "HEAD"} {
				hdr := map[string]string{"Range": "bytes=2-4"}
				if c.ifRange != "" {
					hdr["If-Range"] = c.ifRange
				}
				got := serve(t, h, method, c.path, hdr)
				want := map[int]response{
					206: {206, http.Header{"Content-Range": {"bytes 2-4/10"}, "Content-Length": {"3"}}, "234"},
					200: {200, http.Header{"Content-Range": nil, "Content-Length": {"10"}}, "0123456789"},
				}[c.status]
				if method == "HEAD" {
					want.body = ""
				}
				if got.status != want.status || got.body != want.body || got.header.Get("Content-Length") != want.header.Get("Content-Length") ||
					got.header.Get("Content-Range") != want.header.Get("Content-Range") {
					t.Errorf("%s: %s %s If-Range %q: %d %v %q, want %d %q", from, method, c.path, c.ifRange,
						got.status, got.header, got.body, want.status, want.body)
				}
			}
		}
	}

	// The client's story: a copy of version one, a resume after the
	// file was replaced in the same second.
	write := func(data string, mtime time.Time) {
		p := filepath.Join(dir, "f.txt")
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	one := whole.Add(100 * time.Millisecond)
	write("AAAAAAAA-one-12345\n", one)
	serve(t, cached, "GET", "/f.txt", nil) // the cache holds version one
	write("BBBBBBBB-two-67890\n", one.Add(500*time.Millisecond))
	for from, h := range map[string]http.Handler{"cache": cached, "disk": disk} {
		got := serve(t, h, "GET", "/f.txt", map[string]string{"Range": "bytes=8-", "If-Range": date})
		if got.status != 200 || got.body != "BBBBBBBB-two-67890\n" {
			t.Errorf("%s: resume of version one after a change within its second: %d %q, want 200 and version two", from, got.status, got.body)
		}
	}
}

// TestMultiRangeLimit: while a response of several ranges waits for a
// client that does not read, with a limit of one such response, another
// request for several ranges gets the whole file (200, as RFC 9110 lets
// any server ignore Range), one range still gets 206, and once the first
// is done several ranges get their multipart 206 again. From disk and
// from the cache alike. The log says so once when it begins and once when
// it ends.
func TestMultiRangeLimit(t *testing.T) {
	content := make([]byte, 40<<10)
	for i := range content {
		content[i] = byte('a' + i%26)
	}
	for _, tc := range []struct {
		name string
		opts fileserver.Options
	}{
		{"disk", fileserver.Options{DisableCache: true}},
		{"cache", fileserver.Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "f.bin"), content, 0o644); err != nil {
				t.Fatal(err)
			}
			var log syncbuf.Buffer
			tc.opts.Logger = slog.New(slog.NewTextHandler(&log, nil))
			h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			fileserver.SetClock(h, fileserver.HourAhead) // cacheable at once
			fileserver.SetMultiRangeLimit(h, 1)
			get := func(w http.ResponseWriter, ranges string) {
				r := httptest.NewRequest("GET", "/f.bin", nil)
				r.Header.Set("Range", ranges)
				h.ServeHTTP(w, r)
			}
			get(httptest.NewRecorder(), "bytes=0-0") // fills the cache
			if n, _ := fileserver.CacheStats(h); (n == 1) != (tc.name == "cache") {
				t.Fatalf("the cache holds %d files", n)
			}
			slow := &blockingWriter{httptest.NewRecorder(), make(chan struct{}), make(chan struct{})}
			done := make(chan struct{})
			go func() { defer close(done); get(slow, "bytes=0-9,100-109") }()
			<-slow.writing

			w := httptest.NewRecorder()
			get(w, "bytes=0-9,100-109")
			if w.Code != 200 || w.Body.String() != string(content) || w.Header().Get("Content-Range") != "" {
				t.Errorf("several ranges past the limit: %d, Content-Range %q, %d bytes; want 200 and the whole file", w.Code, w.Header().Get("Content-Range"), w.Body.Len())
			}
			for _, one := range []string{"bytes=100-109", "bytes=100-109,", "bytes=,100-109"} {
				w = httptest.NewRecorder()
				get(w, one)
				if w.Code != 206 || w.Body.String() != string(content[100:110]) {
					t.Errorf("one range past the limit (%s): %d, %d bytes; want 206 and its bytes", one, w.Code, w.Body.Len())
				}
			}

			close(slow.release)
			<-done
			for _, rec := range []*httptest.ResponseRecorder{slow.ResponseRecorder, nil} {
				if rec == nil {
					rec = httptest.NewRecorder()
					get(rec, "bytes=0-9,100-109")
				}
				if ct := rec.Header().Get("Content-Type"); rec.Code != 206 || !strings.HasPrefix(ct, "multipart/byteranges") ||
					!strings.Contains(rec.Body.String(), string(content[100:110])) {
					t.Errorf("several ranges within the limit: %d, Content-Type %q; want a multipart 206", rec.Code, ct)
				}
			}
			const what = "fileserver: responses of several ranges in flight at their limit, sending whole files"
			for _, line := range []string{
				what + `" err="responses of several ranges in flight hold 1 responses, 1 more would pass their limit (1)" failures=1`,
				what + `: recovered" failures=0`,
			} {
				if n := strings.Count(log.String(), line); n != 1 {
					t.Errorf("%d log lines %q, want 1; the log:\n%s", n, line, log.String())
				}
			}
		})
	}
}

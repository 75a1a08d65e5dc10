package fileserver_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// exhaustedFS is an fs.FS that, while out is set, fails every open (and,
// with stats set, every stat) with EMFILE, as a process out of file
// descriptors does: os.DirFS needs a descriptor to open a file but none
// to stat one; an os.Root needs one for both.
type exhaustedFS struct {
	fstest.MapFS
	out   atomic.Bool
	stats bool
	only  string // if set, only the names that end with it fail
}

// fails reports whether name fails now.
func (e *exhaustedFS) fails(name string) bool {
	return e.out.Load() && strings.HasSuffix(name, e.only)
}

func (e *exhaustedFS) Open(name string) (fs.File, error) {
	if e.fails(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EMFILE}
	}
	return e.MapFS.Open(name)
}

func (e *exhaustedFS) Stat(name string) (fs.FileInfo, error) {
	if e.stats && e.fails(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: syscall.EMFILE}
	}
	return e.MapFS.Stat(name)
}

// TestOutOfDescriptors: while the FS fails with EMFILE, a file, a listing
// or an index page that cannot be opened is answered 503 with Retry-After
// (Python answers 404), a name that does not exist still 404; once
// descriptors are back the same requests get their bytes; the log says
// so once when it starts and once when it ends, however many requests
// failed between.
func TestOutOfDescriptors(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tree := fstest.MapFS{
		"hello.txt":       {Data: []byte("hello\n"), ModTime: mtime},
		"dir/a.txt":       {Data: []byte("a"), ModTime: mtime},
		"site/index.html": {Data: []byte("<p>index</p>\n"), ModTime: mtime},
		"app/index.html":  {Data: []byte("<p>app</p>\n"), ModTime: mtime},
		"js/bundle":       {Data: []byte("console.log(1)\n"), ModTime: mtime},
		"js/bundle.gz":    {Data: []byte("not really gzip"), ModTime: mtime},
	}
	tests := []struct {
		name    string
		stats   bool   // stat fails too (an os.Root)
		only    string // only the names that end with it fail
		opts    fileserver.Options
		method  string
		target  string
		header  map[string]string
		want    int    // while out of descriptors
		golden  string // the 503 page; "" for no body
		after   string // the body once descriptors are back
		afterCT string
	}{
		{name: "file", target: "/hello.txt", want: 503, golden: "503.golden", after: "hello\n", afterCT: "text/plain"},
		{name: "head", method: "HEAD", target: "/hello.txt", want: 503, after: "", afterCT: "text/plain"},
		{name: "listing", target: "/dir/", want: 503, golden: "503.golden", afterCT: "text/html; charset=utf-8"},
		// stat(2) needs no descriptor: a missing name is still missing.
		{name: "missing", target: "/nope.txt", want: 404},
		{name: "file stat", stats: true, target: "/hello.txt", want: 503, golden: "503.golden", after: "hello\n", afterCT: "text/plain"},
		// Whether the directory has an index page is unknown: neither
		// the listing nor a 404.
		{name: "index stat", stats: true, target: "/site/", want: 503, golden: "503.golden", after: "<p>index</p>\n", afterCT: "text/html"},
		// The directory opens, its index page cannot be looked at.
		{name: "index page only", stats: true, only: "/index.html", target: "/site/", want: 503, golden: "503.golden", after: "<p>index</p>\n", afterCT: "text/html"},
		{name: "fallback stat", stats: true, opts: fileserver.Options{Fallback: "app/index.html"}, target: "/route", want: 503, golden: "503.golden", after: "<p>app</p>\n", afterCT: "text/html"},
		// The type of a file with no extension comes from a sniff,
		// which needs the file open: no guess.
		{name: "precompressed sniff", opts: fileserver.Options{Precompressed: []string{"gzip"}}, target: "/js/bundle",
			header: map[string]string{"Accept-Encoding": "gzip"}, want: 503, golden: "503.golden", after: "not really gzip", afterCT: "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := &exhaustedFS{MapFS: tree, stats: tt.stats, only: tt.only}
			var log bytes.Buffer
			opts := tt.opts
			opts.Logger = slog.New(slog.NewTextHandler(&log, nil))
			h, err := fileserver.New(fsys, opts)
			if err != nil {
				t.Fatal(err)
			}
			method := tt.method
			if method == "" {
				method = "GET"
			}
			get := func() *http.Response {
				r := httptest.NewRequest(method, tt.target, nil)
				for k, v := range tt.header {
					r.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Result()
			}

			fsys.out.Store(true)
			const tries = 20
			for i := range tries {
				resp := get()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tt.want {
					t.Fatalf("%s %s while out of descriptors: status = %d, want %d", method, tt.target, resp.StatusCode, tt.want)
				}
				if tt.want != 503 {
					continue
				}
				if got := resp.Header.Get("Retry-After"); got != "1" {
					t.Errorf("%s %s: Retry-After = %q, want 1", method, tt.target, got)
				}
				for _, k := range []string{"Etag", "Last-Modified", "Content-Encoding"} {
					if v, ok := resp.Header[k]; ok {
						t.Errorf("%s %s: 503 with %s: %q", method, tt.target, k, v)
					}
				}
				if tt.golden == "" {
					if len(body) != 0 {
						t.Errorf("HEAD: body %q", body)
					}
				} else if i == 0 {
					golden(t, "testdata/TestOutOfDescriptors/"+tt.golden, string(body))
					if got := resp.Header.Get("Content-Type"); got != "text/html;charset=utf-8" {
						t.Errorf("503 Content-Type = %q", got)
					}
				}
			}

			fsys.out.Store(false)
			resp := get()
			body, _ := io.ReadAll(resp.Body)
			if tt.want != 503 {
				if resp.StatusCode != tt.want {
					t.Errorf("after: status = %d, want %d", resp.StatusCode, tt.want)
				}
				if log.Len() != 0 {
					t.Errorf("log for a name that is not there:\n%s", log.String())
				}
				return
			}
			if resp.StatusCode != 200 || (tt.after != "" && string(body) != tt.after) || resp.Header.Get("Content-Type") != tt.afterCT {
				t.Errorf("once descriptors are back: %d %q %q, want 200 %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.afterCT, tt.after)
			}
			lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
			if len(lines) != 2 ||
				!strings.Contains(lines[0], `level=WARN msg="fileserver: out of file descriptors or memory, answering 503" err=`) ||
				!strings.Contains(lines[0], `too many open files" failures=1`) ||
				!strings.HasSuffix(lines[1], `level=INFO msg="fileserver: out of file descriptors or memory, answering 503: recovered" failures=19`) {
				t.Errorf("log after %d failures and a success =\n%s\nwant one WARN line with failures=1, one INFO recovered with failures=%d", tries, log.String(), tries-1)
			}
		})
	}
}

// TestOutOfDescriptorsContextDone: the 503 is sent even when the request's
// context is already done. net/http ends it as soon as a client half-closes
// its side after the request, and such a client still reads the answer:
// with nothing written it got an empty 200.
func TestOutOfDescriptorsContextDone(t *testing.T) {
	fsys := &exhaustedFS{MapFS: fstest.MapFS{
		"hello.txt": {Data: []byte("hello\n")},
		"dir/a.txt": {Data: []byte("a")},
	}}
	fsys.out.Store(true)
	h, err := fileserver.New(fsys, fileserver.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, target := range []string{"/hello.txt", "/dir/"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil).WithContext(ctx))
		if w.Code != 503 || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "<p>Error code: 503</p>") {
			t.Errorf("GET %s, context done: %d, Retry-After %q, body %q; want the 503 page with Retry-After 1",
				target, w.Code, w.Header().Get("Retry-After"), w.Body.String())
		}
	}
}

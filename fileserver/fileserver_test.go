package fileserver_test

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/goldenfile"
)

var modTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func mapFS() fstest.MapFS {
	return fstest.MapFS{
		"hello.txt":          {Data: []byte("hello, world\n"), ModTime: modTime},
		"dir/a.txt":          {Data: []byte("a\n"), ModTime: modTime},
		"dir/B.json":         {Data: []byte("{}\n"), ModTime: modTime},
		"dir/sub":            {Mode: fs.ModeDir | 0o755, ModTime: modTime},
		"site/index.html":    {Data: []byte("<p>index</p>\n"), ModTime: modTime},
		"site/default.htm":   {Data: []byte("<p>default</p>\n"), ModTime: modTime},
		"noext":              {Data: []byte("plain words\n"), ModTime: modTime},
		"nomtime.txt":        {Data: []byte("no mtime\n")},
		"custom.txt":         {Data: []byte("x"), ModTime: modTime},
		"upper/UPPER.GZ":     {Data: []byte("x"), ModTime: modTime},
		"listed/<b>&amp;.md": {Data: []byte("x"), ModTime: modTime},
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func serve(t testing.TB, h http.Handler, method, target string, hdr map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

func mustNew(t testing.TB, fsys fs.FS, opts fileserver.Options) *fileserver.Handler {
	t.Helper()
	h, err := fileserver.New(fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkHeaders asserts each wanted header; "" wants the header absent.
func checkHeaders(t *testing.T, what string, got http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		vals, present := got[http.CanonicalHeaderKey(k)]
		switch {
		case v == "" && present:
			t.Errorf("%s: header %s = %q, want absent", what, k, vals)
		case v != "" && (!present || vals[0] != v):
			t.Errorf("%s: header %s = %q, want %q", what, k, vals, v)
		}
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name       string
		opts       fileserver.Options
		target     string
		wantStatus int
		wantHeader map[string]string
		wantBody   string // substring, "" for an empty body
	}{
		{"index.html by default", fileserver.Options{}, "/site/", 200,
			map[string]string{"Content-Type": "text/html", "Content-Length": "13"}, "<p>index</p>\n"},
		{"custom index names", fileserver.Options{IndexNames: []string{"default.htm"}}, "/site/", 200,
			map[string]string{"Content-Type": "text/html", "Content-Length": "15"}, "<p>default</p>\n"},
		{"no index names lists", fileserver.Options{IndexNames: []string{}}, "/site/", 200,
			map[string]string{"Content-Type": "text/html; charset=utf-8"}, `<li><a href="index.html">index.html</a></li>`},
		{"listing disabled", fileserver.Options{DisableListing: true}, "/dir/", 404,
			map[string]string{"Content-Type": "text/html;charset=utf-8", "Connection": ""}, "<p>Message: File not found.</p>"},
		{"listing disabled still serves index", fileserver.Options{DisableListing: true}, "/site/", 200,
			map[string]string{"Content-Type": "text/html"}, "<p>index</p>\n"},
		{"extensions replace the default", fileserver.Options{Extensions: map[string]string{".txt": "text/x-custom"}}, "/custom.txt", 200,
			map[string]string{"Content-Type": "text/x-custom"}, "x"},
		{"extensions looked up lower-cased too", fileserver.Options{}, "/upper/UPPER.GZ", 200,
			map[string]string{"Content-Type": "application/gzip"}, "x"},
		{"sniffed when no table knows", fileserver.Options{}, "/noext", 200,
			map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "plain words\n"},
		{"sniffing off gives octet-stream", fileserver.Options{DisableSniff: true}, "/noext", 200,
			map[string]string{"Content-Type": "application/octet-stream"}, "plain words\n"},
		{"listing escapes names", fileserver.Options{}, "/listed/", 200,
			map[string]string{"Content-Type": "text/html; charset=utf-8"}, `<li><a href="%3Cb%3E%26amp%3B.md">&lt;b&gt;&amp;amp;.md</a></li>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustNew(t, mapFS(), tt.opts)
			got := serve(t, h, "GET", tt.target, nil)
			what := "GET " + tt.target
			if got.status != tt.wantStatus {
				t.Fatalf("%s: status = %d, want %d", what, got.status, tt.wantStatus)
			}
			checkHeaders(t, what, got.header, tt.wantHeader)
			if !strings.Contains(got.body, tt.wantBody) {
				t.Errorf("%s: body = %q, want it to contain %q", what, got.body, tt.wantBody)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		name string
		make func() (*fileserver.Handler, error)
		want string
	}{
		{"nil fs", func() (*fileserver.Handler, error) { return fileserver.New(nil, fileserver.Options{}) }, "nil fs.FS"},
		{"index name with slash", func() (*fileserver.Handler, error) {
			return fileserver.New(mapFS(), fileserver.Options{IndexNames: []string{"a/index.html"}})
		}, "single file name"},
		{"extension without dot", func() (*fileserver.Handler, error) {
			return fileserver.New(mapFS(), fileserver.Options{Extensions: map[string]string{"txt": "text/plain"}})
		}, "start with a dot"},
		{"bad content type", func() (*fileserver.Handler, error) {
			return fileserver.New(mapFS(), fileserver.Options{Extensions: map[string]string{".x": "not a type"}})
		}, "content type"},
		{"negative cache bound", func() (*fileserver.Handler, error) {
			return fileserver.New(mapFS(), fileserver.Options{CacheMaxFileSize: -1})
		}, "must not be negative"},
		{"missing dir", func() (*fileserver.Handler, error) {
			return fileserver.NewDir(filepath.Join(t.TempDir(), "nope"), fileserver.SymlinksFollow, fileserver.Options{})
		}, "no such file"},
		{"unknown symlink policy", func() (*fileserver.Handler, error) {
			return fileserver.NewDir(t.TempDir(), fileserver.SymlinkPolicy(3), fileserver.Options{})
		}, "unknown SymlinkPolicy(3)"},
		{"not a dir", func() (*fileserver.Handler, error) {
			return fileserver.NewDir(file, fileserver.SymlinksFollow, fileserver.Options{})
		}, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := tt.make()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if h != nil {
				t.Fatal("handler returned with an error")
			}
		})
	}
}

// TestMount: under a prefix, redirects and titles use the
// path the client sent, for both ways of writing http.StripPrefix.
func TestMount(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", h)) // prefix without slash
	mux.Handle("/files/", http.StripPrefix("/files/", h))  // prefix with slash
	mux.Handle("/bare", http.StripPrefix("/bare", h))
	tests := []getCase{
		{"/bare", 301, "/bare/", ""},
		{"/bare?x=1", 301, "/bare/?x=1", ""},
		{"/static/", 200, "", "<title>Directory listing for /static/</title>"},
		{"/static/dir", 301, "/static/dir/", ""},
		{"/static/dir?q=%20", 301, "/static/dir/?q=%20", ""},
		{"/static/dir/?q=1", 200, "", "<h1>Directory listing for /static/dir/</h1>"},
		{"/static/hello.txt", 200, "", "hello, world\n"},
		{"/static/hello.txt/", 404, "", "File not found"},
		{"/files/", 200, "", "<title>Directory listing for /files/</title>"},
		{"/files/dir", 301, "/files/dir/", ""},
		{"/files/dir/", 200, "", `<li><a href="a.txt">a.txt</a></li>`},
		{"/files/hello.txt", 200, "", "hello, world\n"},
	}
	checkGets(t, mux, tests)
}

// getCase is one GET and what the response must be: wantLocation "" wants
// no Location, and the body must contain wantBody.
type getCase struct {
	target       string
	wantStatus   int
	wantLocation string
	wantBody     string
}

func checkGets(t *testing.T, h http.Handler, tests []getCase) {
	t.Helper()
	for _, tt := range tests {
		got := serve(t, h, "GET", tt.target, nil)
		if got.status != tt.wantStatus {
			t.Errorf("GET %s: status = %d, want %d", tt.target, got.status, tt.wantStatus)
			continue
		}
		if loc := got.header.Get("Location"); loc != tt.wantLocation {
			t.Errorf("GET %s: Location = %q, want %q", tt.target, loc, tt.wantLocation)
		}
		if !strings.Contains(got.body, tt.wantBody) {
			t.Errorf("GET %s: body = %q, want it to contain %q", tt.target, got.body, tt.wantBody)
		}
	}
}

// TestFragment: a fragment the client sent ("GET /a.txt#x", which
// browsers never send but curl and scanners do) is dropped like Python's
// translate_path drops it, while a '#' escaped as %23 names the file.
func TestFragment(t *testing.T) {
	fsys := mapFS()
	fsys["a#b.txt"] = &fstest.MapFile{Data: []byte("hash\n"), ModTime: modTime}
	h := mustNew(t, fsys, fileserver.Options{})
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", h))
	tests := []getCase{
		{"/static/hello.txt#x", 200, "", "hello, world\n"},
		{"/static/hello.txt?q#x", 200, "", "hello, world\n"},
		{"/static/a%23b.txt", 200, "", "hash\n"},
		{"/static/a%23b.txt#x", 200, "", "hash\n"},
		{"/static/a#b.txt", 404, "", "File not found"},
		{"/static/dir#x", 301, "/static/dir/#x", ""},
		{"/static/dir/#x", 200, "", "<h1>Directory listing for /static/dir/</h1>"},
	}
	checkGets(t, mux, tests)
	// Unmounted (ServeMux would redirect to a cleaned path first): the
	// dots after the '#' never reach the name.
	if got := serve(t, h, "GET", "/hello.txt#/../../x", nil); got.status != 200 || got.body != "hello, world\n" {
		t.Errorf("GET /hello.txt#/../../x: %d %q, want 200 and hello.txt", got.status, got.body)
	}
}

// TestOpenRedirect: directories named like hosts never give a Location a
// browser resolves to another host.
func TestOpenRedirect(t *testing.T) {
	fsys := fstest.MapFS{
		`\evil.com/x`:  {Data: []byte("x"), ModTime: modTime},
		`\\evil.com/x`: {Data: []byte("x"), ModTime: modTime},
		`evil.com/x`:   {Data: []byte("x"), ModTime: modTime},
	}
	h := mustNew(t, fsys, fileserver.Options{})
	tests := []struct{ target, want string }{
		{`/%5Cevil.com`, `/%5Cevil.com/`},
		{`/\evil.com`, `/%5Cevil.com/`},
		{`//\evil.com`, `/%5Cevil.com/`},
		{`/\\evil.com`, `/%5C%5Cevil.com/`},
		{`//evil.com`, `/evil.com/`},
		{`///evil.com?x`, `/evil.com/?x`},
		{`/%2F%2Fevil.com`, ""}, // names "/evil.com" after decoding: served as evil.com, but the raw path has no slash at the end
	}
	for _, tt := range tests {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + tt.target + " HTTP/1.1\r\nHost: site.example\r\n\r\n")))
		if err != nil {
			t.Fatalf("GET %s: %v", tt.target, err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		loc := rec.Header().Get("Location")
		if tt.want != "" && loc != tt.want {
			t.Errorf("GET %s: Location = %q, want %q", tt.target, loc, tt.want)
		}
		if strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || strings.ContainsAny(loc, "\\\t\r\n") {
			t.Errorf("GET %s: Location %q may leave the site", tt.target, loc)
		}
	}
}

// TestEscapedTrailingSlash: a path whose decoded form ends in '/' by an
// escaped slash (%2F, %2f) is a directory path, as in Python 3.14: a
// directory is listed (or its index page served) with no redirect, and a
// file gets 404 as "/hello.txt/" does. The expected bytes are those of
// Python 3.14's send_head and list_directory.
func TestEscapedTrailingSlash(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	const listing = "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n" +
		"<title>Directory listing for /dir/</title>\n</head>\n<body>\n<h1>Directory listing for /dir/</h1>\n" +
		"<hr>\n<ul>\n<li><a href=\"a.txt\">a.txt</a></li>\n<li><a href=\"B.json\">B.json</a></li>\n" +
		"<li><a href=\"sub/\">sub/</a></li>\n</ul>\n<hr>\n</body>\n</html>\n"
	for _, target := range []string{"/dir%2f", "/dir%2F", "/dir%2f?q=1"} {
		got := serve(t, h, "GET", target, nil)
		if got.status != 200 || got.body != listing {
			t.Errorf("GET %s: %d %q, want 200 and the listing of /dir/", target, got.status, got.body)
		}
		checkHeaders(t, "GET "+target, got.header, map[string]string{
			"Location": "", "Content-Type": "text/html; charset=utf-8", "Content-Length": strconv.Itoa(len(listing))})
	}
	if got := serve(t, h, "GET", "/site%2F", nil); got.status != 200 || got.body != "<p>index</p>\n" {
		t.Errorf("GET /site%%2F: %d %q, want 200 and the index page", got.status, got.body)
	}
	serve(t, h, "GET", "/hello.txt", nil) // cached now: the cache must not answer either
	for _, target := range []string{"/hello.txt%2f", "/hello.txt%2F", "/hello.txt/"} {
		if got := serve(t, h, "GET", target, nil); got.status != 404 || !strings.Contains(got.body, "<p>Message: File not found.</p>") {
			t.Errorf("GET %s: %d %q, want 404 File not found", target, got.status, got.body)
		}
	}
}

func TestConditionalAndRange(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	first := serve(t, h, "GET", "/hello.txt", nil)
	etag := first.header.Get("Etag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 5 {
		t.Fatalf("ETag = %q, want a strong validator", etag)
	}
	checkHeaders(t, "GET /hello.txt", first.header, map[string]string{
		"Accept-Ranges": "bytes", "Last-Modified": "Tue, 02 Jan 2024 03:04:05 GMT",
		"Content-Length": "13", "Content-Type": "text/plain"})
	tests := []struct {
		name       string
		method     string
		hdr        map[string]string
		wantStatus int
		wantHeader map[string]string
		wantBody   string
	}{
		{"if-none-match hit", "GET", map[string]string{"If-None-Match": etag}, 304,
			map[string]string{"Content-Type": "", "Content-Length": "", "Etag": etag}, ""},
		{"if-none-match miss", "GET", map[string]string{"If-None-Match": `"other"`}, 200,
			map[string]string{"Content-Length": "13"}, "hello, world\n"},
		{"if-none-match beats a later if-modified-since", "GET", map[string]string{"If-None-Match": `"other"`,
			"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}, 200, map[string]string{"Content-Length": "13"}, "hello, world\n"},
		{"if-modified-since python rule", "GET", map[string]string{"If-Modified-Since": "Tue, 02 Jan 2024 03:04:05 +0000"}, 304,
			map[string]string{"Content-Type": "", "Content-Length": "", "Last-Modified": ""}, ""},
		{"if-modified-since ignored with offset", "GET", map[string]string{"If-Modified-Since": "Tue, 02 Jan 2024 05:04:05 +0200"}, 200,
			map[string]string{"Content-Length": "13"}, "hello, world\n"},
		{"range", "GET", map[string]string{"Range": "bytes=0-4"}, 206,
			map[string]string{"Content-Range": "bytes 0-4/13", "Content-Length": "5", "Content-Type": "text/plain"}, "hello"},
		{"suffix range", "GET", map[string]string{"Range": "bytes=-6"}, 206,
			map[string]string{"Content-Range": "bytes 7-12/13", "Content-Length": "6"}, "world\n"},
		{"range with matching if-range", "GET", map[string]string{"Range": "bytes=0-4", "If-Range": etag}, 206,
			map[string]string{"Content-Range": "bytes 0-4/13"}, "hello"},
		{"range with stale if-range", "GET", map[string]string{"Range": "bytes=0-4", "If-Range": `"stale"`}, 200,
			map[string]string{"Content-Length": "13", "Content-Range": ""}, "hello, world\n"},
		// Failed ranges and preconditions get the error page, not the
		// file's headers with Go's text or no body.
		{"unsatisfiable range", "GET", map[string]string{"Range": "bytes=100-200"}, 416,
			map[string]string{"Content-Range": "bytes */13", "Content-Type": "text/html;charset=utf-8", "Etag": "", "Last-Modified": ""},
			"<p>Message: Range Not Satisfiable.</p>"},
		{"if-unmodified-since failed", "GET", map[string]string{"If-Unmodified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}, 412,
			map[string]string{"Content-Type": "text/html;charset=utf-8", "Etag": "", "Last-Modified": ""},
			"<p>Message: Precondition Failed.</p>"},
		{"if-match failed", "GET", map[string]string{"If-Match": `"other"`}, 412,
			map[string]string{"Content-Type": "text/html;charset=utf-8", "Etag": ""}, "<p>Message: Precondition Failed.</p>"},
		{"head", "HEAD", nil, 200, map[string]string{"Content-Length": "13", "Etag": etag}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serve(t, h, tt.method, "/hello.txt", tt.hdr)
			what := tt.method + " /hello.txt " + tt.name
			if got.status != tt.wantStatus {
				t.Fatalf("%s: status = %d, want %d", what, got.status, tt.wantStatus)
			}
			checkHeaders(t, what, got.header, tt.wantHeader)
			if tt.wantBody == "" && got.body != "" {
				t.Errorf("%s: body = %q, want none", what, got.body)
			}
			if tt.wantStatus >= 400 && !strings.Contains(got.body, tt.wantBody) {
				t.Errorf("%s: body = %q, want the page with %q", what, got.body, tt.wantBody)
			} else if tt.wantStatus < 400 && tt.wantBody != "" && got.body != tt.wantBody {
				t.Errorf("%s: body = %q, want %q", what, got.body, tt.wantBody)
			}
		})
	}
}

// TestPreconditionsBeforeIfModifiedSince: a failed If-Match or
// If-Unmodified-Since answers 412 even when Python's If-Modified-Since
// rule would answer 304 (RFC 9110 section 13.2.2 weighs them first); one
// that passes lets that 304 out, with the headers of the 304 for
// If-Modified-Since alone, whose dates Python's rule still reads. From an
// fs.FS, from the cache and from disk.
func TestPreconditionsBeforeIfModifiedSince(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(p, []byte("hello, world\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, modTime, modTime); err != nil {
		t.Fatal(err)
	}
	cached, disk := cachedAndDisk(t, dir)
	const (
		future    = "Fri, 01 Jan 2100 00:00:00 GMT"
		pythonIMS = "Tue, 02 Jan 2024 03:04:05 +0000" // a date Python reads and http.ParseTime does not
		past      = "Mon, 01 Jan 2001 00:00:00 GMT"
	)
	for name, h := range map[string]http.Handler{"fs.FS": mustNew(t, mapFS(), fileserver.Options{}), "cache": cached, "disk": disk} {
		etag := serve(t, h, "GET", "/hello.txt", nil).header.Get("Etag")
		notModified := serve(t, h, "GET", "/hello.txt", map[string]string{"If-Modified-Since": future})
		if notModified.status != 304 {
			t.Fatalf("%s: If-Modified-Since %s: %d, want 304", name, future, notModified.status)
		}
		for _, tt := range []struct {
			hdr        map[string]string
			wantStatus int
		}{
			{map[string]string{"If-Match": `"nope"`, "If-Modified-Since": future}, 412},
			{map[string]string{"If-Unmodified-Since": past, "If-Modified-Since": future}, 412},
			{map[string]string{"If-Match": etag, "If-Modified-Since": future}, 304},
			{map[string]string{"If-Match": "*", "If-Modified-Since": pythonIMS}, 304},
			{map[string]string{"If-Unmodified-Since": future, "If-Modified-Since": future}, 304},
		} {
			for _, method := range []string{"GET", "HEAD"} {
				got := serve(t, h, method, "/hello.txt", tt.hdr)
				what := fmt.Sprintf("%s: %s %v", name, method, tt.hdr)
				switch {
				case got.status != tt.wantStatus:
					t.Errorf("%s: %d, want %d", what, got.status, tt.wantStatus)
				case tt.wantStatus == 304 && (got.body != "" || !reflect.DeepEqual(got.header, notModified.header)):
					t.Errorf("%s: 304 with %v %q, want the headers of If-Modified-Since alone, %v", what, got.header, got.body, notModified.header)
				case tt.wantStatus == 412 && method == "GET" && !strings.Contains(got.body, "<p>Message: Precondition Failed.</p>"):
					t.Errorf("%s: body %q, want the error page", what, got.body)
				}
			}
		}
	}
}

//go:embed testdata/embed
var embedded embed.FS

// embeddedSub returns the fs.Sub of embedded rooted at its directory.
func embeddedSub(t *testing.T) fs.FS {
	t.Helper()
	sub, err := fs.Sub(embedded, "testdata/embed")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// TestNoModTime: an FS without mtimes (embed.FS) still gets a validator:
// a hash of the content, stable across requests and handlers.
func TestNoModTime(t *testing.T) {
	sub := embeddedSub(t)
	for _, tc := range []struct {
		name string
		fsys fs.FS
		path string
		body string
	}{
		{"embed.FS", embedded, "/testdata/embed/hello.txt", "embedded hello\n"},
		{"fs.Sub of embed.FS", sub, "/hello.txt", "embedded hello\n"},
		{"MapFS without ModTime", mapFS(), "/nomtime.txt", "no mtime\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := mustNew(t, tc.fsys, fileserver.Options{})
			got := serve(t, h, "GET", tc.path, nil)
			etag := got.header.Get("Etag")
			if got.status != 200 || got.body != tc.body || len(etag) != 34 {
				t.Fatalf("GET %s = %d %q ETag %q, want 200 %q with a 128-bit hash ETag", tc.path, got.status, got.body, etag, tc.body)
			}
			checkHeaders(t, "GET "+tc.path, got.header, map[string]string{"Last-Modified": ""})
			again := serve(t, mustNew(t, tc.fsys, fileserver.Options{}), "GET", tc.path, nil)
			if again.header.Get("Etag") != etag {
				t.Errorf("ETag changed between handlers: %q then %q", etag, again.header.Get("Etag"))
			}
			cond := serve(t, h, "GET", tc.path, map[string]string{"If-None-Match": etag})
			if cond.status != 304 || cond.body != "" {
				t.Errorf("If-None-Match %s: %d %q, want 304 and no body", etag, cond.status, cond.body)
			}
			// Without an mtime, If-Modified-Since cannot prove anything.
			ims := serve(t, h, "GET", tc.path, map[string]string{"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
			if ims.status != 200 {
				t.Errorf("If-Modified-Since on a file without mtime: %d, want 200", ims.status)
			}
		})
	}
}

func TestJSONListing(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	// The last is the Accept of axios and Angular: JSON named, HTML taken
	// through "*/*" only.
	for _, accept := range []string{"application/json", "text/html;q=0.5, application/json", "application/json, text/plain, */*"} {
		got := serve(t, h, "GET", "/dir/?x=1", map[string]string{"Accept": accept})
		if got.status != 200 {
			t.Fatalf("Accept %q: status %d", accept, got.status)
		}
		checkHeaders(t, "Accept "+accept, got.header, map[string]string{"Content-Type": "application/json", "Vary": "Accept"})
		golden(t, "testdata/TestJSONListing/dir.golden", got.body)
	}
	for _, accept := range []string{"text/html,application/xhtml+xml,*/*;q=0.8", "*/*", "text/html, application/json"} {
		html := serve(t, h, "GET", "/dir/", map[string]string{"Accept": accept})
		checkHeaders(t, "Accept "+accept, html.header, map[string]string{"Content-Type": "text/html; charset=utf-8"})
	}
}

// A listing adds Accept to a Vary an outer handler set (a CORS
// middleware's Origin) rather than replacing it, in each style and as
// JSON; and an Accept sent over several lines is one list (RFC 9110
// section 5.3).
func TestListingVaryAndAccept(t *testing.T) {
	for _, style := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		h := mustNew(t, mapFS(), fileserver.Options{Listing: style})
		outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Vary", "Origin")
			h.ServeHTTP(w, r)
		})
		for _, accept := range [][]string{nil, {"application/json"}, {"text/html;q=0.1", "application/json"}} {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/dir/", nil)
			if accept != nil {
				r.Header["Accept"] = accept
			}
			outer.ServeHTTP(w, r)
			wantCT := "text/html; charset=utf-8"
			if accept != nil {
				wantCT = "application/json"
			}
			if got := strings.Join(w.Header()["Vary"], ", "); w.Code != 200 || got != "Origin, Accept" || w.Header().Get("Content-Type") != wantCT {
				t.Errorf("%v, Accept %q: %d, Content-Type %q, Vary %q; want %s and Vary Origin, Accept", style, accept, w.Code, w.Header().Get("Content-Type"), got, wantCT)
			}
		}
	}
}

// golden compares got with the golden file name, which holds our own
// output, or rewrites it with -update (goldenfile.Check).
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, name, []byte(got))
}

// TestFIFO: a named pipe in the tree is refused at once instead of
// blocking the request until a writer appears.
func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		h, err := fileserver.NewDir(dir, policy, fileserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan response, 1)
		go func() { done <- serve(t, h, "GET", "/pipe", nil) }()
		select {
		case got := <-done:
			if got.status != 404 {
				t.Errorf("policy %d: GET /pipe = %d, want 404", policy, got.status)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("policy %d: GET /pipe hangs", policy)
		}
		h.Close()
	}
}

// TestDevice: a device in the tree (here through a link, which the
// default policy follows) is refused with 404 like a FIFO, rather than
// served as the empty file its stat describes or read without end.
func TestDevice(t *testing.T) {
	dir := t.TempDir()
	for _, dev := range []string{"/dev/null", "/dev/zero"} {
		if _, err := os.Stat(dev); err != nil {
			t.Skipf("no %s: %v", dev, err)
		}
		if err := os.Symlink(dev, filepath.Join(dir, filepath.Base(dev))); err != nil {
			t.Fatal(err)
		}
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, p := range []string{"/null", "/zero"} {
		if got := serve(t, h, "GET", p, nil); got.status != 404 {
			t.Errorf("GET %s = %d, want 404", p, got.status)
		}
	}
}

// An fs.FS that opens a name to stat it, as fs.Sub of os.DirFS does, never
// gets a FIFO opened either: a GET of it is 404, a directory whose index
// page is a FIFO gets its listing, and the JSON listing of a directory
// holding one shows it as "other", each without waiting for a writer. The
// test opens each FIFO for writing without blocking, which succeeds only
// while a reader has it open (or waits in open(2) for a writer): a request
// that did so is reported, then let go.
func TestFIFOThroughSub(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	if err := os.MkdirAll(filepath.Join(site, "idx"), 0o755); err != nil {
		t.Fatal(err)
	}
	pipes := []string{filepath.Join(site, "pipe"), filepath.Join(site, "idx", "index.html")}
	for _, p := range pipes {
		if err := mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	sub, err := fs.Sub(os.DirFS(dir), "site")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sub.(interface {
		Lstat(string) (fs.FileInfo, error)
	}); !ok {
		t.Skip("fs.Sub has no Lstat before Go 1.25: nothing tells a FIFO without opening it")
	}
	h := mustNew(t, sub, fileserver.Options{})
	for _, tt := range []struct {
		path, accept string
		status       int
		body         string
	}{
		{"/pipe", "", 404, "File not found"},
		{"/idx/", "", 200, `<a href="index.html">index.html</a>`},
		{"/", "application/json", 200, `{"name":"pipe","href":"pipe","type":"other","size":0,`},
	} {
		done := make(chan response, 1)
		go func() { done <- serve(t, h, "GET", tt.path, map[string]string{"Accept": tt.accept}) }()
		var got response
	wait:
		for {
			select {
			case got = <-done:
				break wait
			default:
			}
			for _, p := range pipes {
				if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					t.Errorf("GET %s opened %s and waited for a writer", tt.path, p)
					f.Close()
				}
			}
			time.Sleep(time.Millisecond)
		}
		if got.status != tt.status || !strings.Contains(got.body, tt.body) {
			t.Errorf("GET %s = %d %q, want %d with %q", tt.path, got.status, got.body, tt.status, tt.body)
		}
	}
}

// swappedFS is a tree whose file was replaced by a FIFO between a
// request's stat and its open: Stat shows every name as the regular file
// stat, Open opens the FIFO fifo, as a handler does (O_NONBLOCK).
type swappedFS struct{ stat, fifo string }

func (s swappedFS) Stat(string) (fs.FileInfo, error) { return os.Stat(s.stat) }

func (s swappedFS) Open(string) (fs.File, error) {
	return os.OpenFile(s.fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// A file replaced by a FIFO after the stat that found it regular is 404,
// and the FIFO is never read: it has a writer, so a read would wait for
// data, holding the request (and its goroutine and descriptor) until
// the writer writes or goes. The small-file cache, Compress and the
// sniffing of a precompressed file's type each read a file they open
// before the response. The test puts more bytes in the FIFO than all of
// those reads take, so that such a read takes them instead of waiting,
// and wants them still there.
func TestFIFOSwappedIn(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("x", 2000) // compressible, and kept by the cache
	regular, fifo := filepath.Join(dir, "regular"), filepath.Join(dir, "fifo")
	if err := os.WriteFile(regular, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// The test's end of the FIFO, a writer and a reader that never waits.
	fd, err := syscall.Open(fifo, syscall.O_RDWR|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	for _, tc := range []struct {
		name, path string
		opts       fileserver.Options
	}{
		{"cache", "/a.js", fileserver.Options{}},
		{"compress", "/a.js", fileserver.Options{Compress: true}},
		{"compress, cache off", "/a.js", fileserver.Options{Compress: true, DisableCache: true}},
		{"precompressed, sniffed", "/a.unknown", fileserver.Options{Precompressed: []string{"gzip"}}},
	} {
		fill := []byte(strings.Repeat(content, 8)) // within the pipe's 64 KiB
		if n, err := syscall.Write(fd, fill); n != len(fill) {
			t.Fatalf("writing the FIFO: %d, %v", n, err)
		}
		h := mustNew(t, swappedFS{regular, fifo}, tc.opts)
		got := serve(t, h, "GET", tc.path, map[string]string{"Accept-Encoding": "gzip"})
		if got.status != 404 {
			t.Errorf("%s: GET %s = %d, want 404", tc.name, tc.path, got.status)
		}
		left := 0
		for buf := make([]byte, len(fill)); ; { // empty it for the next case
			n, _ := syscall.Read(fd, buf)
			if n <= 0 {
				break
			}
			left += n
		}
		if left != len(fill) {
			t.Errorf("%s: GET %s read %d bytes from the FIFO: without them it would wait for a writer", tc.name, tc.path, len(fill)-left)
		}
	}
}

// readFromRecorder is a middleware writer that records what reaches the
// inner writer's ReadFrom, the path to sendfile(2).
type readFromRecorder struct {
	http.ResponseWriter
	src io.Reader
}

func (w *readFromRecorder) ReadFrom(r io.Reader) (int64, error) {
	w.src = r
	return w.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
}

// TestSendfile: over a real server, a regular file too big for the cache
// reaches the connection's ReadFrom as a file the net package sends with
// sendfile, for every policy.
func TestSendfile(t *testing.T) {
	dir := t.TempDir()
	data := strings.Repeat("0123456789abcdef", 16<<10) // 256 KiB, above the default CacheMaxFileSize
	os.WriteFile(filepath.Join(dir, "big.bin"), []byte(data), 0o644)
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		h, err := fileserver.NewDir(dir, policy, fileserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		srcs := make(chan io.Reader, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &readFromRecorder{ResponseWriter: w}
			h.ServeHTTP(rec, r)
			srcs <- rec.src
		}))
		resp, err := http.Get(srv.URL + "/big.bin")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		h.Close()
		if string(body) != data {
			t.Fatalf("policy %d: body of %d bytes differs", policy, len(body))
		}
		src := <-srcs
		lr, ok := src.(*io.LimitedReader)
		if !ok {
			t.Fatalf("policy %d: ReadFrom got %T, want *io.LimitedReader over *os.File", policy, src)
		}
		// What the net package sends with sendfile: a syscall.Conn.
		if _, ok := lr.R.(syscall.Conn); !ok {
			t.Fatalf("policy %d: ReadFrom got a LimitedReader over %T, want a file (syscall.Conn)", policy, lr.R)
		}
	}
}

// TestUnreadableDir: a directory that can be searched but not read still
// redirects and serves its index page, and its listing fails as Python's
// list_directory does (os.listdir raising), not as a missing file.
func TestUnreadableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	dir := t.TempDir()
	for _, d := range []string{"locked", "indexed"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	os.WriteFile(filepath.Join(dir, "indexed", "index.html"), []byte("<p>hi</p>\n"), 0o644)
	for _, d := range []string{"locked", "indexed"} {
		if err := os.Chmod(filepath.Join(dir, d), 0o311); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Join(dir, d), 0o755)
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := serve(t, h, "GET", "/locked", nil); got.status != 301 {
		t.Errorf("GET /locked = %d, want 301", got.status)
	}
	if got := serve(t, h, "GET", "/locked/", nil); got.status != 404 || !strings.Contains(got.body, "No permission to list directory") {
		t.Errorf("GET /locked/ = %d %q, want 404 No permission to list directory", got.status, got.body)
	}
	if got := serve(t, h, "GET", "/indexed/", nil); got.status != 200 || got.body != "<p>hi</p>\n" {
		t.Errorf("GET /indexed/ = %d %q, want the index page", got.status, got.body)
	}
}

// TestUnsearchableDir: a directory that can be read but not searched
// (mode r--) is listed by every handler over an OS directory (os.DirFS
// too) as Python lists it, every name plain: under SymlinksInside and
// SymlinksNever, whose os.Root looks each entry up as it reads it, it
// answered 404 "No permission to list directory". (cmd/simplehttp's
// TestE2EUnsearchableDirListing runs it as nobody when the tests run as
// root.)
func TestUnsearchableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root searches every directory")
	}
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked")
	if err := os.MkdirAll(filepath.Join(locked, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(locked, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(locked, "l")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	handlers := map[string]http.Handler{"os.DirFS": mustNew(t, os.DirFS(dir), fileserver.Options{})}
	for name, policy := range map[string]fileserver.SymlinkPolicy{"follow": fileserver.SymlinksFollow, "inside": fileserver.SymlinksInside, "never": fileserver.SymlinksNever} {
		h, err := fileserver.NewDir(dir, policy, fileserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		handlers[name] = h
	}
	// Python's page from the list on (3.11's head lacks 3.14's style).
	py, err := os.ReadFile("testdata/TestUnsearchableDir/from-python/listing.golden")
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := strings.Cut(string(py), "<hr>\n")
	for name, h := range handlers {
		if got := serve(t, h, "GET", "/locked/", nil); got.status != 200 || !strings.HasSuffix(got.body, "<hr>\n"+want) {
			t.Errorf("%s: GET /locked/ = %d\n%s\nwant 200 with\n%s", name, got.status, got.body, want)
		}
	}
}

// TestClientNamesNothingQuietly: a path that names nothing because of how
// the client wrote it (below a file, a name too long for the OS, a NUL)
// gets Python's 404 and no diagnostic: only causes the operator can act on
// go to the log, and a client must not be able to write two more copies
// of a 64 KiB name there with every request.
func TestClientNamesNothingQuietly(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		var log bytes.Buffer
		h, err := fileserver.NewDir(dir, policy, fileserver.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{
			"/hello.txt/x",
			"/hello.txt/x/y",
			"/" + strings.Repeat("a", 300),
			"/" + strings.Repeat("a/", 3000) + "b",
			"/hello.txt%00",
			"/%00/hello.txt",
		} {
			log.Reset()
			got := serve(t, h, "GET", target, nil)
			if got.status != 404 || !strings.Contains(got.body, "File not found") {
				t.Errorf("%v: GET %.40s = %d, want 404 File not found", policy, target, got.status)
			}
			if log.Len() != 0 {
				t.Errorf("%v: GET %.40s logged %.200q", policy, target, log.String())
			}
		}
		h.Close()
	}
}

// NewDir(".") serves the directory that was current when it was called,
// under every policy: a program that changes its working directory later
// does not change what it serves, and uploads (held by a handle) and
// reads go to the same place.
func TestNewDirRelative(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(first, "a.txt"), []byte("first\n"), 0o644)
	os.WriteFile(filepath.Join(second, "a.txt"), []byte("second\n"), 0o644)
	for _, links := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		t.Chdir(first)
		h := newDir(t, ".", links, fileserver.Options{})
		t.Chdir(second)
		if got := serve(t, h, "GET", "/a.txt", nil); got.status != 200 || got.body != "first\n" {
			t.Errorf("%v: GET /a.txt after a chdir = %d %q, want the first directory's", links, got.status, got.body)
		}
	}
}

// TestNotFoundLogLevel: a 404 that any client can cause (a missing name,
// a slash after a file, a path below a file, a special file, a directory
// not listed, an upload's temporary file) is logged at Debug; one the
// operator should hear about (here a symbolic link loop) at Warn.
func TestNotFoundLogLevel(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	if err := os.Symlink("loop", filepath.Join(dir, "loop")); err != nil {
		t.Skip(err)
	}
	targets := []string{"/missing", "/a.txt/", "/a.txt/x", "/sub/", "/.simplehttp-upload-x", "/loop"}
	if mkfifo(filepath.Join(dir, "fifo"), 0o644) == nil {
		targets = append(targets, "/fifo")
	}
	var log bytes.Buffer
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{
		DisableListing: true, Upload: true,
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, target := range targets {
		log.Reset()
		if got := serve(t, h, "GET", target, nil); got.status != 404 {
			t.Errorf("GET %s: %d, want 404", target, got.status)
		}
		want := "level=DEBUG"
		if target == "/loop" {
			want = "level=WARN"
		}
		if s := log.String(); !strings.Contains(s, want+` msg="fileserver: not found" name=`) {
			t.Errorf("GET %s logged:\n%s\nwant it at %s", target, s, want)
		}
	}
}

// TestFallbackEmbedded: New refuses a Fallback that an embed.FS does not
// hold, since nothing can add it later. Given the embed.FS itself where
// the fs.Sub of its directory was meant, the handler used to start, log a
// warning on the first route and answer every route 404; the fs.Sub is
// taken, and serves the fallback for a route.
func TestFallbackEmbedded(t *testing.T) {
	sub := embeddedSub(t)
	for _, tc := range []struct {
		name     string
		fsys     fs.FS
		fallback string
	}{
		{"the embed.FS, not its fs.Sub", embedded, "hello.txt"},
		{"a name the fs.Sub lacks", sub, "index.html"},
		{"a directory", sub, "sub"},
	} {
		if _, err := fileserver.New(tc.fsys, fileserver.Options{Fallback: tc.fallback}); err == nil || !strings.Contains(err.Error(), "Options.Fallback") {
			t.Errorf("%s: New with Fallback %q: %v, want an error that names Options.Fallback", tc.name, tc.fallback, err)
		}
	}
	h, err := fileserver.New(sub, fileserver.Options{Fallback: "hello.txt"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/users/42", nil)
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	want, err := fs.ReadFile(sub, "hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Body.String() != string(want) {
		t.Errorf("GET /users/42: %d %q, want 200 %q", rec.Code, rec.Body, want)
	}
}

// TestJSONListingEscapedSlash: the JSON listing of a directory asked for
// with an escaped trailing slash ("/dir%2F", which Python 3.14's list
// answers where it stands) is served at the path with a real slash, the
// URL its relative hrefs resolve against: at "/dir%2F" a client's
// urljoin took "a.txt" for the root's file. Python's HTML list stays, so
// both responses vary with Accept.
func TestJSONListingEscapedSlash(t *testing.T) {
	h := mustNew(t, mapFS(), fileserver.Options{})
	accept := map[string]string{"Accept": "application/json"}
	checkSlashRedirects(t, h, accept, "x=1")
	base, _ := url.Parse("http://host/dir%2F/")
	got := serve(t, h, "GET", base.RequestURI(), accept)
	var doc struct {
		Entries []struct{ Name, Href string }
	}
	if err := json.Unmarshal([]byte(got.body), &doc); got.status != 200 || err != nil {
		t.Fatalf("GET %s as JSON: %d %q (%v)", base.RequestURI(), got.status, got.body, err)
	}
	fetched := 0
	for _, e := range doc.Entries {
		u, _ := base.Parse(e.Href)
		want, ok := mapFS()["dir/"+e.Name]
		if !ok || want.Mode.IsDir() {
			continue
		}
		if got := serve(t, h, "GET", u.RequestURI(), nil); got.status != 200 || got.body != string(want.Data) {
			t.Errorf("href %q resolved (%s): %d %q, want dir/%s's %q", e.Href, u.RequestURI(), got.status, got.body, e.Name, want.Data)
		}
		fetched++
	}
	if fetched != 2 {
		t.Errorf("fetched %d files of the listing %q, want 2", fetched, got.body)
	}
	python := serve(t, h, "GET", "/dir%2F", nil)
	if python.status != 200 || !strings.Contains(python.body, "<title>Directory listing for /dir/</title>") {
		t.Errorf("GET /dir%%2F: %d %q, want Python 3.14's listing", python.status, python.body)
	}
	checkHeaders(t, "GET /dir%2F", python.header, map[string]string{"Vary": "Accept"})
}

// checkSlashRedirects asserts that the directories of mapFS asked for
// with an escaped trailing slash (and with the query, kept), with the
// header hdr, get an empty 301 to the path with a '/', which varies with
// Accept.
func checkSlashRedirects(t *testing.T, h http.Handler, hdr map[string]string, query string) {
	t.Helper()
	for target, location := range map[string]string{
		"/dir%2F":          "/dir%2F/",
		"/dir%2f?" + query: "/dir%2f/?" + query,
		"/dir/sub%2F":      "/dir/sub%2F/",
	} {
		got := serve(t, h, "GET", target, hdr)
		if got.status != http.StatusMovedPermanently || got.body != "" {
			t.Errorf("GET %s %v: %d %q, want 301 to %s", target, hdr, got.status, got.body, location)
		}
		checkHeaders(t, "GET "+target, got.header, map[string]string{
			"Location": location, "Content-Length": "0", "Vary": "Accept"})
	}
}

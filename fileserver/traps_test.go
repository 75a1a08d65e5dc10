package fileserver_test

import (
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

// TestServeAfterClose: a handler serving after Close answers 503 under
// every symlink policy, not 404 for files that exist (the directory
// handle of some policies is gone).
func TestServeAfterClose(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		h, err := fileserver.NewDir(dir, policy, fileserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/a.txt", nil))
		if w.Code != 503 || !strings.Contains(w.Body.String(), "Service Unavailable") {
			t.Errorf("policy %v: GET after Close: %d, want 503", policy, w.Code)
		}
		if err := h.Close(); err != nil {
			t.Errorf("policy %v: a second Close: %v", policy, err)
		}
	}
}

// TestOptionErrorsNameTheField: options that cannot work are refused at
// New, with the field named.
func TestOptionErrorsNameTheField(t *testing.T) {
	dir := t.TempDir()
	if _, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true, CompressCodings: []string{}}); err == nil || !strings.Contains(err.Error(), "Options.CompressCodings names no coding") {
		t.Errorf("Compress with CompressCodings {}: %v", err)
	}
	if _, err := fileserver.NewDir("", fileserver.SymlinksFollow, fileserver.Options{}); err == nil || !strings.Contains(err.Error(), "NewDir: no directory named") {
		t.Errorf("NewDir(\"\"): %v", err)
	}
	// Options that would do nothing beside another.
	if _, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich, DisableListing: true}); err == nil || err.Error() != "fileserver: Options.Listing rich with DisableListing: there is no listing" {
		t.Errorf("ListingRich with DisableListing: %v", err)
	}
	if _, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{ListingBudget: 1000, DisableListing: true}); err == nil || err.Error() != "fileserver: Options.ListingBudget with DisableListing: there is no listing" {
		t.Errorf("ListingBudget with DisableListing: %v", err)
	}
	if _, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{DisableCache: true, CacheMaxBytes: 1 << 20}); err == nil || err.Error() != "fileserver: Options.CacheMaxBytes or CacheMaxFileSize with DisableCache" {
		t.Errorf("CacheMaxBytes with DisableCache: %v", err)
	}
	if _, err := errorpage.New(errorpage.Options{ContentType: "text/html\r\nSet-Cookie: x"}); err == nil || !strings.Contains(err.Error(), "Options.ContentType") {
		t.Errorf("errorpage ContentType with CR LF: %v", err)
	}
}

// TestZeroValuesPanicClearly: a handler or middleware declared rather
// than made by its constructor says so in its panic (as soon as it is
// wrapped around a handler, for the middleware), instead of a nil
// dereference deep inside a request.
func TestZeroValuesPanicClearly(t *testing.T) {
	next := http.NotFoundHandler()
	serve := func(h http.Handler) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/cgi-bin/x", nil))
	}
	for _, tt := range []struct {
		use  func()
		want string
	}{
		{func() { serve(&fileserver.Handler{}) }, "fileserver: Handler not made by New or NewDir"},
		{func() { (&fileserver.BasicAuth{}).Handler(next) }, "fileserver: BasicAuth not made by NewBasicAuth"},
		{func() { serve(&cgi.Handler{}) }, "cgi: Handler not made by New"},
		{func() { (&cgi.Handler{}).Handler(next) }, "cgi: Handler not made by New"},
		{func() { (&accesslog.Middleware{}).Handler(next) }, "accesslog: Middleware not made by New"},
		{func() { (&accesslog.Middleware{}).SlogHandler(nil) }, "accesslog: Middleware not made by New"},
		{func() { (&accesslog.Middleware{}).Flush() }, "accesslog: Middleware not made by New"},
		{func() { (&accesslog.Middleware{}).Close() }, "accesslog: Middleware not made by New"},
		{func() { (&errorpage.Middleware{}).Handler(next) }, "errorpage: Middleware not made by New"},
	} {
		func() {
			defer func() {
				if got := recover(); got != tt.want {
					t.Errorf("panic %v, want %q", got, tt.want)
				}
			}()
			tt.use()
		}()
	}
}

// TestLocationOfRequestMadeInCode: a request made with http.NewRequest,
// as an application's tests make them, carries no RequestURI, so the
// path the client sent is unknown and r.URL.Path has lost the mount
// prefix. Its redirects and upload Locations are relative to its own URL,
// so they resolve under the prefix instead of pointing outside it
// ("/sub/"); a request a server read keeps Python's absolute path.
func TestLocationOfRequestMadeInCode(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Upload: true})
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	h := http.StripPrefix("/static", files)
	var form strings.Builder
	mw := multipart.NewWriter(&form)
	fw, err := mw.CreateFormFile("file", "b.txt")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte("b"))
	mw.Close()
	for _, tt := range []struct {
		method, target, body string
		code                 int
		want, resolved       string
	}{
		{"GET", "/static/sub?x=1", "", 301, "./sub/?x=1", "/static/sub/?x=1"},
		{"PUT", "/static/sub/a.txt", "a", 201, "./a.txt", "/static/sub/a.txt"},
		{"POST", "/static/sub", form.String(), 201, "./sub/b.txt", "/static/sub/b.txt"},
	} {
		req, err := http.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.method == "POST" {
			req.Header.Set("Content-Type", mw.FormDataContentType())
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		loc := w.Header().Get("Location")
		if w.Code != tt.code || loc != tt.want {
			t.Errorf("%s %s: %d, Location %q; want %d, %q", tt.method, tt.target, w.Code, loc, tt.code, tt.want)
			continue
		}
		if u, err := req.URL.Parse(loc); err != nil || u.String() != tt.resolved {
			t.Errorf("%s %s: Location %q resolves to %v (%v), want %s", tt.method, tt.target, loc, u, err, tt.resolved)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/static/sub?x=1", nil))
	if loc := w.Header().Get("Location"); w.Code != 301 || loc != "/static/sub/?x=1" {
		t.Errorf("server request: %d, Location %q; want 301, /static/sub/?x=1", w.Code, loc)
	}
}

// TestZeroOptionsHeaderSet: with zero Options a file and a listing carry
// Python's headers and only the ones the package documentation names
// besides (ETag and Accept-Ranges, Vary: Accept), so that an app that
// mounts the handler knows what reaches its clients and caches.
func TestZeroOptionsHeaderSet(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, tt := range []struct{ target, want string }{
		{"/a.txt", "Accept-Ranges Content-Length Content-Type Etag Last-Modified"},
		{"/", "Content-Length Content-Type Vary"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tt.target, nil))
		keys := make([]string, 0, len(w.Header()))
		for k := range w.Header() {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if got := strings.Join(keys, " "); w.Code != 200 || got != tt.want {
			t.Errorf("GET %s: %d with %s, want 200 with %s", tt.target, w.Code, got, tt.want)
		}
	}
}

// TestHTTP2PrefaceInTheClear: the first line of the HTTP/2 preface over
// plain HTTP/1 (curl --http2-prior-knowledge), which net/http hands to the
// handler as a request with method PRI, gets Python's 505 page for an
// HTTP/2 request line, not the 501 of an unknown method; net/http closes
// the connection after it, so the rest of the preface is not answered.
func TestHTTP2PrefaceInTheClear(t *testing.T) {
	h, err := fileserver.New(fstest.MapFS{"a.txt": {Data: []byte("a\n")}}, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	// The deadline bounds a hang; it is not a timing assertion.
	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 10*time.Second)
	if err == nil {
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = io.WriteString(conn, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(got), "\r\n\r\n")
	const wantBody = "<p>Message: Invalid HTTP version (2.0).</p>\n        <p>Error code explanation: 505 - Cannot fulfill request.</p>"
	if !strings.HasPrefix(head, "HTTP/1.1 505 HTTP Version Not Supported\r\n") || !strings.Contains(body, wantBody) {
		t.Errorf("answer:\n%s\nwant 505 with %q", got, wantBody)
	}
	if strings.Count(string(got), "HTTP/1.1 ") != 1 {
		t.Errorf("answer:\n%s\nwant one response, then the connection closed", got)
	}
}

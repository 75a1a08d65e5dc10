package fileserver_test

import (
	"bytes"
	"html"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

// sentError is one call of an Options.ErrorHandler.
type sentError struct {
	code    int
	message string
}

// errorRecorder is an ErrorHandler that records its calls and then sends
// the error as the default does.
type errorRecorder struct {
	mu    sync.Mutex
	calls []sentError
}

func (e *errorRecorder) handle(w http.ResponseWriter, r *http.Request, code int, message string) {
	e.mu.Lock()
	e.calls = append(e.calls, sentError{code, message})
	e.mu.Unlock()
	errorpage.Error(w, r, code, message, "")
}

func (e *errorRecorder) take() []sentError {
	e.mu.Lock()
	defer e.mu.Unlock()
	calls := e.calls
	e.calls = nil
	return calls
}

var pyMessage = regexp.MustCompile(`<p>Message: (.*)\.</p>`)

// TestErrorHandlerParity: over every request of the Python parity test,
// the ErrorHandler is called exactly when Python sent an error, once, with
// Python's code and message (read from the recorded page); and an
// ErrorHandler that sends the default page keeps Python's bytes.
func TestErrorHandlerParity(t *testing.T) {
	root := buildParityTree(t)
	var rec errorRecorder
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{DisableSniff: true, ErrorHandler: rec.handle})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	var cases struct{ Cases []parityCase }
	readJSON(t, "testdata/parity/cases.json", &cases)
	// Python's page for a HEAD is not recorded: its message is the
	// GET's.
	getMessage := map[string]string{}
	errors := 0
	for _, c := range cases.Cases {
		want, err := os.ReadFile(filepath.Join("testdata/parity/from-python", c.Name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		got := rawRequest(t, srv.Listener.Addr().String(), c)
		if !bytes.Equal(got, want) {
			t.Errorf("%s %s: response differs from Python's\n--- got\n%s\n--- want (python)\n%s", c.Method, c.Target, got, want)
		}
		calls := rec.take()
		status, _ := strconv.Atoi(string(bytes.TrimPrefix(bytes.SplitN(want, []byte("\n"), 2)[0], []byte("status: "))))
		if status < 400 {
			if len(calls) != 0 {
				t.Errorf("%s %s: Python answered %d, ErrorHandler got %v", c.Method, c.Target, status, calls)
			}
			continue
		}
		errors++
		var message string
		if m := pyMessage.FindSubmatch(want); m != nil {
			message = html.UnescapeString(string(m[1]))
			getMessage[c.Target] = message
		} else if c.Method == "HEAD" && getMessage[c.Target] != "" {
			message = getMessage[c.Target]
		} else {
			t.Fatalf("%s: no message in Python's page (a HEAD must come after its GET)", c.Name)
		}
		wantCall := sentError{status, message}
		if len(calls) != 1 || calls[0] != wantCall {
			t.Errorf("%s %s: ErrorHandler got %v, want [%v]", c.Method, c.Target, calls, wantCall)
		}
	}
	if errors < 10 {
		t.Errorf("only %d error cases in the recordings", errors)
	}
}

// trapFS serves an fstest.MapFS whose directory "locked" cannot be read.
type trapFS struct{ fs.FS }

type unreadableDir struct{ fs.File }

func (unreadableDir) ReadDir(int) ([]fs.DirEntry, error) { return nil, fs.ErrPermission }

func (t trapFS) Open(name string) (fs.File, error) {
	f, err := t.FS.Open(name)
	if err != nil {
		return nil, err
	}
	switch name {
	case "locked":
		return unreadableDir{f}, nil
	}
	return f, nil
}

// TestErrorHandler: every error the handler sends, including those the
// parity recordings lack, goes through Options.ErrorHandler with Python's
// code and message, and only through it; with no ErrorHandler the bytes
// are errorpage.Error's for the same code and message.
func TestErrorHandler(t *testing.T) {
	fsys := trapFS{fstest.MapFS{
		"hello.txt":    {Data: []byte("hello\n"), ModTime: modTime},
		"locked/a.txt": {Data: []byte("a\n"), ModTime: modTime},
		"dir/a.txt":    {Data: []byte("a\n"), ModTime: modTime},
		"pipe":         {Mode: fs.ModeNamedPipe},
	}}
	tests := []struct {
		name    string
		opts    fileserver.Options
		method  string
		target  string
		header  map[string]string
		want    sentError
		explain string // what errorpage.Error shows for the default
	}{
		{"missing", fileserver.Options{}, "GET", "/nope.txt", nil, sentError{404, "File not found"}, ""},
		{"trailing slash on a file", fileserver.Options{}, "GET", "/hello.txt/", nil, sentError{404, "File not found"}, ""},
		{"special file", fileserver.Options{}, "GET", "/pipe", nil, sentError{404, "File not found"}, ""},
		{"listing disabled", fileserver.Options{DisableListing: true}, "GET", "/dir/", nil, sentError{404, "File not found"}, ""},
		{"unreadable directory", fileserver.Options{}, "GET", "/locked/", nil, sentError{404, "No permission to list directory"}, ""},
		{"unreadable directory, HEAD", fileserver.Options{}, "HEAD", "/locked/", nil, sentError{404, "No permission to list directory"}, ""},
		{"POST", fileserver.Options{}, "POST", "/hello.txt", nil, sentError{501, "Unsupported method ('POST')"}, ""},
		{"method with a quote", fileserver.Options{}, "PO'ST", "/", nil, sentError{501, `Unsupported method ("PO'ST")`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = slog.New(slog.DiscardHandler) // the 500s log their cause
			var calls []sentError
			custom := tt.opts
			custom.ErrorHandler = func(w http.ResponseWriter, r *http.Request, code int, message string) {
				calls = append(calls, sentError{code, message})
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(code)
				w.Write([]byte("custom " + message))
			}
			got := serve(t, mustNew(t, fsys, custom), tt.method, tt.target, tt.header)
			what := tt.method + " " + tt.target
			if len(calls) != 1 || calls[0] != tt.want {
				t.Fatalf("%s: ErrorHandler got %v, want [%v]", what, calls, tt.want)
			}
			wantBody := "custom " + tt.want.message // ResponseRecorder keeps a HEAD's body
			if got.status != tt.want.code || got.header.Get("Content-Type") != "text/plain" || got.body != wantBody {
				t.Errorf("%s: %d %q %q, want the ErrorHandler's %d text/plain %q", what, got.status, got.header.Get("Content-Type"), got.body, tt.want.code, wantBody)
			}

			// Without ErrorHandler: errorpage.Error's response.
			def := serve(t, mustNew(t, fsys, tt.opts), tt.method, tt.target, tt.header)
			want := httptest.NewRecorder()
			errorpage.Error(want, httptest.NewRequest(tt.method, tt.target, nil), tt.want.code, tt.want.message, "")
			if def.status != want.Code || def.body != want.Body.String() {
				t.Errorf("%s without ErrorHandler: %d %q, want errorpage's %d %q", what, def.status, def.body, want.Code, want.Body.String())
			}
			checkHeaders(t, what, def.header, map[string]string{
				"Content-Type": want.Header().Get("Content-Type"), "Content-Length": want.Header().Get("Content-Length"),
				"Connection": want.Header().Get("Connection")})
		})
	}
}

// TestErrorHandlerPreconditions: a failed If-Match or If-Unmodified-Since
// (412) and an unsatisfiable Range (416) go through the ErrorHandler
// like every other error, from a file read each time, a cached one and a
// precompressed variant, and the error carries none of the file's
// headers (its type, coding, ETag); a satisfiable Range is still 206.
func TestErrorHandlerPreconditions(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	fsys := fstest.MapFS{
		"a.js":    {Data: bytes.Repeat([]byte("x"), 2000), ModTime: mtime},
		"a.js.gz": {Data: []byte("gzipped bytes"), ModTime: mtime},
	}
	for _, tc := range []struct {
		name string
		opts fileserver.Options
		hdr  []string
	}{
		{"read", fileserver.Options{DisableCache: true}, nil},
		{"cached", fileserver.Options{Immutable: true}, nil},
		{"precompressed", fileserver.Options{Precompressed: []string{"gzip"}}, []string{"Accept-Encoding", "gzip"}},
	} {
		var rec errorRecorder
		tc.opts.ErrorHandler = rec.handle
		h, err := fileserver.New(fsys, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			hdr  []string
			want int
			msg  string
		}{
			{[]string{"If-Match", `"nope"`}, 412, "Precondition Failed"},
			{[]string{"If-Unmodified-Since", "Mon, 01 Jan 2024 00:00:00 GMT"}, 412, "Precondition Failed"},
			{[]string{"Range", "bytes=999999-"}, 416, "Range Not Satisfiable"},
			{[]string{"Range", "bytes=0-9"}, 206, ""},
		} {
			for i := 0; i < 2; i++ { // the second time from the cache, where there is one
				r := httptest.NewRequest("GET", "/a.js", nil)
				hdr := append(append([]string{}, tc.hdr...), c.hdr...)
				for j := 0; j+1 < len(hdr); j += 2 {
					r.Header.Set(hdr[j], hdr[j+1])
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				calls := rec.take()
				if w.Code != c.want {
					t.Errorf("%s, %q: status %d, want %d", tc.name, c.hdr, w.Code, c.want)
					continue
				}
				if c.want == 206 {
					if len(calls) != 0 {
						t.Errorf("%s, %q: ErrorHandler called %v", tc.name, c.hdr, calls)
					}
					continue
				}
				if len(calls) != 1 || calls[0] != (sentError{c.want, c.msg}) {
					t.Errorf("%s, %q: ErrorHandler calls %v, want one (%d, %q)", tc.name, c.hdr, calls, c.want, c.msg)
				}
				for _, k := range []string{"Content-Encoding", "Etag", "Last-Modified"} {
					if v := w.Header()[k]; v != nil {
						t.Errorf("%s, %q: %d with %s: %q", tc.name, c.hdr, c.want, k, v)
					}
				}
				if ct := w.Header().Get("Content-Type"); ct != "text/html;charset=utf-8" {
					t.Errorf("%s, %q: %d with Content-Type %q, want the page's", tc.name, c.hdr, c.want, ct)
				}
			}
		}
	}
}

// TestHeaderValuesOwned: a middleware that edits the values of a header
// in place (here, weakening the ETag) changes its own response only,
// not the cached file's headers that later responses get, nor the
// values the handler shares between responses (Retry-After, a listing's
// Content-Type).
func TestHeaderValuesOwned(t *testing.T) {
	fsys := fstest.MapFS{"a.txt": {Data: []byte("a\n"), ModTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}, "d/b.txt": {Data: []byte("b\n")}}
	h, err := fileserver.New(fsys, fileserver.Options{Immutable: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/a.txt", "/d/"} {
		checkHeaderValuesOwned(t, h, target)
	}
	// The rich listing's style sheet and script, whose values are the
	// same for every response.
	rich, err := fileserver.New(fsys, fileserver.Options{Listing: fileserver.ListingRich})
	if err != nil {
		t.Fatal(err)
	}
	page := httptest.NewRecorder()
	rich.ServeHTTP(page, httptest.NewRequest("GET", "/", nil))
	assets := regexp.MustCompile(`\?asset=rich\.[0-9a-f]{16}\.(?:css|js)`).FindAllString(page.Body.String(), -1)
	if len(assets) != 2 {
		t.Fatalf("rich listing links %q, want its style sheet and script", assets)
	}
	for _, a := range assets {
		checkHeaderValuesOwned(t, rich, "/"+a)
	}
}

// checkHeaderValuesOwned checks that a middleware that edits the values
// of h's response headers to GET target in place changes nothing in the
// headers of a later response.
func checkHeaderValuesOwned(t *testing.T, h http.Handler, target string) {
	t.Helper()
	editing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		for _, v := range w.Header() {
			for i := range v {
				v[i] = "edited"
			}
		}
	})
	plain := httptest.NewRecorder()
	h.ServeHTTP(plain, httptest.NewRequest("GET", target, nil))
	want := plain.Header().Clone() // its values may be shared too
	for range 2 {
		editing.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	again := httptest.NewRecorder()
	h.ServeHTTP(again, httptest.NewRequest("GET", target, nil))
	for k, v := range again.Header() {
		if slices.Contains(v, "edited") || !slices.Equal(v, want[k]) {
			t.Errorf("GET %s after a middleware edited its headers: %s: %q, want %q", target, k, v, want[k])
		}
	}
}

// TestErrorKeepsOuterCacheControl: an error response of a file drops the
// Cache-Control that Options.CacheControl gave the file, but not one an
// outer wrapper set for every response where the function gave none
// (returned ""): that one stayed off a 412 or a 503 as soon as the option
// was set at all, though it stays on them without the option.
func TestErrorKeepsOuterCacheControl(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	fsys := &exhaustedFS{MapFS: fstest.MapFS{
		"a.js":    {Data: bytes.Repeat([]byte("x"), 2000), ModTime: mtime},
		"a.js.gz": {Data: []byte("gzipped bytes"), ModTime: mtime},
		"b.js":    {Data: []byte("b"), ModTime: mtime},
	}}
	for _, tc := range []struct {
		name string
		opts fileserver.Options
		hdr  []string
	}{
		{"read", fileserver.Options{DisableCache: true}, nil},
		{"cached", fileserver.Options{}, nil},
		{"precompressed", fileserver.Options{Precompressed: []string{"gzip"}}, []string{"Accept-Encoding", "gzip"}},
	} {
		tc.opts.Logger = slog.New(slog.DiscardHandler)
		tc.opts.CacheControl = func(name string) string {
			if name == "b.js" {
				return "max-age=60"
			}
			return ""
		}
		tc.opts.ErrorHandler = func(w http.ResponseWriter, r *http.Request, code int, message string) {
			http.Error(w, message, code) // keeps the headers it finds
		}
		h, err := fileserver.New(fsys, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			h.ServeHTTP(w, r)
		})
		for _, c := range []struct {
			target string
			out    bool // out of descriptors
			hdr    []string
			want   int
			cc     string
		}{
			{"/a.js", false, nil, 200, "no-store"},
			{"/a.js", false, []string{"If-Match", `"nope"`}, 412, "no-store"},
			{"/a.js", true, nil, 503, "no-store"},
			{"/b.js", false, nil, 200, "max-age=60"},
			{"/b.js", false, []string{"If-Match", `"nope"`}, 412, ""},
		} {
			for i := 0; i < 2; i++ { // the second time from the cache, where there is one
				fsys.out.Store(c.out)
				r := httptest.NewRequest("GET", c.target, nil)
				hdr := append(append([]string{}, tc.hdr...), c.hdr...)
				for j := 0; j+1 < len(hdr); j += 2 {
					r.Header.Set(hdr[j], hdr[j+1])
				}
				w := httptest.NewRecorder()
				outer.ServeHTTP(w, r)
				fsys.out.Store(false)
				if w.Code != c.want || w.Header().Get("Cache-Control") != c.cc {
					t.Errorf("%s: GET %s %q: %d with Cache-Control %q, want %d with %q",
						tc.name, c.target, c.hdr, w.Code, w.Header()["Cache-Control"], c.want, c.cc)
				}
			}
		}
	}
}

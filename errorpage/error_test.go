package errorpage

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
	"unsafe"
	"weak"

	"github.com/simplehttp/simplehttp/internal/goldenfile"
)

// goldenCases are the pages recorded from Python by testdata/record.py
// into testdata/from-python/TestError, whose CASES must list the same
// names with the same arguments ("" here is None there). Only that script
// writes them: -update does not.
var goldenCases = []struct {
	name             string
	code             int
	message, explain string
}{
	// The file server's 404 and 501, as Python's send_error sends them.
	{"404_file_not_found", 404, "File not found", ""},
	{"404_default", 404, "", ""},
	{"404_no_permission_to_list", 404, "No permission to list directory", ""},
	// Python's repr() quotes stay raw: html.escape(quote=False).
	{"501_unsupported_method", 501, "Unsupported method ('POST')", ""},
	{"400_default", 400, "", ""},
	{"400_bad_request_version", 400, "Bad request version ('RTSP/1.0')", ""},
	{"403_cgi_not_executable", 403, "CGI script is not executable ('/cgi-bin/x')", ""},
	// 3.13 phrases (3.11 says "Request Entity Too Large", "Unprocessable
	// Entity" with an empty explanation).
	{"413_default", 413, "", ""},
	{"422_default", 422, "", ""},
	// The apostrophe of "I'm a Teapot" must not become &#39;; the 3.13
	// description has no trailing period (3.11 printed "teapot..").
	{"418_default", 418, "", ""},
	{"500_default", 500, "", ""},
	{"503_explain", 503, "Down for maintenance", "Back at 10:00 & not <before>"},
	// Only & < > are escaped, in both fields; quotes stay.
	{"404_escaped", 404, `<script>&"'`, `<b>"x" & 'y'</b>`},
	// Non-ASCII text is sent as UTF-8.
	{"404_latin1", 404, "Fichier introuvable : café", ""},
	// Unknown code: "???" for both.
	{"599_unknown", 599, "", ""},
}

func goldenPath(name string) string {
	return filepath.Join("testdata", goldenfile.PythonDir, "TestError", name+".golden")
}

// stale headers a handler may have set for the content the error replaces.
func staleHeaders() http.Header {
	return http.Header{
		"Etag":             {`"v1"`},
		"Last-Modified":    {"Mon, 02 Jan 2006 15:04:05 GMT"},
		"Cache-Control":    {"max-age=3600"},
		"Content-Encoding": {"gzip"},
		"Content-Type":     {"image/png"},
		// A download that failed: the page is not saved as the file.
		"Content-Disposition": {`attachment; filename="report.pdf"`},
		// A download that was to end with a checksum: the page has none.
		"Trailer":        {"X-Checksum"},
		"Content-Length": {"12345"},
		"X-Request-Id":   {"abc"},
	}
}

func serveError(method string, header http.Header, code int, message, explain string) *http.Response {
	rec := httptest.NewRecorder()
	for k, v := range header {
		rec.Header()[k] = slices.Clone(v)
	}
	req := httptest.NewRequest(method, "/some/path", nil)
	Error(rec, req, code, message, explain)
	return rec.Result()
}

// connectionAfter is the Connection header of Error's response for code
// outside a middleware: "close" only after the errors nginx closes on.
func connectionAfter(code int) string {
	switch code {
	case 400, 413, 414, 431, 500, 501:
		return "close"
	}
	return ""
}

func readBody(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestError(t *testing.T) {
	for _, tt := range goldenCases {
		t.Run(tt.name, func(t *testing.T) {
			res := serveError(http.MethodGet, staleHeaders(), tt.code, tt.message, tt.explain)
			body := readBody(t, res)
			if res.StatusCode != tt.code {
				t.Errorf("GET: status = %d, want %d", res.StatusCode, tt.code)
			}
			wantHeader := map[string]string{
				// Python closes after every error; outside a middleware
				// with CloseAfterError, only after those nginx closes on.
				"Connection":     connectionAfter(tt.code),
				"Content-Type":   "text/html;charset=utf-8",
				"Content-Length": strconv.Itoa(len(body)),
				// Deleted before writing (net/http's serveError).
				"Etag":                "",
				"Last-Modified":       "",
				"Cache-Control":       "",
				"Content-Encoding":    "",
				"Content-Disposition": "",
				"Trailer":             "",
				// Unrelated headers survive.
				"X-Request-Id": "abc",
			}
			checkHeader(t, "GET", res.Header, wantHeader)
			if vs := res.Header.Values("Content-Type"); len(vs) != 1 {
				t.Errorf("GET: Content-Type = %q, want one value", vs)
			}

			goldenfile.Python(t, goldenPath(tt.name), body)

			// HEAD: the headers of GET, no body.
			hres := serveError(http.MethodHead, staleHeaders(), tt.code, tt.message, tt.explain)
			hbody := readBody(t, hres)
			if hres.StatusCode != tt.code {
				t.Errorf("HEAD: status = %d, want %d", hres.StatusCode, tt.code)
			}
			checkHeader(t, "HEAD", hres.Header, wantHeader)
			if len(hbody) != 0 {
				t.Errorf("HEAD: body = %q, want none", hbody)
			}
		})
	}
}

// TestGoldenFilesHaveCases keeps goldenCases and the recorded files (that is,
// record.py's CASES) in step.
func TestGoldenFilesHaveCases(t *testing.T) {
	files, err := filepath.Glob(goldenPath("*"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, f := range files {
		got = append(got, strings.TrimSuffix(filepath.Base(f), ".golden"))
	}
	for _, tt := range goldenCases {
		want = append(want, tt.name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("golden files %q\ndo not match goldenCases %q", got, want)
	}
}

func checkHeader(t *testing.T, method string, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", method, k, got, v)
		}
	}
}

func TestErrorNoBody(t *testing.T) {
	tests := []struct {
		name string
		code int
	}{
		{"100_continue", 100},
		{"102_processing", 102},
		{"103_early_hints", 103},
		{"204_no_content", 204},
		{"205_reset_content", 205},
		{"304_not_modified", 304},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				res := serveError(method, staleHeaders(), tt.code, "", "")
				body := readBody(t, res)
				if res.StatusCode != tt.code {
					t.Errorf("%s: status = %d, want %d", method, res.StatusCode, tt.code)
				}
				want := map[string]string{
					"Connection":     connectionAfter(tt.code),
					"Content-Type":   "",
					"Content-Length": "",
					"Etag":           "",
					"X-Request-Id":   "abc",
				}
				if tt.code < 200 {
					// Informational: the header is also that of the
					// final response the handler still owes, left
					// as it was.
					want["Content-Type"] = "image/png"
					want["Content-Length"] = "12345"
					want["Etag"] = `"v1"`
				}
				checkHeader(t, method, res.Header, want)
				if len(body) != 0 {
					t.Errorf("%s: body = %q, want none", method, body)
				}
			})
		}
	}
}

func TestErrorDefaultsAndEscaping(t *testing.T) {
	tests := []struct {
		name             string
		code             int
		message, explain string
		wantMessage      string // the text after "Message: "
		wantExplain      string // the text after "explanation: CODE - "
	}{
		{"explain_only_default", 404, "Gone fishing", "", "Gone fishing", "Nothing matches the given URI"},
		{"message_only_default", 404, "", "Custom", "Not Found", "Custom"},
		{"3.13_phrase_414", 414, "", "", "URI Too Long", "URI is too long"},
		{"3.13_phrase_416", 416, "", "", "Range Not Satisfiable", "Cannot satisfy request range"},
		// 429's description holds double quotes: html/template alone would
		// have written &#34;.
		{"quotes_in_description", 429, "", "", "Too Many Requests",
			`The user has sent too many requests in a given amount of time ("rate limiting")`},
		{"already_escaped_text_is_escaped_again", 400, "&amp;", "", "&amp;amp;", "Bad request syntax or unsupported method"},
		{"newline_stays", 400, "a\r\nX-Injected: 1", "", "a\r\nX-Injected: 1", "Bad request syntax or unsupported method"},
		// Python's encode('UTF-8', 'replace') turns undecodable bytes
		// (lone surrogates in Python) into '?', one per byte.
		{"invalid_utf8", 404, "caf\xe9 \xff\xfe ok", "\xed\xa0\x80", "caf? ?? ok", "???"},
		{"non_latin1", 404, "Tasse ☕", "", "Tasse ☕", "Nothing matches the given URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serveError(http.MethodGet, nil, tt.code, tt.message, tt.explain)
			body := string(readBody(t, res))
			if res.StatusCode != tt.code {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.code)
			}
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length = %s, want %d", got, len(body))
			}
			wantM := "<p>Message: " + tt.wantMessage + ".</p>\n"
			wantE := fmt.Sprintf("<p>Error code explanation: %d - %s.</p>\n", tt.code, tt.wantExplain)
			if !strings.Contains(body, wantM) || !strings.Contains(body, wantE) {
				t.Errorf("body lacks %q or %q:\n%s", wantM, wantE, body)
			}
			if !utf8.ValidString(body) {
				t.Errorf("body is not valid UTF-8: %q", body)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	tests := []struct {
		code                 int
		wantPhrase, wantDesc string
	}{
		{404, "Not Found", "Nothing matches the given URI"},
		{501, "Not Implemented", "Server does not support this operation"},
		{413, "Content Too Large", "Content is too large"},
		{414, "URI Too Long", "URI is too long"},
		{416, "Range Not Satisfiable", "Cannot satisfy request range"},
		{418, "I'm a Teapot", "Server refuses to brew coffee because it is a teapot"},
		{422, "Unprocessable Content", "Server is not able to process the contained instructions"},
		{207, "Multi-Status", "Response contains multiple statuses in the body"},
		{306, "???", "???"}, // unused code, not in HTTPStatus
		{599, "???", "???"},
		{0, "???", "???"},
	}
	for _, tt := range tests {
		phrase, desc := StatusText(tt.code)
		if phrase != tt.wantPhrase || desc != tt.wantDesc {
			t.Errorf("StatusText(%d) = %q, %q; want %q, %q", tt.code, phrase, desc, tt.wantPhrase, tt.wantDesc)
		}
	}
	if len(statusTable) != 62 {
		t.Errorf("len(statusTable) = %d, want Python's 62 HTTPStatus members", len(statusTable))
	}
	for code, s := range statusTable {
		if s.phrase == "" || s.description == "" {
			t.Errorf("statusTable[%d] = %+v: 3.13 has a phrase and a description for every code", code, s)
		}
	}
}

// TestErrorOverHTTP: Python's page and its Connection: close, with
// CloseAfterError, over real connections.
func TestErrorOverHTTP(t *testing.T) {
	m, err := New(Options{CloseAfterError: true})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, http.StatusNotFound, "File not found", "")
	}))
	want, err := os.ReadFile(goldenPath("404_file_not_found"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("HTTP/1.1", func(t *testing.T) {
		ts := httptest.NewServer(h)
		defer ts.Close()
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, ts.URL+"/x", nil)
			res, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, res)
			res.Body.Close()
			if res.StatusCode != 404 || !res.Close {
				t.Errorf("%s: status = %d, close = %v; want 404, true", method, res.StatusCode, res.Close)
			}
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(want)) {
				t.Errorf("%s: Content-Length = %s, want %d", method, got, len(want))
			}
			wantBody := want
			if method == http.MethodHead {
				wantBody = nil
			}
			if !bytes.Equal(body, wantBody) {
				t.Errorf("%s: body = %q, want %q", method, body, wantBody)
			}
		}
	})

	// Over HTTP/2 the connection must survive the error: net/http would
	// answer Connection: close with a GOAWAY.
	t.Run("HTTP/2", func(t *testing.T) {
		ts := httptest.NewUnstartedServer(h)
		ts.EnableHTTP2 = true
		ts.StartTLS()
		defer ts.Close()
		client := ts.Client()
		for i := range 3 {
			var reused bool
			trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/x", nil)
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, res)
			res.Body.Close()
			if res.ProtoMajor != 2 {
				t.Fatalf("proto = %s, want HTTP/2", res.Proto)
			}
			if res.StatusCode != 404 || !bytes.Equal(body, want) {
				t.Errorf("request %d: status = %d, body = %q", i, res.StatusCode, body)
			}
			if i > 0 && !reused {
				t.Errorf("request %d: connection not reused after an error page", i)
			}
		}
	})
}

func TestCache(t *testing.T) {
	p := &page{segs: defaultPage.segs, contentType: defaultContentType}

	b1 := p.body(404, "File not found", "Nothing matches the given URI")
	b2 := p.body(404, "File not found", "Nothing matches the given URI")
	if &b1[0] != &b2[0] {
		t.Error("identical page rendered twice, want the cached body")
	}

	long := strings.Repeat("x", maxCachedText)
	l1 := p.body(404, long, "y")
	l2 := p.body(404, long, "y")
	if &l1[0] == &l2[0] {
		t.Error("long text was cached")
	}
	if !bytes.Equal(l1, l2) {
		t.Error("long text rendered differently twice")
	}

	for i := range 10 * cacheSize {
		p.body(500, "m"+strconv.Itoa(i), "e")
	}
	if n := p.cache.len(); n > cacheSize {
		t.Errorf("cache holds %d bodies, want at most %d", n, cacheSize)
	}
}

// A cached body keeps copies of its texts, not the strings it was given:
// a message may be a small part of a large string (r.URL.Path shares the
// request line, whose query can be most of a megabyte), which the cache
// must not keep alive, or 64 such pages hold 64 MB.
func TestCacheKeepsNoLargerString(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, accept := range []string{"", "application/json", "text/plain"} {
		big := func() weak.Pointer[byte] {
			line := strings.Repeat("x", 1<<20)
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Accept", accept)
			m.Handler(errorCall(http.StatusNotFound, line[:16], "")).ServeHTTP(httptest.NewRecorder(), req)
			return weak.Make(unsafe.StringData(line))
		}()
		runtime.GC()
		if big.Value() != nil {
			t.Errorf("Accept %q: the string the message was cut from is still alive", accept)
		}
	}
}

func TestCacheConcurrent(t *testing.T) {
	p := &page{segs: defaultPage.segs, contentType: defaultContentType}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 * cacheSize {
				msg := "m" + strconv.Itoa((i*7+g)%(2*cacheSize))
				b := string(p.body(404, msg, "e"))
				if !strings.Contains(b, "<p>Message: "+msg+".</p>") {
					t.Errorf("body for %q:\n%s", msg, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := p.cache.len(); n > cacheSize {
		t.Errorf("cache holds %d bodies, want at most %d", n, cacheSize)
	}
}

// FuzzError checks that no message or explanation can add markup to the
// page (the body has exactly the template's '<'s) or make it invalid
// UTF-8, that both, when valid UTF-8 and not empty, are shown as they
// are (the page unescapes to them), and that Content-Length is the length
// of the body sent.
func FuzzError(f *testing.F) {
	for _, s := range []string{"", "File not found", `<script>&"'`, "a\nb", "\x85", "\xff", "</p><p>", "&lt;b&gt; &amp; &#60;"} {
		f.Add(s, s)
	}
	tags := strings.Count(defaultFormat, "<")
	f.Fuzz(func(t *testing.T, message, explain string) {
		res := serveError(http.MethodGet, nil, 404, message, explain)
		body := string(readBody(t, res))
		if n := strings.Count(body, "<"); n != tags {
			t.Errorf("body has %d '<', want the template's %d:\n%s", n, tags, body)
		}
		if !utf8.ValidString(body) {
			t.Errorf("body is not valid UTF-8: %q", body)
		}
		shown := html.UnescapeString(body)
		if message != "" && utf8.ValidString(message) && !strings.Contains(shown, "<p>Message: "+message+".</p>\n") {
			t.Errorf("message %q is not shown as it is:\n%s", message, body)
		}
		if explain != "" && utf8.ValidString(explain) && !strings.Contains(shown, " - "+explain+".</p>\n") {
			t.Errorf("explanation %q is not shown as it is:\n%s", explain, body)
		}
		if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
			t.Errorf("Content-Length = %s, want %d", got, len(body))
		}
	})
}

// TestLogLine checks the log_error line against the format it replaces.
func TestLogLine(t *testing.T) {
	for _, tt := range []struct {
		code    int
		message string
	}{
		{404, "File not found"},
		{501, "Unsupported method ('PROPFIND')"},
		{100, ""},
		{999, strings.Repeat("long message ", 10)}, // past the stack buffer
		{400, "Bad request syntax ('\x85\n')"},
	} {
		if got, want := logLine(tt.code, tt.message), fmt.Sprintf("code %d, message %s", tt.code, tt.message); got != want {
			t.Errorf("logLine(%d, %q) = %q, want %q", tt.code, tt.message, got, want)
		}
	}
}

func BenchmarkError(b *testing.B) {
	req := httptest.NewRequest(http.MethodGet, "/missing", nil)
	w := discardWriter{http.Header{}}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			Error(w, req, http.StatusNotFound, "File not found", "")
		}
	})
	b.Run("uncached", func(b *testing.B) {
		long := strings.Repeat("<x>", maxCachedText)
		b.ReportAllocs()
		for b.Loop() {
			clear(w.h)
			Error(w, req, http.StatusNotFound, long, "")
		}
	})
}

// discardWriter is a ResponseWriter that throws the response away.
type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header       { return w.h }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}

// Python's send_error sends a page for every code from 200 on but 204, 205
// and 304: 200 and 206 have one.
func TestErrorBodyFrom200(t *testing.T) {
	for _, code := range []int{200, 206} {
		res := serveError(http.MethodGet, nil, code, "", "")
		body := readBody(t, res)
		if res.StatusCode != code || !bytes.Contains(body, []byte("<p>Error code: "+strconv.Itoa(code)+"</p>")) {
			t.Errorf("Error(%d): %d %q, want the page", code, res.StatusCode, body)
		}
	}
}

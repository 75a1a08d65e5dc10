package errorpage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"html/template"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/internal/goldenfile"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// python311Format is Python 3.11's DEFAULT_ERROR_MESSAGE (no <style>), as
// printed by the local python3; PythonFormat must turn it into a template
// whose pages are the ones Python 3.11 sends.
const python311Format = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: %(code)d</p>\n        <p>Message: %(message)s.</p>\n        <p>Error code explanation: %(code)s - %(explain)s.</p>\n    </body>\n</html>\n"

func mustPythonFormat(s string) *Format {
	f, err := PythonFormat(s)
	if err != nil {
		panic(err)
	}
	return f
}

func mustParseFormat(s string) *Format {
	f, err := ParseFormat(s)
	if err != nil {
		panic(err)
	}
	return f
}

// Downstream handlers, as apps write them.
var (
	bare = func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
	}
	// A body with no Content-Type is discarded: the page replaces it.
	bareWithBody = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "upstream said no")
		io.Copy(w, strings.NewReader(" at all")) // ReadFrom through the middleware
	}
	httpError = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom: /etc/secret", 500) }
	jsonError = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"error":"bad field \"x\""}`)
	}
	customHTML = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "<h1>I'm a teapot</h1>")
	}
	ok = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello")
	}
	staleNotFound = func(w http.ResponseWriter, r *http.Request) {
		for k, v := range staleHeaders() {
			w.Header()[k] = v
		}
		delete(w.Header(), "Content-Type")
		w.WriteHeader(404)
	}
	errorCall = func(code int, message, explain string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { Error(w, r, code, message, explain) }
	}
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func TestMiddleware(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		method  string // GET if empty
		accept  string
		handler http.HandlerFunc
		// upstream headers set before the middleware runs
		upstream   http.Header
		wantStatus int
		wantCT     string // Content-Type ("" = none)
		wantPage   bool   // the body is a page of ours (checked further by the golden file)
	}{
		// Status classes: only 4xx and 5xx are replaced.
		{name: "200_passes", handler: ok, wantStatus: 200, wantCT: "text/plain; charset=utf-8"},
		{name: "204_passes", handler: bare(204), wantStatus: 204},
		{name: "301_passes", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/dir/", http.StatusMovedPermanently)
		}, wantStatus: 301, wantCT: "text/html; charset=utf-8"},
		{name: "304_passes", handler: bare(304), wantStatus: 304},
		{name: "400_bare", handler: bare(400), wantStatus: 400, wantCT: "text/html;charset=utf-8", wantPage: true},
		{name: "404_bare", handler: bare(404), wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		{name: "502_bare_body_discarded", handler: bareWithBody, wantStatus: 502, wantCT: "text/html;charset=utf-8", wantPage: true},
		{name: "599_unknown", handler: bare(599), wantStatus: 599, wantCT: "text/html;charset=utf-8", wantPage: true},
		// Validators of the content that is not there are dropped.
		{name: "404_stale_headers", handler: staleNotFound, wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		// http.Error's text (never err.Error() on the page) and http.NotFound.
		{name: "500_http_error", handler: httpError, wantStatus: 500, wantCT: "text/html;charset=utf-8", wantPage: true},
		{name: "404_http_notfound", handler: http.NotFound, wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		// Typed bodies pass through byte for byte.
		{name: "422_json_passes", handler: jsonError, accept: "application/json", wantStatus: 422, wantCT: "application/json"},
		{name: "418_custom_html_passes", handler: customHTML, wantStatus: 418, wantCT: "text/html; charset=utf-8"},
		// HEAD: headers of GET, no body.
		{name: "404_head", method: http.MethodHead, handler: bare(404), wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		// Negotiation.
		{name: "404_json", accept: "application/json", handler: bare(404), wantStatus: 404, wantCT: "application/json", wantPage: true},
		{name: "404_text", accept: "text/plain", handler: http.NotFound, wantStatus: 404, wantCT: "text/plain; charset=utf-8", wantPage: true},
		{name: "404_qvalues_text", accept: "application/json;q=0.5, text/plain;q=0.8, text/html;q=0.1", handler: bare(404), wantStatus: 404, wantCT: "text/plain; charset=utf-8", wantPage: true},
		{name: "404_qvalues_json", accept: "text/html;q=0.2, application/json", handler: bare(404), wantStatus: 404, wantCT: "application/json", wantPage: true},
		{name: "404_browser", accept: browserAccept, handler: bare(404), wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		{name: "404_any", accept: "*/*", handler: bare(404), wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		// axios and Angular: JSON named, the page only through "*/*".
		{name: "404_axios", accept: "application/json, text/plain, */*", handler: bare(404), wantStatus: 404, wantCT: "application/json", wantPage: true},
		{name: "404_text_then_any", accept: "text/plain, */*", handler: bare(404), wantStatus: 404, wantCT: "text/plain; charset=utf-8", wantPage: true},
		{name: "404_json_disabled", opts: Options{DisableNegotiation: true}, accept: "application/json", handler: bare(404), wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		// Options.
		{name: "404_custom_format", opts: Options{Format: mustParseFormat(`<p class="err">{{.Code}}: {{.Message}} ({{.Explain}})</p>` + "\n"), ContentType: "text/html; charset=utf-8"},
			handler: errorCall(404, `<File> "not" found`, ""), wantStatus: 404, wantCT: "text/html; charset=utf-8", wantPage: true},
		{name: "404_python311_format", opts: Options{Format: mustPythonFormat(python311Format)},
			handler: errorCall(404, "File not found", ""), wantStatus: 404, wantCT: "text/html;charset=utf-8", wantPage: true},
		{name: "500_codes_404_only", opts: Options{Codes: func(code int) bool { return code == 404 }}, handler: httpError, wantStatus: 500, wantCT: "text/plain; charset=utf-8"},
		// Error inside the middleware: its message, with negotiation.
		{name: "501_error_call", handler: errorCall(501, "Unsupported method ('POST')", ""), wantStatus: 501, wantCT: "text/html;charset=utf-8", wantPage: true},
		{name: "501_error_call_json", accept: "application/json", handler: errorCall(501, "Unsupported method ('POST')", ""), wantStatus: 501, wantCT: "application/json", wantPage: true},
		// The plain line looks like http.Error's body when nosniff is set
		// upstream; it is still the handler's own page, not replaced.
		{name: "404_error_call_text_nosniff", accept: "text/plain", upstream: http.Header{"X-Content-Type-Options": {"nosniff"}},
			handler: errorCall(404, "File not found", ""), wantStatus: 404, wantCT: "text/plain; charset=utf-8", wantPage: true},
		{name: "404_escaped_json_text", accept: "application/json", handler: errorCall(404, "<a>&\"\xff\n", ""), wantStatus: 404, wantCT: "application/json", wantPage: true},
		{name: "404_escaped_text", accept: "text/plain", handler: errorCall(404, "<a>&\"\xff\r\nX: y", ""), wantStatus: 404, wantCT: "text/plain; charset=utf-8", wantPage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, "/x", nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			for k, v := range tt.upstream {
				rec.Header()[k] = v
			}
			m.Handler(tt.handler).ServeHTTP(rec, req)
			res := rec.Result()
			body := readBody(t, res)

			// The same handler without the middleware.
			brec := httptest.NewRecorder()
			tt.handler.ServeHTTP(brec, httptest.NewRequest(method, "/x", nil))

			if res.StatusCode != tt.wantStatus {
				t.Errorf("%s /x: status = %d, want %d", method, res.StatusCode, tt.wantStatus)
			}
			if got := res.Header.Get("Content-Type"); got != tt.wantCT {
				t.Errorf("%s /x: Content-Type = %q, want %q", method, got, tt.wantCT)
			}
			if !tt.wantPage {
				// Passed through: byte for byte what the handler sent alone.
				if !bytes.Equal(body, brec.Body.Bytes()) {
					t.Errorf("%s /x: body = %q, want the handler's %q", method, body, brec.Body.Bytes())
				}
				return
			}
			checkHeader(t, method, res.Header, map[string]string{
				"Connection":             connectionAfter(tt.wantStatus),
				"Etag":                   "",
				"Last-Modified":          "",
				"Cache-Control":          "",
				"Content-Encoding":       "",
				"Content-Disposition":    "",
				"Trailer":                "",
				"Vary":                   map[bool]string{true: "", false: "Accept"}[tt.opts.DisableNegotiation],
				"X-Content-Type-Options": res.Header.Get("X-Content-Type-Options"),
			})
			getBody := body
			if method == http.MethodHead {
				if len(body) != 0 {
					t.Errorf("HEAD /x: body = %q, want none", body)
				}
				// Content-Length is that of GET.
				grec := httptest.NewRecorder()
				m.Handler(tt.handler).ServeHTTP(grec, httptest.NewRequest(http.MethodGet, "/x", nil))
				getBody = grec.Body.Bytes()
			}
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(getBody)) {
				t.Errorf("%s /x: Content-Length = %s, want %d", method, got, len(getBody))
			}
			if bytes.Contains(body, []byte("/etc/secret")) {
				t.Errorf("%s /x: the downstream text leaked into the page", method)
			}
			goldenfile.Check(t, filepath.Join("testdata", "TestMiddleware", tt.name+".golden"), body)
		})
	}
}

// With zero Options the middleware's page is Error's: Python's, byte for
// byte (the goldens recorded from python3).
func TestMiddlewareDefaultIsPython(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range goldenCases {
		rec := httptest.NewRecorder()
		m.Handler(errorCall(tt.code, tt.message, tt.explain)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		want, err := os.ReadFile(goldenPath(tt.name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Body.Bytes(), want) {
			t.Errorf("%s: page differs from Python's", tt.name)
		}
	}
}

// The 3.11 format through PythonFormat gives what Python 3.11's send_error
// sends (the text below is python3 3.11's
// DEFAULT_ERROR_MESSAGE % {...} for these arguments).
func TestPythonFormat(t *testing.T) {
	const want311 = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 404</p>\n        <p>Message: &lt;x&gt; 'q'.</p>\n        <p>Error code explanation: 404 - Nothing matches the given URI.</p>\n    </body>\n</html>\n"
	f, err := PythonFormat(python311Format)
	if err != nil {
		t.Fatal(err)
	}
	p := &page{format: f, contentType: defaultContentType}
	if got := string(p.body(404, "<x> 'q'", "Nothing matches the given URI")); got != want311 {
		t.Errorf("page =\n%s\nwant\n%s", got, want311)
	}

	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "%(code)d %(code)i %(code)s", want: "{{.Code}} {{.Code}} {{.Code}}"},
		{in: "100%% %(message)s", want: "100% {{.Message}}"},
		{in: "{{literal}} {%(explain)s}", want: `{{"{"}}{literal}} {{"{"}}{{.Explain}}}`},
		{in: "style { color: red }", want: "style { color: red }"},
		{in: "%(message)d", wantErr: true}, // TypeError in Python
		{in: "%(other)s", wantErr: true},   // KeyError
		{in: "%s", wantErr: true},
		{in: "%(code)5d", wantErr: true}, // widths are not supported
		{in: "%(code", wantErr: true},
		{in: "50%", wantErr: true},
	}
	for _, tt := range tests {
		got, err := pythonTemplate(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("pythonTemplate(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			continue
		}
		if _, err := PythonFormat(tt.in); (err != nil) != tt.wantErr {
			t.Errorf("PythonFormat(%q): error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil {
			// The literal braces come out as they went in.
			out := string(must(template.Must(template.New("").Parse(got)), pageData{404, "M", "E"}))
			py := strings.NewReplacer("%(code)d", "404", "%(code)i", "404", "%(code)s", "404", "%(message)s", "M", "%(explain)s", "E", "%%", "%").Replace(tt.in)
			if out != py {
				t.Errorf("PythonFormat(%q) renders %q, Python %q", tt.in, out, py)
			}
		}
	}
}

func must(t *template.Template, d pageData) []byte {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestNewErrors(t *testing.T) {
	for _, f := range []string{"{{.Code", "{{.Missing}}", "{{template \"x\"}}"} {
		if _, err := ParseFormat(f); err == nil {
			t.Errorf("ParseFormat(%q): no error", f)
		}
	}
	if _, err := New(Options{Format: &Format{}}); err == nil || !strings.Contains(err.Error(), "not made by ParseFormat") {
		t.Errorf("New(Format: &Format{}) = %v, want an error naming ParseFormat", err)
	}
	// A Content-Type of more than one line would put a header of the
	// caller's making into every error response.
	for _, ct := range []string{"text/html\r\nSet-Cookie: a=b", "text/html\nX: y", "text/html\x00"} {
		if _, err := New(Options{ContentType: ct}); err == nil || !strings.Contains(err.Error(), "not one line of text") {
			t.Errorf("New(ContentType: %q) = %v, want an error", ct, err)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Handler(nil) did not panic")
			}
		}()
		m, _ := New(Options{})
		m.Handler(nil)
	}()
}

// withAccessLog wraps h in an access log in Python's format with a fixed
// clock, and returns the buffer it writes to.
func withAccessLog(t *testing.T, h http.Handler) (http.Handler, *syncbuf.Buffer) {
	t.Helper()
	buf := &syncbuf.Buffer{}
	al, err := accesslog.New(accesslog.Options{Writer: buf, Now: func() time.Time { return time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return al.Handler(h), buf
}

// The error reaches the access log as Python's log_error line, once, before
// the request line.
func TestMiddlewareLogsError(t *testing.T) {
	m, _ := New(Options{})
	tests := []struct {
		handler http.HandlerFunc
		want    string
	}{
		{errorCall(404, "File not found", ""), "code 404, message File not found"},
		{bare(500), "code 500, message Internal Server Error"},
		{httpError, "code 500, message Internal Server Error"},
	}
	for _, tt := range tests {
		h, log := withAccessLog(t, m.Handler(tt.handler))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		code := strings.Fields(tt.want)[1]
		want := "192.0.2.1 - - [05/Mar/2024 09:07:03] " + tt.want + "\n" +
			"192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET / HTTP/1.1\" " + strings.TrimSuffix(code, ",") + " "
		if got := log.String(); !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 2 {
			t.Errorf("logged:\n%s\nwant:\n%s...", got, want)
		}
	}
	// Without the middleware, too.
	h, log := withAccessLog(t, errorCall(403, "", ""))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if got := log.String(); !strings.HasPrefix(got, "192.0.2.1 - - [05/Mar/2024 09:07:03] code 403, message Forbidden\n") {
		t.Errorf("logged %q", got)
	}
}

// opaqueWriter is a foreign wrapper without Unwrap.
type opaqueWriter struct{ http.ResponseWriter }

// Error finds the middleware and the access log in the request's context,
// so behind any wrapper of the writer: chi's, which has Unwrap, and one
// without Unwrap alike.
func TestErrorFindsMiddlewareBehindWrappers(t *testing.T) {
	m, err := New(Options{Format: mustParseFormat("<p>{{.Code}} {{.Message}}</p>\n"), DisableNegotiation: true})
	if err != nil {
		t.Fatal(err)
	}
	chiWrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(middleware.NewWrapResponseWriter(w, r.ProtoMajor), r)
		})
	}
	opaque := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(opaqueWriter{w}, r)
		})
	}
	teapot := errorCall(http.StatusTeapot, "Short & stout", "")
	const line = "192.0.2.1 - - [05/Mar/2024 09:07:03] "

	tests := []struct {
		name string
		h    http.Handler
		code int
		body string
		log  string
	}{
		{"direct", m.Handler(teapot), 418, "<p>418 Short &amp; stout</p>\n", "code 418, message Short & stout"},
		{"through chi's wrapper", m.Handler(chiWrap(chiWrap(teapot))), 418, "<p>418 Short &amp; stout</p>\n", "code 418, message Short & stout"},
		{"through a wrapper without Unwrap", m.Handler(opaque(teapot)), 418, "<p>418 Short &amp; stout</p>\n", "code 418, message Short & stout"},
		{"outside, through a wrapper without Unwrap", opaque(m.Handler(opaque(teapot))), 418, "<p>418 Short &amp; stout</p>\n", "code 418, message Short & stout"},
		// The middleware's own page for a bodiless 404.
		{"intercepted", m.Handler(opaque(bare(404))), 404, "<p>404 Not Found</p>\n", "code 404, message Not Found"},
	}
	for _, tt := range tests {
		h, log := withAccessLog(t, chiWrap(tt.h))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != tt.code || rec.Body.String() != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.name, rec.Code, rec.Body, tt.code, tt.body)
		}
		if got, want := strings.SplitAfter(log.String(), "\n")[0], line+tt.log+"\n"; got != want {
			t.Errorf("%s: logged %q, want %q", tt.name, got, want)
		}
	}
}

// A goroutine that outlives its request and then writes, sets headers,
// flushes, hijacks or sends an error page gets errors and reaches no client:
// the next response on the same connection is exactly what its own handler
// sent. Run with -race, this also shows that such a goroutine shares no
// state with later requests.
func TestLateWritesReachNoResponse(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	results := make(chan []error, 1)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/leaky" {
			go func() {
				<-release
				var errs []error
				w.Header().Set("X-Leak", "1")
				w.WriteHeader(http.StatusTeapot)
				_, err := io.WriteString(w, "LEAK")
				errs = append(errs, err)
				_, err = w.Write([]byte("LEAK"))
				errs = append(errs, err)
				_, err = io.Copy(w, strings.NewReader("LEAK"))
				errs = append(errs, err)
				errs = append(errs, http.NewResponseController(w).Flush())
				_, _, err = http.NewResponseController(w).Hijack()
				errs = append(errs, err)
				Error(w, r, http.StatusConflict, "LEAK", "")
				results <- errs
			}()
		}
		io.WriteString(w, "ok "+r.URL.Path)
	}))
	logged, log := withAccessLog(t, h)
	srv := httptest.NewServer(logged)
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	get := func(path string) string {
		t.Helper()
		if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fmt.Sprintf("%d %q X-Leak=%q", resp.StatusCode, body, resp.Header.Get("X-Leak"))
	}
	if got, want := get("/leaky"), `200 "ok /leaky" X-Leak=""`; got != want {
		t.Errorf("first response: %s, want %s", got, want)
	}
	close(release)
	errs := <-results
	for i, err := range errs {
		if err == nil {
			t.Errorf("late call %d succeeded", i)
		}
	}
	if got, want := get("/next"), `200 "ok /next" X-Leak=""`; got != want {
		t.Errorf("next response on the connection: %s, want %s", got, want)
	}
	if strings.Contains(log.String(), "LEAK") {
		t.Errorf("the late error page reached the access log:\n%s", log)
	}
}

// A custom format that fails for some codes only falls back to Python's
// page and logs why.
func TestFormatFailsAtRunTime(t *testing.T) {
	var logs bytes.Buffer
	m, err := New(Options{
		Format:             mustParseFormat(`{{if eq .Code 500}}{{index .Message 99}}{{end}}ok`),
		DisableNegotiation: true,
		Logger:             slogTo(&logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler(bare(500)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	want, _ := os.ReadFile(goldenPath("500_default"))
	if !bytes.Equal(rec.Body.Bytes(), want) || rec.Header().Get("Content-Type") != defaultContentType {
		t.Errorf("body = %q, want Python's 500 page", rec.Body)
	}
	if !strings.Contains(logs.String(), "custom format failed") {
		t.Errorf("nothing logged: %q", logs.String())
	}
}

// Over real servers (HTTP/1.1 and HTTP/2), the wrapper keeps streaming,
// ReadFrom, Flush and Hijack working.
func TestMiddlewareOverHTTP(t *testing.T) {
	dir := t.TempDir()
	content := bytes.Repeat([]byte("abcdefgh"), 8192)
	if err := os.WriteFile(filepath.Join(dir, "f.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{}, 1)
	flushErr := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		flushErr <- http.NewResponseController(w).Flush()
		<-release
		io.WriteString(w, "second\n")
	})
	mux.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(filepath.Join(dir, "f.bin"))
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		fi, _ := f.Stat()
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "f.bin", fi.ModTime(), f)
	})
	mux.HandleFunc("/upgrade", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, "cannot upgrade", http.StatusHTTPVersionNotSupported)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo: " + line)
		brw.Flush()
	})
	handler := m.Handler(mux)

	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		t.Run(proto, func(t *testing.T) {
			ts := startServer(t, handler, proto)
			client := ts.Client()

			// 200 then more bytes: streamed, not buffered.
			res, err := client.Get(ts.URL + "/stream")
			if err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(res.Body).ReadString('\n')
			if err != nil || line != "first\n" || res.StatusCode != 200 {
				t.Fatalf("GET /stream: first line = %q, %v, status %d; want it before the handler ends", line, err, res.StatusCode)
			}
			if err := <-flushErr; err != nil {
				t.Errorf("GET /stream: ResponseController.Flush = %v, want nil", err)
			}
			release <- struct{}{}
			res.Body.Close()

			// A file through ReadFrom: all of it, Content-Length right.
			res, err = client.Get(ts.URL + "/file")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !bytes.Equal(body, content) || res.ContentLength != int64(len(content)) {
				t.Errorf("GET /file: status %d, %d bytes, Content-Length %d; want 200, %d", res.StatusCode, len(body), res.ContentLength, len(content))
			}

			// A missing route: the mux's http.NotFound becomes the page.
			res, err = client.Get(ts.URL + "/missing")
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			want, _ := os.ReadFile(goldenPath("404_default"))
			if res.StatusCode != 404 || !bytes.Equal(body, want) {
				t.Errorf("GET /missing: status %d, body %q; want Python's 404 page", res.StatusCode, body)
			}

			// A WebSocket-style upgrade (HTTP/1.1 only; over HTTP/2 the
			// handler's 505 http.Error becomes the page).
			req, _ := http.NewRequest("GET", ts.URL+"/upgrade", nil)
			if proto == "HTTP/1.1" { // the HTTP/2 client refuses to send them
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", "echo")
			}
			res, err = client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if proto == "HTTP/2" {
				b, _ := io.ReadAll(res.Body)
				if res.StatusCode != 505 || !bytes.Contains(b, []byte("<p>Error code: 505</p>")) {
					t.Errorf("HTTP/2 upgrade: status %d, body %q", res.StatusCode, b)
				}
				return
			}
			if res.StatusCode != 101 {
				t.Fatalf("upgrade: status = %d, want 101", res.StatusCode)
			}
			rw := res.Body.(io.ReadWriter)
			io.WriteString(rw, "ping\n")
			line, err = bufio.NewReader(rw).ReadString('\n')
			if err != nil || line != "echo: ping\n" {
				t.Errorf("upgrade: echo = %q, %v", line, err)
			}
		})
	}
}

// readFromRecorder records whether ReadFrom reached it: the sendfile guard.
type readFromRecorder struct {
	*httptest.ResponseRecorder
	calls int
}

func (w *readFromRecorder) ReadFrom(r io.Reader) (int64, error) {
	w.calls++
	return io.Copy(struct{ io.Writer }{w.ResponseRecorder}, r)
}

func TestMiddlewareReadFromReachesInner(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(strings.Repeat("z", 3000))
	m, _ := New(Options{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		http.ServeContent(w, r, "f", time.Time{}, f)
	}))
	inner := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(inner, httptest.NewRequest("GET", "/f", nil))
	if inner.calls != 1 || inner.Body.Len() != 3000 {
		t.Errorf("inner ReadFrom calls = %d, body %d bytes; want 1, 3000", inner.calls, inner.Body.Len())
	}
}

// Benchmark1KiB compares a 200 response of 1 KiB through the middleware
// with the bare handler.
func Benchmark1KiB(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 1024)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(payload)
	})
	m, _ := New(Options{})
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", h}, {"middleware", m.Handler(h)}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/", nil)
			w := discardWriter{http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(w, req)
			}
		})
	}
	// Over a real HTTP/1.1 connection (keep-alive), where the overhead
	// is measured against a whole request.
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"server/bare", h}, {"server/middleware", m.Handler(h)}} {
		b.Run(bc.name, func(b *testing.B) {
			ts := httptest.NewServer(bc.h)
			defer ts.Close()
			client := ts.Client()
			b.ReportAllocs()
			for b.Loop() {
				res, err := client.Get(ts.URL)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func TestAddVary(t *testing.T) {
	tests := []struct {
		name string
		have []string // nil: no Vary header
		want []string
	}{
		{"none", nil, []string{"Accept"}},
		// One line: nginx before 1.23 keys its cache on the last alone.
		{"another", []string{"Origin"}, []string{"Origin, Accept"}},
		{"two lines", []string{"Origin", "Accept-Encoding"}, []string{"Origin, Accept-Encoding, Accept"}},
		{"in a list", []string{"Origin, accept"}, []string{"Origin, accept"}},
		{"star", []string{"*"}, []string{"*"}},
		{"blank", []string{""}, []string{"Accept"}}, // -H 'Vary:'; not ", Accept"
		{"blank and another", []string{" ", "Origin"}, []string{"Origin, Accept"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.have != nil {
				h["Vary"] = slices.Clone(tt.have)
			}
			addVary(h, "Accept")
			if !slices.Equal(h["Vary"], tt.want) {
				t.Errorf("Vary = %q, want %q", h["Vary"], tt.want)
			}
			// The value shared between responses stays as it is.
			h["Vary"] = append(h["Vary"], "X")
			if !slices.Equal(varyAccept, []string{"Accept"}) {
				t.Fatalf("varyAccept = %q after an append to a response's Vary", varyAccept)
			}
		})
	}
}

// TestCloseAfterError: by default an HTTP/1.x connection is kept after an
// error, but for those nginx closes on; with CloseAfterError every error
// closes it, as in Python.
func TestCloseAfterError(t *testing.T) {
	for _, closeAfter := range []bool{false, true} {
		m, err := New(Options{CloseAfterError: closeAfter})
		if err != nil {
			t.Fatal(err)
		}
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
			if r.URL.Query().Has("error") {
				Error(w, r, code, "", "")
				return
			}
			w.WriteHeader(code) // intercepted: no body of its own
		}))
		for _, code := range []int{400, 401, 403, 404, 405, 410, 413, 414, 416, 431, 500, 501, 502, 503} {
			want := closeAfter || code == 400 || code == 413 || code == 414 || code == 431 || code == 500 || code == 501
			for _, target := range []string{"/" + strconv.Itoa(code), "/" + strconv.Itoa(code) + "?error"} {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
				if got := rec.Header().Get("Connection") == "close"; got != want || rec.Code != code {
					t.Errorf("CloseAfterError %v, GET %s: status %d, Connection: close %v, want %d, %v", closeAfter, target, rec.Code, got, code, want)
				}
			}
		}
	}
	// Error without a middleware keeps the connection too.
	for code, want := range map[int]bool{404: false, 403: false, 400: true, 500: true} {
		rec := httptest.NewRecorder()
		Error(rec, httptest.NewRequest("GET", "/", nil), code, "", "")
		if got := rec.Header().Get("Connection") == "close"; got != want {
			t.Errorf("Error(%d) outside a middleware: Connection: close %v, want %v", code, got, want)
		}
	}
	// An error to a request with a body closes: the handler may have
	// refused it unread (401, 409).
	for _, code := range []int{401, 404, 409} {
		for _, body := range []io.Reader{strings.NewReader("x=1"), io.MultiReader(strings.NewReader("x=1"))} { // sized; chunked
			rec := httptest.NewRecorder()
			Error(rec, httptest.NewRequest("PUT", "/", body), code, "", "")
			if rec.Header().Get("Connection") != "close" {
				t.Errorf("Error(%d) for a PUT with a body: Connection %q, want close", code, rec.Header().Get("Connection"))
			}
		}
	}

	// Over a real connection: two 404s on one connection.
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(http.NotFoundHandler()))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	for i := range 2 {
		if _, err := io.WriteString(conn, "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 404 || resp.Close || !bytes.Contains(body, []byte("Error code: 404")) {
			t.Errorf("request %d: %d, close %v, body %q; want Python's 404 page, connection kept", i+1, resp.StatusCode, resp.Close, body)
		}
	}
}

// TestRecover: a panic of the wrapped handler becomes Python's 500 page
// with a "code 500" access-log line, and its value and stack reach the
// Logger once (net/http logs nothing); after part of the response went out
// the connection is cut instead; http.ErrAbortHandler is passed on, and
// DisableRecovery passes every panic on.
func TestRecover(t *testing.T) {
	page500, err := os.ReadFile(goldenPath("500_default"))
	if err != nil {
		t.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/before":
			w.Header().Set("Etag", `"x"`)
			panic("boom before")
		case "/after":
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic("boom after")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
	})
	var diag syncbuf.Buffer
	m, err := New(Options{DisableNegotiation: true, Logger: slogTo(&diag)})
	if err != nil {
		t.Fatal(err)
	}
	logged, access := withAccessLog(t, m.Handler(handler))
	srv := httptest.NewUnstartedServer(logged)
	var serverLog syncbuf.Buffer
	srv.Config.ErrorLog = log.New(&serverLog, "", 0)
	srv.Start()
	defer srv.Close()

	res, err := http.Get(srv.URL + "/before")
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, res)
	res.Body.Close()
	if res.StatusCode != 500 || !bytes.Equal(body, page500) || !res.Close ||
		res.Header.Get("Etag") != "" || res.Header.Get("Content-Type") != defaultContentType {
		t.Errorf("GET /before: %d %v\n%s\nwant Python's 500 page with Connection: close", res.StatusCode, res.Header, body)
	}
	wantLog := "127.0.0.1 - - [05/Mar/2024 09:07:03] code 500, message Internal Server Error\n" +
		"127.0.0.1 - - [05/Mar/2024 09:07:03] \"GET /before HTTP/1.1\" 500 " + strconv.Itoa(len(page500)) + "\n"
	if got := access.String(); got != wantLog {
		t.Errorf("access log:\n%s\nwant:\n%s", got, wantLog)
	}

	res, err = http.Get(srv.URL + "/after")
	if err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	if err == nil {
		t.Error("GET /after: the cut-off response looked whole")
	}

	// Recovered panics are logged once each, with their stack.
	d := diag.String()
	if strings.Count(d, `msg="errorpage: handler panicked"`) != 2 || !strings.Contains(d, `panic="boom before"`) ||
		!strings.Contains(d, `panic="boom after"`) || strings.Count(d, "runtime/debug.Stack()") != 2 {
		t.Errorf("diagnostics:\n%s\nwant two records with value and stack", d)
	}
	if s := serverLog.String(); s != "" {
		t.Errorf("net/http logged:\n%s", s)
	}

	// Not recovered: http.ErrAbortHandler, and anything with DisableRecovery.
	mustPanic := func(h http.Handler, path string, want any) {
		t.Helper()
		defer func() {
			if v := recover(); v != want {
				t.Errorf("GET %s: panic %v, want %v", path, v, want)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	mustPanic(m.Handler(handler), "/abort", http.ErrAbortHandler)
	off, err := New(Options{DisableRecovery: true, Logger: slogTo(&diag)})
	if err != nil {
		t.Fatal(err)
	}
	mustPanic(off.Handler(handler), "/before", "boom before")
	if strings.Count(diag.String(), "handler panicked") != 2 {
		t.Errorf("a panic that was passed on was logged:\n%s", diag.String())
	}
}

// A handler that sends an invalid status (one left at 0) panics in
// WriteHeader, as it would without the middleware, and has sent nothing: the
// client gets the 500 page, and the access log 500, not a cut connection.
func TestInvalidStatusRecovered(t *testing.T) {
	page500, err := os.ReadFile(goldenPath("500_default"))
	if err != nil {
		t.Fatal(err)
	}
	var diag syncbuf.Buffer
	m, err := New(Options{DisableNegotiation: true, Logger: slogTo(&diag)})
	if err != nil {
		t.Fatal(err)
	}
	logged, access := withAccessLog(t, m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var status int // never set
		w.WriteHeader(status)
	})))
	srv := httptest.NewServer(logged)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, res)
	res.Body.Close()
	if res.StatusCode != 500 || !bytes.Equal(body, page500) {
		t.Errorf("got %d %q, want Python's 500 page", res.StatusCode, body)
	}
	if got, want := access.String(), "127.0.0.1 - - [05/Mar/2024 09:07:03] \"GET / HTTP/1.1\" 500 "+strconv.Itoa(len(page500))+"\n"; !strings.HasSuffix(got, want) {
		t.Errorf("access log:\n%s\nwant it to end with:\n%s", got, want)
	}
	if d := diag.String(); !strings.Contains(d, `panic="invalid WriteHeader code 0"`) {
		t.Errorf("diagnostics:\n%s\nwant net/http's panic", d)
	}
}

// Nested middlewares: Error inside the inner one renders with the inner's
// options, and Error in the outer's handler after the inner has returned
// renders with the outer's again (the inner's writer is finished by then).
func TestNestedMiddlewares(t *testing.T) {
	outer, err := New(Options{Format: mustParseFormat("<p>outer {{.Code}}</p>\n"), DisableNegotiation: true})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := New(Options{Format: mustParseFormat("<p>inner {{.Code}}</p>\n"), DisableNegotiation: true})
	if err != nil {
		t.Fatal(err)
	}
	var innerBody string
	h := outer.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		inner.Handler(errorCall(http.StatusGone, "", "")).ServeHTTP(rec, r)
		innerBody = rec.Body.String()
		Error(w, r, http.StatusTeapot, "", "")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if innerBody != "<p>inner 410</p>\n" || rec.Code != 418 || rec.Body.String() != "<p>outer 418</p>\n" {
		t.Errorf("inner page %q, outer %d %q; want the inner's 410 and the outer's 418", innerBody, rec.Code, rec.Body)
	}
}

// An Accept sent over several header lines is one list (RFC 9110
// section 5.3): its preference on the second line counts.
func TestAcceptOverSeveralLines(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header["Accept"] = []string{"text/html;q=0.1", "application/json"}
	m.Handler(bare(404)).ServeHTTP(w, r)
	if ct := w.Header().Get("Content-Type"); w.Code != 404 || ct != "application/json" {
		t.Errorf("%d %q, want 404 application/json", w.Code, ct)
	}
}

// gzipAll is a compressing middleware in the style of gorilla/handlers'
// CompressHandler: it sets Content-Encoding before it calls the handler,
// and compresses everything written through the writer it passes on.
func gzipAll(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		defer gz.Close()
		next.ServeHTTP(gzipWriter{w, gz}, r)
	})
}

type gzipWriter struct {
	http.ResponseWriter
	gz *gzip.Writer
}

func (w gzipWriter) Write(p []byte) (int, error) { return w.gz.Write(p) }

func (w gzipWriter) WriteHeader(code int) {
	w.Header().Del("Content-Length")
	w.ResponseWriter.WriteHeader(code)
}

// Behind a middleware that compresses every response and set
// Content-Encoding before the error-page middleware ran, the page goes
// out compressed, so the header must stay: without it the client gets
// gzip bytes it takes for the page itself. A Content-Encoding that the
// wrapped handler set for the content the error replaces still goes.
func TestOuterContentEncodingKept(t *testing.T) {
	m, err := New(Options{DisableNegotiation: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	precompressed := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			w.WriteHeader(code)
		})
	}
	panics := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	for _, tt := range []struct {
		name string
		h    http.Handler
		code int
	}{
		{"intercepted", gzipAll(m.Handler(http.NotFoundHandler())), 404},
		{"Error", gzipAll(m.Handler(errorCall(http.StatusForbidden, "", ""))), 403},
		{"recovered panic", gzipAll(m.Handler(panics)), 500},
		{"set inside too", gzipAll(m.Handler(precompressed(http.StatusNotFound))), 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if ce := rec.Header().Get("Content-Encoding"); rec.Code != tt.code || ce != "gzip" {
				t.Fatalf("%d, Content-Encoding %q; want %d gzip", rec.Code, ce, tt.code)
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			phrase, explain := StatusText(tt.code)
			if want := defaultPage.body(tt.code, phrase, explain); !bytes.Equal(body, want) {
				t.Errorf("decoded body = %q, want the page %q", body, want)
			}
		})
	}

	// Without a compressing middleware outside, the handler's own
	// Content-Encoding goes with the content it was for.
	rec := httptest.NewRecorder()
	m.Handler(precompressed(http.StatusNotFound)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if ce, ok := rec.Header()["Content-Encoding"]; rec.Code != 404 || ok {
		t.Errorf("%d, Content-Encoding %q; want 404 and none", rec.Code, ce)
	}
}

// The same holds for the validators and Cache-Control: set outside the
// middleware before the handler runs (chi's NoCache, the command's -H),
// they are meant for every response and stay on the page; set by the
// handler, they were for the content the error replaces and go.
func TestOuterCacheHeadersKept(t *testing.T) {
	m, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	noCache := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache, private, max-age=0")
			next.ServeHTTP(w, r)
		})
	}
	stale := func(send func(http.ResponseWriter, *http.Request)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Cache-Control", "max-age=60")
			h.Set("Etag", `"v1"`)
			h.Set("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
			send(w, r)
		})
	}
	bare := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }
	viaError := func(w http.ResponseWriter, r *http.Request) { Error(w, r, http.StatusNotFound, "", "") }
	for _, tt := range []struct {
		name  string
		h     http.Handler
		cache []string
	}{
		{"outer, intercepted", noCache(m.Handler(stale(bare))), []string{"no-cache, private, max-age=0"}},
		{"outer, Error", noCache(m.Handler(stale(viaError))), []string{"no-cache, private, max-age=0"}},
		{"inner only, intercepted", m.Handler(stale(bare)), nil},
		{"inner only, Error", m.Handler(stale(viaError)), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			h := rec.Result().Header
			if rec.Code != http.StatusNotFound || !slices.Equal(h["Cache-Control"], tt.cache) {
				t.Errorf("%d, Cache-Control %q; want 404, %q", rec.Code, h["Cache-Control"], tt.cache)
			}
			if h["Etag"] != nil || h["Last-Modified"] != nil {
				t.Errorf("the handler's validators went out with the page: ETag %q, Last-Modified %q", h["Etag"], h["Last-Modified"])
			}
			if ct := h.Get("Content-Type"); ct != "text/html;charset=utf-8" {
				t.Errorf("Content-Type %q: not the page", ct)
			}
		})
	}
}

// A panic that the middleware passes on (DisableRecovery, or
// http.ErrAbortHandler) ends the handler as a return does: a goroutine it
// started cannot write into the response that a recoverer outside sends
// (such as chi's Recoverer), nor, once net/http has reused its buffers, into
// another one.
func TestLateWritesAfterPassedOnPanic(t *testing.T) {
	off, err := New(Options{DisableRecovery: true})
	if err != nil {
		t.Fatal(err)
	}
	on, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		m     *Middleware
		panic any
	}{
		{"DisableRecovery", off, "boom"},
		{"ErrAbortHandler", on, http.ErrAbortHandler},
	} {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			result := make(chan error, 1)
			inner := tt.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				go func() {
					<-release
					_, err := io.WriteString(w, "LEAK")
					result <- err
				}()
				panic(tt.panic)
			}))
			// A recoverer outside, as chi's Recoverer (quieter).
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer func() {
					if recover() != nil {
						w.WriteHeader(http.StatusInternalServerError)
					}
				}()
				inner.ServeHTTP(w, r)
			})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			close(release)
			if err := <-result; err == nil || strings.Contains(rec.Body.String(), "LEAK") {
				t.Errorf("late write: %v, response %d %q; want an error and nothing written", err, rec.Code, rec.Body)
			}
		})
	}
}

// A custom page of another type than HTML stands for that type in the
// negotiation: with a JSON Format and ContentType, a client asking for
// JSON gets the custom page, not the built-in JSON, and one asking for
// text gets the built-in line.
func TestCustomPageTypeNegotiated(t *testing.T) {
	f, err := ParseFormat(`{"status":{{.Code}}}`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Options{Format: f, ContentType: "application/json; charset=utf-8"})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.NotFoundHandler())
	for _, tt := range []struct{ accept, ctype, body string }{
		{"application/json", "application/json; charset=utf-8", `{"status":404}`},
		{"", "application/json; charset=utf-8", `{"status":404}`},
		{"text/html", "application/json; charset=utf-8", `{"status":404}`},
		{"text/plain", "text/plain; charset=utf-8", "404 Not Found: Nothing matches the given URI.\n"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 404 || rec.Header().Get("Content-Type") != tt.ctype || rec.Body.String() != tt.body {
			t.Errorf("Accept %q: %d %q %q, want 404 %q %q", tt.accept, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), tt.ctype, tt.body)
		}
	}
}

// A handler that ends with runtime.Goexit (t.FailNow in a test server)
// has not returned, yet it is over as much as after a return or a panic:
// a goroutine it started cannot write into the response, with recovery on
// (the default) as with it off.
func TestLateWritesAfterGoexit(t *testing.T) {
	for _, opts := range []Options{{}, {DisableRecovery: true}} {
		m, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		result := make(chan error, 1)
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			go func() {
				<-release
				_, err := io.WriteString(w, "LEAK")
				result <- err
			}()
			runtime.Goexit()
		}))
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		}()
		<-done
		close(release)
		if err := <-result; err == nil || strings.Contains(rec.Body.String(), "LEAK") {
			t.Errorf("DisableRecovery %v: late write: %v, response %q; want an error and nothing written", opts.DisableRecovery, err, rec.Body)
		}
	}
}

// The text/plain page stays one line: C0 controls, DEL and C1 controls
// become spaces, and the characters next to those ranges are kept.
func TestTextPageControlCharacters(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("Accept", "text/plain")
	rec := httptest.NewRecorder()
	m.Handler(errorCall(404, "a\x1fb c~d\x7fe\u0080f\u009fg\u00a0h", "\u00a1")).ServeHTTP(rec, req)
	want := "404 a b c~d e f g\u00a0h: \u00a1.\n"
	if got := rec.Body.String(); rec.Code != 404 || got != want {
		t.Errorf("got %d %q, want 404 %q", rec.Code, got, want)
	}
}

// A handler's own page is passed on whatever its status, when its
// Content-Type is not the plain text of http.Error: here an HTML page
// behind X-Content-Type-Options: nosniff.
func TestOwnPageWithNosniffPassed(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	own := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(404)
		io.WriteString(w, "<p>mine</p>")
	}
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(own)).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 404 || rec.Body.String() != "<p>mine</p>" || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("got %d %v %q, want the handler's own page", rec.Code, rec.Header(), rec.Body)
	}
}

// A panic after part of a response without Content-Length went out cuts
// the connection: the client must not take the part for the whole.
func TestRecoverAfterChunkedPart(t *testing.T) {
	m, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("boom")
	})))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		t.Errorf("GET: %d %q read whole, want the connection cut", res.StatusCode, body)
	}
}

// TestBodilessErrorKept: a bodiless code sent with Error (204, 304)
// inside a middleware whose Codes take every code, directly or behind
// http.TimeoutHandler, is the handler's own: the middleware sends it as
// it is, and the access log has its message once, not a second line with
// the code's default message for a page the middleware sent again.
func TestBodilessErrorKept(t *testing.T) {
	m, err := New(Options{Codes: func(int) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []int{http.StatusNoContent, http.StatusNotModified} {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Mine", "1")
			Error(w, r, code, "Mine", "")
		})
		for name, next := range map[string]http.Handler{"direct": inner, "behind TimeoutHandler": http.TimeoutHandler(inner, time.Hour, "")} {
			h, log := withAccessLog(t, m.Handler(next))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			want := "192.0.2.1 - - [05/Mar/2024 09:07:03] code " + strconv.Itoa(code) + ", message Mine\n" +
				"192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET / HTTP/1.1\" " + strconv.Itoa(code) + " -\n"
			if rec.Code != code || rec.Body.Len() != 0 || rec.Header().Get("X-Mine") != "1" || rec.Header().Get("Content-Type") != "" || log.String() != want {
				t.Errorf("%s, Error %d: %d %v %q, logged:\n%swant %d with X-Mine, no body, logged:\n%s", name, code, rec.Code, rec.Header(), rec.Body, log, code, want)
			}
		}
	}
}

// headerHook calls f on each call of Header.
type headerHook struct {
	http.ResponseWriter
	f func()
}

func (w headerHook) Header() http.Header {
	w.f()
	return w.ResponseWriter.Header()
}

// TestLateWritesWhileThePageGoesOut: once the handler has returned, a
// goroutine it started cannot reach the response while the middleware
// sends the page for its bodiless 404: neither a header set then nor a
// write goes out with the page (nor, in real time, races with its
// writing the same header map).
func TestLateWritesWhileThePageGoesOut(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var returned, fired atomic.Bool
	release := make(chan struct{})
	result := make(chan error, 1)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer returned.Store(true)
		go func() {
			<-release
			w.Header().Set("X-Late", "1")
			_, err := io.WriteString(w, "LEAK")
			result <- err
		}()
		w.WriteHeader(http.StatusNotFound)
	}))
	rec := httptest.NewRecorder()
	var lateErr error
	// The middleware looks at the header to send the page: the goroutine
	// runs then, and is done before the page goes on.
	w := headerHook{rec, func() {
		if returned.Load() && !fired.Swap(true) {
			close(release)
			lateErr = <-result
		}
	}}
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !fired.Load() {
		t.Fatal("the middleware sent the page without looking at the header")
	}
	if lateErr == nil || rec.Code != 404 || rec.Header().Get("X-Late") != "" || strings.Contains(rec.Body.String(), "LEAK") || !strings.Contains(rec.Body.String(), "<p>Error code: 404</p>") {
		t.Errorf("late write: %v; got %d %v %q; want an error, and the 404 page without X-Late", lateErr, rec.Code, rec.Header(), rec.Body)
	}
}

// A page served again comes from the cache with its log line: each
// response logs its own code and message, whatever the page (HTML, JSON,
// text), when the texts are too long to be cached, and for a code with no
// page at all.
func TestMiddlewareLogsRepeatedErrors(t *testing.T) {
	m, _ := New(Options{})
	long := strings.Repeat("m", maxCachedText+1)
	tests := []struct {
		code          int
		message, want string
	}{
		{404, "File not found", "code 404, message File not found"},
		{404, "", "code 404, message Not Found"},
		{404, "Gone away", "code 404, message Gone away"},
		{500, "File not found", "code 500, message File not found"},
		{404, long, "code 404, message " + long},
		{304, "", "code 304, message Not Modified"},
	}
	for _, accept := range []string{"", "application/json", "text/plain"} {
		for round := range 3 {
			for _, tt := range tests {
				h, log := withAccessLog(t, m.Handler(errorCall(tt.code, tt.message, "")))
				r := httptest.NewRequest("GET", "/", nil)
				if accept != "" {
					r.Header.Set("Accept", accept)
				}
				h.ServeHTTP(httptest.NewRecorder(), r)
				want := "192.0.2.1 - - [05/Mar/2024 09:07:03] " + tt.want + "\n"
				if got := log.String(); !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 2 {
					t.Errorf("Accept %q, round %d: logged:\n%.200s\nwant:\n%.200s", accept, round, got, want)
				}
			}
		}
	}
}

// TestCodesAskedOfErrorsOnly: a Codes written as "every code but 404"
// replaces a bodiless 500 and lets the 404 through, but leaves the
// successful responses alone: a 200 whose type net/http sniffs, and one
// after a 103 Early Hints, keep their status and bytes instead of
// becoming a page that says "Error code: 200".
func TestCodesAskedOfErrorsOnly(t *testing.T) {
	m, err := New(Options{Codes: func(code int) bool { return code != http.StatusNotFound }})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hints":
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
		case "/404":
			w.WriteHeader(http.StatusNotFound)
		case "/500":
			w.WriteHeader(http.StatusInternalServerError)
		}
		io.WriteString(w, "<p>hello</p>")
	}))
	for _, tc := range []struct {
		path     string
		code     int
		body, ct string
	}{
		{"/", 200, "<p>hello</p>", "text/html; charset=utf-8"},
		{"/hints", 200, "<p>hello</p>", "text/html; charset=utf-8"},
		{"/404", 404, "<p>hello</p>", "text/html; charset=utf-8"},
		{"/500", 500, "", "text/html;charset=utf-8"},
	} {
		srv := httptest.NewServer(h)
		res, err := srv.Client().Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		if tc.body == "" {
			if !strings.Contains(string(body), "Error code: 500") {
				t.Errorf("GET %s: %d %q, want the page of 500", tc.path, res.StatusCode, body)
			}
		} else if string(body) != tc.body {
			t.Errorf("GET %s: body %q, want %q", tc.path, body, tc.body)
		}
		if res.StatusCode != tc.code || res.Header.Get("Content-Type") != tc.ct {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.code, tc.ct)
		}
	}
}

// A handler that declares trailer fields (a checksum of a download) and
// fails: the page that replaces its response carries neither the fields
// it declared, as headers, nor those set through http.TrailerPrefix, which
// HTTP/2 would send as the page's trailers.
func TestPageDropsTrailerFields(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	handler := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum, X-Count")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "partial")
		w.Header().Set("X-Checksum", "sha256:abc")
		w.Header().Set("X-Count", "7")
		w.Header().Set(http.TrailerPrefix+"X-Late", "1")
		w.Header().Set("X-Request-Id", "r1")
	}))
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		t.Run(proto, func(t *testing.T) {
			ts := startServer(t, handler, proto)
			res, err := ts.Client().Get(ts.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 500 || !bytes.Contains(body, []byte("Error code: 500")) {
				t.Fatalf("status %d, body %q; want the 500 page", res.StatusCode, body)
			}
			for _, k := range []string{"Trailer", "X-Checksum", "X-Count", "X-Late"} {
				if v, ok := res.Header[k]; ok {
					t.Errorf("page header %s: %q, want none", k, v)
				}
			}
			if len(res.Trailer) != 0 {
				t.Errorf("page trailers %v, want none", res.Trailer)
			}
			if got := res.Header.Get("X-Request-Id"); got != "r1" {
				t.Errorf("X-Request-Id = %q, want r1 (kept)", got)
			}
		})
	}
}

// startServer serves handler over proto, "HTTP/1.1" (plain) or "HTTP/2"
// (TLS), until the test ends.
func startServer(t *testing.T, handler http.Handler, proto string) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(handler)
	if proto == "HTTP/2" {
		ts.EnableHTTP2 = true
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts
}

// Error with a 1xx code sends an informational response; the handler
// still owes the final one, which must come out as if Error had not been
// called: with the header the handler set for it, and as the page when it
// is a bodiless error.
func TestErrorInformationalLeavesFinalResponse(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		final func(w http.ResponseWriter)
		want  []string // in the final response
	}{
		{"200", func(w http.ResponseWriter) { io.WriteString(w, "body{}") },
			[]string{"HTTP/1.1 200 OK\r\n", "Content-Type: text/css\r\n", "Etag: \"v1\"\r\n", "Cache-Control: max-age=60\r\n", "\r\n\r\nbody{}"}},
		{"404", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) },
			[]string{"HTTP/1.1 404 Not Found\r\n", "Content-Type: text/html;charset=utf-8\r\n", "<p>Error code: 404</p>"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h := w.Header()
				h.Set("Link", "</a.css>; rel=preload")
				h.Set("Etag", `"v1"`)
				h.Set("Cache-Control", "max-age=60")
				if tt.name == "200" {
					h.Set("Content-Type", "text/css")
				}
				Error(w, r, http.StatusEarlyHints, "", "")
				tt.final(w)
			})))
			defer ts.Close()
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			b, err := io.ReadAll(conn)
			if err != nil {
				t.Fatal(err)
			}
			hints, final, ok := strings.Cut(string(b), "\r\n\r\n")
			if !ok || !strings.HasPrefix(hints, "HTTP/1.1 103 Early Hints\r\n") || !strings.Contains(hints, "Link: </a.css>; rel=preload") {
				t.Fatalf("response %q: want a 103 with the Link first", b)
			}
			for _, w := range tt.want {
				if !strings.Contains(final, w) {
					t.Errorf("final response %q: want %q in it", final, w)
				}
			}
		})
	}
}

// An inner middleware's own page of type text/plain; charset=utf-8 (its
// ContentType) behind X-Content-Type-Options: nosniff is the inner's
// page, not http.Error's: an outer middleware passes it on as it is.
func TestNestedPlainTextPageKept(t *testing.T) {
	outer, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := New(Options{
		Format:             mustParseFormat("inner {{.Code}} {{.Message}}\n"),
		ContentType:        "text/plain; charset=utf-8",
		DisableNegotiation: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	nosniff := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Content-Type-Options", "nosniff")
			next.ServeHTTP(w, r)
		})
	}
	h := nosniff(outer.Handler(inner.Handler(http.NotFoundHandler())))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/x", nil))
	if rec.Code != 404 || rec.Body.String() != "inner 404 Not Found\n" || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("got %d %v %q, want the inner middleware's page", rec.Code, rec.Header(), rec.Body)
	}
}

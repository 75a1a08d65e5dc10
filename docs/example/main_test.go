package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/simplehttp/simplehttp/cgi"
)

// The CGI scripts of TestPythonServer are started through the test binary.
func TestMain(m *testing.M) {
	cgi.MaybeRunLauncher()
	os.Exit(m.Run())
}

// logBuffer collects log lines from the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// text returns what was logged, with the time stamps as [T].
func (l *logBuffer) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return regexp.MustCompile(`\[\d\d/\w\w\w/\d{4} \d\d:\d\d:\d\d\]`).ReplaceAllString(l.b.String(), "[T]")
}

type result struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, srv *httptest.Server, path string, header map[string]string) result {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Close {
		res.Header.Set("Connection", "close") // net/http takes it out
	}
	return result{res.StatusCode, res.Header, string(body)}
}

func check(t *testing.T, what string, got result, status int, header map[string]string, body string) {
	t.Helper()
	if got.status != status {
		t.Errorf("%s: status %d, want %d", what, got.status, status)
	}
	for k, v := range header {
		if g := got.header.Get(k); g != v {
			t.Errorf("%s: %s = %q, want %q", what, k, g, v)
		}
	}
	if !strings.Contains(got.body, body) || (body == "" && got.body != "") {
		t.Errorf("%s: body %q, want %q in it", what, got.body, body)
	}
}

func TestAssetsApp(t *testing.T) {
	var log logBuffer
	h, closeAll, err := newAssetsApp(&log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	index, _ := static.ReadFile("static/index.html")
	css, _ := static.ReadFile("static/css/site.css")

	check(t, "GET /assets/", get(t, srv, "/assets/", nil), 200,
		map[string]string{"Content-Type": "text/html", "Content-Length": "173"}, string(index))
	res := get(t, srv, "/assets/css/site.css", nil)
	check(t, "GET /assets/css/site.css", res, 200, map[string]string{"Content-Type": "text/css"}, string(css))
	etag := res.header.Get("Etag")
	if etag == "" {
		t.Fatal("no ETag on an embedded file")
	}
	check(t, "GET /assets/css/site.css If-None-Match", get(t, srv, "/assets/css/site.css", map[string]string{"If-None-Match": etag}),
		304, map[string]string{"Etag": etag, "Content-Type": ""}, "")
	// ServeMux itself redirects to the subtree it has a pattern for: with
	// 307 from Go 1.26 on, 301 before (the app's go.mod allows Go 1.24),
	// as a bare ServeMux answers.
	bare := http.NewServeMux()
	bare.Handle("/assets/", http.NotFoundHandler())
	redirect := httptest.NewRecorder()
	bare.ServeHTTP(redirect, httptest.NewRequest("GET", "/assets", nil))
	check(t, "GET /assets", get(t, srv, "/assets", nil), redirect.Code, map[string]string{"Location": "/assets/"}, redirect.Body.String())
	check(t, "GET /api/hello", get(t, srv, "/api/hello", nil), 200, map[string]string{"Content-Type": "application/json"}, `{"hello":"world"}`+"\n")
	// The mux's own 404, as Python's page; the connection is kept.
	check(t, "GET /nope", get(t, srv, "/nope", nil), 404,
		map[string]string{"Content-Type": "text/html;charset=utf-8", "Connection": ""},
		"<p>Message: Not Found.</p>")

	srv.Close()
	if err := closeAll(); err != nil {
		t.Fatal(err)
	}
	want := `127.0.0.1 - - [T] "GET /assets/ HTTP/1.1" 200 173
127.0.0.1 - - [T] "GET /assets/css/site.css HTTP/1.1" 200 34
127.0.0.1 - - [T] "GET /assets/css/site.css HTTP/1.1" 304 -
127.0.0.1 - - [T] "GET /assets HTTP/1.1" ` + fmt.Sprintf("%d %d", redirect.Code, redirect.Body.Len()) + `
127.0.0.1 - - [T] "GET /api/hello HTTP/1.1" 200 18
127.0.0.1 - - [T] code 404, message Not Found
127.0.0.1 - - [T] "GET /nope HTTP/1.1" 404 455
`
	if got := log.text(); got != want {
		t.Errorf("access log:\n%s\nwant:\n%s", got, want)
	}
}

func TestPythonServer(t *testing.T) {
	dir := t.TempDir()
	// Under root, scripts run as nobody, who must be able to reach them.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "cgi-bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\necho \"hi $QUERY_STRING\"\n"
	if err := os.WriteFile(filepath.Join(dir, "cgi-bin", "hi.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var log logBuffer
	h, closeAll, err := newPythonServer(dir, true, &log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)

	check(t, "GET /hello.txt", get(t, srv, "/hello.txt", nil), 200,
		map[string]string{"Content-Type": "text/plain", "Content-Length": "6"}, "hello\n")
	check(t, "GET /", get(t, srv, "/", nil), 200, map[string]string{"Content-Type": "text/html; charset=utf-8"},
		`<li><a href="hello.txt">hello.txt</a></li>`)
	// Python's 404, closing the connection as Python does.
	check(t, "GET /missing", get(t, srv, "/missing", nil), 404,
		map[string]string{"Connection": "close"}, "<p>Message: File not found.</p>")
	check(t, "GET /cgi-bin/hi.sh?x", get(t, srv, "/cgi-bin/hi.sh?x", nil), 200,
		map[string]string{"Content-Type": "text/plain"}, "hi x\n")

	srv.Close()
	if err := closeAll(); err != nil {
		t.Fatal(err)
	}
	got := log.text()
	for _, line := range []string{
		`127.0.0.1 - - [T] "GET /hello.txt HTTP/1.1" 200 6` + "\n",
		"127.0.0.1 - - [T] code 404, message File not found\n" +
			`127.0.0.1 - - [T] "GET /missing HTTP/1.1" 404 460` + "\n",
		`127.0.0.1 - - [T] "GET /cgi-bin/hi.sh?x HTTP/1.1" 200 5` + "\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("access log:\n%s\nwant it to hold:\n%s", got, line)
		}
	}
}

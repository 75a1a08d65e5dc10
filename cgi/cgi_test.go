package cgi_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/proctest"
	"github.com/simplehttp/simplehttp/internal/samename"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
	"golang.org/x/text/unicode/norm"
)

func TestEnvGolden(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	t.Setenv("SECRET_OF_SERVER", "leak")
	srv, _ := newServer(t, root, cgi.Options{ServerSoftware: "SimpleHTTP/0.6 Test", Protocol: "HTTP/1.1"})
	res := do(t, srv, "GET", "/cgi-bin/env.sh/p/q?a=1&b=2", nil, http.Header{
		"Accept":        {"text/html", "text/plain"},
		"User-Agent":    {"ua/1"},
		"Cookie":        {"c=1"},
		"Referer":       {"http://r/"},
		"Authorization": {"Basic dXNlcjpwdw=="}, // user:pw
		"Proxy":         {"http://evil:1/"},
		"X-Custom":      {"x"},
	})
	if res.status != 200 {
		t.Fatalf("status = %d, want 200; body %q", res.status, res.body)
	}
	env := envOf(res.body)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	want := map[string]string{
		"SERVER_SOFTWARE":   "SimpleHTTP/0.6 Test",
		"SERVER_NAME":       "127.0.0.1",
		"GATEWAY_INTERFACE": "CGI/1.1",
		"SERVER_PROTOCOL":   "HTTP/1.1",
		"SERVER_PORT":       port,
		"REQUEST_METHOD":    "GET",
		"PATH_INFO":         "/p/q",
		"PATH_TRANSLATED":   filepath.Join(root, "p", "q"),
		"SCRIPT_NAME":       "/cgi-bin/env.sh",
		"SCRIPT_FILENAME":   filepath.Join(root, "cgi-bin", "env.sh"),
		"QUERY_STRING":      "a=1&b=2",
		"REQUEST_URI":       "/cgi-bin/env.sh/p/q?a=1&b=2",
		"REMOTE_ADDR":       "127.0.0.1",
		"REMOTE_HOST":       "127.0.0.1",
		"AUTH_TYPE":         "Basic",
		"REMOTE_USER":       "user",
		"CONTENT_TYPE":      "text/plain",
		"CONTENT_LENGTH":    "",
		"HTTP_ACCEPT":       "text/html,text/plain",
		"HTTP_USER_AGENT":   "ua/1",
		"HTTP_COOKIE":       "c=1",
		"HTTP_REFERER":      "http://r/",
		"HTTP_HOST":         strings.TrimPrefix(srv.URL, "http://"),
		"HTTP_X_CUSTOM":     "x",
		"HTTP_CONNECTION":   "close", // the test client sends it
		"PATH":              "/usr/local/bin:/usr/bin:/bin",
	}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if _, ok := env["REMOTE_PORT"]; !ok {
		t.Errorf("REMOTE_PORT missing")
	}
	// Nothing else: the server's environment stays out, and a Proxy:
	// header never becomes HTTP_PROXY. The shell adds PWD.
	for k, v := range env {
		if _, ok := want[k]; !ok && k != "REMOTE_PORT" && k != "PWD" {
			t.Errorf("unexpected variable %s=%q", k, v)
		}
	}
	if env["PWD"] != "" && env["PWD"] != root {
		t.Errorf("PWD = %q, want the root %q", env["PWD"], root)
	}
}

// TestEnvBodyFields: a request with a body gives the script its type and
// length as CONTENT_TYPE and CONTENT_LENGTH, as Python does, and not a
// second time as HTTP_CONTENT_TYPE and HTTP_CONTENT_LENGTH, which Python
// and Apache do not set and RFC 3875 says a server should not.
func TestEnvBodyFields(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	res := do(t, srv, "POST", "/cgi-bin/env.sh", strings.NewReader("a=1"), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"},
	})
	if res.status != 200 {
		t.Fatalf("status = %d, want 200; body %q", res.status, res.body)
	}
	env := envOf(res.body)
	for k, want := range map[string]string{"CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": "3"} {
		if got, ok := env[k]; !ok || got != want {
			t.Errorf("%s = %q (present %v), want %q", k, got, ok, want)
		}
	}
	for _, k := range []string{"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s = %q, want it unset", k, v)
		}
	}
}

func TestEnvInherit(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	t.Setenv("ALLOWED_ONE", "yes")
	t.Setenv("NOT_ALLOWED", "no")
	srv, _ := newServer(t, root, cgi.Options{InheritEnv: []string{"ALLOWED_ONE", "PATH"}})
	env := envOf(do(t, srv, "GET", "/cgi-bin/env.sh", nil, nil).body)
	if env["ALLOWED_ONE"] != "yes" || env["PATH"] != os.Getenv("PATH") {
		t.Errorf("allow-listed: ALLOWED_ONE=%q PATH=%q", env["ALLOWED_ONE"], env["PATH"])
	}
	if _, ok := env["NOT_ALLOWED"]; ok {
		t.Errorf("NOT_ALLOWED passed on")
	}
	srv, _ = newServer(t, root, cgi.Options{InheritAllEnv: true})
	env = envOf(do(t, srv, "GET", "/cgi-bin/env.sh?q", nil, nil).body)
	if env["NOT_ALLOWED"] != "no" || env["QUERY_STRING"] != "q" {
		t.Errorf("InheritAllEnv: NOT_ALLOWED=%q QUERY_STRING=%q", env["NOT_ALLOWED"], env["QUERY_STRING"])
	}

	// Env sets variables, as net/http/cgi's Env does (never the request's:
	// TestEnvInheritRequestVariables).
	srv, _ = newServer(t, root, cgi.Options{Env: []string{"APP_MODE=test", "EMPTY=", "PATH=/opt/bin:/usr/bin:/bin"}})
	env = envOf(do(t, srv, "GET", "/cgi-bin/env.sh?q", nil, nil).body)
	if env["APP_MODE"] != "test" || env["EMPTY"] != "" || env["QUERY_STRING"] != "q" || env["PATH"] != "/opt/bin:/usr/bin:/bin" || env["NOT_ALLOWED"] != "" {
		t.Errorf("Env: APP_MODE=%q EMPTY=%q QUERY_STRING=%q PATH=%q NOT_ALLOWED=%q", env["APP_MODE"], env["EMPTY"], env["QUERY_STRING"], env["PATH"], env["NOT_ALLOWED"])
	}
	if _, ok := env["EMPTY"]; !ok {
		t.Error("Env: EMPTY= not set")
	}
	for _, bad := range []cgi.Options{
		{Root: root, Env: []string{"NOEQUALS"}},
		{Root: root, Env: []string{"=x"}},
		{Root: root, Env: []string{"A,B=x"}},
		{Root: root, InheritEnv: []string{"A=B"}},
		{Root: root, InheritEnv: []string{""}},
	} {
		if _, err := cgi.New(bad); err == nil {
			t.Errorf("New(%+v): no error", bad)
		}
	}
}

// An empty Content-Type header reaches the script as an empty
// CONTENT_TYPE, and none as text/plain, as in Python's run_cgi.
func TestContentType(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/ct.sh": "#!/bin/sh\n" + header + "printf '[%s]' \"${CONTENT_TYPE-unset}\"\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	for _, tt := range []struct {
		header http.Header
		want   string
	}{
		{nil, "[text/plain]"},
		{http.Header{"Content-Type": {""}}, "[]"},
		{http.Header{"Content-Type": {"application/json; charset=utf-8"}}, "[application/json; charset=utf-8]"},
	} {
		if got := do(t, srv, "POST", "/cgi-bin/ct.sh", strings.NewReader("x"), tt.header).body; got != tt.want {
			t.Errorf("Content-Type %v: CONTENT_TYPE %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestPathsAndArgs(t *testing.T) {
	show := "#!/bin/sh\n" + header +
		`printf 'SCRIPT_NAME=%s\nPATH_INFO=%s\nPATH_TRANSLATED=%s\nQUERY_STRING=%s\nARGC=%s\nARG1=%s\n' "$SCRIPT_NAME" "$PATH_INFO" "$PATH_TRANSLATED" "$QUERY_STRING" "$#" "$1"` + "\n"
	root := writeTree(t, map[string]string{
		"cgi-bin/s.sh":          show,
		"cgi-bin/sub/s.sh":      show,
		"cgi-bin/sub/deep/t.sh": show,
		"cgi-bin/a b.sh":        show,
		"htbin/h.sh":            show,
	})
	srv, _ := newServer(t, root, cgi.Options{})
	tests := []struct {
		name, target string
		want         map[string]string
	}{
		{"plain", "/cgi-bin/s.sh", map[string]string{"SCRIPT_NAME": "/cgi-bin/s.sh", "PATH_INFO": "", "PATH_TRANSLATED": root, "ARGC": "1", "ARG1": ""}},
		{"nested", "/cgi-bin/sub/s.sh/extra", map[string]string{"SCRIPT_NAME": "/cgi-bin/sub/s.sh", "PATH_INFO": "/extra", "PATH_TRANSLATED": filepath.Join(root, "extra")}},
		{"deeper", "/cgi-bin/sub/deep/t.sh/a/b/", map[string]string{"SCRIPT_NAME": "/cgi-bin/sub/deep/t.sh", "PATH_INFO": "/a/b/", "PATH_TRANSLATED": filepath.Join(root, "a", "b") + "/"}},
		{"htbin", "/htbin/h.sh", map[string]string{"SCRIPT_NAME": "/htbin/h.sh"}},
		// Decoded once: %2F inside PATH_INFO is a slash, %2525 stays %25.
		{"encoded", "/cgi-bin/%73.sh/x%2Fy/%2525", map[string]string{"SCRIPT_NAME": "/cgi-bin/s.sh", "PATH_INFO": "/x/y/%25", "PATH_TRANSLATED": filepath.Join(root, "x", "y", "%25")}},
		{"space", "/cgi-bin/a%20b.sh", map[string]string{"SCRIPT_NAME": "/cgi-bin/a b.sh"}},
		{"collapsed", "//cgi-bin/./sub/../s.sh", map[string]string{"SCRIPT_NAME": "/cgi-bin/s.sh"}},
		// Python: a query without '=' is argv[1], raw, with '+' as space.
		{"arg", "/cgi-bin/s.sh?hello+w%20x", map[string]string{"QUERY_STRING": "hello+w%20x", "ARGC": "1", "ARG1": "hello w%20x"}},
		{"no arg with =", "/cgi-bin/s.sh?a=b", map[string]string{"QUERY_STRING": "a=b", "ARGC": "0", "ARG1": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, srv, "GET", tt.target, nil, nil)
			if res.status != 200 {
				t.Fatalf("GET %s: status = %d, want 200; body %q", tt.target, res.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "text/plain" {
				t.Errorf("GET %s: Content-Type = %q", tt.target, ct)
			}
			got := envOf(res.body)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("GET %s: %s = %q, want %q", tt.target, k, got[k], v)
				}
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	h, err := cgi.New(cgi.Options{Root: root, Prefix: "/app"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/app/", http.StripPrefix("/app", h))
	srv := newHTTPServer(t, mux)
	res := do(t, srv, "GET", "/app/cgi-bin/env.sh/x?y", nil, nil)
	env := envOf(res.body)
	if env["SCRIPT_NAME"] != "/app/cgi-bin/env.sh" || env["REQUEST_URI"] != "/app/cgi-bin/env.sh/x?y" || env["PATH_INFO"] != "/x" {
		t.Errorf("SCRIPT_NAME=%q REQUEST_URI=%q PATH_INFO=%q", env["SCRIPT_NAME"], env["REQUEST_URI"], env["PATH_INFO"])
	}
	res = do(t, srv, "GET", "/app/cgi-bin/missing", nil, nil)
	if res.status != 404 || !strings.Contains(res.body, "No such CGI script (&#x27;/app/cgi-bin/missing&#x27;)") &&
		!strings.Contains(res.body, "No such CGI script ('/app/cgi-bin/missing')") {
		t.Errorf("missing under prefix: %d %q", res.status, res.body)
	}
}

func TestErrors(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/ok.sh":        "#!/bin/sh\n" + header + "echo ok\n",
		"cgi-bin/plain.noexec": "#!/bin/sh\necho source-of-plain\n",
		"cgi-bin/dir/":         "",
		"cgi-bin/noheader.sh":  "#!/bin/sh\necho just text\n",
		"cgi-bin/silent.sh":    "#!/bin/sh\nexit 0\n",
		"cgi-bin/crash.sh":     "#!/bin/sh\necho boom >&2\nexit 3\n",
		"cgi-bin/status.sh":    "#!/bin/sh\nprintf 'Status: 404 Gone Fishing\\nContent-Type: text/plain\\n\\nnope\\n'\n",
		"cgi-bin/status500.sh": "#!/bin/sh\nprintf 'Status: 500 Mine\\nContent-Type: text/plain\\n\\nmine\\n'\n",
		"cgi-bin/redir.sh":     "#!/bin/sh\nprintf 'Location: http://example.com/x\\n\\n'\n",
		"cgi-bin/killed.sh":    "#!/bin/sh\nkill -9 $$\n",
		"index.html":           "hello",
	})
	srv, logs := newServer(t, root, cgi.Options{})
	tests := []struct {
		name, method, target string
		wantStatus           int
		wantHeader           map[string]string
		wantBody             string // substring
	}{
		{"ok", "GET", "/cgi-bin/ok.sh", 200, map[string]string{"Content-Type": "text/plain"}, "ok\n"},
		{"head", "HEAD", "/cgi-bin/ok.sh", 200, map[string]string{"Content-Type": "text/plain"}, ""},
		{"post", "POST", "/cgi-bin/ok.sh", 200, nil, "ok\n"},
		{"missing", "GET", "/cgi-bin/nothere", 404, map[string]string{"Content-Type": "text/html;charset=utf-8"}, "No such CGI script ('/cgi-bin/nothere')"},
		{"not executable", "GET", "/cgi-bin/plain.noexec", 403, nil, "CGI script is not executable ('/cgi-bin/plain.noexec')"},
		{"directory", "GET", "/cgi-bin/dir", 403, nil, "CGI script is not a plain file ('/cgi-bin/dir')"},
		{"dir itself", "GET", "/cgi-bin/", 403, nil, "CGI script is not a plain file ('/cgi-bin/')"},
		{"put", "PUT", "/cgi-bin/ok.sh", 501, nil, "Unsupported method ('PUT')"},
		{"post non-cgi", "POST", "/index.html", 501, nil, "Can only POST to CGI scripts"},
		{"get non-cgi", "GET", "/index.html", 200, nil, "next:/index.html"},
		{"bare cgi-bin", "GET", "/cgi-bin", 200, nil, "next:/cgi-bin"},
		{"elsewhere", "GET", "/x/cgi-bin/ok.sh", 200, nil, "next:/x/cgi-bin/ok.sh"},
		{"no header", "GET", "/cgi-bin/noheader.sh", 502, map[string]string{"Content-Type": "text/html;charset=utf-8"}, "CGI script sent no valid response ('/cgi-bin/noheader.sh')"},
		{"silent", "GET", "/cgi-bin/silent.sh", 502, nil, "CGI script sent no valid response"},
		{"crash", "GET", "/cgi-bin/crash.sh", 502, nil, "CGI script sent no valid response"},
		{"killed", "GET", "/cgi-bin/killed.sh", 502, nil, "CGI script sent no valid response"},
		{"status", "GET", "/cgi-bin/status.sh", 404, map[string]string{"Content-Type": "text/plain"}, "nope\n"},
		{"status 500", "GET", "/cgi-bin/status500.sh", 500, map[string]string{"Content-Type": "text/plain"}, "mine\n"},
		{"redirect", "GET", "/cgi-bin/redir.sh", 302, map[string]string{"Location": "http://example.com/x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, srv, tt.method, tt.target, nil, nil)
			if res.status != tt.wantStatus {
				t.Errorf("%s %s: status = %d, want %d; body %q", tt.method, tt.target, res.status, tt.wantStatus, res.body)
			}
			for k, v := range tt.wantHeader {
				if got := res.header.Get(k); got != v {
					t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.target, k, got, v)
				}
			}
			if !strings.Contains(res.body, tt.wantBody) {
				t.Errorf("%s %s: body %q does not contain %q", tt.method, tt.target, res.body, tt.wantBody)
			}
			if strings.Contains(res.body, "source-of-plain") {
				t.Errorf("%s %s: leaked script source", tt.method, tt.target)
			}
			if tt.method == "HEAD" && res.body != "" {
				t.Errorf("HEAD %s: body %q", tt.target, res.body)
			}
		})
	}
	l := logs.String()
	for _, want := range []string{`msg=boom script=/cgi-bin/crash.sh`, `msg="CGI script exit code 3" script=/cgi-bin/crash.sh`, `msg="CGI script exit code -9"`} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
}

func TestTraversal(t *testing.T) {
	// other/x.sh is outside every CGI directory: it must never run, and
	// no request may show its source or a CGI script's.
	const secret = "SECRET-SOURCE"
	root := writeTree(t, map[string]string{
		"cgi-bin/ok.sh":  "#!/bin/sh\n" + header + "echo ran-ok # " + secret + "\n",
		"other/x.sh":     "#!/bin/sh\n" + header + "echo RAN-OUTSIDE-$((40+2))\n",
		"cgi-bin/sub/":   "",
		"cgi-bin/out.sh": "", // replaced by a symlink below
	})
	os.Remove(filepath.Join(root, "cgi-bin/out.sh"))
	if err := os.Symlink("../other/x.sh", filepath.Join(root, "cgi-bin/out.sh")); err != nil {
		t.Fatal(err)
	}
	// The fallback serves files like a naive file server would, to catch
	// any path the middleware lets through to it.
	h, err := cgi.New(cgi.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(t, h.Handler(http.FileServer(http.Dir(root))))
	targets := []string{
		"/cgi-bin/%252e%252e/other/x.sh",
		"/cgi-bin/%2e%2e/other/x.sh",
		"/cgi-bin/%2E%2E%2Fother%2Fx.sh",
		"/cgi-bin/..%2fother/x.sh",
		"/cgi-bin/..%5cother%5cx.sh",
		"/cgi-bin%2f..%2fother/x.sh",
		"/cgi-bin/sub/%2e%2e/%2e%2e/other/x.sh",
		"/cgi-bin/%25%32%65%25%32%65/other/x.sh",
		"/cgi-bin/out.sh",
		"/cgi-bin/out.sh/x",
		"//cgi-bin/../other/x.sh",
		"/cgi-bin;/../other/x.sh",
		"/cgi-bin/x.sh%00/../../other/x.sh",
		"/other/x.sh%00",
		"/CGI-BIN/ok.sh",
		"/Cgi-Bin/ok.sh",
		"/cgi-bin/../cgi-bin/../other/x.sh",
		"/../cgi-bin/ok.sh",
		"/x/../../cgi-bin/ok.sh",
		"/%2e%2e/cgi-bin/ok.sh",
		"/cgi-bin/ok.sh%00",
		"/cgi-bin/ok.sh%00.txt",
		"/htbin/../cgi-bin/%2e%2e/other/x.sh",
	}
	for _, target := range targets {
		for _, method := range []string{"GET", "POST"} {
			res := do(t, srv, method, target, nil, nil)
			if strings.Contains(res.body, "RAN-OUTSIDE-42") {
				t.Errorf("%s %s: ran a script outside cgi-bin (status %d)", method, target, res.status)
			}
			if strings.Contains(res.body, secret) {
				t.Errorf("%s %s: leaked source (status %d): %q", method, target, res.status, res.body)
			}
		}
	}
	// A sanity check that the fallback does serve files, and that the
	// outside script would show its marker if it ran.
	if res := do(t, srv, "GET", "/other/x.sh", nil, nil); !strings.Contains(res.body, "RAN-OUTSIDE-$((40+2))") {
		t.Errorf("fallback listing: %d %q", res.status, res.body)
	}
}

func TestPostBody(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/cat.sh":    "#!/bin/sh\n" + header + "printf 'len=%s\\n' \"$CONTENT_LENGTH\"\ncat\n",
		"cgi-bin/ignore.sh": "#!/bin/sh\n" + header + "echo ignored\n",
	})
	srv, _ := newServer(t, root, cgi.Options{})
	big := bytes.Repeat([]byte("0123456789abcdef"), 10<<20/16)
	res := do(t, srv, "POST", "/cgi-bin/cat.sh", bytes.NewReader(big), nil)
	want := "len=" + strconv.Itoa(len(big)) + "\n"
	if res.status != 200 || !strings.HasPrefix(res.body, want) {
		t.Fatalf("10 MB POST: status %d, start %q", res.status, res.body[:min(len(res.body), 40)])
	}
	if sha256.Sum256([]byte(res.body[len(want):])) != sha256.Sum256(big) {
		t.Errorf("10 MB POST: body differs (%d bytes back)", len(res.body)-len(want))
	}
	// Chunked: no Content-Length; the script reads to EOF.
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 100; i++ {
			fmt.Fprintf(pw, "chunk %d\n", i)
		}
		pw.Close()
	}()
	res = do(t, srv, "POST", "/cgi-bin/cat.sh", pr, nil)
	var wantChunked strings.Builder
	wantChunked.WriteString("len=\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&wantChunked, "chunk %d\n", i)
	}
	if res.status != 200 || res.body != wantChunked.String() {
		t.Errorf("chunked POST: status %d, body %q", res.status, res.body)
	}
	// A script that does not read a large body still answers.
	res = do(t, srv, "POST", "/cgi-bin/ignore.sh", bytes.NewReader(big), nil)
	if res.status != 200 || res.body != "ignored\n" {
		t.Errorf("unread body: status %d, body %q", res.status, res.body)
	}
}

func TestStreaming(t *testing.T) {
	// The script prints one line, then waits until the test has seen it
	// (a file appears), then prints another: only a streamed response
	// can complete.
	root := writeTree(t, map[string]string{
		"cgi-bin/stream.sh": "#!/bin/sh\n" + header +
			"echo first\nwhile [ ! -e \"$PATH_TRANSLATED\" ]; do sleep 0.02; done\necho second\n",
	})
	srv, _ := newServer(t, root, cgi.Options{Timeout: 20 * time.Second})
	flag := filepath.Join(root, "go")
	res, err := srv.Client().Get(srv.URL + "/cgi-bin/stream.sh/go")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line = %q, %v", line, err)
	}
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest = %q, %v", rest, err)
	}
}

func TestTimeout(t *testing.T) {
	root := writeTree(t, map[string]string{
		// The child is in the script's process group; it must die too.
		"cgi-bin/sleep.sh": "#!/bin/sh\nsleep 30 &\necho \"child $!\" >&2\nwait\n",
		"cgi-bin/late.sh":  "#!/bin/sh\n" + header + "echo partial\nsleep 30\n",
	})
	srv, logs := newServer(t, root, cgi.Options{Timeout: 500 * time.Millisecond})
	start := time.Now()
	res := do(t, srv, "GET", "/cgi-bin/sleep.sh", nil, nil)
	if res.status != 504 || !strings.Contains(res.body, "CGI script timed out ('/cgi-bin/sleep.sh')") {
		t.Errorf("status = %d, want 504; body %q", res.status, res.body)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	l := logs.String()
	i := strings.Index(l, "msg=\"child ")
	if i < 0 {
		t.Fatalf("no child pid logged:\n%s", l)
	}
	pid, err := strconv.Atoi(strings.TrimRight(strings.Fields(l[i+len("msg=\"child "):])[0], "\""))
	if err != nil {
		t.Fatal(err)
	}
	if !proctest.Gone(t, pid, 5*time.Second) {
		t.Errorf("child %d still running", pid)
	}

	// Once the header is out, the response is cut off instead.
	resp, err := srv.Client().Get(srv.URL + "/cgi-bin/late.sh")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "partial\n" || err == nil {
		t.Errorf("late timeout: status %d body %q err %v; want 200, partial, an error", resp.StatusCode, b, err)
	}
}

func TestConcurrency(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/echo.sh": "#!/bin/sh\n" + header + "echo \"$QUERY_STRING\"\n",
		// wait.sh blocks until the test creates the file it names.
		"cgi-bin/wait.sh": "#!/bin/sh\n" + header + "echo started\nwhile [ ! -e \"$PATH_TRANSLATED\" ]; do sleep 0.02; done\n",
	})
	srv, _ := newServer(t, root, cgi.Options{MaxConcurrent: 20})
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := srv.Client().Get(fmt.Sprintf("%s/cgi-bin/echo.sh?n=%d", srv.URL, i))
			if err != nil {
				errs <- err.Error()
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(b) != fmt.Sprintf("n=%d\n", i) {
				errs <- fmt.Sprintf("request %d: %d %q", i, res.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	// Beyond the limit, 503; the log says so once when it begins and
	// once when a script runs again, not once per request refused.
	srv, logs := newServer(t, root, cgi.Options{MaxConcurrent: 1})
	res, err := srv.Client().Get(srv.URL + "/cgi-bin/wait.sh/release")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(res.Body)
	if line, _ := br.ReadString('\n'); line != "started\n" {
		t.Fatalf("first script: %q", line)
	}
	for range 5 {
		second := do(t, srv, "GET", "/cgi-bin/echo.sh?x", nil, nil)
		if second.status != 503 || !strings.Contains(second.body, "Too many CGI scripts running") {
			t.Errorf("second script: status %d, want 503; %q", second.status, second.body)
		}
	}
	os.WriteFile(filepath.Join(root, "release"), nil, 0o644)
	io.ReadAll(br)
	res.Body.Close()
	if third := do(t, srv, "GET", "/cgi-bin/echo.sh?x", nil, nil); third.status != 200 {
		t.Errorf("after release: status %d", third.status)
	}
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "too many scripts") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 || !strings.HasSuffix(lines[0], `level=WARN msg="cgi: too many scripts running, answering 503" err="1 running, as many as Options.MaxConcurrent allows" failures=1`) ||
		!strings.HasSuffix(lines[1], `level=INFO msg="cgi: too many scripts running, answering 503: recovered" failures=4`) {
		t.Errorf("log lines about the limit =\n%s\nwant a WARN line when it was reached and an INFO line when a script ran again", strings.Join(lines, "\n"))
	}
}

func TestRunsAsNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	root := writeTree(t, map[string]string{"cgi-bin/id.sh": "#!/bin/sh\n" + header + "id -u\nid -g\nid -G\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	res := do(t, srv, "GET", "/cgi-bin/id.sh", nil, nil)
	want := u.Uid + "\n" + u.Gid + "\n" + u.Gid + "\n"
	if res.status != 200 || res.body != want {
		t.Errorf("id: status %d body %q, want %q", res.status, res.body, want)
	}
}

func TestInterpreter(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/i.noexec": header + "echo \"via interpreter $1\"\n"})
	srv, _ := newServer(t, root, cgi.Options{Interpreters: map[string]string{".noexec": "sh"}})
	res := do(t, srv, "GET", "/cgi-bin/i.noexec?arg", nil, nil)
	if res.status != 200 || res.body != "via interpreter arg\n" {
		t.Errorf("status %d body %q", res.status, res.body)
	}
}

func TestNewErrors(t *testing.T) {
	root := t.TempDir()
	tests := []struct {
		name string
		opts cgi.Options
	}{
		{"no root", cgi.Options{}},
		{"missing root", cgi.Options{Root: filepath.Join(root, "nope")}},
		{"bad dir", cgi.Options{Root: root, Dirs: []string{"cgi-bin"}}},
		{"trailing slash", cgi.Options{Root: root, Dirs: []string{"/cgi-bin/"}}},
		{"bad interpreter", cgi.Options{Root: root, Interpreters: map[string]string{".x": "no-such-interpreter-xyz"}}},
		{"launcher not answering", cgi.Options{Root: root, Launcher: "/bin/true"}},
	}
	for _, tt := range tests {
		if _, err := cgi.New(tt.opts); err == nil {
			t.Errorf("%s: New(%+v) = nil error", tt.name, tt.opts)
		}
	}
}

// TestNewLauncherFails: a launcher that fails to start says why in New's
// error, not only its exit status: at the limit on processes, a Go
// launcher dies for lack of a thread, and the error blamed a missing
// call to cgi.MaybeRunLauncher alone.
func TestNewLauncherFails(t *testing.T) {
	root := writeTree(t, map[string]string{
		"launcher": "#!/bin/sh\necho 'runtime: failed to create new OS thread (have 7 already; errno=11)' >&2\necho more >&2\nexit 2\n",
	})
	_, err := cgi.New(cgi.Options{Root: root, Launcher: filepath.Join(root, "launcher")})
	want := `does not answer (does main call cgi.MaybeRunLauncher first?): exit status 2: "runtime: failed to create new OS thread (have 7 already; errno=11)"`
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("New with a launcher that fails = %v, want an error that ends with %s", err, want)
	}
}

// TestNewLauncherNotStarted: a launcher that cannot be started at all
// (here not executable; or no descriptor for its pipes under a small
// ulimit -n) makes New say that it could not start it, where the error
// blamed a missing call to cgi.MaybeRunLauncher.
func TestNewLauncherNotStarted(t *testing.T) {
	root := t.TempDir()
	launcher := filepath.Join(root, "launcher")
	if err := os.WriteFile(launcher, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := cgi.New(cgi.Options{Root: root, Launcher: launcher})
	want := "cgi: cannot start the launcher " + launcher + ": fork/exec " + launcher + ": permission denied"
	if err == nil || err.Error() != want || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("New with a launcher that is not executable = %v, want %s", err, want)
	}
}

// TestLogOnce: with the diagnostics and the access log in one stream (as
// the command has them), each line a script writes to its standard error
// comes out once, when it is written, before the request line, and so
// does Python's "CGI script exit code N".
func TestLogOnce(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/fail.sh": "#!/bin/sh\n" + header + "echo out\necho oops >&2\necho 'two words' >&2\nexit 2\n"})
	var log syncbuf.Buffer
	al, err := accesslog.New(accesslog.Options{Writer: &log})
	if err != nil {
		t.Fatal(err)
	}
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(al.SlogHandler(nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(t, al.Handler(h.Handler(nextHandler)))
	res := do(t, srv, "GET", "/cgi-bin/fail.sh", nil, nil)
	if res.status != 200 || res.body != "out\n" {
		t.Errorf("status %d body %q", res.status, res.body)
	}
	al.Close()
	got := regexp.MustCompile(`\[[^]]*\]`).ReplaceAllString(log.String(), "[T]")
	want := "127.0.0.1 - - [T] oops script=/cgi-bin/fail.sh\n" +
		"127.0.0.1 - - [T] two words script=/cgi-bin/fail.sh\n" +
		"127.0.0.1 - - [T] CGI script exit code 2 script=/cgi-bin/fail.sh\n" +
		"127.0.0.1 - - [T] \"GET /cgi-bin/fail.sh HTTP/1.1\" 200 4\n"
	if got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
}

// TestMissingDirLogsNothing: a request into a CGI directory the site does
// not have (htbin is one of the defaults, and most sites lack it), or
// whose name is a file, is Python's 404 "No such CGI script" and writes
// only Python's two log lines: any client can send it, as often as it
// likes, so it must not add a diagnostic with the server's path to each.
func TestMissingDirLogsNothing(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/s.sh": "#!/bin/sh\n" + header, "other/": ""})
	if err := os.WriteFile(filepath.Join(root, "other", "htbin"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ root, target, script string }{
		{root, "/htbin/x", "/htbin/x"},
		{filepath.Join(root, "other"), "/htbin/x/y", "/htbin/x"},
	} {
		var log syncbuf.Buffer
		al, err := accesslog.New(accesslog.Options{Writer: &log})
		if err != nil {
			t.Fatal(err)
		}
		h, err := cgi.New(cgi.Options{Root: tt.root, Logger: slog.New(al.SlogHandler(nil))})
		if err != nil {
			t.Fatal(err)
		}
		srv := newHTTPServer(t, al.Handler(h.Handler(nextHandler)))
		res := do(t, srv, "GET", tt.target, nil, nil)
		al.Close()
		if res.status != 404 {
			t.Errorf("%s under %s: status %d, want 404", tt.target, tt.root, res.status)
		}
		got := regexp.MustCompile(`\[[^]]*\]`).ReplaceAllString(log.String(), "[T]")
		want := "127.0.0.1 - - [T] code 404, message No such CGI script ('" + tt.script + "')\n" +
			"127.0.0.1 - - [T] \"GET " + tt.target + " HTTP/1.1\" 404 N\n"
		if got = regexp.MustCompile(`404 \d+\n`).ReplaceAllString(got, "404 N\n"); got != want {
			t.Errorf("%s under %s: log:\n%s\nwant:\n%s", tt.target, tt.root, got, want)
		}
	}
}

// Every error goes through Options.ErrorHandler, with Python's code and
// message, and nothing else is written.
func TestErrorHandler(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/plain.txt": "source-of-plain",
		"cgi-bin/bad.sh":    "#!/bin/sh\necho no header\n",
		"cgi-bin/sub/x":     "",
	})
	if err := os.Chmod(filepath.Join(root, "cgi-bin/bad.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	type call struct {
		code    int
		message string
	}
	var mu sync.Mutex
	var got []call
	srv, _ := newServer(t, root, cgi.Options{ErrorHandler: func(w http.ResponseWriter, r *http.Request, code int, message string) {
		mu.Lock()
		got = append(got, call{code, message})
		mu.Unlock()
		w.WriteHeader(code)
		io.WriteString(w, "custom")
	}})
	for _, tt := range []struct {
		method, target string
		want           call
	}{
		{"GET", "/cgi-bin/missing.sh", call{404, "No such CGI script ('/cgi-bin/missing.sh')"}},
		{"GET", "/cgi-bin/sub", call{403, "CGI script is not a plain file ('/cgi-bin/sub')"}},
		{"GET", "/cgi-bin/plain.txt", call{403, "CGI script is not executable ('/cgi-bin/plain.txt')"}},
		{"POST", "/not-cgi", call{501, "Can only POST to CGI scripts"}},
		{"PUT", "/cgi-bin/bad.sh", call{501, "Unsupported method ('PUT')"}},
		{"GET", "/CGI-BIN/bad.sh", call{404, "File not found"}},
		{"GET", "/cgi-bin/bad.sh", call{502, "CGI script sent no valid response ('/cgi-bin/bad.sh')"}},
	} {
		got = nil
		res := do(t, srv, tt.method, tt.target, nil, nil)
		if res.status != tt.want.code || res.body != "custom" || len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s %s: %d %q, calls %v; want %v", tt.method, tt.target, res.status, res.body, got, tt.want)
		}
	}
}

// TestPassPost: with PassPost, a POST that is not for a script reaches the
// next handler (the file server's uploads), while every request for a
// CGI path, POST and PUT included, stays the CGI handler's.
func TestPassPost(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/ok.sh": "#!/bin/sh\n" + header + "echo ok\n",
	})
	srv, _ := newServer(t, root, cgi.Options{PassPost: true})
	for _, tt := range []struct {
		method, target string
		status         int
		body           string
	}{
		{"POST", "/upload/", 200, "next:/upload/"},
		{"POST", "/", 200, "next:/"},
		{"POST", "/cgi-bin/ok.sh", 200, "ok\n"},
		{"POST", "/cgi-bin/", 403, "CGI script is not a plain file ('/cgi-bin/')"},
		{"POST", "/cgi-bin/new.sh", 404, "No such CGI script ('/cgi-bin/new.sh')"},
		{"PUT", "/cgi-bin/new.sh", 501, "Unsupported method ('PUT')"},
		{"PUT", "/htbin/new.sh", 501, "Unsupported method ('PUT')"},
	} {
		res := do(t, srv, tt.method, tt.target, nil, nil)
		if res.status != tt.status || !strings.Contains(res.body, tt.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.target, res.status, res.body, tt.status, tt.body)
		}
	}
}

// TestEnvInheritRequestVariables: the variables that describe a request
// come from the request only. A server started with REMOTE_USER or
// REMOTE_ADDR in its own environment must not hand them to scripts under
// InheritAllEnv (a script would take the request for authenticated), and
// listing one in InheritEnv is an error.
func TestEnvInheritRequestVariables(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	forged := map[string]string{
		"REMOTE_USER": "forged-user", "REMOTE_ADDR": "203.0.113.9", "AUTH_TYPE": "Basic",
		"SERVER_NAME": "forged.example", "HTTPS": "on", "CONTENT_LENGTH": "999", "REMOTE_IDENT": "x",
		"HTTP_COOKIE": "session=forged", "PATH_INFO": "/forged", "SCRIPT_NAME": "/forged",
	}
	for k, v := range forged {
		t.Setenv(k, v)
	}
	t.Setenv("APP_SETTING", "kept")
	srv, _ := newServer(t, root, cgi.Options{InheritAllEnv: true})
	env := envOf(do(t, srv, "GET", "/cgi-bin/env.sh", nil, nil).body)
	if env["APP_SETTING"] != "kept" {
		t.Errorf("InheritAllEnv: APP_SETTING=%q, want kept", env["APP_SETTING"])
	}
	for k, v := range forged {
		if env[k] == v {
			t.Errorf("InheritAllEnv passed the server's %s=%q on as the request's", k, v)
		}
	}
	for _, k := range []string{"REMOTE_USER", "REMOTE_ADDR", "HTTP_COOKIE", "SERVER_NAME", "AUTH_TYPE"} {
		if _, err := cgi.New(cgi.Options{Root: root, InheritEnv: []string{k}}); err == nil {
			t.Errorf("New with InheritEnv %s: no error", k)
		}
		// Nor set for every script: a request without credentials would
		// run it as REMOTE_USER=admin.
		if _, err := cgi.New(cgi.Options{Root: root, Env: []string{k + "=admin"}}); err == nil || !strings.Contains(err.Error(), k+" in Env: the request defines it") {
			t.Errorf("New with Env %s=admin: %v, want an error", k, err)
		}
	}
}

// TestPassAuthorization: the Authorization header, password and all,
// reaches scripts only when asked for; AUTH_TYPE and REMOTE_USER always.
func TestPassAuthorization(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	hdr := http.Header{"Authorization": {"Basic dXNlcjpwdw=="}, "Proxy-Authorization": {"Basic cDpx"}}
	for _, pass := range []bool{false, true} {
		srv, _ := newServer(t, root, cgi.Options{PassAuthorization: pass})
		env := envOf(do(t, srv, "GET", "/cgi-bin/env.sh", nil, hdr).body)
		if env["REMOTE_USER"] != "user" || env["AUTH_TYPE"] != "Basic" {
			t.Errorf("PassAuthorization %v: REMOTE_USER=%q AUTH_TYPE=%q", pass, env["REMOTE_USER"], env["AUTH_TYPE"])
		}
		_, got := env["HTTP_AUTHORIZATION"]
		_, gotProxy := env["HTTP_PROXY_AUTHORIZATION"]
		if got != pass || gotProxy != pass {
			t.Errorf("PassAuthorization %v: HTTP_AUTHORIZATION present %v, HTTP_PROXY_AUTHORIZATION present %v", pass, got, gotProxy)
		}
	}
}

// TestAuthorizationLatin1: Python reads the Authorization header as
// Latin-1 text and splits it at the white space of that reading, so a raw
// no-break space (0xA0) or NEL (0x85) separates the scheme from the
// credentials, while a Unicode space in UTF-8 (U+3000) does not, and it
// compares the scheme with "basic" in ASCII only. Each AUTH_TYPE and
// REMOTE_USER here is the one Python 3's CGI handler gives (AUTH_TYPE
// aside, which Python re-encodes from Latin-1).
func TestAuthorizationLatin1(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	for _, tc := range []struct {
		authorization, authType, user string // "-" for unset
	}{
		{"Basic dXNlcjpwYXNz", "Basic", "user"},
		{"Basic\xa0dXNlcjpwYXNz", "Basic", "user"},
		{"Basic dXNlcjpwYXNz\x85", "Basic", "user"},
		{"Basic\u3000dXNlcjpwYXNz", "-", "-"},
		{"Ba\u017fic dXNlcjpwYXNz", "Ba\u017fic", "-"},
		{"bASIC dXNlcjpwYXNz", "bASIC", "user"},
		{"Xasic dXNlcjpwYXNz", "Xasic", "-"},
		{"Basix dXNlcjpwYXNz", "Basix", "-"},
		{"Basics dXNlcjpwYXNz", "Basics", "-"},
		{"Basic gHNlcjpwYXNz", "Basic", "-"}, // "\x80ser:pass", not ASCII
	} {
		env := envOf(do(t, srv, "GET", "/cgi-bin/env.sh", nil, http.Header{"Authorization": {tc.authorization}}).body)
		for _, v := range []struct{ name, want string }{{"AUTH_TYPE", tc.authType}, {"REMOTE_USER", tc.user}} {
			got, ok := env[v.name]
			if !ok {
				got = "-"
			}
			if got != v.want {
				t.Errorf("Authorization %q: %s=%q, want %q", tc.authorization, v.name, got, v.want)
			}
		}
	}
}

// TestUncheckedCredentials: behind a fileserver.BasicAuth whose scope
// leaves GET unchecked, a script is not told that whoever the
// Authorization header names logged in; credentials the middleware (or
// an inner one) verified still give AUTH_TYPE and REMOTE_USER.
func TestUncheckedCredentials(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	c, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(scope fileserver.AuthScope) *fileserver.BasicAuth {
		a, err := fileserver.NewBasicAuth(fileserver.BasicAuthOptions{Users: map[string]string{"alice": "pw", "bob": "p:w", "émile": "pw"}, Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	writes := newHTTPServer(t, auth(fileserver.AuthWrites).Handler(c.Handler(nextHandler)))
	nested := newHTTPServer(t, auth(fileserver.AuthWrites).Handler(auth(fileserver.AuthAll).Handler(c.Handler(nextHandler))))
	// Readers log in for everything, writers once more for writes.
	outer := newHTTPServer(t, auth(fileserver.AuthAll).Handler(auth(fileserver.AuthWrites).Handler(c.Handler(nextHandler))))
	// Inside an access log, whose Values carry the mark without a copy
	// of the request.
	al, err := accesslog.New(accesslog.Options{Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	loggedNested := newHTTPServer(t, al.Handler(auth(fileserver.AuthWrites).Handler(auth(fileserver.AuthAll).Handler(c.Handler(nextHandler)))))
	loggedWrites := newHTTPServer(t, al.Handler(auth(fileserver.AuthWrites).Handler(c.Handler(nextHandler))))
	basic := func(userpw string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(userpw))}}
	}
	for _, tc := range []struct {
		name         string
		srv          *httptest.Server
		method       string
		hdr          http.Header
		user, scheme string
	}{
		{"GET, unknown user, not checked", writes, "GET", basic("admin:guess"), "", ""},
		{"GET, right password, not checked", writes, "GET", basic("alice:pw"), "", ""},
		{"GET, another scheme, not checked", writes, "GET", http.Header{"Authorization": {"Bearer abc"}}, "", ""},
		{"POST, checked", writes, "POST", basic("alice:pw"), "alice", "Basic"},
		{"GET, checked by the inner one", nested, "GET", basic("alice:pw"), "alice", "Basic"},
		{"GET, checked by the outer one", outer, "GET", basic("alice:pw"), "alice", "Basic"},
		{"GET, checked by the inner one, inside an access log", loggedNested, "GET", basic("alice:pw"), "alice", "Basic"},
		{"GET, not checked, inside an access log", loggedWrites, "GET", basic("admin:guess"), "", ""},
		// Users Python's decoding would give no REMOTE_USER: once
		// checked, the script is told who logged in.
		{"POST, checked, a password with a colon", writes, "POST", basic("bob:p:w"), "bob", "Basic"},
		{"POST, checked, a name that is not ASCII", writes, "POST", basic("émile:pw"), "émile", "Basic"},
		{"GET, checked by the outer one, a password with a colon", outer, "GET", basic("bob:p:w"), "bob", "Basic"},
		{"GET, a password with a colon, not checked", writes, "GET", basic("bob:p:w"), "", ""},
		{"POST, checked, the scheme in lower case", writes, "POST", http.Header{"Authorization": {"basic " + base64.StdEncoding.EncodeToString([]byte("bob:p:w"))}}, "bob", "basic"},
	} {
		var body io.Reader
		if tc.method == "POST" {
			body = strings.NewReader("x")
		}
		res := do(t, tc.srv, tc.method, "/cgi-bin/env.sh", body, tc.hdr)
		env := envOf(res.body)
		user, hasUser := env["REMOTE_USER"]
		scheme, hasScheme := env["AUTH_TYPE"]
		if res.status != 200 || user != tc.user || hasUser != (tc.user != "") || scheme != tc.scheme || hasScheme != (tc.scheme != "") {
			t.Errorf("%s: %d, REMOTE_USER %q (set %v), AUTH_TYPE %q (set %v); want 200, %q, %q",
				tc.name, res.status, user, hasUser, scheme, hasScheme, tc.user, tc.scheme)
		}
	}
}

// TestWorkDir: scripts run in Root, or in WorkDir when set (the command's
// current directory, as under Python); a WorkDir that is not a directory
// is refused.
func TestWorkDir(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/pwd.sh": "#!/bin/sh\n" + header + "pwd -P\n"})
	elsewhere := writeTree(t, nil)
	for _, tc := range []struct{ workDir, want string }{{"", root}, {elsewhere, elsewhere}} {
		srv, _ := newServer(t, root, cgi.Options{WorkDir: tc.workDir})
		want, err := filepath.EvalSymlinks(tc.want)
		if err != nil {
			t.Fatal(err)
		}
		if got := do(t, srv, "GET", "/cgi-bin/pwd.sh", nil, nil).body; got != want+"\n" {
			t.Errorf("WorkDir %q: the script ran in %q, want %q", tc.workDir, got, want)
		}
	}
	file := filepath.Join(elsewhere, "f")
	os.WriteFile(file, nil, 0o644)
	if _, err := cgi.New(cgi.Options{Root: root, WorkDir: file}); err == nil || err.Error() != "cgi: WorkDir "+file+" is not a directory" {
		t.Errorf("WorkDir a file: %v", err)
	}
}

// TestUnderscoreHeaders: a request header whose name holds an underscore
// reaches no script, as in Apache: X_Forwarded_For and X-Forwarded-For
// would both become HTTP_X_FORWARDED_FOR, so a client could forge the
// one a proxy in front sets (which copy won was left to chance).
func TestUnderscoreHeaders(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	env := envOf(do(t, srv, "GET", "/cgi-bin/env.sh", nil, http.Header{"X_Forwarded_For": {"6.6.6.6"}, "User_Agent": {"forged"}}).body)
	if v, ok := env["HTTP_X_FORWARDED_FOR"]; ok {
		t.Errorf("X_Forwarded_For alone: HTTP_X_FORWARDED_FOR=%q, want none", v)
	}
	if v := env["HTTP_USER_AGENT"]; v != "" {
		t.Errorf("User_Agent alone: HTTP_USER_AGENT=%q, want empty", v)
	}
	env = envOf(do(t, srv, "GET", "/cgi-bin/env.sh", nil, http.Header{"X_Forwarded_For": {"6.6.6.6"}, "X-Forwarded-For": {"10.0.0.1"}, "X-Ok": {"1"}}).body)
	if env["HTTP_X_FORWARDED_FOR"] != "10.0.0.1" || env["HTTP_X_OK"] != "1" {
		t.Errorf("HTTP_X_FORWARDED_FOR=%q HTTP_X_OK=%q, want 10.0.0.1 and 1", env["HTTP_X_FORWARDED_FOR"], env["HTTP_X_OK"])
	}
}

// TestLongHeaderVariable: a request field repeated until its variable is
// longer than an exec allows (128 KiB on Linux) is left out of the
// environment, and the script runs, as in Python, which passes no such
// variable; it made the start of every script fail with 502 before.
func TestLongHeaderVariable(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, logs := newServer(t, root, cgi.Options{})
	part := strings.Repeat("a", 60000)
	res := do(t, srv, "GET", "/cgi-bin/env.sh", nil, http.Header{"X-Big": {part, part, part}, "X-Ok": {part}})
	env := envOf(res.body)
	if res.status != http.StatusOK || env["HTTP_X_OK"] != part {
		t.Fatalf("status %d, HTTP_X_OK of %d bytes; want 200 and %d", res.status, len(env["HTTP_X_OK"]), len(part))
	}
	if _, ok := env["HTTP_X_BIG"]; ok {
		t.Errorf("HTTP_X_BIG passed")
	}
	if !strings.Contains(logs.String(), "X-Big") {
		t.Errorf("log says nothing of X-Big:\n%s", logs)
	}
}

// TestCookiesJoined: several Cookie fields reach the script as one
// HTTP_COOKIE joined with "; ", as RFC 6265 and HTTP/2 join them, where
// Python joins them with ", " and a cookie parser runs two cookies into
// one value.
func TestCookiesJoined(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	env := envOf(do(t, srv, "GET", "/cgi-bin/env.sh", nil, http.Header{"Cookie": {"a=1", "b=2; c=3"}}).body)
	if got := env["HTTP_COOKIE"]; got != "a=1; b=2; c=3" {
		t.Errorf("HTTP_COOKIE=%q, want %q", got, "a=1; b=2; c=3")
	}
}

// TestHeaderVariableAtLimit: a variable of exactly 128 KiB with its
// NUL, the most an exec takes on Linux, reaches the script, a single
// value or several joined by ", "; one byte more is left out and the
// script still runs. So is a field whose name starts with '_'.
func TestHeaderVariableAtLimit(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	const limit = 128 << 10
	edge := strings.Repeat("e", limit-len("HTTP_X_EDGE=")-1)
	over := strings.Repeat("o", limit-len("HTTP_X_OVER=")) // its NUL one past
	half := strings.Repeat("t", (limit-len("HTTP_X_TWO=")-len(", ")-1)/2)
	res := do(t, srv, "GET", "/cgi-bin/env.sh", nil, http.Header{
		"X-Edge": {edge}, "X-Over": {over}, "X-Two": {half, half}, "_Forged": {"1"},
	})
	env := envOf(res.body)
	if res.status != http.StatusOK || env["HTTP_X_EDGE"] != edge || env["HTTP_X_TWO"] != half+", "+half {
		t.Fatalf("status %d, HTTP_X_EDGE of %d bytes, HTTP_X_TWO of %d; want 200, %d and %d",
			res.status, len(env["HTTP_X_EDGE"]), len(env["HTTP_X_TWO"]), len(edge), 2*len(half)+2)
	}
	for _, k := range []string{"HTTP_X_OVER", "HTTP__FORGED"} {
		if _, ok := env[k]; ok {
			t.Errorf("%s passed", k)
		}
	}
}

// TestServerNameWithoutHost: an HTTP/1.0 request may have no Host; the
// script still gets a SERVER_NAME, which RFC 3875 requires (scripts
// build their own URLs from it): the server's address. It was empty.
func TestServerNameWithoutHost(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	_, env := rawEnv(t, srv, "GET /cgi-bin/env.sh HTTP/1.0\r\n\r\n")
	if env["SERVER_NAME"] != "127.0.0.1" || env["HTTP_HOST"] != "" {
		t.Errorf("SERVER_NAME=%q HTTP_HOST=%q, want 127.0.0.1 and empty", env["SERVER_NAME"], env["HTTP_HOST"])
	}
}

// TestServerNameIPv6: SERVER_NAME holds an IPv6 address in brackets, as
// RFC 3875 writes it, whether the Host header has a port or not, and for
// a request without one; "Host: [::1]:8000" gave "::1", from which a
// script made the URL "http://::1:8000/".
func TestServerNameIPv6(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	for _, tt := range []struct{ host, want string }{
		{"[::1]:8000", "[::1]"},
		{"[::1]", "[::1]"},
		{"[fe80::1%25eth0]:8000", "[fe80::1%25eth0]"},
		{"example.com:8000", "example.com"},
		{"127.0.0.1:8000", "127.0.0.1"},
	} {
		_, env := rawEnv(t, srv, "GET /cgi-bin/env.sh HTTP/1.1\r\nHost: "+tt.host+"\r\nConnection: close\r\n\r\n")
		if env["SERVER_NAME"] != tt.want {
			t.Errorf("Host: %s: SERVER_NAME=%q, want %q", tt.host, env["SERVER_NAME"], tt.want)
		}
	}

	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback for a request without Host: %v", err)
	}
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv6 := httptest.NewUnstartedServer(h.Handler(nextHandler))
	srv6.Listener.Close()
	srv6.Listener = ln
	srv6.Start()
	t.Cleanup(srv6.Close)
	if _, env := rawEnv(t, srv6, "GET /cgi-bin/env.sh HTTP/1.0\r\n\r\n"); env["SERVER_NAME"] != "[::1]" {
		t.Errorf("HTTP/1.0 without Host on ::1: SERVER_NAME=%q, want [::1]", env["SERVER_NAME"])
	}
}

// TestRemoteAddrZone: a link-local client's REMOTE_ADDR is its address
// without the zone Go gives it (fe80::1%eth0), as in Python.
func TestRemoteAddrZone(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/cgi-bin/env.sh", nil)
	r.RemoteAddr = "[fe80::1%eth0]:1234"
	h.ServeHTTP(rec, r)
	env := envOf(rec.Body.String())
	if rec.Code != http.StatusOK || env["REMOTE_ADDR"] != "fe80::1" || env["REMOTE_HOST"] != "fe80::1" {
		t.Errorf("%d, REMOTE_ADDR=%q REMOTE_HOST=%q, want 200, fe80::1 and fe80::1", rec.Code, env["REMOTE_ADDR"], env["REMOTE_HOST"])
	}
}

// TestEnvPortAndLength: as in Python's run_cgi, SERVER_PORT is the port
// the server listens on, whatever the Host header says (net/http/cgi
// takes it from Host, and says 80 for a Host without a port), and
// CONTENT_LENGTH is the Content-Length header as sent, "0" too, and empty
// without one.
func TestEnvPortAndLength(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/env.sh": "#!/bin/sh\n" + header + "env\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, tt := range []struct {
		request, length string
	}{
		{"POST /cgi-bin/env.sh HTTP/1.1\r\nHost: example.com:9999\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "0"},
		{"GET /cgi-bin/env.sh HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n", ""},
	} {
		status, env := rawEnv(t, srv, tt.request)
		length, ok := env["CONTENT_LENGTH"]
		if status != 200 || env["SERVER_PORT"] != port || env["SERVER_NAME"] != "example.com" || length != tt.length || !ok {
			t.Errorf("%q: %d, SERVER_PORT=%q SERVER_NAME=%q CONTENT_LENGTH=%q (set %v); want 200, %s, example.com, %q",
				tt.request, status, env["SERVER_PORT"], env["SERVER_NAME"], length, ok, port, tt.length)
		}
	}
}

// rawEnv sends request, as it is, to srv, and returns the status and the
// variables of the env script's answer.
func rawEnv(t *testing.T, srv *httptest.Server, request string) (int, map[string]string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, envOf(string(b))
}

// TestTimeoutUnderAMillisecond: a Timeout under a millisecond is a limit
// all the same (the launcher counts in milliseconds; 0 would be none):
// the script is killed and the client gets 504.
func TestTimeoutUnderAMillisecond(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/sleep.sh": "#!/bin/sh\necho \"pid $$\" >&2\nexec sleep 10\n",
	})
	srv, logs := newServer(t, root, cgi.Options{Timeout: time.Microsecond})
	res := do(t, srv, "GET", "/cgi-bin/sleep.sh", nil, nil)
	if res.status != 504 || !strings.Contains(res.body, "CGI script timed out ('/cgi-bin/sleep.sh')") {
		t.Errorf("status = %d, want 504; body %q", res.status, res.body)
	}
	l := logs.String()
	if i := strings.Index(l, "msg=\"pid "); i >= 0 {
		pid, err := strconv.Atoi(strings.TrimRight(strings.Fields(l[i+len("msg=\"pid "):])[0], "\""))
		if err != nil {
			t.Fatal(err)
		}
		if !proctest.Gone(t, pid, 5*time.Second) {
			t.Errorf("script %d still running", pid)
		}
	}
}

// TestExecutableBit: a script is run when the server's user may execute
// it, as Python's os.access(path, os.X_OK) says: for root, any x bit
// will do (the script then runs as nobody: "others" x alone runs it); for
// another user, the x bit of the owner. Else 403, Python's "CGI script is
// not executable", not a 502 from a failed start.
func TestExecutableBit(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/s.sh": "#!/bin/sh\n" + header + "echo ran\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	want := map[os.FileMode]int{0o644: 403, 0o744: 200, 0o645: 403, 0o654: 403}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("nobody"); err != nil {
			t.Skip("no user nobody")
		}
		want = map[os.FileMode]int{0o644: 403, 0o645: 200}
	}
	for mode, status := range want {
		if err := os.Chmod(filepath.Join(root, "cgi-bin", "s.sh"), mode); err != nil {
			t.Fatal(err)
		}
		res := do(t, srv, "GET", "/cgi-bin/s.sh", nil, nil)
		body := "ran\n"
		if status == 403 {
			body = "CGI script is not executable ('/cgi-bin/s.sh')"
		}
		if res.status != status || !strings.Contains(res.body, body) {
			t.Errorf("euid %d, mode %o: %d %q; want %d with %q", os.Geteuid(), mode, res.status, res.body, status, body)
		}
	}
}

// foldFS finds each element of a name as a file system that ignores
// letter case, normalization and characters that show as nothing does
// (ext4 with the casefold of older Linux kernels, HFS+, ZFS with formKC,
// NTFS's upper-case table): under any spelling sameOnSomeFS takes for it.
type foldFS struct{ fsys fs.FS }

func (f foldFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	real := "."
	if name != "." {
		for elem := range strings.SplitSeq(name, "/") {
			des, err := fs.ReadDir(f.fsys, real)
			if err != nil {
				return nil, err
			}
			i := slices.IndexFunc(des, func(de fs.DirEntry) bool { return sameOnSomeFS(de.Name(), elem) })
			if i < 0 {
				return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
			}
			real = path.Join(real, des[i].Name())
		}
	}
	return f.fsys.Open(real)
}

// sameOnSomeFS reports whether some file system takes a and b for one
// name: one that compares keys (see samename.Key), or letters' simple
// upper case (as NTFS's table does) or lower case, one at a time, or the
// simple upper case of the NFKC forms.
func sameOnSomeFS(a, b string) bool {
	// (Not strings.EqualFold: simple case folding keeps ı and İ apart
	// from i, where their simple upper and lower case do not.)
	upperKC := func(s string) string { return strings.ToUpper(norm.NFKC.String(s)) }
	for _, f := range []func(string) string{samename.Key, strings.ToUpper, strings.ToLower, upperKC} {
		if f(a) == f(b) {
			return true
		}
	}
	return false
}

func TestOtherSpellings(t *testing.T) {
	// On a file system that takes other spellings for the names of the
	// CGI directories, no spelling reaches a script's source through
	// the handler behind.
	const secret = "SECRET-SOURCE"
	root := writeTree(t, map[string]string{
		"cgi-bin/ok.sh": "#!/bin/sh\n" + header + "echo ran-ok # " + secret + "\n",
		"first/ok.sh":   "#!/bin/sh\n" + header + "echo ran-ok # " + secret + "\n",
		"pub/a.txt":     "public\n",
	})
	h, err := cgi.New(cgi.Options{Root: root, Dirs: []string{"/cgi-bin", "/first"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(t, h.Handler(http.FileServer(http.FS(foldFS{os.DirFS(root)}))))
	for _, target := range []string{
		"/cgi%E2%80%8B-bin/ok.sh", // a zero-width space
		"/cgi-bin%C2%AD/ok.sh",    // a soft hyphen
		"/%EF%BB%BFcgi-bin/ok.sh", // a byte order mark
		"/%EF%BD%83gi-bin/ok.sh",  // a fullwidth c
		"/CGI%E2%80%8C-BIN/ok.sh", // another case and a zero-width non-joiner
		"/%EF%AC%81rst/ok.sh",     // the ligature fi
		"/FIR%C5%BFT/ok.sh",       // a long s
		"/cg%C4%B1-bin/ok.sh",     // a dotless i, upper case I (NTFS's table)
		"/CG%C4%B0-BIN/ok.sh",     // a dotted capital I, lower case i
		// A mathematical dotless i: a dotless i in NFKC.
		"/cg%F0%9D%9A%A4-bin/ok.sh",
	} {
		res := do(t, srv, "GET", target, nil, nil)
		if res.status != 404 || strings.Contains(res.body, secret) {
			t.Errorf("GET %s: %d %q, want 404 without the source", target, res.status, res.body)
		}
	}
	// The fallback does find files under other spellings, and the
	// scripts still run under their own.
	if res := do(t, srv, "GET", "/P%E2%80%8BUB/a.txt", nil, nil); res.status != 200 || res.body != "public\n" {
		t.Errorf("fallback: %d %q", res.status, res.body)
	}
	for _, target := range []string{"/cgi-bin/ok.sh", "/first/ok.sh"} {
		if res := do(t, srv, "GET", target, nil, nil); res.status != 200 || res.body != "ran-ok\n" {
			t.Errorf("GET %s: %d %q", target, res.status, res.body)
		}
	}
}

func TestShortNames(t *testing.T) {
	// FAT and NTFS give a name that does not fit 8.3 a short name too,
	// and open it by either: on such a file system /CGI-SC~1/ is the
	// CGI directory /cgi-scripts/ (here, a directory of that name stands
	// for the alias). No short name reaches a script's source.
	const secret = "SECRET-SOURCE"
	script := "#!/bin/sh\n" + header + "echo ran-ok # " + secret + "\n"
	root := writeTree(t, map[string]string{
		"cgi-scripts/ok.sh": script,
		"CGI-SC~1/ok.sh":    script,
		"notes~1/a.txt":     "public\n",
	})
	h, err := cgi.New(cgi.Options{Root: root, Dirs: []string{"/cgi-scripts", "/cgi-bin"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(t, h.Handler(http.FileServer(http.Dir(root))))
	for _, target := range []string{"/CGI-SC~1/ok.sh", "/cgi-sc~1/ok.sh", "/CGI-S~12/ok.sh", "/CG4F2A~1/ok.sh"} {
		res := do(t, srv, "GET", target, nil, nil)
		if res.status != 404 || strings.Contains(res.body, secret) {
			t.Errorf("GET %s: %d %q, want 404 without the source", target, res.status, res.body)
		}
	}
	// A name that only looks like a short name is served.
	if res := do(t, srv, "GET", "/notes~1/a.txt", nil, nil); res.status != 200 || res.body != "public\n" {
		t.Errorf("GET /notes~1/a.txt: %d %q", res.status, res.body)
	}
	if res := do(t, srv, "GET", "/cgi-scripts/ok.sh", nil, nil); res.status != 200 || res.body != "ran-ok\n" {
		t.Errorf("GET /cgi-scripts/ok.sh: %d %q", res.status, res.body)
	}
}

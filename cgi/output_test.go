//go:build unix

package cgi_test

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/cgi"
)

// TestScriptHeaderChecks: the script's header is checked on its way to
// the client, so that a script cannot split the response or change its
// framing (RFC 3875 section 6.3.4). Python copies it as it is.
func TestScriptHeaderChecks(t *testing.T) {
	tests := []struct {
		name, out  string
		wantStatus int
		wantHeader map[string]string // "" means absent
		wantBody   string
		wantLog    string
	}{
		{"control in value", "X-A: a\\000b\\r\\nX-B: ok\\tfine\\r\\nContent-Type: text/plain\\r\\n\\r\\nbody", 200,
			map[string]string{"X-A": "", "X-B": "ok\tfine"}, "body", `field=X-A reason="control character in value"`},
		{"hop-by-hop", "Content-Type: text/plain\\r\\nTransfer-Encoding: chunked\\r\\nConnection: keep-alive\\r\\nUpgrade: h2c\\r\\n\\r\\nbody", 200,
			map[string]string{"Upgrade": "", "Transfer-Encoding": ""}, "body", `field=Transfer-Encoding reason="hop-by-hop field"`},
		{"two lengths", "Content-Type: text/plain\\r\\nContent-Length: 2\\r\\nContent-Length: 4\\r\\n\\r\\nbody", 200,
			map[string]string{"Content-Length": ""}, "body", `field=Content-Length reason="not one non-negative number"`},
		{"same length twice", "Content-Type: text/plain\\r\\nContent-Length: 4\\r\\nContent-Length: 4\\r\\n\\r\\nbody", 200,
			map[string]string{"Content-Length": "4"}, "body", ""},
		{"status 101", "Status: 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\n\\r\\nraw", 502,
			map[string]string{"Upgrade": ""}, "CGI script sent no valid response ('/cgi-bin/s.sh')", "invalid status"},
		{"status 103", "Status: 103 Early Hints\\r\\nContent-Type: text/plain\\r\\n\\r\\nbody", 502,
			nil, "CGI script sent no valid response", "invalid status"},
		{"status 600", "Status: 600 Odd\\r\\nContent-Type: text/plain\\r\\n\\r\\nbody", 502,
			nil, "CGI script sent no valid response", "status=600"},
		// Field names are not case sensitive (RFC 3875 section 6.3):
		// net/http/cgi knew only "Status", and sent "status: 404" on
		// as a field of a 200.
		{"status in lower case", "status: 404 Nope\\r\\ncontent-type: text/plain\\r\\n\\r\\nbody", 404,
			map[string]string{"Status": "", "Content-Type": "text/plain"}, "body", ""},
		{"status in capitals, no type", "STATUS: 204 No Content\\r\\n\\r\\n", 204,
			map[string]string{"Status": ""}, "", ""},
		// net/http/cgi makes it a 302, which without its Location (a
		// control character drops it) would lead nowhere.
		{"bad Location", "Location: http://example.com/a\\001b\\r\\n\\r\\n", 502,
			map[string]string{"Location": ""}, "CGI script sent no valid response", "invalid Location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"cgi-bin/s.sh": "#!/bin/sh\nprintf '" + tt.out + "'\n"})
			srv, logs := newServer(t, root, cgi.Options{})
			res := do(t, srv, "GET", "/cgi-bin/s.sh", nil, nil)
			if res.status != tt.wantStatus || !strings.Contains(res.body, tt.wantBody) {
				t.Errorf("GET: %d %q, want %d with %q", res.status, res.body, tt.wantStatus, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := res.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs.String())
			}
		})
	}
}

// TestScriptVaryLines: a script's Vary lines go out as it sent them, as
// under Python, unless a middleware around it set a Vary too: then all
// go on one line, since nginx before 1.23 caches by the last Vary line
// alone and would ignore the middleware's fields.
func TestScriptVaryLines(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/s.sh": "#!/bin/sh\nprintf '" +
		"Content-Type: text/plain\\r\\nVary: Accept\\r\\nVary: Cookie\\r\\n\\r\\nbody'\n"})
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	origin := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Vary"] = []string{"Origin"}
			next.ServeHTTP(w, r)
		})
	}
	blank := func(next http.Handler) http.Handler { // the command's -H 'Vary:'
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Vary"] = []string{""}
			next.ServeHTTP(w, r)
		})
	}
	for _, tt := range []struct {
		name    string
		handler http.Handler
		want    []string
	}{
		{"script alone", h.Handler(nextHandler), []string{"Accept", "Cookie"}},
		{"under a middleware's Vary", origin(h.Handler(nextHandler)), []string{"Origin, Accept, Cookie"}},
		{"under a blank Vary", blank(h.Handler(nextHandler)), []string{"Accept, Cookie"}}, // not ", Accept, Cookie"
	} {
		res := do(t, newHTTPServer(t, tt.handler), "GET", "/cgi-bin/s.sh", nil, nil)
		if res.status != 200 || !slices.Equal(res.header["Vary"], tt.want) {
			t.Errorf("%s: %d, Vary %q; want 200, %q", tt.name, res.status, res.header["Vary"], tt.want)
		}
	}
}

// TestScriptHeaderReplaces: a field the script sends replaces the one a
// middleware around it set (the command's -H), so that the response
// carries one Content-Type, one Access-Control-Allow-Origin; the fields
// that are lists (Set-Cookie, Vary, Link) keep both, and a field the
// script does not send stays.
func TestScriptHeaderReplaces(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/s.sh": "#!/bin/sh\nprintf '" +
		"Content-Type: text/plain\\r\\nAccess-Control-Allow-Origin: https://a.example\\r\\n" +
		"Set-Cookie: s=1\\r\\nVary: Accept\\r\\nCache-Control: max-age=60\\r\\n\\r\\nbody'\n"})
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hdr := w.Header()
			hdr["Content-Type"] = []string{"text/x-mine"}
			hdr["Access-Control-Allow-Origin"] = []string{"*"}
			hdr["Set-Cookie"] = []string{"o=1"}
			hdr["Vary"] = []string{"Origin"}
			hdr["Cache-Control"] = []string{"no-store"}
			hdr["X-Outer"] = []string{"kept"}
			next.ServeHTTP(w, r)
		})
	}
	srv := newHTTPServer(t, outer(h.Handler(nextHandler)))
	res := do(t, srv, "GET", "/cgi-bin/s.sh", nil, nil)
	if res.status != 200 || res.body != "body" {
		t.Fatalf("GET: %d %q, want 200 body", res.status, res.body)
	}
	for k, want := range map[string][]string{
		"Content-Type":                {"text/plain"},
		"Access-Control-Allow-Origin": {"https://a.example"},
		"Cache-Control":               {"max-age=60"},
		"Set-Cookie":                  {"o=1", "s=1"},
		"Vary":                        {"Origin, Accept"}, // one line: nginx before 1.23 keys on the last
		"X-Outer":                     {"kept"},
	} {
		if got := res.header[k]; !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// TestKilledMidOutput: a script killed by a signal after its header went
// out has its response cut off, so that an HTTP/1.1 client sees the final
// chunk missing instead of a short body that looks whole.
func TestKilledMidOutput(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/k.sh": "#!/bin/sh\n" + header + "echo partial\necho $$ > \"$PATH_TRANSLATED\"\nexec sleep 30\n",
	})
	if err := os.Chmod(root, 0o777); err != nil { // the script writes its pid there, as nobody under root
		t.Fatal(err)
	}
	srv, _ := newServer(t, root, cgi.Options{})
	res, err := srv.Client().Get(srv.URL + "/cgi-bin/k.sh/pid")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "partial\n" {
		t.Fatalf("first line = %q, %v", line, err)
	}
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid <= 1; time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(root, "pid"))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		if time.Now().After(deadline) {
			t.Fatal("the script wrote no pid")
		}
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(br)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("after the kill: %q, %v; want io.ErrUnexpectedEOF", rest, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", res.StatusCode)
	}
}

// noFlushWriter is a ResponseWriter that cannot flush and does not
// unwrap, as some middleware wraps the writer.
type noFlushWriter struct{ w http.ResponseWriter }

func (n noFlushWriter) Header() http.Header         { return n.w.Header() }
func (n noFlushWriter) WriteHeader(code int)        { n.w.WriteHeader(code) }
func (n noFlushWriter) Write(p []byte) (int, error) { return n.w.Write(p) }

// TestWriterWithoutFlush: output is streamed with Flush where the writer
// can; a writer that cannot still gets the whole response (before, the
// first write failed and the script's response was cut off).
func TestWriterWithoutFlush(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/two.sh": "#!/bin/sh\n" + header + "echo one\necho two\n",
	})
	h, err := cgi.New(cgi.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(noFlushWriter{rec}, httptest.NewRequest("GET", "/cgi-bin/two.sh", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "one\ntwo\n" || rec.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("through a writer without Flush: %d %q %q, want 200 text/plain \"one\\ntwo\\n\"",
			rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}

// TestOutputPastBody: output after the body a script announced (its
// Content-Length, or none for a 304) is dropped and logged, as nginx does
// for an upstream: the client gets the response the header describes,
// and the connection stays usable for its next request. Before, the
// whole write was refused, so a 5-byte Content-Length came with 0 bytes
// and a closed connection.
func TestOutputPastBody(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/long.sh":  "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 5\\r\\n\\r\\nhello world'\n",
		"cgi-bin/later.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nContent-Length: 5\\r\\n\\r\\nhel'\nsleep 0.2\nprintf 'lo, and more'\n",
		"cgi-bin/304.sh":   "#!/bin/sh\nprintf 'Status: 304 Not Modified\\r\\n\\r\\nbody'\n",
		"cgi-bin/ok.sh":    "#!/bin/sh\n" + header + "echo ok\n",
	})
	srv, logs := newServer(t, root, cgi.Options{})
	for _, tt := range []struct {
		script, want string
		status       int
		log          string
	}{
		{"long.sh", "hello", 200, "more than its Content-Length"},
		{"later.sh", "hello", 200, "more than its Content-Length"},
		{"304.sh", "", 304, "a status that has none"},
	} {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for i, target := range []string{"/cgi-bin/" + tt.script, "/cgi-bin/ok.sh"} {
			io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("%s, request %d on the connection: %v", tt.script, i+1, err)
			}
			b, err := io.ReadAll(res.Body)
			status, want := tt.status, tt.want
			if i == 1 {
				status, want = 200, "ok\n"
			}
			if err != nil || res.StatusCode != status || string(b) != want {
				t.Errorf("%s, request %d on the connection: %d %q, %v; want %d %q", tt.script, i+1, res.StatusCode, b, err, status, want)
			}
		}
		c.Close()
		if !strings.Contains(logs.String(), tt.log) {
			t.Errorf("%s: the log lacks %q:\n%s", tt.script, tt.log, logs)
		}
	}
}

// TestStatus500WithSkippedLine: a header line net/http/cgi skips (an
// invalid field name, a line without a colon) is logged and dropped, and
// the rest of the response stands: a script's own Status: 500 is sent as
// it is, with or without a body, not turned into 502 as if net/http/cgi
// had given up on the response.
func TestStatus500WithSkippedLine(t *testing.T) {
	const head = `X-Trace id: 1\nno colon here\nStatus: 500 Oops\nContent-Type: text/plain\n\n`
	root := writeTree(t, map[string]string{
		"cgi-bin/body.sh":  "#!/bin/sh\nprintf '" + head + "mine\\n'\n",
		"cgi-bin/empty.sh": "#!/bin/sh\nprintf '" + head + "'\n",
	})
	srv, logs := newServer(t, root, cgi.Options{})
	for script, want := range map[string]string{"body.sh": "mine\n", "empty.sh": ""} {
		res := do(t, srv, "GET", "/cgi-bin/"+script, nil, nil)
		if res.status != 500 || res.body != want || res.header.Get("Content-Type") != "text/plain" {
			t.Errorf("%s: status %d, Content-Type %q, body %q; want 500, text/plain, %q",
				script, res.status, res.header.Get("Content-Type"), res.body, want)
		}
	}
	for _, want := range []string{`invalid header name: \"X-Trace id\"`, "bogus header line: no colon here"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
}

// TestBodyFailure: a request body that fails on its way (a malformed
// chunk, a client that stops halfway) kills the script and answers 400:
// the script must not take the part it read for the whole body, and with
// a chunked body (no CONTENT_LENGTH) it could not tell. Before, it read
// end of input and answered 200 for what it had.
func TestBodyFailure(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/count.sh": "#!/bin/sh\nn=$(wc -c)\n" + header + "echo \"got $n\"\n",
	})
	srv, logs := newServer(t, root, cgi.Options{})
	big := strings.Repeat("x", 2<<20) // streamed to the script, not read before it starts
	for _, tt := range []struct {
		name, request, message string
	}{
		{"malformed chunk", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", "Bad request body"},
		{"chunked, cut off", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n10\r\nabc", "Incomplete request body"},
		{"length, cut off", "Content-Length: " + strconv.Itoa(len(big)+10) + "\r\n\r\n" + big, "Incomplete request body"},
	} {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			io.WriteString(c, "POST /cgi-bin/count.sh HTTP/1.1\r\nHost: x\r\n"+tt.request)
			c.(*net.TCPConn).CloseWrite()
		}()
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		b, _ := io.ReadAll(res.Body)
		c.Close()
		if res.StatusCode != 400 || !strings.Contains(string(b), "<p>Message: "+tt.message+".</p>") {
			t.Errorf("%s: %d %q, want 400 %q, without the script's answer", tt.name, res.StatusCode, b, tt.message)
		}
		if !res.Close {
			t.Errorf("%s: no Connection: close", tt.name)
		}
	}
	if n := strings.Count(logs.String(), "request body failed, script killed"); n != 3 {
		t.Errorf("%d log lines say the script was killed, want 3:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client's body that failed was logged as an error:\n%s", logs)
	}
	// A body that stalls until the server's read deadline: 408.
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	slow := httptest.NewUnstartedServer(h)
	slow.Config.ReadTimeout = 500 * time.Millisecond
	slow.Start()
	defer slow.Close()
	c, err := net.Dial("tcp", slow.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /cgi-bin/count.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	stalled, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("stalled body: %v", err)
	}
	b, _ := io.ReadAll(stalled.Body)
	if stalled.StatusCode != 408 || !strings.Contains(string(b), "<p>Message: Request body too slow.</p>") {
		t.Errorf("stalled body: %d %q, want 408 \"Request body too slow\"", stalled.StatusCode, b)
	}
	// A whole chunked body still reaches the script.
	res := do(t, srv, "POST", "/cgi-bin/count.sh", io.MultiReader(strings.NewReader("hello")), nil)
	if res.status != 200 || strings.TrimSpace(res.body) != "got 5" {
		t.Errorf("whole chunked body: %d %q, want 200 \"got 5\"", res.status, res.body)
	}
}

// TestHugeScriptHeader: net/http/cgi keeps a script's whole header in
// memory, so one that printed header lines without end (a loop before
// its blank line) took the server's memory until its time limit. A
// header past 256 KiB gets the script killed and a 502; a large one
// below that still goes out.
func TestHugeScriptHeader(t *testing.T) {
	// 71 bytes a line.
	lines := func(n int) string {
		return "i=0\nwhile [ $i -lt " + strconv.Itoa(n) + " ]; do printf 'X-Filler: %060d\\n' $i; i=$((i+1)); done\n"
	}
	root := writeTree(t, map[string]string{
		"cgi-bin/large.sh": "#!/bin/sh\n" + lines(3000) + header + "echo ok\n",
		"cgi-bin/huge.sh":  "#!/bin/sh\n" + lines(4000) + header + "echo ok\n",
	})
	srv, logs := newServer(t, root, cgi.Options{})
	res := do(t, srv, "GET", "/cgi-bin/large.sh", nil, nil)
	if res.status != 200 || res.body != "ok\n" || len(res.header["X-Filler"]) != 3000 {
		t.Errorf("213 KB header: %d, %d X-Filler fields, body %q; want 200, 3000, \"ok\\n\"", res.status, len(res.header["X-Filler"]), res.body)
	}
	res = do(t, srv, "GET", "/cgi-bin/huge.sh", nil, nil)
	if res.status != 502 || !strings.Contains(res.body, "CGI script sent no valid response") {
		t.Errorf("284 KB header: %d %q, want 502 \"CGI script sent no valid response\"", res.status, res.body)
	}
	if !strings.Contains(logs.String(), `msg="CGI script header too long, killed" script=/cgi-bin/huge.sh limit=262144`) {
		t.Errorf("log %q does not say the header was too long", logs.String())
	}
}

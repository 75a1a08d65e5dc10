package cgi_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/internal/filetree"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

func TestMain(m *testing.M) {
	// The test binary is the launcher, as net/http/cgi's tests re-run
	// themselves as the CGI child.
	cgi.MaybeRunLauncher()
	os.Exit(m.Run())
}

// header is what every well-behaved test script prints first.
const header = "printf 'Content-Type: text/plain\\n\\n'\n"

// writeTree writes files (name -> content; content "" with a trailing
// slash in the name makes a directory) under a new root and returns it.
// Scripts are 0755, so that user nobody can run them when the tests run
// as root; so are the directories up to the temporary directory, and
// every directory made, whatever the umask (077 would leave them 0700).
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := filetree.MkdirAll(root, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := filetree.MkdirAll(root, filepath.Dir(p)); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o755)
		if strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".noexec") {
			mode = 0o644
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// nextHandler stands for the file server behind the middleware.
var nextHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "next:"+r.URL.Path)
})

// newServer starts the middleware over nextHandler. opts.Root is filled in
// and opts.Logger defaults to a buffer returned as the second result.
func newServer(t *testing.T, root string, opts cgi.Options) (*httptest.Server, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	opts.Root = root
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	h, err := cgi.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler(nextHandler))
	t.Cleanup(srv.Close)
	return srv, logs
}

type result struct {
	status int
	header http.Header
	body   string
}

// do sends a request with target written on the request line exactly as
// given (no cleaning, no re-encoding) and reads the whole response.
func do(t *testing.T, srv *httptest.Server, method, target string, body io.Reader, hdr http.Header) result {
	t.Helper()
	if body != nil {
		req, err := http.NewRequest(method, srv.URL+target, body)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: reading body: %v", method, target, err)
		}
		return result{res.StatusCode, res.Header, string(b)}
	}
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, srv.Listener.Addr())
	if method == "POST" {
		b.WriteString("Content-Length: 0\r\n")
	}
	for k, vv := range hdr {
		for _, v := range vv {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return result{res.StatusCode, res.Header, string(rb)}
}

// envOf parses the output of env(1) into a map.
func envOf(body string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(body, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

func newHTTPServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

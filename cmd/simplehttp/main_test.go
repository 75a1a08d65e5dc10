package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// TestMain lets the test binary serve as the CGI launcher (run with --cgi
// re-executes it) and as a child subreaper (see maybeExecSubreaper), and
// removes the binary the end-to-end tests build.
func TestMain(m *testing.M) {
	cgi.MaybeRunLauncher()
	maybeExecSubreaper()
	code := m.Run()
	removeBuiltBinary()
	os.Exit(code)
}

// waitLimit bounds every wait in these tests, so that a bug fails the test
// instead of hanging it. Nothing sleeps.
const waitLimit = 10 * time.Second

var startupRE = regexp.MustCompile(`^Serving (HTTPS?) on (\S+) port (\d+) \((https?)://(\S+):(\d+)/\) \.\.\.$`)

func TestStartupLine(t *testing.T) {
	tests := []struct {
		name  string
		addr  net.Addr
		https bool
		want  string
	}{
		{"IPv4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000}, false,
			"Serving HTTP on 127.0.0.1 port 8000 (http://127.0.0.1:8000/) ..."},
		{"IPv4 any", &net.TCPAddr{IP: net.IPv4zero, Port: 8000}, false,
			"Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ..."},
		// No -b: Go's dual-stack socket, as Python's on a host that prefers IPv6.
		{"IPv6 any", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8000}, false,
			"Serving HTTP on :: port 8000 (http://[::]:8000/) ..."},
		{"IPv6 loopback", &net.TCPAddr{IP: net.IPv6loopback, Port: 43569}, false,
			"Serving HTTP on ::1 port 43569 (http://[::1]:43569/) ..."},
		{"IPv6 with zone", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0", Port: 80}, false,
			"Serving HTTP on fe80::1%eth0 port 80 (http://[fe80::1%25eth0]:80/) ..."},
		// Python 3.14's line for HTTPS.
		{"HTTPS", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}, true,
			"Serving HTTPS on 127.0.0.1 port 8443 (https://127.0.0.1:8443/) ..."},
		{"HTTPS IPv6", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8443}, true,
			"Serving HTTPS on :: port 8443 (https://[::]:8443/) ..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := startupLine(tt.addr, tt.https)
			if got != tt.want {
				t.Errorf("startupLine(%v, %v) =\n%q, want\n%q", tt.addr, tt.https, got, tt.want)
			}
			// The URL is one a client takes, to the address listened on.
			_, rest, _ := strings.Cut(got, "(")
			u, err := url.Parse(strings.TrimSuffix(rest, ") ..."))
			if err != nil || u.Host != tt.addr.String() {
				t.Errorf("startupLine(%v): URL %q (%v), want one to %v", tt.addr, rest, err, tt.addr)
			}
		})
	}
}

func TestListenNetwork(t *testing.T) {
	tests := []struct{ bind, want string }{
		{"", "tcp"},         // all interfaces, dual-stack
		{"::", "tcp"},       // dual-stack, as Python's DualStackServer
		{"0.0.0.0", "tcp4"}, // IPv4 only, as in Python ("tcp" would go dual-stack)
		{"127.0.0.1", "tcp4"},
		{"::1", "tcp"},
		{"::ffff:127.0.0.1", "tcp4"},
		{"::ffff:0.0.0.0", "tcp4"}, // IPv4 only, as in Python
		{"localhost", "tcp"},       // resolved by net.Listen
	}
	for _, tt := range tests {
		if got := listenNetwork(tt.bind); got != tt.want {
			t.Errorf("listenNetwork(%q) = %q, want %q", tt.bind, got, tt.want)
		}
	}
}

// TestListenMappedAny: -b ::ffff:0.0.0.0 listens on the IPv4 addresses
// only, as Python's socket bound to it does; it listened on :: and
// answered IPv6 clients too.
func TestListenMappedAny(t *testing.T) {
	ln, err := listen(context.Background(), "::ffff:0.0.0.0", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := startupLine(ln.Addr(), false); !strings.HasPrefix(got, "Serving HTTP on 0.0.0.0 port ") {
		t.Errorf("startup line %q, want it on 0.0.0.0", got)
	}
}

// TestListenError checks the messages for the usual reasons listening
// fails, built from the errors net.Listen returns. (Permission denied
// cannot happen to root, which CI runs as; TestE2EErrors provokes it for
// real as user nobody where it can.)
func TestListenError(t *testing.T) {
	opErr := func(addr string, errno syscall.Errno) error {
		return &net.OpError{Op: "listen", Net: "tcp", Addr: &net.TCPAddr{}, Err: os.NewSyscallError("bind", errno)}
	}
	tests := []struct {
		name string
		err  error
		bind string
		port int
		// start is where the ports that need no privilege start.
		start int
		want  string
	}{
		{"in use", opErr(":8000", syscall.EADDRINUSE), "", 8000, 1024,
			"cannot listen on port 8000: address already in use (another server has it; pick another port, or 0 for a free one)"},
		{"low port", opErr(":80", syscall.EACCES), "", 80, 1024,
			"cannot listen on port 80: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port from 1024 up)"},
		{"low port with bind", opErr("127.0.0.1:80", syscall.EACCES), "127.0.0.1", 80, 1024,
			"cannot listen on 127.0.0.1 port 80: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port from 1024 up)"},
		// net.ipv4.ip_unprivileged_port_start raised to 2000: the advice
		// was "pick a port from 1024 up" for port 1500.
		{"port below a raised start", opErr(":1500", syscall.EACCES), "", 1500, 2000,
			"cannot listen on port 1500: permission denied (ports below 2000 need root or CAP_NET_BIND_SERVICE; pick a port from 2000 up)"},
		// Refused by something else than the port's number (SELinux):
		// no advice to change a port that is not the cause.
		{"refused above the start", opErr(":8000", syscall.EACCES), "", 8000, 1024,
			"cannot listen on port 8000: permission denied"},
		{"address not here", opErr("192.0.2.1:0", syscall.EADDRNOTAVAIL), "192.0.2.1", 0, 1024,
			"cannot listen on 192.0.2.1 port 0: cannot assign requested address (no interface of this host has it)"},
		// Link-local addresses: the kernel's EINVAL said nothing of why.
		{"link-local without zone", opErr("[fe80::1]:8000", syscall.EINVAL), "fe80::1", 8000, 1024,
			"cannot listen on fe80::1 port 8000: a link-local address needs its interface after %, like fe80::1%eth0"},
		{"link-local, no such interface", opErr("[fe80::1]:8000", syscall.EINVAL), "fe80::1%nosuch0", 8000, 1024,
			`cannot listen on fe80::1%nosuch0 port 8000: no interface is named "nosuch0"`},
		{"invalid otherwise", opErr("[2001:db8::1]:8000", syscall.EINVAL), "2001:db8::1", 8000, 1024,
			"cannot listen on 2001:db8::1 port 8000: bind: invalid argument"},
		{"unknown host", &net.OpError{Op: "listen", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}},
			"nowhere.invalid", 8000, 1024, "cannot listen on nowhere.invalid port 8000: lookup nowhere.invalid: no such host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := listenError(tt.err, tt.bind, tt.port, tt.start).Error(); got != tt.want {
				t.Errorf("listenError =\n%q, want\n%q", got, tt.want)
			}
		})
	}
}

// running is run() started in a goroutine.
type running struct {
	stdout <-chan string // the lines run prints, closed when run returns
	stderr *syncbuf.Buffer
	cancel context.CancelFunc // what Ctrl-C does
	exited <-chan struct{}    // closed when run has returned status
	status int
}

// wait returns run's exit status, failing the test if it does not return.
func (r *running) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-r.exited:
		return r.status
	case <-time.After(waitLimit):
		t.Fatalf("run did not return within %v; stderr: %s", waitLimit, r.stderr)
	}
	return 0
}

func startRun(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	exited := make(chan struct{})
	r := &running{stdout: lines, stderr: new(syncbuf.Buffer), cancel: cancel, exited: exited}
	go func() {
		r.status = run(ctx, args, pw, r.stderr)
		pw.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		cancel()
		r.wait(t)
	})
	return r
}

// line returns the next line run printed on stdout.
func (r *running) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-r.stdout:
		if !ok {
			t.Fatalf("stdout closed early; stderr: %s", r.stderr)
		}
		return l
	case <-time.After(waitLimit):
		t.Fatalf("no line on stdout after %v; stderr: %s", waitLimit, r.stderr)
	}
	return ""
}

// baseURL reads the startup line and returns the server's URL.
func (r *running) baseURL(t *testing.T) string {
	t.Helper()
	return parseStartupLine(t, r.line(t))
}

// parseStartupLine checks a startup line and returns the URL it shows.
func parseStartupLine(t *testing.T, l string) string {
	t.Helper()
	m := startupRE.FindStringSubmatch(l)
	if m == nil {
		t.Fatalf("startup line %q does not match %v", l, startupRE)
	}
	if m[3] == "0" || m[3] != m[6] || strings.ToLower(m[1]) != m[4] {
		t.Fatalf("startup line %q: want the real port, twice, and one scheme", l)
	}
	return m[4] + "://" + m[5] + ":" + m[6]
}

// exit interrupts run and checks that it prints Python's interrupt line,
// then nothing else, and exits 0.
func (r *running) exit(t *testing.T) {
	t.Helper()
	r.cancel()
	var rest []string
	for l := range r.stdout {
		rest = append(rest, l)
	}
	if got, want := strings.Join(rest, "\n"), "\nKeyboard interrupt received, exiting."; got != want {
		t.Errorf("stdout after interrupt = %q, want %q", got, want)
	}
	if status := r.wait(t); status != 0 {
		t.Errorf("exit status %d, want 0; stderr: %s", status, r.stderr)
	}
}

// site makes a directory to serve, holding hello.txt.
func site(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	return dir
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	return do(t, "GET", url, nil)
}

func do(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := (&http.Client{Timeout: waitLimit}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, string(body)
}

// TestRun starts the command in-process on a free port, fetches a file and
// interrupts it.
func TestRun(t *testing.T) {
	dir := site(t)
	tests := []struct {
		name string
		args []string
	}{
		{"flags before port", []string{"-b", "127.0.0.1", "-d", dir, "0"}},
		{"flags after port", []string{"0", "--bind", "127.0.0.1", "--directory", dir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRun(t, tt.args...)
			base := r.baseURL(t)
			if !strings.HasPrefix(base, "http://127.0.0.1:") {
				t.Errorf("URL %s, want 127.0.0.1", base)
			}
			resp, body := get(t, base+"/hello.txt")
			if resp.StatusCode != http.StatusOK || body != "hello\n" {
				t.Errorf("GET /hello.txt: status = %d, body %q; want 200, %q", resp.StatusCode, body, "hello\n")
			}
			// HTTP/1.0 is the default: one request per connection.
			// (ReadResponse turns "Connection: close" into resp.Close.)
			if !resp.Close {
				t.Errorf("GET /hello.txt: no Connection: close")
			}
			// Python's SimpleHTTP/0.6 Python/3.14.0, as ours.
			if got := resp.Header.Values("Server"); len(got) != 1 || got[0] != "simplehttp/devel" {
				t.Errorf("GET /hello.txt: Server = %q, want simplehttp/devel", got)
			}
			r.exit(t)
			// The access log, in Python's format, on stderr.
			if want := `] "GET /hello.txt HTTP/1.1" 200 6` + "\n"; !strings.Contains(r.stderr.String(), want) {
				t.Errorf("stderr = %q, want a line with %q", r.stderr, want)
			}
		})
	}
}

func TestRunIPv6(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	r := startRun(t, "-b", "::1", "-d", site(t), "0")
	base := r.baseURL(t)
	if !strings.HasPrefix(base, "http://[::1]:") {
		t.Errorf("URL %s, want [::1]", base)
	}
	if resp, body := get(t, base+"/hello.txt"); resp.StatusCode != http.StatusOK || body != "hello\n" {
		t.Errorf("GET /hello.txt: status = %d, body %q; want 200, %q", resp.StatusCode, body, "hello\n")
	}
	r.exit(t)
}

// TestRunProtocol checks -p on one raw connection: HTTP/1.0 closes it after
// the first response, HTTP/1.1 keeps it for a second request, and after a
// 404 too (errorpage keeps it unless CloseAfterError), but not after a 501.
func TestRunProtocol(t *testing.T) {
	tests := []struct {
		protocol      string
		wantKeepAlive bool
	}{
		{"HTTP/1.0", false},
		{"HTTP/1.1", true},
	}
	for _, tt := range tests {
		t.Run(tt.protocol, func(t *testing.T) {
			r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "-p", tt.protocol, "0")
			conn := dial(t, r.baseURL(t))
			br := bufio.NewReader(conn)
			request := func(method, target string) (*http.Response, error) {
				if _, err := io.WriteString(conn, method+" "+target+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					return nil, err
				}
				resp, err := readResponse(br, method)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
				}
				return resp, err
			}

			resp, err := request("GET", "/hello.txt")
			if err != nil {
				t.Fatalf("first request: %v", err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("first request: status = %d, want 200", resp.StatusCode)
			}
			// ReadResponse turns "Connection: close" into resp.Close.
			if resp.Close == tt.wantKeepAlive {
				t.Errorf("first request: Connection: close is %v, want %v", resp.Close, !tt.wantKeepAlive)
			}

			if tt.wantKeepAlive {
				for _, next := range []struct {
					method, target string
					status         int
					close          bool
				}{
					{"GET", "/missing", 404, false},
					{"GET", "/hello.txt", 200, false},
					{"DELETE", "/hello.txt", 501, true},
				} {
					resp, err := request(next.method, next.target)
					if err != nil {
						t.Fatalf("%s %s on the same connection: %v", next.method, next.target, err)
					}
					if resp.StatusCode != next.status || resp.Close != next.close {
						t.Errorf("%s %s: status = %d, Connection: close %v; want %d, %v", next.method, next.target, resp.StatusCode, resp.Close, next.status, next.close)
					}
				}
				if _, err := br.ReadByte(); err != io.EOF {
					t.Errorf("after the 501: read error %v, want EOF (connection closed)", err)
				}
			} else if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("after the first response: read error %v, want EOF (connection closed)", err)
			}
			r.exit(t)
		})
	}
}

// dial opens a raw connection to the server at base.
func dial(t *testing.T, base string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(waitLimit))
	return conn
}

// readResponse reads a whole response from br.
func readResponse(br *bufio.Reader, method string) (*http.Response, error) {
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, err
}

// TestRunHandler checks, through the running command, what the flags that
// configure the handler change, and that every method and path reaches the
// file server, which answers as Python does.
func TestRunHandler(t *testing.T) {
	dir := site(t)
	writeFile(t, filepath.Join(dir, "sub", "home.html"), "<p>home</p>\n")
	writeFile(t, filepath.Join(dir, "sub", "index.html"), "<p>index</p>\n")
	writeFile(t, filepath.Join(dir, "nolisting", "a.txt"), "a\n")
	writeFile(t, filepath.Join(dir, "data.unknownext"), "%PDF-1.4 not really\n")
	if err := os.Symlink(filepath.Join(dir, "hello.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}

	type check struct {
		method, target string
		wantStatus     int
		wantHeader     map[string]string
		wantBody       string // a substring; "" checks nothing
	}
	tests := []struct {
		name   string
		args   []string
		checks []check
	}{
		{"defaults", nil, []check{
			{"GET", "/sub/", 200, map[string]string{"Content-Type": "text/html"}, "<p>index</p>"},
			{"GET", "/nolisting/", 200, map[string]string{"Content-Type": "text/html; charset=utf-8"}, `<a href="a.txt">a.txt</a>`},
			{"GET", "/link.txt", 200, nil, "hello\n"},
			{"GET", "/data.unknownext", 200, map[string]string{"Content-Type": "application/pdf"}, ""},
			// Every method and path reaches the file server, which answers
			// 501 as Python does where chi alone would say 405 or 404.
			{"POST", "/", 501, nil, "Message: Unsupported method ('POST')."},
			{"PUT", "/x", 501, nil, ""},
			{"DELETE", "/x", 501, nil, ""},
			{"PROPFIND", "/", 501, nil, "Unsupported method ('PROPFIND')"},
			{"FOO", "/a%2Fb", 501, nil, ""},
			{"OPTIONS", "*", 501, nil, ""},
			{"GET", "/a%2Fb", 404, nil, "File not found"},
			{"GET", "//evil.com/", 404, nil, ""},
			{"GET", "/sub/../hello.txt", 200, nil, "hello\n"},
		}},
		{"index names", []string{"--index", "home.html"}, []check{
			{"GET", "/sub/", 200, nil, "<p>home</p>"},
		}},
		{"no listing", []string{"--no-listing"}, []check{
			{"GET", "/nolisting/", 404, nil, "File not found"},
			{"GET", "/sub/", 200, nil, "<p>index</p>"},
		}},
		{"no sniff", []string{"--no-sniff"}, []check{
			{"GET", "/data.unknownext", 200, map[string]string{"Content-Type": "application/octet-stream"}, ""},
		}},
		{"symlinks never", []string{"--symlinks", "never"}, []check{
			{"GET", "/link.txt", 404, nil, "File not found"},
			{"GET", "/hello.txt", 200, nil, "hello\n"},
		}},
		// The link points to an absolute path: not followed by "inside".
		{"symlinks inside", []string{"--symlinks", "inside"}, []check{
			{"GET", "/link.txt", 404, nil, ""},
		}},
		{"headers", []string{"-H", "X-Test: a, b", "-H", "Cache-Control: no-store", "-H", "X-Test: c"}, []check{
			{"GET", "/hello.txt", 200, map[string]string{"X-Test": "a, b", "Cache-Control": "no-store"}, "hello\n"},
			{"GET", "/missing", 404, map[string]string{"X-Test": "a, b"}, "File not found"},
			{"HEAD", "/nolisting/", 200, map[string]string{"X-Test": "a, b"}, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRun(t, append([]string{"-b", "127.0.0.1", "-d", dir, "0"}, tt.args...)...)
			base := r.baseURL(t)
			for _, c := range tt.checks {
				conn := dial(t, base)
				fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n", c.method, c.target)
				resp, err := readResponse(bufio.NewReader(conn), c.method)
				if err != nil {
					t.Fatalf("%s %s: %v", c.method, c.target, err)
				}
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != c.wantStatus {
					t.Errorf("%s %s: status = %d, want %d", c.method, c.target, resp.StatusCode, c.wantStatus)
				}
				for k, v := range c.wantHeader {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("%s %s: %s = %q, want %q", c.method, c.target, k, got, v)
					}
				}
				if !strings.Contains(string(body), c.wantBody) {
					t.Errorf("%s %s: body %q, want it to contain %q", c.method, c.target, body, c.wantBody)
				}
			}
			if tt.name == "headers" {
				conn := dial(t, base)
				fmt.Fprintf(conn, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
				resp, err := readResponse(bufio.NewReader(conn), "GET")
				if err != nil {
					t.Fatal(err)
				}
				if got, want := resp.Header.Values("X-Test"), []string{"a, b", "c"}; strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("X-Test = %q, want %q", got, want)
				}
			}
			r.exit(t)
		})
	}
}

// TestRunLimits checks Python's limits on the request head, through the
// running command: the answer, the log, and that the server goes on.
func TestRunLimits(t *testing.T) {
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "-p", "HTTP/1.1", "0")
	base := r.baseURL(t)
	long := strings.Repeat("a", 70000)
	tests := []struct {
		name        string
		head        string
		wantStatus  int
		wantMessage string
	}{
		{"request line", "GET /" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "<p>Message: URI Too Long.</p>"},
		{"header line", "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + long + "\r\n\r\n", 431, "<p>Message: Line too long.</p>"},
		{"too many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Many: y\r\n", 99) + "\r\n", 431, "<p>Message: Too many headers.</p>"},
		// Beyond net/http's 1 MiB for the whole head: its own 431.
		{"head over 1 MiB", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Many: "+strings.Repeat("y", 60000)+"\r\n", 20) + "\r\n", 431, "431 Request Header Fields Too Large"},
		// net/http reads 4 KiB past the 1 MiB, as the docs say: a request
		// line within them is still Python's 414, one past them its 431.
		{"request line of 1 MiB and 2 KiB", "GET /" + strings.Repeat("a", 1<<20+2<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "<p>Message: URI Too Long.</p>"},
		{"request line of 1 MiB and 8 KiB", "GET /" + strings.Repeat("a", 1<<20+8<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, "431 Request Header Fields Too Large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := dial(t, base)
			go io.WriteString(conn, tt.head) // the server may answer before reading it all
			resp, err := readResponse(bufio.NewReader(conn), "GET")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantMessage) {
				t.Errorf("status = %d, body %q; want %d, containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantMessage)
			}
			if !resp.Close {
				t.Errorf("no Connection: close")
			}
			// The server is still there.
			if resp, body := get(t, base+"/hello.txt"); resp.StatusCode != 200 || body != "hello\n" {
				t.Errorf("next request: status = %d, body %q", resp.StatusCode, body)
			}
		})
	}
	r.exit(t)
	// Python logs the refused request line as "", not the 64 KiB of it.
	for _, want := range []string{"code 414, message URI Too Long\n", "] \"\" 414 ", "code 431, message Line too long\n", "code 431, message Too many headers\n"} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr = %.500q..., want a line with %q", r.stderr, want)
		}
	}
	if strings.Contains(r.stderr.String(), long) {
		t.Errorf("stderr holds the refused request line")
	}
}

// TestRunHTTP2Preface: the HTTP/2 connection preface sent in the clear
// (curl --http2-prior-knowledge) starts with the request line
// "PRI * HTTP/2.0", which Python answers as any HTTP/2 request line:
// 505 "Invalid HTTP version (2.0)", logged, and the connection closed.
// net/http hands that one line to the handler as a request.
func TestRunHTTP2Preface(t *testing.T) {
	for _, proto := range []string{"HTTP/1.0", "HTTP/1.1"} {
		r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "-p", proto, "0")
		conn := dial(t, r.baseURL(t))
		io.WriteString(conn, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
		resp, err := readResponse(bufio.NewReader(conn), "PRI")
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		body, _ := io.ReadAll(resp.Body)
		const want = "<p>Message: Invalid HTTP version (2.0).</p>\n        <p>Error code explanation: 505 - Cannot fulfill request.</p>"
		if resp.StatusCode != 505 || !strings.Contains(string(body), want) {
			t.Errorf("%s: status = %d, body %q; want 505 with %q", proto, resp.StatusCode, body, want)
		}
		if !resp.Close {
			t.Errorf("%s: no Connection: close, so the rest of the preface would be read as a request", proto)
		}
		r.exit(t)
		for _, line := range []string{"code 505, message Invalid HTTP version (2.0)\n", "] \"PRI * HTTP/2.0\" 505 "} {
			if !strings.Contains(r.stderr.String(), line) {
				t.Errorf("%s: stderr = %q, want a line with %q", proto, r.stderr, line)
			}
		}
	}
}

// TestRunBodyNeverSent: a request that announces a body and does not send
// it, which nothing reads, is answered at once, as Python answers it, and
// its connection is let go. net/http would read the body it is promised,
// with no deadline: with -p HTTP/1.1 before it answers a GET or HEAD (to
// reuse the connection), and in both modes after the response, before it
// closes the connection. The client would hold the connection past every
// timeout.
func TestRunBodyNeverSent(t *testing.T) {
	for _, proto := range []string{"HTTP/1.0", "HTTP/1.1"} {
		r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "-p", proto, "0")
		base := r.baseURL(t)
		for _, tt := range []struct {
			method, path, framing string
			wantStatus            int
			wantBody              string
		}{
			{"GET", "/hello.txt", "Content-Length: 5", 200, "hello\n"},
			{"HEAD", "/hello.txt", "Content-Length: 5", 200, ""},
			{"GET", "/missing.txt", "Content-Length: 5", 404, "<p>Message: File not found.</p>"},
			{"POST", "/hello.txt", "Content-Length: 5", 501, "<p>Message: Unsupported method ('POST').</p>"},
			{"GET", "/hello.txt", "Transfer-Encoding: chunked", 200, "hello\n"},
		} {
			what := fmt.Sprintf("%s: %s %s with %s", proto, tt.method, tt.path, tt.framing)
			conn := dial(t, base) // its deadline is all that would end a wait for the body
			io.WriteString(conn, tt.method+" "+tt.path+" HTTP/1.1\r\nHost: x\r\n"+tt.framing+"\r\n\r\n")
			resp, err := readResponse(bufio.NewReader(conn), tt.method)
			if err != nil {
				t.Errorf("%s: no response before the body: %v", what, err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("%s: status = %d, body %q; want %d with %q", what, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if !resp.Close {
				t.Errorf("%s: no Connection: close, so the body would be read as the next request", what)
			}
			// The server lets the connection go rather than wait for the body.
			if n, err := conn.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("%s: after the response, read %d bytes, %v; want EOF", what, n, err)
			}
		}
		r.exit(t)
	}
	// --auth refuses before anything that serves, and an upload may be
	// refused before its body is read (the name exists).
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "-p", "HTTP/1.1", "--auth", "u:p", "--upload", "0")
	base := r.baseURL(t)
	for _, tt := range []struct {
		method, auth string
		wantStatus   int
	}{
		{"GET", "", 401},
		{"HEAD", "", 401},
		{"PUT", "", 401},
		{"POST", "", 401},
		{"PUT", "Authorization: Basic dTpw\r\n", 409},
	} {
		what := fmt.Sprintf("--auth: %s (credentials: %v)", tt.method, tt.auth != "")
		conn := dial(t, base)
		io.WriteString(conn, tt.method+" /hello.txt HTTP/1.1\r\nHost: x\r\n"+tt.auth+"Content-Length: 5\r\n\r\n")
		resp, err := readResponse(bufio.NewReader(conn), tt.method)
		if err != nil {
			t.Errorf("%s with a body never sent: no response: %v", what, err)
			continue
		}
		if resp.StatusCode != tt.wantStatus || !resp.Close {
			t.Errorf("%s with a body never sent: status = %d, close %v; want %d, close", what, resp.StatusCode, resp.Close, tt.wantStatus)
		}
		if n, err := conn.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("%s: after the response, read %d bytes, %v; want EOF", what, n, err)
		}
	}
	r.exit(t)
}

// TestRunLogging checks --log-file, --log-format and --quiet.
func TestRunLogging(t *testing.T) {
	dir := site(t)
	logFile := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, logFile, "earlier line\n")

	r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--log-file", logFile, "--log-format", "json", "0")
	base := r.baseURL(t)
	get(t, base+"/hello.txt?x=1")
	r.exit(t)
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(string(data), "\n")
	if first != "earlier line" {
		t.Errorf("log file starts with %q, want the earlier line kept (append)", first)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(rest), &rec); err != nil {
		t.Fatalf("log line %q: %v", rest, err)
	}
	if rec["uri"] != "/hello.txt?x=1" || rec["status"] != float64(200) || rec["bytes"] != float64(6) {
		t.Errorf("log record %v, want uri /hello.txt?x=1, status 200, bytes 6", rec)
	}
	if r.stderr.String() != "" {
		t.Errorf("stderr = %q, want nothing (the log goes to the file)", r.stderr)
	}

	q := startRun(t, "-b", "127.0.0.1", "-d", dir, "--quiet", "0")
	base = q.baseURL(t)
	get(t, base+"/hello.txt")
	get(t, base+"/missing")
	q.exit(t)
	if q.stderr.String() != "" {
		t.Errorf("--quiet: stderr = %q, want nothing", q.stderr)
	}
}

// TestRunCGI runs a script in-process (the test binary is the launcher).
func TestRunCGI(t *testing.T) {
	dir := publicDir(t)
	writeScript(t, filepath.Join(dir, "cgi-bin", "env.sh"),
		"#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\necho \"$SERVER_PROTOCOL $REQUEST_METHOD $QUERY_STRING\"\n")
	r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--cgi", "-p", "HTTP/1.1", "0")
	base := r.baseURL(t)
	if resp, body := get(t, base+"/cgi-bin/env.sh?a=b"); resp.StatusCode != 200 || body != "HTTP/1.1 GET a=b\n" {
		t.Errorf("GET /cgi-bin/env.sh?a=b: status = %d, body %q; want 200, %q", resp.StatusCode, body, "HTTP/1.1 GET a=b\n")
	}
	r.exit(t)
}

// TestRunErrors checks, in-process, failures after the command line is
// parsed; TestE2EErrors checks them all against the built binary.
func TestRunErrors(t *testing.T) {
	dir := site(t)
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := fmt.Sprint(busy.Addr().(*net.TCPAddr).Port)

	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantStderr string
	}{
		{"port in use", []string{"-b", "127.0.0.1", "-d", dir, busyPort}, 1,
			"simplehttp: cannot listen on 127.0.0.1 port " + busyPort + ": address already in use (another server has it; pick another port, or 0 for a free one)\n"},
		{"bad protocol", []string{"-p", "HTTP/2", "-d", dir}, 2,
			"simplehttp: unsupported protocol \"HTTP/2\": want HTTP/1.0 or HTTP/1.1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if status := run(t.Context(), tt.args, &stdout, &stderr); status != tt.wantStatus {
				t.Errorf("run(%q) = %d, want %d", tt.args, status, tt.wantStatus)
			}
			if stdout.Len() != 0 || stderr.String() != tt.wantStderr {
				t.Errorf("run(%q): stdout = %q, stderr = %q; want nothing, %q", tt.args, stdout.String(), stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestRunHelpAndVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run(t.Context(), []string{"--help"}, &stdout, &stderr); status != 0 {
		t.Errorf("run(--help) = %d, want 0", status)
	}
	if stdout.String() != usage || stderr.Len() != 0 {
		t.Errorf("run(--help): stdout = %q, stderr = %q; want the usage on stdout only", stdout.String(), stderr.String())
	}
	stdout.Reset()
	if status := run(t.Context(), []string{"--version"}, &stdout, &stderr); status != 0 {
		t.Errorf("run(--version) = %d, want 0", status)
	}
	if re := regexp.MustCompile(`^simplehttp \S+ \(go\S+ \w+/\w+\)\n$`); !re.MatchString(stdout.String()) || stderr.Len() != 0 {
		t.Errorf("run(--version): stdout = %q, stderr = %q; want one line matching %v", stdout.String(), stderr.String(), re)
	}
}

// TestServeGraceful checks that a request in flight when the interrupt comes
// is answered before serve returns.
func TestServeGraceful(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	r, url := startServe(t, h, waitLimit)

	type result struct {
		status int
		body   string
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := (&http.Client{Timeout: waitLimit}).Get(url)
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		resc <- result{resp.StatusCode, string(b), err}
	}()
	<-started
	r.cancel()
	if l := r.line(t); l != "" {
		t.Fatalf("stdout after interrupt: %q, want an empty line", l)
	}
	if l := r.line(t); l != "Keyboard interrupt received, exiting." {
		t.Fatalf("stdout after interrupt: %q, want the interrupt line", l)
	}
	select {
	case <-r.exited:
		t.Fatalf("serve returned %d with a request in flight", r.status)
	default:
	}
	close(release)
	res := <-resc
	if res.err != nil || res.status != http.StatusOK || res.body != "done" {
		t.Errorf("request in flight: status %d, body %q, error %v; want 200, %q", res.status, res.body, res.err, "done")
	}
	if status := r.wait(t); status != 0 {
		t.Errorf("serve = %d, want 0", status)
	}
}

// TestServeShutdownBound checks that a request that outlives the grace
// period is cut off, and that the command still exits 0, as Python does.
func TestServeShutdownBound(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // until the connection is closed
	})
	r, url := startServe(t, h, 50*time.Millisecond)
	errc := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Timeout: waitLimit}).Get(url)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	r.cancel()
	if status := r.wait(t); status != 0 {
		t.Errorf("serve = %d, want 0", status)
	}
	if err := <-errc; err == nil {
		t.Error("request outliving the grace period: no error, want the connection cut")
	}
	if want := "simplehttp: requests still running after 50ms were cut off\n"; r.stderr.String() != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
}

// TestRunShutdownCutOffJSON: with --log-format json every line on stderr
// is JSON, so that jq reads it whole, the line that says requests were cut
// off at the end of the grace period included: it went out as text, and
// jq stopped there.
func TestRunShutdownCutOffJSON(t *testing.T) {
	defer func(d time.Duration) { shutdownTimeout = d }(shutdownTimeout)
	shutdownTimeout = 50 * time.Millisecond
	dir := site(t)
	// Far more than the socket buffers hold: its download stays in
	// flight while the client reads nothing.
	if err := os.Truncate(filepath.Join(dir, "hello.txt"), 256<<20); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--log-format", "json", "0")
	addr := strings.TrimSuffix(strings.TrimPrefix(r.baseURL(t), "http://"), "/")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil { // the status line: in flight
		t.Fatal(err)
	}
	r.exit(t)
	found := false
	for l := range strings.Lines(r.stderr.String()) {
		if !json.Valid([]byte(l)) {
			t.Errorf("stderr line not JSON: %q", l)
		}
		found = found || strings.Contains(l, `"level":"WARN","msg":"simplehttp: requests still running after 50ms were cut off"`)
	}
	if !found {
		t.Errorf("stderr holds no JSON warning of the requests cut off:\n%s", r.stderr)
	}
}

// TestServeShutdownLogsCutOff checks that a download cut off at the end
// of the grace period still gets its access-log line, as it does from
// Python, which logs a request when its response begins: the shutdown
// waits for the handler to notice the closed connection and return.
func TestServeShutdownLogsCutOff(t *testing.T) {
	var logged syncbuf.Buffer
	access, err := accesslog.New(accesslog.Options{Writer: &logged})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	h := access.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "12345")
		http.NewResponseController(w).Flush()
		close(started)
		<-r.Context().Done() // until the connection is closed
		// A handler in the middle of a write or a script's end takes a
		// moment to return.
		time.Sleep(100 * time.Millisecond)
	}))
	r, url := startServe(t, h, 50*time.Millisecond)
	go func() {
		if resp, err := (&http.Client{Timeout: waitLimit}).Get(url); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	<-started
	r.cancel()
	if status := r.wait(t); status != 0 {
		t.Errorf("serve = %d, want 0", status)
	}
	access.Close()
	if line := logged.String(); !strings.HasSuffix(line, "] \"GET / HTTP/1.1\" 200 5\n") {
		t.Errorf("access log after the cut = %q, want the request's line, 200 with 5 bytes", line)
	}
}

// startServe runs serve with handler h on a free port and returns the URL.
func startServe(t *testing.T, h http.Handler, grace time.Duration) (*running, string) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	lines := make(chan string, 100)
	stdout := lineWriter(lines)
	exited := make(chan struct{})
	r := &running{stdout: lines, stderr: new(syncbuf.Buffer), cancel: cancel, exited: exited}
	srv := newServer(config{Protocol: http10}, h, slog.New(slog.NewTextHandler(r.stderr, nil)))
	go func() {
		r.status = serve(ctx, srv, ln, grace, nil, nil, func(w string) { fmt.Fprintln(r.stderr, w) }, failTo(r.stderr), stdout)
		close(exited)
	}()
	t.Cleanup(func() {
		cancel()
		r.wait(t)
	})
	return r, r.baseURL(t) + "/"
}

// lineWriter sends each line written to it to lines; serve writes whole
// lines with Fprintln.
type lineWriter chan<- string

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l != "" {
			w <- strings.TrimSuffix(l, "\n")
		}
	}
	return len(p), nil
}

// publicDir makes a directory that user nobody can enter: the CGI scripts
// run as nobody when the tests run as root, and t.TempDir's directories
// are private.
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "simplehttp-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeScript writes an executable script. Its directory (made by
// writeFile, with the mode the umask leaves) is opened to all as well: the
// script runs as nobody when the tests run as root, and under umask 077
// nobody could not enter it.
func writeScript(t *testing.T, name, content string) {
	t.Helper()
	writeFile(t, name, content)
	for _, p := range []string{filepath.Dir(name), name} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestServeFlushesBeforeInterrupt: a request answered just before Ctrl-C
// is logged before the interrupt line, as Python, which writes each log
// line at once, logs it; the buffered line came after it on a terminal
// that shows both stdout and stderr.
func TestServeFlushesBeforeInterrupt(t *testing.T) {
	var out syncbuf.Buffer // stdout and stderr, as a terminal shows them
	access, err := accesslog.New(accesslog.Options{Writer: &out, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer access.Close()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newServer(config{Protocol: http10}, access.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})), slog.New(slog.NewTextHandler(&out, nil)))
	status := make(chan int, 1)
	go func() {
		status <- serve(ctx, srv, ln, waitLimit, nil, func() { access.Flush() }, func(w string) { fmt.Fprintln(&out, w) }, failTo(&out), &out)
	}()
	if resp, body := get(t, url); resp.StatusCode != http.StatusOK || body != "ok" {
		t.Fatalf("GET /: status %d, body %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case s := <-status:
		if s != 0 {
			t.Errorf("serve = %d, want 0", s)
		}
	case <-time.After(waitLimit):
		t.Fatalf("serve did not return within %v", waitLimit)
	}
	re := regexp.MustCompile(`^Serving HTTP on .*\n127\.0\.0\.1 - - \[[^]]+\] "GET / HTTP/1\.1" 200 2\n\nKeyboard interrupt received, exiting\.\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("stdout and stderr = %q, want the startup line, the request's line, then the interrupt line", out.String())
	}
}

// failTo is serve's fail for tests: it writes the error's line to w, as
// the command does without --log-format json, and returns 1.
func failTo(w io.Writer) func(error) int {
	return func(err error) int {
		fmt.Fprintf(w, "simplehttp: %s\n", oneLine(err))
		return 1
	}
}

// brokenListener fails every Accept with an error that is not
// temporary, as a listener whose socket went away does.
type brokenListener struct{ net.Listener }

func (brokenListener) Accept() (net.Conn, error) {
	return nil, errors.New("accept: the socket went away")
}

// TestServeListenerFails: a listener that fails ends serving at once,
// with the error said through fail (a JSON line with --log-format json)
// and its exit status, after the log lines of the requests answered
// before it, as at an interrupt.
func TestServeListenerFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := newServer(config{Protocol: http10}, http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	var said []string
	var stdout bytes.Buffer
	flush := func() { said = append(said, "the log lines buffered") }
	status := serve(context.Background(), srv, brokenListener{ln}, time.Second, nil, flush, func(string) {}, func(err error) int {
		said = append(said, err.Error())
		return 7
	}, &stdout)
	if want := []string{"the log lines buffered", "accept: the socket went away"}; status != 7 || !slices.Equal(said, want) {
		t.Errorf("serve returned %d having said %q, want 7 and %q", status, said, want)
	}
}

// fullWriter fails every Write while full is set, as a file on a full
// disk does.
type fullWriter struct {
	full atomic.Bool
	syncbuf.Buffer
}

func (w *fullWriter) Write(p []byte) (int, error) {
	if w.full.Load() {
		return 0, syscall.ENOSPC
	}
	return w.Buffer.Write(p)
}

// TestStderrWorksAgain: a stderr that fails for a while (on a full disk)
// and then works again gets the line that says so in the format of the
// diagnostics, JSON with --log-format json (so that jq reads stderr
// whole), Python's log_error lines otherwise; not slog's text lines.
func TestStderrWorksAgain(t *testing.T) {
	for _, format := range []string{"python", "common", "json"} {
		t.Run(format, func(t *testing.T) {
			cfg, err := parseArgs([]string{"--log-format", format})
			if err != nil {
				t.Fatal(err)
			}
			stderr := new(fullWriter)
			stderr.full.Store(true)
			var cl closers
			access, _, err := newLogs(cfg, stderr, &cl)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.close()
			h := access.Handler(http.NotFoundHandler())
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/lost", nil))
			access.Flush()
			stderr.full.Store(false)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/kept", nil))
			access.Flush()

			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			var again string
			for _, l := range lines {
				if strings.Contains(l, "writing the access log again") {
					again = l
				}
			}
			switch {
			case again == "":
				t.Fatalf("stderr:\n%s\nwant a line that says the log is written again", stderr.String())
			case format == "json":
				var rec struct{ Level, Msg string }
				if err := json.Unmarshal([]byte(again), &rec); err != nil || rec.Level != "WARN" {
					t.Errorf("line %q: %v, want a JSON object of level WARN", again, err)
				}
			case !regexp.MustCompile(`^- - - \[[^]]+\] accesslog: writing the access log again lost_lines=1$`).MatchString(again):
				t.Errorf("line %q, want it in the format of Python's log_error", again)
			}
		})
	}
}

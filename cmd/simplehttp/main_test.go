package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the real main, signal handling included, in a
// child process: the test binary re-run with SIMPLEHTTP_TEST_MAIN=1 is the
// command, with the arguments after the program name.
func TestMain(m *testing.M) {
	if os.Getenv("SIMPLEHTTP_TEST_MAIN") == "1" {
		main()
		return // not reached: main exits
	}
	os.Exit(m.Run())
}

// waitLimit bounds every wait in these tests, so that a bug fails the test
// instead of hanging it. Nothing sleeps.
const waitLimit = 10 * time.Second

var startupRE = regexp.MustCompile(`^Serving HTTP on (\S+) port (\d+) \(http://(\S+):(\d+)/\) \.\.\.$`)

func TestStartupLine(t *testing.T) {
	tests := []struct {
		name string
		addr net.Addr
		want string
	}{
		{"IPv4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8000},
			"Serving HTTP on 127.0.0.1 port 8000 (http://127.0.0.1:8000/) ..."},
		{"IPv4 any", &net.TCPAddr{IP: net.IPv4zero, Port: 8000},
			"Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ..."},
		// No -b: Go's dual-stack socket, as Python's on a host that prefers IPv6.
		{"IPv6 any", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8000},
			"Serving HTTP on :: port 8000 (http://[::]:8000/) ..."},
		{"IPv6 loopback", &net.TCPAddr{IP: net.IPv6loopback, Port: 43569},
			"Serving HTTP on ::1 port 43569 (http://[::1]:43569/) ..."},
		{"IPv6 with zone", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0", Port: 80},
			"Serving HTTP on fe80::1%eth0 port 80 (http://[fe80::1%eth0]:80/) ..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := startupLine(tt.addr); got != tt.want {
				t.Errorf("startupLine(%v) =\n%q, want\n%q", tt.addr, got, tt.want)
			}
		})
	}
}

// TestStartupLinePortZero checks that port 0 prints the port picked.
func TestStartupLinePortZero(t *testing.T) {
	ln, err := net.Listen(listenNetwork("127.0.0.1"), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	want := fmt.Sprintf("Serving HTTP on 127.0.0.1 port %d (http://127.0.0.1:%d/) ...", port, port)
	if got := startupLine(ln.Addr()); got != want || port == 0 {
		t.Errorf("startupLine = %q, want %q", got, want)
	}
}

func TestListenNetwork(t *testing.T) {
	tests := []struct{ bind, want string }{
		{"", "tcp"},         // all interfaces, dual-stack
		{"::", "tcp"},       // dual-stack, as Python's DualStackServer
		{"0.0.0.0", "tcp4"}, // IPv4 only, as in Python ("tcp" would go dual-stack)
		{"127.0.0.1", "tcp4"},
		{"::1", "tcp"},
		{"localhost", "tcp"}, // resolved by net.Listen
	}
	for _, tt := range tests {
		if got := listenNetwork(tt.bind); got != tt.want {
			t.Errorf("listenNetwork(%q) = %q, want %q", tt.bind, got, tt.want)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for the concurrent writes of run and
// the reads of the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// running is run() started in a goroutine.
type running struct {
	stdout <-chan string // the lines run prints, closed when run returns
	stderr *lockedBuffer
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
	r := &running{stdout: lines, stderr: new(lockedBuffer), cancel: cancel, exited: exited}
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
	l := r.line(t)
	m := startupRE.FindStringSubmatch(l)
	if m == nil {
		t.Fatalf("startup line %q does not match %v", l, startupRE)
	}
	if m[2] == "0" || m[2] != m[4] {
		t.Fatalf("startup line %q: want the real port, twice", l)
	}
	return "http://" + m[3] + ":" + m[4]
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
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{Timeout: waitLimit}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
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
			if got := resp.Header.Get("Server"); got != "" {
				t.Errorf("GET /hello.txt: Server = %q, want none", got)
			}
			// Every method reaches the file server, which answers 501 as
			// Python does (chi alone would answer 405).
			req, err := http.NewRequest("FOO", base+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			foo, err := (&http.Client{Timeout: waitLimit}).Do(req)
			if err != nil {
				t.Fatalf("FOO /: %v", err)
			}
			foo.Body.Close()
			if foo.StatusCode != http.StatusNotImplemented {
				t.Errorf("FOO /: status = %d, want 501", foo.StatusCode)
			}
			r.exit(t)
			// The access log, in Python's format, on stderr.
			for _, want := range []string{
				`] "GET /hello.txt HTTP/1.1" 200 6` + "\n",
				`] code 501, message Unsupported method ('FOO')` + "\n",
				`] "FOO / HTTP/1.1" 501 `,
			} {
				if !strings.Contains(r.stderr.String(), want) {
					t.Errorf("stderr = %q, want a line with %q", r.stderr, want)
				}
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
// the first response, HTTP/1.1 keeps it for a second request.
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
			base := r.baseURL(t)
			conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(waitLimit))
			br := bufio.NewReader(conn)
			request := func() (*http.Response, error) {
				if _, err := io.WriteString(conn, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					return nil, err
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					return nil, err
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp, err
			}

			resp, err := request()
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
				resp, err := request()
				if err != nil {
					t.Fatalf("second request on the same connection: %v", err)
				}
				if resp.StatusCode != http.StatusOK {
					t.Errorf("second request: status = %d, want 200", resp.StatusCode)
				}
			} else if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("after the first response: read error %v, want EOF (connection closed)", err)
			}
			r.exit(t)
		})
	}
}

// TestRunErrors checks that every failure is one line on stderr and a
// non-zero status, with nothing on stdout.
func TestRunErrors(t *testing.T) {
	dir := site(t)
	file := filepath.Join(dir, "hello.txt")
	missing := filepath.Join(dir, "missing")

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
		wantStderr string // a regexp for the one line, after "simplehttp: "
	}{
		{"directory is a file", []string{"-b", "127.0.0.1", "-d", file, "0"}, 1,
			regexp.QuoteMeta(fmt.Sprintf("-d %q: not a directory", file))},
		{"directory missing", []string{"-b", "127.0.0.1", "-d", missing, "0"}, 1,
			regexp.QuoteMeta(fmt.Sprintf("-d %q: no such file or directory", missing))},
		{"port in use", []string{"-b", "127.0.0.1", "-d", dir, busyPort}, 1,
			`listen tcp4 127\.0\.0\.1:` + busyPort + `: bind: address already in use`},
		// TEST-NET-1: an address no interface has, refused without any traffic.
		{"address not on this host", []string{"-b", "192.0.2.1", "-d", dir, "0"}, 1,
			`listen tcp4 192\.0\.2\.1:0: bind: cannot assign requested address`},
		{"bad protocol", []string{"-p", "HTTP/2", "-d", dir}, 2, `unsupported protocol "HTTP/2": want HTTP/1\.0 or HTTP/1\.1`},
		{"bad port", []string{"-d", dir, "65536"}, 2, `invalid port "65536": must be 0-65535`},
		{"unknown flag", []string{"--cgi"}, 2, `unknown flag: --cgi`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(t.Context(), tt.args, &stdout, &stderr)
			if status != tt.wantStatus {
				t.Errorf("run(%q) = %d, want %d", tt.args, status, tt.wantStatus)
			}
			if stdout.Len() != 0 {
				t.Errorf("run(%q): stdout = %q, want nothing", tt.args, stdout.String())
			}
			re := regexp.MustCompile(`^simplehttp: ` + tt.wantStderr + `\n$`)
			if !re.MatchString(stderr.String()) {
				t.Errorf("run(%q): stderr = %q, want one line matching %v", tt.args, stderr.String(), re)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run(t.Context(), []string{"--help"}, &stdout, &stderr); status != 0 {
		t.Errorf("run(--help) = %d, want 0", status)
	}
	if stdout.String() != usage || stderr.Len() != 0 {
		t.Errorf("run(--help): stdout = %q, stderr = %q; want the usage on stdout only", stdout.String(), stderr.String())
	}
}

// TestRouterReachesHandler checks that the router hands every method and
// path to the file server, so that it, not chi, answers (501 for methods it
// does not serve, as Python does).
func TestRouterReachesHandler(t *testing.T) {
	reached := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Reached", r.Method+" "+r.RequestURI)
		w.WriteHeader(http.StatusTeapot)
	})
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := newServer(config{Protocol: http10}, newRouter(reached), logger)
	go srv.Serve(ln)
	defer srv.Close()

	tests := []struct{ method, target string }{
		{"GET", "/"},
		{"GET", "/a/b/"},
		{"HEAD", "/a"},
		{"POST", "/"},
		{"PUT", "/x"},
		{"DELETE", "/x"},
		{"PATCH", "/x"},
		{"TRACE", "/"},
		{"OPTIONS", "/"},
		{"OPTIONS", "*"},       // net/http would answer this itself
		{"PROPFIND", "/dav/"},  // unknown to chi: it would say 405
		{"FOO", "/"},           // Python: 501 Unsupported method ('FOO')
		{"GET", "/a%2Fb"},      // an encoded slash
		{"GET", "//evil.com/"}, // a leading double slash
		{"GET", "/a/../b"},     // dot segments, cleaned by the file server
		{"GET", "/?q=1"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(waitLimit))
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n", tt.method, tt.target)
			resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: tt.method})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := tt.method + " " + tt.target
			if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Reached") != want {
				t.Errorf("%s %s: status = %d, X-Reached = %q; want 418, %q",
					tt.method, tt.target, resp.StatusCode, resp.Header.Get("X-Reached"), want)
			}
		})
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
	r := &running{stdout: lines, stderr: new(lockedBuffer), cancel: cancel, exited: exited}
	srv := newServer(config{Protocol: http10}, h, slog.New(slog.NewTextHandler(r.stderr, nil)))
	go func() {
		r.status = serve(ctx, srv, ln, grace, stdout, r.stderr)
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

// TestMainSignals runs the real command in a child process and stops it
// with a signal, as a user would.
func TestMainSignals(t *testing.T) {
	dir := site(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-b", "127.0.0.1", "-d", dir, "0")
			cmd.Env = append(os.Environ(), "SIMPLEHTTP_TEST_MAIN=1",
				// The race detector waits a second at exit by default.
				"GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
			var stderr lockedBuffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			if !sc.Scan() {
				t.Fatalf("no startup line; stderr: %s", &stderr)
			}
			m := startupRE.FindStringSubmatch(sc.Text())
			if m == nil || m[1] != "127.0.0.1" {
				t.Fatalf("startup line %q, want one for 127.0.0.1", sc.Text())
			}
			if resp, body := get(t, "http://127.0.0.1:"+m[2]+"/hello.txt"); resp.StatusCode != http.StatusOK || body != "hello\n" {
				t.Errorf("GET /hello.txt: status = %d, body %q; want 200, %q", resp.StatusCode, body, "hello\n")
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(out)
			err = cmd.Wait()
			if want := "\nKeyboard interrupt received, exiting.\n"; string(rest) != want {
				t.Errorf("stdout after %v = %q, want %q", sig, rest, want)
			}
			if err != nil {
				t.Errorf("after %v: %v, want exit status 0; stderr: %s", sig, err, &stderr)
			}
		})
	}
}

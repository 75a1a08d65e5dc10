package hardening

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in the cmd_* and slow_* files run the built simplehttp command,
// as a user would, and talk to it over TCP on 127.0.0.1. TestCommand builds
// it once into a temp dir and runs each of them as a parallel subtest, each
// against a server process of its own:
//
//	go test -run 'TestCommand/slowloris' ./internal/hardening
//
// Nothing sleeps to wait for the server: every wait is for an event (a
// line of output, a close, an exit), bounded by waitLimit so that a bug
// fails the test instead of hanging it. Where the command has the flags
// --read-header-timeout and --idle-timeout, the tests set short timeouts;
// without them they wait for the built-in header timeout (10 s, the
// subtests in parallel) and skip the idle test (60 s).

// waitLimit bounds every wait for the server.
const waitLimit = 20 * time.Second

// commandTests are the subtests of TestCommand, by name. Each file adds its
// own in an init function.
var commandTests = map[string]func(t *testing.T, bin *binary){}

func TestCommand(t *testing.T) {
	bin := buildCommand(t)
	for _, name := range slices.Sorted(maps.Keys(commandTests)) {
		test := commandTests[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, bin)
		})
	}
}

// binary is the built command.
type binary struct {
	path string
	help string // its --help output
}

// hasFlag reports whether the command's --help lists the long flag name
// (without the dashes).
func (b *binary) hasFlag(name string) bool {
	return strings.Contains(b.help, "--"+name+" ") || strings.Contains(b.help, "--"+name+"\n") ||
		strings.Contains(b.help, "--"+name+"=")
}

// The command's built-in timeouts (cmd/simplehttp newServer).
const (
	defaultHeaderTimeout = 10 * time.Second
	defaultIdleTimeout   = 60 * time.Second
)

// timeouts returns the arguments that set the header and idle timeouts to
// header and idle, for the flags the command has, and the timeouts that
// will apply: the built-in default where there is no flag.
func (b *binary) timeouts(header, idle time.Duration) (args []string, headerTimeout, idleTimeout time.Duration) {
	headerTimeout, idleTimeout = defaultHeaderTimeout, defaultIdleTimeout
	if b.hasFlag("read-header-timeout") {
		args = append(args, "--read-header-timeout", header.String())
		headerTimeout = header
	}
	if b.hasFlag("idle-timeout") {
		args = append(args, "--idle-timeout", idle.String())
		idleTimeout = idle
	}
	return args, headerTimeout, idleTimeout
}

// buildCommand builds cmd/simplehttp into a temp dir of t.
func buildCommand(t *testing.T) *binary {
	t.Helper()
	path := filepath.Join(t.TempDir(), "simplehttp")
	cmd := exec.Command("go", "build", "-o", path, "github.com/simplehttp/simplehttp/cmd/simplehttp")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/simplehttp: %v\n%s", err, out)
	}
	help, err := exec.Command(path, "--help").Output()
	if err != nil {
		t.Fatalf("simplehttp --help: %v", err)
	}
	return &binary{path: path, help: string(help)}
}

// server is a running simplehttp process.
type server struct {
	cmd    *exec.Cmd
	addr   string // 127.0.0.1:PORT, from the startup line
	dir    string // the directory it serves
	stdout *watchedBuffer
	stderr *watchedBuffer
	exited chan struct{} // closed when the process has exited
	state  *os.ProcessState
}

// startupRE matches the line the command prints first.
var startupRE = regexp.MustCompile(`^Serving HTTP on 127\.0\.0\.1 port (\d+) \(http://127\.0\.0\.1:(\d+)/\) \.\.\.$`)

// startServer runs the command on a free port of 127.0.0.1 with HTTP/1.1,
// serving a new temp dir with the files of siteFiles, plus args. It waits
// for the startup line; the process is killed at the end of the test if it
// is still running.
func startServer(t *testing.T, bin *binary, args ...string) *server {
	t.Helper()
	return startWrapped(t, nil, bin, args...)
}

// startWrapped is startServer with the command run by wrapper, a prefix
// such as {"/bin/sh", "-c", `ulimit -n 64 && exec "$0" "$@"`}, which must
// exec the command so that it keeps the PID.
func startWrapped(t *testing.T, wrapper []string, bin *binary, args ...string) *server {
	t.Helper()
	dir := t.TempDir()
	for name, body := range siteFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	argv := append([]string{bin.path, "0", "-b", "127.0.0.1", "-p", "HTTP/1.1", "-d", dir}, args...)
	argv = append(append([]string(nil), wrapper...), argv...)
	s := &server{
		cmd:    exec.Command(argv[0], argv[1:]...),
		dir:    dir,
		stdout: newWatchedBuffer(),
		stderr: newWatchedBuffer(),
		exited: make(chan struct{}),
	}
	s.cmd.Stdout = s.stdout
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.cmd.Wait()
		s.state = s.cmd.ProcessState
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server stdout:\n%s\nserver stderr (last 4 KiB):\n%s", s.stdout, tail(s.stderr.String(), 4096))
		}
	})

	line, err := s.stdout.waitLine(0, waitLimit, s.exited)
	if err != nil {
		t.Fatalf("%s: no startup line: %v\nstderr: %s", strings.Join(argv, " "), err, s.stderr)
	}
	m := startupRE.FindStringSubmatch(line)
	if m == nil || m[1] != m[2] {
		t.Fatalf("startup line = %q, want %q", line, startupRE)
	}
	s.addr = "127.0.0.1:" + m[1]
	return s
}

// siteFiles are the files every server serves.
var siteFiles = map[string]string{
	"hello.txt": "hello\n",
}

// signal sends sig to the server process.
func (s *server) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the process to exit and returns its exit status.
func (s *server) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-s.exited:
	case <-time.After(waitLimit):
		t.Fatalf("server still running %v after it was told to stop", waitLimit)
	}
	return s.state.ExitCode()
}

// alive fails t if the process has exited.
func (s *server) alive(t *testing.T) {
	t.Helper()
	select {
	case <-s.exited:
		t.Fatalf("server exited: %v", s.state)
	default:
	}
}

// dial connects to the server.
func (s *server) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.addr, waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// checkServes fails t unless a normal request, on a new connection, gets
// 200 and hello.txt's bytes.
func (s *server) checkServes(t *testing.T) {
	t.Helper()
	if err := s.serves(); err != nil {
		t.Errorf("normal request: %v", err)
	}
}

// serves makes a normal request, GET /hello.txt on a new connection, and
// reports what was wrong with the answer.
func (s *server) serves() error {
	c, err := net.DialTimeout("tcp", s.addr, waitLimit)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	if _, err := io.WriteString(c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(body) != siteFiles["hello.txt"] {
		return fmt.Errorf("GET /hello.txt: %s %q, want 200 %q", resp.Status, body, siteFiles["hello.txt"])
	}
	return nil
}

// waitClosed reads from c until the server closes it (EOF or reset) and
// returns what it read. It is an error for c to be still open after
// waitLimit.
func waitClosed(c net.Conn) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(waitLimit))
	got, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		return got, fmt.Errorf("waiting for the server to close the connection: %v (read %q)", err, tail(string(got), 200))
	}
	return got, nil
}

// isReset reports whether err is a connection reset by the peer: a close
// with unread data, which the server is free to do.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// isClose reports whether err from reading a response means the
// connection was closed: EOF (http.ReadResponse says io.ErrUnexpectedEOF
// when there was no status line) or a reset.
func isClose(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// watchedBuffer is an io.Writer that keeps what was written and lets a
// reader wait for the next line.
type watchedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every Write
}

func newWatchedBuffer() *watchedBuffer {
	return &watchedBuffer{changed: make(chan struct{})}
}

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	close(w.changed)
	w.changed = make(chan struct{})
	return len(p), nil
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitLine waits for line n (from 0) to be complete and returns it
// without its newline. It gives up after limit, or once stop is closed
// and the line has not come.
func (w *watchedBuffer) waitLine(n int, limit time.Duration, stop <-chan struct{}) (string, error) {
	text, err := w.waitFor(func(text string) bool {
		return strings.Count(text, "\n") > n
	}, limit, stop)
	if err != nil {
		return "", err
	}
	return strings.Split(text, "\n")[n], nil
}

// waitFor waits until cond is true of all that was written and returns
// that text. It gives up after limit, or once stop is closed (the writer
// has finished) and cond is still false.
func (w *watchedBuffer) waitFor(cond func(string) bool, limit time.Duration, stop <-chan struct{}) (string, error) {
	timeout := time.After(limit)
	final := false
	for {
		w.mu.Lock()
		text := w.buf.String()
		changed := w.changed
		w.mu.Unlock()
		if cond(text) {
			return text, nil
		}
		if final {
			return "", fmt.Errorf("not there when the process exited: have %q", tail(text, 500))
		}
		select {
		case <-changed:
		case <-stop:
			// The process has exited and its output is all in: look once more.
			final = true
		case <-timeout:
			return "", fmt.Errorf("not there after %v: have %q", limit, tail(text, 500))
		}
	}
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

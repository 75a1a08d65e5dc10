//go:build unix

package cgi_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/cgi"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// TestForgetfulLauncher runs a program whose main calls cgi.New without
// cgi.MaybeRunLauncher: New's check of the launcher runs the program
// once more, and that copy must stop at its own New instead of checking
// a third copy, and so on (which made a chain of hundreds of processes).
// The program exits with New's error, having started twice.
func TestForgetfulLauncher(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "forgetful")
	build := exec.Command("go", "build", "-o", bin, "./testdata/forgetful/main.go")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("forgetful exited with %v, want status 3 (New's error)", err)
	}
	if !strings.Contains(string(out), "does main call cgi.MaybeRunLauncher first?") {
		t.Errorf("forgetful printed %q, want New's error naming MaybeRunLauncher", out)
	}
	starts, _ := os.ReadFile(filepath.Join(dir, "starts"))
	if n := strings.Count(string(starts), "start\n"); n != 2 {
		t.Errorf("forgetful started %d times, want 2 (itself and the launcher check)", n)
	}
}

// TestClientGoneBeforeStart: a client that leaves as its script is
// being started (here: its context is done before the request is
// handled, so the kill comes before the script's process group is known)
// gets the script killed as soon as it starts, not left to run to the
// time limit holding its slot of MaxConcurrent; the clients after it get
// their scripts.
func TestClientGoneBeforeStart(t *testing.T) {
	root := writeTree(t, map[string]string{
		// The script says nothing before its sleep: a response it had
		// begun would be cut off (the handler panics with
		// http.ErrAbortHandler), which is another test's subject.
		"cgi-bin/slow.sh": "#!/bin/sh\nsleep 30\n" + header + "echo late\n",
		"cgi-bin/ok.sh":   "#!/bin/sh\n" + header + "echo ok\n",
	})
	logs := &syncbuf.Buffer{}
	h, err := cgi.New(cgi.Options{Root: root, MaxConcurrent: 1, Timeout: 20 * time.Second, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	handler := h.Handler(nextHandler)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Gone before the handler looks (no script starts), and gone once it
	// has looked (the script is killed as it starts).
	for _, ctx := range []context.Context{ctx, &errLater{Context: ctx}} {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/cgi-bin/slow.sh", nil).WithContext(ctx))
		if strings.Contains(logs.String(), "timed out") {
			t.Errorf("the script of a client that had gone ran to the time limit:\n%s", logs)
		}
	}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, httptest.NewRequest("GET", "/cgi-bin/ok.sh", nil))
	if w.Code != 200 || w.Body.String() != "ok\n" {
		t.Errorf("the next client: %d %q, want 200 \"ok\\n\"", w.Code, w.Body.String())
	}
}

// errLater is a done context whose first Err says it is not: the client
// leaves just after the handler has checked.
type errLater struct {
	context.Context
	asked atomic.Bool
}

func (c *errLater) Err() error {
	if !c.asked.Swap(true) {
		return nil
	}
	return c.Context.Err()
}

// TestSlowBodyHoldsNoSlot: a client that sends its (small) body a byte at
// a time does not hold one of the MaxConcurrent slots while it does: the
// body is read before the script is given a slot, so another client's
// script runs meanwhile; the slow one gets 408 once the Timeout passes,
// and a body that arrives whole reaches its script.
func TestSlowBodyHoldsNoSlot(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/cat.sh": "#!/bin/sh\n" + header + "cat\n",
		"cgi-bin/ok.sh":  "#!/bin/sh\n" + header + "echo ok\n",
	})
	srv, _ := newServer(t, root, cgi.Options{MaxConcurrent: 1, Timeout: 2 * time.Second})
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /cgi-bin/cat.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
	time.Sleep(200 * time.Millisecond) // the slow request is in the handler
	if res := do(t, srv, "GET", "/cgi-bin/ok.sh", nil, nil); res.status != 200 || res.body != "ok\n" {
		t.Errorf("another client while a body trickles in: %d %q, want 200 \"ok\\n\"", res.status, res.body)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 408 || !resp.Close {
		t.Errorf("the slow body: %d, close %v; want 408 and the connection closed", resp.StatusCode, resp.Close)
	}
	if res := do(t, srv, "POST", "/cgi-bin/cat.sh", strings.NewReader("body\n"), nil); res.status != 200 || res.body != "body\n" {
		t.Errorf("a body sent whole: %d %q", res.status, res.body)
	}
}

// TestEscapedChildHoldsNoRequest: a script that leaves a process behind
// in a session of its own (setsid), out of the reach of the kill of its
// process group, is answered as soon as it exits, as in Python, though
// that process holds its standard output or error open: the request
// waits neither for it nor for the time limit, and does not keep its
// slot of MaxConcurrent meanwhile. Everything the script wrote reaches
// the client, a slow one too.
func TestEscapedChildHoldsNoRequest(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid(1)")
	}
	// The process left behind writes its pid where the test finds it.
	leave := func(redirect string) string {
		return "setsid sleep 60 " + redirect + " &\necho $! > \"$PATH_TRANSLATED\"\n"
	}
	root := writeTree(t, map[string]string{
		"cgi-bin/both.sh":   "#!/bin/sh\n" + header + "echo parent\n" + leave("") + "sleep 0.3\n",
		"cgi-bin/stdout.sh": "#!/bin/sh\n" + header + "echo parent\n" + leave("2>/dev/null") + "sleep 0.3\n",
		"cgi-bin/stderr.sh": "#!/bin/sh\n" + header + "echo parent\n" + leave(">/dev/null") + "sleep 0.3\n",
		"cgi-bin/big.sh": "#!/bin/sh\n" + header + leave("") +
			"yes 0123456789abcdef | head -c 1048576\necho big done >&2\n",
		// Holds the script's standard input, unread.
		"cgi-bin/stdin.sh": "#!/bin/sh\n" + header + "echo parent\nexec 3<&0\n" + leave("<&3 >/dev/null 2>&1") + "sleep 0.3\n",
	})
	if err := os.Chmod(root, 0o777); err != nil { // the scripts write there, as nobody under root
		t.Fatal(err)
	}
	t.Cleanup(func() {
		files, _ := filepath.Glob(filepath.Join(root, "pid-*"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if err == nil && pid > 1 && string(cmd) == "sleep\x0060\x00" {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	big := strings.Repeat("0123456789abcdef\n", 1<<20/17+1)[:1<<20]

	logs := &syncbuf.Buffer{}
	h, err := cgi.New(cgi.Options{Root: root, MaxConcurrent: 1, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h.Handler(nextHandler))
	// Small socket buffers, so that a slow client holds up the output
	// while the script is still writing it.
	srv.Listener = smallWrites{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.Timeout = 20 * time.Second // a bound for a hang, not a speed

	// With MaxConcurrent 1, each request needs the slot the one before
	// had.
	for _, tt := range []struct{ script, want string }{
		{"both.sh", "parent\n"}, {"stdout.sh", "parent\n"}, {"stderr.sh", "parent\n"}, {"stdin.sh", "parent\n"}, {"big.sh", big},
	} {
		var res *http.Response
		var err error
		if tt.script == "stdin.sh" {
			// More body than a pipe holds, which nothing reads.
			res, err = client.Post(srv.URL+"/cgi-bin/"+tt.script+"/pid-"+tt.script, "application/octet-stream", bytes.NewReader(make([]byte, 200000)))
		} else {
			res, err = client.Get(srv.URL + "/cgi-bin/" + tt.script + "/pid-" + tt.script)
		}
		if err != nil {
			t.Errorf("%s: %v", tt.script, err)
			continue
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || string(b) != tt.want {
			t.Errorf("%s: %d, %d bytes, %v; want 200 and %d bytes", tt.script, res.StatusCode, len(b), err, len(tt.want))
		}
	}

	// A client that reads slowly gets all of it, though the script has
	// exited while most of it was still on its way.
	c := dialSmallReceive(t, srv.Listener.Addr().String())
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /cgi-bin/big.sh/pid-slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReaderSize(c, 4096), nil)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("slow client, after %d bytes: %v", len(body), err)
		}
		time.Sleep(time.Millisecond)
	}
	if res.StatusCode != 200 || string(body) != big {
		t.Errorf("slow client: %d, %d bytes; want 200 and %d bytes", res.StatusCode, len(body), len(big))
	}
	if n := strings.Count(logs.String(), `msg="big done"`); n != 2 {
		t.Errorf("the script's last line of standard error logged %d times, want 2:\n%s", n, logs)
	}
}

// TestStalledClientFreesSlot: a client that stops reading a script's
// output holds its request, and its slot of MaxConcurrent, no longer than
// the time limit: the response is cut off then, whatever the
// ResponseWriter's own timeouts (httptest has none).
func TestStalledClientFreesSlot(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/big.sh":   "#!/bin/sh\n" + header + "head -c 8000000 /dev/zero\n",
		"cgi-bin/hello.sh": "#!/bin/sh\n" + header + "echo hello\n",
	})
	srv, logs := newServer(t, root, cgi.Options{MaxConcurrent: 1, Timeout: time.Second})
	c := dialSmallReceive(t, srv.Listener.Addr().String())
	io.WriteString(c, "GET /cgi-bin/big.sh HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
		t.Fatal(err)
	}
	// It reads no more. The next script waits for the slot: 503 until
	// the time limit cuts the stalled response off.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := srv.Client().Get(srv.URL + "/cgi-bin/hello.sh")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot is still held 20 s into a 1 s time limit (%d):\n%s", res.StatusCode, logs)
		}
	}
}

// TestTooLongKillsGroup: when net/http/cgi gives up on a response (more
// output than its Content-Length) it kills the launcher; what the script
// started in its group goes too, as for every other end of a script.
func TestTooLongKillsGroup(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/long.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\nContent-Length: 5\\n\\n'\n" +
			"sleep 61 >/dev/null 2>&1 &\necho $! > \"$PATH_TRANSLATED\"\necho hello world\nsleep 30\n",
	})
	if err := os.Chmod(root, 0o777); err != nil { // the script writes there, as nobody under root
		t.Fatal(err)
	}
	srv, _ := newServer(t, root, cgi.Options{})
	if res := do(t, srv, "GET", "/cgi-bin/long.sh/pid", nil, nil); res.body != "hello" {
		t.Fatalf("body %q, want the 5 bytes of the Content-Length", res.body)
	}
	b, err := os.ReadFile(filepath.Join(root, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	running := func() bool {
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		return err == nil && string(cmd) == "sleep\x0061\x00"
	}
	t.Cleanup(func() {
		if pid > 1 && running() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	for deadline := time.Now().Add(20 * time.Second); running(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the script's background process %d still runs 20 s after its response", pid)
		}
	}
}

// dialSmallReceive connects to addr with a small receive buffer, so that
// a client that reads slowly, or not at all, holds up a response soon.
func dialSmallReceive(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// smallWrites gives the connections it accepts a small send buffer.
type smallWrites struct{ net.Listener }

func (l smallWrites) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestCompleteResponseOutlivesLimit: a response sent whole (its
// Content-Length's bytes) is not cut off when its script runs on past the
// time limit, over HTTP/1.1 as over HTTP/2, where cutting it would reset
// the stream the client has all of.
func TestCompleteResponseOutlivesLimit(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/cl.sh": "#!/bin/sh\nprintf 'Content-Type: text/plain\\nContent-Length: 5\\n\\nhello'\nsleep 30\n",
	})
	h, err := cgi.New(cgi.Options{Root: root, Timeout: time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, h2 := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(h.Handler(nextHandler))
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		res, err := srv.Client().Get(srv.URL + "/cgi-bin/cl.sh")
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		if res.StatusCode != 200 || string(b) != "hello" || err != nil {
			t.Errorf("%s: %d %q %v; want 200, hello, no error", res.Proto, res.StatusCode, b, err)
		}
	}
}

// TestStreamedBodyWhole: a chunked request body streams to a script that
// answers before it reads, whole: net/http would otherwise read up to 256
// KiB of it, and throw them away, when the response's header goes out.
func TestStreamedBodyWhole(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/wc.sh": "#!/bin/sh\n" + header + "wc -c\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	const size = 5100000
	// A reader that is not a *bytes.Reader: no length, so chunked.
	req, err := http.NewRequest("POST", srv.URL+"/cgi-bin/wc.sh", io.MultiReader(bytes.NewReader(make([]byte, size))))
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.TrimSpace(string(b)) != strconv.Itoa(size) || err != nil {
		t.Errorf("%d %q %v; want 200 and the script counting %d bytes", res.StatusCode, b, err, size)
	}
}

// TestUnreadBodyClosesConnection: a script that ends without reading
// the whole of a body that streams to it leaves the rest on the
// connection. The connection must close after the response: read as the
// next request, the rest of the body would be a request that a proxy in
// front, which sent it as a body, never made.
func TestUnreadBodyClosesConnection(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/ignore.sh": "#!/bin/sh\n" + header + "echo ignored\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A bound for a hang, not a speed: a script that fails to start
	// leaves the server reading the rest of the body, which never comes.
	c.SetDeadline(time.Now().Add(20 * time.Second))
	// The chunk is to hold the request below; only "hello" of it is
	// sent before the response.
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	io.WriteString(c, "POST /cgi-bin/ignore.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
		strconv.FormatInt(int64(len("hello")+len(smuggled)), 16)+"\r\nhello")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "ignored\n" || err != nil {
		t.Fatalf("%d %q %v; want 200 \"ignored\\n\"", res.StatusCode, b, err)
	}
	if !res.Close {
		t.Errorf("response header %v, want Connection: close", res.Header)
	}
	io.WriteString(c, smuggled+"\r\n0\r\n\r\n")
	if res, err := http.ReadResponse(br, nil); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Errorf("the rest of the body was read as a request: %d %q", res.StatusCode, b)
	}
}

// TestAnnouncedBodyTakesNoMemory: a body of up to 1 MiB is read whole
// before its script starts, into memory that must come as the body
// does: a client that announced 1 MiB and sent none of it held 1 MiB of
// the server's heap until the time limit, for the price of a header.
func TestAnnouncedBodyTakesNoMemory(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/ok.sh": "#!/bin/sh\n" + header + "echo ok\n"})
	srv, _ := newServer(t, root, cgi.Options{})
	const clients = 32
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range clients {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "POST /cgi-bin/ok.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\nExpect: 100-continue\r\n\r\n")
		// The server asks for the body as it starts reading it, once
		// the memory for it has been taken.
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != http.StatusContinue {
			t.Fatalf("want 100 Continue, got %v %v", res, err)
		}
	}
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Errorf("%d clients that announced 1 MiB bodies and sent nothing took %d KiB of heap, want under 8 MiB", clients, grown>>10)
	}
}

// TestStartFailureNameWithNewline checks that a script whose name holds a
// newline and that cannot be started is logged as one failure: the
// launcher's report of it, which names the script, is not taken for
// several lines of its own (a forged line of standard error here, a
// process group to kill there).
func TestStartFailureNameWithNewline(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/s\nEforged line\nP4242": "#!/nonexistent/interpreter\n",
	})
	srv, logs := newServer(t, root, cgi.Options{})
	res := do(t, srv, "GET", "/cgi-bin/s%0AEforged%20line%0AP4242", nil, nil)
	if res.status == http.StatusOK {
		t.Errorf("status = %d, want an error", res.status)
	}
	got := logs.String()
	if strings.Contains(got, `msg="forged line"`) {
		t.Errorf("logs hold a forged line of standard error:\n%s", got)
	}
	if !strings.Contains(got, "Eforged line P4242: no such file or directory") {
		t.Errorf("logs do not name the whole script in the start failure:\n%s", got)
	}
	if n := strings.Count(got, "CGI script could not be started"); n != 1 {
		t.Errorf("logs hold %d start failures, want 1:\n%s", n, got)
	}
}

// TestClientGoneMidResponse: a client that leaves in the middle of a
// script's output is not logged as an error of the script ("bad script
// response", level ERROR): the script did nothing wrong.
func TestClientGoneMidResponse(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/stream.sh": "#!/bin/sh\n" + header + "exec yes streaming\n",
	})
	srv, logs := newServer(t, root, cgi.Options{})
	resp, err := http.Get(srv.URL + "/cgi-bin/stream.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close() // waits for the handler: its log lines are all written
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a client that left was logged as an error:\n%s", logs)
	}
}

// TestFailureLoggedOnce: a script that timed out, or could not be
// started, was logged a second time as a malformed response ("bad script
// response", "cgi: no headers", level ERROR), after the line that says
// what happened: one event, two lines, and a timeout, a warning, raised
// to an error.
func TestFailureLoggedOnce(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/slow.sh":   "#!/bin/sh\nsleep 30\n",
		"cgi-bin/broken.sh": "#!/nonexistent/interpreter\n",
	})
	srv, logs := newServer(t, root, cgi.Options{Timeout: 300 * time.Millisecond})
	if res := do(t, srv, "GET", "/cgi-bin/slow.sh", nil, nil); res.status != http.StatusGatewayTimeout {
		t.Fatalf("slow.sh: status %d, want 504", res.status)
	}
	got := logs.String()
	if !strings.Contains(got, `msg="CGI script timed out, killed" script=/cgi-bin/slow.sh`) || strings.Contains(got, "bad script response") {
		t.Errorf("a timeout is logged as a timeout only, got:\n%s", got)
	}
	srv, logs = newServer(t, root, cgi.Options{})
	if res := do(t, srv, "GET", "/cgi-bin/broken.sh", nil, nil); res.status != http.StatusBadGateway {
		t.Fatalf("broken.sh: status %d, want 502", res.status)
	}
	got = logs.String()
	if !strings.Contains(got, `msg="CGI script could not be started" script=/cgi-bin/broken.sh`) || strings.Contains(got, "bad script response") {
		t.Errorf("a script that could not be started is logged as such only, got:\n%s", got)
	}
}

// TestBodyPastMiddlewareLimit: behind http.MaxBytesHandler, a request
// body past its limit got 400 "Incomplete request body" (read whole
// before the script) or "Bad request body" (streamed to it): the client
// was told its body was cut short or malformed when it was too large.
func TestBodyPastMiddlewareLimit(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/count.sh": "#!/bin/sh\nn=$(wc -c)\n" + header + "echo \"got $n\"\n",
	})
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.MaxBytesHandler(h.Handler(nextHandler), 10))
	t.Cleanup(srv.Close)
	body := strings.Repeat("x", 100)
	for name, rd := range map[string]io.Reader{
		"announced": strings.NewReader(body),
		"chunked":   io.MultiReader(strings.NewReader(body)),
	} {
		res := do(t, srv, "POST", "/cgi-bin/count.sh", rd, nil)
		if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "<p>Message: Request body larger than 10 bytes.</p>") {
			t.Errorf("%s: %d %q, want 413 \"Request body larger than 10 bytes\"", name, res.status, res.body)
		}
	}
	if res := do(t, srv, "POST", "/cgi-bin/count.sh", strings.NewReader("0123456789"), nil); res.status != 200 || res.body != "got 10\n" {
		t.Errorf("body at the limit: %d %q, want 200 \"got 10\"", res.status, res.body)
	}
}

// TestRequestDeadline: a script killed because the request's context
// reached its deadline (a timeout middleware in front, such as chi's
// middleware.Timeout) was answered 502 "CGI script sent no valid
// response", as if the script had misbehaved; it is a timeout: 504.
func TestRequestDeadline(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/slow.sh": "#!/bin/sh\nsleep 30\n"})
	logs := &syncbuf.Buffer{}
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(withTimeout(300*time.Millisecond, h.Handler(nextHandler)))
	t.Cleanup(srv.Close)
	res := do(t, srv, "GET", "/cgi-bin/slow.sh", nil, nil)
	if res.status != http.StatusGatewayTimeout || !strings.Contains(res.body, "<p>Message: CGI script timed out ('/cgi-bin/slow.sh').</p>") {
		t.Errorf("got %d %q, want 504 \"CGI script timed out\"", res.status, res.body)
	}
	srv.Close()
	// (On a host starved of CPU the deadline may pass before the script
	// starts: the same 504, said so.)
	got := logs.String()
	said := strings.Contains(got, `msg="CGI script killed at the request's deadline" script=/cgi-bin/slow.sh`) ||
		strings.Contains(got, `msg="CGI script not started: the request's deadline had passed" script=/cgi-bin/slow.sh`)
	if !said || strings.Contains(got, "level=ERROR") {
		t.Errorf("log does not say the deadline killed the script, or has an error:\n%s", got)
	}
}

// withTimeout is a timeout middleware in front of next: each request's
// context ends d after it arrives (a negative d: before).
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// TestDeadlinePassedBeforeStart: a request whose deadline passed before
// its script could start got an empty 200 and no log line, where one
// whose deadline kills its script gets 504.
func TestDeadlinePassedBeforeStart(t *testing.T) {
	root := writeTree(t, map[string]string{"cgi-bin/ok.sh": "#!/bin/sh\n" + header + "echo ran\n"})
	logs := &syncbuf.Buffer{}
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(withTimeout(-time.Second, h.Handler(nextHandler)))
	t.Cleanup(srv.Close)
	res := do(t, srv, "GET", "/cgi-bin/ok.sh", nil, nil)
	if res.status != http.StatusGatewayTimeout || !strings.Contains(res.body, "<p>Message: CGI script timed out ('/cgi-bin/ok.sh').</p>") {
		t.Errorf("got %d %q, want 504 \"CGI script timed out\"", res.status, res.body)
	}
	srv.Close()
	if got := logs.String(); !strings.Contains(got, `msg="CGI script not started: the request's deadline had passed" script=/cgi-bin/ok.sh`) {
		t.Errorf("log does not say the script was not started:\n%s", got)
	}
}

// TestNoDeadlineSaid: behind a middleware whose ResponseWriter has no
// Unwrap method, http.ResponseController cannot set the connection's
// deadlines, and Options.Timeout bounded neither a body sent slowly nor
// a client that stopped reading (which held its script's slot past the
// limit), with nothing said: the log says so, once.
func TestNoDeadlineSaid(t *testing.T) {
	root := writeTree(t, map[string]string{
		"cgi-bin/count.sh": "#!/bin/sh\nn=$(wc -c)\n" + header + "echo \"got $n\"\n",
	})
	const warning = "cgi: Options.Timeout cannot bound request bodies or slow clients"
	for _, wrap := range []bool{false, true} {
		logs := &syncbuf.Buffer{}
		h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		var hh http.Handler = h.Handler(nextHandler)
		if wrap {
			inner := hh
			hh = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inner.ServeHTTP(struct{ http.ResponseWriter }{w}, r)
			})
		}
		srv := httptest.NewServer(hh)
		for range 2 {
			if res := do(t, srv, "POST", "/cgi-bin/count.sh", strings.NewReader("hello"), nil); res.status != 200 || res.body != "got 5\n" {
				t.Errorf("wrapped %v: %d %q, want 200 \"got 5\"", wrap, res.status, res.body)
			}
		}
		srv.Close()
		want := 0
		if wrap {
			want = 1
		}
		if n := strings.Count(logs.String(), warning); n != want {
			t.Errorf("wrapped %v: the log says %d times that deadlines cannot be set, want %d:\n%s", wrap, n, want, logs)
		}
	}
}

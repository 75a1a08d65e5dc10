package cgi_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
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

//go:build unix

package hardening

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func init() {
	commandTests["upload-disconnect"] = testUploadDisconnect
	commandTests["upload-stall"] = testUploadStall
	commandTests["upload-sigterm"] = testUploadSigterm
}

// names lists the entries of dir, hidden ones included.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// siteNames are the entries of a fresh server's directory.
func siteNames() []string {
	var out []string
	for name := range siteFiles {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// waitLogged waits for the access log line of a request whose request
// line contains reqLine: the handler has returned.
func (s *server) waitLogged(t *testing.T, reqLine string) {
	t.Helper()
	if _, err := s.stderr.waitFor(func(text string) bool { return strings.Contains(text, reqLine) }, waitLimit, s.exited); err != nil {
		t.Fatalf("no log line for %q: %v; stderr:\n%s", reqLine, err, s.stderr)
	}
}

// testUploadDisconnect: clients that send part of an upload (PUT, and a
// multipart POST) and close the connection leave nothing in the
// directory, temporary or not, and the server goes on serving.
func testUploadDisconnect(t *testing.T, bin *binary) {
	s := startServer(t, bin, "--upload", "--max-upload", "64M")
	body := bytes.Repeat([]byte("d"), 1<<20)
	for i, head := range []string{
		fmt.Sprintf("PUT /gone.bin HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 8<<20),
		fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\n\r\n"+
			"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nA\r\n"+
			"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gone.bin\"\r\n\r\n", 8<<20),
		"PUT /chunked.bin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
	} {
		c := s.dial(t)
		io.WriteString(c, head)
		c.Write(body)
		c.Close()
		// Logged as the failure it is, not as net/http's default 200.
		s.waitLogged(t, strings.SplitN(head, " HTTP/1.1", 2)[0]+" HTTP/1.1\" 400 ")
		if got := names(t, s.dir); !slices.Equal(got, siteNames()) {
			t.Errorf("request %d: after the client went away the directory holds %q", i, got)
		}
	}
	s.checkServes(t)
}

// testUploadStall: a client that stops sending mid-upload is answered
// 408 and cut off after the idle timeout, and leaves nothing behind.
func testUploadStall(t *testing.T, bin *binary) {
	if !bin.hasFlag("idle-timeout") {
		t.Skip("the command has no --idle-timeout")
	}
	s := startServer(t, bin, "--upload", "--idle-timeout", "1s")
	c := s.dial(t)
	fmt.Fprintf(c, "PUT /stalled.bin HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 1<<20)
	c.Write(bytes.Repeat([]byte("s"), 1000))
	got, err := waitClosed(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 408 Request Timeout\r\n")) {
		t.Errorf("answer to a stalled upload: %q, want 408", tail(string(got), 200))
	}
	s.waitLogged(t, `PUT /stalled.bin HTTP/1.1" 408 `)
	if got := names(t, s.dir); !slices.Equal(got, siteNames()) {
		t.Errorf("after a stalled upload the directory holds %q", got)
	}
	s.checkServes(t)
}

// testUploadSigterm: an upload in flight when the server is told to stop
// is finished (the shutdown waits for it) and stored whole.
func testUploadSigterm(t *testing.T, bin *binary) {
	s := startServer(t, bin, "--upload")
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	c := s.dial(t)
	// Expect: 100-continue, so that the 100 says the handler is reading
	// the body: the upload is in flight, not a connection still waiting
	// in the listen queue (which a shutdown would close).
	fmt.Fprintf(c, "PUT /inflight.bin HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(data))
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(waitLimit))
	if l, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(l, "HTTP/1.1 100 ") {
		t.Fatalf("no 100 Continue: %q, %v", l, err)
	}
	br.ReadString('\n') // the blank line after it
	c.Write(data[:len(data)/2])
	s.signal(t, syscall.SIGTERM)
	// The startup line's successor says the shutdown has begun.
	if _, err := s.stdout.waitFor(func(text string) bool { return strings.Contains(text, "Keyboard interrupt received") }, waitLimit, s.exited); err != nil {
		t.Fatalf("no shutdown line: %v", err)
	}
	c.Write(data[len(data)/2:])
	c.SetReadDeadline(time.Now().Add(waitLimit))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("response to the upload in flight: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("upload in flight during shutdown: %s", resp.Status)
	}
	if code := s.wait(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
	got, err := os.ReadFile(filepath.Join(s.dir, "inflight.bin"))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("stored %d bytes (%v), want the %d sent", len(got), err, len(data))
	}
}

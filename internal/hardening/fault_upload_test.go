//go:build unix

package hardening

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
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
	commandTests["upload-flood"] = testUploadFlood
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

// uploadBufShortage is the file server's log line when uploads in
// progress hold all the memory their large copy buffers may take.
const uploadBufShortage = "fileserver: upload buffers in flight at their limit, copying through 32 KiB"

// openUnder counts the descriptors of process pid open on something under
// dir (directories, temporary files).
func openUnder(pid int, dir string) int {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(target, dir) {
			n++
		}
	}
	return n
}

// testUploadFlood: clients that each start a large upload, send 1 MiB
// and then wait (a slowloris of uploads) could make every upload hold a
// 1 MiB copy buffer, 0.65 GB for a thousand of them. The server keeps the
// large buffers within 64 MiB together: the uploads past that copy
// through small ones. So its memory stays near 64 MiB plus the cost of
// each connection, it goes on serving (a file, an upload), the log says
// so once when it begins and once when an upload after the clients have
// gone takes a large buffer again, and the
// uploads they left leave nothing behind.
func testUploadFlood(t *testing.T, bin *binary) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's memory and descriptors from /proc")
	}
	const (
		clients   = 250      // 3 descriptors each on the server: within a 1,024 limit
		announced = 16 << 20 // a large body, which takes 1 MiB buffers
		burst     = 1 << 20
		// The large buffers, 96 KiB per client (its small buffer, its
		// connection's, its goroutines'), and 48 MiB for the rest of the
		// process (its code, the heap the collector lets grow). Each
		// client holding 1 MiB would pass it by some 100 MiB.
		bound = 64<<20 + clients*96<<10 + 48<<20
	)
	s := startServer(t, bin, "--upload", "--max-upload", "64M")
	pid := s.cmd.Process.Pid
	data := bytes.Repeat([]byte("f"), burst)
	var flood []net.Conn
	for i := range clients {
		c := s.dial(t)
		fmt.Fprintf(c, "PUT /flood-%d.bin HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", i, announced)
		if _, err := c.Write(data); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		flood = append(flood, c)
	}
	// Each upload in progress holds its directory and its temporary file
	// open: once all are, every client's upload has its buffer.
	deadline := time.Now().Add(waitLimit)
	for openUnder(pid, s.dir) < 2*clients {
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open under the directory after %v, want %d (2 per upload)", openUnder(pid, s.dir), waitLimit, 2*clients)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := s.stderr.waitFor(func(log string) bool {
		return strings.Contains(log, uploadBufShortage+` err="upload buffers in flight hold 67108864 bytes, 262144 more would pass their limit (67108864)" failures=1`)
	}, waitLimit, s.exited); err != nil {
		t.Fatalf("no log line about uploads past the buffer budget: %v", err)
	}
	rss := vmRSS(t, pid)
	t.Logf("%d uploads waiting after 1 MiB each: the server holds %d MiB (at most %d)", clients, rss>>20, bound>>20)
	if rss > bound {
		t.Errorf("%d uploads waiting after 1 MiB each: the server holds %d MiB, want at most %d MiB", clients, rss>>20, bound>>20)
	}

	// It still serves: a file, and an upload (through a small buffer).
	s.checkServes(t)
	put := func(name string) {
		t.Helper()
		req, err := http.NewRequest("PUT", "http://"+s.addr+"/"+name, strings.NewReader("a small file\n"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("PUT /%s: %s, want 201", name, resp.Status)
		}
	}
	put("during.txt")

	for _, c := range flood {
		c.Close()
	}
	if _, err := s.stderr.waitFor(func(log string) bool {
		return strings.Count(log, "\" 400 ") >= clients
	}, waitLimit, s.exited); err != nil {
		t.Fatalf("the uploads the clients left are not all logged as 400: %v", err)
	}
	// The next upload takes a large buffer again, which ends the episode.
	// (Log lines wait in a buffer for a moment.)
	put("after.txt")
	log, err := s.stderr.waitFor(func(log string) bool { return strings.Contains(log, uploadBufShortage+": recovered") }, waitLimit, s.exited)
	if err != nil {
		t.Errorf("no log line says the budget has room again: %v", err)
	}
	if n := strings.Count(log, uploadBufShortage+" err="); n != 1 {
		t.Errorf("the log says %d times that uploads are past the budget, want once", n)
	}
	if n := strings.Count(log, uploadBufShortage+": recovered failures="); n != 1 {
		t.Errorf("the log says %d times that the budget has room again, want once", n)
	}
	if got, want := names(t, s.dir), slices.Sorted(slices.Values(append(siteNames(), "during.txt", "after.txt"))); !slices.Equal(got, want) {
		t.Errorf("after the flood the directory holds %q, want %q", got, want)
	}
}

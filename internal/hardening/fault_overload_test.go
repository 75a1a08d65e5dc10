package hardening

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/goldenfile"
)

func init() {
	commandTests["overload-idle-flood"] = func(t *testing.T, bin *binary) { testOverloadIdleFlood(t, bin, "big.bin") }
	// The stricter policy resolves a name two directories down with
	// openat2(2), which needs a descriptor too, then with the os.Root's
	// walk, which needs several.
	commandTests["overload-idle-flood-never"] = func(t *testing.T, bin *binary) {
		testOverloadIdleFlood(t, bin, "sub/deep/big.bin", "--symlinks", "never")
	}
	commandTests["overload-archive-flood"] = testOverloadArchiveFlood
}

// The command's log lines about running out of file descriptors, one per
// episode: the accept loop's, and the file server's (each followed by
// " err=..." when it begins and ": recovered" when it ends).
const (
	acceptShortage = "accept: out of file descriptors or memory, new connections wait"
	fileShortage   = "fileserver: out of file descriptors or memory, answering 503"
	// The file server's line when archives in progress hold their budget.
	archiveShortage = "fileserver: archives in flight at Options.ArchiveBudget, answering 503"
)

// startLimited starts the server with a limit of limit open files, soft
// and hard (so that the Go runtime cannot raise it), and checks that the
// limit holds.
func startLimited(t *testing.T, limit int, bin *binary, args ...string) *server {
	t.Helper()
	s := startWrapped(t, []string{"/bin/sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, limit)}, bin, args...)
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(fmt.Sprintf(`Max open files +%d +%d `, limit, limit)).Match(limits) {
		t.Fatalf("the server's limits are not %d open files:\n%s", limit, limits)
	}
	return s
}

// flood opens n connections, more than the server can accept, and waits
// for its log to say that accepts fail: every descriptor is then taken.
func (s *server) flood(t *testing.T, n int) []net.Conn {
	t.Helper()
	cs := make([]net.Conn, n)
	for i := range cs {
		cs[i] = s.dial(t)
	}
	if _, err := s.stderr.waitFor(func(log string) bool {
		return strings.Contains(log, acceptShortage+" err=")
	}, waitLimit, s.exited); err != nil {
		s.alive(t)
		t.Fatalf("no log line about the failed accepts: %v", err)
	}
	return cs
}

// keepAlive is a client connection that sends requests one after another.
type keepAlive struct {
	c  net.Conn
	br *bufio.Reader
}

// get sends "method target" on the connection and reads the response.
func (k *keepAlive) get(t *testing.T, method, target string) (*http.Response, []byte) {
	t.Helper()
	k.c.SetDeadline(time.Now().Add(waitLimit))
	if _, err := fmt.Fprintf(k.c, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n", method, target); err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	resp, err := http.ReadResponse(k.br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: no answer: %v", method, target, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, target, err)
	}
	return resp, body
}

// testOverloadIdleFlood runs the command with a limit of 64 open files
// and no header or idle timeout, so that nothing but the clients frees a
// descriptor. Two clients on keep-alive connections get a file; then more
// idle connections than the limit allows take every descriptor left. The
// server does not crash or hang: the two connections are still answered,
// with 503 and Retry-After: 1 and the error page, for the file and for a
// listing, since neither can be opened; a connection made meanwhile waits
// in the listen queue. Once the idle clients close their connections,
// the same requests get their bytes again, the waiting connection is
// served, and the log has said each condition once when it began and
// once when it ended, whatever the number of failures. The file is at
// name under the root; extra are more flags for the command.
func testOverloadIdleFlood(t *testing.T, bin *binary, name string, extra ...string) {
	const (
		limit = 64
		idle  = limit + 32 // more than the server can accept
		tries = 10         // requests for the file while out of descriptors
	)
	args, _, _ := bin.timeouts(0, 0)
	s := startLimited(t, limit, bin, append(args, extra...)...)
	// Larger than the small-file cache takes (64 KiB): the file is opened
	// for every request.
	content := make([]byte, 256<<10)
	rand.NewChaCha8([32]byte{'o', 'v', 'e', 'r'}).Read(content)
	if err := os.MkdirAll(filepath.Join(s.dir, "sub", "deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, filepath.FromSlash(name)), content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "sub", "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := &keepAlive{c: s.dial(t)}
	files.br = bufio.NewReader(files.c)
	lists := &keepAlive{c: s.dial(t)}
	lists.br = bufio.NewReader(lists.c)
	checkFile := func(step string) {
		t.Helper()
		resp, body := files.get(t, "GET", "/"+name)
		if resp.StatusCode != 200 || !bytes.Equal(body, content) {
			t.Fatalf("%s: GET /%s: %s with %d bytes, want 200 with the file's %d", step, name, resp.Status, len(body), len(content))
		}
	}
	checkFile("before")

	flood := s.flood(t, idle)
	// Every descriptor is taken, and stays taken until the clients close.
	late := s.dial(t)
	if _, err := fmt.Fprintf(late, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", name); err != nil {
		t.Fatal(err)
	}

	check503 := func(k *keepAlive, target string) {
		t.Helper()
		resp, body := k.get(t, "GET", target)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" ||
			resp.Header.Get("Content-Type") != "text/html;charset=utf-8" || resp.Close {
			t.Errorf("GET %s out of descriptors: %s, Retry-After %q, Content-Type %q, close %v; want 503, 1, text/html;charset=utf-8, kept open",
				target, resp.Status, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), resp.Close)
		}
		goldenfile.Check(t, "testdata/overload/503.golden", body)
	}
	for range tries {
		check503(files, "/"+name)
	}
	check503(lists, "/sub/")
	s.alive(t)

	// The idle clients leave. Each half-closes and waits for the server
	// to close its end: then that descriptor is free. The ones still in
	// the listen queue are accepted first.
	for _, c := range flood {
		c.(*net.TCPConn).CloseWrite()
	}
	for i, c := range flood {
		if got, err := waitClosed(c); err != nil || len(got) != 0 {
			t.Fatalf("idle connection %d: %v, read %q", i, err, got)
		}
	}
	checkFile("after")
	resp, body := lists.get(t, "GET", "/sub/")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<li><a href="a.txt">a.txt</a></li>`) {
		t.Errorf("GET /sub/ after: %s %q, want 200 and the listing", resp.Status, body)
	}
	late.SetDeadline(time.Now().Add(waitLimit))
	lresp, err := http.ReadResponse(bufio.NewReader(late), nil)
	if err != nil {
		t.Fatalf("the connection made while out of descriptors: no answer: %v", err)
	}
	if lbody, err := io.ReadAll(lresp.Body); err != nil || lresp.StatusCode != 200 || !bytes.Equal(lbody, content) {
		t.Errorf("the connection made while out of descriptors: %s with %d bytes (%v), want 200 with the file", lresp.Status, len(lbody), err)
	}
	s.checkServes(t)

	s.signal(t, os.Interrupt)
	if code := s.wait(t); code != 0 {
		t.Errorf("exit status %d after Ctrl-C, want 0", code)
	}
	log := s.stderr.String()
	// One line when it began, one when it ended (more only if the test
	// took over a minute: a reminder a minute).
	count := func(pattern string) int { return len(regexp.MustCompile(pattern).FindAllString(log, -1)) }
	for _, c := range []struct {
		what    string
		pattern string
		want    int
	}{
		{"the accepts began to fail", regexp.QuoteMeta(acceptShortage) + ` err="accept tcp4 127\.0\.0\.1:\d+: accept4: too many open files" failures=1\n`, 1},
		{"the accepts work again", regexp.QuoteMeta(acceptShortage) + `: recovered failures=\d+\n`, 1},
		// (open(2) of the file; for never, a stat or open of the name
		// or of a directory on its way, inside the root)
		{"files cannot be opened", regexp.QuoteMeta(fileShortage) + ` err="(open [^"]*big\.bin|openat [^"]+|statat [^"]+): too many open files" failures=1\n`, 1},
		// Every failure is counted: the first line had one.
		{"files open again", regexp.QuoteMeta(fileShortage) + fmt.Sprintf(`: recovered failures=%d\n`, tries), 1},
		{"net/http's line per failed accept", `http: Accept error`, 0},
		// Python's log_error line for each error response.
		{"the 503s", `code 503, message Service Unavailable\n`, tries + 1},
	} {
		if got := count(c.pattern); got != c.want {
			t.Errorf("%s: %d log lines, want %d (%s)", c.what, got, c.want, c.pattern)
		}
	}
}

// testOverloadArchiveFlood: clients that ask for a tar.zst of a large
// directory and do not read could each pin a compressor (2.6 MB each: 300
// of them took 791 MB). The command keeps the archives in progress within
// their 128 MiB budget (3 MiB per tar.zst): 42 are sent, the rest get 503
// with Retry-After at once. Meanwhile files are served; once the clients
// close, an archive is sent whole again, and the log has said so once
// when it began and once when it ended.
func testOverloadArchiveFlood(t *testing.T, bin *binary) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the server's memory from /proc")
	}
	const (
		clients = 100
		fit     = 128 / 3 // tar.zst downloads within the default budget
		// The sent downloads' 2.6 MB each, 96 KiB per client (its
		// connection, its goroutines) and 48 MiB for the rest of the
		// process. Each client holding a compressor would pass it by
		// some 80 MiB.
		bound = fit*2662<<10 + clients*96<<10 + 48<<20
	)
	s := startServer(t, bin, "--archive")
	content := make([]byte, 8<<20) // more than the socket buffers take
	rand.NewChaCha8([32]byte{'a', 'r', 'c'}).Read(content)
	if err := os.Mkdir(filepath.Join(s.dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "sub", "big.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	const ask = "GET /sub/?download=tar.zst HTTP/1.1\r\nHost: x\r\n\r\n"
	statuses := map[int]int{}
	var flood []net.Conn
	for i := range clients {
		c := s.dial(t)
		c.(*net.TCPConn).SetReadBuffer(4096)
		io.WriteString(c, ask)
		c.SetReadDeadline(time.Now().Add(waitLimit))
		// The head comes at once (the 200 is flushed before the first
		// entry); the body is left unread.
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("client %d: no answer: %v", i, err)
		}
		statuses[resp.StatusCode]++
		if resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "1" {
			t.Errorf("client %d: 503 with Retry-After %q, want 1", i, resp.Header.Get("Retry-After"))
		}
		flood = append(flood, c)
	}
	if statuses[200] != fit || statuses[503] != clients-fit {
		t.Errorf("answers to %d clients = %v, want %d x 200 and %d x 503", clients, statuses, fit, clients-fit)
	}
	rss := vmRSS(t, s.cmd.Process.Pid)
	t.Logf("%d tar.zst downloads not read: the server holds %d MiB (at most %d)", clients, rss>>20, bound>>20)
	if rss > bound {
		t.Errorf("%d tar.zst downloads not read: the server holds %d MiB, want at most %d MiB", clients, rss>>20, bound>>20)
	}
	s.checkServes(t)

	for _, c := range flood {
		c.Close()
	}
	// The budget is back once the sent downloads have ended: each is
	// logged then.
	if _, err := s.stderr.waitFor(func(log string) bool {
		return strings.Count(log, `"GET /sub/?download=tar.zst HTTP/1.1" 200 `) >= fit
	}, waitLimit, s.exited); err != nil {
		t.Fatalf("the downloads the clients left did not all end: %v", err)
	}
	resp, err := http.Get("http://" + s.addr + "/sub/?download=tar.zst")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	entries := readArchive(t, "tar.zst", body)
	if resp.StatusCode != 200 || len(entries) != 2 || entries[1].name != "sub/big.bin" || entries[1].content != string(content) {
		t.Errorf("a tar.zst once the clients have gone: %s, %d entries, want 200 with sub/ and sub/big.bin whole", resp.Status, len(entries))
	}
	// Log lines wait in a buffer for a moment.
	log, err := s.stderr.waitFor(func(log string) bool { return strings.Contains(log, archiveShortage+": recovered") }, waitLimit, s.exited)
	if err != nil {
		t.Errorf("no log line says archives are sent again: %v", err)
	}
	for _, c := range []struct {
		what    string
		pattern string
	}{
		// Each download holds its 3 MiB compressor and the few
		// directory entries of sub/.
		{"the budget was spent", regexp.QuoteMeta(archiveShortage) + ` err="archives in flight hold 1321\d{5} bytes, 31458\d\d more would pass Options\.ArchiveBudget \(134217728\)" failures=1\n`},
		{"the budget has room again", regexp.QuoteMeta(archiveShortage) + fmt.Sprintf(`: recovered failures=%d\n`, clients-fit-1)},
	} {
		if got := len(regexp.MustCompile(c.pattern).FindAllString(log, -1)); got != 1 {
			t.Errorf("%s: %d log lines, want 1 (%s); the log says:\n%s", c.what, got, c.pattern, regexp.MustCompile(`(?m)^.*answering 503.*$`).FindAllString(log, -1))
		}
	}
}

// vmRSS is the resident memory of process pid, in bytes.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" && f[2] == "kB" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

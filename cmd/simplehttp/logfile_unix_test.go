//go:build unix

package main

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waitForFile waits until name exists and holds want among its lines, and
// returns its content.
func waitForFile(t *testing.T, name, want string) string {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); ; {
		b, err := os.ReadFile(name)
		if err == nil && strings.Contains(string(b), want) {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %q, %v after %v; want a line with %q", name, b, err, waitLimit, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logSite makes a directory to serve, holding hello.txt, and the name of
// a --log-file beside it.
func logSite(t *testing.T) (site, log string) {
	t.Helper()
	dir := t.TempDir()
	site = filepath.Join(dir, "site")
	if err := os.Mkdir(site, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(site, "hello.txt"), "hello\n")
	return site, filepath.Join(dir, "access.log")
}

// TestE2ELogFileRotate: a --log-file rotated by renaming it (logrotate's
// create) is followed by the new file once the command gets SIGUSR1,
// where the signal killed the server, and without it the server wrote on
// to the renamed file for as long as it ran. One rotated by copying and
// truncating (logrotate's copytruncate) goes on at the start of the file,
// with no hole of zeros where the old lines were.
func TestE2ELogFileRotate(t *testing.T) {
	site, log := logSite(t)
	p := startBinary(t, "-b", "127.0.0.1", "-d", site, "--log-file", log, "0")
	get := func(path string) {
		t.Helper()
		if got := curl(t, p.url+path); got != "hello\n" {
			t.Fatalf("GET %s = %q", path, got)
		}
	}

	get("/hello.txt?1")
	waitForFile(t, log, `"GET /hello.txt?1 HTTP/1.1" 200 6`)
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, log, "") // the server has made the new file
	get("/hello.txt?2")
	waitForFile(t, log, `"GET /hello.txt?2 HTTP/1.1" 200 6`)

	// copytruncate: the copy is made, the file emptied in place.
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	get("/hello.txt?3")
	p.stop(t, syscall.SIGTERM)

	lines := func(name string) []string {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	for _, f := range []struct {
		name string
		want string
	}{
		{log + ".1", `"GET /hello.txt?1 HTTP/1.1" 200 6`},
		{log, `"GET /hello.txt?3 HTTP/1.1" 200 6`},
	} {
		got := lines(f.name)
		if len(got) != 1 || !strings.HasPrefix(got[0], "127.0.0.1 - - [") || !strings.HasSuffix(got[0], f.want) {
			t.Errorf("%s holds %q, want the one line ending %q", filepath.Base(f.name), got, f.want)
		}
	}
	if got := p.stderr.String(); got != "" {
		t.Errorf("stderr: %q, want nothing", got)
	}
}

// TestE2ELogFileReopenFails: a --log-file that cannot be opened again (its
// directory was moved away) is said on stderr, and the lines go on to the
// file that was open, rather than being lost.
func TestE2ELogFileReopenFails(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	logs := filepath.Join(t.TempDir(), "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(logs, "access.log")
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "--log-file", log, "0")
	if err := os.Rename(logs, logs+".old"); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	want := `] cannot reopen the log file; writing on to the one open err="--log-file \"` + log + `\": no such file or directory"`
	for deadline := time.Now().Add(waitLimit); !strings.Contains(p.stderr.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr: %q; want a line with %q", p.stderr, want)
		}
	}
	if got := curl(t, p.url+"/hello.txt"); got != "hello\n" {
		t.Fatalf("GET /hello.txt = %q", got)
	}
	p.stop(t, syscall.SIGTERM)
	b, err := os.ReadFile(filepath.Join(logs+".old", "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.HasSuffix(got, `"GET /hello.txt HTTP/1.1" 200 6`+"\n") {
		t.Errorf("the log file that was open holds %q, want the request's line", got)
	}
}

// TestE2EHangupWritesLog: SIGHUP ends the server as it ends Python's, by
// the signal, but the log lines of the requests it answered are written
// first, as Python writes each before its response: they were lost with
// the buffer. A 404, whose page goes out only once the handler (and its
// log line) is done.
func TestE2EHangupWritesLog(t *testing.T) {
	p := hangUp(t, startBinary)
	ee, ok := p.err.(*exec.ExitError)
	if ws, _ := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGHUP {
		t.Errorf("exit: %v, want killed by SIGHUP (status 129 in a shell), as Python", p.err)
	}
	if rest, _ := io.ReadAll(p.stdout); len(rest) != 0 {
		t.Errorf("stdout after the signal = %q, want nothing, as Python", rest)
	}
}

// hangUp starts the command with start and a --log-file, has it answer a
// request (a 404), sends it SIGHUP and waits for it to exit, checking that
// the log file holds the request's line.
func hangUp(t *testing.T, start func(*testing.T, ...string) *proc) *proc {
	t.Helper()
	log := filepath.Join(t.TempDir(), "access.log")
	p := start(t, "-b", "127.0.0.1", "-d", t.TempDir(), "--log-file", log, "0")
	resp, err := http.Get(p.url + "/missing")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(waitLimit):
		t.Fatalf("still running %v after SIGHUP", waitLimit)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.HasSuffix(got, `"GET /missing HTTP/1.1" 404 460`+"\n") {
		t.Errorf("log file holds %q, want the request's line", got)
	}
	return p
}

// TestE2EHangupIgnored: started with SIGHUP ignored (nohup), the server
// keeps it ignored, as Python's does, and serves on after one.
func TestE2EHangupIgnored(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	cmd := command(t, "-b", "127.0.0.1", "-d", dir, "0")
	cmd.Args = append([]string{"sh", "-c", `trap '' HUP; exec "$0" "$@"`}, cmd.Args...)
	cmd.Path = "/bin/sh"
	p := startCommand(t, cmd)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if got := curl(t, p.url+"/hello.txt"); got != "hello\n" {
		t.Fatalf("GET /hello.txt after SIGHUP = %q", got)
	}
	p.stop(t, syscall.SIGTERM)
}

// startFullLog starts the command with a --log-file that can hold no more
// than 4 KiB (the limit on a file's size, as a full disk), and makes
// requests until a line is cut there.
func startFullLog(t *testing.T) (p *proc, log string) {
	t.Helper()
	site, log := logSite(t)
	cmd := command(t, "-b", "127.0.0.1", "-d", site, "--log-file", log, "0")
	cmd.Args = append([]string{"sh", "-c", `ulimit -f 8; exec "$0" "$@"`}, cmd.Args...)
	cmd.Path = "/bin/sh"
	p = startCommand(t, cmd)
	// Lines of 133 bytes: none ends at byte 4096.
	target := "/hello.txt?" + strings.Repeat("q", 63)
	for i := 0; !strings.Contains(p.stderr.String(), "cannot write the access log"); i++ {
		if i == 200 {
			t.Fatalf("the log file never filled up; stderr: %q", p.stderr)
		}
		if got := curl(t, p.url+target); got != "hello\n" {
			t.Fatalf("GET = %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p, log
}

// wholeLines checks that the log file holds whole lines only.
func wholeLines(t *testing.T, log string) {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !strings.HasPrefix(line, "127.0.0.1 - - [") {
			t.Errorf("the log file holds %q, not a whole line", line)
		}
	}
}

// TestE2ELogFileCutLineStaysOld: a line that a full disk cut in the
// --log-file is not finished at the start of the file a rotation makes:
// the new file began with the rest of it, `qqqq HTTP/1.1" 200 6`, half a
// line to whoever parses it.
func TestE2ELogFileCutLineStaysOld(t *testing.T) {
	p, log := startFullLog(t)
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, log, "") // the server has made the new file
	curl(t, p.url+"/hello.txt?after")
	waitForFile(t, log, `"GET /hello.txt?after HTTP/1.1" 200 6`)
	p.stop(t, syscall.SIGTERM)
	wholeLines(t, log)
}

// TestE2ELogFileCutLineEmptied: nor when the file is emptied in place
// (`: > access.log`, to free a full disk, or logrotate's copytruncate):
// the start of the line went with what was emptied, and the rest began
// the file again with half a line.
func TestE2ELogFileCutLineEmptied(t *testing.T) {
	p, log := startFullLog(t)
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	curl(t, p.url+"/hello.txt?after")
	waitForFile(t, log, `"GET /hello.txt?after HTTP/1.1" 200 6`)
	p.stop(t, syscall.SIGTERM)
	wholeLines(t, log)
}

// TestE2EUsr1WithoutLogFile: without --log-file, SIGUSR1 is ignored (the
// Go runtime's default), where Python's server dies of it: a log
// rotation's `kill -USR1` sent to a server that logs to stderr leaves it
// serving. SIGTERM, sent after it and delivered after it, then stops it
// as usual, with status 0.
func TestE2EUsr1WithoutLogFile(t *testing.T) {
	site, _ := logSite(t)
	p := startBinary(t, "-b", "127.0.0.1", "-d", site, "0")
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if got := curl(t, p.url+"/hello.txt"); got != "hello\n" {
		t.Fatalf("GET /hello.txt after SIGUSR1 = %q", got)
	}
	p.stop(t, syscall.SIGTERM)
}

// TestLogFileFIFONoReader: a FIFO put at the --log-file's name, which
// no one reads yet, is not waited for (each request's line waits for
// the log, so the server answered no one until a reader came): the
// lines go on to the old file, that is said once, and the FIFO is
// written once someone reads it.
func TestLogFileFIFONoReader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	var diag strings.Builder
	l, tick := testLogFile(t, path, slog.NewTextHandler(&diag, nil))
	write := func(s string) {
		t.Helper()
		tick()
		done := make(chan error, 1)
		go func() {
			_, err := l.Write([]byte(s))
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Write(%q): %v", s, err)
			}
		case <-time.After(waitLimit):
			// A reader lets it go, and the test end.
			if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
				<-done
				r.Close()
			}
			t.Fatalf("Write(%q) still waited after %v, for a reader of the FIFO", s, waitLimit)
		}
	}

	write("one\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	write("two\n")
	write("three\n")
	if b, _ := os.ReadFile(path + ".1"); string(b) != "one\ntwo\nthree\n" {
		t.Errorf("old file = %q, want every line while the FIFO has no reader", b)
	}
	if n := strings.Count(diag.String(), "cannot be created again"); n != 1 {
		t.Errorf("diagnostics =\n%s\nwant it said once that the name cannot be opened", diag.String())
	}

	r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	write("four\n")
	b := make([]byte, 16)
	if n, err := r.Read(b); string(b[:n]) != "four\n" {
		t.Errorf("the FIFO, once read, got %q, %v; want %q", b[:n], err, "four\n")
	}
}

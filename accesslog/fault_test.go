package accesslog

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// flakyWriter is a log file on a disk that fills up: while full, a Write
// stores up to room bytes and fails with ENOSPC.
type flakyWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	full bool
	room int
}

func (f *flakyWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.full {
		return f.buf.Write(p)
	}
	n := min(f.room, len(p))
	f.buf.Write(p[:n])
	f.room -= n
	return n, syscall.ENOSPC
}

func (f *flakyWriter) set(full bool, room int) {
	f.mu.Lock()
	f.full, f.room = full, room
	f.mu.Unlock()
}

func (f *flakyWriter) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.String()
}

// diagnostics returns a Logger whose records are written, without time,
// to the returned buffer.
func diagnostics() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})), &buf
}

var fixedNow = func() time.Time { return time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC) }

const failMsg = `level=ERROR msg="accesslog: cannot write the access log; dropping lines until it works again" err="no space left on device"` + "\n"

func okHandler(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }

func serveTo(t *testing.T, h http.Handler, path string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = "192.0.2.1:1234"
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != "ok" {
		t.Fatalf("GET %s: %d %q, want 200 \"ok\"", path, rec.Code, rec.Body)
	}
}

func line(path string) string {
	return `192.0.2.1 - - [05/Mar/2024 09:07:03] "GET ` + path + ` HTTP/1.1" 200 2` + "\n"
}

// A log writer that fails (a full disk) does not stop the server: the
// requests are served, the lines are dropped, the failure is reported once
// (not once per request), and logging resumes when the writer works again,
// with a report of how many lines were lost. A line cut off by the failure
// is finished first, so that the file holds no half line (it held the
// start of /2, ended by a newline) and the next one starts on a line of
// its own.
func TestWriterFails(t *testing.T) {
	logger, diag := diagnostics()
	out := &flakyWriter{}
	m := newMiddleware(t, Options{Writer: out, Now: fixedNow, Logger: logger})
	h := m.Handler(http.HandlerFunc(okHandler))

	serveTo(t, h, "/1")
	out.set(true, 10) // room for 10 bytes of /2's line
	for _, p := range []string{"/2", "/3", "/4", "/5", "/6"} {
		serveTo(t, h, p)
	}
	if diag.String() != failMsg {
		t.Errorf("diagnostics while failing:\n%s\nwant:\n%s", diag, failMsg)
	}
	out.set(false, 0)
	serveTo(t, h, "/7")
	serveTo(t, h, "/8")

	want := line("/1") + line("/2") + line("/7") + line("/8")
	if got := out.String(); got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
	wantDiag := failMsg + `level=WARN msg="accesslog: writing the access log again" lost_lines=4` + "\n"
	if diag.String() != wantDiag {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", diag, wantDiag)
	}
	if err := m.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Close() = %v, want the first error, ENOSPC", err)
	}
}

// The same with the buffered writer of a file: the lines of a buffer that
// cannot be written are dropped together, and counted.
func TestBufferedWriterFails(t *testing.T) {
	logger, diag := diagnostics()
	out := &flakyWriter{}
	o := newOutput(out, time.Hour, logger)
	defer o.flush(true)
	o.writeLines([]byte("a\nb\n"))
	out.set(true, 3) // "a\nb" reaches the file
	if err := o.flush(false); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("flush() = %v, want ENOSPC", err)
	}
	o.writeLines([]byte("c\n"))
	o.flush(false) // fails: c is lost, b is still to be finished
	out.set(false, 0)
	o.writeLines([]byte("d\n"))
	o.flush(false)
	checkOutput(t, out, diag, "a\nb\nd\n", 1)
}

// checkOutput checks that out holds log, and that diag reports a failure
// and a recovery for each count of lines lost in lost.
func checkOutput(t *testing.T, out *flakyWriter, diag *bytes.Buffer, log string, lost ...int) {
	t.Helper()
	if got := out.String(); got != log {
		t.Errorf("log %q, want %q", got, log)
	}
	var want string
	for _, n := range lost {
		want += failMsg + `level=WARN msg="accesslog: writing the access log again" lost_lines=` + strconv.Itoa(n) + "\n"
	}
	if diag.String() != want {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", diag, want)
	}
}

// The rest of a cut line is written before any other line, in as many
// writes as the disk takes, and the lines that come meanwhile are dropped:
// the file holds whole lines only.
func TestCutLineFinished(t *testing.T) {
	logger, diag := diagnostics()
	out := &flakyWriter{}
	o := newOutput(out, 0, logger)
	out.set(true, 3)
	o.writeLines([]byte("hello world\n")) // "hel"
	out.set(true, 2)
	o.writeLines([]byte("x\n")) // "lo"; x dropped
	out.set(false, 0)
	o.writeLines([]byte("y\n"))
	checkOutput(t, out, diag, "hello world\ny\n", 1)
}

// Flush and Close finish a cut line too, once the disk takes it: the
// command flushes the log before it opens a rotated --log-file again and
// before it stops, and the file it leaves must not end in half a line
// when no request comes after the disk has room again.
func TestCutLineFinishedByFlush(t *testing.T) {
	for _, close := range []bool{false, true} {
		logger, diag := diagnostics()
		out := &flakyWriter{}
		o := newOutput(out, time.Hour, logger)
		o.writeLines([]byte("a\nhello world\n"))
		out.set(true, 5)
		o.flush(false) // "a\nhel"
		out.set(true, 0)
		o.flush(false) // the disk is full
		out.set(true, 2)
		o.flush(close) // "lo"
		out.set(false, 0)
		o.flush(close)
		checkOutput(t, out, diag, "a\nhello world\n", 0)
	}
}

// flapping returns an output on a flaky writer, with a test clock (now)
// and turn, which makes the writer drop lost lines and then take one.
func flapping() (o *output, out *flakyWriter, diag *bytes.Buffer, now *time.Time, turn func(lost int)) {
	logger, diag := diagnostics()
	out = &flakyWriter{}
	o = newOutput(out, 0, logger)
	t := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
	now = &t
	o.clock = func() time.Time { return *now }
	turn = func(lost int) {
		out.set(true, 0)
		for range lost {
			o.writeLines([]byte("x\n"))
		}
		out.set(false, 0)
		o.writeLines([]byte("ok\n"))
	}
	return o, out, diag, now, turn
}

// A disk at the edge of full, where writes fail and succeed in turn (a
// failed upload frees its space, the next fills it), is reported as one
// episode while they alternate within a minute, not with two lines per
// turn (a server wrote 16 such lines in 20 seconds); a failure still
// there once the minute has passed is reported then, and its recovery
// counts every line lost since the last report.
func TestWriterFlaps(t *testing.T) {
	o, out, diag, now, turn := flapping()
	turn(1) // reported: it began, and it ended with 1 line lost
	for range 5 {
		*now = now.Add(time.Second)
		turn(2) // within a minute of the last report: not said
	}
	out.set(true, 0)
	o.writeLines([]byte("x\n")) // not said either, yet
	*now = now.Add(time.Minute)
	o.writeLines([]byte("x\n")) // still failing a minute later: said
	out.set(false, 0)
	o.writeLines([]byte("ok\n"))
	checkOutput(t, out, diag, strings.Repeat("ok\n", 7), 1, 12)
}

// A failure that begins within a minute of the last report and ends
// before another failure could say it is said, with its end, by the first
// write once the minute is up: lines lost are never lost unsaid.
func TestWriterFlapSaidLate(t *testing.T) {
	o, out, diag, now, turn := flapping()
	turn(1) // reported: it began, and it ended with 1 line lost
	*now = now.Add(time.Second)
	turn(3) // within a minute of the last report: not said yet
	*now = now.Add(30 * time.Second)
	o.writeLines([]byte("ok\n"))
	checkOutput(t, out, diag, "ok\nok\nok\n", 1)
	*now = now.Add(30 * time.Second)
	o.writeLines([]byte("ok\n")) // the minute is up: said, with its end
	o.writeLines([]byte("ok\n")) // once
	checkOutput(t, out, diag, "ok\nok\nok\nok\nok\n", 1, 3)
}

// A real full device: /dev/full fails every write with ENOSPC. The
// middleware buffers (FlushInterval), keeps serving, and reports the
// failure once.
func TestDevFull(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer f.Close()
	logger, diag := diagnostics()
	m, err := New(Options{Writer: f, Now: fixedNow, Logger: logger, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(okHandler))
	for range 3 {
		serveTo(t, h, "/")
		if err := m.Flush(); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Flush() = %v, want ENOSPC", err)
		}
	}
	serveTo(t, h, "/")
	if err := m.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Close() = %v, want ENOSPC", err)
	}
	if got := diag.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "no space left on device") {
		t.Errorf("diagnostics:\n%s\nwant one line about ENOSPC", got)
	}
}

// With no Logger and the default logger writing through the
// Middleware's own SlogHandler (one ordered stream, as its doc suggests),
// a failing Writer's report goes back into the same log: it must not
// wait for the lock its own write holds (requests hung for ever). The
// report of the failure is lost with the lines (and counted with them);
// that of the recovery follows the first line written again.
func TestWriterFailsDefaultLoggerIsOwn(t *testing.T) {
	out := &flakyWriter{}
	m := newMiddleware(t, Options{Writer: out, Now: fixedNow})
	old := slog.Default()
	slog.SetDefault(slog.New(m.SlogHandler(nil)))
	defer slog.SetDefault(old)
	h := m.Handler(http.HandlerFunc(okHandler))

	done := make(chan struct{})
	go func() {
		defer close(done)
		out.set(true, 0)
		serveTo(t, h, "/1")
		serveTo(t, h, "/2")
		out.set(false, 0)
		serveTo(t, h, "/3")
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("requests hung: the failure's report waited for the log's own lock")
	}
	want := regexp.MustCompile(`^` + regexp.QuoteMeta(line("/3")) + `- - - \[[^]]+\] accesslog: writing the access log again lost_lines=3\n$`)
	if got := out.String(); !want.MatchString(got) {
		t.Errorf("log:\n%s\nwant it to match %s", got, want)
	}
}

package accesslog

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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

// opaque wraps the ResponseWriter as many third-party middlewares do:
// without Unwrap.
func opaque(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(struct{ http.ResponseWriter }{w}, r)
	})
}

// The Entry travels in the request's context, so handlers reach it behind
// any wrapper of the ResponseWriter; messages added after the handler
// returned are dropped, not written into another request's line.
func TestEntryFromContext(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Now: func() time.Time { return fixedTime }})
	var late *Entry
	h := m.Handler(opaque(opaque(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := FromContext(r.Context())
		if got := e.RemoteAddr(); got != "192.0.2.1" {
			t.Errorf("RemoteAddr() = %q", got)
		}
		e.AddMessage("code 404, message File not found")
		e.AddMessage("second\nline")
		if r.URL.Path == "/first" {
			late = e
		}
		w.WriteHeader(http.StatusNotFound)
	}))))
	for _, path := range []string{"/first", "/second"} {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = "192.0.2.1:1234"
		h.ServeHTTP(httptest.NewRecorder(), r)
		late.AddMessage("late message")
		late.OmitRequestLine()
	}
	want := "192.0.2.1 - - [05/Mar/2024 09:07:03] code 404, message File not found\n" +
		"192.0.2.1 - - [05/Mar/2024 09:07:03] second\\x0aline\n" +
		"192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET /first HTTP/1.1\" 404 -\n"
	want += strings.ReplaceAll(want, "/first", "/second")
	if got := strings.Join(log.lines(t, 6), ""); got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}

	// No access log: a nil Entry that takes every call.
	var none *Entry = FromContext(context.Background())
	if none != nil {
		t.Fatal("FromContext(Background) found an entry")
	}
	none.AddMessage("x")
	none.OmitRequestLine()
	if none.RemoteAddr() != "" {
		t.Error("nil Entry has an address")
	}
}

// A goroutine that writes after its handler returned gets an error and
// reaches nothing: not the response, not the log line.
func TestLateWrite(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Now: func() time.Time { return fixedTime }})
	results := make(chan error, 1)
	release := make(chan struct{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		go func() {
			<-release
			_, err := io.WriteString(w, "late")
			results <- err
		}()
		io.WriteString(w, "ok")
	}))
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	h.ServeHTTP(rec, r)
	close(release)
	if err := <-results; err == nil {
		t.Error("the late write succeeded")
	}
	if rec.Body.String() != "ok" {
		t.Errorf("body %q, want %q", rec.Body, "ok")
	}
	if got, want := log.lines(t, 1)[0], "192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET / HTTP/1.1\" 200 2\n"; got != want {
		t.Errorf("log %q, want %q", got, want)
	}
}

// Buffering is what FlushInterval says, whatever the writer's type: an
// *os.File with no FlushInterval gets each line at once.
func TestFlushIntervalZero(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := newMiddleware(t, Options{Writer: f})
	m.Handler(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	if fi, err := f.Stat(); err != nil || fi.Size() == 0 {
		t.Errorf("after the request: %v bytes (%v), want the line written", fi.Size(), err)
	}
	if _, err := New(Options{FlushInterval: -time.Second}); err == nil {
		t.Error("New with a negative FlushInterval: no error")
	}
}

// SlogHandler writes records as lines of the log, in Python's log_message
// format (or JSON), through the same buffer as the request lines, so that
// the order is kept.
func TestSlogHandler(t *testing.T) {
	var out bytes.Buffer
	m := newMiddleware(t, Options{Writer: &out, Now: func() time.Time { return fixedTime }, FlushInterval: time.Hour})
	logger := slog.New(m.SlogHandler(nil))
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "hello.sh: warning\x1b[31m", "script", "/cgi-bin/hello.sh")
		w.WriteHeader(http.StatusNoContent)
	}))
	r := httptest.NewRequest("GET", "/cgi-bin/hello.sh", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	logger.Info("before", "n", 1)
	h.ServeHTTP(httptest.NewRecorder(), r)
	logger.WithGroup("tls").With("peer", "a b").Warn("http: TLS handshake error", "err", errors.New("EOF"), slog.Group("g", "k", `q"`))
	logger.Debug("not shown")
	if out.Len() != 0 {
		t.Fatalf("written before the flush: %q", out.String())
	}
	m.Flush()
	// The records' own times are the wall clock's: compare what follows.
	got := strings.Split(out.String(), "\n")
	want := []string{
		"- - - [] before n=1",
		"192.0.2.1 - - [] hello.sh: warning\\x1b[31m script=/cgi-bin/hello.sh",
		"192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET /cgi-bin/hello.sh HTTP/1.1\" 204 -",
		`- - - [] http: TLS handshake error tls.peer="a b" tls.err=EOF tls.g.k="q\""`,
		"",
	}
	if len(got) != len(want) {
		t.Fatalf("log:\n%s\nwant %d lines", out.String(), len(want)-1)
	}
	for i := range want {
		line := got[i]
		if i != 2 && line != "" {
			open, close := strings.Index(line, "["), strings.Index(line, "]")
			if _, err := time.Parse(pythonLayout, line[open+1:close]); err != nil {
				t.Errorf("line %d: time stamp: %v", i, err)
			}
			line = line[:open+1] + line[close:]
		}
		if line != want[i] {
			t.Errorf("line %d: %q\nwant     %q", i, line, want[i])
		}
	}

	var js bytes.Buffer
	jm := newMiddleware(t, Options{Writer: &js, Format: JSON})
	// Scrubbed as the access log's JSON lines are: JSON itself would
	// leave DEL and the C1 controls raw.
	slog.New(jm.SlogHandler(&slog.HandlerOptions{Level: slog.LevelWarn})).Warn("w\x7f", "k", "v\n\u0085", "err", errors.New("e\x9b"))
	slog.New(jm.SlogHandler(&slog.HandlerOptions{Level: slog.LevelWarn})).Info("dropped")
	if s := js.String(); strings.Count(s, "\n") != 1 || !strings.Contains(s, `"level":"WARN","msg":"w\\x7f","k":"v\\x0a\\x85","err":"e\\x9b"}`) {
		t.Errorf("JSON: %s", s)
	}
}

// A record without a time (slog.Record's zero Time, which handlers are to
// ignore) still gets one in Python's format, whose lines need it: the
// middleware's clock, not year 1.
func TestSlogHandlerZeroTime(t *testing.T) {
	var out bytes.Buffer
	m := newMiddleware(t, Options{Writer: &out, Now: func() time.Time { return fixedTime }})
	if err := m.SlogHandler(nil).Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "no time", 0)); err != nil {
		t.Fatal(err)
	}
	if want := "- - - [05/Mar/2024 09:07:03] no time\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestSlogHandlerJSONKeys: the keys of the JSON format's records are
// scrubbed as their values are, group names included (slog's ReplaceAttr
// never sees those): a program that logs form fields or header names as
// attributes must not let a client put DEL or a C1 control into the log.
func TestSlogHandlerJSONKeys(t *testing.T) {
	var js bytes.Buffer
	m := newMiddleware(t, Options{Writer: &js, Format: JSON})
	drop := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(m.SlogHandler(&slog.HandlerOptions{ReplaceAttr: drop}))
	logger.WithGroup("w\u0085").With("a\x7f", 1, slog.Group("b\u009b", "c\x7f", 2)).
		Info("m", slog.Group("d\x7f", slog.Group("e\u0085", "f", 3)), "g", 4)
	want := `{"level":"INFO","msg":"m","w\\x85":{"a\\x7f":1,"b\\x9b":{"c\\x7f":2},"d\\x7f":{"e\\x85":{"f":3}},"g":4}}` + "\n"
	if got := js.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// The JSON format's SlogHandler keeps slog's contract (testing/slogtest):
// an empty Attr, or one ReplaceAttr drops by returning slog.Attr{}, is
// left out rather than written as "":"<nil>", and slog.Any(k, nil) is null.
func TestSlogHandlerJSONContract(t *testing.T) {
	var js bytes.Buffer
	m := newMiddleware(t, Options{Writer: &js, Format: JSON})
	results := func() []map[string]any {
		var ms []map[string]any
		for _, line := range bytes.Split(bytes.TrimSuffix(js.Bytes(), []byte("\n")), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var v map[string]any
			if err := json.Unmarshal(line, &v); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			ms = append(ms, v)
		}
		return ms
	}
	if err := slogtest.TestHandler(m.SlogHandler(nil), results); err != nil {
		t.Error(err)
	}

	js.Reset()
	drop := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "password" {
			return slog.Attr{}
		}
		return a
	}
	slog.New(m.SlogHandler(&slog.HandlerOptions{ReplaceAttr: drop})).Info("login", "user", "bob", "password", "hunter2", "none", nil)
	if got, want := js.String(), `{"level":"INFO","msg":"login","user":"bob","none":null}`+"\n"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestLateDeadline: a goroutine left behind by its handler cannot set the
// deadlines of the connection through http.ResponseController either: on
// a kept-alive connection they would be those of the next request, whose
// response would then never arrive.
func TestLateDeadline(t *testing.T) {
	m := newMiddleware(t, Options{Writer: io.Discard})
	results := make(chan error, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			go func() {
				<-release
				rc := http.NewResponseController(w)
				results <- errors.Join(rc.SetWriteDeadline(time.Unix(1, 0)), rc.SetReadDeadline(time.Unix(1, 0)))
			}()
		}
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	get := func(path string) (*http.Response, error) {
		if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return nil, err
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			return nil, err
		}
		_, err = io.ReadAll(res.Body)
		return res, err
	}
	if _, err := get("/first"); err != nil {
		t.Fatal(err)
	}
	// The whole response has arrived: the handler has returned.
	close(release)
	if err := <-results; err == nil {
		t.Error("the late deadlines were accepted")
	}
	res, err := get("/second")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the next request on the connection: %v, %v", res, err)
	}
}

// TestLateDeadlineHTTP2: over HTTP/2, net/http's own ResponseWriter
// dereferences state it has released once the handler returned, so a
// late deadline must not reach it: the goroutine would crash the program.
func TestLateDeadlineHTTP2(t *testing.T) {
	m := newMiddleware(t, Options{Writer: io.Discard})
	results := make(chan error, 1)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		go func() {
			defer func() {
				if v := recover(); v != nil {
					results <- fmt.Errorf("panic: %v", v)
				}
			}()
			<-release
			results <- http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Hour))
		}()
		io.WriteString(w, "ok")
	})))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("served over %s, want HTTP/2", res.Proto)
	}
	// The whole response has arrived: the handler has returned.
	close(release)
	if err := <-results; err == nil || strings.HasPrefix(err.Error(), "panic") {
		t.Errorf("late SetWriteDeadline: %v, want an error", err)
	}
}

// However many messages a request adds, empty ones included, each is
// logged once and in order, before the request line.
func TestEntryMessagesInOrder(t *testing.T) {
	for n := range 4 {
		log := newSink()
		m := newMiddleware(t, Options{Writer: log, Now: func() time.Time { return fixedTime }})
		msgs := []string{"", "code 404, message File not found", "two", "three"}[:n]
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, msg := range msgs {
				FromContext(r.Context()).AddMessage(msg)
			}
		}))
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:1234"
		h.ServeHTTP(httptest.NewRecorder(), r)
		want := ""
		for _, msg := range msgs {
			want += "192.0.2.1 - - [05/Mar/2024 09:07:03] " + msg + "\n"
		}
		want += "192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET / HTTP/1.1\" 200 -\n"
		if got := strings.Join(log.lines(t, n+1), ""); got != want {
			t.Errorf("%d messages: log:\n%s\nwant:\n%s", n, got, want)
		}
	}
}

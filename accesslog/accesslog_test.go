package accesslog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sink is a log writer the test can wait on.
type sink struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	notify chan struct{}
}

func newSink() *sink { return &sink{notify: make(chan struct{}, 1)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.writes++
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return len(p), nil
}

// lines waits until n lines have been written and returns them.
func (s *sink) lines(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		text := s.buf.String()
		s.mu.Unlock()
		if strings.Count(text, "\n") >= n {
			lines := strings.SplitAfter(text, "\n")
			return lines[:len(lines)-1] // after the final '\n'
		}
		select {
		case <-s.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for %d log lines; have %q", n, text)
		}
	}
}

func (s *sink) bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.buf.Bytes())
}

func newMiddleware(t *testing.T, opts Options) *Middleware {
	t.Helper()
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr bool
	}{
		{"zero", Options{}, false},
		{"json", Options{Format: JSON}, false},
		{"proxies", Options{TrustedProxies: []string{"10.0.0.0/8", "::1", " 192.168.1.1 ", "fd00::/8"}}, false},
		{"bad_format", Options{Format: JSON + 1}, true},
		{"negative_format", Options{Format: -1}, true},
		{"bad_cidr", Options{TrustedProxies: []string{"10.0.0.0/33"}}, true},
		{"hostname", Options{TrustedProxies: []string{"proxy.local"}}, true},
		{"empty", Options{TrustedProxies: []string{""}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%+v) error = %v, wantErr %v", tt.opts, err, tt.wantErr)
			}
			if m != nil {
				m.Close()
			}
		})
	}
}

// TestForwardedZoneLine: the zone of an IPv6 address in X-Forwarded-For
// does not reach the line, so a header cannot put spaces and fields of
// its own into the address field.
func TestForwardedZoneLine(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Format: Common, TrustedProxies: []string{"10.0.0.0/8"}, Now: func() time.Time { return fixedTime }})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:1234"
	r.Header.Set("X-Forwarded-For", "fe80::1%x - admin [01/Jan/2000:00:00:00 +0000] \"GET /forged HTTP/1.1\" 200 1 ")
	h.ServeHTTP(httptest.NewRecorder(), r)
	m.Close()
	if got := string(log.bytes()); !strings.HasPrefix(got, "fe80::1 - - [") {
		t.Errorf("line %q, want it to start with %q", got, "fe80::1 - - [")
	}
}

// TestPeerZoneLine: a link-local client's line names it as Python's does,
// without the zone of its address (fe80::1, not fe80::1%eth0, which
// goaccess refuses as no IP address).
func TestPeerZoneLine(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Format: Common, Now: func() time.Time { return fixedTime }})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[fe80::1%eth0]:1234"
	h.ServeHTTP(httptest.NewRecorder(), r)
	m.Close()
	if got := string(log.bytes()); !strings.HasPrefix(got, "fe80::1 - - [") {
		t.Errorf("line %q, want it to start with %q", got, "fe80::1 - - [")
	}
}

// checkClean fails if log holds a byte below 0x20 other than the '\n' that
// ends each line, or a byte 0x7F–0x9F, or the UTF-8 of U+0080–U+009F.
func checkClean(t *testing.T, what string, log []byte) {
	t.Helper()
	for i, c := range log {
		if (c < 0x20 && c != '\n') || (0x7f <= c && c <= 0x9f && !(i > 0 && log[i-1] >= 0xc0)) {
			t.Errorf("%s: raw byte %#x at %d in %q", what, c, i, log)
			return
		}
		if c == 0xc2 && i+1 < len(log) && 0x80 <= log[i+1] && log[i+1] <= 0x9f {
			t.Errorf("%s: UTF-8 C1 control at %d in %q", what, i, log)
			return
		}
	}
	if len(log) > 0 && log[len(log)-1] != '\n' {
		t.Errorf("%s: log does not end in a newline: %q", what, log)
	}
}

// rawRequest sends req over a raw TCP connection and reads the response.
func rawRequest(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "no response: " + err.Error()
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.Status
}

func TestControlCharacters(t *testing.T) {
	nasty := []struct{ name, s string }{
		{"esc", "\x1b[31m"}, {"cr", "a\rb"}, {"lf", "a\nb"}, {"nul", "\x00"},
		{"del", "\x7f"}, {"lone_85", "\x85"}, {"lone_9b", "\x9b[2J"},
		{"utf8_85", "\u0085"}, {"utf8_9b", "\u009b"}, {"tab", "a\tb"},
		{"backslash", `\x41\\`}, {"invalid_utf8", "\xff\xfe\xc0\xaf"},
		{"percent", "%1b%0d%0a%00%7f%c2%85%85%9b"},
	}
	for _, f := range []Format{Python, Common, Combined, JSON} {
		t.Run(f.String(), func(t *testing.T) {
			log := newSink()
			m := newMiddleware(t, Options{Writer: log, Format: f})
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// Messages carry decoded text: "%1b" in the path is a raw ESC here.
				FromContext(r.Context()).AddMessage("code 400, message " + r.Header.Get("X-Msg") + r.URL.Path)
				io.WriteString(w, "ok")
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			addr := srv.Listener.Addr().String()
			logged := 0
			for _, n := range nasty {
				reqs := map[string]string{
					"path":    "GET /p" + n.s + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
					"query":   "GET /?q=" + n.s + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
					"method":  "G" + n.s + "T / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
					"headers": "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: u" + n.s + "\r\nReferer: r" + n.s + "\r\nX-Msg: m" + n.s + "\r\nConnection: close\r\n\r\n",
				}
				for where, req := range reqs {
					before := len(log.bytes())
					status := rawRequest(t, addr, req)
					if strings.HasPrefix(status, "200") {
						logged++
						lines := 1
						if f == Python {
							lines = 2
						}
						// Wait for this request's lines before the next.
						log.lines(t, strings.Count(string(log.bytes()[:before]), "\n")+lines)
					}
					t.Logf("%s in %s: %s", n.name, where, status)
				}
			}
			if logged < len(nasty) {
				t.Errorf("only %d requests reached the handler", logged)
			}
			// Requests built by hand carry what net/http refuses on the wire.
			for _, n := range nasty {
				r := httptest.NewRequest("GET", "/", nil)
				r.Method, r.RequestURI, r.Proto = "G"+n.s, "/"+n.s, "HTTP/"+n.s
				r.RemoteAddr = "[::1" + n.s + "]:1"
				r.Header.Set("User-Agent", n.s)
				r.Header.Set("Referer", n.s)
				r.Header.Set("X-Msg", n.s)
				r.SetBasicAuth(n.s, "")
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
			out := log.bytes()
			checkClean(t, f.String(), out)
			log.mu.Lock()
			writes := log.writes
			log.mu.Unlock()
			if got := bytes.Count(out, []byte("\n")); got != writes {
				t.Errorf("%d lines in %d writes, want one write per line", got, writes)
			}
		})
	}
}

func TestConcurrent(t *testing.T) {
	const requests = 200
	log := newSink()
	m := newMiddleware(t, Options{Writer: log})
	body := strings.Repeat("z", 1000)
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	})))
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := srv.Client().Get(fmt.Sprintf("%s/r/%d", srv.URL, i))
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	lines := log.lines(t, requests)
	if len(lines) != requests {
		t.Fatalf("%d lines, want %d", len(lines), requests)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		var id int
		if _, err := fmt.Sscanf(l[strings.Index(l, "\"GET"):], "\"GET /r/%d HTTP/1.1\" 200 1000\n", &id); err != nil {
			t.Fatalf("torn or wrong line %q: %v", l, err)
		}
		seen[l] = true
	}
	if len(seen) != requests {
		t.Errorf("%d distinct lines, want %d", len(seen), requests)
	}
}

func TestPanic(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Now: func() time.Time { return fixedTime }})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/after" {
			io.WriteString(w, "partial")
		}
		panic("boom")
	}))
	for _, tt := range []struct{ target, want string }{
		{"/before", `127.0.0.1 - - [05/Mar/2024 09:07:03] "GET /before HTTP/1.1" - -` + "\n"},
		{"/after", `127.0.0.1 - - [05/Mar/2024 09:07:03] "GET /after HTTP/1.1" 200 7` + "\n"},
	} {
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("%s: recovered %v, want the handler's panic", tt.target, p)
				}
			}()
			r := httptest.NewRequest("GET", tt.target, nil)
			r.RemoteAddr = "127.0.0.1:5555"
			h.ServeHTTP(httptest.NewRecorder(), r)
		}()
		lines := log.lines(t, 1)
		if got := lines[len(lines)-1]; got != tt.want {
			t.Errorf("%s: logged %q, want %q", tt.target, got, tt.want)
		}
		log.mu.Lock()
		log.buf.Reset()
		log.mu.Unlock()
	}
}

func TestHijack(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Format: JSON, Now: func() time.Time { return fixedTime }})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
	})))
	defer srv.Close()
	status := rawRequest(t, srv.Listener.Addr().String(), "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
	if !strings.HasPrefix(status, "101") {
		t.Fatalf("status %q", status)
	}
	line := log.lines(t, 1)[0]
	if !strings.Contains(line, `"uri":"/ws"`) || !strings.Contains(line, `"status":0`) || !strings.Contains(line, `"hijacked":true`) {
		t.Errorf("hijacked request logged as %s", line)
	}
}

// TestFileBuffered checks the buffering that FlushInterval turns on: lines
// are held back, then written by the timer, by Flush and by Close.
func TestFileBuffered(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := New(Options{Writer: f, FlushInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.NotFoundHandler())
	serve := func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil)) }
	size := func() int64 {
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}

	start := time.Now()
	serve()
	// The timer writes the line about 100 ms later.
	for size() == 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the buffered line was never written")
		}
		time.Sleep(5 * time.Millisecond) // polling a file: no event to wait on
	}
	one := size()

	serve()
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	if size() != 2*one {
		t.Errorf("after Flush: %d bytes, want %d", size(), 2*one)
	}
	serve()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if size() != 3*one {
		t.Errorf("after Close: %d bytes, want %d", size(), 3*one)
	}
	serve() // after Close: written at once
	if size() != 4*one {
		t.Errorf("after Close, a new line: %d bytes, want %d", size(), 4*one)
	}
}

// TestLongLine checks that a line longer than the buffer is still written
// whole, in one Write.
func TestLongLine(t *testing.T) {
	var got [][]byte
	o := newOutput(writerFunc(func(p []byte) (int, error) { got = append(got, bytes.Clone(p)); return len(p), nil }), time.Second, nil)
	long := append(bytes.Repeat([]byte("a"), bufferSize+10), '\n')
	o.writeLines([]byte("short\n"))
	o.writeLines(long)
	o.writeLines([]byte("after\n"))
	o.flush(true)
	want := []string{"short\n", string(long), "after\n"}
	if len(got) != len(want) {
		t.Fatalf("%d writes, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("write %d: %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestNilNext(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handler(nil) did not panic")
		}
	}()
	m := newMiddleware(t, Options{Writer: io.Discard})
	m.Handler(nil)
}

// TestOmitRequestLine: a handler that refuses a request line as too long
// has it logged as Python does, "", and the next request is logged in
// full again.
func TestOmitRequestLine(t *testing.T) {
	out := newSink()
	m := newMiddleware(t, Options{Writer: out, Now: func() time.Time { return fixedTime }})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.RequestURI) > 10 {
			FromContext(r.Context()).OmitRequestLine()
			w.WriteHeader(http.StatusRequestURITooLong)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	for _, target := range []string{"/" + strings.Repeat("a", 100), "/short"} {
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = "192.0.2.1:1234"
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	got := strings.Join(out.lines(t, 2), "")
	want := "192.0.2.1 - - [05/Mar/2024 09:07:03] \"\" 414 -\n" +
		"192.0.2.1 - - [05/Mar/2024 09:07:03] \"GET /short HTTP/1.1\" 204 -\n"
	if got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
}

// TestUserField: the Basic-authentication user name fills the user field
// of Common, Combined and JSON (Python's format has none); the password
// and the Authorization header never reach the log.
func TestUserField(t *testing.T) {
	for f, want := range map[Format]string{
		Python:   "",
		Common:   ` - alice [`,
		Combined: ` - alice [`,
		JSON:     `"user":"alice"`,
	} {
		log := newSink()
		m := newMiddleware(t, Options{Writer: log, Format: f})
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		r := httptest.NewRequest("GET", "/", nil)
		r.SetBasicAuth("alice", "s3cret")
		h.ServeHTTP(httptest.NewRecorder(), r)
		m.Close()
		out := string(log.bytes())
		if want != "" && !strings.Contains(out, want) || want == "" && strings.Contains(out, "alice") {
			t.Errorf("%v: %q, want %q in it", f, out, want)
		}
		if strings.Contains(out, "s3cret") || strings.Contains(out, "YWxpY2U6czNjcmV0") {
			t.Errorf("%v: the password reached the log: %q", f, out)
		}
	}
}

// TestUserFieldDelimiters: the user name of Common and Combined is a field without
// quotes, so a space or '[' in the name sent (any client may send one)
// is written \x20 or \x5b: else goaccess, fail2ban and every parser
// that splits the line on spaces or finds the time stamp at the first
// '[' misread the line, or skip it. Python's format has no user field,
// and JSON quotes it.
func TestUserFieldDelimiters(t *testing.T) {
	const user = `x [05/Mar/2024 "y\`
	for f, want := range map[Format]string{
		Python:   `192.0.2.1 - - [05/Mar/2024 09:07:03] "GET / HTTP/1.1" 200 -` + "\n",
		Common:   `192.0.2.1 - x\x20\x5b05/Mar/2024\x20\"y\\ [05/Mar/2024:09:07:03 +0100] "GET / HTTP/1.1" 200 -` + "\n",
		Combined: `192.0.2.1 - x\x20\x5b05/Mar/2024\x20\"y\\ [05/Mar/2024:09:07:03 +0100] "GET / HTTP/1.1" 200 - "-" "-"` + "\n",
		JSON:     `{"time":"2024-03-05T09:07:03.25+01:00","remote":"192.0.2.1","method":"GET","uri":"/","proto":"HTTP/1.1","status":200,"bytes":0,"duration":0,"referer":"","user_agent":"","user":"x [05/Mar/2024 \"y\\\\"}` + "\n",
	} {
		if got := logUser(t, f, user); got != want {
			t.Errorf("%v:\n got %s\nwant %s", f, got, want)
		}
	}
}

// TestUserFieldUnicodeSpaces: Python's \S, and so a fail2ban filter's,
// stops at any Unicode space, not only at ' ': a user name sent with a
// no-break space or an em space made a failed login a line the filter
// could not read, so that a password guesser went unbanned. Each such
// space is written as Python escapes it; the C1 space U+0085 is a
// control, \x85 as ever.
func TestUserFieldUnicodeSpaces(t *testing.T) {
	const user = "a\u00a0b\u2003c\u3000d\u1680e\u0085f\u2028g\u00e9"
	const field = `a\xa0b\u2003c\u3000d\u1680e\x85f\u2028g` + "\u00e9"
	for f, want := range map[Format]string{
		Common:   `192.0.2.1 - ` + field + ` [05/Mar/2024:09:07:03 +0100] "GET / HTTP/1.1" 200 -` + "\n",
		Combined: `192.0.2.1 - ` + field + ` [05/Mar/2024:09:07:03 +0100] "GET / HTTP/1.1" 200 - "-" "-"` + "\n",
	} {
		if got := logUser(t, f, user); got != want {
			t.Errorf("%v:\n got %s\nwant %s", f, got, want)
		}
	}
}

// logUser returns the line f logs for a GET / sent with the
// Basic-authentication user name user.
func logUser(t *testing.T, f Format, user string) string {
	t.Helper()
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Format: f, Now: func() time.Time { return fixedTime }})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, "pw")
	h.ServeHTTP(httptest.NewRecorder(), r)
	m.Close()
	return string(log.bytes())
}

// TestJSONInvalidUTF8: JSON holds UTF-8 only, so a byte of a request
// line or header that is not part of UTF-8 (a target or User-Agent sent in
// Latin-1) is written \xHH, as Scrub writes a lone byte 0x80–0x9F: slog
// wrote U+FFFD for it, and two requests that differed only there were
// logged alike.
func TestJSONInvalidUTF8(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Format: JSON, Now: func() time.Time { return fixedTime }})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, s := range []string{"caf\xe9", "caf\xff", "caf\u00e9 \xed\xa0\x80"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RequestURI = "/" + s
		r.Header.Set("User-Agent", s)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	m.Close()
	const line = `{"time":"2024-03-05T09:07:03.25+01:00","remote":"192.0.2.1","method":"GET","uri":"/%[1]s","proto":"HTTP/1.1","status":200,"bytes":0,"duration":0,"referer":"","user_agent":"%[1]s"}` + "\n"
	want := fmt.Sprintf(line, `caf\\xe9`) + fmt.Sprintf(line, `caf\\xff`) + fmt.Sprintf(line, `café \\xed\\xa0\\x80`)
	if got := string(log.bytes()); got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
}

// TestPasswordInTarget: a request target in absolute or authority form
// may carry a user name and password ("GET http://user:pass@host/"), and
// so may a Referer; the password is logged as "xxxxx", as
// url.URL.Redacted writes it, and the rest as the client sent it.
func TestPasswordInTarget(t *testing.T) {
	for _, tc := range []struct{ method, target, want string }{
		{"GET", "http://alice:s3cret@example.com/a?b@c", `"GET http://alice:xxxxx@example.com/a?b@c HTTP/1.1" 200 -`},
		{"GET", "https://al%3Aice:s3:c@ret@example.com", `"GET https://al%3Aice:xxxxx@example.com HTTP/1.1" 200 -`},
		{"CONNECT", "alice:s3cret@example.com:443", `"CONNECT alice:xxxxx@example.com:443 HTTP/1.1" 200 -`},
		{"GET", "http://alice@example.com/", `"GET http://alice@example.com/ HTTP/1.1" 200 -`},
	} {
		for _, f := range []Format{Python, Common, Combined, JSON} {
			log := newSink()
			m := newMiddleware(t, Options{Writer: log, Format: f, Now: func() time.Time { return fixedTime }})
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.RemoteAddr = "192.0.2.1:1234"
			r.Header.Set("Referer", "http://bob:hunter2@example.org/page")
			h.ServeHTTP(httptest.NewRecorder(), r)
			out := log.lines(t, 1)[0]
			if f == Python && out != "192.0.2.1 - - [05/Mar/2024 09:07:03] "+tc.want+"\n" {
				t.Errorf("%s %s: %q, want %q", tc.method, tc.target, out, tc.want)
			}
			if strings.Contains(out, "s3") || strings.Contains(out, "hunter2") {
				t.Errorf("%v: a password reached the log: %q", f, out)
			}
			if f == Combined && !strings.Contains(out, `"http://bob:xxxxx@example.org/page"`) {
				t.Errorf("%v: Referer not logged with its password redacted: %q", f, out)
			}
		}
	}
}

// TestPasswordNotParsed: the password is found in the text the client
// sent, not through a URL parser. An HTTP/2 CONNECT carries its target in
// :authority, which net/http hands on unparsed (r.URL.User is nil), and a
// Referer may be scheme-relative or not parse as a URL at all (a bad
// escape, a port that is not a number) and still hold a password.
func TestPasswordNotParsed(t *testing.T) {
	for _, tc := range []struct{ name, referer, want string }{
		{"scheme-relative", "//bob:hunter2@example.org/page", "//bob:xxxxx@example.org/page"},
		{"bad escape", "http://bob:hunter2@example.org/%zz", "http://bob:xxxxx@example.org/%zz"},
		{"bad port", "http://bob:hunter2@example.org:web/", "http://bob:xxxxx@example.org:web/"},
		{"password in the query only", "http://example.org/?next=http://bob:hunter2@x/", "http://example.org/?next=http://bob:hunter2@x/"},
		{"not a URL", "mailto:bob:x@example.org", "mailto:bob:x@example.org"},
	} {
		for _, f := range []Format{Combined, JSON} {
			log := newSink()
			m := newMiddleware(t, Options{Writer: log, Format: f, Now: func() time.Time { return fixedTime }})
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			// As net/http's HTTP/2 server makes a CONNECT request.
			r := &http.Request{
				Method: "CONNECT", URL: &url.URL{Host: "alice:s3cret@example.com:443"}, RequestURI: "alice:s3cret@example.com:443",
				Proto: "HTTP/2.0", ProtoMajor: 2, Header: http.Header{"Referer": {tc.referer}}, RemoteAddr: "192.0.2.1:1234",
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			out := log.lines(t, 1)[0]
			if !strings.Contains(out, "alice:xxxxx@example.com:443") || strings.Contains(out, "s3cret") {
				t.Errorf("%s, %v: HTTP/2 CONNECT target not logged as alice:xxxxx@example.com:443: %q", tc.name, f, out)
			}
			if !strings.Contains(out, `"`+tc.want+`"`) {
				t.Errorf("%s, %v: Referer %q not logged as %q: %q", tc.name, f, tc.referer, tc.want, out)
			}
		}
	}
}

// net/http sends no body for HEAD however much the handler writes: the
// size field says none was sent, as for Apache.
func TestHeadLogsNoBytes(t *testing.T) {
	for method, want := range map[string]string{
		"GET":  `"GET / HTTP/1.1" 200 5` + "\n",
		"HEAD": `"HEAD / HTTP/1.1" 200 -` + "\n",
	} {
		log := newSink()
		m := newMiddleware(t, Options{Writer: log, Format: Common})
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/", nil))
		if out := log.lines(t, 1)[0]; !strings.HasSuffix(out, want) {
			t.Errorf("%s: %q, want it to end in %q", method, out, want)
		}
	}
}

// A request built by hand (http.NewRequest, as in a test of the caller's
// handler) has no RequestURI: the line shows the URL's instead of
// leaving the request line out.
func TestHandBuiltRequestLogged(t *testing.T) {
	log := newSink()
	m := newMiddleware(t, Options{Writer: log})
	r, err := http.NewRequest("GET", "http://example.com/a?b=c", nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).ServeHTTP(httptest.NewRecorder(), r)
	want := `"GET /a?b=c HTTP/1.1" 200 -` + "\n"
	if out := log.lines(t, 1)[0]; !strings.HasSuffix(out, want) {
		t.Errorf("%q, want it to end in %q", out, want)
	}
}

// JSON's duration is the time from the start of the request to the end of
// the handler, in nanoseconds.
func TestJSONDuration(t *testing.T) {
	var calls atomic.Int32
	now := func() time.Time {
		if calls.Add(1) == 1 {
			return fixedTime
		}
		return fixedTime.Add(1500 * time.Millisecond)
	}
	log := newSink()
	m := newMiddleware(t, Options{Writer: log, Format: JSON, Now: now})
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if out := log.lines(t, 1)[0]; !strings.Contains(out, `"duration":1500000000,`) {
		t.Errorf("%q, want a duration of 1.5 s", out)
	}
}

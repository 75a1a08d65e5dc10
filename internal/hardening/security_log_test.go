package hardening

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/accesslog"
)

// logAttacks are requests, written raw, that carry control characters in
// every part a client controls. net/http refuses some of them (a raw
// control byte in the request line or a header) before any handler runs;
// they are sent anyway, since no layer may log them raw either.
func logAttacks(addr string) []string {
	basic := func(user string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":pw"))
	}
	req := func(method, target string, headers ...string) string {
		return method + " " + target + " HTTP/1.1\r\nHost: " + addr + "\r\n" + strings.Join(headers, "") + "Connection: close\r\n\r\n"
	}
	reqs := []string{
		// The path: escaped controls are logged as sent (%0a stays
		// "%0a"), raw bytes 0x80-0xff reach the handler and must be
		// scrubbed; raw C0 bytes are refused by net/http.
		req("GET", "/%0d%0a127.0.0.1 - - [01/Jan/2000 00:00:00] \"GET /forged HTTP/1.1\" 200 -"),
		req("GET", "/\x85\x9b[2J\xc2\x85\xc2\x9b31m\xe2\x80\xa8\xff\xfe"),
		req("GET", "/cgi-bin/\xc2\x9b2J/\x85"),
		req("GET", "/a\x1b[31mred"), req("GET", "/a\x00b"), req("GET", "/a\x7fb"), req("GET", "/a\tb"),
		req("GET", "/a\rb"), req("GET", "/\x08\x08\x08\x08"),
		// The query.
		req("GET", "/?q=\x85\xc2\x85\x9b]0;title\xc2\x9c"), req("GET", "/?q=%1b]0;title%07"),
		req("GET", "/?q=\x1b]0;title\x07"),
		// The method: only tokens pass net/http.
		req("G\x1bET", "/"), req("GET\x85", "/"), req("\x85\x9b", "/"), req("X-\xc2\x85", "/"),
		req("PROPFIND", "/%1b"),
		// Headers logged by Combined (Referer, User-Agent) and Common (the
		// Basic user name, which is base64 and may hold anything).
		req("GET", "/", "User-Agent: ua\t\x85\xc2\x85\xc2\x9b[2J\xff\r\n", "Referer: http://r/\x9b\xc2\x80\t\r\n"),
		req("GET", "/", "User-Agent: \x1b[31m\r\n"), req("GET", "/", "Referer: a\x00b\r\n"),
		req("GET", "/", "User-Agent: a\x7fb\r\n"),
		req("GET", "/", "Authorization: "+basic("\x1b[2J\r\nforged\x85\xc2\x9b")+"\r\n"),
		req("GET", "/", "Authorization: "+basic("\t\x00\x7f")+"\r\n"),
		req("GET", "/", "X-Forwarded-For: 1.2.3.4\x85\r\n"),
		// CGI: a script's standard error goes to the access log.
		req("GET", "/cgi-bin/noisy.sh"),
		req("GET", "/cgi-bin/missing\xc2\x85.sh"), req("GET", "/cgi-bin/%1b%5b2J.sh"),
		// Error messages built from the path.
		req("POST", "/%1b%0a", "Content-Length: 0\r\n"),
		req("GET", "/\xc2\x85/"),
	}
	return reqs
}

// checkLog counts the bytes of a log that a terminal or a log parser
// would take for control characters: bytes below 0x20 other than the
// '\n' that ends a line, DEL, the C1 controls U+0080-U+009F, and lone
// bytes 0x80-0x9F outside valid UTF-8. It also reports lines that do not
// start with prefix (a forged line would not).
func checkLog(t *testing.T, log []byte, prefix string) (raw int) {
	t.Helper()
	for i := 0; i < len(log); {
		r, size := utf8.DecodeRune(log[i:])
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f || 0x80 <= r && r <= 0x9f:
			raw++
			t.Errorf("raw control U+%04X at byte %d: %q", r, i, context(log, i))
		case r == utf8.RuneError && size == 1 && log[i] >= 0x80 && log[i] <= 0x9f:
			raw++
			t.Errorf("lone byte %#x at byte %d: %q", log[i], i, context(log, i))
		}
		i += size
	}
	lines := strings.Split(strings.TrimSuffix(string(log), "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			t.Errorf("line does not start with %q (forged?): %q", prefix, l)
		}
	}
	return raw
}

func context(b []byte, i int) []byte {
	lo, hi := max(0, i-40), min(len(b), i+40)
	return b[lo:hi]
}

// TestSecurityLogInjection sends control characters in the path, query,
// method and headers over a raw socket, and makes a CGI script write
// them to its standard error, for each access-log format, and checks
// that none reaches the log raw and that no line is forged.
func TestSecurityLogInjection(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	writeTree(t, root, map[string]file{
		"cgi-bin/noisy.sh": script("printf 'Content-Type: text/plain\\n\\nok\\n'\n" +
			"printf 'esc \\033[2J bell \\007 nul \\000 del \\177 c1 \\302\\205 \\302\\233 lone \\205\\233 cr\\rlf\\nforged line\\n' >&2\n"),
	})
	formats := []struct {
		format accesslog.Format
		prefix string
	}{
		{accesslog.Python, "127.0.0.1 - - ["},
		{accesslog.Common, "127.0.0.1 "},
		{accesslog.Combined, "127.0.0.1 "},
		{accesslog.JSON, "{"},
	}
	var total, raw, lines, handled int
	for _, f := range formats {
		t.Run(f.format.String(), func(t *testing.T) {
			st := newStack(t, root, stackOptions{Format: f.format})
			n := 0
			for _, req := range logAttacks(st.addr) {
				if res := rawRequest(t, st.addr, req); res.status != 400 && res.status != 0 {
					n++
				}
			}
			st.close() // waits for the handlers, then flushes the log
			log := st.access.Bytes()
			raw += checkLog(t, log, f.prefix)
			total += len(log)
			lines += bytes.Count(log, []byte("\n"))
			handled += n
			if got := bytes.Count(log, []byte("HTTP/1.1")); got < n {
				t.Errorf("%d requests reached the handlers but %d request lines were logged:\n%s", n, got, log)
			}
			if f.format == accesslog.JSON {
				for _, l := range bytes.Split(bytes.TrimSuffix(log, []byte("\n")), []byte("\n")) {
					if !json.Valid(l) {
						t.Errorf("not JSON: %q", l)
					}
				}
			}
			// The script's standard error was logged, scrubbed.
			if f.format == accesslog.Python && !bytes.Contains(log, []byte(`esc \x1b[2J bell \x07`)) {
				t.Errorf("the CGI script's standard error is not in the log (scrubbed):\n%s", log)
			}
			// Not vacuous: the hostile bytes got in, escaped.
			if f.format == accesslog.Combined && !bytes.Contains(log, []byte(`ua\x09\x85\x85\x9b[2J`)) {
				t.Errorf("User-Agent not logged as expected:\n%s", log)
			}
		})
	}
	t.Logf("log: %d requests handled over 4 formats, %d log bytes checked in %d lines, %d raw control bytes", handled, total, lines, raw)
}

// TestSecurityForwardedFor: X-Forwarded-For decides the logged address
// only when the peer is a trusted proxy, and then only as an IP address.
// Sent by a client that is no proxy, the header is ignored; through a
// trusted proxy, hops that are not addresses (names, "unknown", bytes
// above 0x7F, an IPv6 zone followed by a forged log line) end the walk
// and never reach the log.
func TestSecurityForwardedFor(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	writeTree(t, root, map[string]file{"f.txt": {content: "f\n"}})
	tests := []struct{ xff, viaProxy string }{
		{"203.0.113.9", "203.0.113.9"},
		{"1.2.3.4\x85", "127.0.0.1"},
		{"fe80::1%x - admin [01/Jan/2000:00:00:00 +0000] \"GET /forged HTTP/1.1\" 200 1", "fe80::1"},
		{"evil.example", "127.0.0.1"},
		{"unknown, 203.0.113.9", "203.0.113.9"},
		{"203.0.113.9, _hidden", "127.0.0.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"::ffff:203.0.113.8", "203.0.113.8"},
		{strings.Repeat("127.0.0.2, ", 5000) + "203.0.113.7, 127.0.0.3", "203.0.113.7"},
	}
	for _, proxied := range []bool{false, true} {
		name, proxies := "client", []string{"10.0.0.0/8"}
		if proxied {
			name, proxies = "trusted proxy", []string{"127.0.0.0/8"}
		}
		t.Run(name, func(t *testing.T) {
			st := newStack(t, root, stackOptions{Format: accesslog.Common, TrustedProxies: proxies})
			for _, tc := range tests {
				req := "GET /f.txt HTTP/1.1\r\nHost: " + st.addr + "\r\nX-Forwarded-For: " + tc.xff + "\r\nConnection: close\r\n\r\n"
				if res := rawRequest(t, st.addr, req); res.status != 200 {
					t.Fatalf("X-Forwarded-For %.60q: status %d, want 200", tc.xff, res.status)
				}
			}
			st.close()
			log := st.access.Bytes()
			checkLog(t, log, "")
			lines := strings.Split(strings.TrimSuffix(string(log), "\n"), "\n")
			if len(lines) != len(tests) {
				t.Fatalf("%d lines for %d requests:\n%s", len(lines), len(tests), log)
			}
			for i, tc := range tests {
				want := "127.0.0.1"
				if proxied {
					want = tc.viaProxy
				}
				if !strings.HasPrefix(lines[i], want+" - - [") {
					t.Errorf("X-Forwarded-For %.60q: line %q, want it to start with %q", tc.xff, lines[i], want+" - - [")
				}
			}
		})
	}
}

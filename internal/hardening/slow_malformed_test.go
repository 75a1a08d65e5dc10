package hardening

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func init() {
	commandTests["malformed"] = testMalformed
}

// closed is malformedTests' want for a request the server answers by
// closing the connection without a response.
const closed = 0

// malformedTests are 64 kinds of broken request: bad request lines and
// versions, bad header syntax, bad body framing, stray bytes. Each raw
// request is complete (its end is where a server can tell it is broken),
// so a server that waits for more is wrong. want is the status the
// command answers with, or closed.
var malformedTests = []struct {
	name string
	raw  string
	want int
}{
	// The request line.
	{"empty request line", "\r\n\r\n", 400},
	{"empty line before request", "\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"method only", "GET\r\n\r\n", 400},
	{"HTTP/0.9 simple request", "GET /hello.txt\r\n\r\n", 400},
	{"HTTP/0.9 version", "GET /hello.txt HTTP/0.9\r\n\r\n", 505},
	{"extra token", "GET /hello.txt HTTP/1.1 x\r\nHost: x\r\n\r\n", 400},
	{"two spaces", "GET  /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"tabs for spaces", "GET\t/hello.txt\tHTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"trailing space", "GET /hello.txt HTTP/1.1 \r\nHost: x\r\n\r\n", 400},
	{"version 9.9", "GET /hello.txt HTTP/9.9\r\nHost: x\r\n\r\n", 505},
	{"version 1.10", "GET /hello.txt HTTP/1.10\r\nHost: x\r\n\r\n", 400},
	{"version without minor", "GET /hello.txt HTTP/1\r\nHost: x\r\n\r\n", 400},
	{"lower-case version", "GET /hello.txt http/1.1\r\nHost: x\r\n\r\n", 400},
	{"HTTP/2.0 in clear text", "GET /hello.txt HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	// net/http passes the HTTP/2 preface to the handler (for h2c); the
	// command answers it as Python answers every HTTP/2 request line.
	{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
	{"negative version", "GET /hello.txt HTTP/-1.1\r\nHost: x\r\n\r\n", 400},
	{"not HTTP", "GET /hello.txt FTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"method of 8 KiB", strings.Repeat("A", 8<<10) + " /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 501},
	{"control byte in method", "G\x01T /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"NUL in method", "GET\x00 /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"separator in method", "(GET) /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"non-ASCII method", "G\xc3\x89T /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"lower-case method", "get /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 501},

	// The request target.
	{"space in target", "GET /hello .txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"NUL in target", "GET /hello.txt\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"DEL in target", "GET /hello\x7f.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"bad percent escape", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"cut percent escape", "GET /hello.txt% HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"relative target", "GET ../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"asterisk for GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 404},
	// net/http reads "example.com:80" as a URL of scheme "example.com"
	// with no path, which the file server takes for "/" and lists.
	// Python looks for a file named "example.com:80": 404.
	{"authority form for GET", "GET example.com:80 HTTP/1.1\r\nHost: x\r\n\r\n", 200},
	{"CONNECT with a path", "CONNECT /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", 501},
	// A client never sends a fragment; Python drops it (translate_path).
	{"fragment in target", "GET /hello.txt#x HTTP/1.1\r\nHost: x\r\n\r\n", 200},
	{"invalid UTF-8 in target", "GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", 404},

	// Line ends.
	{"bare CR ends", "GET /hello.txt HTTP/1.1\rHost: x\r\r\n\r\n", 400},
	{"CR CR LF", "GET /hello.txt HTTP/1.1\r\r\nHost: x\r\n\r\n", 400},
	{"bare CR in header value", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400},
	{"LF CR", "GET /hello.txt HTTP/1.1\n\rHost: x\n\r\n\r", 400},

	// Header syntax.
	{"header without colon", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-No-Colon\r\n\r\n", 400},
	{"space in header name", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n", 400},
	{"space before colon", "GET /hello.txt HTTP/1.1\r\nHost : x\r\n\r\n", 400},
	{"empty header name", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n: z\r\n\r\n", 400},
	{"NUL in header value", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400},
	{"control byte in header name", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX\x01Y: z\r\n\r\n", 400},
	{"non-ASCII header name", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\xc3\x84: z\r\n\r\n", 400},
	// net/http unfolds obsolete line folding, as RFC 9112 allows.
	{"folded header", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 200},
	{"fold before the first header", "GET /hello.txt HTTP/1.1\r\n X: y\r\nHost: x\r\n\r\n", 400},
	{"no Host in HTTP/1.1", "GET /hello.txt HTTP/1.1\r\n\r\n", 400},
	{"two Host headers", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
	{"slash in Host", "GET /hello.txt HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},

	// Body framing. GET, so that the file server answers whatever the
	// body, when net/http lets the request through.
	{"negative Content-Length", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
	{"Content-Length not a number", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
	{"conflicting Content-Lengths", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
	{"Content-Length overflow", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
	// net/http lets Transfer-Encoding win, as RFC 9112 says, and drops
	// the Content-Length.
	{"Content-Length and chunked", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 200},
	{"unknown Transfer-Encoding", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
	{"chunked twice", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 501},
	// The file server answers without reading the body; net/http then
	// fails to read past it and closes the connection.
	{"huge chunk size", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n", 200},
	{"chunk size not hex", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 200},
	{"negative chunk size", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", 200},
	{"chunk longer than its size", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 200},
	{"chunk size line of 8 KiB", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("0", 8<<10) + "1\r\n", 200},

	// Not HTTP at all.
	{"TLS client hello", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + strings.Repeat("\x00", 32) + "\r\n\r\n", 400},
	{"NUL bytes", strings.Repeat("\x00", 64) + "\r\n\r\n", 400},
}

// testMalformed sends each of malformedTests on a new connection and
// checks that it gets its answer, or a close, within a second, and that a
// normal request succeeds right after.
func testMalformed(t *testing.T, bin *binary) {
	if len(malformedTests) != 64 {
		t.Errorf("%d malformed requests, want 64", len(malformedTests))
	}
	s := startServer(t, bin)
	for _, tt := range malformedTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := malformedRoundTrip(s.addr, tt.raw, time.Second)
			if err != nil {
				t.Errorf("%q: %v", tail(tt.raw, 60), err)
			} else if got != tt.want {
				t.Errorf("%q: answer %s, want %s", tail(tt.raw, 60), outcome(got), outcome(tt.want))
			}
			s.alive(t)
			s.checkServes(t)
		})
	}
}

// malformedRoundTrip sends raw on a new connection and returns the status
// of the answer, or closed when the server closes the connection without
// one. It is an error to get neither within limit, or bytes that are not
// an HTTP response.
func malformedRoundTrip(addr, raw string, limit time.Duration) (int, error) {
	c, err := net.DialTimeout("tcp", addr, waitLimit)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(limit))
	// The server may answer and close before it has read it all: a failed
	// write is no error, a missing answer is.
	io.WriteString(c, raw)
	cr := &countingReader{r: c}
	resp, err := http.ReadResponse(bufio.NewReader(cr), nil)
	if err != nil {
		if cr.n == 0 && isClose(err) {
			return closed, nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, errors.New("no answer and no close within " + limit.String())
		}
		return 0, err
	}
	return resp.StatusCode, nil
}

func outcome(status int) string {
	if status == closed {
		return "close, no response"
	}
	return http.StatusText(status) + " (" + strconv.Itoa(status) + ")"
}

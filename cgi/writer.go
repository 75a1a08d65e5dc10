package cgi

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

var aLongTimeAgo = time.Unix(1, 0)

// responseWriter sits between net/http/cgi and the client. It flushes
// every write, so the script's output streams, and it holds back a 500:
// net/http/cgi answers a malformed response with a bare 500, which run
// turns into a 502 page, while a 500 the script asked for (Status: 500)
// is sent as it is.
type responseWriter struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	pending   int // a held status, or 0
	committed bool
}

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

func (rw *responseWriter) WriteHeader(code int) {
	if rw.committed || rw.pending != 0 {
		return
	}
	if code == http.StatusInternalServerError {
		rw.pending = code
		return
	}
	rw.commit(code)
}

func (rw *responseWriter) commit(code int) {
	rw.committed = true
	rw.w.WriteHeader(code)
	// Send the header now: a script may take its time over the body.
	_ = rw.rc.Flush()
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.committed {
		code := rw.pending
		if code == 0 {
			code = http.StatusOK
		}
		rw.commit(code)
	}
	n, err := rw.w.Write(p)
	if err == nil {
		err = rw.rc.Flush()
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// trackedBody records whether the request body has been read to its end.
type trackedBody struct {
	io.ReadCloser
	eof atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// pyRepr quotes s as Python's repr() quotes a str, for error messages
// such as "No such CGI script ('/cgi-bin/x')".
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			if r == utf8.RuneError {
				b.WriteRune(r)
				continue
			}
			b.WriteString(`\x`)
			b.WriteString(hex2(int(r)))
		case !strconv.IsPrint(r) && r != ' ':
			if r < 0x10000 {
				b.WriteString(`\u` + pad(strconv.FormatInt(int64(r), 16), 4))
			} else {
				b.WriteString(`\U` + pad(strconv.FormatInt(int64(r), 16), 8))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func hex2(v int) string { return pad(strconv.FormatInt(int64(v), 16), 2) }

func pad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

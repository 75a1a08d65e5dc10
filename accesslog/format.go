package accesslog

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/pyescape"
)

// record is everything one access-log line says about a request. Its
// strings are as the client sent them: the formatters scrub them.
type record struct {
	time      time.Time     // when the request started
	remote    string        // client address, without port
	user      string        // user name from Basic authentication, or ""
	method    string        // r.Method
	uri       string        // r.RequestURI, as sent
	proto     string        // r.Proto
	status    int           // status sent, 0 when none was (panic, hijack)
	bytes     int64         // body bytes sent
	duration  time.Duration // from start to the end of ServeHTTP
	referer   string        // Referer header
	userAgent string        // User-Agent header
	hijacked  bool          // the handler took over the connection
	panicked  bool          // the handler panicked
}

// Time layouts: Python's log_date_time_string and Apache's %t.
const (
	pythonLayout = "02/Jan/2006 15:04:05"
	clfLayout    = "02/Jan/2006:15:04:05 -0700"
)

// stamp is a time formatted to the second.
type stamp struct {
	sec  int64
	loc  *time.Location
	text string
}

// stampCache formats time stamps, reformatting only when the second (or the
// location) changes. It is safe for concurrent use.
type stampCache struct {
	layout string
	last   atomic.Pointer[stamp]
}

func (c *stampCache) append(dst []byte, t time.Time) []byte {
	sec, loc := t.Unix(), t.Location()
	if s := c.last.Load(); s != nil && s.sec == sec && s.loc == loc {
		return append(dst, s.text...)
	}
	s := &stamp{sec: sec, loc: loc, text: t.Format(c.layout)}
	c.last.Store(s)
	return append(dst, s.text...)
}

// formatter turns records into lines of one text format.
type formatter struct {
	format Format
	stamps stampCache
}

func newFormatter(f Format) *formatter {
	ft := &formatter{format: f}
	switch f {
	case Python:
		ft.stamps.layout = pythonLayout
	default:
		ft.stamps.layout = clfLayout
	}
	return ft
}

// appendMessage appends Python's log_message line for msg:
// ADDRESS - - [DD/Mon/YYYY HH:MM:SS] MESSAGE, scrubbed, with its '\n'.
func (f *formatter) appendMessage(dst []byte, remote string, t time.Time, msg string) []byte {
	dst = appendAddr(dst, remote)
	dst = append(dst, " - - ["...)
	dst = f.stamps.append(dst, t)
	dst = append(dst, "] "...)
	dst = pyescape.AppendLog(dst, msg)
	return append(dst, '\n')
}

// appendRequest appends the request line of rec, with its '\n'.
func (f *formatter) appendRequest(dst []byte, rec *record) []byte {
	if f.format == Python {
		// log_request: '"%s" %s %s' % (requestline, code, size).
		dst = appendAddr(dst, rec.remote)
		dst = append(dst, " - - ["...)
		dst = f.stamps.append(dst, rec.time)
		dst = append(dst, "] \""...)
		if !rec.omitted() {
			dst = pyescape.AppendLog(dst, rec.method)
			dst = append(dst, ' ')
			dst = pyescape.AppendLog(dst, rec.uri)
			dst = append(dst, ' ')
			dst = pyescape.AppendLog(dst, rec.proto)
		}
		dst = append(dst, "\" "...)
		dst = appendStatus(dst, rec.status)
		dst = append(dst, ' ')
		dst = appendBytes(dst, rec.bytes)
		return append(dst, '\n')
	}
	// Common: host ident authuser [date] "request" status bytes.
	dst = appendAddr(dst, rec.remote)
	dst = append(dst, " - "...)
	if rec.user == "" {
		dst = append(dst, '-')
	} else {
		dst = appendCLFUser(dst, rec.user)
	}
	dst = append(dst, " ["...)
	dst = f.stamps.append(dst, rec.time)
	dst = append(dst, "] \""...)
	if rec.omitted() {
		dst = append(dst, '-') // as Apache logs a request line it did not take
	} else {
		dst = appendCLF(dst, rec.method)
		dst = append(dst, ' ')
		dst = appendCLF(dst, rec.uri)
		dst = append(dst, ' ')
		dst = appendCLF(dst, rec.proto)
	}
	dst = append(dst, "\" "...)
	dst = appendStatus(dst, rec.status)
	dst = append(dst, ' ')
	dst = appendBytes(dst, rec.bytes)
	if f.format == Combined {
		dst = appendQuotedCLF(dst, rec.referer)
		dst = appendQuotedCLF(dst, rec.userAgent)
	}
	return append(dst, '\n')
}

// omitted reports whether the request line is left out of the log
// (Entry.OmitRequestLine).
func (rec *record) omitted() bool { return rec.method == "" && rec.uri == "" && rec.proto == "" }

// appendAddr appends the client address, "-" when unknown.
func appendAddr(dst []byte, addr string) []byte {
	if addr == "" {
		return append(dst, '-')
	}
	return pyescape.AppendLog(dst, addr)
}

// appendStatus appends the status code, "-" when none was sent.
func appendStatus(dst []byte, code int) []byte {
	if code == 0 {
		return append(dst, '-')
	}
	return strconv.AppendInt(dst, int64(code), 10)
}

// appendBytes appends a body size, "-" for none (Apache's %b).
func appendBytes(dst []byte, n int64) []byte {
	if n <= 0 {
		return append(dst, '-')
	}
	return strconv.AppendInt(dst, n, 10)
}

// appendQuotedCLF appends ` "s"`, or ` "-"` when s is empty.
func appendQuotedCLF(dst []byte, s string) []byte {
	dst = append(dst, " \""...)
	if s == "" {
		dst = append(dst, '-')
	} else {
		dst = appendCLF(dst, s)
	}
	return append(dst, '"')
}

// appendCLFUser appends the user name u as appendCLF does, with ' ', '['
// and every other space (U+00A0, U+2003, U+3000, ...) written as Python
// escapes it (\x20, \x5b, \xa0, \u2003) besides: the field is not
// quoted, and the parsers of Common and Combined lines end it at the
// first space (a regular expression's \S+, which in Python, and so in
// fail2ban, stops at any Unicode space) or take the time stamp from the
// first '[' (goaccess's %^[), so a name sent with either made the
// request a line they could not read: a client could hide its requests,
// failed logins included, from them.
func appendCLFUser(dst []byte, u string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i, r := range u {
		if r != ' ' && r != '[' && (r < 0xa0 || !unicode.IsSpace(r)) {
			continue // C0 and C1 spaces are controls: appendCLF escapes them
		}
		dst = appendCLF(dst, u[start:i])
		start = i + utf8.RuneLen(r)
		if r < 0x100 {
			dst = append(dst, '\\', 'x', hex[r>>4], hex[r&0xf])
		} else {
			dst = append(dst, '\\', 'u', hex[r>>12], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		}
	}
	return appendCLF(dst, u[start:])
}

// appendCLF appends s scrubbed, with '"' escaped as \" as Apache does, so
// quoted fields of Common and Combined lines can be split reliably.
func appendCLF(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return pyescape.AppendLog(dst, s)
		}
		// '"' is ASCII, so the split never cuts a UTF-8 sequence.
		dst = pyescape.AppendLog(dst, s[:i])
		dst = append(dst, '\\', '"')
		s = s[i+1:]
	}
}

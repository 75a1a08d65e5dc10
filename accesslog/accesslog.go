package accesslog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/capture"
	"github.com/simplehttp/simplehttp/internal/forwarded"
	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/scope"
)

// Format selects the layout of the access-log lines.
type Format int

const (
	// Python is the format of Python's http.server (BaseHTTPRequestHandler
	// log_request and log_error), the default:
	//
	//	127.0.0.1 - - [02/Jan/2006 15:04:05] "GET /a%20b?x=1 HTTP/1.1" 200 1024
	//
	// Unlike Python, which always writes "-", SIZE is the number of body
	// bytes sent, "-" for none. Messages that handlers report for the
	// request, such as errorpage's "code 404, message File not found",
	// come first, each on a line of its own.
	Python Format = iota

	// Common is the Common Log Format (Apache's "%h %l %u %t \"%r\" %>s %b"):
	//
	//	127.0.0.1 - alice [02/Jan/2006:15:04:05 -0700] "GET / HTTP/1.1" 200 1024
	//
	// The user is the Basic-authentication user name, "-" when there is
	// none or when an authentication middleware let the request through
	// without checking it (fileserver.BasicAuth outside its Scope) and
	// none further in checked it. In
	// the quoted request line '"' is written as \", and in the user
	// name, which is not quoted, also ' ' as \x20, '[' as \x5b and any
	// other Unicode space as Python escapes it (\xa0, \u2003), so that
	// parsers that end the field at a space (fail2ban, whose \S stops at
	// any of them) or look for the time stamp at the first '[' (goaccess)
	// read every line. Messages from
	// handlers are not written: they would break CLF parsers.
	Common

	// Combined is Common followed by the quoted Referer and User-Agent
	// request headers ("-" when absent), escaped the same way.
	Combined

	// JSON writes one JSON object per line through a [log/slog.JSONHandler],
	// with the keys time (the start of the request), remote, method, uri,
	// proto, status (0 where the text formats write "-": none was sent
	// before a panic or a hijack), bytes, duration (nanoseconds, as slog
	// writes a [time.Duration]), referer and user_agent; then user (the
	// Basic-authentication user name, only when the request sent one
	// that was checked or that no authentication middleware passed over),
	// messages (an array, when a handler reported any), hijacked and
	// panicked (only when
	// true). The strings are scrubbed with [Scrub] before JSON encoding, so
	// no control character reaches the log in any form, and a byte that
	// is not part of valid UTF-8, which JSON cannot hold, is written
	// \xHH too (as Scrub writes a lone byte 0x80–0x9F), rather than
	// U+FFFD: no byte the client sent is lost.
	JSON
)

// String returns the name of f: "python", "common", "combined" or "json".
func (f Format) String() string {
	switch f {
	case Python:
		return "python"
	case Common:
		return "common"
	case Combined:
		return "combined"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// MarshalText implements [encoding.TextMarshaler]: the name of f, as
// String writes it. It fails for a Format that is none of the four.
func (f Format) MarshalText() ([]byte, error) {
	if f < Python || f > JSON {
		return nil, fmt.Errorf("accesslog: unknown Format %d", int(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]: it sets f to the
// Format named text ("python", "common", "combined" or "json"), so that
// flags and configuration files parse the name the same way.
func (f *Format) UnmarshalText(text []byte) error {
	for g := Python; g <= JSON; g++ {
		if g.String() == string(text) {
			*f = g
			return nil
		}
	}
	return fmt.Errorf("accesslog: unknown format %q (want python, common, combined or json)", text)
}

// Options configure a [Middleware]. The zero value logs in Python's format
// to os.Stderr.
type Options struct {
	// Writer receives the log lines, one Write call per line (see
	// FlushInterval). If Writer is nil, os.Stderr is used, as Python does.
	// Writes are serialized, so Writer need not be safe for concurrent use.
	//
	// When Writer fails (a full disk), requests are served as before: the
	// lines that cannot be written are dropped (but for one a failed
	// Write cut, whose rest is written before any other line, or by
	// Flush or Close, so that Writer gets whole lines only), every later
	// line is tried again,
	// and Logger is told once when the failure begins and once when
	// writing works again, with the number of lines lost. A failure that
	// begins within a minute of the last of these reports is told only if
	// it still holds a minute after it (its lines lost are counted into
	// the next report), so that a disk at the edge of full, where writes
	// fail and succeed in turn, does not get two lines per turn.
	Writer io.Writer

	// Format is the line format; the zero value is [Python].
	Format Format

	// FlushInterval, if positive, buffers the lines (32 KiB) and writes
	// them, several per Write, at most FlushInterval after they are
	// logged or when the buffer is full: fewer system calls for a busy
	// server, at the price of lines that show up late. Call
	// [Middleware.Flush] or [Middleware.Close] to write them sooner. If
	// zero, each line is written as soon as it is logged, as Python does.
	// A negative FlushInterval is refused by [New].
	FlushInterval time.Duration

	// Now returns the current time. If Now is nil, time.Now is used. The
	// time stamp is written in the location of the returned time: local
	// time for time.Now, like Python.
	Now func() time.Time

	// TrustedProxies lists the reverse proxies, as CIDR prefixes
	// ("10.0.0.0/8") or single addresses ("::1"), whose X-Forwarded-For
	// header is believed. The logged address is then the rightmost address
	// of X-Forwarded-For that is not itself a trusted proxy. If
	// TrustedProxies is empty, X-Forwarded-For is ignored and the address
	// is the IP of the connection's peer (http.Request.RemoteAddr without
	// its port and zone), like Python's client_address[0]. A middleware in front
	// that sets RemoteAddr from a request header (chi's
	// middleware.RealIP, which believes any client) makes the logged
	// address whatever the client sent: put the access log in front of
	// it, and list the proxy here instead.
	TrustedProxies []string

	// Logger receives the diagnostics of the middleware: a Writer that
	// fails, and recovers. If Logger is nil, slog.Default() is used. It
	// may write through this Middleware ([Middleware.SlogHandler], as
	// the default logger): the report of a failing Writer is then lost
	// with the lines, and that of its recovery is written.
	Logger *slog.Logger
}

// Middleware writes one access-log entry per request. Create it with [New];
// it is safe for concurrent use.
type Middleware struct {
	out     *output
	now     func() time.Time
	format  Format
	text    *formatter // nil for JSON
	json    slog.Handler
	proxies []netip.Prefix
	bufs    sync.Pool // *[]byte, for formatting lines
}

// state is the per-request state, made anew for each request and never
// reused, so nothing a handler leaves behind can reach another request.
// Its Writer is the ResponseWriter the wrapped handler gets: it keeps every
// capability of the writer it wraps (Flush, Hijack, ReadFrom, Unwrap).
type state struct {
	capture.Writer
	entry  Entry
	values scope.Values // attached to the request's context, unless one is there
}

// errNotNew is the panic of a Middleware that New did not make: its
// zero value has nowhere to write.
const errNotNew = "accesslog: Middleware not made by New"

// New returns a Middleware configured by opts. It returns an error if
// opts.Format is unknown, opts.FlushInterval is negative, or an entry of
// opts.TrustedProxies is neither an IP address nor a CIDR prefix.
//
// When the log goes to a file (os.Stderr by default), the caller should
// call [Middleware.Close] after the server has shut down, so the last
// lines are written: cmd/simplehttp does so after http.Server.Shutdown.
func New(opts Options) (*Middleware, error) {
	if opts.Format < Python || opts.Format > JSON {
		return nil, fmt.Errorf("accesslog: unknown Format %d", int(opts.Format))
	}
	proxies, err := forwarded.Parse(opts.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("accesslog: TrustedProxies: %w", err)
	}
	w := opts.Writer
	if w == nil {
		w = os.Stderr
	}
	if opts.FlushInterval < 0 {
		return nil, fmt.Errorf("accesslog: negative FlushInterval %v", opts.FlushInterval)
	}
	m := &Middleware{
		out:     newOutput(w, opts.FlushInterval, opts.Logger),
		now:     opts.Now,
		format:  opts.Format,
		proxies: slices.Clip(proxies),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.format == JSON {
		m.json = slog.NewJSONHandler(lineWriter{m.out}, &slog.HandlerOptions{
			ReplaceAttr: dropLevelAndMsg,
		})
	} else {
		m.text = newFormatter(m.format)
	}
	m.bufs.New = func() any { return new([]byte) }
	return m, nil
}

// Handler returns next wrapped so that every request it serves is logged
// when next returns, also when next panics (the panic then continues) or
// hijacks the connection. It panics if next is nil.
//
// next gets a copy of the request whose context carries the request's
// [Entry] ([FromContext]), through which handlers further down add lines
// before the request line (Python's log_error; errorpage does so for every
// page it sends). It works behind any other middleware that passes the
// request's context on.
//
// Once next has returned, the ResponseWriter it was given refuses every
// write with an error and never reaches the client, so a goroutine that
// outlives the request cannot corrupt the response of another one.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("accesslog: nil next handler")
	}
	if m.out == nil {
		panic(errNotNew)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{}
		st.Init(w)
		st.entry.remote = forwarded.Client(r, m.proxies)
		start := m.now()
		inner := withEntry(r, &st.values, &st.entry)
		done := false
		defer func() {
			if !done { // next panicked or called runtime.Goexit
				st.Finish()
				m.log(st, r, inner.Context(), start, true)
			}
		}()
		next.ServeHTTP(&st.Writer, inner)
		done = true
		st.Finish()
		m.log(st, r, inner.Context(), start, false)
	})
}

// log writes the entry for r; ctx is the context next got.
func (m *Middleware) log(st *state, r *http.Request, ctx context.Context, start time.Time, panicked bool) {
	cw := &st.Writer
	var one [1]string // not in rec, which escapes: on the stack
	messages, omit := st.entry.close(&one)
	rec := record{
		time:     start,
		remote:   st.entry.remote,
		method:   r.Method,
		uri:      r.RequestURI,
		proto:    r.Proto,
		status:   cw.Status(),
		bytes:    cw.BytesWritten(),
		hijacked: cw.Hijacked(),
		panicked: panicked,
	}
	if rec.uri == "" { // a request built by hand rather than read by a server
		rec.uri = r.URL.RequestURI()
	} else if rec.uri[0] != '/' { // absolute or authority form
		rec.uri = redactPassword(rec.uri, true)
	}
	if omit {
		rec.method, rec.uri, rec.proto = "", "", ""
	}
	if rec.status == 0 && !rec.hijacked && !panicked {
		rec.status = http.StatusOK // net/http sends it when next returns
	}
	if r.Method == http.MethodHead {
		rec.bytes = 0 // net/http counts but discards the body of HEAD
	}
	if m.format == Combined || m.format == JSON {
		rec.referer = r.Header.Get("Referer")
		if strings.IndexByte(rec.referer, '@') >= 0 {
			rec.referer = redactPassword(rec.referer, false)
		}
		rec.userAgent = r.Header.Get("User-Agent")
	}
	if m.format != Python {
		// A name that an authentication middleware let through without
		// checking it (fileserver.BasicAuth outside its Scope), and that
		// none further in checked, is not logged: it would credit that
		// user with the request.
		if checked, seen := scope.Credentials(ctx); !seen || checked {
			if _, ok := r.Header["Authorization"]; ok {
				rec.user, _, _ = r.BasicAuth()
			}
		}
	}
	if m.format == JSON {
		rec.duration = m.now().Sub(start)
		m.logJSON(r.Context(), &rec, messages)
		return
	}
	bp := m.bufs.Get().(*[]byte)
	buf := (*bp)[:0]
	if m.format == Python {
		for _, msg := range messages {
			buf = m.text.appendMessage(buf, rec.remote, rec.time, msg)
		}
	}
	buf = m.text.appendRequest(buf, &rec)
	m.out.writeLines(buf)
	if cap(buf) <= 64<<10 { // don't keep a huge buffer in the pool
		*bp = buf
		m.bufs.Put(bp)
	}
}

// redactPassword returns the request target or URL s with the password of
// its user information, if it has one, replaced by "xxxxx", as
// [net/url.URL.Redacted] does: an absolute-form or authority-form request
// target ("GET http://user:pass@host/", "CONNECT user:pass@host:443") or
// a Referer may carry one, and no password may reach the log. The rest of
// s is kept as sent.
//
// The password is looked for in the text, not through a URL parser:
// net/http hands on an HTTP/2 CONNECT's target unparsed (r.URL.User is
// nil), and a Referer holds a password just as well when it does not
// parse (a bad escape or port) or has no scheme ("//user:pass@host/").
// The authority is what follows "//" at the start of s or after its
// scheme, or, if authorityForm (a request target), the start of s.
func redactPassword(s string, authorityForm bool) string {
	start := 0 // of the authority
	if i := strings.Index(s, "//"); i >= 0 && schemePrefix(s[:i]) {
		start = i + len("//")
	} else if !authorityForm {
		return s
	}
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 {
		return s
	}
	colon := strings.IndexByte(s[start:start+at], ':')
	if colon < 0 {
		return s
	}
	return s[:start+colon+1] + "xxxxx" + s[start+at:]
}

// schemePrefix reports whether p is empty or a URL scheme and its colon
// ("http:"): a letter, then letters, digits, '+', '-' and '.' (RFC 3986).
func schemePrefix(p string) bool {
	if p == "" {
		return true
	}
	if len(p) < 2 || p[len(p)-1] != ':' {
		return false
	}
	for i, c := range []byte(p[:len(p)-1]) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// Flush writes the lines still buffered, and the rest of a line a failed
// write cut (see [Options.Writer]), so that a file flushed before it is
// rotated ends in a whole line. It returns the first error the writer
// has returned since New, if any, even if it works again since.
func (m *Middleware) Flush() error {
	if m.out == nil {
		panic(errNotNew)
	}
	return m.out.flush(false)
}

// Close flushes the buffered lines and stops buffering: lines logged after
// Close (by requests still running) are written at once. It does not close
// [Options.Writer]. It returns the first error the writer has returned
// since New, if any. The command calls Close after the server has shut down, so no line
// is lost.
func (m *Middleware) Close() error {
	if m.out == nil {
		panic(errNotNew)
	}
	return m.out.flush(true)
}

// Scrub returns s with the control characters escaped as Python 3.12+
// does for log messages (http.server's _control_char_table): the code
// points U+0000–U+001F and U+007F–U+009F become \xHH with lower-case hex
// digits and a backslash becomes \\. A byte 0x80–0x9F that is not part of
// valid UTF-8 also becomes \xHH. Everything else is unchanged. The result
// contains no byte below 0x20, no 0x7F and no C1 control, neither raw nor
// UTF-8 encoded.
//
// If s needs no change, Scrub returns s without allocating.
func Scrub(s string) string { return pyescape.Log(s) }

// AppendScrub appends [Scrub](s) to dst and returns the extended buffer.
func AppendScrub(dst []byte, s string) []byte { return pyescape.AppendLog(dst, s) }

// lineWriter passes each JSON object, a single line, to the output.
type lineWriter struct{ o *output }

func (l lineWriter) Write(p []byte) (int, error) {
	l.o.writeLines(p)
	return len(p), nil
}

func dropLevelAndMsg(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
		return slog.Attr{}
	}
	return a
}

// jsonString returns s scrubbed ([Scrub]) for a JSON line, with each
// byte that is not part of valid UTF-8 written \xHH besides, as Scrub
// writes a lone byte 0x80–0x9F: JSON holds UTF-8 only, and slog writes
// U+FFFD for such a byte, so that a request target, User-Agent or
// Referer sent in Latin-1 lost its bytes, and requests that differed
// there were logged alike.
func jsonString(s string) string {
	s = Scrub(s)
	if utf8.ValidString(s) {
		return s
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, '\\', 'x', hex[s[i]>>4], hex[s[i]&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

func (m *Middleware) logJSON(ctx context.Context, rec *record, messages []string) {
	r := slog.NewRecord(rec.time, slog.LevelInfo, "", 0)
	r.AddAttrs(
		slog.String("remote", jsonString(rec.remote)),
		slog.String("method", jsonString(rec.method)),
		slog.String("uri", jsonString(rec.uri)),
		slog.String("proto", jsonString(rec.proto)),
		slog.Int("status", rec.status),
		slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", rec.duration),
		slog.String("referer", jsonString(rec.referer)),
		slog.String("user_agent", jsonString(rec.userAgent)),
	)
	if rec.user != "" {
		r.AddAttrs(slog.String("user", jsonString(rec.user)))
	}
	if len(messages) > 0 {
		msgs := make([]string, len(messages))
		for i, s := range messages {
			msgs[i] = jsonString(s)
		}
		r.AddAttrs(slog.Any("messages", msgs))
	}
	if rec.hijacked {
		r.AddAttrs(slog.Bool("hijacked", true))
	}
	if rec.panicked {
		r.AddAttrs(slog.Bool("panicked", true))
	}
	_ = m.json.Handle(ctx, r)
}

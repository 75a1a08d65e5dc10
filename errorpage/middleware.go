package errorpage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/simplehttp/simplehttp/internal/capture"
	"github.com/simplehttp/simplehttp/internal/negotiate"
	"github.com/simplehttp/simplehttp/internal/scope"
	"github.com/simplehttp/simplehttp/internal/vary"
)

// Options configures a [Middleware]. The zero value gives Python's page
// (error_message_format, error_content_type) for every error response from
// 400 to 599 that has no body of its own, with content negotiation on.
type Options struct {
	// Format is the page, made by [ParseFormat] (an html/template
	// executed with .Code, .Message and .Explain) or [PythonFormat] (a
	// Python %-format string). If Format is nil, Python's
	// error_message_format (3.14) is used. Mirrors
	// BaseHTTPRequestHandler.error_message_format.
	Format *Format

	// ContentType is the Content-Type of the page. If it is empty,
	// "text/html;charset=utf-8" is used, without a space, as Python does.
	// Mirrors BaseHTTPRequestHandler.error_content_type. In negotiation
	// the page stands for its own type: with "application/json", a client
	// asking for JSON gets the page, not the built-in JSON.
	ContentType string

	// Codes reports whether the middleware replaces a response with the
	// given error status code (400 or above) sent by a downstream handler
	// without a body of its own. If Codes is nil, the codes from 400 to
	// 599 are replaced. It is asked about error codes only: a response
	// below 400 (a 200 whose type net/http sniffs, a 103 Early Hints, a
	// redirect) is never replaced, so that Codes may be written as "all
	// but 404". It does not limit [Error], whose page is always sent.
	// Beyond Python, which only ever sends the page through send_error.
	Codes func(code int) bool

	// DisableNegotiation makes every client get the page, as Python does.
	// By default (beyond Python) a client whose Accept header prefers
	// application/json gets {"code":404,"message":"...","explain":"..."}
	// and one that prefers text/plain gets one line of text; browsers and
	// "*/*" get the page. Between equal q-values, a type the header names
	// is preferred to one it takes through a wildcard only:
	// "application/json, text/plain, */*", as axios sends, gets JSON.
	DisableNegotiation bool

	// CloseAfterError closes the HTTP/1.x connection after every error
	// page (Connection: close), as Python's send_error does. By default
	// the connection is kept, as nginx keeps it, except after the errors
	// that leave it in doubt: 400, 413, 414, 431, 500 and 501, and after
	// an error to a request with a body (the handler may have refused it
	// unread, and net/http would wait for the body before reusing the
	// connection), so that a browser or an API client does not pay a new
	// connection for each 404. Over HTTP/2 the page never closes the
	// connection.
	CloseAfterError bool

	// DisableRecovery lets a panic of the wrapped handler go on up, as it
	// would without the middleware: net/http then logs it and drops the
	// connection, and the client gets no response. By default the panic
	// is recovered as chi's Recoverer does: its value and stack go to
	// Logger once, and the client gets the 500 page (Connection: close)
	// if nothing was sent yet; if the response had begun, the connection
	// is cut (panic with [http.ErrAbortHandler]) so that the client sees
	// it incomplete. A panic with http.ErrAbortHandler itself is never
	// recovered: it is how a handler asks net/http to abort the response.
	DisableRecovery bool

	// Logger receives the diagnostics of the middleware: a custom Format
	// that fails when executed (the default page is then sent), and the
	// panics it recovers. If Logger is nil, slog.Default() is used.
	Logger *slog.Logger
}

// Middleware sends Python's error page (send_error) for the errors of the
// handlers it wraps. It is created by [New], is immutable afterwards and is
// safe for concurrent use.
type Middleware struct {
	page     *page
	pageType []string // Content-Type header value of page
	// pageOffer is the page's media type in negotiation: text/html, or
	// the type of ContentType, so that a page of application/json is what
	// a client asking for JSON gets.
	pageOffer  string
	codes      func(int) bool
	negotiate  bool
	closeAfter bool
	recover    bool
	logger     *slog.Logger

	// intercept is m.interceptHeader, bound once so that installing it
	// on each request's writer costs no allocation.
	intercept func(int, http.Header) bool

	json, text bodyCache
}

// defaultMiddleware is what [Error] uses outside a Middleware: Python's page
// and nothing else.
var defaultMiddleware = &Middleware{page: defaultPage, pageType: defaultTypeValue, codes: defaultCodes}

func defaultCodes(code int) bool { return code >= 400 && code <= 599 }

// New checks opts and returns a Middleware. It returns an error if
// Format was not made by [ParseFormat] or [PythonFormat], or if
// ContentType is not one line of text.
func New(opts Options) (*Middleware, error) {
	m := &Middleware{
		page:       defaultPage,
		codes:      opts.Codes,
		negotiate:  !opts.DisableNegotiation,
		closeAfter: opts.CloseAfterError,
		recover:    !opts.DisableRecovery,
		logger:     opts.Logger,
	}
	if m.codes == nil {
		m.codes = defaultCodes
	}
	if opts.Format != nil || opts.ContentType != "" {
		p := &page{segs: defaultPage.segs, contentType: defaultContentType}
		if opts.Format != nil {
			if opts.Format.exec == nil {
				return nil, errors.New("errorpage: Options.Format not made by ParseFormat or PythonFormat")
			}
			p.format = opts.Format
		}
		if opts.ContentType != "" {
			if strings.ContainsAny(opts.ContentType, "\r\n\x00") {
				return nil, fmt.Errorf("errorpage: Options.ContentType %q is not one line of text", opts.ContentType)
			}
			p.contentType = opts.ContentType
		}
		m.page = p
	}
	m.pageType = []string{m.page.contentType}
	if m.page.contentType == textTypeValue[0] {
		// The value itself marks a page of this package's, for every
		// Middleware (see interceptHeader): a page of this type from
		// one nested inside another must not look like http.Error's
		// to the outer one, which would replace it with its own.
		m.pageType = textTypeValue
	}
	m.pageOffer = offerPage
	if t, _, err := mime.ParseMediaType(m.page.contentType); err == nil && strings.Count(t, "/") == 1 {
		m.pageOffer = t
	}
	m.intercept = m.interceptHeader
	return m, nil
}

// Handler returns next wrapped by m: a response that next starts with an
// error status (400 or above) selected by [Options.Codes] and no body of
// its own is replaced by
// the page, as if next had called [Error] with no message.
//
// "No body of its own" is decided from the headers when next sends the
// status (it calls WriteHeader, or writes): either no Content-Type at all,
// or the text/plain; charset=utf-8 with X-Content-Type-Options: nosniff of
// [http.Error] (and so [http.NotFound]). The body next writes then is
// discarded. Any other Content-Type (a JSON API error, a custom HTML page)
// passes through byte for byte, and so does every response with another
// status: nothing is ever buffered. Flush, Hijack, ReadFrom (sendfile) and
// [http.ResponseController] keep working through the wrapper.
//
// next gets a copy of the request whose context carries the middleware,
// where [Error] finds it, behind any other middleware that passes the
// request's context on. Once next has returned (or panicked, or called
// runtime.Goexit), the ResponseWriter it was given refuses every write
// with an error and never reaches the client, so a goroutine that
// outlives the request cannot write into the response of another one. A
// panic of next is recovered unless [Options.DisableRecovery] is set.
//
// Handler panics if next is nil.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("errorpage: Handler(nil)")
	}
	if m.page == nil {
		panic("errorpage: Middleware not made by New")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{m: m}
		st.Init(w)
		st.Intercept = m.intercept
		if h := w.Header(); len(h) != 0 {
			for i, k := range contentHeaders {
				st.outer[i] = h[k]
			}
		}
		r = scope.Set(r, &st.values, scope.ErrorPage, st)
		if m.recover {
			defer m.recoverPanic(st, w, r)
		} else {
			// A panic passed on ends the handler too: a recoverer
			// outside may answer and let net/http reuse its buffers.
			defer st.Finish()
		}
		next.ServeHTTP(st, r)
		st.Finish()
		if st.Intercepted() && !st.Hijacked() {
			m.serve(w, r, st, st.Status(), "", "")
		}
	})
}

// recoverPanic is deferred by Handler: it recovers a panic of the wrapped
// handler, logs it with its stack, and sends the 500 page if nothing was
// sent yet, or aborts the response if it had begun.
func (m *Middleware) recoverPanic(st *state, w http.ResponseWriter, r *http.Request) {
	v := recover()
	// Also when nothing was recovered: a handler that ended with
	// runtime.Goexit skipped Handler's own Finish.
	st.Finish()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler { //nolint:errorlint // net/http compares it so
		panic(v)
	}
	m.log().LogAttrs(r.Context(), slog.LevelError, "errorpage: handler panicked",
		slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
	if st.Hijacked() || (st.Status() != 0 && !st.Intercepted()) {
		// Part of the response is out: a 500 now would be appended to
		// it. Cut the connection so the client sees it incomplete;
		// net/http does not log this panic again.
		panic(http.ErrAbortHandler)
	}
	m.serve(w, r, st, http.StatusInternalServerError, "", "")
}

// log returns the diagnostics logger.
func (m *Middleware) log() *slog.Logger {
	if m.logger == nil {
		return slog.Default()
	}
	return m.logger
}

// interceptHeader is the capture.Writer hook: whether the response with
// code and h has no body of its own and is to be replaced.
func (m *Middleware) interceptHeader(code int, h http.Header) bool {
	if code < 400 || !m.codes(code) {
		return false
	}
	ct, ok := h["Content-Type"]
	if !ok {
		return true // no body of its own (a nil value means "do not sniff": typed)
	}
	// http.Error's signature, but not a plain-text page of Error's own
	// (behind an outer X-Content-Type-Options: nosniff), which carries
	// the very value the package shares between its responses: that of
	// every Middleware's, this one's or one nested in it, whose page has
	// that type (see New).
	return len(ct) == 1 && ct[0] == "text/plain; charset=utf-8" &&
		h.Get("X-Content-Type-Options") == "nosniff" &&
		&ct[0] != &textTypeValue[0]
}

// state is what the middleware keeps for one request, made anew for each
// request. It is the ResponseWriter the wrapped handler gets: the embedded
// capture.Writer gives it every method and capability of the writer it
// wraps.
type state struct {
	capture.Writer
	m      *Middleware
	values scope.Values // attached to the request's context, unless one is there
	// outer holds the contentHeaders of w as they were when the
	// middleware got the request: a wrapper outside set them for every
	// response, the page included.
	outer [len(contentHeaders)][]string
}

// The wrapped handler's writer keeps every capability of the one it wraps.
var (
	_ io.ReaderFrom                             = (*state)(nil)
	_ io.StringWriter                           = (*state)(nil)
	_ http.Flusher                              = (*state)(nil)
	_ http.Hijacker                             = (*state)(nil)
	_ interface{ Unwrap() http.ResponseWriter } = (*state)(nil)
)

// stateOf returns the state of the innermost Middleware that r goes
// through, or nil.
func stateOf(r *http.Request) *state {
	st, _ := scope.Get(r.Context(), scope.ErrorPage).(*state)
	return st
}

// The media types of negotiation; the first is the default.
const (
	offerPage = "text/html"
	offerJSON = "application/json"
	offerText = "text/plain"
)

// The Content-Type header values of the bodies, shared between responses
// as the rendered bodies are.
var (
	defaultTypeValue = []string{defaultContentType}
	jsonTypeValue    = []string{"application/json"}
	textTypeValue    = []string{"text/plain; charset=utf-8"}
)

// body returns the response body for the final code, message and explain,
// with its Content-Length, and its Content-Type header value.
func (m *Middleware) body(r *http.Request, code int, message, explain string) (rendered, []string) {
	if m.negotiate {
		switch best := negotiate.Best(negotiate.List(r.Header["Accept"]), m.pageOffer, offerJSON, offerText); {
		case best == m.pageOffer:
		case best == offerJSON:
			return m.json.render(code, message, explain, jsonBody), jsonTypeValue
		case best == offerText:
			return m.text.render(code, message, explain, textBody), textTypeValue
		}
	}
	b, err := m.page.render(code, message, explain)
	if err != nil {
		m.log().LogAttrs(r.Context(), slog.LevelError, "errorpage: custom format failed, sending the default page",
			slog.Int("code", code), slog.Any("err", err))
		return defaultPage.mustRender(code, message, explain), defaultTypeValue
	}
	return b, m.pageType
}

// render returns the cached body for the key, or builds it with f.
func (c *bodyCache) render(code int, message, explain string, f func(int, string, string) []byte) rendered {
	key := cacheKey{code, message, explain}
	if b, ok := c.get(key); ok {
		return b
	}
	b := newRendered(f(code, message, explain))
	c.put(key, b)
	return b
}

// jsonBody is {"code":404,"message":"File not found","explain":"..."} and a
// newline, with invalid UTF-8 as '?' as on the page.
func jsonBody(code int, message, explain string) []byte {
	b, err := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Explain string `json:"explain"`
	}{code, replaceInvalidUTF8(message), replaceInvalidUTF8(explain)})
	if err != nil {
		panic(err) // cannot happen: a struct of an int and two strings
	}
	return append(b, '\n')
}

// textBody is one line: "404 File not found: Nothing matches the given
// URI.\n". Control characters become spaces, so that it stays one line.
func textBody(code int, message, explain string) []byte {
	line := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, replaceInvalidUTF8(message)+": "+replaceInvalidUTF8(explain))
	return []byte(strconv.Itoa(code) + " " + line + ".\n")
}

// varyAccept is the Vary header value of a negotiated error page.
var varyAccept = []string{"Accept"}

// addVary adds v to the Vary header unless it is there already, on the
// same field line as the fields before it ("Vary: Accept-Encoding,
// Accept"): nginx before 1.23 keys what its proxy_cache stores on the last
// Vary line alone, and would leave the fields of the others out of the key.
// A blank line (the command's -H 'Vary:') is left out (see [vary.Add]).
func addVary(h http.Header, v string) {
	values := h["Vary"]
	if len(values) == 0 && v == "Accept" {
		h["Vary"] = varyAccept // shared, as the bodies are
		return
	}
	if line, ok := vary.Add(values, v); ok {
		h["Vary"] = []string{line}
	}
}

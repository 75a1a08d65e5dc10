// Package capture is the one [http.ResponseWriter] wrapper of the module
// (STYLE.md §4). It records what a handler sends (the final status, the
// number of body bytes, whether the connection was hijacked) for the access
// log, and lets errorpage take over an error response through
// [Writer.Intercept].
//
// A [Writer] keeps every optional capability of the writer it wraps:
//   - [Writer.ReadFrom] hands a body to the inner [io.ReaderFrom], so
//     net/http still uses sendfile(2) for a file, and counts the bytes it
//     sent;
//   - [Writer.Flush], [Writer.FlushError] and [Writer.Hijack] go through
//     [http.NewResponseController] on the inner writer;
//   - [Writer.Unwrap] lets [http.ResponseController] reach the inner writer
//     for everything else (deadlines, EnableFullDuplex).
//
// A middleware of this module embeds a Writer in its per-request state and
// hands that state to the next handler as its ResponseWriter, so the state
// can be reused from a [sync.Pool] and the request is never copied (no
// [http.Request.WithContext]). Handlers further down find the state again
// with [Find], which follows the Unwrap chain through foreign wrappers
// (chi's middleware.WrapResponseWriter and most others have Unwrap).
package capture

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Compile-time guards: the capabilities a Writer must never lose.
var (
	_ http.ResponseWriter                       = (*Writer)(nil)
	_ io.ReaderFrom                             = (*Writer)(nil)
	_ io.StringWriter                           = (*Writer)(nil)
	_ http.Flusher                              = (*Writer)(nil)
	_ interface{ FlushError() error }           = (*Writer)(nil)
	_ http.Hijacker                             = (*Writer)(nil)
	_ interface{ Unwrap() http.ResponseWriter } = (*Writer)(nil)
)

// Writer wraps an [http.ResponseWriter] and records the response sent
// through it. Create one with [New], or reuse one from a pool with
// [Writer.Reset]. Like any ResponseWriter, a Writer is not safe for
// concurrent use; its accessors may be read once the handler has returned.
type Writer struct {
	// Intercept, if not nil, is called once, when the final status is
	// decided (the first WriteHeader with 101 or a code of 200 and above,
	// or the implicit 200 of a first Write, WriteString, ReadFrom or
	// Flush), with that code and the header map about to be sent. It may
	// read the header; it must not write to the response.
	//
	// If it returns true the response is intercepted: the status is
	// recorded (see [Writer.Status]) but not forwarded, and every body byte
	// the handler writes afterwards, through Write, WriteString and
	// ReadFrom alike, is discarded (reported as written, not counted in
	// [Writer.BytesWritten]); Flush does nothing. Nothing has reached the
	// inner writer, so the caller, once the handler has returned, writes
	// its own response to the inner writer ([Writer.Unwrap]) after
	// checking [Writer.Intercepted]. This is how errorpage replaces error
	// responses that have no body of their own.
	//
	// Informational responses (1xx except 101) always pass through without
	// consulting Intercept. Reset sets Intercept to nil.
	Intercept func(code int, h http.Header) bool

	w           http.ResponseWriter
	bytes       int64
	status      int
	wroteHeader bool // the final status is decided
	intercepted bool // Intercept returned true: discard the body
	hijacked    bool
}

// New returns a Writer that wraps w.
func New(w http.ResponseWriter) *Writer {
	return &Writer{w: w}
}

// Reset makes c wrap w as if it were new: it clears the recorded status,
// byte count and hijack flag, and sets Intercept to nil. It lets Writers be
// reused from a [sync.Pool]; a Writer must not be reset while a handler may
// still use it.
func (c *Writer) Reset(w http.ResponseWriter) {
	*c = Writer{w: w}
}

// Unwrap returns the wrapped ResponseWriter, for [http.ResponseController].
func (c *Writer) Unwrap() http.ResponseWriter { return c.w }

// Status returns the final status of the response: the code of the first
// final WriteHeader, or 200 once a body byte or a Flush went out without
// one; 0 if nothing has been sent yet. An intercepted status is reported
// too. 1xx responses other than 101 are not final and are not reported.
func (c *Writer) Status() int { return c.status }

// BytesWritten returns the number of body bytes that reached the inner
// writer, including those sent through ReadFrom (sendfile). Bytes discarded
// by an interception are not counted.
func (c *Writer) BytesWritten() int64 { return c.bytes }

// Hijacked reports whether the handler took the connection over with a
// successful Hijack.
func (c *Writer) Hijacked() bool { return c.hijacked }

// Intercepted reports whether Intercept returned true for this response, so
// that nothing has been sent and the caller owes the response.
func (c *Writer) Intercepted() bool { return c.intercepted }

// Header returns the header map of the inner writer.
func (c *Writer) Header() http.Header { return c.w.Header() }

// WriteHeader sends the status code. Informational codes (1xx except 101)
// are passed through and not recorded. The first final code is recorded and,
// unless Intercept claims the response, forwarded; later ones are ignored
// (net/http would only log "superfluous WriteHeader call").
func (c *Writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		if !c.wroteHeader {
			c.w.WriteHeader(code)
		}
		return
	}
	if c.wroteHeader {
		return
	}
	c.wroteHeader = true
	c.status = code
	if c.Intercept != nil && c.Intercept(code, c.w.Header()) {
		c.intercepted = true
		return
	}
	c.w.WriteHeader(code)
}

// Write writes a body chunk, sending the implicit 200 first if no status was
// sent.
func (c *Writer) Write(p []byte) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if c.intercepted {
		return len(p), nil
	}
	n, err := c.w.Write(p)
	c.bytes += int64(n)
	return n, err
}

// WriteString is Write for a string, without a copy when the inner writer
// is an [io.StringWriter] (as net/http's are).
func (c *Writer) WriteString(s string) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if c.intercepted {
		return len(s), nil
	}
	n, err := io.WriteString(c.w, s)
	c.bytes += int64(n)
	return n, err
}

// ReadFrom copies src to the response. It sends the implicit 200 first, then
// hands src to the inner writer's ReadFrom (net/http's uses sendfile(2) for
// an *os.File) or, when the inner writer has none, copies through its Write.
// The bytes sent are counted either way. When the response is intercepted,
// src is read to the end and discarded.
func (c *Writer) ReadFrom(src io.Reader) (int64, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if c.intercepted {
		return io.Copy(io.Discard, src)
	}
	var n int64
	var err error
	if rf, ok := c.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{c.w}, src)
	}
	c.bytes += n
	return n, err
}

// maxUnwrap bounds the walk of [Find], so that a wrapper whose Unwrap
// returns itself (or a cycle) cannot hang a request.
const maxUnwrap = 32

// Find returns the first writer of type T in the chain that starts at w and
// follows Unwrap() http.ResponseWriter (the method [http.ResponseController]
// follows too), or false when there is none within 32 steps. T is usually
// an interface with one method that only the wanted writer has.
//
// A wrapper without Unwrap ends the chain: what lies beneath it cannot be
// found, and the caller must cope (errorpage then renders Python's default
// page, the access-log messages of the request are dropped).
func Find[T any](w http.ResponseWriter) (T, bool) {
	for range maxUnwrap {
		if t, ok := w.(T); ok {
			return t, true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	var zero T
	return zero, false
}

// writerOnly hides every method of a writer but Write, so that io.Copy
// cannot call back into a ReadFrom.
type writerOnly struct{ io.Writer }

// Flush sends any buffered data to the client, committing the implicit 200
// if no status was sent. It implements [http.Flusher]; use FlushError (or
// [http.ResponseController]) to see the error.
func (c *Writer) Flush() { _ = c.FlushError() }

// FlushError is Flush that reports the inner writer's error, as
// [http.ResponseController.Flush] expects. An intercepted response is not
// flushed: it has not been sent.
func (c *Writer) FlushError() error {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if c.intercepted {
		return nil
	}
	return http.NewResponseController(c.w).Flush()
}

// Hijack takes over the connection through the inner writer, as
// [http.Hijacker] does. After a successful Hijack, Hijacked reports true.
// Over HTTP/2 it fails with an error matching [http.ErrNotSupported].
func (c *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(c.w).Hijack()
	if err == nil {
		c.hijacked = true
	}
	return conn, brw, err
}

// Package capture is the one [http.ResponseWriter] wrapper of the module.
// It records what a handler sends (the final status, the
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
//   - [Writer.SetReadDeadline], [Writer.SetWriteDeadline] and
//     [Writer.EnableFullDuplex] go through [http.NewResponseController]
//     on the inner writer too;
//   - [Writer.Unwrap] lets [http.ResponseController] reach the inner writer
//     for anything else.
//
// A middleware of this module makes a Writer for each request, hands it to
// the next handler and calls [Writer.Finish] when that handler returns:
// from then on the Writer refuses every call with [ErrFinished] and never
// touches the inner writer again, so a goroutine the handler left behind
// cannot write into a response that net/http has finished (and whose
// buffers it reuses for other requests), nor set the deadlines of its
// connection, which may be serving the next request by then. Writers are
// never reused.
package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrFinished is returned by the methods of a [Writer] called after
// [Writer.Finish]: the handler has returned and the response is complete.
var ErrFinished = errors.New("http: response written to after its handler returned")

// Compile-time guards: the capabilities a Writer must never lose.
var (
	_ http.ResponseWriter                            = (*Writer)(nil)
	_ io.ReaderFrom                                  = (*Writer)(nil)
	_ io.StringWriter                                = (*Writer)(nil)
	_ http.Flusher                                   = (*Writer)(nil)
	_ interface{ FlushError() error }                = (*Writer)(nil)
	_ http.Hijacker                                  = (*Writer)(nil)
	_ interface{ Unwrap() http.ResponseWriter }      = (*Writer)(nil)
	_ interface{ SetReadDeadline(time.Time) error }  = (*Writer)(nil)
	_ interface{ SetWriteDeadline(time.Time) error } = (*Writer)(nil)
	_ interface{ EnableFullDuplex() error }          = (*Writer)(nil)
)

// Writer wraps an [http.ResponseWriter] and records the response sent
// through it. Create one with [New] (or use the zero value after
// [Writer.Init]). Like any ResponseWriter, a Writer is not safe for
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
	// consulting Intercept.
	//
	// Set it before handing the Writer on; to stop interception later, call
	// [Writer.PassThrough], which may run on another goroutine.
	Intercept func(code int, h http.Header) bool

	w           http.ResponseWriter
	bytes       int64
	status      int
	wroteHeader bool // the final status is decided
	intercepted bool // Intercept returned true: discard the body
	hijacked    bool
	finished    atomic.Bool
	passThrough atomic.Bool // PassThrough was called: Intercept is not consulted
}

// New returns a Writer that wraps w.
func New(w http.ResponseWriter) *Writer {
	return &Writer{w: w}
}

// Init makes the zero Writer c wrap w, for a Writer embedded in a larger
// per-request struct (one allocation instead of two).
func (c *Writer) Init(w http.ResponseWriter) { c.w = w }

// Finish marks the response complete: the handler has returned. Every
// later call of a writing method fails with [ErrFinished] (or does
// nothing) without reaching the inner writer, and Header returns a map of
// its own. A call racing with Finish is a data race of the caller's, as
// with any ResponseWriter; one that happens after it, as seen through any
// synchronisation (a channel, a WaitGroup), is refused safely.
func (c *Writer) Finish() { c.finished.Store(true) }

// PassThrough makes the Writer forward the final status without consulting
// Intercept. Unlike setting Intercept, it may be called while another
// goroutine writes the response: errorpage.Error runs on its caller's
// goroutine, and a handler behind [http.TimeoutHandler] runs on one of its
// own, still going when the timeout's 503 is written.
func (c *Writer) PassThrough() { c.passThrough.Store(true) }

// Finished reports whether [Writer.Finish] was called.
func (c *Writer) Finished() bool { return c.finished.Load() }

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

// Header returns the header map of the inner writer; after Finish, a new
// empty map that nothing reads.
func (c *Writer) Header() http.Header {
	if c.finished.Load() {
		return http.Header{}
	}
	return c.w.Header()
}

// WriteHeader sends the status code. Informational codes (1xx except 101)
// are passed through and not recorded. The first final code is recorded and,
// unless Intercept claims the response, forwarded; later ones are ignored
// (net/http would only log "superfluous WriteHeader call"), and so is any
// after a Hijack (the connection is the handler's). A first final code
// outside 100 to 999 panics, as net/http's WriteHeader does.
func (c *Writer) WriteHeader(code int) {
	if c.finished.Load() || c.hijacked {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		if !c.wroteHeader {
			c.w.WriteHeader(code)
		}
		return
	}
	if c.wroteHeader {
		return
	}
	if code < 100 || code > 999 {
		// net/http's panic, before anything is recorded or passed on: a
		// writer outside that took the code would refuse the 500 of a
		// recoverer (errorpage) as a second WriteHeader, and its body
		// would go out under an implicit 200.
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	c.wroteHeader = true
	c.status = code
	if c.Intercept != nil && !c.passThrough.Load() && c.Intercept(code, c.w.Header()) {
		c.intercepted = true
		return
	}
	c.w.WriteHeader(code)
}

// Write writes a body chunk, sending the implicit 200 first if no status was
// sent.
func (c *Writer) Write(p []byte) (int, error) {
	if c.finished.Load() {
		return 0, ErrFinished
	}
	if c.hijacked {
		return 0, http.ErrHijacked
	}
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
	if c.finished.Load() {
		return 0, ErrFinished
	}
	if c.hijacked {
		return 0, http.ErrHijacked
	}
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
	if c.finished.Load() {
		return 0, ErrFinished
	}
	if c.hijacked {
		return 0, http.ErrHijacked
	}
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
	if c.finished.Load() {
		return ErrFinished
	}
	if c.hijacked {
		return http.ErrHijacked
	}
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if c.intercepted {
		return nil
	}
	return http.NewResponseController(c.w).Flush()
}

// Hijack takes over the connection through the inner writer, as
// [http.Hijacker] does. After a successful Hijack, Hijacked reports true,
// and writes fail with [http.ErrHijacked] (as net/http's do) without
// recording a status: the log shows none.
// Over HTTP/2 it fails with an error matching [http.ErrNotSupported].
func (c *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if c.finished.Load() {
		return nil, nil, ErrFinished
	}
	conn, brw, err := http.NewResponseController(c.w).Hijack()
	if err == nil {
		c.hijacked = true
		if c.intercepted {
			// The status Intercept claimed was never sent: there is no
			// response of ours, and nothing for the caller to send.
			c.intercepted, c.status = false, 0
		}
	}
	return conn, brw, err
}

// SetReadDeadline sets the read deadline of the connection, as
// [http.ResponseController.SetReadDeadline] does on the inner writer.
// After Finish it fails with [ErrFinished]: the connection may be serving
// another request by then.
func (c *Writer) SetReadDeadline(deadline time.Time) error {
	if c.finished.Load() {
		return ErrFinished
	}
	return http.NewResponseController(c.w).SetReadDeadline(deadline)
}

// SetWriteDeadline sets the write deadline of the connection, as
// [http.ResponseController.SetWriteDeadline] does on the inner writer.
// After Finish it fails with [ErrFinished]: the connection may be serving
// another request by then.
func (c *Writer) SetWriteDeadline(deadline time.Time) error {
	if c.finished.Load() {
		return ErrFinished
	}
	return http.NewResponseController(c.w).SetWriteDeadline(deadline)
}

// EnableFullDuplex lets the handler read the request body while writing
// the response, as [http.ResponseController.EnableFullDuplex] does on the
// inner writer. After Finish it fails with [ErrFinished].
func (c *Writer) EnableFullDuplex() error {
	if c.finished.Load() {
		return ErrFinished
	}
	return http.NewResponseController(c.w).EnableFullDuplex()
}

// Package reqlog carries what handlers want written to the access log
// from the handler that knows it (errorpage, cgi) to the access-log
// middleware that writes it, without globals and without copying the
// request.
//
// Python's BaseHTTPRequestHandler writes log_error messages, such as
// "code 404, message File not found" or "CGI script exit code 1", as lines
// of their own before the request line; an [Entry] collects them for the
// request being served.
//
// The access-log middleware hands the next handler a ResponseWriter that
// implements [Carrier]; [From] finds it again by following the writer's
// Unwrap chain (see capture.Find), through foreign wrappers that have
// Unwrap, as chi's do. Where the chain is broken (a wrapper without
// Unwrap), From finds nothing and the messages are dropped: the request
// line is still logged.
package reqlog

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/simplehttp/simplehttp/internal/capture"
)

// Carrier is implemented by the ResponseWriter that the access-log
// middleware gives the handlers it wraps.
type Carrier interface {
	ReqLogEntry() *Entry
}

// Entry collects the messages logged for one request. It is safe for
// concurrent use (a handler may log from several goroutines) until the
// handler returns: then the access log writes the messages and may reuse
// the Entry for another request, so a handler must not keep it, no more
// than its ResponseWriter.
type Entry struct {
	n        atomic.Int32 // len(messages): Messages and Reset skip the lock when 0
	omit     atomic.Bool  // OmitRequestLine was called
	mu       sync.Mutex
	messages []string
}

type ctxKey struct{}

// From returns the Entry of the request served through w: the one of the
// first [Carrier] in w's Unwrap chain or, when there is none, the one put
// into r's context with [NewContext] (r may be nil). It returns nil when no
// access log is installed; a nil *Entry accepts and drops messages.
//
// The context is only a fallback, for code that has no writer to carry the
// Entry (tests); the access-log middleware does not use it, because
// WithContext copies the request.
func From(w http.ResponseWriter, r *http.Request) *Entry {
	if c, ok := capture.Find[Carrier](w); ok {
		return c.ReqLogEntry()
	}
	if r == nil {
		return nil
	}
	e, _ := r.Context().Value(ctxKey{}).(*Entry)
	return e
}

// NewContext returns a copy of ctx that carries e, for [From].
func NewContext(ctx context.Context, e *Entry) context.Context {
	return context.WithValue(ctx, ctxKey{}, e)
}

// Log adds one message line (unscrubbed: the access log escapes it).
func (e *Entry) Log(msg string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.messages = append(e.messages, msg)
	e.n.Store(int32(len(e.messages)))
	e.mu.Unlock()
}

// OmitRequestLine asks the access log to leave the request line out of
// this request's line, as Python does when it refuses a request line that
// is too long (414): it logs "" instead of the line, which may be a
// megabyte of the client's choosing.
func (e *Entry) OmitRequestLine() {
	if e != nil {
		e.omit.Store(true)
	}
}

// RequestLineOmitted reports whether [Entry.OmitRequestLine] was called.
func (e *Entry) RequestLineOmitted() bool {
	return e != nil && e.omit.Load()
}

// Messages returns the messages logged so far, oldest first. It does not
// allocate when there are none.
func (e *Entry) Messages() []string {
	if e == nil || e.n.Load() == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.messages...)
}

// Reset empties e for reuse with another request.
func (e *Entry) Reset() {
	e.omit.Store(false)
	if e.n.Load() == 0 {
		return
	}
	e.mu.Lock()
	clear(e.messages) // let the strings go
	e.messages = e.messages[:0]
	e.n.Store(0)
	e.mu.Unlock()
}

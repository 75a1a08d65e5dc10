// Package reqlog carries what handlers want written to the access log
// from the handler that knows it (errorpage, cgi) to the access-log
// middleware that writes it, through the request's context: no globals.
//
// Python's BaseHTTPRequestHandler writes log_error messages, such as
// "code 404, message File not found" or "CGI script exit code 1", as lines
// of their own before the request line; an [Entry] collects them for the
// request being served.
package reqlog

import (
	"context"
	"sync"
)

type ctxKey struct{}

// Entry collects the messages logged for one request. It is safe for
// concurrent use (a handler may log from several goroutines).
type Entry struct {
	mu       sync.Mutex
	messages []string
}

// NewContext returns a copy of ctx that carries e.
func NewContext(ctx context.Context, e *Entry) context.Context {
	return context.WithValue(ctx, ctxKey{}, e)
}

// FromContext returns the Entry of the request, or nil when no access log
// is installed. A nil *Entry accepts and drops messages.
func FromContext(ctx context.Context) *Entry {
	e, _ := ctx.Value(ctxKey{}).(*Entry)
	return e
}

// Log adds one message line (unscrubbed: the access log escapes it).
func (e *Entry) Log(msg string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.messages = append(e.messages, msg)
	e.mu.Unlock()
}

// Messages returns the messages logged so far, oldest first.
func (e *Entry) Messages() []string {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.messages...)
}

// Reset empties e for reuse with another request.
func (e *Entry) Reset() {
	e.mu.Lock()
	e.messages = e.messages[:0]
	e.mu.Unlock()
}

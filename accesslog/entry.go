package accesslog

import (
	"context"
	"net/http"
	"sync"

	"github.com/simplehttp/simplehttp/internal/scope"
)

// Entry is the access-log entry of one request, through which the handlers
// that serve it add to its line. The middleware puts it into the request's
// context, where [FromContext] finds it. A nil *Entry (no access log)
// accepts every call and does nothing.
//
// An Entry is safe for concurrent use. It is closed when the handler
// returns and the line is written: later calls do nothing.
type Entry struct {
	remote string // the client address logged, for messages

	mu     sync.Mutex
	closed bool
	omit   bool
	// The messages: the first one (most requests with any have one, a
	// 404's) in the Entry itself, so that adding it allocates nothing,
	// and the others in more.
	hasFirst bool
	first    string
	more     *[]string
}

// FromContext returns the access-log entry of the request whose context is
// ctx (r.Context()), or nil when the request does not pass through a
// [Middleware].
func FromContext(ctx context.Context) *Entry {
	e, _ := scope.Get(ctx, scope.Entry).(*Entry)
	return e
}

// withEntry returns r with e in its context, in own if r's context has
// no place for it yet.
func withEntry(r *http.Request, own *scope.Values, e *Entry) *http.Request {
	return scope.Set(r, own, scope.Entry, e)
}

// AddMessage adds a line that is written before the request line, in the
// [Python] format (and under "messages" in [JSON]), as Python's log_error
// does: the errorpage package adds "code 404, message File not found" for
// every page it sends. msg is written scrubbed, like everything the client
// controls, and on one line.
func (e *Entry) AddMessage(msg string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	switch {
	case e.closed:
	case !e.hasFirst:
		e.first, e.hasFirst = msg, true
	case e.more == nil:
		e.more = &[]string{msg}
	default:
		*e.more = append(*e.more, msg)
	}
	e.mu.Unlock()
}

// OmitRequestLine makes the line show an empty request line ("" in the
// Python format, "-" in Common and Combined) instead of the one the client
// sent, as Python does for a request line it refuses as too long (414):
// the client must not be able to write a megabyte into the log with each
// request.
func (e *Entry) OmitRequestLine() {
	if e == nil {
		return
	}
	e.mu.Lock()
	e.omit = true
	e.mu.Unlock()
}

// RemoteAddr returns the client address the line shows: the peer's IP, or
// the one X-Forwarded-For names when the peer is a trusted proxy. It is ""
// for a nil Entry.
func (e *Entry) RemoteAddr() string {
	if e == nil {
		return ""
	}
	return e.remote
}

// close ends the entry and returns what the handlers added. A single
// message is returned in one, the caller's room for it.
func (e *Entry) close(one *[1]string) (messages []string, omit bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	switch {
	case !e.hasFirst:
	case e.more == nil:
		one[0] = e.first
		messages = one[:]
	default:
		messages = append([]string{e.first}, *e.more...)
	}
	return messages, e.omit
}

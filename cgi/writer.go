package cgi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/simplehttp/simplehttp/internal/hopbyhop"
	"github.com/simplehttp/simplehttp/internal/vary"
)

var aLongTimeAgo = time.Unix(1, 0)

// responseWriter sits between net/http/cgi and the client. It flushes
// every write, so the script's output streams, and it holds back a 500:
// net/http/cgi answers a malformed response with a bare 500, which run
// turns into a 502 page, while a 500 the script asked for (Status: 500)
// is sent as it is.
//
// The script's header fields are collected apart and checked on their
// way to the client (see copyScriptHeader), and a 1xx status, which
// would let the script send a second response after it, is refused.
type responseWriter struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	st        *state
	hdr       http.Header // the script's header fields
	pending   int         // a held status, or 0
	committed bool
	invalid   bool // the script asked for a status that cannot be sent
	// left is what remains to send of the Content-Length the script
	// gave, or -1 without one.
	left int64
	// complete is set once the response has all its body: the
	// Content-Length's bytes, or none for a status that has none. What
	// the script does after (more output, a crash, the time limit) does
	// not cut it off.
	complete bool
	over     error // what a write past the complete body returns
}

// errTooLong stops net/http/cgi copying a script's output past the
// Content-Length the script gave: the client has its response, and the
// rest would be taken for the start of the next (nginx drops it too).
var errTooLong = errors.New("script sent more than its Content-Length; the rest is dropped")

// errNoBody stops it copying a body for a 204 or 304, which have none.
var errNoBody = errors.New("script sent a body with a status that has none; it is dropped")

// errInvalidStatus stops net/http/cgi copying the body of a response
// whose status was refused.
var errInvalidStatus = errors.New("cgi: script response refused")

func (rw *responseWriter) Header() http.Header {
	if rw.hdr == nil {
		rw.hdr = make(http.Header)
	}
	return rw.hdr
}

func (rw *responseWriter) WriteHeader(code int) {
	if rw.committed || rw.pending != 0 || rw.invalid {
		return
	}
	if code < 200 || code > 599 {
		// "Status: 101" (or 100, 103, 0xx): net/http would send it as an
		// interim response and then a 200 of its own, two responses from
		// one script, and a 101 tells a proxy the connection is no longer
		// HTTP. 600 to 999 are no HTTP status (RFC 9110 section 15).
		// run answers 502.
		rw.refuse("cgi: script sent an invalid status", slog.Int("status", code))
		return
	}
	if vv := rw.hdr["Location"]; len(vv) > 0 && !allValid(vv) {
		// net/http/cgi made the status a redirect for it; without its
		// Location (copyScriptHeader would drop it) the redirect leads
		// nowhere.
		rw.refuse("cgi: script sent an invalid Location", slog.Int("status", code))
		return
	}
	if code == http.StatusInternalServerError {
		rw.pending = code
		return
	}
	rw.commit(code)
}

// refuse marks the script's response as one that cannot be sent, and
// logs why.
func (rw *responseWriter) refuse(msg string, attr slog.Attr) {
	rw.invalid = true
	rw.st.h.logger.LogAttrs(rw.st.r.Context(), slog.LevelError, msg, slog.String("script", rw.st.script), attr)
}

func (rw *responseWriter) commit(code int) {
	rw.committed = true
	copyScriptHeader(rw.w.Header(), rw.hdr, func(name, reason string) {
		rw.st.h.logger.LogAttrs(rw.st.r.Context(), slog.LevelWarn, "cgi: header field from script dropped",
			slog.String("script", rw.st.script), slog.String("field", name), slog.String("reason", reason))
	})
	rw.left = -1
	if v := rw.w.Header()["Content-Length"]; len(v) == 1 {
		rw.left, _ = strconv.ParseInt(v[0], 10, 64) // checked by copyScriptHeader
	}
	rw.over = errTooLong
	if !bodyAllowed(code) {
		rw.over = errNoBody
	}
	rw.complete = rw.left == 0 || rw.over == errNoBody
	rw.w.WriteHeader(code)
	// Send the header now: a script may take its time over the body.
	err := rw.flush()
	rw.st.mu.Lock()
	rw.st.started = true
	rw.st.sent = rw.complete && err == nil
	rw.st.mu.Unlock()
	rw.st.cutOffLate() // the time limit passed before the header came
}

// flush sends what has been written. A ResponseWriter that cannot flush
// (some middleware's wrapper) sends it when it can: that is no reason to
// stop the script.
func (rw *responseWriter) flush() error {
	if err := rw.rc.Flush(); !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if rw.invalid {
		return 0, errInvalidStatus
	}
	if !rw.committed {
		code := rw.pending
		if code == 0 {
			code = http.StatusOK
		}
		rw.commit(code)
	}
	if rw.complete {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, rw.over
	}
	var tooLong bool
	if rw.left >= 0 && int64(len(p)) > rw.left {
		p, tooLong = p[:rw.left], true
	}
	n, err := rw.w.Write(p)
	if rw.left >= 0 {
		rw.left -= int64(n)
		rw.complete = rw.left == 0
	}
	if err == nil && tooLong {
		err = errTooLong
	}
	if err == nil {
		// Stream the output as it comes.
		err = rw.flush()
		if err == nil && rw.complete {
			rw.st.mu.Lock()
			rw.st.sent = true
			rw.st.mu.Unlock()
		}
	}
	if err != nil && err != errTooLong {
		// The client's connection failed (it went away): net/http/cgi
		// logs the error, as the client's, not the script's.
		rw.st.mu.Lock()
		rw.st.sendFailed = true
		rw.st.mu.Unlock()
	}
	return n, err
}

// copyScriptHeader adds the script's header fields src to dst, except
// those that could split the response or change its framing, which it
// reports to drop: hop-by-hop fields; a value with a control character
// (net/http would turn CR and LF into spaces but send NUL and the other
// controls as they are); and a Content-Length that is not one
// non-negative number (two different lengths make clients and proxies
// disagree on where the response ends; without it the server frames
// the body itself).
//
// A field the script sends replaces the values of that name already in
// dst, set by middleware around the script (the command's -H): a
// response with two Content-Type or two Access-Control-Allow-Origin
// fields is one clients read as they please, or refuse. The fields that
// are lists of their own (Set-Cookie, Vary, Link) keep both; Vary on one
// line, since nginx before 1.23 caches by the last Vary line alone (a
// script's own lines, with no Vary set before it, go out as it sent them).
func copyScriptHeader(dst, src http.Header, drop func(name, reason string)) {
	outerVary := len(dst["Vary"])
	for k, vv := range src {
		if hopbyhop.Is(k) {
			drop(k, "hop-by-hop field")
			continue
		}
		if k == "Content-Length" {
			if !oneLength(vv) {
				drop(k, "not one non-negative number")
				continue
			}
			vv = vv[:1]
		}
		replace := !mergedField(k)
		for _, v := range vv {
			if !validValue(v) {
				drop(k, "control character in value")
				continue
			}
			if replace {
				delete(dst, k)
				replace = false
			}
			dst.Add(k, v)
		}
		if v := dst[k]; k == "Vary" && outerVary > 0 && len(v) > outerVary {
			dst[k] = []string{vary.Join(v)} // blank lines left out
		}
	}
}

// mergedField reports whether the script's values of the header field
// named k (in canonical form) go with those set before it rather than
// replace them: cookies, and fields whose values are lists a client
// merges.
func mergedField(k string) bool {
	return k == "Set-Cookie" || k == "Vary" || k == "Link"
}

// oneLength reports whether the Content-Length values vv all give the
// same non-negative decimal number.
func oneLength(vv []string) bool {
	for _, v := range vv {
		if v == "" || v != vv[0] {
			return false
		}
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
		}
	}
	return len(vv) > 0 && len(vv[0]) <= 18 // fits an int64
}

// allValid reports whether every value in vv is a validValue.
func allValid(vv []string) bool {
	for _, v := range vv {
		if !validValue(v) {
			return false
		}
	}
	return true
}

// bodyAllowed reports whether a response with status code has a body
// (RFC 9110 sections 15.3.5 and 15.4.5).
func bodyAllowed(code int) bool {
	return code != http.StatusNoContent && code != http.StatusNotModified
}

// validValue reports whether v has no control character but tab
// (RFC 9110 section 5.5).
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// trackedBody records whether the request body has been read to its end,
// and tells st when the client's body failed (a malformed chunk, a body
// cut off or too slow): the script must not take what it got for all.
type trackedBody struct {
	io.ReadCloser
	st  *state
	eof atomic.Bool
	// unblocked is set when the server itself stopped the read because
	// the script is over (state.unblockBody): the deadline error that
	// follows is not the client's. The read stopped because the request's
	// context ended does not set it: a client's failure (a read deadline
	// of the server's, a cut connection) ends the context just before it
	// reaches Read.
	unblocked atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	} else if err != nil && !(b.unblocked.Load() && errors.Is(err, os.ErrDeadlineExceeded)) {
		b.st.bodyFailed(err)
	}
	return n, err
}

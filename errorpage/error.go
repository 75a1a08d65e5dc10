package errorpage

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/simplehttp/simplehttp/accesslog"
)

// Error replies to r with Python's error page, as
// BaseHTTPRequestHandler.send_error(code, message, explain) does in
// Python 3.14. It must be called before anything else is written to w.
//
// An empty message or explain stands for Python's None: it defaults to the
// phrase or the description of code from [StatusText] (for 404, "Not Found"
// and "Nothing matches the given URI"; for an unknown code, "???").
// Both are HTML-escaped as Python's html.escape(s, quote=False) does (&, <
// and > only; quotes stay as they are) and put into Python's
// error_message_format, shown in the package documentation. Bytes that are
// not valid UTF-8 become '?', as Python's encode('UTF-8', 'replace') does
// with undecodable bytes.
//
// The response carries Content-Type: text/html;charset=utf-8 (Python's
// error_content_type, without a space) and Content-Length. Over HTTP/1.x
// it also carries Connection: close after the errors that leave the
// connection in doubt (400, 413, 414, 431, 500 and 501, as nginx does), and
// after every error inside a Middleware with [Options.CloseAfterError], as
// Python's send_error does. For 204, 205 and 304 it has no body and
// neither Content-Type nor Content-Length. A 1xx code other than 101 goes
// out as an informational response with the header as it stands (and
// Connection: close under CloseAfterError): Error deletes nothing from it,
// as it is also the header of the final response the handler still owes,
// which the Middleware replaces by the page if it is a bodiless error.
// A HEAD request gets the headers
// of GET and no body. Before writing, Error deletes the ETag, Last-Modified,
// Cache-Control and Content-Encoding headers that w may already carry for
// the content the error replaces, as net/http's file server does, and its
// Content-Disposition (a browser would save the page under the file's
// name) and Trailer with the fields it declares and those set under
// [http.TrailerPrefix] (the page ends with no trailer fields); other headers
// set on w are kept. Inside a [Middleware], the first four are put back
// as they were when the middleware got the request: set then, they
// belong to a wrapper outside that sets them on every response (a
// Cache-Control: no-store) or encodes the page too (a Content-Encoding).
//
// Differences from Python, where net/http leaves no choice or Python has no
// equivalent:
//   - The status line keeps the standard reason phrase (net/http cannot send
//     another one); Python puts message there.
//   - Over HTTP/2 and later, Connection: close is not set: the header does
//     not exist there, and net/http would take it as a request to shut down
//     the whole connection with every stream multiplexed on it.
//   - net/http sends a 1xx code other than 101 as an informational
//     response, so the handler still owes the final response after Error.
//   - code must be a valid argument of [http.ResponseWriter.WriteHeader]:
//     net/http panics on a code outside 100 to 999.
//
// Inside a [Middleware], Error renders with the middleware's options
// instead: its Format and ContentType, its content negotiation (JSON or a
// plain line for clients that prefer them) and its CloseAfterError. Error
// finds the innermost middleware in r's context, where the middleware put
// it, so it works behind any wrapper of w; the middleware does not replace
// a page sent by Error. Behind [http.TimeoutHandler], a page still in its
// buffer when it times out is dropped, and the timeout's 503 gets the
// middleware's page.
//
// The error is added to the request's access-log entry
// ([accesslog.FromContext]), if the request goes through an access log,
// as Python's log_error line "code 404, message File not found", with the
// message after the defaults; without one, nothing is formatted for the
// request.
//
// Error may be called concurrently. Repeated pages, and their log lines,
// come from a small bounded cache instead of being rendered again.
func Error(w http.ResponseWriter, r *http.Request, code int, message, explain string) {
	if st := stateOf(r); st != nil {
		// The page is the handler's own: the middleware must not take
		// it for another handler's bodiless error. A page with a body
		// says so itself, by its Content-Type value (see
		// interceptHeader): a plain-text page looks like http.Error's.
		// A page without one cannot, and turns interception off for
		// the response; not by clearing st.Intercept, since behind
		// http.TimeoutHandler this runs while the timeout's 503 goes
		// through st on another goroutine. A page with a body must not
		// turn it off: when it stays in the buffer of a
		// TimeoutHandler that times out, that 503 then went out with
		// net/http's own page instead of the middleware's.
		// An informational code is not the response: the final one
		// the handler still owes may be a bodiless error to replace.
		if !bodyAllowed(code) && !informational(code) {
			st.PassThrough()
		}
		st.m.serve(w, r, st, code, message, explain)
		return
	}
	defaultMiddleware.serve(w, r, nil, code, message, explain)
}

// contentHeaders are the headers that describe the content a response
// carries, which an error page replaces: its validators, its freshness and
// its encoding.
var contentHeaders = [...]string{"Etag", "Last-Modified", "Cache-Control", "Content-Encoding"}

// serve is send_error with the options of m. st is the state of the
// middleware the response goes through, nil outside one.
func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, st *state, code int, message, explain string) {
	if message == "" || explain == "" {
		phrase, description := StatusText(code)
		if message == "" {
			message = phrase
		}
		if explain == "" {
			explain = description
		}
	}
	// Python's log_error("code %d, message %s", code, message), after the
	// defaults. Check for an access log first, so that no message is
	// formatted for nobody; a cached page holds its line made already.
	var b rendered
	var contentType []string
	if bodyAllowed(code) {
		b, contentType = m.body(r, code, message, explain)
	}
	if e := accesslog.FromContext(r.Context()); e != nil {
		if b.logLine != "" {
			e.AddMessage(b.logLine)
		} else {
			e.AddMessage(logLine(code, message))
		}
	}

	// Direct map operations with canonical keys and shared values: the
	// header methods would canonicalise each key and allocate each value.
	h := w.Header()
	if informational(code) {
		// net/http sends the header as it stands, and keeps it for the
		// final response the handler still owes: what the handler set
		// for that one is not this page's to delete. Python closes the
		// connection after it, as after any send_error.
		if r.ProtoMajor < 2 && m.closeAfter {
			h["Connection"] = connectionClose
		}
		w.WriteHeader(code)
		return
	}
	// Validators and encodings of the content this error replaces
	// (net/http's serveError does the same), unless a wrapper outside the
	// middleware set them before the handler ran: then they are for every
	// response, the page included (chi's NoCache sets Cache-Control; a
	// compressor such as gorilla/handlers' CompressHandler sets
	// Content-Encoding and encodes the page too, so the client needs it).
	for i, k := range contentHeaders {
		if st != nil && st.outer[i] != nil {
			h[k] = st.outer[i]
		} else {
			delete(h, k)
		}
	}
	// Nor is the page the file a download was to be: a page kept with
	// "attachment; filename=report.pdf" was saved by the browser as
	// report.pdf, whoever set it. Nor does it end with the trailer
	// fields that download declared (a checksum): sent with its
	// Content-Length, the page has no trailer section at all. The fields
	// go too: those Trailer declared, set after the status, would go out
	// as headers of the page, and those set under http.TrailerPrefix as
	// its trailers over HTTP/2.
	delete(h, "Content-Disposition")
	dropTrailerFields(h)
	// A request with a body may have been refused before its body was
	// read (401, 409): to keep the connection, net/http would first read
	// the body, and wait for as long as the client sends none.
	if r.ProtoMajor < 2 && (m.closeAfter || !keepAliveAfter(code) || r.ContentLength != 0) {
		h["Connection"] = connectionClose
	}

	if !bodyAllowed(code) {
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		w.WriteHeader(code)
		return
	}
	if m.negotiate {
		addVary(h, "Accept")
	}
	h["Content-Type"] = contentType
	h["Content-Length"] = b.length
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		// A failed write means the client has gone: nobody is left to tell.
		_, _ = w.Write(b.body)
	}
}

// dropTrailerFields deletes from h the Trailer header, the fields it
// declares and those set with the [http.TrailerPrefix] prefix.
func dropTrailerFields(h http.Header) {
	for _, v := range h["Trailer"] {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				delete(h, textproto.CanonicalMIMEHeaderKey(name))
			}
		}
	}
	delete(h, "Trailer")
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			delete(h, k)
		}
	}
}

// connectionClose is the Connection header value of every error response
// over HTTP/1.x, shared between responses (see rendered).
var connectionClose = []string{"close"}

// keepAliveAfter reports whether the connection is kept after an error
// response with this code (unless [Options.CloseAfterError]): not after the errors that nginx
// closes the connection on (ngx_http_special_response_handler), where the
// request was malformed or only partly read, or the server failed, and
// not after 431, its counterpart for oversized headers.
func keepAliveAfter(code int) bool {
	switch code {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong,
		http.StatusRequestHeaderFieldsTooLarge, http.StatusInternalServerError, http.StatusNotImplemented:
		return false
	}
	return true
}

// logLine is fmt.Sprintf("code %d, message %s", code, message), in one
// allocation.
func logLine(code int, message string) string {
	var buf [64]byte
	b := append(buf[:0], "code "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ", message "...)
	b = append(b, message...)
	return string(b)
}

// informational reports whether net/http sends code as an informational
// response, ahead of the final one: 1xx but 101.
func informational(code int) bool {
	return code >= 100 && code < 200 && code != http.StatusSwitchingProtocols
}

// bodyAllowed reports whether send_error sends a page for code: not for
// 1xx (RFC 9110 §15.2), 204 (§15.3.5), 205 (§15.3.6) or 304 (§15.4.5).
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent &&
		code != http.StatusResetContent && code != http.StatusNotModified
}

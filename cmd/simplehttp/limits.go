package main

import (
	"net/http"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/errorpage"
)

// Python's limits on the request head: BaseHTTPRequestHandler reads at most
// 65536 bytes of request line, and http.client.parse_headers at most 65536
// bytes per header line and 100 lines, counting the empty line that ends
// the head. Both line lengths include the CRLF.
const (
	maxLine        = 65536
	maxHeaderLines = 100
)

// maxHeaderBytes is http.Server.MaxHeaderBytes: net/http's default of
// 1 MiB for the request line and the headers together. A head over it,
// and over the 4 KiB net/http reads past it, gets net/http's own 431
// before any handler runs. Python takes up to 99 headers
// of 64 KiB each; a lower cap would refuse requests it serves, a higher one
// lets every connection hold more memory.
const maxHeaderBytes = http.DefaultMaxHeaderBytes

// pythonLimits answers the requests that Python refuses for the size of
// their head, with Python's status and messages: 414 for a request line
// over 64 KiB, 431 "Line too long" for a header line over 64 KiB and
// 431 "Too many headers" beyond 99 headers. net/http reads heads up to
// maxHeaderBytes, so these would otherwise be served.
func pythonLimits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, msg, explain := checkHead(r); code != 0 {
			if code == http.StatusRequestURITooLong {
				// Python logs "" for the line it refused, and so do
				// we: a client must not write a megabyte to the log.
				accesslog.FromContext(r.Context()).OmitRequestLine()
			}
			errorpage.Error(w, r, code, msg, explain)
			return
		}
		if len(r.TransferEncoding) > 0 && r.ProtoMajor == 1 {
			// A body framed by Transfer-Encoding may also have come with
			// a Content-Length, which net/http drops before we can see
			// it; a proxy in front that framed it by the length would
			// read the rest as another request. RFC 9112 §6.1: close the
			// connection after responding. (Python reads no chunked
			// bodies at all.)
			w.Header()["Connection"] = closeValue
		}
		next.ServeHTTP(w, r)
	})
}

// closeValue is the Connection header value that ends a connection.
var closeValue = []string{"close"}

// checkHead applies Python's limits to the head of r, as far as net/http
// lets us see it: the request line as sent and each header line, with Host
// and Transfer-Encoding, which net/http moves out of r.Header.
func checkHead(r *http.Request) (code int, msg, explain string) {
	if len(r.Method)+1+len(r.RequestURI)+1+len(r.Proto)+2 > maxLine {
		return http.StatusRequestURITooLong, "", ""
	}
	lineTooLong := func(name string, value string) bool { return len(name)+2+len(value)+2 > maxLine }
	lines := 1 // the empty line that ends the head
	if r.ProtoMajor == 1 && r.Host != "" && r.Header["Host"] == nil {
		lines++
		if lineTooLong("Host", r.Host) {
			return http.StatusRequestHeaderFieldsTooLarge, "Line too long", "got more than 65536 bytes when reading header line"
		}
	}
	lines += len(r.TransferEncoding)
	for name, values := range r.Header {
		lines += len(values)
		for _, v := range values {
			if lineTooLong(name, v) {
				return http.StatusRequestHeaderFieldsTooLarge, "Line too long", "got more than 65536 bytes when reading header line"
			}
		}
	}
	if lines > maxHeaderLines {
		return http.StatusRequestHeaderFieldsTooLarge, "Too many headers", "got more than 100 headers"
	}
	return 0, "", ""
}

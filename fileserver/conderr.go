package fileserver

import (
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// maxRanges is how many ranges one request may ask for. Past it the
// Range header is ignored and the whole file is sent, as Apache's
// MaxRanges does: each range is a part of the response with a header of
// its own, so a header of thousands of one-byte ranges would make the
// response many times the file. Clients ask for one range, or a few.
const maxRanges = 200

// fixRange returns r, or a copy of it whose Range header http.ServeContent
// answers correctly for a file of size bytes. ServeContent takes a
// suffix range of zero bytes ("bytes=-0"), and any suffix range of an
// empty file, for a satisfiable range of nothing, and answers 206 with
// an inverted Content-Range ("bytes 6-5/6"); such ranges are dropped,
// and a header left with none becomes one that cannot be satisfied, so
// that ServeContent answers 416 (or, for an empty file, 200), with
// If-Range still weighed as usual. A header of more than maxRanges
// ranges is removed.
func fixRange(r *http.Request, size int64) *http.Request {
	vv := r.Header["Range"]
	if len(vv) == 0 || !strings.HasPrefix(vv[0], "bytes=") {
		return r // ServeContent's own answer: none, or 416 for a malformed one
	}
	specs := strings.Split(vv[0][len("bytes="):], ",")
	if len(specs) > maxRanges {
		return withRange(r, nil)
	}
	kept, dropped, some := specs[:0:0], false, false
	for _, s := range specs {
		t := textproto.TrimString(s)
		if len(t) > 1 && t[0] == '-' {
			if n, err := strconv.ParseInt(textproto.TrimString(t[1:]), 10, 64); err == nil && (n == 0 || size == 0) {
				dropped = true
				continue
			}
		}
		kept = append(kept, s)
		some = some || t != ""
	}
	if !dropped {
		return r
	}
	if !some {
		// Starts past the end: not satisfiable.
		return withRange(r, []string{"bytes=" + strconv.FormatInt(size, 10) + "-"})
	}
	return withRange(r, []string{"bytes=" + strings.Join(kept, ",")})
}

// withRange returns a shallow copy of r with its own header, whose Range
// is value (none for nil).
func withRange(r *http.Request, value []string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	if value == nil {
		delete(r2.Header, "Range")
	} else {
		r2.Header["Range"] = value
	}
	return r2
}

// preconditionWriter carries a response of http.ServeContent that may
// fail a precondition (If-Match, If-Unmodified-Since: 412) or a Range
// (416). ServeContent answers those itself, with the file's own headers
// (its Content-Type, Content-Encoding, ETag) and an empty body or Go's
// plain text; preconditionWriter turns them into an error response of
// Options.ErrorHandler (Python's page by default), as every other error
// of the handler is. Other responses pass through, sendfile included.
type preconditionWriter struct {
	http.ResponseWriter
	h      *Handler
	r      *http.Request
	failed bool // the error response is out: ServeContent's body is dropped
}

// mayFail reports whether ServeContent can answer r with 412 or 416.
func mayFail(r *http.Request) bool {
	h := r.Header
	return h["If-Match"] != nil || h["If-Unmodified-Since"] != nil || h["Range"] != nil
}

func (pw *preconditionWriter) WriteHeader(code int) {
	var msg string
	switch code {
	case http.StatusPreconditionFailed:
		msg = "Precondition Failed"
	case http.StatusRequestedRangeNotSatisfiable:
		msg = "Requested Range Not Satisfiable"
	default:
		pw.ResponseWriter.WriteHeader(code)
		return
	}
	pw.failed = true
	hdr := pw.ResponseWriter.Header()
	for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Etag", "Last-Modified", "X-Content-Type-Options"} {
		delete(hdr, k) // the file's, or http.Error's (Content-Range stays: bytes */size)
	}
	pw.h.sendError(pw.ResponseWriter, pw.r, code, msg)
}

func (pw *preconditionWriter) Write(p []byte) (int, error) {
	if pw.failed {
		return len(p), nil
	}
	return pw.ResponseWriter.Write(p)
}

// ReadFrom keeps sendfile for a Range answered 206.
func (pw *preconditionWriter) ReadFrom(src io.Reader) (int64, error) {
	if pw.failed {
		return io.Copy(io.Discard, src)
	}
	if rf, ok := pw.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{pw.ResponseWriter}, src)
}

// Unwrap lets http.ResponseController reach the writer beneath.
func (pw *preconditionWriter) Unwrap() http.ResponseWriter { return pw.ResponseWriter }

// writerOnly hides every method of a writer but Write.
type writerOnly struct{ io.Writer }

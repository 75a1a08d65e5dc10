package fileserver

import (
	"io"
	"net/http"
)

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

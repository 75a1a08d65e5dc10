package fileserver

import (
	"io"
	"math"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// maxRanges is how many ranges one request may ask for. Past it the
// Range header is ignored and the whole file is sent, as Apache's
// MaxRanges does: each range is a part of the response with a header of
// its own, so a header of thousands of one-byte ranges would make the
// response many times the file. Clients ask for one range, or a few.
const maxRanges = 200

// maxMultiRange bounds the responses of several ranges in flight at once.
// http.ServeContent sends one through a pipe from a goroutine of its own,
// with a copy buffer on each side: a client that does not read keeps some
// 265 KiB (1,000 such clients asking for 100 ranges each took 277 MB;
// http.FileServer 251), six times a plain download's. Past the limit the
// Range header is ignored and the whole file goes out with sendfile(2),
// as RFC 9110 allows any server to do.
const maxMultiRange = 256

// limitMultiRange returns r, or, when r (as fixRange left it) asks for
// several ranges and maxMultiRange such responses are in flight, a copy
// of r without its Range header. done gives the slot back.
func (h *Handler) limitMultiRange(r *http.Request) (_ *http.Request, done func()) {
	if !severalRanges(r) {
		return r, func() {}
	}
	if err := h.multiRanges.take(r.Context(), 1); err != nil {
		h.multiRanges.log.Failed(r.Context(), err)
		return withRange(r, nil), func() {}
	}
	return r, func() { h.multiRanges.give(1) }
}

// singleRange returns r, or a copy of it without its Range header if that
// asks for more than one range (empty elements of the list, as in
// "bytes=0-3," or "bytes=,0-3", count as none). r's Range is as fixRange
// left it: "bytes=" and the list.
func singleRange(r *http.Request) *http.Request {
	if severalRanges(r) {
		return withRange(r, nil)
	}
	return r
}

// severalRanges reports whether r's Range header, as fixRange left it
// ("bytes=" and the list), asks for more than one range: empty elements
// of the list count as none.
func severalRanges(r *http.Request) bool {
	vv := r.Header["Range"]
	if len(vv) == 0 {
		return false
	}
	_, set, _ := strings.Cut(vv[0], "=") // the unit is no element
	n := 0
	for spec := range strings.SplitSeq(set, ",") {
		if strings.TrimSpace(spec) != "" {
			n++
		}
	}
	return n > 1
}

// fixRange returns r, or a copy of it whose Range header
// http.ServeContent answers as RFC 9110 asks for a file of size bytes.
// On its own ServeContent answers 416 (without Content-Range) to a header
// it cannot parse, where a server must ignore a range unit it does not
// know and should ignore an invalid range set (section 14.2): such a
// header is removed, so the whole file is sent, as Python (which knows
// no ranges) sends it. It takes a suffix range of zero bytes
// ("bytes=-0"), and any suffix range of an empty file, for a satisfiable
// range of nothing, answered 206 with an inverted Content-Range ("bytes
// 6-5/6"): such ranges are dropped, and a set left with none becomes one
// that cannot be satisfied, so that ServeContent answers 416 with
// "bytes */size" (or, for an empty file, 200), If-Range still weighed as
// usual. A position too large for an int64 is one past any file. A
// header of more than maxRanges ranges is removed.
func fixRange(r *http.Request, size int64) *http.Request {
	vv := r.Header["Range"]
	if len(vv) == 0 {
		return r
	}
	unit, set, ok := strings.Cut(vv[0], "=")
	if !ok || !strings.EqualFold(textproto.TrimString(unit), "bytes") {
		return withRange(r, nil) // a unit this server does not serve
	}
	specs := strings.Split(set, ",")
	if len(specs) > maxRanges {
		return withRange(r, nil)
	}
	kept := make([]string, 0, len(specs))
	changed := unit != "bytes"
	for _, spec := range specs {
		t := textproto.TrimString(spec)
		if t == "" {
			continue // allowed between commas (RFC 9110 section 5.6.1)
		}
		first, last, ok := strings.Cut(t, "-")
		if !ok {
			return withRange(r, nil)
		}
		first, last = textproto.TrimString(first), textproto.TrimString(last)
		if first == "" { // a suffix: the last N bytes
			n, ok := position(last)
			if !ok {
				return withRange(r, nil)
			}
			if n == 0 || size == 0 {
				changed = true // nothing to send: not satisfiable
				continue
			}
			kept = append(kept, "-"+strconv.FormatInt(n, 10))
			changed = changed || t != kept[len(kept)-1]
			continue
		}
		a, ok := position(first)
		if !ok {
			return withRange(r, nil)
		}
		b := int64(-1) // to the end
		if last != "" {
			if b, ok = position(last); !ok || b < a {
				return withRange(r, nil)
			}
		}
		if a >= size {
			changed = true // starts past the end: not satisfiable
			continue
		}
		if b >= size {
			b = -1 // ServeContent cuts a range at the end; a huge one it refuses
		}
		norm := strconv.FormatInt(a, 10) + "-"
		if b >= 0 {
			norm += strconv.FormatInt(b, 10)
		}
		kept = append(kept, norm)
		changed = changed || t != norm
	}
	switch {
	case len(kept) > 0 && !changed:
		return r
	case len(kept) > 0:
		return withRange(r, []string{"bytes=" + strings.Join(kept, ",")})
	case changed:
		// Starts past the end: not satisfiable.
		return withRange(r, []string{"bytes=" + strconv.FormatInt(size, 10) + "-"})
	}
	return withRange(r, nil) // no range at all: invalid
}

// strongIfRange returns r, or a copy of it without its Range header when
// its If-Range is a date that does not prove the file to be the version
// the client holds part of. http.ServeContent matches such a date with
// the modification time in whole seconds, so a file replaced within the
// second of the client's copy would answer 206 with the new version's
// bytes, spliced by the client onto the old ones. A date is a strong
// validator only where the file cannot have changed twice within its
// second (RFC 9110 section 8.8.2.2): here, when the modification time has
// no fraction of a second and is the date itself. Otherwise the Range is
// ignored and the whole file sent, as for an If-Range that does not
// match. An entity tag in If-Range is left to ServeContent: the ETag
// has the modification time to the nanosecond, which tells versions
// apart unless the file system stamped both in one tick of its clock.
func strongIfRange(r *http.Request, mtime time.Time) *http.Request {
	ir := r.Header["If-Range"]
	if len(ir) == 0 || r.Header["Range"] == nil {
		return r
	}
	t, err := http.ParseTime(ir[0])
	if err != nil || mtime.Nanosecond() == 0 && t.Unix() == mtime.Unix() {
		return r // an entity tag (or no date at all), or the very time
	}
	return withRange(r, nil)
}

// epochUnmodifiedSinceFails reports whether r's If-Unmodified-Since fails
// for a file modified at the Unix epoch, a date before 1970 with no
// If-Match to take its place (RFC 9110 section 13.2.2): http.ServeContent
// takes the epoch for "no modification time" and skips the header, so
// such a file was sent whole (200, or 206 for a Range) where one of any
// other date answers 412.
func epochUnmodifiedSinceFails(r *http.Request, mtime time.Time) bool {
	if mtime.IsZero() || mtime.Unix() != 0 || r.Header.Get("If-Match") != "" {
		return false
	}
	t, err := http.ParseTime(r.Header.Get("If-Unmodified-Since"))
	return err == nil && t.Unix() < 0
}

// position parses a byte position of a Range header: decimal digits
// only; a number too large for an int64 is math.MaxInt64, past the end
// of any file.
func position(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return math.MaxInt64, true // all digits: only too large
	}
	return n, true
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

// notModifiedUnlessFailed answers r, which Python's If-Modified-Since
// rule answers 304 and which also carries If-Match or
// If-Unmodified-Since: those come first (RFC 9110 section 13.2.2), so a
// failed one answers 412 (the error page, as preconditionWriter sends
// it), and only a passed one lets the 304 out. http.ServeContent weighs
// them, over the file's content, mtime and the ETag already set, with
// Python's verdict standing in as "If-None-Match: *", which a file that
// exists always fails: its 304 then has the headers of the 304 Python's
// rule sends alone.
func (h *Handler) notModifiedUnlessFailed(w http.ResponseWriter, r *http.Request, name string, v *variant, mtime time.Time, content io.ReadSeeker) {
	pw := &preconditionWriter{ResponseWriter: w, h: h, r: r, name: cacheControlName(name, v)}
	if epochUnmodifiedSinceFails(r, mtime) {
		pw.WriteHeader(http.StatusPreconditionFailed)
		return
	}
	req := r.Clone(r.Context())
	delete(req.Header, "If-Modified-Since")
	req.Header["If-None-Match"] = []string{"*"}
	http.ServeContent(pw, req, name, mtime, content)
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
	name   string // the file's name, as Options.CacheControl got it
	failed bool   // the error response is out: ServeContent's body is dropped
	asset  bool   // a rich listing's asset, whose Cache-Control is its own
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
		// Python 3.13's phrase, as send_error(416) defaults it; Go's
		// StatusText still has RFC 7233's "Requested ...".
		msg = "Range Not Satisfiable"
	default:
		pw.ResponseWriter.WriteHeader(code)
		return
	}
	pw.failed = true
	hdr := pw.ResponseWriter.Header()
	for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Etag", "Last-Modified", "X-Content-Type-Options"} {
		delete(hdr, k) // the file's, or http.Error's (Content-Range stays: bytes */size)
	}
	if pw.asset {
		delete(hdr, "Cache-Control")
	} else {
		pw.h.dropCacheControl(hdr, pw.name) // the file's (fileError)
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

package fileserver

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// inlineMax is the largest file serveFile reads into memory and sends
// with its headers in one write, rather than letting net/http send it:
// net/http copies the first 512 bytes of a response body it reads from a
// file, writes them with the headers, and sends the rest with sendfile(2)
// (or a second write), so any file over 512 bytes took two sends.
// Loopback TCP makes each send cost the receiver's processing too: a
// 1 KiB file went out at 0.8x http.FileServer's rate with the cache off.
// Headers and body fit net/http's 4 KiB connection buffer up to about
// this size; above it, two sends are needed anyway.
const inlineMax = 3 << 10

// A memFile is the content of a small file read whole: an io.ReadSeeker
// for http.ServeContent, hashing and sniffing, over a pooled buffer.
type memFile struct {
	bytes.Reader
	b   []byte
	buf *[inlineMax + 1]byte
}

var inlineBufs = sync.Pool{New: func() any { return new([inlineMax + 1]byte) }}

// readInline reads the rest of rs, a file that stat says holds size bytes
// (at most inlineMax), into memory. It reports false, with rs back at its
// start, if the file does not hold exactly size bytes now (it is being
// written: let the usual path serve it).
func readInline(rs io.ReadSeeker, size int64) (*memFile, bool) {
	buf := inlineBufs.Get().(*[inlineMax + 1]byte)
	// One read(2) when the file is as stat saw it: asking for one byte
	// more than size shows a file that grew.
	n, err := io.ReadAtLeast(rs, buf[:size+1], int(size))
	if err != nil || int64(n) != size {
		inlineBufs.Put(buf)
		rs.Seek(0, io.SeekStart)
		return nil, false
	}
	m := &memFile{b: buf[:n], buf: buf}
	m.Reset(m.b)
	return m, true
}

// release returns the buffer. The memFile must not be used after.
func (m *memFile) release() {
	m.b = nil
	m.Reset(nil)
	inlineBufs.Put(m.buf)
}

// inlineWriter is the ResponseWriter http.ServeContent writes to when the
// content is a memFile: its ReadFrom writes the bytes asked for in one
// Write, so that net/http sends them with the headers. Anything else it
// is given (a multipart body from a pipe) is copied through Write.
type inlineWriter struct {
	http.ResponseWriter
	m *memFile
}

func (w inlineWriter) ReadFrom(src io.Reader) (int64, error) {
	if lr, ok := src.(*io.LimitedReader); ok && lr.R == io.Reader(w.m) {
		m := w.m
		off := m.Size() - int64(m.Len())
		n, err := w.ResponseWriter.Write(m.b[off : off+min(lr.N, int64(m.Len()))])
		m.Seek(int64(n), io.SeekCurrent)
		lr.N -= int64(n)
		return int64(n), err
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

package fileserver

import (
	"errors"
	"io"
	"sync/atomic"
)

// forwardReader lets a file that cannot seek (a file of an
// archive/zip.Reader, or of any fs.FS whose files are plain streams) be
// served as one that can, for the seeks a response makes of it:
//   - back to the start after sniffing its type or reading it whole to
//     send it with the headers: its first sniffLimit bytes are kept until
//     a byte past them is read;
//   - to the end and back, for its size (http.ServeContent), answered
//     from the size its stat gave;
//   - forward, to the start of a single range, by reading up to it.
//
// Any other seek fails. serveFile sends such a file whole to a request for
// several ranges (whose parts may go backwards), and gives it no ETag
// when it has no modification time (the content hash would read it all
// before sending it).
type forwardReader struct {
	r    io.Reader
	size int64  // from the file's stat
	off  int64  // the offset the next Read reads from
	n    int64  // bytes read from r so far
	head []byte // the first bytes read from r, all of them while n <= sniffLimit
	// short is set when r ends (EOF, or an error) before size: see
	// shortWatch.
	short atomic.Bool
}

var errSeekBack = errors.New("fileserver: seek back in a file that cannot seek")

func newForwardReader(r io.Reader, size int64) *forwardReader {
	return &forwardReader{r: r, size: size}
}

func (f *forwardReader) Read(p []byte) (int, error) {
	if f.off < f.n {
		// A replay of the kept start: Seek allows it only while the
		// head holds every byte read.
		k := copy(p, f.head[f.off:])
		f.off += int64(k)
		return k, nil
	}
	if f.off > f.n {
		// A seek forward: read up to it. What is skipped is not kept,
		// so the start can no longer be replayed.
		k, err := io.CopyN(io.Discard, f.r, f.off-f.n)
		f.n += k
		if k > 0 {
			f.head = nil
		}
		if err != nil {
			// The stream ended (or failed) short of the offset, which
			// stays where the seek put it, as a file's would.
			f.short.Store(true)
			return 0, err
		}
	}
	k, err := f.r.Read(p)
	if err != nil && f.n+int64(k) < f.size {
		f.short.Store(true)
	}
	if k > 0 {
		if f.head != nil || f.n == 0 {
			if f.n+int64(k) <= sniffLimit {
				f.head = append(f.head, p[:k]...)
			} else {
				f.head = nil
			}
		}
		f.n += int64(k)
		f.off = f.n
	}
	return k, err
}

func (f *forwardReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = f.off + offset
	case io.SeekEnd:
		abs = f.size + offset
	default:
		return f.off, errors.New("fileserver: Seek: invalid whence")
	}
	switch {
	case abs < 0:
		return f.off, errors.New("fileserver: Seek: negative position")
	case abs < f.n && int64(len(f.head)) != f.n:
		return f.off, errSeekBack
	}
	f.off = abs
	f.short.Store(false)
	return abs, nil
}

func (f *forwardReader) cutShort() bool { return f.short.Load() }

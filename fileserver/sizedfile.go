package fileserver

import (
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"syscall"
)

// sizedFile is an open regular file that knows its size: the one of the
// fstat(2) whose modification time and size the response's headers carry.
// http.ServeContent learns a file's size by seeking to its end and back,
// and the command checks that a file can go out with sendfile(2) by
// another fstat: three system calls on every response sent from disk.
// sizedFile answers them from that one stat. Its Seek only moves the
// offset it keeps; the file's own offset follows when it is next needed,
// by a Read or by the sendfile that SyscallConn hands the descriptor to,
// and only if it is not there already: ServeContent's seek to the end and
// back to the start costs no lseek(2) at all.
//
// The sizes agree by construction: a file that grows or shrinks after
// its fstat is sent as that stat saw it, as far as it still can be, which
// is what its Content-Length, Last-Modified and ETag say.
type sizedFile struct {
	f  *os.File
	fi fs.FileInfo

	off     int64 // where the next Read starts
	fileOff int64 // the file's own offset, or -1 if not known
	direct  bool  // the descriptor went to a caller: the file's own offset rules

	lseeks int // the lseek(2)s made to move the file's own offset (for tests)

	// short is set by a read that ends (EOF, or an error) before the size
	// of the stat, since the last seek: the file shrank, and what is sent
	// from it falls short of its Content-Length. Atomic: the parts of a
	// multipart answer are read by a goroutine of http.ServeContent.
	short atomic.Bool
}

// newSizedFile wraps f, open on a regular file, and fi, the FileInfo of
// f's own Stat. Its offset is f's: the start, for a file just opened.
func newSizedFile(f *os.File, fi fs.FileInfo) *sizedFile {
	return &sizedFile{f: f, fi: fi}
}

func (s *sizedFile) Read(p []byte) (int, error) {
	if s.direct {
		return s.f.Read(p)
	}
	if err := s.sync(); err != nil {
		return 0, err
	}
	n, err := s.f.Read(p)
	s.off += int64(n)
	s.fileOff = s.off
	if err != nil && s.off < s.fi.Size() {
		s.short.Store(true)
	}
	return n, err
}

func (s *sizedFile) Seek(offset int64, whence int) (int64, error) {
	if s.direct {
		return s.f.Seek(offset, whence)
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = s.off + offset
	case io.SeekEnd:
		abs = s.fi.Size() + offset
	default: // SEEK_DATA, SEEK_HOLE: the file's to answer
		if err := s.sync(); err != nil {
			return 0, err
		}
		abs, err := s.f.Seek(offset, whence)
		if err == nil {
			s.off, s.fileOff = abs, abs
		}
		return abs, err
	}
	if abs < 0 { // as lseek(2) answers
		return 0, &fs.PathError{Op: "seek", Path: s.f.Name(), Err: syscall.EINVAL}
	}
	s.off = abs
	s.short.Store(false)
	return abs, nil
}

// sync moves the file's own offset to the one kept, if it is elsewhere.
func (s *sizedFile) sync() error {
	if s.fileOff == s.off {
		return nil
	}
	s.lseeks++
	if _, err := s.f.Seek(s.off, io.SeekStart); err != nil {
		s.fileOff = -1
		return err
	}
	s.fileOff = s.off
	return nil
}

func (s *sizedFile) cutShort() bool { return s.short.Load() }

// shortWatch is a file being sent that tells whether a read of it ended,
// at EOF or on an error, before the size its stat gave, since it was last
// sought: what is sent from it then falls short of its Content-Length,
// and serveFile cuts the response. sizedFile is one for OS files,
// seekFile and forwardReader for the files of any other fs.FS.
type shortWatch interface {
	cutShort() bool
}

// seekFile is a file of an fs.FS that can seek but is not an OS file
// (fstest.MapFS, embed.FS, one of the application's own), watched for a
// read that ends short of size, its stat's: a file of a network or
// database-backed fs.FS whose Read fails half-way through. Without the
// watch, a middleware that sends bodies chunked (a compressor) ended the
// response as if the file were whole. Atomic, as in sizedFile.
type seekFile struct {
	rs    io.ReadSeeker
	size  int64
	off   int64 // where the next Read starts, if the last Seek succeeded
	short atomic.Bool
}

func (s *seekFile) Read(p []byte) (int, error) {
	n, err := s.rs.Read(p)
	s.off += int64(n)
	if err != nil && s.off < s.size {
		s.short.Store(true)
	}
	return n, err
}

func (s *seekFile) Seek(offset int64, whence int) (int64, error) {
	abs, err := s.rs.Seek(offset, whence)
	if err == nil {
		s.off = abs
		s.short.Store(false)
	}
	return abs, err
}

func (s *seekFile) cutShort() bool { return s.short.Load() }

// seekSize returns fi, the stat of f, with the size f seeks to in place of
// its own if the two differ (an fs.FS whose Stat gives 0 for a size it does
// not know): http.ServeContent sends that size as the Content-Length and
// answers ranges against it, and the headers made before it (the ETag, the
// ranges fixRange mended, a variant's Content-Length) must agree. f is left
// at its start. ok is false if f cannot seek to its end and back after
// all (a Seek method that fails, as a stream's may): it is then read as
// one that cannot seek (forwardReader), since http.ServeContent, whose
// first step is that seek, answered it a plain-text 500 "seeker can't
// seek" past the error pages.
func seekSize(f io.ReadSeeker, fi fs.FileInfo) (_ fs.FileInfo, ok bool) {
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fi, false
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fi, false
	}
	if end == fi.Size() {
		return fi, true
	}
	return resized{fi, end}, true
}

// resized is a FileInfo with another size.
type resized struct {
	fs.FileInfo
	size int64
}

func (r resized) Size() int64 { return r.size }

// Stat returns the FileInfo the file was opened with.
func (s *sizedFile) Stat() (fs.FileInfo, error) { return s.fi, nil }

// Close closes the file.
func (s *sizedFile) Close() error { return s.f.Close() }

// SyscallConn hands over the descriptor, which is what makes the net
// package send the file with sendfile(2) from the file's own offset: that
// offset is set to the one kept first. From then on the file's own offset
// is the truth, as the caller moves it.
func (s *sizedFile) SyscallConn() (syscall.RawConn, error) {
	if !s.direct {
		if err := s.sync(); err != nil {
			return nil, err
		}
	}
	s.direct = true
	return s.f.SyscallConn()
}

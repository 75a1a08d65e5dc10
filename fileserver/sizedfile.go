package fileserver

import (
	"io"
	"io/fs"
	"os"
	"syscall"
)

// sizedFile is an open regular file that knows its size: the one of the
// fstat(2) whose modification time and size the response's headers carry.
// http.ServeContent learns a file's size by seeking to its end and back,
// and the command checks that a file can go out with sendfile(2) by
// another fstat: three system calls on every response sent from disk.
// sizedFile answers them from that one stat. Its Seek only moves the
// offset it keeps; the file's own offset follows when it is next needed,
// by a Read or by the sendfile that SyscallConn hands the descriptor to.
//
// The sizes agree by construction: a file that grows or shrinks after
// its fstat is sent as that stat saw it, as far as it still can be, which
// is what its Content-Length, Last-Modified and ETag say.
type sizedFile struct {
	f  *os.File
	fi fs.FileInfo

	off    int64 // where the next Read starts
	synced bool  // the file's own offset is off
	direct bool  // the descriptor went to a caller: the file's own offset rules
}

// newSizedFile wraps f, open on a regular file, and fi, the FileInfo of
// f's own Stat. Its offset is f's: the start, for a file just opened.
func newSizedFile(f *os.File, fi fs.FileInfo) *sizedFile {
	return &sizedFile{f: f, fi: fi, synced: true}
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
			s.off = abs
		}
		return abs, err
	}
	if abs < 0 { // as lseek(2) answers
		return 0, &fs.PathError{Op: "seek", Path: s.f.Name(), Err: syscall.EINVAL}
	}
	if abs != s.off {
		s.off, s.synced = abs, false
	}
	return abs, nil
}

// sync moves the file's own offset to the one kept.
func (s *sizedFile) sync() error {
	if s.synced {
		return nil
	}
	if _, err := s.f.Seek(s.off, io.SeekStart); err != nil {
		return err
	}
	s.synced = true
	return nil
}

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

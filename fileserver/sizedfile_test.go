package fileserver

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// openSized opens name as serveFile does: the file, and its own stat.
func openSized(t *testing.T, name string) *sizedFile {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return newSizedFile(f, fi)
}

// TestSizedFileActsAsFile: any sequence of reads and seeks gives through
// sizedFile what it gives on the *os.File itself: the same offsets, the
// same bytes, an error where the file gives one.
func TestSizedFileActsAsFile(t *testing.T) {
	content := make([]byte, 3000)
	for i := range content {
		content[i] = byte(i * 7)
	}
	name := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(name, content, 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for seq := 0; seq < 200; seq++ {
		plain, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sized := openSized(t, name)
		var ops []string
		for step := 0; step < 12; step++ {
			var op string
			var want, got string
			if rng.IntN(2) == 0 {
				buf1 := make([]byte, rng.IntN(1200))
				buf2 := make([]byte, len(buf1))
				op = fmt.Sprintf("read %d", len(buf1))
				n1, err1 := plain.Read(buf1)
				n2, err2 := sized.Read(buf2)
				want = fmt.Sprintf("%d bytes, error %v: %q", n1, err1 != nil, buf1[:n1])
				got = fmt.Sprintf("%d bytes, error %v: %q", n2, err2 != nil, buf2[:n2])
			} else {
				whence := rng.IntN(6) // 3 and 4 are SEEK_DATA and SEEK_HOLE, 5 none
				off := int64(rng.IntN(4000) - 1000)
				op = fmt.Sprintf("seek %d %d", off, whence)
				o1, err1 := plain.Seek(off, whence)
				o2, err2 := sized.Seek(off, whence)
				if err1 != nil {
					o1 = -1
				}
				if err2 != nil {
					o2 = -1
				}
				want, got = fmt.Sprint(o1), fmt.Sprint(o2)
			}
			ops = append(ops, op)
			if got != want {
				t.Fatalf("after %q: sizedFile gives %.80s, the file %.80s", ops, got, want)
			}
		}
		plain.Close()
	}
}

// TestSizedFileSize: the size a seek to the end gives is the stat's, not
// what the file has grown to since: the one its Content-Length,
// Last-Modified and ETag were made from. A read still reads the file.
func TestSizedFileSize(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(name, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openSized(t, name)
	af, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	af.WriteString("grown")
	af.Close()
	if end, err := s.Seek(0, io.SeekEnd); end != 10 || err != nil {
		t.Errorf("Seek(0, SeekEnd) = %d, %v; want 10 (the stat's size)", end, err)
	}
	if fi, _ := s.Stat(); fi.Size() != 10 {
		t.Errorf("Stat().Size() = %d, want 10", fi.Size())
	}
	s.Seek(8, io.SeekStart)
	if b, _ := io.ReadAll(s); string(b) != "89grown" {
		t.Errorf("read from 8: %q, want %q", b, "89grown")
	}
}

// TestSizedFileSyscallConn: the descriptor handed to sendfile(2) stands
// at the offset sizedFile kept, however the seeks before got there; after
// that, seeks and reads go to the file, which sendfile moved.
func TestSizedFileSyscallConn(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(name, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openSized(t, name)
	buf := make([]byte, 4)
	s.Read(buf)                // the file's offset: 4
	s.Seek(0, io.SeekEnd)      // kept: 10
	s.Seek(-7, io.SeekCurrent) // kept: 3
	var sc syscall.Conn = s
	if _, err := sc.SyscallConn(); err != nil {
		t.Fatal(err)
	}
	// The descriptor's offset is the *os.File's own.
	if off, err := s.f.Seek(0, io.SeekCurrent); off != 3 || err != nil {
		t.Fatalf("descriptor's offset %d, %v; want 3", off, err)
	}
	s.f.Seek(6, io.SeekStart) // as a sendfile of 3 bytes leaves it
	if off, _ := s.Seek(0, io.SeekCurrent); off != 6 {
		t.Errorf("after the descriptor moved: Seek(0, SeekCurrent) = %d, want 6", off)
	}
	if b, _ := io.ReadAll(s); !bytes.Equal(b, []byte("6789")) {
		t.Errorf("read after the descriptor moved: %q, want %q", b, "6789")
	}
}

// TestSizedFileSeeksOnlyWhenNeeded: the file's own offset is moved only
// when a read or the descriptor needs it somewhere else. ServeContent's
// seek to the end and back before a whole file goes out costs no
// lseek(2); a seek to another place costs one, once.
func TestSizedFileSeeksOnlyWhenNeeded(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(name, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	steps := []struct {
		do     func(s *sizedFile)
		lseeks int
		read   string // what a 4-byte read gives after the step
	}{
		{func(s *sizedFile) { s.Seek(0, io.SeekEnd); s.Seek(0, io.SeekStart) }, 0, "0123"},
		{func(s *sizedFile) { s.Seek(0, io.SeekEnd); s.Seek(-6, io.SeekEnd) }, 0, "4567"},
		{func(s *sizedFile) { s.Seek(2, io.SeekStart) }, 1, "2345"},
		{func(s *sizedFile) { s.Seek(1, io.SeekStart); s.Seek(6, io.SeekStart) }, 0, "6789"},
	}
	s := openSized(t, name)
	total := 0
	for i, st := range steps {
		st.do(s)
		n, _ := s.Read(buf)
		total += st.lseeks
		if string(buf[:n]) != st.read || s.lseeks != total {
			t.Errorf("step %d: read %q after %d lseeks in all, want %q after %d", i, buf[:n], s.lseeks, st.read, total)
		}
	}
	// The descriptor handed over stands where the reads left it, without
	// a seek.
	s.Seek(10, io.SeekStart)
	s.Seek(0, io.SeekCurrent)
	s.Seek(-10, io.SeekCurrent)
	s.Seek(0, io.SeekEnd)
	if _, err := s.SyscallConn(); err != nil {
		t.Fatal(err)
	}
	if off, _ := s.f.Seek(0, io.SeekCurrent); off != 10 || s.lseeks != total {
		t.Errorf("descriptor at %d after %d lseeks, want 10 after %d", off, s.lseeks, total)
	}
}

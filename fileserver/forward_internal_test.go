package fileserver

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestForwardReader(t *testing.T) {
	data := strings.Repeat("abcdefghij", 1000) // 10,000 bytes
	read := func(f *forwardReader, n int) string {
		t.Helper()
		b := make([]byte, n)
		k, err := io.ReadFull(f, b)
		if err != nil {
			t.Fatalf("read %d: %v after %d", n, err, k)
		}
		return string(b)
	}

	// Sniffing: read the start, back to it, then everything.
	f := newForwardReader(plainReader{strings.NewReader(data)}, int64(len(data)))
	if got := read(f, 100); got != data[:100] {
		t.Fatalf("start %q", got)
	}
	if end, err := f.Seek(0, io.SeekEnd); end != 10000 || err != nil {
		t.Fatalf("Seek to the end: %d, %v", end, err)
	}
	if pos, err := f.Seek(0, io.SeekStart); pos != 0 || err != nil {
		t.Fatalf("Seek back to the start within the kept head: %d, %v", pos, err)
	}
	var all bytes.Buffer
	if _, err := io.Copy(&all, f); err != nil || all.String() != data {
		t.Fatalf("whole: %d bytes, %v", all.Len(), err)
	}
	if _, err := f.Seek(0, io.SeekStart); !errors.Is(err, errSeekBack) {
		t.Errorf("Seek back past the kept head: %v, want errSeekBack", err)
	}

	// A range: forward to its start, by reading.
	f = newForwardReader(plainReader{strings.NewReader(data)}, int64(len(data)))
	if _, err := f.Seek(7000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got := read(f, 5); got != data[7000:7005] {
		t.Errorf("range: %q, want %q", got, data[7000:7005])
	}
	if _, err := f.Seek(10, io.SeekStart); !errors.Is(err, errSeekBack) {
		t.Errorf("Seek back after a skip: %v, want errSeekBack", err)
	}
	if pos, err := f.Seek(1000, io.SeekCurrent); pos != 8005 || err != nil {
		t.Errorf("Seek forward from the current position: %d, %v", pos, err)
	}
	if got := read(f, 3); got != data[8005:8008] {
		t.Errorf("after a second skip: %q", got)
	}

	// A stream shorter than its stat said ends the skip with an error.
	f = newForwardReader(plainReader{strings.NewReader("short")}, 100)
	f.Seek(50, io.SeekStart)
	if _, err := f.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("skip past the end of a short stream: %v, want EOF", err)
	}
}

// plainReader hides every method of its reader but Read.
type plainReader struct{ r io.Reader }

func (p plainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

// FuzzForwardReader drives a forwardReader with a script of reads and
// seeks over data, against a bytes.Reader of the same data: every seek
// it takes lands where the bytes.Reader's does and every read gives the
// same bytes; the only seeks it refuses go back past what it kept.
func FuzzForwardReader(f *testing.F) {
	f.Add([]byte("hello, world"), []byte{0, 5, 1, 0, 0, 3, 2, 7})
	f.Add(bytes.Repeat([]byte("0123456789"), 500), []byte{0, 200, 1, 0, 0, 255, 2, 40, 0, 10})
	f.Fuzz(func(t *testing.T, data, script []byte) {
		fr := newForwardReader(plainReader{bytes.NewReader(data)}, int64(len(data)))
		ref := bytes.NewReader(data)
		for i := 0; i+1 < len(script); i += 2 {
			arg := int64(script[i+1]) * 37 // reach past the 4 KiB head
			switch script[i] % 4 {
			case 0: // read
				a, b := make([]byte, arg%5000), make([]byte, arg%5000)
				na, errA := io.ReadFull(fr, a)
				nb, _ := io.ReadFull(ref, b)
				if na != nb || !bytes.Equal(a[:na], b[:nb]) {
					t.Fatalf("step %d: read %d bytes %q, want %d", i/2, na, a[:min(na, 20)], nb)
				}
				if errA != nil && errA != io.EOF && errA != io.ErrUnexpectedEOF {
					t.Fatalf("step %d: read error %v", i/2, errA)
				}
			case 1, 2, 3: // seek from the start, the current position or the end
				whence := int(script[i]%4) - 1
				off := arg
				if whence == io.SeekEnd {
					off = -arg
				}
				prev, _ := ref.Seek(0, io.SeekCurrent)
				want, errRef := ref.Seek(off, whence)
				got, err := fr.Seek(off, whence)
				if errRef != nil {
					if err == nil {
						t.Fatalf("step %d: Seek(%d, %d) = %d, want an error", i/2, off, whence, got)
					}
					continue
				}
				if err != nil {
					if !errors.Is(err, errSeekBack) || want >= fr.n {
						t.Fatalf("step %d: Seek(%d, %d): %v, want %d", i/2, off, whence, err, want)
					}
					ref.Seek(prev, io.SeekStart) // refused: stay
					continue
				}
				if got != want {
					t.Fatalf("step %d: Seek(%d, %d) = %d, want %d", i/2, off, whence, got, want)
				}
			}
		}
	})
}

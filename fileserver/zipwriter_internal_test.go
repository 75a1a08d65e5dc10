package fileserver

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"testing"
	"time"
)

// TestZipWriterManyEntries writes more entries than the 16 bits of the
// end record count: the ZIP64 end record and its locator carry the
// count, the end record says 0xFFFF, and archive/zip reads every entry,
// its content and its comment.
func TestZipWriterManyEntries(t *testing.T) {
	var buf bytes.Buffer
	z := newZipWriter(&buf)
	mt := time.Date(2020, 5, 17, 12, 34, 56, 0, time.UTC)
	const n = 1<<16 + 10
	if _, err := z.create("top/", fs.ModeDir|0o755, mt, false, 0); err != nil {
		t.Fatal(err)
	}
	for i := range n - 1 {
		w, err := z.create(fmt.Sprintf("top/f%05d", i), 0o644, mt, i%1000 != 0, 2) // a few deflated
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, fmt.Sprintf("%02d", i%100))
	}
	z.comment = "the comment"
	if err := z.close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	end := b[len(b)-22-len(z.comment):]
	if binary.LittleEndian.Uint32(end) != zipEndSig || binary.LittleEndian.Uint16(end[10:]) != 0xFFFF {
		t.Errorf("end record %x: want its count 0xFFFF", end[:22])
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != n || zr.Comment != z.comment {
		t.Fatalf("%d entries, comment %q; want %d and %q", len(zr.File), zr.Comment, n, z.comment)
	}
	for i, f := range zr.File[1:] {
		if i%9973 != 0 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if want := fmt.Sprintf("%02d", i%100); err != nil || string(got) != want || !f.Modified.Equal(mt) || f.Mode() != 0o644 {
			t.Errorf("%s: %q %v %v %v, want %q", f.Name, got, err, f.Modified, f.Mode(), want)
		}
	}
}

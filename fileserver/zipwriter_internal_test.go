package fileserver

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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

// sparseZip is a zip file written from a given offset on, with zeros
// before it: the entries at offsets near 4 GiB without writing 4 GiB.
// Runs of zeros written (the content of big files) are kept as holes.
type sparseZip struct {
	start int64
	parts []sparsePart // in order, after start
	n     int64        // the size of the whole file
}

type sparsePart struct {
	off int64
	b   []byte
}

var zipZeros = make([]byte, 1<<20)

func (s *sparseZip) Write(p []byte) (int, error) {
	if s.n < s.start {
		s.n = s.start
	}
	if !(len(p) >= 4096 && bytes.Equal(p, zipZeros[:min(len(p), len(zipZeros))])) {
		if k := len(s.parts) - 1; k >= 0 && s.parts[k].off+int64(len(s.parts[k].b)) == s.n {
			s.parts[k].b = append(s.parts[k].b, p...)
		} else {
			s.parts = append(s.parts, sparsePart{s.n, bytes.Clone(p)})
		}
	}
	s.n += int64(len(p))
	return len(p), nil
}

func (s *sparseZip) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.n {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.n-off)
	clear(p[:n])
	for _, part := range s.parts {
		lo, hi := max(off, part.off), min(off+n, part.off+int64(len(part.b)))
		if lo < hi {
			copy(p[lo-off:hi-off], part.b[lo-part.off:hi-part.off])
		}
	}
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}

// zipLayout is what a zip file says of itself, read field by field.
type zipLayout struct {
	end64                bool   // the ZIP64 end record and locator are there
	records              uint16 // in the end record
	cdSize, cdOffset     uint32 // in the end record
	records64            uint64 // in the ZIP64 end record
	cdSize64, cdOffset64 uint64
	entries              []zipLayoutEntry
}

type zipLayoutEntry struct {
	version, localVersion uint16
	csize, usize, offset  uint32 // the central header's fields
	z64                   []uint64
	localZ64              []byte // the local header's ZIP64 field, if any
	localSizes            [3]uint32
	descriptor            []byte // 16 or 24 bytes
}

// readZipLayout reads the records of the zip file r (of size n) that
// ZIP64 concerns, as APPNOTE 4.3 lays them out.
func readZipLayout(t *testing.T, r io.ReaderAt, n int64, commentLen int) zipLayout {
	t.Helper()
	read := func(off int64, size int) []byte {
		b := make([]byte, size)
		if _, err := r.ReadAt(b, off); err != nil {
			t.Fatalf("reading %d bytes at %d: %v", size, off, err)
		}
		return b
	}
	le16, le32, le64 := binary.LittleEndian.Uint16, binary.LittleEndian.Uint32, binary.LittleEndian.Uint64
	var l zipLayout
	endOff := n - 22 - int64(commentLen)
	end := read(endOff, 22)
	if le32(end) != zipEndSig {
		t.Fatalf("no end record at %d", endOff)
	}
	l.records, l.cdSize, l.cdOffset = le16(end[10:]), le32(end[12:]), le32(end[16:])
	cdOff, count := int64(l.cdOffset), uint64(l.records)
	if endOff >= 20 {
		if loc := read(endOff-20, 20); le32(loc) == zipEnd64LocSig {
			l.end64 = true
			e64 := read(int64(le64(loc[8:])), 56)
			if le32(e64) != zipEnd64Sig || le64(e64[4:]) != 44 || le16(e64[12:]) != zipVersion45 || le16(e64[14:]) != zipVersion45 ||
				le64(e64[24:]) != le64(e64[32:]) || int64(le64(loc[8:]))+56 != endOff-20 || le32(loc[16:]) != 1 {
				t.Errorf("ZIP64 end record %x, locator %x", e64, loc)
			}
			l.records64, l.cdSize64, l.cdOffset64 = le64(e64[32:]), le64(e64[40:]), le64(e64[48:])
			cdOff, count = int64(l.cdOffset64), l.records64
		}
	}
	for range count {
		h := read(cdOff, 46)
		if le32(h) != zipCentralSig {
			t.Fatalf("no central header at %d", cdOff)
		}
		nameLen, extraLen := int64(le16(h[28:])), int(le16(h[30:]))
		e := zipLayoutEntry{version: le16(h[6:]), csize: le32(h[20:]), usize: le32(h[24:]), offset: le32(h[42:])}
		if z64, ok := zip64FieldOf(read(cdOff+46+nameLen, extraLen)); ok {
			for ; len(z64) >= 8; z64 = z64[8:] {
				e.z64 = append(e.z64, le64(z64))
			}
			if len(z64) != 0 {
				t.Errorf("central ZIP64 field of %d bytes", len(e.z64)*8+len(z64))
			}
		}
		cdOff += 46 + nameLen + int64(extraLen)
		// The local header: where the central one says, from its
		// ZIP64 field when the offset is 0xFFFFFFFF.
		loff := int64(e.offset)
		if e.offset == math.MaxUint32 && len(e.z64) > 0 {
			loff = int64(e.z64[len(e.z64)-1])
		}
		lh := read(loff, 30)
		if le32(lh) != zipLocalSig {
			t.Fatalf("no local header at %d", loff)
		}
		e.localVersion = le16(lh[4:])
		e.localSizes = [3]uint32{le32(lh[14:]), le32(lh[18:]), le32(lh[22:])}
		lname, lextra := int64(le16(lh[26:])), int(le16(lh[28:]))
		if z64, ok := zip64FieldOf(read(loff+30+lname, lextra)); ok {
			e.localZ64 = z64
		}
		if le16(lh[6:])&zipFlagDescriptor != 0 {
			csize := uint64(e.csize)
			if e.csize == math.MaxUint32 {
				csize = e.z64[0]
				if e.usize == math.MaxUint32 {
					csize = e.z64[1]
				}
			}
			dlen := 16
			if e.localZ64 != nil {
				dlen = 24
			}
			e.descriptor = read(loff+30+lname+int64(lextra)+int64(csize), dlen)
		}
		l.entries = append(l.entries, e)
	}
	return l
}

// zip64FieldOf returns the data of the ZIP64 field (0x0001) in extra.
func zip64FieldOf(extra []byte) ([]byte, bool) {
	for len(extra) >= 4 {
		id, size := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+size > len(extra) {
			return nil, false
		}
		if id == 0x0001 {
			return extra[4 : 4+size], true
		}
		extra = extra[4+size:]
	}
	return nil, false
}

// checkZip64Entry checks an entry's records against APPNOTE 4.3.9 and
// 4.5.3, given its sizes and offset: in the central header, when any of
// them does not fit in 32 bits (0xFFFFFFFF included, which marks the
// others), all three are 0xFFFFFFFF and in the ZIP64 field, in the order
// uncompressed size, compressed size, offset; the local header of a file
// that got the field (zip64) has both sizes there, whose values are
// known only for a stored file (zero for the others, before the
// descriptor), and the descriptor's sizes are then 64 bits; version 4.5
// wherever a ZIP64 field is.
//
// unzip 6.0 needs all three: it takes a ZIP64 field's values for each
// of the entry's fields that is 0xFFFFFFFF, or was in the entry before
// it, so that after a file of 0xFFFFFFFF bytes it read the next entry's
// offset as its size; and for a size of 0xFFFFFFFF it takes the local
// field's value, where zero made a stored file empty.
func checkZip64Entry(t *testing.T, name string, e zipLayoutEntry, zip64, stored bool, usize, csize, offset uint64) {
	t.Helper()
	var want []uint64
	wantFields := [3]uint32{uint32(usize), uint32(csize), uint32(offset)}
	if usize >= math.MaxUint32 || csize >= math.MaxUint32 || offset >= math.MaxUint32 {
		want = []uint64{usize, csize, offset}
		wantFields = [3]uint32{math.MaxUint32, math.MaxUint32, math.MaxUint32}
	}
	if got := [3]uint32{e.usize, e.csize, e.offset}; got != wantFields {
		t.Errorf("%s: central sizes and offset %#x, want %#x", name, got, wantFields)
	}
	if !slices.Equal(e.z64, want) {
		t.Errorf("%s: central ZIP64 field %d, want %d", name, e.z64, want)
	}
	wantVersion := uint16(zipVersion20)
	if len(want) > 0 || zip64 {
		wantVersion = zipVersion45
	}
	if e.version != wantVersion || e.localVersion != wantVersion {
		t.Errorf("%s: version needed %d (local %d), want %d", name, e.version, e.localVersion, wantVersion)
	}
	var wantLocal []byte
	if zip64 {
		wantLocal = make([]byte, 16)
		if stored {
			binary.LittleEndian.PutUint64(wantLocal, usize)
			binary.LittleEndian.PutUint64(wantLocal[8:], csize)
		}
	}
	if !bytes.Equal(e.localZ64, wantLocal) {
		t.Errorf("%s: local ZIP64 field %x, want %x", name, e.localZ64, wantLocal)
	}
	if e.localSizes != [3]uint32{} {
		t.Errorf("%s: local CRC and sizes %x, want zeros before a descriptor", name, e.localSizes)
	}
	if e.descriptor == nil {
		return
	}
	le32, le64 := binary.LittleEndian.Uint32, binary.LittleEndian.Uint64
	d := e.descriptor
	if le32(d) != zipDescriptorSig {
		t.Errorf("%s: descriptor %x", name, d)
	} else if zip64 && (le64(d[8:]) != csize || le64(d[16:]) != usize) {
		t.Errorf("%s: 64-bit descriptor %x, want sizes %d, %d", name, d, csize, usize)
	} else if !zip64 && (uint64(le32(d[8:])) != csize || uint64(le32(d[12:])) != usize) {
		t.Errorf("%s: descriptor %x, want sizes %d, %d", name, d, csize, usize)
	}
}

// TestZipWriterZip64Offsets writes three small files from offsets around
// 4 GiB (the bytes before are zeros, not written): each local header and
// the central directory fall just under, at and over 0xFFFFFFFF in turn.
// From an offset of 0xFFFFFFFF on, the entry's central ZIP64 field
// holds it with both sizes, and the central directory's in the ZIP64 end record; archive/zip
// reads every file back.
func TestZipWriterZip64Offsets(t *testing.T) {
	const entryLen = 30 + 1 + 9 + 3 + 16 // header, name, time, data, descriptor
	for start := int64(math.MaxUint32 - 3*entryLen - 2); start <= math.MaxUint32+1; start++ {
		s := &sparseZip{start: start}
		z := newZipWriter(s)
		z.off = uint64(start)
		mt := time.Date(2020, 5, 17, 12, 34, 56, 0, time.UTC)
		for _, name := range []string{"a", "b", "c"} {
			w, err := z.create(name, 0o644, mt, true, 3)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, name+name+name)
		}
		if err := z.close(); err != nil {
			t.Fatal(err)
		}
		l := readZipLayout(t, s, s.n, 0)
		for i, e := range l.entries {
			checkZip64Entry(t, fmt.Sprintf("from %d, entry %d", start, i), e, false, true, 3, 3, uint64(start)+uint64(i)*entryLen)
		}
		cdOffset := uint64(start) + 3*entryLen
		if want := cdOffset >= math.MaxUint32; l.end64 != want || l.cdOffset != uint32(min(cdOffset, math.MaxUint32)) || (want && (l.cdOffset64 != cdOffset || l.records64 != 3)) {
			t.Errorf("from %d: central directory at %d: ZIP64 end %v (%d entries, at %d), end record's offset %#x", start, cdOffset, l.end64, l.records64, l.cdOffset64, l.cdOffset)
		}
		zr, err := zip.NewReader(s, s.n)
		if err != nil {
			t.Fatalf("from %d: %v", start, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != strings.Repeat(f.Name, 3) {
				t.Errorf("from %d: %s: %q, %v", start, f.Name, b, err)
			}
		}
	}
}

// TestZipWriterZip64Count writes 65,534, 65,535 and 65,536 entries: from
// 65,535 (0xFFFF, which marks the ZIP64 end record's count as the one to
// read) the count is in the ZIP64 end record.
func TestZipWriterZip64Count(t *testing.T) {
	mt := time.Date(2020, 5, 17, 12, 34, 56, 0, time.UTC)
	for _, n := range []int{math.MaxUint16 - 1, math.MaxUint16, math.MaxUint16 + 1} {
		var buf bytes.Buffer
		z := newZipWriter(&buf)
		for i := range n {
			if _, err := z.create(fmt.Sprintf("d%05d/", i), fs.ModeDir|0o755, mt, false, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := z.close(); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		l := readZipLayout(t, bytes.NewReader(b), int64(len(b)), 0)
		zip64 := n >= math.MaxUint16
		if l.end64 != zip64 || l.records != uint16(min(n, math.MaxUint16)) || (zip64 && l.records64 != uint64(n)) || len(l.entries) != n {
			t.Errorf("%d entries: ZIP64 end %v (count %d), end record's count %#x, %d read", n, l.end64, l.records64, l.records, len(l.entries))
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil || len(zr.File) != n {
			t.Errorf("%d entries: archive/zip: %v", n, err)
		}
	}
}

// TestZipWriterZip64Local lowers the size from which a file gets a ZIP64
// field in its local header, to write files just under, at and over it,
// stored and deflated, without writing 4 GiB: from it on, the local
// header has the field with both sizes, the descriptor's sizes are 64
// bits, the version needed is 4.5, and the central header, whose values
// all fit, has no ZIP64 field; the local field has the sizes of a
// stored file, and zeros for a deflated one. archive/zip reads them back, and so do
// unzip, zipinfo, 7z, bsdtar and Python where they are installed.
func TestZipWriterZip64Local(t *testing.T) {
	var buf bytes.Buffer
	z := newZipWriter(&buf)
	z.zip64From = 100
	mt := time.Date(2020, 5, 17, 12, 34, 56, 0, time.UTC)
	var es []zipTestEntry
	for _, size := range []int{99, 100, 101} {
		for _, store := range []bool{true, false} {
			content := bytes.Repeat([]byte{byte(size)}, size)
			es = append(es, zipTestEntry{name: fmt.Sprintf("top/f%d-%v", size, store), mode: 0o644, mtime: mt, store: store, content: content})
		}
	}
	es = append(es, zipTestEntry{name: "top/", mode: fs.ModeDir | 0o755, mtime: mt})
	if err := writeZipTest(z, es, "c"); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	checkZipRead(t, b, es, "c")
	l := readZipLayout(t, bytes.NewReader(b), int64(len(b)), 1)
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	offset := uint64(0)
	for i, e := range l.entries {
		f := zr.File[i]
		zip64 := len(es[i].content) >= 100
		checkZip64Entry(t, f.Name, e, zip64, es[i].store, f.UncompressedSize64, f.CompressedSize64, offset)
		offset += 30 + uint64(len(f.Name)) + 9 + f.CompressedSize64 + 16
		if zip64 {
			offset += 20 + 8
		}
	}
	checkZipTools(t, b)
}

// checkZipTools tests zip file b with each of the system's zip readers
// that is installed: unzip -t, zipinfo -v, 7z t, bsdtar -tvf (from the
// file, and streamed, when it reads the local headers and descriptors)
// and Python's zipfile; none may fail or warn.
func checkZipTools(t *testing.T, b []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "t.zip")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"unzip", "-t", file}, {"zipinfo", "-v", file}, {"7z", "t", file}, {"bsdtar", "-tvf", file},
		{"sh", "-c", `bsdtar -xOf - <"$1" >/dev/null`, "sh", file}, {"python3", "-m", "zipfile", "-t", file},
	} {
		tool := c[0]
		if tool == "sh" {
			tool = "bsdtar"
		}
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("%s not installed", tool)
			continue
		}
		out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
		if err != nil || bytes.Contains(bytes.ToLower(out), []byte("warning")) || bytes.Contains(out, []byte("ERROR")) {
			t.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
}

// TestZipWriterZip64Sizes writes stored files of 0xFFFFFFFE, 0xFFFFFFFF
// (the most FAT32 can hold) and 0x100000000 bytes (1 MiB of "x", then
// zeros, kept as holes, not in memory), each followed by a small file
// and a directory, and checks their records field by field; archive/zip
// reads them back, and so does unzip where it is installed (for the
// file of 0xFFFFFFFF bytes, which unzip 6.0 found empty, with a bad CRC,
// and whose next entries it could not find). Skipped with -short: it
// computes the CRC of 12 GiB, and unzip reads 4 GiB.
func TestZipWriterZip64Sizes(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 12 GiB")
	}
	mt := time.Date(2020, 5, 17, 12, 34, 56, 0, time.UTC)
	head := bytes.Repeat([]byte("x"), 1<<20)
	for _, size := range []uint64{math.MaxUint32 - 1, math.MaxUint32, math.MaxUint32 + 1} {
		s := &sparseZip{}
		z := newZipWriter(s)
		w, err := z.create("big", 0o644, mt, true, int64(size))
		if err != nil {
			t.Fatal(err)
		}
		crc := crc32.ChecksumIEEE(head)
		w.Write(head)
		for n := size - uint64(len(head)); n > 0; {
			k := min(n, uint64(len(zipZeros)))
			crc = crc32.Update(crc, crc32.IEEETable, zipZeros[:k])
			if _, err := w.Write(zipZeros[:k]); err != nil {
				t.Fatal(err)
			}
			n -= k
		}
		w, err = z.create("small", 0o644, mt, false, 3)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "abc")
		if _, err := z.create("d/", fs.ModeDir|0o755, mt, false, 0); err != nil {
			t.Fatal(err)
		}
		if err := z.close(); err != nil {
			t.Fatal(err)
		}
		l := readZipLayout(t, s, s.n, 0)
		zr, err := zip.NewReader(s, s.n)
		if err != nil {
			t.Fatal(err)
		}
		smallAt := 30 + 3 + 29 + size + 24
		checkZip64Entry(t, fmt.Sprintf("%d bytes", size), l.entries[0], true, true, size, size, 0)
		checkZip64Entry(t, fmt.Sprintf("after %d bytes", size), l.entries[1], false, false, 3, zr.File[1].CompressedSize64, smallAt)
		checkZip64Entry(t, fmt.Sprintf("directory after %d bytes", size), l.entries[2], false, false, 0, 0, smallAt+30+5+9+zr.File[1].CompressedSize64+16)
		if zr.File[0].UncompressedSize64 != size || zr.File[0].CRC32 != crc {
			t.Errorf("%d bytes: read as %d bytes, CRC %#x, want %#x", size, zr.File[0].UncompressedSize64, zr.File[0].CRC32, crc)
		}
		rc, err := zr.File[1].Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != "abc" {
			t.Errorf("after %d bytes: %q, %v", size, b, err)
		}
		if _, err := exec.LookPath("unzip"); err != nil || size != math.MaxUint32 {
			continue
		}
		file := filepath.Join(t.TempDir(), "big.zip")
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range s.parts {
			f.WriteAt(part.b, part.off)
		}
		f.Truncate(s.n)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("unzip", "-t", file).CombinedOutput(); err != nil || bytes.Contains(out, []byte("warning")) {
			t.Errorf("unzip -t: %v\n%s", err, out)
		}
	}
}

// failAfter is a client that takes n bytes, then fails.
type failAfter struct{ n int }

var errClientGone = errors.New("client gone")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errClientGone
	}
	f.n -= len(p)
	return len(p), nil
}

// TestZipWriterClientError: a client that fails at any byte of a zip,
// mid-entry, in a descriptor or in the central directory, fails every
// later call, close included, so that the download is never taken for a
// finished one (archive.go then cuts the response).
func TestZipWriterClientError(t *testing.T) {
	mt := time.Date(2020, 5, 17, 12, 34, 56, 0, time.UTC)
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<12) // 64 KiB, more than the buffer
	write := func(z *zipWriter) error {
		for _, store := range []bool{false, true} {
			w, err := z.create(fmt.Sprintf("f%v", store), 0o644, mt, store, int64(len(content)))
			if err != nil {
				return err
			}
			if _, err := w.Write(content); err != nil {
				return err
			}
		}
		z.comment = "c"
		return z.close()
	}
	var full bytes.Buffer
	if err := write(newZipWriter(&full)); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < full.Len(); n += 1 + n/8 {
		z := newZipWriter(&failAfter{n})
		err := write(z)
		if !errors.Is(err, errClientGone) {
			t.Errorf("failing after %d of %d bytes: %v, want the client's error", n, full.Len(), err)
			continue
		}
		if err := z.close(); !errors.Is(err, errClientGone) {
			t.Errorf("failing after %d bytes: close again: %v, want the client's error", n, err)
		}
	}
}

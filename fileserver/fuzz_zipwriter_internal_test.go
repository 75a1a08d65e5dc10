package fileserver

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"testing"
	"time"
)

// zipTestEntry is an entry for the zip writer's tests: a directory when
// mode has fs.ModeDir, else a file with content, stored or deflated.
type zipTestEntry struct {
	name    string
	mode    fs.FileMode
	mtime   time.Time
	store   bool
	content []byte
}

// zipTestEntries decodes fuzz input into entries: for each, a kind byte,
// a name (its length in one byte, or two when the kind says so), a
// mode, a time (seconds and a zone, both of any range) and content
// (random bytes, or a run of one byte, compressible).
func zipTestEntries(data []byte) []zipTestEntry {
	take := func(n int) []byte {
		n = min(n, len(data))
		b := data[:n]
		data = data[n:]
		return b
	}
	num := func(n int) uint64 {
		var v uint64
		for _, c := range take(n) {
			v = v<<8 | uint64(c)
		}
		return v
	}
	var es []zipTestEntry
	for len(data) > 0 && len(es) < 64 {
		kind := num(1)
		nlen := int(num(1))
		if kind&0x10 != 0 {
			nlen = int(num(2))
		}
		e := zipTestEntry{name: string(take(nlen)), mode: fs.FileMode(num(2)) & fs.ModePerm, store: kind&1 != 0}
		zone := time.FixedZone("", int(int8(num(1)))*15*60)
		e.mtime = time.Unix(int64(num(8)), 0).In(zone)
		switch {
		case kind&6 == 0:
			e.mode |= fs.ModeDir
		case kind&8 != 0:
			e.content = bytes.Repeat([]byte{byte(kind)}, int(num(2)))
		default:
			e.content = bytes.Clone(take(int(num(1))))
		}
		// As the folder downloads name them: a directory's name ends in
		// a slash, a file's does not.
		if dir, slash := e.mode&fs.ModeDir != 0, len(e.name) > 0 && e.name[len(e.name)-1] == '/'; dir && !slash {
			e.name += "/"
		} else if !dir && slash {
			e.name += "_"
		}
		es = append(es, e)
	}
	return es
}

// writeZipTest writes es with the zip writer, and the comment.
func writeZipTest(z *zipWriter, es []zipTestEntry, comment string) error {
	for _, e := range es {
		w, err := z.create(e.name, e.mode, e.mtime, e.store, int64(len(e.content)))
		if err != nil {
			return err
		}
		if w != nil {
			if _, err := w.Write(e.content); err != nil {
				return err
			}
		}
	}
	z.comment = comment
	return z.close()
}

// writeArchiveZip writes es as the folder downloads did with
// archive/zip's Writer, before zipWriter replaced it.
func writeArchiveZip(w io.Writer, es []zipTestEntry, comment string) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, newPooledFlate)
	for _, e := range es {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		dosMin := time.Date(1980, 1, 1, 0, 0, 0, 0, e.mtime.Location())
		if !e.mtime.Before(dosMin) && e.mtime.Unix() <= math.MaxUint32 {
			fh.Modified = e.mtime
		} else {
			ut := min(max(e.mtime.Unix(), 0), math.MaxUint32)
			dos := time.Unix(ut, 0).In(e.mtime.Location())
			if dos.Before(dosMin) {
				dos = dosMin
			}
			//lint:ignore SA1019 Modified cannot hold two times
			fh.ModifiedDate = uint16(dos.Day() + int(dos.Month())<<5 + (dos.Year()-1980)<<9)
			//lint:ignore SA1019 see above
			fh.ModifiedTime = uint16(dos.Second()/2 + dos.Minute()<<5 + dos.Hour()<<11)
			fh.Extra = binary.LittleEndian.AppendUint32([]byte{0x55, 0x54, 5, 0, 1}, uint32(ut))
		}
		if e.mode&fs.ModeDir != 0 || e.store {
			fh.Method = zip.Store
		}
		fh.SetMode(e.mode)
		fw, err := zw.CreateHeader(fh)
		if err != nil {
			return err
		}
		if e.mode&fs.ModeDir == 0 {
			if _, err := fw.Write(e.content); err != nil {
				return err
			}
		}
	}
	zw.SetComment(comment)
	return zw.Close()
}

// checkZipRead reads zip file b back with archive/zip and compares every
// field of every entry with what was written.
func checkZipRead(t *testing.T, b []byte, es []zipTestEntry, comment string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Comment != comment || len(zr.File) != len(es) {
		t.Fatalf("%d entries, comment %q; want %d, %q", len(zr.File), zr.Comment, len(es), comment)
	}
	for i, f := range zr.File {
		e := es[i]
		dir := e.mode&fs.ModeDir != 0
		wantMethod, wantFlags := uint16(zip.Deflate), uint16(zipFlagDescriptor)
		if dir || e.store {
			wantMethod = zip.Store
		}
		if dir {
			wantFlags = 0
		}
		if zipNeedsUTF8(e.name) {
			wantFlags |= zipFlagUTF8
		}
		date, tm, ut := zipTimes(e.mtime)
		size := uint64(len(e.content))
		if f.Name != e.name || f.Method != wantMethod || f.Flags != wantFlags || f.ModifiedDate != date || f.ModifiedTime != tm ||
			f.CRC32 != crc32.ChecksumIEEE(e.content) || f.UncompressedSize64 != size || f.Comment != "" || f.Mode() != e.mode {
			t.Errorf("entry %d: name %q method %d flags %#x time %#x %#x CRC %#x size %d comment %q mode %v;\nwant %q %d %#x %#x %#x %#x %d \"\" %v",
				i, f.Name, f.Method, f.Flags, f.ModifiedDate, f.ModifiedTime, f.CRC32, f.UncompressedSize64, f.Comment, f.Mode(),
				e.name, wantMethod, wantFlags, date, tm, crc32.ChecksumIEEE(e.content), size, e.mode)
		}
		if e.store && f.CompressedSize64 != size {
			t.Errorf("entry %d: stored, compressed size %d, want %d", i, f.CompressedSize64, size)
		}
		// The extended timestamp: archive/zip sets Modified from it.
		if want := time.Unix(int64(ut), 0); !f.Modified.Equal(want) || !bytes.Equal(f.Extra, binary.LittleEndian.AppendUint32([]byte{0x55, 0x54, 5, 0, 1}, ut)) {
			t.Errorf("entry %d: modified %v, extra %x; want %v", i, f.Modified, f.Extra, want)
		}
		rc, err := f.Open()
		if err != nil {
			t.Errorf("entry %d: %v", i, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, e.content) {
			t.Errorf("entry %d: content %q, %v; want %q", i, got, err, e.content)
		}
	}
}

// FuzzZipWriter writes entries of any name (empty, long, not UTF-8),
// mode, time (before 1980, after 2106, in any zone), size and method
// with zipWriter and checks that the bytes are those archive/zip's
// Writer wrote for the folder downloads before (so that no download
// changed but those with ZIP64), and that archive/zip reads back every
// field and byte.
func FuzzZipWriter(f *testing.F) {
	f.Add([]byte("\x00\x04top/\x01\xed\x00\x00\x00\x00\x00\x5e\xc1\x2f\xa0" +
		"\x02\x05top/a\x01\xa4\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03abc" +
		"\x0b\x06top/\xff\xfe\x01\xa4\xf0\x00\x00\x00\x01\x00\x00\x00\x00\x10\x00" +
		"\x06\x00\x00\x00\x04\xff\xff\xff\xff\xff\xff\xff\x00"))
	f.Add([]byte("\x12\x01\x00" + string(bytes.Repeat([]byte("n"), 256)) + "\x01\x80\x7f\xff\xff\xff\xff\xff\xff\xff\x01\x00"))
	f.Add([]byte("\x03\x03a\\b\x00\x00\x00\x00\x00\x00\x00\x12\xcc\x03\x00\x05\x00\x01\x02\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es := zipTestEntries(data)
		comment := ""
		if len(es) > 0 {
			comment = es[0].name
		}
		var got, want bytes.Buffer
		if err := writeZipTest(newZipWriter(&got), es, comment); err != nil {
			t.Fatal(err)
		}
		if err := writeArchiveZip(&want, es, comment); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("zipWriter wrote\n%x\narchive/zip\n%x", got.Bytes(), want.Bytes())
		}
		checkZipRead(t, got.Bytes(), es, comment)
	})
}

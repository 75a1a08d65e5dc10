package fileserver

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"time"
	"unicode/utf8"
)

// zipwriter.go: the zip files of archive.go, written as they are sent.
//
// archive/zip's Writer puts in the central directory's ZIP64 field of a
// file over 4 GiB its offset too, which the header does not mark as
// taken from there, and no ZIP64 field in the local header, after which
// a 64-bit data descriptor is against the format: 7-Zip reported
// "Headers Error" for such a download (unzip, Python, Go did not mind).
// This writer gives a file that may reach 4 GiB a ZIP64 field in its
// local header, as APPNOTE 4.3.9 asks for a 64-bit data descriptor, and
// puts in the central directory's only the values its header marks:
// all three (sizes and offset) when one needs it, as unzip 6.0 reads
// the field right only then (see appendCentral).

const (
	zipLocalSig      = 0x04034b50
	zipDescriptorSig = 0x08074b50
	zipCentralSig    = 0x02014b50
	zipEnd64Sig      = 0x06064b50
	zipEnd64LocSig   = 0x07064b50
	zipEndSig        = 0x06054b50

	zipStore   = 0
	zipDeflate = 8

	zipVersion20 = 20 // deflate, directories
	zipVersion45 = 45 // ZIP64
	zipUnix      = 3  // the system that made the entry: its attributes are Unix modes

	zipFlagDescriptor = 0x8   // CRC and sizes follow the data
	zipFlagUTF8       = 0x800 // the name is UTF-8

	// zip64Threshold is the size from which a file gets a ZIP64 field
	// in its local header: deflate can make data a little larger (5
	// bytes every 64 KiB, and a block's end), so a file just under 4 GiB
	// may need 64 bits once compressed. The margin is far above that.
	zip64Threshold = math.MaxUint32 - 16<<20
)

var errZipName = errors.New("zip: name longer than 65535 bytes")

// zipWriter writes a zip file to its writer: each entry's local header,
// its data and, for a file, a data descriptor, then at close the central
// directory.
type zipWriter struct {
	bw      *bufio.Writer
	off     uint64 // bytes written so far
	dir     []zipEntry
	cur     *zipEntry // the file being written, until its descriptor
	comp    io.WriteCloser
	crc     uint32
	usize   uint64
	comment string
	// asBytes leaves the UTF-8 mark off the names of the entries
	// created while it is set (see nfcTwins).
	asBytes bool

	zip64From int64 // zip64Threshold; lower in tests
}

// zipEntry is what the central directory says of an entry.
type zipEntry struct {
	name         string
	flags        uint16
	method       uint16
	date, time   uint16 // MS-DOS
	ut           uint32 // the extended timestamp: seconds since 1970
	mode         fs.FileMode
	crc          uint32
	csize, usize uint64
	offset       uint64
	zip64        bool // its local header has a ZIP64 field: 64-bit descriptor
}

func newZipWriter(w io.Writer) *zipWriter {
	return &zipWriter{bw: bufio.NewWriter(w), zip64From: zip64Threshold}
}

// Write counts and writes compressed (or stored) data.
func (z *zipWriter) Write(p []byte) (int, error) {
	n, err := z.bw.Write(p)
	z.off += uint64(n)
	return n, err
}

// create ends the entry before it and begins one named name: a directory
// if mode has fs.ModeDir, else a file of size bytes, deflated unless
// store. The file's content goes to the writer it returns.
func (z *zipWriter) create(name string, mode fs.FileMode, mtime time.Time, store bool, size int64) (io.Writer, error) {
	if err := z.endFile(); err != nil {
		return nil, err
	}
	if len(name) > math.MaxUint16 {
		return nil, errZipName
	}
	e := zipEntry{name: name, method: zipDeflate, mode: mode, offset: z.off}
	e.date, e.time, e.ut = zipTimes(mtime)
	if zipNeedsUTF8(name) && !z.asBytes {
		e.flags |= zipFlagUTF8
	}
	dir := mode&fs.ModeDir != 0
	if dir || store {
		e.method = zipStore
	}
	if !dir {
		e.flags |= zipFlagDescriptor
		e.zip64 = size >= z.zip64From
	}
	b := make([]byte, 0, 30+len(name)+9+20)
	b = binary.LittleEndian.AppendUint32(b, zipLocalSig)
	b = binary.LittleEndian.AppendUint16(b, e.readerVersion())
	b = binary.LittleEndian.AppendUint16(b, e.flags)
	b = binary.LittleEndian.AppendUint16(b, e.method)
	b = binary.LittleEndian.AppendUint16(b, e.time)
	b = binary.LittleEndian.AppendUint16(b, e.date)
	b = append(b, make([]byte, 12)...) // CRC and sizes: in the descriptor, or none
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	extra := 9
	if e.zip64 {
		extra += 20
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(extra))
	b = append(b, name...)
	b = e.appendUT(b)
	if e.zip64 {
		// The sizes, 64 bits each: zero, as in the header, as the
		// descriptor after the data has them; but a stored file's,
		// known, as unzip 6.0 takes them from here for a file of
		// exactly 0xFFFFFFFF bytes (zero, it found the file empty).
		known := uint64(0)
		if e.method == zipStore {
			known = uint64(size)
		}
		b = binary.LittleEndian.AppendUint16(b, 0x0001)
		b = binary.LittleEndian.AppendUint16(b, 16)
		b = binary.LittleEndian.AppendUint64(b, known)
		b = binary.LittleEndian.AppendUint64(b, known)
	}
	if _, err := z.Write(b); err != nil {
		return nil, err
	}
	z.dir = append(z.dir, e)
	if dir {
		return nil, nil
	}
	z.cur = &z.dir[len(z.dir)-1]
	z.crc, z.usize = 0, 0
	var dst io.Writer = z
	if e.method == zipDeflate {
		fw, err := newPooledFlate(z)
		if err != nil {
			return nil, err
		}
		z.comp = fw
		dst = fw
	}
	return zipFileWriter{z, dst}, nil
}

// zipFileWriter takes a file's content: its CRC and size, then the
// compressor, or the zip file itself for a stored one.
type zipFileWriter struct {
	z   *zipWriter
	dst io.Writer
}

func (w zipFileWriter) Write(p []byte) (int, error) {
	w.z.crc = crc32.Update(w.z.crc, crc32.IEEETable, p)
	w.z.usize += uint64(len(p))
	return w.dst.Write(p)
}

// endFile ends the file being written, if any: its compressor, and the
// data descriptor with its CRC and sizes.
func (z *zipWriter) endFile() error {
	e := z.cur
	if e == nil {
		return nil
	}
	z.cur = nil
	if z.comp != nil {
		err := z.comp.Close()
		z.comp = nil
		if err != nil {
			return err
		}
	}
	e.crc, e.usize = z.crc, z.usize
	e.csize = z.off - e.offset - uint64(30+len(e.name)+9)
	if e.zip64 {
		e.csize -= 20
	} else if e.csize >= math.MaxUint32 || e.usize >= math.MaxUint32 {
		// Not possible for a file that was smaller than zip64Threshold.
		return errors.New("zip: a file without ZIP64 grew past 4 GiB")
	}
	b := make([]byte, 0, 24)
	b = binary.LittleEndian.AppendUint32(b, zipDescriptorSig)
	b = binary.LittleEndian.AppendUint32(b, e.crc)
	if e.zip64 {
		b = binary.LittleEndian.AppendUint64(b, e.csize)
		b = binary.LittleEndian.AppendUint64(b, e.usize)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(e.csize))
		b = binary.LittleEndian.AppendUint32(b, uint32(e.usize))
	}
	_, err := z.Write(b)
	return err
}

// close ends the last file and writes the central directory and its end,
// with the comment, and flushes.
func (z *zipWriter) close() error {
	if err := z.endFile(); err != nil {
		return err
	}
	start := z.off
	var b []byte
	for i := range z.dir {
		e := &z.dir[i]
		b = e.appendCentral(b[:0])
		if _, err := z.Write(b); err != nil {
			return err
		}
	}
	end := z.off
	records, size, offset := uint64(len(z.dir)), end-start, start
	b = b[:0]
	if records >= math.MaxUint16 || size >= math.MaxUint32 || offset >= math.MaxUint32 {
		b = binary.LittleEndian.AppendUint32(b, zipEnd64Sig)
		b = binary.LittleEndian.AppendUint64(b, 44) // the record's size after this field
		b = binary.LittleEndian.AppendUint16(b, zipVersion45)
		b = binary.LittleEndian.AppendUint16(b, zipVersion45)
		b = binary.LittleEndian.AppendUint32(b, 0) // this disk
		b = binary.LittleEndian.AppendUint32(b, 0) // the disk of the central directory
		b = binary.LittleEndian.AppendUint64(b, records)
		b = binary.LittleEndian.AppendUint64(b, records)
		b = binary.LittleEndian.AppendUint64(b, size)
		b = binary.LittleEndian.AppendUint64(b, offset)
		b = binary.LittleEndian.AppendUint32(b, zipEnd64LocSig)
		b = binary.LittleEndian.AppendUint32(b, 0) // the disk of the record above
		b = binary.LittleEndian.AppendUint64(b, end)
		b = binary.LittleEndian.AppendUint32(b, 1) // disks
		records = min(records, math.MaxUint16)
		size = min(size, math.MaxUint32)
		offset = min(offset, math.MaxUint32)
	}
	b = binary.LittleEndian.AppendUint32(b, zipEndSig)
	b = binary.LittleEndian.AppendUint32(b, 0) // disks
	b = binary.LittleEndian.AppendUint16(b, uint16(records))
	b = binary.LittleEndian.AppendUint16(b, uint16(records))
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint32(b, uint32(offset))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(z.comment)))
	b = append(b, z.comment...)
	if _, err := z.Write(b); err != nil {
		return err
	}
	return z.bw.Flush()
}

func (e *zipEntry) readerVersion() uint16 {
	if e.zip64 || e.csize >= math.MaxUint32 || e.usize >= math.MaxUint32 || e.offset >= math.MaxUint32 {
		return zipVersion45
	}
	return zipVersion20
}

// appendUT appends the extended timestamp field, modification time only.
func (e *zipEntry) appendUT(b []byte) []byte {
	b = append(b, 0x55, 0x54, 5, 0, 1)
	return binary.LittleEndian.AppendUint32(b, e.ut)
}

// appendCentral appends the entry's central directory header. When its
// sizes or offset do not fit in 32 bits (0xFFFFFFFF included, which
// marks a value in the ZIP64 field), all three are 0xFFFFFFFF there and
// in the ZIP64 field, in the order of the format. One alone would do,
// but unzip 6.0 reads the field for each value that is 0xFFFFFFFF in
// the entry or was in the one before: after a file of exactly
// 0xFFFFFFFF bytes (the most FAT32 holds), it took the next entry's
// offset for its size and could not find that entry.
func (e *zipEntry) appendCentral(b []byte) []byte {
	var z64 []byte
	usize, csize, offset := uint32(e.usize), uint32(e.csize), uint32(e.offset)
	if e.usize >= math.MaxUint32 || e.csize >= math.MaxUint32 || e.offset >= math.MaxUint32 {
		usize, csize, offset = math.MaxUint32, math.MaxUint32, math.MaxUint32
		z64 = binary.LittleEndian.AppendUint64(z64, e.usize)
		z64 = binary.LittleEndian.AppendUint64(z64, e.csize)
		z64 = binary.LittleEndian.AppendUint64(z64, e.offset)
	}
	extra := 9
	if len(z64) > 0 {
		extra += 4 + len(z64)
	}
	// The Unix mode in the high half, MS-DOS attributes in the low one.
	attrs := (uint32(e.mode.Perm()) | 0o100000) << 16 // S_IFREG
	if e.mode&fs.ModeDir != 0 {
		attrs = (uint32(e.mode.Perm())|0o40000)<<16 | 0x10 // S_IFDIR, directory
	}
	if e.mode&0o200 == 0 {
		attrs |= 0x01 // MS-DOS read-only
	}
	b = binary.LittleEndian.AppendUint32(b, zipCentralSig)
	b = binary.LittleEndian.AppendUint16(b, zipUnix<<8|zipVersion20)
	b = binary.LittleEndian.AppendUint16(b, e.readerVersion())
	b = binary.LittleEndian.AppendUint16(b, e.flags)
	b = binary.LittleEndian.AppendUint16(b, e.method)
	b = binary.LittleEndian.AppendUint16(b, e.time)
	b = binary.LittleEndian.AppendUint16(b, e.date)
	b = binary.LittleEndian.AppendUint32(b, e.crc)
	b = binary.LittleEndian.AppendUint32(b, csize)
	b = binary.LittleEndian.AppendUint32(b, usize)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(e.name)))
	b = binary.LittleEndian.AppendUint16(b, uint16(extra))
	b = binary.LittleEndian.AppendUint16(b, 0) // comment
	b = binary.LittleEndian.AppendUint16(b, 0) // disk
	b = binary.LittleEndian.AppendUint16(b, 0) // internal attributes
	b = binary.LittleEndian.AppendUint32(b, attrs)
	b = binary.LittleEndian.AppendUint32(b, offset)
	b = append(b, e.name...)
	b = e.appendUT(b)
	if len(z64) > 0 {
		b = binary.LittleEndian.AppendUint16(b, 0x0001)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(z64)))
		b = append(b, z64...)
	}
	return b
}

// zipNeedsUTF8 reports whether a name gets the UTF-8 flag: it is valid
// UTF-8 and holds a byte readers could take otherwise in the MS-DOS code
// page or a local one (a control character, above '}', or the
// backslash, which Shift-JIS shows as a yen sign). One that is not UTF-8
// goes in as its bytes, without the flag, as Info-ZIP's zip writes it.
func zipNeedsUTF8(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c > 0x7d || c == '\\' {
			return true
		}
	}
	return false
}

// zipTimes is t as a zip entry holds it: MS-DOS date and time, which
// readers such as Python's zipfile and Windows show, and the extended
// timestamp, seconds since 1970 in 32 bits, which unzip shows. Both
// wrapped around outside their range (a file of 1970, as Nix and
// reproducible builds make them, showed as of 2098); outside, each holds
// the nearest time it can, as Info-ZIP's zip writes them: 1980 in the
// MS-DOS fields for a file of the 1970s, whose extended timestamp is
// still exact.
func zipTimes(t time.Time) (date, tm uint16, ut uint32) {
	u := min(max(t.Unix(), 0), math.MaxUint32)
	dos := t
	if t.Unix() != u {
		dos = time.Unix(u, 0).In(t.Location())
	}
	if dos.Year() < 1980 {
		dos = time.Date(1980, 1, 1, 0, 0, 0, 0, t.Location())
	}
	date = uint16(dos.Day() + int(dos.Month())<<5 + (dos.Year()-1980)<<9)
	tm = uint16(dos.Second()/2 + dos.Minute()<<5 + dos.Hour()<<11)
	return date, tm, uint32(u)
}

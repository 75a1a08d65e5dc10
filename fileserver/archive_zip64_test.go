//go:build !race

// Deflating 4 GiB takes a minute under the race detector, 5 s without:
// make test runs this file without -race (test-norace).

package fileserver_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// headTail keeps the first MiB written to it and at least the last one,
// and counts them all.
type headTail struct {
	head, tail []byte
	n          int64
}

const headTailKeep = 1 << 20

func (h *headTail) Write(p []byte) (int, error) {
	h.n += int64(len(p))
	if room := headTailKeep - len(h.head); room > 0 {
		h.head = append(h.head, p[:min(room, len(p))]...)
	}
	if len(p) >= headTailKeep {
		h.tail = append(h.tail[:0], p[len(p)-headTailKeep:]...)
		return len(p), nil
	}
	if len(h.tail)+len(p) > 2*headTailKeep {
		// Keep the last headTailKeep bytes, moved once per MiB written.
		h.tail = append(h.tail[:0], h.tail[len(h.tail)-headTailKeep:]...)
	}
	h.tail = append(h.tail, p...)
	return len(p), nil
}

// ReadAt reads the stream kept, with zeros between its head and tail.
func (h *headTail) ReadAt(p []byte, off int64) (int, error) {
	if off >= h.n {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < h.n {
		tailStart := h.n - int64(len(h.tail))
		switch {
		case off < int64(len(h.head)):
			p[n] = h.head[off]
		case off >= tailStart:
			p[n] = h.tail[off-tailStart]
		default:
			p[n] = 0
		}
		n++
		off++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestArchiveZip64 downloads as a zip a directory with a file of more
// than 4 GiB (sparse: zeros, which deflate to 4 MiB) and a small file
// after it. archive/zip put in the central directory's ZIP64 field of the big
// file its offset too, which the header does not mark as taken from
// there, and gave its local header no ZIP64 field for the 64-bit data
// descriptor that followed: 7-Zip listed the download with "Headers
// Error". The field holds the values the header marks, and the local
// header has its own, so that 7-Zip, unzip, Python and Go read it
// cleanly. Skipped with -short: the server reads and deflates 4 GiB.
func TestArchiveZip64(t *testing.T) {
	if testing.Short() {
		t.Skip("deflates 4 GiB")
	}
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	const bigSize uint64 = 1<<32 + 1<<20
	big, err := os.Create(filepath.Join(root, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	err = big.Truncate(int64(bigSize))
	big.Close()
	if err != nil {
		t.Skipf("no sparse file of 4 GiB here: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "z.txt"), []byte("after\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksNever, fileserver.Options{})
	resp, err := http.Get(srv.URL + "/?download=zip")
	if err != nil {
		t.Fatal(err)
	}
	body := &headTail{}
	_, err = io.Copy(body, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, reading the body: %v", resp.StatusCode, err)
	}

	zr, err := zip.NewReader(body, body.n)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		switch f.Name {
		case "root/big.bin":
			if f.UncompressedSize64 != bigSize {
				t.Errorf("%s: size %d (compressed %d), want %d", f.Name, f.UncompressedSize64, f.CompressedSize64, bigSize)
			}
			// The size, the compressed size (of zeros, 4 MiB) and
			// the offset (after the 44 bytes of root/), which the
			// header marks as taken from there: 24 bytes of ZIP64
			// field.
			z64, ok := fileserver.Zip64Field(f.Extra)
			le64 := binary.LittleEndian.Uint64
			if !ok || len(z64) != 24 || le64(z64) != bigSize || le64(z64[8:]) != f.CompressedSize64 || le64(z64[16:]) != 44 {
				t.Errorf("%s: central ZIP64 field %x (present: %v), want the size %d, the compressed size %d and the offset 44", f.Name, z64, ok, bigSize, f.CompressedSize64)
			}
			// Its local header, in the head kept, with a ZIP64 field.
			i := bytes.Index(body.head, []byte("PK\x03\x04"))
			for i >= 0 && !bytes.HasPrefix(body.head[i+30:], []byte(f.Name)) {
				j := bytes.Index(body.head[i+4:], []byte("PK\x03\x04"))
				i = max(-1, i+4+j)
				if j < 0 {
					i = -1
				}
			}
			if i < 0 {
				t.Fatalf("%s: no local header", f.Name)
			}
			h := body.head[i:]
			nameLen, extraLen := int(binary.LittleEndian.Uint16(h[26:])), int(binary.LittleEndian.Uint16(h[28:]))
			if _, ok := fileserver.Zip64Field(h[30+nameLen : 30+nameLen+extraLen]); !ok {
				t.Errorf("%s: no ZIP64 field in the local header, before a 64-bit data descriptor", f.Name)
			}
		case "root/z.txt":
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != "after\n" {
				t.Errorf("%s: %q, %v", f.Name, b, err)
			}
		}
	}
	if got := strings.Join(names, " "); got != "root/ root/big.bin root/z.txt" {
		t.Errorf("entries %s", got)
	}

	if _, err := exec.LookPath("7z"); err != nil {
		t.Skip("7z not installed (.ci/run installs it)")
	}
	// The archive as a sparse file: its head, a hole, its tail.
	file := filepath.Join(t.TempDir(), "root.zip")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(body.head)
	out.WriteAt(body.tail, body.n-int64(len(body.tail)))
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	msg, err := exec.Command("7z", "l", "-slt", file).CombinedOutput()
	if err != nil || bytes.Contains(msg, []byte("ERROR")) || bytes.Contains(msg, []byte("Headers Error")) {
		t.Errorf("7z l -slt: %v\n%s", err, msg)
	}
}

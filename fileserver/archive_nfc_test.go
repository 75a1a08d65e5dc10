package fileserver_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestArchiveNFCTwins downloads a directory that holds two names that
// differ only in their Unicode form, "caf\u00e9.txt" (NFC, as Linux and
// Windows write it) and "cafe\u0301.txt" (NFD, as macOS wrote it), in
// each format, and extracts it with bsdtar, the tar of macOS and
// Windows. bsdtar puts a name it reads as UTF-8 (a PAX path record, a
// zip entry marked UTF-8) in NFC: both names came out as one, and one
// of the two files was lost without a word. Such a name goes in as its
// bytes (a GNU header, a zip entry not marked UTF-8), which bsdtar keeps;
// an NFD name with no twin is still UTF-8, which tar on Windows needs to
// show it right (bsdtar extracts it in NFC).
func TestArchiveNFCTwins(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	files := map[string]string{
		"caf\u00e9.txt":          "nfc\n",
		"cafe\u0301.txt":         "nfd\n",
		"d\u00e9j\u00e0/a.txt":   "in the nfc directory\n",
		"de\u0301ja\u0300/a.txt": "in the nfd directory\n",
		"lone-e\u0301.txt":       "no twin\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if des, err := os.ReadDir(root); err != nil || len(des) != 5 {
		t.Skipf("the file system takes the two forms for one name (%d entries, %v)", len(des), err)
	}
	want := map[string]string{"root": "dir", "root/d\u00e9j\u00e0": "dir", "root/de\u0301ja\u0300": "dir"}
	for name, c := range files {
		want["root/"+name] = "file 644 " + c
	}
	// bsdtar puts the lone one in NFC, as it is free to: nothing is lost.
	delete(want, "root/lone-e\u0301.txt")
	want["root/lone-\u00e9.txt"] = "file 644 no twin\n"
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksNever, fileserver.Options{})
	for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
		t.Run(format, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/?download="+format)
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			// The lone NFD name stays UTF-8.
			if format == "zip" {
				zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range zr.File {
					if f.Name == "root/lone-e\u0301.txt" && f.NonUTF8 {
						t.Errorf("%q: not marked UTF-8", f.Name)
					}
				}
			} else {
				hdrs, _ := tarEntries(t, format, body)
				for _, h := range hdrs {
					if h.Name == "root/lone-e\u0301.txt" && h.PAXRecords["path"] != h.Name {
						t.Errorf("%q: no PAX path record (records %q)", h.Name, h.PAXRecords)
					}
				}
			}

			out := bsdtarExtract(t, format, body)
			diffTrees(t, readTree(t, out), want)
		})
	}
}

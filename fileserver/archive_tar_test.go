package fileserver_test

import (
	"archive/tar"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/fileserver"
)

// tarEntries reads the tar stream of a downloaded tar.gz or tar.zst with
// Go's archive/tar: each header, and each file's content by name.
func tarEntries(t *testing.T, format string, body []byte) ([]*tar.Header, map[string]string) {
	t.Helper()
	coding := map[string]string{"tar.gz": "gzip", "tar.zst": "zstd"}[format]
	tr := tar.NewReader(strings.NewReader(decode(t, coding, string(body))))
	var hdrs []*tar.Header
	content := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", format, h.Name, err)
		}
		hdrs = append(hdrs, h)
		content[h.Name] = string(b)
	}
	return hdrs, content
}

// TestArchiveTarNotUTF8 downloads a tree whose names are not UTF-8 (a
// short one, one over tar's 100 bytes, a directory) as tar.gz and tar.zst.
// A PAX path record is UTF-8 by definition, and bsdtar, the tar of macOS
// and Windows, refused such a record ("Pathname can't be converted from
// UTF-8 to current locale", exit 1): the names go in GNU headers, which
// hold their bytes, and every tar extracts them as they are.
func TestArchiveTarNotUTF8(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	long := strings.Repeat("long-", 30) + "\xff.txt"
	files := map[string]string{
		"\xff\xfe.txt":             "short\n",
		long:                       "long\n",
		"d\xe9j\xe0/in.txt":        "in a latin-1 directory\n",
		"\u00e9t\u00e9.txt":        "utf-8\n",
		"plain.txt":                "ascii\n",
		"sub/\xc3\x28 invalid.txt": "bad continuation byte\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Skipf("the file system takes no such name: %v", err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Skipf("the file system takes no such name: %v", err)
		}
	}
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksNever, fileserver.Options{})
	for _, format := range []string{"tar.gz", "tar.zst"} {
		t.Run(format, func(t *testing.T) {
			resp, body := get(t, srv.URL+"/?download="+format)
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			hdrs, content := tarEntries(t, format, body)
			for _, h := range hdrs {
				if p, ok := h.PAXRecords["path"]; ok && !utf8.ValidString(p) {
					t.Errorf("%q: in a PAX path record, which must be UTF-8", p)
				}
			}
			for name, want := range files {
				if got, ok := content["root/"+name]; !ok || got != want {
					t.Errorf("%q: got %q (in the archive: %v), want %q", name, got, ok, want)
				}
			}

			out := bsdtarExtract(t, format, body)
			want := map[string]string{"root": "dir", "root/sub": "dir", "root/d\xe9j\xe0": "dir"}
			for name, c := range files {
				want["root/"+name] = "file 644 " + c
			}
			diffTrees(t, readTree(t, out), want)
		})
	}
}

// bsdtarExtract extracts the archive body, of format, with bsdtar (the
// tar of macOS and Windows) into a new directory, which it returns.
func bsdtarExtract(t *testing.T, format string, body []byte) string {
	t.Helper()
	needTool(t, "bsdtar")
	file := filepath.Join(t.TempDir(), "root."+format)
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command("bsdtar", "-xf", file, "-C", out)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if msg, err := cmd.CombinedOutput(); err != nil || len(msg) > 0 {
		t.Fatalf("%s: %v\n%s", cmd, err, msg)
	}
	return out
}

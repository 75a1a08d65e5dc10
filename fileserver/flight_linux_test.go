package fileserver_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// frozenFS is an OS directory whose files all show the modification and
// status-change time t, as a file rewritten within one tick of the
// kernel's clock shows the times it had.
type frozenFS struct {
	fs.FS
	t time.Time
}

func (f frozenFS) Open(name string) (fs.File, error) {
	g, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return frozenFile{g.(*os.File), f.t}, nil
}

type frozenFile struct {
	*os.File
	t time.Time
}

func (f frozenFile) Stat() (fs.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	st := *fi.Sys().(*syscall.Stat_t)
	st.Mtim = syscall.NsecToTimespec(f.t.UnixNano())
	st.Ctim = st.Mtim
	return frozenInfo{fi, f.t, &st}, nil
}

type frozenInfo struct {
	fs.FileInfo
	t  time.Time
	st *syscall.Stat_t
}

func (fi frozenInfo) ModTime() time.Time { return fi.t }
func (fi frozenInfo) Sys() any           { return fi.st }

// TestCompressLateRewriteSameTick: a request that comes while a file is
// being compressed, after the file was rewritten in place with bytes of
// the same size in the same tick of the clock (so with the same stat
// data), gets the new bytes, as it would alone; with the cache on or
// off. It got the old bytes compressed. A file whose ctime is old enough
// that any change shows is compressed once for both.
func TestCompressLateRewriteSameTick(t *testing.T) {
	v1, v2 := jsText(4000), jsText(4000)
	copy(v2, "/* the new version of the script, of the same size */\n")
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, disable := range []bool{false, true} {
		root := t.TempDir()
		path := filepath.Join(root, "app.js")
		if err := os.WriteFile(path, v1, 0o644); err != nil {
			t.Fatal(err)
		}
		h := mustNew(t, frozenFS{os.DirFS(root), now}, fileserver.Options{Compress: true, DisableCache: disable})
		fileserver.SetClock(h, func() time.Time { return now })
		first, late, _ := lateCompression(t, h, "/app.js", func() {
			if err := os.WriteFile(path, v2, 0o644); err != nil {
				t.Fatal(err)
			}
		})
		if got := decode(t, first.header.Get("Content-Encoding"), first.body); got != string(v1) {
			t.Fatalf("DisableCache %v: the first request got %.80q, want the version it read", disable, got)
		}
		if late.status != 200 || late.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("DisableCache %v: the late request: %d %v", disable, late.status, late.header)
		}
		if got := decode(t, "gzip", late.body); got != string(v2) {
			t.Fatalf("DisableCache %v: a request that came after the rewrite got %.80q, want the new version %.80q", disable, got, v2)
		}

		// Two seconds later, the same version is shared.
		if err := os.WriteFile(path, v1, 0o644); err != nil {
			t.Fatal(err)
		}
		h = mustNew(t, frozenFS{os.DirFS(root), now}, fileserver.Options{Compress: true, DisableCache: disable})
		fileserver.SetClock(h, func() time.Time { return now.Add(2 * time.Second) })
		first, late, reads := lateCompression(t, h, "/app.js", func() {})
		if reads != 1 {
			t.Errorf("DisableCache %v: the file was compressed %d times for two requests at once, want once", disable, reads)
		}
		if late.body != first.body || late.header.Get("Etag") != first.header.Get("Etag") {
			t.Fatalf("DisableCache %v: the late request got %v, the first %v", disable, late.header, first.header)
		}
	}
}

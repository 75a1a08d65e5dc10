package fileserver_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestUploadStatfsUntold: a file system whose statfs tells no size (a
// FUSE file system that does not answer it reports zeros through
// libfuse), or more space than an int64 of bytes holds, takes an upload
// of announced length as it takes one sent chunked. Free blocks times
// their size made 0 bytes of either, and every PUT and POST with a
// Content-Length got 507 "Not enough space on the disk" at once.
func TestUploadStatfsUntold(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*unix.Statfs_t)
	}{
		{"zeros", func(st *unix.Statfs_t) { *st = unix.Statfs_t{Bsize: 512, Namelen: 255} }},
		{"unlimited", func(st *unix.Statfs_t) {
			st.Bsize, st.Blocks, st.Bfree, st.Bavail = 4096, 1<<52, 1<<52, 1<<52
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer fileserver.SetStatfs(tc.edit)()
			dir := t.TempDir()
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
			if w := upReq(h, "PUT", "/a.txt", []byte("hello\n"), false); w.Code != 201 {
				t.Errorf("PUT with Content-Length: %d %q, want 201", w.Code, w.Body)
			}
			body, ct := multipartBody(t, "b.txt", "hi\n")
			if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 201 {
				t.Errorf("POST with Content-Length: %d %q, want 201", w.Code, w.Body)
			}
			for name, want := range map[string]string{"a.txt": "hello\n", "b.txt": "hi\n"} {
				if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
					t.Errorf("%s: %q, %v; want %q", name, got, err, want)
				}
			}
		})
	}
}

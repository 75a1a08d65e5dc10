package fileserver_test

import (
	"archive/tar"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestLargeFile serves a sparse file of more than 2 GiB under each
// symlink policy: its size in HEAD, its last bytes by a suffix range, and
// its place in an archive. On 32-bit Linux (GOARCH=386 or arm), os.Root
// opened it without O_LARGEFILE, which the kernel refuses with EOVERFLOW
// for such a file: under SymlinksInside and SymlinksNever it was 404, and
// archives left it out, while SymlinksFollow (os.Open) served it.
func TestLargeFile(t *testing.T) {
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	root := t.TempDir()
	const size int64 = 1<<31 + 16
	f, err := os.Create(filepath.Join(root, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		t.Skipf("no sparse file of 2 GiB here: %v", err)
	}
	_, err = f.WriteAt([]byte("TAIL"), size-4)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		t.Run(policy.String(), func(t *testing.T) {
			h, err := fileserver.NewDir(root, policy, fileserver.Options{Archive: true})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()

			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("HEAD", "/big.bin", nil))
			if rec.Code != 200 || rec.Header().Get("Content-Length") != itoa(size) {
				t.Errorf("HEAD: %d, Content-Length %q; want 200, %d", rec.Code, rec.Header().Get("Content-Length"), size)
			}

			rec = httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/big.bin", nil)
			req.Header.Set("Range", "bytes=-4")
			h.ServeHTTP(rec, req)
			wantRange := "bytes " + itoa(size-4) + "-" + itoa(size-1) + "/" + itoa(size)
			if rec.Code != 206 || rec.Header().Get("Content-Range") != wantRange || rec.Body.String() != "TAIL" {
				t.Errorf("GET bytes=-4: %d, Content-Range %q, body %q; want 206, %q, \"TAIL\"", rec.Code, rec.Header().Get("Content-Range"), rec.Body.String(), wantRange)
			}

			// The archive's first two headers: the directory's, then
			// the file's (its content is not read).
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/?download=tar.gz")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var names []string
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			tr := tar.NewReader(zr)
			for range 2 {
				hdr, err := tr.Next()
				if err != nil {
					break
				}
				names = append(names, hdr.Name+" "+strconv.FormatInt(hdr.Size, 10))
			}
			want := []string{"root/ 0", "root/big.bin " + itoa(size)} // the served directory is "root"
			if !slices.Equal(names, want) {
				t.Errorf("archive entries %q, want %q", names, want)
			}
		})
	}
}

//go:build unix && !aix && !solaris

package fileserver_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
	"golang.org/x/sys/unix"
)

// The upload tests that make a system call of upload_unix.go fail.

// With UploadOverwrite, a multipart upload whose second file cannot be
// named once the body has arrived (a directory took its name meanwhile)
// takes back the first and puts back the file that one replaced; one
// that succeeds leaves no replaced file behind.
func TestPostOverwriteAllOrNothing(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		testPostOverwriteAllOrNothing(t, "old a\n")
	})
	// Where the file replaced cannot be linked to be kept (another
	// user's, under fs.protected_hardlinks), it is replaced all the same,
	// and a failed upload leaves the new file rather than none.
	defer fileserver.SetKeepLinkError(unix.EPERM)()
	testPostOverwriteAllOrNothing(t, "new a\n")
}

// TestUploadNoHardLinks: on a file system without hard links (FAT and
// exFAT, as on most USB drives, where link(2) fails with EPERM and there
// is no O_TMPFILE), uploads are named by a rename that never replaces:
// taken, with an existing name still refused and, of uploads of one name
// at once, exactly one winning.
func TestUploadNoHardLinks(t *testing.T) {
	defer fileserver.SetUnnamedTemp(false)()
	defer fileserver.SetCommitLinkError(unix.EPERM)()
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	if w := upReq(h, "PUT", "/a.txt", []byte("a\n"), false); w.Code != 201 {
		t.Errorf("PUT: %d %s", w.Code, w.Body)
	}
	if w := upReq(h, "PUT", "/a.txt", []byte("again\n"), false); w.Code != 409 {
		t.Errorf("PUT of a name that exists: %d", w.Code)
	}
	body, ct := multipartBody(t, "b.txt", "b\n", "c.txt", "c\n")
	if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 201 {
		t.Errorf("POST: %d %s", w.Code, w.Body)
	}
	sameTree(t, dir, map[string]string{"./": "", "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"})

	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = upReq(h, "PUT", "/same.bin", bytes.Repeat([]byte{byte('a' + i)}, 100000), false).Code
		}()
	}
	wg.Wait()
	sort.Ints(codes)
	if want := []int{201, 409, 409, 409, 409, 409, 409, 409}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("uploads of one name at once: %v, want %v", codes, want)
	}
	if names, _ := os.ReadDir(dir); len(names) != 4 {
		t.Errorf("left in the directory: %v", names)
	}
}

// TestPostFilesWaitClosed: the received files of multipart uploads wait
// for the rest of their upload open only up to a bound, together; the
// others wait closed under a hidden name. Before, each held a descriptor:
// one client that posted 1,000 files and stalled held 1,000 of the
// server's. The upload is stored whole all the same (replacing a file
// with UploadOverwrite), or, when a file is refused, not at all, and
// leaves no hidden name behind.
func TestPostFilesWaitClosed(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd to count the descriptors held:", err)
	}
	eachTemp(t, func(t *testing.T) {
		for _, tc := range []struct{ refused, overwrite bool }{{false, false}, {true, false}, {false, true}} {
			refused := tc.refused
			dir := t.TempDir()
			if refused {
				os.WriteFile(filepath.Join(dir, "taken.txt"), []byte("mine\n"), 0o644)
			}
			if tc.overwrite {
				os.WriteFile(filepath.Join(dir, "f19.txt"), []byte("old\n"), 0o644)
			}
			before := tree(t, dir)
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: tc.overwrite})
			fileserver.SetOpenWaiting(h, 4)
			const n = 20
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for i := range n {
				p, _ := mw.CreateFormFile("f", fmt.Sprintf("f%02d.txt", i))
				fmt.Fprintf(p, "file %d\n", i)
			}
			// A field whose end has not arrived: the upload waits there,
			// with every file received.
			p, _ := mw.CreateFormField("note")
			p.Write([]byte("abc"))
			split := b.Len()
			if refused {
				p, _ := mw.CreateFormFile("f", "taken.txt")
				p.Write([]byte("theirs\n"))
			}
			mw.Close()
			waiting := make(chan struct{})
			release := make(chan struct{})
			body := io.MultiReader(bytes.NewReader(b.Bytes()[:split]), &signalReader{reached: waiting, release: release}, bytes.NewReader(b.Bytes()[split:]))
			r := httptest.NewRequest("POST", "/", body)
			r.ContentLength = -1
			r.Header.Set("Content-Type", mw.FormDataContentType())
			w := httptest.NewRecorder()
			served := make(chan struct{})
			go func() { h.ServeHTTP(w, r); close(served) }()
			<-waiting
			if open := openUnder(t, dir); open > 4 {
				t.Errorf("%d files received, waiting for the rest of the upload: %d descriptors open in the directory, want at most 4", n, open)
			}
			close(release)
			<-served
			want := before
			if !refused {
				if w.Code != 201 {
					t.Fatalf("POST of %d files: %d\n%s", n, w.Code, w.Body)
				}
				want = map[string]string{"./": ""}
				for i := range n {
					want[fmt.Sprintf("f%02d.txt", i)] = fmt.Sprintf("file %d\n", i)
				}
			} else if w.Code != 409 {
				t.Fatalf("POST of %d files and one that exists: %d\n%s", n, w.Code, w.Body)
			}
			sameTree(t, dir, want)
			if open := openUnder(t, dir); open != 0 {
				t.Errorf("after the upload: %d descriptors open in the directory", open)
			}
		}
	})
}

// signalReader closes reached when it is first read, then waits for
// release and reads as at its end.
type signalReader struct{ reached, release chan struct{} }

func (s *signalReader) Read(p []byte) (int, error) {
	close(s.reached)
	<-s.release
	return 0, io.EOF
}

// openUnder counts this process's descriptors open on a file in dir.
func openUnder(t *testing.T, dir string) int {
	t.Helper()
	des, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, de := range des {
		if target, err := os.Readlink("/proc/self/fd/" + de.Name()); err == nil && strings.HasPrefix(target, dir+"/") {
			n++
		}
	}
	return n
}

// TestUploadDirThroughLinkUp: a link whose target climbs ("../sub2")
// leads where it leads from the link's own directory, and a link that
// climbs out of the root is refused, as the os.Root refuses it. Finding
// the directory leaves no descriptor open, whatever the walk took.
func TestUploadDirThroughLinkUp(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd to count the descriptors held:", err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "pub", "sub"), 0o755)
	os.MkdirAll(filepath.Join(dir, "pub", "sub2"), 0o755)
	os.Symlink("../sub2", filepath.Join(dir, "pub", "sub", "l"))
	os.Symlink("../outside", filepath.Join(dir, "up"))
	h := newUploader(t, dir, fileserver.SymlinksInside, fileserver.Options{})
	sub2, err := os.Open(filepath.Join(dir, "pub", "sub2"))
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	before := openUnder(t, dir)
	for range 3 {
		if got, err := fileserver.UploadDirAt(h, sub2, "pub/sub/l"); got != "pub/sub2" || err != nil {
			t.Fatalf("pub/sub2 opened as pub/sub/l: found at %q, %v; want pub/sub2", got, err)
		}
	}
	if got, err := fileserver.UploadDirAt(h, sub2, "up"); err == nil {
		t.Errorf("opened as up, a link out of the root: found at %q, want an error", got)
	}
	if n := openUnder(t, dir); n != before {
		t.Errorf("%d descriptors open under the root, want %d as before", n, before)
	}
}

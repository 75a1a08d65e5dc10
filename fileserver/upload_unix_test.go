//go:build unix && !aix && !solaris

package fileserver_test

import (
	"bytes"
	"fmt"
	"os"
	"sort"
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

package fileserver_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestUploadFullTmpfs fills a real 1 MiB tmpfs: an upload that does not
// fit answers 507 and leaves nothing behind, one whose announced length
// does not fit is refused before a byte is written, and the space is all
// there again afterwards. It needs to mount a tmpfs (root, or a user
// namespace that may), and skips with the reason where it cannot.
func TestUploadFullTmpfs(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v: %s); the injected-error test covers the disk-full path", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	eachTemp(t, func(t *testing.T) {
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
		before := tree(t, dir)
		big := bytes.Repeat([]byte("x"), 2<<20)
		// Chunked: the length is not known, so the disk fills up.
		if w := upReq(h, "PUT", "/big.bin", big, true); w.Code != 507 || !strings.Contains(w.Body.String(), "Not enough space on the disk") {
			t.Errorf("chunked PUT larger than the disk: %d", w.Code)
		}
		// Announced: refused at once.
		if w := upReq(h, "PUT", "/big.bin", big, false); w.Code != 507 {
			t.Errorf("PUT with a length larger than the disk: %d", w.Code)
		}
		body, ct := multipartBody(t, "a.txt", "a", "big.bin", string(big))
		if w := upReq(h, "POST", "/", body, true, "Content-Type", ct); w.Code != 507 {
			t.Errorf("POST larger than the disk: %d", w.Code)
		}
		sameTree(t, dir, before)
		// All the space is back: a file of most of the disk fits.
		if w := upReq(h, "PUT", "/fits.bin", big[:900<<10], true); w.Code != 201 {
			t.Errorf("PUT that fits, after the failures: %d", w.Code)
		}
		os.Remove(dir + "/fits.bin")
	})
}

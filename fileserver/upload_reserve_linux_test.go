package fileserver_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestUploadRootReserve: on a file system whose free space is all in the
// blocks kept for root (ext4's reserve), root's upload fits, and is stored
// whether its length is announced or not: the announced one got 507 at
// once, "Not enough space on the disk", while the same bytes sent chunked
// were stored. It needs root, mkfs.ext4 and a loop mount, and skips with
// the reason where it cannot.
func TestUploadRootReserve(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, for whom the reserve is kept")
	}
	img := filepath.Join(t.TempDir(), "fs.img")
	dir := t.TempDir()
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 16<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-m", "10", img).CombinedOutput(); err != nil {
		t.Skipf("cannot make an ext4 file system (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("mount", "-o", "loop", img, dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount an ext4 image (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })

	// Fill the space others may use, and leave the reserve.
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail)*int64(st.Bsize)); err != nil {
		t.Fatal(err)
	}
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	const size = 256 << 10
	if avail, free := int64(st.Bavail)*int64(st.Bsize), int64(st.Bfree)*int64(st.Bsize); avail >= size || free < 2*size {
		t.Fatalf("%d bytes available, %d free: want less than %d, and more than twice that", avail, free, size)
	}

	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	body := bytes.Repeat([]byte("x"), size)
	if w := upReq(h, "PUT", "/announced.bin", body, false); w.Code != 201 {
		t.Errorf("PUT with a length that fits in the reserve: %d %q, want 201", w.Code, w.Body)
	}
	if w := upReq(h, "PUT", "/chunked.bin", body, true); w.Code != 201 {
		t.Errorf("chunked PUT that fits in the reserve: %d %q, want 201", w.Code, w.Body)
	}
}

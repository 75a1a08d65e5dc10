//go:build linux && (amd64 || arm64)

package fileserver

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestStatIntoMatchesOS checks that the stack stat of the cache-hit fast
// path gives, for every kind of name, what os.Stat gives for the same
// path: the same FileInfo in every method (and the same Stat_t), or the
// same error, by message and by kind.
func TestStatIntoMatchesOS(t *testing.T) {
	root := t.TempDir()
	mk := func(name string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte("content of "+name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	mk("file.txt", 0o640)
	mk("special", 0o755|os.ModeSetuid|os.ModeSetgid|os.ModeSticky)
	mk("\xff.bin", 0o600)
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file.txt", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}
	if l, err := net.Listen("unix", filepath.Join(root, "sock")); err == nil {
		defer l.Close()
	} else {
		t.Logf("no socket in the tree: %v", err)
	}
	// A path longer than the stack buffer: the fallback.
	long := strings.Repeat("d", 200) + "/" + strings.Repeat("e", 100)
	if err := os.MkdirAll(filepath.Join(root, filepath.Dir(long)), 0o755); err != nil {
		t.Fatal(err)
	}
	mk(long, 0o644)

	d, err := newReadDirFS(root, SymlinksFollow)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{
		".", "file.txt", "special", "\xff.bin", "dir", "fifo", "link", "sock", long,
		// errors
		"missing", "dangling", "file.txt/x", "dir/missing", long + "x", "dir/\x00.txt", "a/../b", "/abs",
	}
	for _, name := range names {
		var st syscall.Stat_t
		err := d.statInto(name, &st)
		want, wantErr := d.Stat(name) // os.Stat of the same path
		if (err == nil) != (wantErr == nil) {
			t.Errorf("%q: statInto error %v, os.Stat error %v", name, err, wantErr)
			continue
		}
		if err != nil {
			if err.Error() != wantErr.Error() {
				t.Errorf("%q: error %q, want %q", name, err, wantErr)
			}
			for _, kind := range []error{fs.ErrNotExist, fs.ErrInvalid, fs.ErrPermission, syscall.ENOTDIR, syscall.EINVAL} {
				if errors.Is(err, kind) != errors.Is(wantErr, kind) {
					t.Errorf("%q: errors.Is(%v) = %v, os.Stat's %v", name, kind, errors.Is(err, kind), !errors.Is(err, kind))
				}
			}
			continue
		}
		got := newStatInfo(d, name, &st)
		if got.Name() != want.Name() || got.Size() != want.Size() || got.Mode() != want.Mode() ||
			!got.ModTime().Equal(want.ModTime()) || got.IsDir() != want.IsDir() {
			t.Errorf("%q: got %s %d %v %v %v, os.Stat %s %d %v %v %v", name,
				got.Name(), got.Size(), got.Mode(), got.ModTime(), got.IsDir(),
				want.Name(), want.Size(), want.Mode(), want.ModTime(), want.IsDir())
		}
		if !reflect.DeepEqual(got.Sys(), want.Sys()) {
			t.Errorf("%q: Stat_t %+v, os.Stat's %+v", name, got.Sys(), want.Sys())
		}
	}
}

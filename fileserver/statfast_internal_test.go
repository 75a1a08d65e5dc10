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
		checkStatInto(t, d, name)
	}
}

// checkStatInto checks the stack stat of SymlinksFollow (statStack) of
// name against os.Stat of the same path (d.Stat): the same FileInfo in
// every method and the same Stat_t, or the same error, by message and by
// kind.
func checkStatInto(t testing.TB, d *dirFS, name string) {
	t.Helper()
	var st syscall.Stat_t
	done, err := d.statStack(name, &st)
	if !done {
		t.Fatalf("%q: statStack left a SymlinksFollow name to the os.Root", name)
	}
	want, wantErr := d.Stat(name) // os.Stat of the same path
	if (err == nil) != (wantErr == nil) {
		t.Errorf("%q: statInto error %v, os.Stat error %v", name, err, wantErr)
		return
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
		return
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

// TestStatBeneathMatchesRoot checks the openat2 stat and open of
// SymlinksInside and SymlinksNever against the os.Root's own (with
// checkNoLinks for never): wherever they find a file, the Root finds the
// very same one; they never find a name the Root refuses (a link out of
// the tree, an absolute link, any link for never); and they do find the
// plain names deep enough for them to be used.
func TestStatBeneathMatchesRoot(t *testing.T) {
	root := beneathTree(t)
	names := []string{
		"d1/d2/f.txt", "d1/d2/d3/g.txt", "d1/d2/d3", "d1/h.txt", "d1/d2", "d1",
		"in/d2/f.txt", "d1/up/f.txt", "d1/up/d3/g.txt", "out/x/y.txt", "abs/d2/f.txt",
		"d1/d2/lf", "d1/d2/bad", "d1/d2/missing", "d1/d2/f.txt/x", "in/d2/missing",
		"chain/d2/f.txt", "d1/d2/d3/back/t.txt", "d1/esc/outside/x/y.txt", "d1/d2/dot/dot/f.txt",
		"d1/d2/etc/passwd", "d1/d2/d3/dangling", "d1/d2/fifo", "loop/x", beneathLong + "/f.txt",
		// eight links, the most the Root follows, and nine, which only
		// the kernel follows (inside)
		"in/d2/dot/dot/dot/dot/dot/dot/dot/f.txt", "in/d2/dot/dot/dot/dot/dot/dot/dot/dot/f.txt",
		// in the root itself: one fstatat
		".", "t.txt", "in", "out", "abs", "missing", "t.txt/x", "loop", "chain",
	}
	for _, policy := range []SymlinkPolicy{SymlinksInside, SymlinksNever} {
		d, err := newReadDirFS(root, policy)
		if err != nil {
			t.Fatal(err)
		}
		if d.beneath == nil {
			t.Skip("openat2(2) is not available here")
		}
		for _, name := range names {
			checkBeneath(t, d, name)
		}
		d.close()
		var st syscall.Stat_t
		if d.beneath.stat("d1/d2/f.txt", &st) != errUseRoot || d.beneath.open("d1/d2/f.txt") != nil {
			t.Errorf("%v: stat or open after close succeeded", policy)
		}
	}
}

// beneathLong is a directory name that makes the names under it too long
// for beneathDir's stack buffer.
var beneathLong = strings.Repeat("l", 250)

// beneathTree makes the tree of TestStatBeneathMatchesRoot and
// FuzzStatBeneath, with links of every kind, and returns its root: top/root,
// beside top/outside.
func beneathTree(t testing.TB) string {
	t.Helper()
	top := t.TempDir()
	root := filepath.Join(top, "root")
	for _, dir := range []string{"root/d1/d2/d3", "root/" + beneathLong, "outside/x"} {
		if err := os.MkdirAll(filepath.Join(top, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"root/t.txt", "root/d1/d2/f.txt", "root/d1/d2/d3/g.txt", "root/d1/h.txt",
		"root/" + beneathLong + "/f.txt", "outside/x/y.txt"} {
		if err := os.WriteFile(filepath.Join(top, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "d1/d2/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"root/in":                "d1",                      // relative, inside
		"root/d1/up":             "../d1/d2",                // relative through .., inside
		"root/out":               "../outside",              // leaves the tree
		"root/abs":               filepath.Join(root, "d1"), // absolute, even if inside
		"root/d1/d2/lf":          "f.txt",                   // a link as the last part
		"root/d1/d2/bad":         "../../../outside/x/y.txt",
		"root/chain":             "in",       // a link to a link
		"root/d1/d2/d3/back":     "../../..", // up to the root itself
		"root/d1/esc":            "../..",    // up past the root
		"root/d1/d2/dot":         ".",        // its own directory
		"root/d1/d2/etc":         "/etc",     // absolute, outside
		"root/d1/d2/d3/dangling": "nowhere",
		"root/loop":              "loop", // ELOOP
	}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(top, l)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// beneathPlain are names of beneathTree that hold no link: the openat2
// stat must find them itself.
var beneathPlain = map[string]bool{".": true, "t.txt": true, "d1": true, "d1/d2/f.txt": true,
	"d1/d2/d3/g.txt": true, "d1/d2/d3": true, "d1/h.txt": true, "d1/d2": true, "d1/d2/fifo": true}

// checkBeneath checks d.beneath's stat and open of name against the
// os.Root's walk (statWalk). The one difference allowed is beneathDir's
// documented one: under SymlinksInside the kernel follows a chain of up
// to 40 links where the Root stops at 8 (ELOOP).
func checkBeneath(t testing.TB, d *dirFS, name string) {
	t.Helper()
	policy := d.policy
	var st syscall.Stat_t
	serr := d.beneath.stat(name, &st)
	ok := serr == nil
	want, wantErr := d.statWalk(name)
	longChain := policy == SymlinksInside && errors.Is(wantErr, syscall.ELOOP)
	switch {
	case serr != nil && serr != errUseRoot:
		// A name that is not there: the Root's error, by kind
		// (and, for inside, word for word).
		if longChain && (errors.Is(serr, fs.ErrNotExist) || errors.Is(serr, syscall.ENOTDIR)) {
			break
		}
		if wantErr == nil || !errors.Is(serr, fs.ErrNotExist) && !errors.Is(serr, syscall.ENOTDIR) ||
			errors.Is(serr, fs.ErrNotExist) != errors.Is(wantErr, fs.ErrNotExist) ||
			policy == SymlinksInside && serr.Error() != wantErr.Error() {
			t.Errorf("%v %q: openat2 stat error %v, the Root's %v", policy, name, serr, wantErr)
		}
	case ok && longChain:
	case ok && wantErr != nil:
		t.Errorf("%v %q: openat2 stat found a file, the Root refuses it: %v", policy, name, wantErr)
	case ok:
		got := newStatInfo(d, name, &st)
		if !reflect.DeepEqual(got.Sys(), want.Sys()) || got.Name() != want.Name() || got.Mode() != want.Mode() ||
			got.Size() != want.Size() || !got.ModTime().Equal(want.ModTime()) || got.IsDir() != want.IsDir() {
			t.Errorf("%v %q: openat2 stat %v %v %d, the Root's %v %v %d", policy, name,
				got.Name(), got.Mode(), got.Size(), want.Name(), want.Mode(), want.Size())
		}
	case beneathPlain[name]:
		t.Errorf("%v %q: openat2 stat failed on a plain name (the Root: %v)", policy, name, wantErr)
	}
	// Open: the same regular file as the Root opens, or nothing.
	f := d.beneath.open(name)
	if f == nil {
		if ok && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
			t.Errorf("%v %q: openat2 stat found a file, open did not", policy, name)
		}
		return
	}
	if !ok || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		t.Errorf("%v %q: openat2 opened what stat did not find as a file", policy, name)
	}
	gotFi, err := f.Stat()
	f.Close()
	if longChain && err == nil && reflect.DeepEqual(gotFi.Sys(), &st) {
		return
	}
	if err != nil || wantErr != nil || !reflect.DeepEqual(gotFi.Sys(), want.Sys()) {
		t.Errorf("%v %q: openat2 opened %v (%v), the Root stats %v", policy, name, gotFi, err, wantErr)
	}
}

// TestDirFSStatBeneath checks that dirFS.Stat itself takes beneathDir's
// stat, and gives what the Root's walk gives.
func TestDirFSStatBeneath(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "d1", "d2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "d1", "d2", "f.txt"), []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []SymlinkPolicy{SymlinksInside, SymlinksNever} {
		d, err := newReadDirFS(root, policy)
		if err != nil {
			t.Fatal(err)
		}
		defer d.close()
		if d.beneath == nil {
			t.Skip("openat2(2) is not available here")
		}
		for _, name := range []string{"d1/d2/f.txt", "d1/d2", "d1", ".", "d1/d2/missing", "missing"} {
			fi, err := d.Stat(name)
			want, wantErr := d.statWalk(name)
			if _, beneath := fi.(*statInfo); err == nil && !beneath {
				t.Errorf("%v %q: Stat did not take beneathDir's stat", policy, name)
			}
			if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Errorf("%v %q: Stat error %v, the Root's %v", policy, name, err, wantErr)
				continue
			}
			if err == nil && !reflect.DeepEqual(fi.Sys(), want.Sys()) {
				t.Errorf("%v %q: Stat found another file than the Root", policy, name)
			}
		}
	}
}

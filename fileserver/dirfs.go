package fileserver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// dirFS is the one place that decides how names under an OS directory are
// opened, according to the symlink policy. Files are opened with
// O_NONBLOCK so that a FIFO in the tree cannot hang a request (it is then
// refused as not a regular file); regular files ignore the flag, and the
// *os.File is kept, so sendfile still works. Beyond fs.ValidPath, names
// may hold bytes that are not valid UTF-8 (urlpath.ValidName): on Linux
// any bytes but '/' and NUL name a file, and the listing links such a
// file as Python does.
type dirFS struct {
	dir    string   // for SymlinksFollow
	prefix string   // dir and a separator, which names are appended to
	root   *os.Root // for SymlinksInside and SymlinksNever
	policy SymlinkPolicy
	// wroot is the root uploads write through: root, or for
	// SymlinksFollow one of its own; nil when uploads are off.
	wroot *os.Root
	// beneath stats names under root in one openat2(2) for
	// SymlinksInside and SymlinksNever; nil where that cannot be done.
	beneath *beneathDir
}

// openFlags are the flags every file is opened with, through os.Root's
// OpenFile too (see openLargeFile).
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | openLargeFile

var errSymlink = errors.New("symbolic link refused by policy")

func newDirFS(dir string, policy SymlinkPolicy, upload bool) (*dirFS, error) {
	d, err := newReadDirFS(dir, policy)
	if err != nil || !upload {
		return d, err
	}
	d.wroot = d.root
	if d.wroot == nil {
		if d.wroot, err = os.OpenRoot(dir); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func newReadDirFS(dir string, policy SymlinkPolicy) (*dirFS, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: syscall.ENOTDIR}
	}
	switch policy {
	case SymlinksFollow:
		// Looked up by path on each request, as Python does, but from
		// the working directory of now: a program that changes it
		// later still serves the directory it named (the other
		// policies hold it open).
		if dir, err = filepath.Abs(dir); err != nil {
			return nil, err
		}
		prefix := dir
		if !strings.HasSuffix(prefix, string(filepath.Separator)) {
			prefix += string(filepath.Separator)
		}
		return &dirFS{dir: dir, prefix: prefix, policy: policy}, nil
	case SymlinksInside, SymlinksNever:
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		return &dirFS{root: root, policy: policy, beneath: newBeneathDir(root, policy)}, nil
	}
	return nil, errors.New("unknown SymlinkPolicy")
}

// checkNoLinks refuses a name any element of which is a symbolic link
// (SymlinksNever). The os.Root still confines what a link swapped in after
// the check could reach to the tree.
func (d *dirFS) checkNoLinks(name string) error {
	if name == "." {
		return nil
	}
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '/' {
			continue
		}
		fi, err := d.root.Lstat(name[:i])
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &fs.PathError{Op: "open", Path: name, Err: errSymlink}
		}
	}
	return nil
}

// validName reports whether name may be looked up: a valid one
// (urlpath.ValidName) that, on Windows, also names there the file it
// names on Unix and no other: windowsName, and no device name ("NUL",
// and "com1.txt" where Windows reserves it), which filepath.IsLocal
// refuses.
func validName(name string) bool {
	if runtime.GOOS == "windows" {
		return urlpath.ValidName(name) && windowsName(name) && filepath.IsLocal(filepath.FromSlash(name))
	}
	return urlpath.ValidName(name)
}

// windowsName reports whether no element of the valid name holds a '\'
// (a separator on Windows, so that "..\..\x" would climb out of the
// root) or a ':' (a drive, "C:x", or a stream, "x::$DATA"), or ends in a
// dot or a space, which Windows drops ("secret.txt." opens "secret.txt").
// Python's translate_path drops an element with a '\' or a drive; here
// the name is not found.
func windowsName(name string) bool {
	if name == "." {
		return true
	}
	if strings.ContainsAny(name, `\:`) {
		return false
	}
	for elem := range strings.SplitSeq(name, "/") {
		if c := elem[len(elem)-1]; c == '.' || c == ' ' {
			return false
		}
	}
	return true
}

func (d *dirFS) Open(name string) (fs.File, error) {
	if !validName(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if d.policy == SymlinksFollow {
		f, err := os.OpenFile(d.path(name), openFlags, 0)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	if f := d.beneath.open(name); f != nil {
		return f, nil
	}
	if d.policy == SymlinksNever {
		if err := d.checkNoLinks(name); err != nil {
			return nil, err
		}
	}
	f, err := d.root.OpenFile(name, openFlags, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (d *dirFS) Stat(name string) (fs.FileInfo, error) {
	if !validName(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if d.policy == SymlinksFollow {
		return os.Stat(d.path(name))
	}
	if done, fi, err := d.statBeneath(name); done {
		return fi, err
	}
	return d.statWalk(name)
}

// statWalk is Stat of the valid name for SymlinksInside and SymlinksNever
// through the os.Root, which walks the name a directory at a time.
func (d *dirFS) statWalk(name string) (fs.FileInfo, error) {
	if d.policy == SymlinksNever {
		if err := d.checkNoLinks(name); err != nil {
			return nil, err
		}
	}
	return d.root.Stat(name)
}

// path is the OS path of the valid name under dir (SymlinksFollow), made
// without filepath.Join's second Clean: a valid name is clean already.
func (d *dirFS) path(name string) string {
	if name == "." {
		return d.dir
	}
	return d.prefix + filepath.FromSlash(name)
}

func (d *dirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.(*os.File).ReadDir(-1)
}

func (d *dirFS) close() error {
	if d.wroot != nil && d.wroot != d.root {
		d.wroot.Close()
	}
	d.beneath.close()
	if d.root != nil {
		return d.root.Close()
	}
	return nil
}

var _ fs.StatFS = (*dirFS)(nil)
var _ fs.ReadDirFS = (*dirFS)(nil)

// joinName joins a directory name and an entry name into an fs.FS name.
func joinName(dir, elem string) string {
	if dir == "." {
		return elem
	}
	return dir + "/" + elem
}

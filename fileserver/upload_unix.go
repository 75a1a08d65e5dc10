//go:build unix && !aix && !solaris

package fileserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// uploadsSupported: the system calls below exist on every Unix but AIX
// and Solaris (illumos), where golang.org/x/sys/unix has no Linkat.
const uploadsSupported = true

// tempPrefix starts the name of a named temporary file (see createTemp).
// Uploads refuse names that start with a dot, so no upload can take it,
// and the handler neither lists nor serves names that start with it.
const tempPrefix = ".simplehttp-upload-"

// tempFile is an upload's bytes on their way to their name, in the
// directory they are for (so that the final rename or link never crosses
// a file system). It is an unnamed file (O_TMPFILE, Linux) where the file
// system allows it, which nothing can see and which vanishes with the
// process, or else a file created exclusively under a hidden name
// tempPrefix+random, removed by abort.
type tempFile struct {
	*os.File
	dir  *os.File // the target directory, open
	name string   // the hidden name, or "" for an unnamed file
}

// createTemp creates the temporary file of an upload into dir.
func createTemp(dir *os.File) (*tempFile, error) {
	if f, err := createUnnamed(dir); err == nil || !errors.Is(err, errUnnamedUnsupported) {
		if err != nil {
			if dirRemoved(dir) {
				// Some systems answer EPERM for a directory that
				// is gone: say what happened.
				return nil, &os.PathError{Op: "create", Path: "(upload)", Err: unix.ENOENT}
			}
			return nil, err
		}
		return &tempFile{File: f, dir: dir}, nil
	}
	for range 10 {
		name := randomTempName()
		fd, err := unix.Openat(int(dir.Fd()), name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o666)
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "create", Path: name, Err: err}
		}
		return &tempFile{File: os.NewFile(uintptr(fd), name), dir: dir, name: name}, nil
	}
	return nil, errors.New("cannot create a temporary file: every name taken")
}

// dirRemoved reports whether dir, open, has been removed meanwhile.
func dirRemoved(dir *os.File) bool {
	var st unix.Stat_t
	return unix.Fstat(int(dir.Fd()), &st) == nil && st.Nlink == 0
}

func randomTempName() string {
	var b [12]byte
	rand.Read(b[:])
	return tempPrefix + hex.EncodeToString(b[:])
}

// errUnnamedUnsupported says that dir cannot hold an unnamed file.
var errUnnamedUnsupported = errors.New("unnamed temporary files not supported")

// commit syncs the file's bytes, gives the file its name in the
// directory and syncs the directory, so that the name, once there,
// survives a crash with all of its bytes. Without overwrite it fails with
// an error that errors.Is os.ErrExist when the name exists, whatever it
// is (an exclusive link: of two uploads of one name, exactly one gets
// it); with overwrite it atomically replaces a file of that name (a
// rename), never a directory. In every case the file is closed.
func (t *tempFile) commit(name string, overwrite bool) error {
	var err error
	if t.File != nil { // a parked file was synced by park
		err = t.Sync()
	}
	if err == nil {
		err = t.link(name, overwrite)
	}
	t.abort()
	if err != nil {
		return err
	}
	t.dir.Sync() // the new name; a failure here loses nothing yet
	return nil
}

// link names the synced file name in its directory.
func (t *tempFile) link(name string, overwrite bool) error {
	dirfd := int(t.dir.Fd())
	if t.name == "" {
		if !overwrite {
			return linkUnnamed(t.File, dirfd, name)
		}
		// An unnamed file can only be linked to a name that does not
		// exist: link it to a hidden one, then rename that over name.
		if err := t.linkHidden(); err != nil {
			return err
		}
	}
	if overwrite {
		if err := unix.Renameat(dirfd, t.name, dirfd, name); err != nil {
			return renameError(err, name)
		}
		t.name = "" // nothing left to remove
		return nil
	}
	// link(2) never replaces anything: the exclusive step.
	err := commitLink(dirfd, t.name, dirfd, name, 0)
	switch err {
	case nil:
		return nil
	case unix.EPERM, unix.EOPNOTSUPP, unix.ENOSYS:
		// A file system without hard links (FAT and exFAT, as on most
		// USB drives, answer EPERM): a rename that never replaces is
		// as exclusive, where the system has one.
		rerr := renameNoReplace(dirfd, t.name, name)
		if rerr == nil {
			t.name = "" // nothing left to remove
			return nil
		}
		if rerr == unix.EEXIST {
			err = rerr
		}
	}
	return &os.LinkError{Op: "link", Old: t.name, New: name, Err: err}
}

// linkHidden gives the unnamed file a hidden name (tempPrefix), which
// abort removes.
func (t *tempFile) linkHidden() error {
	for range 10 {
		hidden := randomTempName()
		err := linkUnnamed(t.File, int(t.dir.Fd()), hidden)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		t.name = hidden
		return nil
	}
	return errors.New("cannot link the upload: every temporary name taken")
}

// park closes the file, so that it holds no descriptor while it waits to
// be named: its bytes are synced, and an unnamed file is first given a
// hidden name (tempPrefix, neither listed nor served), which commit links
// or renames to the file's name and abort removes.
func (t *tempFile) park() error {
	err := t.Sync()
	if err == nil && t.name == "" {
		err = t.linkHidden()
	}
	if err != nil {
		return err
	}
	t.File.Close() // synced: a failure to close loses nothing
	t.File = nil
	return nil
}

// ident is the identity of the file, open or parked.
func (t *tempFile) ident() (fileIdent, error) {
	if t.File != nil {
		return identOf(t.File)
	}
	cur, err := lstatAt(t.dir, t.name)
	if err == nil && !cur.exists {
		err = &os.PathError{Op: "lstat", Path: t.name, Err: unix.ENOENT}
	}
	return cur.id, err
}

// commitLink is linkat(2) for link (tests make it fail as a file system
// without hard links does).
var commitLink = unix.Linkat

// renameError is the error of rename(2) onto name: EISDIR and ENOTEMPTY
// (a directory is there) read as "exists".
func renameError(err error, name string) error {
	if err == unix.EISDIR || err == unix.ENOTEMPTY || err == unix.EEXIST {
		err = syscall.EEXIST
	}
	return &os.PathError{Op: "rename", Path: name, Err: err}
}

// abort closes the file and removes the hidden name if it has one: what
// was not committed leaves no trace. It may be called more than once.
func (t *tempFile) abort() {
	if t.File != nil {
		t.File.Close()
		t.File = nil
	}
	if t.name != "" {
		unix.Unlinkat(int(t.dir.Fd()), t.name, 0)
		t.name = ""
	}
}

// lstatAt describes name in dir without following a link.
func lstatAt(dir *os.File, name string) (targetStat, error) {
	var st unix.Stat_t
	err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		return targetStat{}, nil
	}
	if err != nil {
		return targetStat{}, &os.PathError{Op: "lstat", Path: name, Err: err}
	}
	ts := targetStat{exists: true, mtime: time.Unix(st.Mtim.Unix()), size: st.Size, id: fileIdent{uint64(st.Dev), uint64(st.Ino)}}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		ts.mode = os.ModeDir
	case unix.S_IFLNK:
		ts.mode = os.ModeSymlink
	case unix.S_IFREG:
	default:
		ts.mode = os.ModeIrregular
	}
	return ts, nil
}

// isNoSpace reports a full disk or an exhausted quota.
func isNoSpace(err error) bool {
	return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT)
}

// isTooBig reports a file larger than the file system takes.
func isTooBig(err error) bool { return errors.Is(err, unix.EFBIG) }

// isReadOnly reports a read-only file system.
func isReadOnly(err error) bool { return errors.Is(err, unix.EROFS) }

// identOf is the identity of the open file f.
func identOf(f *os.File) (fileIdent, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fileIdent{}, &os.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	return fileIdent{uint64(st.Dev), uint64(st.Ino)}, nil
}

// keepAside links the regular file name in dir to a new hidden name
// (tempPrefix, neither listed nor served) and returns it, or "" when
// name is not a regular file: the file stays on disk, whatever replaces
// name, until that hidden name is renamed back or removed.
// keepLink is linkat(2) for keepAside (tests make it fail).
var keepLink = unix.Linkat

func keepAside(dir *os.File, name string) (string, error) {
	cur, err := lstatAt(dir, name)
	if err != nil || !cur.exists || !cur.mode.IsRegular() {
		return "", err
	}
	for range 10 {
		hidden := randomTempName()
		err := keepLink(int(dir.Fd()), name, int(dir.Fd()), hidden, 0)
		switch err {
		case nil:
			return hidden, nil
		case unix.EEXIST:
			continue
		case unix.ENOENT:
			return "", nil // gone meanwhile: nothing to keep
		case unix.EPERM, unix.EXDEV, unix.EOPNOTSUPP, unix.EMLINK, unix.ENOSYS:
			// A file of another user under fs.protected_hardlinks,
			// or a file system without hard links: the rename that
			// replaces it still works, without a way back.
			return "", &os.LinkError{Op: "link", Old: name, New: hidden, Err: errors.Join(errCannotKeep, err)}
		}
		return "", &os.LinkError{Op: "link", Old: name, New: hidden, Err: err}
	}
	return "", errors.New("cannot keep a replaced file: every temporary name taken")
}

// renameAt renames old to name in dir, replacing name.
func renameAt(dir *os.File, old, name string) error {
	if err := unix.Renameat(int(dir.Fd()), old, int(dir.Fd()), name); err != nil {
		return &os.LinkError{Op: "rename", Old: old, New: name, Err: err}
	}
	return nil
}

// unlinkAt removes the file name from dir.
func unlinkAt(dir *os.File, name string) error {
	if err := unix.Unlinkat(int(dir.Fd()), name, 0); err != nil {
		return &os.PathError{Op: "unlink", Path: name, Err: err}
	}
	return nil
}

// openDirForWrite opens the directory name for an upload to write into,
// through wroot: whatever the policy for reads, a write never leaves the
// tree, and follows only links that resolve inside it (none with
// SymlinksNever). It also returns where the opened directory is (see
// realDir): the directory written into, whichever links led there.
func (d *dirFS) openDirForWrite(name string) (*os.File, string, error) {
	if !urlpath.ValidName(name) {
		return nil, "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if d.policy == SymlinksNever {
		if err := d.checkNoLinks(name); err != nil {
			return nil, "", err
		}
	}
	f, err := d.wroot.OpenFile(name, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, "", err
	}
	real, err := d.realDir(f, name)
	if err != nil {
		f.Close()
		return nil, "", err
	}
	return f, real, nil
}

// errDirMoved: the directory an upload opened is not where its path,
// walked again, leads (a link or directory changed meanwhile).
var errDirMoved = errors.New("the directory changed while it was opened")

// maxLinks bounds the links realDir follows, as the kernel does
// (MAXSYMLINKS); os.Root follows fewer.
const maxLinks = 40

// realDir returns the path from the root, without any link in it, of the
// directory dir that name was opened as: name with its links resolved as
// the os.Root resolves them ("..", in a link's target, goes up from where
// the link led). The path is walked from the root one element at a time,
// never following a link (every link is read and its target walked in
// its place), and must end at dir itself: the result names the directory
// dir is, and a link changed since dir was opened is refused
// (errDirMoved), never misread.
func (d *dirFS) realDir(dir *os.File, name string) (string, error) {
	root, err := d.wroot.Open(".")
	if err != nil {
		return "", err
	}
	defer root.Close()
	var todo, elems []string
	if name != "." {
		todo = strings.Split(name, "/")
	}
	cur := -1 // elems, opened; -1 while elems is empty (the root)
	defer func() {
		if cur >= 0 {
			unix.Close(cur)
		}
	}()
	at := func() int {
		if cur < 0 {
			return int(root.Fd())
		}
		return cur
	}
	buf := make([]byte, unix.PathMax)
	for links := 0; len(todo) > 0; {
		elem := todo[0]
		todo = todo[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			if len(elems) == 0 {
				return "", errDirMoved // os.Root never climbs out
			}
			// Walk the parent again from the root, rather than
			// trust a ".." of the file system.
			todo = append(elems[:len(elems)-1:len(elems)-1], todo...)
			elems = nil
			if cur >= 0 {
				unix.Close(cur)
				cur = -1
			}
			continue
		}
		if n, err := readlinkat(at(), elem, buf); err == nil {
			if links++; links > maxLinks || n == len(buf) {
				return "", &os.PathError{Op: "readlink", Path: elem, Err: unix.ELOOP}
			}
			target := string(buf[:n])
			if strings.HasPrefix(target, "/") {
				return "", errDirMoved // os.Root follows no absolute link
			}
			todo = append(strings.Split(target, "/"), todo...)
			continue
		}
		fd, err := unix.Openat(at(), elem, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", &os.PathError{Op: "open", Path: elem, Err: err}
		}
		if cur >= 0 {
			unix.Close(cur)
		}
		cur = fd
		elems = append(elems, elem)
	}
	var want, got unix.Stat_t
	if err := unix.Fstat(int(dir.Fd()), &want); err != nil {
		return "", &os.PathError{Op: "fstat", Path: name, Err: err}
	}
	if err := unix.Fstat(at(), &got); err != nil {
		return "", &os.PathError{Op: "fstat", Path: name, Err: err}
	}
	if got.Dev != want.Dev || got.Ino != want.Ino {
		return "", errDirMoved
	}
	if len(elems) == 0 {
		return ".", nil
	}
	return strings.Join(elems, "/"), nil
}

// laterThan moves the modification time of the file on past mtime, that
// of the file it is to replace, when it is not already later by a
// coarse clock tick or less: an ETag is the time and the size, and on
// kernels before 6.13, whose file times move in ticks of some 4 ms, two
// versions written within one tick got one ETag, so that an edit sent
// with If-Match and the older one's ETag replaced the newer one. A file
// system with coarser times (a second, FAT's two) is given the next time
// it can hold. A file dated far in the future is left alone: versions
// written since cannot reach its time. A parked file is dated through
// its hidden name.
func (t *tempFile) laterThan(mtime time.Time) {
	var dated func() (time.Time, error)
	var date func(next time.Time) error // and the access time now
	switch {
	case t.File != nil:
		rc, err := t.SyscallConn()
		if err != nil {
			return
		}
		dated = func() (time.Time, error) {
			fi, err := t.Stat()
			if err != nil {
				return time.Time{}, err
			}
			return fi.ModTime(), nil
		}
		date = func(next time.Time) error {
			tv := []unix.Timeval{unix.NsecToTimeval(time.Now().UnixNano()), unix.NsecToTimeval(next.UnixNano())}
			var serr error
			if err := rc.Control(func(fd uintptr) { serr = unix.Futimes(int(fd), tv) }); err != nil {
				return err
			}
			return serr
		}
	case t.name != "":
		dated = func() (time.Time, error) {
			cur, err := lstatAt(t.dir, t.name)
			if err == nil && !cur.exists {
				err = os.ErrNotExist
			}
			return cur.mtime, err
		}
		date = func(next time.Time) error {
			ts := []unix.Timespec{unix.NsecToTimespec(time.Now().UnixNano()), unix.NsecToTimespec(next.UnixNano())}
			return unix.UtimesNanoAt(int(t.dir.Fd()), t.name, ts, unix.AT_SYMLINK_NOFOLLOW)
		}
	default:
		return
	}
	cur, err := dated()
	if err != nil || cur.After(mtime) || mtime.Sub(cur) > 2*time.Second {
		return
	}
	for _, step := range []time.Duration{time.Microsecond, time.Second, 2 * time.Second} {
		if date(mtime.Truncate(step).Add(step)) != nil {
			return
		}
		if cur, err := dated(); err != nil || cur.After(mtime) {
			return
		}
	}
}

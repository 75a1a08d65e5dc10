//go:build linux && (amd64 || arm64)

package fileserver

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/simplehttp/simplehttp/internal/urlpath"
	"golang.org/x/sys/unix"
)

// statOrServeHit stats name and, when that shows a regular file whose
// very version the cache holds and the request names it without a
// trailing slash, answers from the cache and reports true. Otherwise it
// returns what fs.Stat would, for ServeHTTP to go on with.
//
// It is ServeHTTP's first step made for the request that matters most to
// throughput, a small cached file (or its 304): for a tree opened by
// NewDir the stat goes into a Stat_t on the stack (statStack), so the
// answer allocates nothing for it, where os.Stat allocates three objects
// (the OS path, its NUL-terminated copy and the FileInfo), three of the
// eight the command's whole handler chain allocated per request. What it
// answers, and when, is exactly what the general path (serveRegular,
// serveFileAs) would; anything but a hit gets a FileInfo made from the
// same stat, so no request stats twice.
func (h *Handler) statOrServeHit(w http.ResponseWriter, r *http.Request, name string, slash bool) (bool, fs.FileInfo, error) {
	d := h.dirfs
	if d == nil {
		fi, err := h.statFS.Stat(name)
		return false, fi, err
	}
	var st syscall.Stat_t
	if done, err := d.statStack(name, &st); !done {
		fi, err := d.statWalk(name)
		return false, fi, err
	} else if err != nil {
		return false, nil, err
	}
	if !slash && st.Mode&syscall.S_IFMT == syscall.S_IFREG && h.cache != nil && h.pre == nil && h.comp == nil {
		if e := h.cache.get(name, idOfStat(&st)); e != nil {
			h.setCacheControl(w, name)
			h.serveCached(w, r, name, e, nil)
			return true, nil, nil
		}
	}
	return false, newStatInfo(d, name, &st), nil
}

// statStack is d.Stat(name) into st, allocating nothing when it finds the
// name: statInto for SymlinksFollow, beneathDir's stat for the stricter
// policies. It reports false when the os.Root's walk (statWalk) is to
// resolve the name instead.
func (d *dirFS) statStack(name string, st *syscall.Stat_t) (done bool, err error) {
	if !urlpath.ValidName(name) {
		return true, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	switch {
	case d.policy == SymlinksFollow:
		return true, d.statInto(name, st)
	case d.beneath == nil:
		return false, nil
	}
	if err := d.beneath.stat(name, st); err != errUseRoot {
		return true, err
	}
	return false, nil
}

// beneathDir stats and opens a name under an os.Root's directory, for
// SymlinksInside and SymlinksNever, in one openat2(2) whatever the name's
// depth, where the Root's walk opens every directory on the way (and
// checkNoLinks, for never, walks again for each leading part: for a name
// two directories down, 5 and 14 system calls for a stat). A stat is that
// openat2 with O_PATH, an fstat and a close, or for a name in the
// directory itself one fstatat(2) that does not follow a link.
//
// It resolves a name as the Root would (SymlinksInside: relative links
// that stay inside, with RESOLVE_BENEATH; SymlinksNever: no link at all,
// with RESOLVE_NO_SYMLINKS as well), and reports only success or a name
// that is not there (with the error os.Root gives it); any other failure
// (a link refused, a kernel without openat2, descriptors exhausted) goes
// the Root's way, which gives the error its usual form. The kernel
// refuses whatever leaves the directory (or is a link, for never) in the
// one call that resolves the name, where the Root's walk checks a step
// at a time. It finds what the Root finds, with one exception: a chain of
// 9 to 40 links inside the directory, which the kernel follows and
// os.Root refuses (it stops at 8). Sending the names with a link on
// their way to the Root's walk would remove that, and make every request
// through a link (a "current" link to a release directory, say) three
// times as costly.
type beneathDir struct {
	resolve uint64

	mu sync.RWMutex // held for reading while fd is used
	fd int          // an O_PATH descriptor of the Root's directory; -1 once closed
}

// newBeneathDir returns nil where openat2 is missing (before Linux 5.6)
// or refused (a seccomp filter), and for SymlinksFollow.
func newBeneathDir(root *os.Root, policy SymlinkPolicy) *beneathDir {
	b := &beneathDir{resolve: unix.RESOLVE_BENEATH}
	switch policy {
	case SymlinksInside:
	case SymlinksNever:
		b.resolve |= unix.RESOLVE_NO_SYMLINKS
	default:
		return nil
	}
	f, err := root.Open(".") // the Root's very directory, even if renamed since
	if err != nil {
		return nil
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	b.fd = -1
	rc.Control(func(dfd uintptr) {
		fd, err := unix.Openat2(int(dfd), ".", &unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: b.resolve})
		if err == nil {
			b.fd = fd
		}
	})
	if b.fd < 0 {
		return nil
	}
	return b
}

// stat stats name into st. A name that is not there (ENOENT, ENOTDIR)
// gets the error os.Root's Stat gives it; for any other failure (a link
// refused, descriptors exhausted, no openat2) it returns errUseRoot, and
// the Root's walk is to say what is wrong.
func (b *beneathDir) stat(name string, st *syscall.Stat_t) error {
	if strings.IndexByte(name, '/') < 0 {
		// A name in the directory itself needs no resolving: one
		// fstatat that does not follow a link, which os.Root and
		// checkNoLinks follow or refuse their own way.
		switch errno := b.fstatat(name, st); errno {
		case 0:
			if st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
				return errUseRoot
			}
			return nil
		case syscall.ENOENT, syscall.ENOTDIR:
			return &fs.PathError{Op: "statat", Path: name, Err: errno}
		default:
			return errUseRoot
		}
	}
	fd, errno := b.openat2(name, unix.O_PATH|unix.O_CLOEXEC)
	switch errno {
	case 0:
	case syscall.ENOENT, syscall.ENOTDIR:
		return &fs.PathError{Op: "statat", Path: name, Err: errno}
	default:
		return errUseRoot
	}
	err := syscall.Fstat(fd, st)
	syscall.Close(fd)
	if err != nil {
		return errUseRoot
	}
	return nil
}

// statBeneath is dirFS.Stat's part of beneathDir (statStack, with a
// FileInfo): done reports that the os.Root's walk is not needed.
func (d *dirFS) statBeneath(name string) (done bool, fi fs.FileInfo, err error) {
	var st syscall.Stat_t
	if done, err = d.statStack(name, &st); !done || err != nil {
		return done, nil, err
	}
	return true, newStatInfo(d, name, &st), nil
}

// errUseRoot says that the os.Root is to resolve the name.
var errUseRoot = errors.New("resolve through the os.Root")

// open opens the regular file name as dirFS.Open does (openFlags) for
// the policy, in one openat2(2), and returns nil where it cannot: for a
// name the Root must open to give the error its form, and for anything
// but a regular file. (A directory must come
// from the Root: os.File.ReadDir's entries of a file made by os.NewFile
// would look their FileInfo up by path, outside the Root.)
func (b *beneathDir) open(name string) *os.File {
	if b == nil {
		return nil
	}
	fd, errno := b.openat2(name, openFlags|syscall.O_CLOEXEC)
	if errno != 0 {
		return nil
	}
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil
	}
	return os.NewFile(uintptr(fd), name)
}

// openat2 opens name under the directory with flags, confined as the
// policy says, and returns the descriptor or why it could not (EINVAL for
// a name it does not take, EBADF once closed).
func (b *beneathDir) openat2(name string, flags int) (int, syscall.Errno) {
	how := unix.OpenHow{Flags: uint64(flags), Resolve: b.resolve}
	fd, errno := b.syscallAt(unix.SYS_OPENAT2, name, unsafe.Pointer(&how), unsafe.Sizeof(how))
	if errno != 0 {
		return -1, errno
	}
	return int(fd), 0
}

// fstatat stats name in the directory itself into st, not following a
// link.
func (b *beneathDir) fstatat(name string, st *syscall.Stat_t) syscall.Errno {
	_, errno := b.syscallAt(sysFstatat, name, unsafe.Pointer(st), unix.AT_SYMLINK_NOFOLLOW)
	return errno
}

// syscallAt makes the system call trap(dirfd, name, arg, last), with the
// directory's descriptor, name as a C string built on the stack, and arg
// a pointer the kernel fills or reads, again on EINTR. name is valid
// (urlpath.ValidName): its callers, dirFS.Open and statStack, have
// checked.
func (b *beneathDir) syscallAt(trap uintptr, name string, arg unsafe.Pointer, last uintptr) (uintptr, syscall.Errno) {
	var buf [256]byte
	if len(name) >= len(buf) || strings.IndexByte(name, 0) >= 0 {
		return 0, syscall.EINVAL
	}
	p := append(append(buf[:0], name...), 0)
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.fd < 0 {
		return 0, syscall.EBADF
	}
	for {
		r, _, errno := syscall.Syscall6(trap, uintptr(b.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(arg), last, 0, 0)
		if errno != syscall.EINTR {
			return r, errno
		}
	}
}

// close closes the descriptor once no stat uses it.
func (b *beneathDir) close() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fd >= 0 {
		syscall.Close(b.fd)
		b.fd = -1
	}
}

// statInto is d.Stat(name) of a valid name for SymlinksFollow, into st:
// the same system call on the same path, with the same error, but the
// path is made in a buffer on the stack (a long one falls back to os's
// way of passing it).
func (d *dirFS) statInto(name string, st *syscall.Stat_t) error {
	dir, rel := d.prefix, name // on Linux, filepath.FromSlash(name) is name
	if name == "." {
		dir, rel = d.dir, ""
	}
	var buf [256]byte
	if len(dir)+len(rel) >= len(buf) || strings.IndexByte(name, 0) >= 0 {
		// The path and its NUL do not fit, or the name holds a NUL (what
		// urlpath.UnescapeName makes of a character that stands for no
		// byte), which would end the path early: os.Stat's way, which
		// refuses a NUL with EINVAL.
		return stat(d.path(name), st)
	}
	p := append(append(buf[:0], dir...), rel...)
	p = append(p, 0)
	for {
		_, _, errno := syscall.Syscall6(sysFstatat, atFDCWD, uintptr(unsafe.Pointer(&p[0])), uintptr(unsafe.Pointer(st)), 0, 0, 0)
		switch errno {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		}
		return &fs.PathError{Op: "stat", Path: d.path(name), Err: errno}
	}
}

// atFDCWD is AT_FDCWD (-100) as a system call argument; the syscall
// package does not export it.
const atFDCWD = ^uintptr(99)

// stat is os.Stat into st.
func stat(name string, st *syscall.Stat_t) error {
	for {
		err := syscall.Stat(name, st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "stat", Path: name, Err: err}
		}
		return nil
	}
}

// statInfo is the fs.FileInfo of a stat made by statStack, the same in
// every method as the one os.Stat (SymlinksFollow) or the os.Root's Stat
// returns for the same name.
type statInfo struct {
	st   syscall.Stat_t
	dir  *dirFS
	name string
}

func newStatInfo(d *dirFS, name string, st *syscall.Stat_t) *statInfo {
	return &statInfo{st: *st, dir: d, name: name}
}

func (s *statInfo) Name() string {
	if s.name == "." {
		return filepath.Base(s.dir.dir)
	}
	return path.Base(s.name)
}

func (s *statInfo) Size() int64        { return s.st.Size }
func (s *statInfo) ModTime() time.Time { return time.Unix(s.st.Mtim.Unix()) }
func (s *statInfo) IsDir() bool        { return s.Mode().IsDir() }
func (s *statInfo) Sys() any           { return &s.st }

// Mode converts the stat's mode as os does.
func (s *statInfo) Mode() fs.FileMode {
	m := fs.FileMode(s.st.Mode & 0o777)
	switch s.st.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if s.st.Mode&syscall.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if s.st.Mode&syscall.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if s.st.Mode&syscall.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

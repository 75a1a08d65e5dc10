package fileserver

import (
	"io/fs"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// richStatParallel is the number of entries from which richStamps splits
// the stat calls among goroutines, one per processor (up to 4): the
// calls are the listing's main cost, and they wait on the kernel alone.
const richStatParallel = 2048

// richStamps calls fn with the stamp of each of rows, entries of the
// directory dir open as f, until fn returns false; it reports whether it
// went through them all. fn may be called from several goroutines at
// once, never twice for one i. With an OS directory, an entry that is not
// a link is stat'ed relative to the directory's descriptor (fstatat(2)
// with AT_SYMLINK_NOFOLLOW: one system call and no path walk from the
// root, where a stat by name walks every component again); a link is
// stat'ed through the fs.FS, so the symlink policy decides where it may
// lead.
func (h *Handler) richStamps(f fs.File, dir string, rows []richEntry, fn func(i int, st richStamp) bool) bool {
	osf, ok := f.(*os.File)
	if !ok {
		return h.richStampsFS(dir, rows, fn)
	}
	rc, err := osf.SyscallConn()
	if err != nil {
		return h.richStampsFS(dir, rows, fn)
	}
	var stop atomic.Bool
	part := func(lo, hi int) {
		err := rc.Control(func(fd uintptr) {
			var st unix.Stat_t
			for i := lo; i < hi; i++ {
				if stop.Load() { // another part found a changed entry
					return
				}
				e := rows[i].entry
				var s richStamp
				if e.link {
					s = h.richStat(dir, e)
				} else if err := unix.Fstatat(int(fd), e.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
					s = richStamp{kind: 'o', size: -1}
				} else {
					s = richStamp{kind: 'o', size: -1, hasTime: true, mtime: int64(st.Mtim.Sec), nsec: int32(st.Mtim.Nsec)}
					switch st.Mode & unix.S_IFMT {
					case unix.S_IFDIR:
						s.kind = 'd'
					case unix.S_IFREG:
						s.kind, s.size = 'f', st.Size
					}
				}
				if !fn(i, s) {
					stop.Store(true)
					return
				}
			}
		})
		if err != nil {
			stop.Store(true)
		}
	}
	n := min(runtime.GOMAXPROCS(0), 4)
	if len(rows) < richStatParallel || n < 2 {
		part(0, len(rows))
		return !stop.Load()
	}
	var wg sync.WaitGroup
	// A panic of the fs.FS (its Stat, for a link) in a goroutine of
	// ours would end the process, where in the request's own goroutine
	// net/http or the errorpage middleware recovers it: it is taken
	// there, once the parts are done.
	var panicked atomic.Pointer[any]
	for k := range n {
		lo, hi := len(rows)*k/n, len(rows)*(k+1)/n
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					stop.Store(true)
					panicked.CompareAndSwap(nil, &v)
				}
			}()
			part(lo, hi)
		}()
	}
	wg.Wait()
	if v := panicked.Load(); v != nil {
		panic(*v)
	}
	return !stop.Load()
}

package fileserver

import (
	"context"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// richStamps calls fn with the stamp of each of rows, entries of the
// directory dir open as f, in order, until fn returns false; it reports
// whether it went through them all. With an OS directory, an entry that
// is not a link is stat'ed relative to the directory's descriptor
// (fstatat(2) with AT_SYMLINK_NOFOLLOW: one system call and no path walk
// from the root, where a stat by name walks every component again); a
// link is stat'ed through the fs.FS, so the symlink policy decides where
// it may lead.
func (h *Handler) richStamps(ctx context.Context, f fs.File, dir string, rows []richEntry, fn func(i int, st richStamp) bool) bool {
	osf, ok := f.(*os.File)
	if !ok {
		return h.richStampsFS(ctx, dir, rows, fn)
	}
	rc, err := osf.SyscallConn()
	if err != nil {
		return h.richStampsFS(ctx, dir, rows, fn)
	}
	done := false
	err = rc.Control(func(fd uintptr) {
		var st unix.Stat_t
		for i := range rows {
			if i%ctxCheckEvery == ctxCheckEvery-1 && ctx.Err() != nil {
				return
			}
			e := rows[i].entry
			var s richStamp
			if e.link {
				s = h.richStat(dir, e)
			} else if err := unix.Fstatat(int(fd), e.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				s = richStamp{kind: 'o', size: -1}
			} else {
				s = richStamp{kind: 'o', size: -1, hasTime: true, mtime: st.Mtim.Sec}
				switch st.Mode & unix.S_IFMT {
				case unix.S_IFDIR:
					s.kind = 'd'
				case unix.S_IFREG:
					s.kind, s.size = 'f', st.Size
				}
			}
			if !fn(i, s) {
				return
			}
		}
		done = true
	})
	return err == nil && done
}

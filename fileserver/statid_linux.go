package fileserver

import (
	"io/fs"
	"syscall"
)

// statID returns the identity of the file version fi describes, from the
// stat data of an OS file (os.Stat, os.DirFS, os.Root). It reports false
// for a FileInfo without it (fstest.MapFS, embed.FS): such files are not
// cached.
func statID(fi fs.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st == nil {
		return fileID{}, false
	}
	return idOfStat(st), true
}

// idOfStat is the identity of the file version st describes.
func idOfStat(st *syscall.Stat_t) fileID {
	return fileID{
		dev:   uint64(st.Dev),
		ino:   uint64(st.Ino),
		size:  st.Size,
		mtime: st.Mtim.Nano(),
		ctime: st.Ctim.Nano(),
	}
}

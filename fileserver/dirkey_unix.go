//go:build unix

package fileserver

import (
	"io/fs"
	"syscall"
)

// dirKeyOf is the device and inode of a directory, when its FileInfo has
// them: the stat data of an OS file on every Unix (statID, which the
// cache uses, has them on Linux only), so that an archive leaves a link
// loop out on macOS and the BSDs as on Linux.
func dirKeyOf(fi fs.FileInfo) (dirKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st == nil {
		return dirKey{}, false
	}
	return dirKey{uint64(st.Dev), uint64(st.Ino)}, true
}

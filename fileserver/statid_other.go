//go:build !linux

package fileserver

import "io/fs"

// statID reports false: the small-file cache is validated with Linux's
// stat data (device, inode, size, mtime and ctime in nanoseconds), so
// elsewhere every file is read from disk on every request.
func statID(fs.FileInfo) (fileID, bool) { return fileID{}, false }

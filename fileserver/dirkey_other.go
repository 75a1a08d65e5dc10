//go:build !unix

package fileserver

import "io/fs"

// dirKeyOf reports false: Windows's FileInfo has no device and inode, so
// a loop of links is cut off by the archive's depth limit alone
// (maxArchiveDepth).
func dirKeyOf(fs.FileInfo) (dirKey, bool) { return dirKey{}, false }

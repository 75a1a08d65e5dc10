//go:build !linux

package fileserver

import "io/fs"

// richStamps calls fn with the stamp of each of rows, entries of the
// directory dir, in order, until fn returns false; it reports whether it
// went through them all. Each entry is stat'ed through the fs.FS.
func (h *Handler) richStamps(_ fs.File, dir string, rows []richEntry, fn func(i int, st richStamp) bool) bool {
	return h.richStampsFS(dir, rows, fn)
}

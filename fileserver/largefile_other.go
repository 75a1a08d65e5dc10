//go:build !linux

package fileserver

// openLargeFile is 0 where there is no O_LARGEFILE: offsets are 64 bits
// wide whatever the flags (see largefile_linux.go).
const openLargeFile = 0

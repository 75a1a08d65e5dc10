//go:build !linux && !darwin && !freebsd

package fileserver

import "os"

// freeSpace reports -1 (cannot tell): other systems name statfs's fields
// differently (OpenBSD), have statvfs instead (NetBSD, Solaris) or no
// uploads at all, and an upload that does not fit still fails cleanly
// with ENOSPC.
func freeSpace(*os.File) int64 { return -1 }

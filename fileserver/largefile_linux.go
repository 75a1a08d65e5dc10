package fileserver

import "syscall"

// openLargeFile is O_LARGEFILE: on 32-bit Linux (386, arm, mips), an
// open(2) without it fails with EOVERFLOW for a file of 2 GiB or more.
// os.Open adds it, but not os.Root's OpenFile, which passes its flags as
// they are: every file that large was 404 under SymlinksInside and
// SymlinksNever, and left out of archives. It is 0 on 64-bit Linux.
const openLargeFile = syscall.O_LARGEFILE

package fileserver

import "syscall"

// sysFstatat is fstatat(2) with the kernel's own struct stat, which is
// syscall.Stat_t.
const sysFstatat = syscall.SYS_FSTATAT

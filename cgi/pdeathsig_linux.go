package cgi

import "syscall"

// setParentDeathSignal makes the kernel kill the script if its launcher
// dies first (say, killed by net/http/cgi when the client goes away).
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }

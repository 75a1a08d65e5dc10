//go:build !unix

package main

import "os"

// reopenSignal and hangupSignal are nil: there is no SIGUSR1 here, and no
// SIGHUP to handle (see logsignal_unix.go).
var reopenSignal, hangupSignal os.Signal

func dieOf(os.Signal) {}

// openNonblock is none: no FIFO to wait for (see openAppend).
const openNonblock = 0

func setBlocking(*os.File) {}

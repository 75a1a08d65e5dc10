//go:build unix

package main

import (
	"os"
	"syscall"
)

// reopenSignal is the signal that has the command open its --log-file
// again: SIGUSR1, as for nginx.
var reopenSignal os.Signal = syscall.SIGUSR1

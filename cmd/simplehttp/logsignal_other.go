//go:build !unix

package main

import "os"

// reopenSignal is nil: there is no SIGUSR1 here (see logsignal_unix.go).
var reopenSignal os.Signal

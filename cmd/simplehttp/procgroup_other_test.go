//go:build !unix

package main

import "os/exec"

// killGroupOnCancel leaves cmd as it is: there are no process groups
// here, and cancelling kills the process alone.
func killGroupOnCancel(cmd *exec.Cmd) {}

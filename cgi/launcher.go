package cgi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// launcherArg is the hidden first argument that turns the executable into
// the launcher. The rest of the command line is private to this package:
//
//	exe launcherArg timeoutMillis cred unset execPath argv0 [args...]
//
// cred is "" (keep the current user) or "uid:gid"; unset is a
// comma-separated list of variables removed from the environment.
const launcherArg = "-simplehttp-cgi-launcher-v1"

// launcherPing is the timeoutMillis value [New] uses to check that the
// launcher is wired up; the launcher then prints launcherPong and exits.
const (
	launcherPing = "ping"
	launcherPong = "simplehttp-cgi-launcher ok"
)

// The launcher talks to the server on its standard error, one line per
// message, each starting with a tag byte. The script's own standard error
// goes through a pipe of the launcher and comes back tagged, so a script
// cannot forge the other messages.
const (
	tagStderr  = 'E' // a line of the script's standard error
	tagPID     = 'P' // the script's pid, which is also its process group
	tagExit    = 'X' // the script's exit code (negative: killed by signal)
	tagTimeout = 'T' // the time limit was hit and the group was killed
	tagFail    = 'F' // the launcher could not start the script
)

// maxStderrLine bounds one logged line of a script's standard error;
// longer lines are split.
const maxStderrLine = 4096

// MaybeRunLauncher runs the CGI launcher and exits if the process was
// started as one (by a [Handler], with a hidden first argument); otherwise
// it returns at once and does nothing.
//
// A program that serves CGI scripts with the default [Options.Launcher]
// must call it first thing in main, before parsing flags:
//
//	func main() {
//		cgi.MaybeRunLauncher()
//		...
//	}
//
// The launcher starts the script in a process group of its own, as the
// user nobody when it runs as root, waits for it, kills the whole group
// when the script exits or its time limit passes, and reports the exit
// status back to the server. Test binaries call it from TestMain.
func MaybeRunLauncher() {
	if len(os.Args) < 2 || os.Args[1] != launcherArg {
		return
	}
	// syscall.Exit, not os.Exit: nothing is buffered, and a binary built
	// with -race would otherwise linger a second at exit on every request.
	syscall.Exit(runLauncher(os.Args[2:]))
}

func runLauncher(args []string) int {
	if len(args) == 1 && args[0] == launcherPing {
		fmt.Println(launcherPong)
		return 0
	}
	report := func(tag byte, msg string) {
		// One write per line: the server reads whole lines.
		os.Stderr.WriteString(string(tag) + msg + "\n")
	}
	if len(args) < 5 {
		report(tagFail, "bad launcher arguments")
		return 127
	}
	ms, err := strconv.Atoi(args[0])
	if err != nil {
		report(tagFail, "bad launcher timeout")
		return 127
	}
	attr, err := scriptProcAttr(args[1])
	if err != nil {
		report(tagFail, err.Error())
		return 127
	}
	unset := map[string]bool{}
	if args[2] != "" {
		for _, k := range strings.Split(args[2], ",") {
			unset[k] = true
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !unset[k] {
			env = append(env, kv)
		}
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		report(tagFail, "pipe: "+err.Error())
		return 127
	}
	cmd := &exec.Cmd{
		Path:        args[3],
		Args:        args[4:],
		Env:         env,
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      pw,
		SysProcAttr: attr,
	}
	// The parent-death signal is tied to the thread that forks: keep it.
	runtime.LockOSThread()
	if err := cmd.Start(); err != nil {
		pw.Close()
		report(tagFail, err.Error())
		return 127
	}
	pw.Close()
	pid := cmd.Process.Pid
	report(tagPID, strconv.Itoa(pid))

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		forwardStderr(pr, report)
	}()

	var timer *time.Timer
	var timedOut atomic.Bool
	if ms > 0 {
		timer = time.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
			timedOut.Store(true)
			// The group still exists: its leader is not reaped yet.
			killGroup(pid)
		})
	}
	err = cmd.Wait()
	if timer != nil && !timer.Stop() {
		// The timer fired: wait until its kill is done before reading
		// timedOut (the kill may race with the end of the script; then
		// the group is gone or dying and it does no harm).
		for !timedOut.Load() {
			runtime.Gosched()
		}
	}
	// Whatever the script left running in its group goes too, so that
	// nothing keeps its standard output open after it is done.
	killGroup(pid)
	wg.Wait()
	if timedOut.Load() {
		report(tagTimeout, "")
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = -int(ws.Signal())
		} else {
			code = ee.ExitCode()
		}
	} else if err != nil {
		code = 127
	}
	report(tagExit, strconv.Itoa(code))
	return 0
}

// forwardStderr copies the script's standard error to the launcher's,
// line by line, tagged.
func forwardStderr(r io.Reader, report func(byte, string)) {
	br := bufio.NewReaderSize(r, maxStderrLine)
	for {
		line, isPrefix, err := br.ReadLine()
		if len(line) > 0 || (err == nil && !isPrefix) {
			report(tagStderr, strings.ReplaceAll(string(line), "\r", ""))
		}
		if err != nil {
			return
		}
	}
}

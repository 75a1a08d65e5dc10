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
	tagHeader  = 'H' // the script's header went past maxHeader; it was killed
)

// maxStderrLine bounds one logged line of a script's standard error;
// longer lines are split.
const maxStderrLine = 4096

// maxHeader bounds the header of a script's output, up to the blank line
// that ends it: net/http/cgi keeps every line of it in memory, with no
// bound of its own, so that a script printing header lines in a loop
// would take the server's memory until its time limit. It is more than
// browsers accept.
const maxHeader = 256 << 10

// errHeaderTooLong stops the relay of a header past maxHeader.
var errHeaderTooLong = errors.New("script header too long")

// headerLimit passes a script's output on, and fails once the header
// has gone past maxHeader bytes without the blank line (a bare "\n" or
// "\r\n", as net/http/cgi reads it) that ends it. It spells a header
// line's "status" in any case "Status", the only spelling net/http/cgi
// takes for the status (field names are not case sensitive, RFC 3875
// section 6.3); the case of a field name reaches no client anyway.
type headerLimit struct {
	r     io.Reader
	n     int  // bytes of the header so far
	line  int  // bytes of its current line so far
	cr    bool // the current line is a lone "\r" so far
	other bool // the current line does not start with "status"
	done  bool // the header has ended
}

func (h *headerLimit) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if h.done {
		return n, err
	}
	for i, c := range p[:n] {
		if h.n == maxHeader {
			// Only what came before the limit is passed on: the rest
			// of this read may hold the blank line and a body, which
			// would make the header whole after all.
			return i, errHeaderTooLong
		}
		h.n++
		if c == '\n' {
			if h.line == 0 || h.cr {
				h.done = true
				return n, err
			}
			h.line, h.cr, h.other = 0, false, false
			continue
		}
		if h.line < len("Status") && !h.other {
			if c|0x20 == "status"[h.line] {
				p[i] = "Status"[h.line]
			} else {
				h.other = true
			}
		}
		h.cr = h.line == 0 && c == '\r'
		h.line++
	}
	return n, err
}

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
// when the script exits, its time limit passes or the server is gone,
// and reports the exit status back to the server. Test binaries call it
// from TestMain.
func MaybeRunLauncher() {
	if len(os.Args) < 2 || os.Args[1] != launcherArg {
		return
	}
	// syscall.Exit, not os.Exit: nothing is buffered, and a binary built
	// with -race would otherwise linger a second at exit on every request.
	syscall.Exit(runLauncher(os.Args[2:]))
}

func runLauncher(args []string) int {
	server := os.Getppid() // first: see watchParent
	if len(args) == 1 && args[0] == launcherPing {
		fmt.Println(launcherPong)
		return 0
	}
	var reportMu sync.Mutex
	report := func(tag byte, msg string) {
		// One write per line, one line at a time: the server reads
		// whole lines, and a line of the script's standard error can be
		// longer than the pipe writes atomically (PIPE_BUF), so that
		// the time limit's line, written from the timer, could land in
		// the middle of it.
		//
		// A newline in msg would end the line early and make the rest
		// a line of its own, tagged by whatever follows: an error that
		// names a script whose name holds one ("x\nP123") would forge
		// a line of standard error, or a process group to kill.
		reportMu.Lock()
		defer reportMu.Unlock()
		os.Stderr.WriteString(string(tag) + strings.ReplaceAll(msg, "\n", " ") + "\n")
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

	// The script writes to pipes of the launcher's, which it relays: a
	// process the script leaves behind in a session of its own is out
	// of the reach of killGroup and may hold them open for as long as it
	// runs. Once the script has exited, the launcher relays what is
	// already in them and stops, and net/http/cgi sees the end of the
	// output when the launcher exits.
	//
	// Standard input too: a process left behind that holds it and never
	// reads would otherwise stop net/http/cgi's copy of the request body
	// in a write, and the request with it. The launcher's copy of it
	// ends when the launcher does.
	inR, inW, err := os.Pipe()
	if err != nil {
		report(tagFail, "pipe: "+err.Error())
		return 127
	}
	go func() {
		io.Copy(inW, os.Stdin)
		inW.Close()
	}()
	outR, outW, err := os.Pipe()
	if err != nil {
		report(tagFail, "pipe: "+err.Error())
		return 127
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		report(tagFail, "pipe: "+err.Error())
		return 127
	}
	cmd := &exec.Cmd{
		Path:        args[3],
		Args:        args[4:],
		Env:         env,
		Stdin:       inR,
		Stdout:      outW,
		Stderr:      pw,
		SysProcAttr: attr,
	}
	catchSignals()
	// The parent-death signal is tied to the thread that forks: keep it.
	runtime.LockOSThread()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	pw.Close()
	if err != nil {
		outR.Close()
		pr.Close()
		report(tagFail, err.Error())
		return 127
	}
	pid := cmd.Process.Pid
	report(tagPID, strconv.Itoa(pid))

	var (
		mu       sync.Mutex
		exited   bool // the script has been reaped: its group is no longer to kill
		finished bool // its output is all relayed
		code     int
	)
	out, stderr := &scriptPipe{f: outR}, &scriptPipe{f: pr}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		// If the output cannot be relayed (net/http/cgi has stopped
		// reading it), the script's next write fails as it would
		// have on net/http/cgi's pipe.
		_, err := io.Copy(os.Stdout, &headerLimit{r: out})
		if err == errHeaderTooLong {
			report(tagHeader, strconv.Itoa(maxHeader))
			mu.Lock()
			if !exited {
				killGroup(pid)
			}
			mu.Unlock()
			// net/http/cgi sees the header end without its blank
			// line: no valid response.
			os.Stdout.Close()
		}
		outR.Close()
	}()

	// The time limit covers the whole request: the script, then the
	// relaying of its last output to a client that reads it slowly.
	go func() {
		defer wg.Done()
		forwardStderr(stderr, report)
	}()

	go watchParent(server, func() {
		mu.Lock()
		if !exited {
			killGroup(pid)
		}
		syscall.Exit(1) // with mu held: the group cannot be reaped meanwhile
	})

	var timer *time.Timer
	if ms > 0 {
		timer = time.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case finished:
			case !exited:
				// Said at once, not when the script is reaped: the
				// server then cuts the response off, and with it a
				// write to a client that stopped reading, which would
				// otherwise hold up the relay, and the launcher, for
				// good.
				report(tagTimeout, "")
				// The group still exists: its leader is not reaped yet.
				killGroup(pid)
			default:
				// The rest of the output is cut off: the server sees
				// the time limit and aborts the response.
				report(tagTimeout, "")
				report(tagExit, strconv.Itoa(code))
				syscall.Exit(0)
			}
		})
	}
	err = cmd.Wait()
	mu.Lock()
	exited = true
	code = exitCode(err)
	mu.Unlock()
	// Whatever the script left running in its group goes too, so that
	// nothing keeps writing to its output after it is done.
	killGroup(pid)
	// Everything the script wrote before it exited is in the pipes now.
	out.stop()
	stderr.stop()
	wg.Wait()
	mu.Lock()
	finished = true
	mu.Unlock()
	if timer != nil {
		timer.Stop()
	}
	report(tagExit, strconv.Itoa(code))
	return 0
}

// parentCheck is how often the launcher checks that the server that
// started it is still there.
const parentCheck = 200 * time.Millisecond

// watchParent calls gone when the launcher's parent is no longer server,
// the process that started it: the server died (killed, or a second
// Ctrl-C) without ending the request, and can no longer kill the script's
// group, nor read its output; left to the time limit, the script would
// run on for up to a minute after the server. The kernel's parent-death
// signal would say it without polling, but it is sent when the thread
// that started the launcher ends, which in a Go server need not be when
// the server does.
func watchParent(server int, gone func()) {
	for {
		time.Sleep(parentCheck)
		if os.Getppid() != server {
			gone()
			return
		}
	}
}

// exitCode is how the launcher reports the end of the script that
// cmd.Wait returned err for: its exit status, the negated signal that
// killed it, or 127 if it could not be waited for.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return 127
	}
	return 0
}

// scriptPipe is the launcher's end of a pipe the script writes to. Its
// reads wait for more until stop is called, once the script has exited;
// from then on they return what is already in the pipe and then io.EOF,
// even while a process the script left running holds the pipe open.
type scriptPipe struct {
	f        *os.File
	draining bool
}

// stop wakes a read that waits, and makes the reads that follow stop
// waiting.
func (p *scriptPipe) stop() { p.f.SetReadDeadline(aLongTimeAgo) }

func (p *scriptPipe) Read(b []byte) (int, error) {
	if !p.draining {
		n, err := p.f.Read(b)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		// stop was called. A read past its deadline fails without
		// reading what the pipe holds: lift the deadline, and read
		// once at a time, without waiting for more.
		p.draining = true
		p.f.SetReadDeadline(time.Time{})
	}
	rc, err := p.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		n, rerr = readNow(fd, b)
		return true
	}); err != nil {
		return 0, err
	}
	return n, rerr
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

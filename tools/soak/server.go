package main

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// server is a running simplehttp process.
type server struct {
	cmd    *exec.Cmd
	addr   string // 127.0.0.1:PORT
	port   int
	stderr string // the file its stderr goes to
	exited chan struct{}
}

var startupRE = regexp.MustCompile(`^Serving HTTP on 127\.0\.0\.1 port (\d+) \(http://127\.0\.0\.1:\d+/\) \.\.\.$`)

// startServer runs bin on a free port of 127.0.0.1, serving dir with
// HTTP/1.1 and CGI. Its access log goes to prefix.access.log and its
// stderr (warnings, errors, the goroutine dump) to prefix.stderr.
func startServer(bin, dir, prefix string) (*server, error) {
	stderr, err := os.Create(prefix + ".stderr")
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	s := &server{
		cmd: exec.Command(bin, "0", "-b", "127.0.0.1", "-p", "HTTP/1.1", "-d", dir, "--cgi",
			"--log-file", prefix+".access.log"),
		stderr: stderr.Name(),
		exited: make(chan struct{}),
	}
	// GOTRACEBACK=all: on SIGQUIT the runtime prints every goroutine.
	s.cmd.Env = append(os.Environ(), "GOTRACEBACK=all")
	s.cmd.Stdout = pw
	s.cmd.Stderr = stderr
	err = s.cmd.Start()
	pw.Close()
	if err != nil {
		return nil, err
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()

	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Scan()
		line <- sc.Text()
		for sc.Scan() {
		}
	}()
	select {
	case l := <-line:
		m := startupRE.FindStringSubmatch(l)
		if m == nil {
			s.kill()
			b, _ := os.ReadFile(s.stderr)
			return nil, fmt.Errorf("simplehttp: startup line %q, want %q; stderr:\n%s", l, startupRE, b)
		}
		s.port, _ = strconv.Atoi(m[1])
		s.addr = "127.0.0.1:" + m[1]
	case <-time.After(stopLimit):
		s.kill()
		return nil, fmt.Errorf("simplehttp: no startup line after %v", stopLimit)
	}
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// kill stops the server if it is still running.
func (s *server) kill() {
	select {
	case <-s.exited:
	default:
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// checkFileLimit makes sure the server may open need files. A Go program
// raises its soft limit to the hard one by itself; if it has not, soak
// raises it with prlimit(2).
func (s *server) checkFileLimit(need int) error {
	soft, hard, err := fileLimit(s.pid())
	if err != nil {
		return err
	}
	if soft >= need {
		return nil
	}
	if hard < need {
		return fmt.Errorf("the server may open %d files (hard limit %d): this run needs %d", soft, hard, need)
	}
	rl := syscall.Rlimit{Cur: uint64(need), Max: uint64(hard)}
	_, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(s.pid()), syscall.RLIMIT_NOFILE,
		uintptr(unsafe.Pointer(&rl)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("raising the server's limit on open files to %d: %v", need, errno)
	}
	return nil
}

// fileLimit reads the soft and hard RLIMIT_NOFILE of pid.
func fileLimit(pid int) (soft, hard int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, 0, err
	}
	return parseFileLimit(string(b))
}

func parseFileLimit(limits string) (soft, hard int, err error) {
	for _, line := range strings.Split(limits, "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) < 2 {
				break
			}
			soft, err1 := strconv.Atoi(f[0])
			hard, err2 := strconv.Atoi(f[1])
			if err1 != nil || err2 != nil {
				break
			}
			return soft, hard, nil
		}
	}
	return 0, 0, fmt.Errorf("no \"Max open files\" line in /proc/PID/limits")
}

// openFiles counts the server's open file descriptors; -1 if it cannot.
func (s *server) openFiles() int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid()))
	if err != nil {
		return -1
	}
	return len(ents)
}

// established counts the TCP connections in state ESTABLISHED whose local
// end is the server's port; -1 if it cannot.
func (s *server) established() int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return -1
	}
	return countEstablished(string(b), s.port)
}

// countEstablished counts the lines of /proc/net/tcp for connections in
// state 01 (ESTABLISHED) with local port port.
func countEstablished(tcp string, port int) int {
	suffix := fmt.Sprintf(":%04X", port)
	n := 0
	for _, line := range strings.Split(tcp, "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[3] == "01" && strings.HasSuffix(f[1], suffix) {
			n++
		}
	}
	return n
}

// rss and peakRSS are VmRSS and VmHWM of the server, in bytes.
func (s *server) rss() int64     { return s.statusKB("VmRSS") }
func (s *server) peakRSS() int64 { return s.statusKB("VmHWM") }

func (s *server) statusKB(key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return -1
	}
	n, err := parseStatusKB(string(b), key)
	if err != nil {
		return -1
	}
	return n
}

// parseStatusKB returns the value of a "Key:   1234 kB" line of
// /proc/PID/status, in bytes.
func parseStatusKB(status, key string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("bad %s line %q", key, line)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		return n * 1024, err
	}
	return 0, fmt.Errorf("no %s line", key)
}

// cpu is the CPU time (user+system) the server has used: fields 14 and 15
// of /proc/PID/stat, counted after the command name in parentheses, in
// ticks of 10 ms (USER_HZ is 100 on every Linux Go supports).
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid()))
	if err != nil {
		return 0
	}
	st := string(b)
	f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	sy, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+sy) * 10 * time.Millisecond
}

// monitor samples the server's open files and established connections
// every interval until stop, which returns the largest of each.
type monitor struct {
	done   chan struct{}
	wg     sync.WaitGroup
	fds    int
	conns  int
	server *server
}

func (s *server) monitor(interval time.Duration) *monitor {
	m := &monitor{done: make(chan struct{}), server: s}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			m.fds = max(m.fds, s.openFiles())
			m.conns = max(m.conns, s.established())
			select {
			case <-tick.C:
			case <-m.done:
				return
			}
		}
	}()
	return m
}

func (m *monitor) stop() (fds, conns int) {
	close(m.done)
	m.wg.Wait()
	return m.fds, m.conns
}

// loggedProblems returns the lines of the server's stderr at level WARN
// or ERROR (the access log goes to its own file).
func (s *server) loggedProblems() []string {
	b, err := os.ReadFile(s.stderr)
	if err != nil {
		return []string{err.Error()}
	}
	var lines []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			lines = append(lines, line)
		}
	}
	return lines
}

// goroutines sends the server SIGQUIT, waits for it to exit, and counts
// the goroutines in the dump the Go runtime printed on its stderr.
func (s *server) goroutines() (dump, error) {
	if err := s.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		return dump{}, err
	}
	select {
	case <-s.exited:
	case <-time.After(stopLimit):
		s.kill()
		return dump{}, fmt.Errorf("server still running %v after SIGQUIT", stopLimit)
	}
	b, err := os.ReadFile(s.stderr)
	if err != nil {
		return dump{}, err
	}
	d := parseDump(string(b))
	if d.total == 0 {
		return d, fmt.Errorf("no goroutine dump on the server's stderr after SIGQUIT: %q", tailString(string(b), 500))
	}
	return d, nil
}

// dump is a goroutine dump, summarised: how many goroutines run the
// program's code (and how many of those by state and first function
// outside the runtime), and how many only the runtime's (the garbage
// collector's workers, which come and go with the collections).
type dump struct {
	total   int
	runtime int
	by      map[string]int
}

var goroutineRE = regexp.MustCompile(`^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]*)\]:$`)

// parseDump reads the goroutine dump that follows "SIGQUIT: quit" in a Go
// program's stderr. Goroutine 0 (the signal-handling thread's system
// stack, shown when GOTRACEBACK asks for it) is not counted.
func parseDump(stderr string) dump {
	d := dump{by: map[string]int{}}
	i := strings.LastIndex(stderr, "SIGQUIT: quit")
	if i < 0 {
		return d
	}
	lines := strings.Split(stderr[i:], "\n")
	for j, line := range lines {
		m := goroutineRE.FindStringSubmatch(line)
		if m == nil || m[1] == "0" {
			continue
		}
		// The state without the wait time: "IO wait, 2 minutes" is "IO wait".
		state, _, _ := strings.Cut(m[2], ",")
		fn := "?"
		for _, frame := range lines[j+1:] {
			if frame == "" || strings.HasPrefix(frame, "goroutine ") {
				break
			}
			if strings.HasPrefix(frame, "\t") || strings.HasPrefix(frame, "created by ") {
				continue
			}
			name := frame[:max(strings.LastIndexByte(frame, '('), 0)]
			if name == "" {
				name = frame
			}
			if !strings.HasPrefix(name, "runtime.") && !strings.HasPrefix(name, "internal/") &&
				!strings.HasPrefix(name, "sync.") && !strings.HasPrefix(name, "syscall.") {
				fn = name
				break
			}
		}
		if fn == "?" {
			d.runtime++ // the garbage collector's and the like
			continue
		}
		d.total++
		d.by[state+" "+fn]++
	}
	return d
}

// diff lists the kinds of goroutine d has more of than base.
func (d dump) diff(base dump) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(d.by)) {
		if n := d.by[k] - base.by[k]; n > 0 {
			fmt.Fprintf(&b, "  +%d %s\n", n, k)
		}
	}
	return b.String()
}

func tailString(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

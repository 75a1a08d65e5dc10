package main

import (
	"bufio"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// subreaperArg makes the test binary a child subreaper that then runs the
// rest of its command line (see maybeExecSubreaper): the command as a
// container's PID 1 sees its orphans, without a PID namespace.
const subreaperArg = "-simplehttp-test-subreaper"

// maybeExecSubreaper runs the command line after subreaperArg as a child
// subreaper, if the test binary was started with it.
func maybeExecSubreaper() {
	if len(os.Args) < 3 || os.Args[1] != subreaperArg {
		return
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		os.Stderr.WriteString("PR_SET_CHILD_SUBREAPER: " + err.Error() + "\n")
		os.Exit(1)
	}
	err := syscall.Exec(os.Args[2], os.Args[2:], os.Environ())
	os.Stderr.WriteString("exec: " + err.Error() + "\n")
	os.Exit(1)
}

// TestE2EReapOrphans: a server that orphans come to (a container's PID
// 1, here a child subreaper) waits for them. A CGI script's child, killed
// with the script's process group, and one the script left in a session
// of its own that ends later, are both orphaned to the server: they were
// zombies for as long as it ran, one or two for each such request.
func TestE2EReapOrphans(t *testing.T) {
	dir := publicDir(t)
	writeScript(t, filepath.Join(dir, "cgi-bin", "orphans.sh"), `#!/bin/sh
sleep 600 &
echo "Content-Type: text/plain"
echo
echo $!
setsid sh -c 'echo $$; exec sleep 0.2' </dev/null 2>/dev/null
`)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := command(t, "-b", "127.0.0.1", "-d", dir, "--cgi", "0")
	cmd.Path, cmd.Args = self, append([]string{self, subreaperArg}, cmd.Args...)
	p := startCommand(t, cmd)
	server := p.cmd.Process.Pid

	var orphans []int
	for range 3 {
		resp, err := http.Get(p.url + "/cgi-bin/orphans.sh")
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
			if err != nil {
				t.Fatalf("GET /cgi-bin/orphans.sh: %s, line %q, want pids", resp.Status, sc.Text())
			}
			orphans = append(orphans, pid)
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /cgi-bin/orphans.sh: %s", resp.Status)
		}
	}
	if len(orphans) != 6 {
		t.Fatalf("got the pids %v, want 2 for each of 3 requests", orphans)
	}
	deadline := time.Now().Add(waitLimit)
	for _, pid := range orphans {
		// Nothing tells the test when the server waits for a process
		// that is not the test's: poll.
		for {
			ppid, state := parentAndState(pid)
			if ppid == 0 {
				break // waited for
			}
			if !time.Now().Before(deadline) {
				t.Fatalf("process %d: parent %d, state %s, %v after the requests; want it waited for by the server (%d)", pid, ppid, state, waitLimit, server)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if s := p.stderr.String(); strings.Contains(s, "CGI") {
		t.Errorf("stderr: %s\nwant no CGI error: the launchers are os/exec's to wait for", s)
	}
}

// parentAndState returns the parent and the state of process pid, or 0
// if it is gone.
func parentAndState(pid int) (ppid int, state string) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, ""
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 2 {
		return 0, ""
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0]
}

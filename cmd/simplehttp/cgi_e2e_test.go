//go:build unix

package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/proctest"
)

// TestE2ECGIServerKilled: a server that dies while a CGI script runs
// (SIGKILL, or a second Ctrl-C) leaves nothing of the script behind: its
// launcher finds the server gone and kills the script's process group,
// where it let it run on until the time limit, a minute later.
func TestE2ECGIServerKilled(t *testing.T) {
	dir := publicDir(t)
	writeScript(t, filepath.Join(dir, "cgi-bin", "stay.sh"), `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
sleep 600 &
echo $!
wait
`)
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "--cgi", "0")
	resp, err := http.Get(p.url + "/cgi-bin/stay.sh")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		t.Fatalf("GET /cgi-bin/stay.sh: %s, %q, %v", resp.Status, line, err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("GET /cgi-bin/stay.sh: %q, want the pid of the script's child", line)
	}
	t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })

	p.cmd.Process.Kill()
	<-p.done
	if !proctest.Gone(t, child, waitLimit) {
		t.Errorf("the script's child %d still runs %v after the server died", child, waitLimit)
	}
}

// TestE2ECGICtrlC: a Ctrl-C in a terminal goes to the whole foreground
// process group, the server and the launchers of the scripts it runs
// alike. A CGI request in flight still finishes, as every request in
// flight does: the launcher leaves the shutdown to the server, where it
// used to die at once and cut the response off.
func TestE2ECGICtrlC(t *testing.T) {
	dir := publicDir(t)
	// wait.sh waits for the test to create the file its PATH_INFO names.
	writeScript(t, filepath.Join(dir, "cgi-bin", "wait.sh"), `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
echo started
while [ ! -e "$PATH_TRANSLATED" ]; do sleep 0.02; done
echo done
`)
	cmd := command(t, "-b", "127.0.0.1", "-d", dir, "--cgi", "0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a job of its own, as a shell's
	p := startCommand(t, cmd)
	resp, err := http.Get(p.url + "/cgi-bin/wait.sh/go")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := bufio.NewReader(resp.Body)
	if line, err := body.ReadString('\n'); line != "started\n" {
		t.Fatalf("GET /cgi-bin/wait.sh/go: %s, %q, %v; want 200, started", resp.Status, line, err)
	}

	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The server has the signal once it says so.
	var said bytes.Buffer
	for !strings.Contains(said.String(), "Keyboard interrupt received, exiting.\n") {
		l, err := p.stdout.ReadString('\n')
		said.WriteString(l)
		if err != nil {
			t.Fatalf("stdout after Ctrl-C: %q, %v", said.String(), err)
		}
	}
	writeFile(t, filepath.Join(dir, "go"), "")
	rest, err := io.ReadAll(body)
	if string(rest) != "done\n" || err != nil {
		t.Errorf("the rest of the script's response after Ctrl-C: %q, %v; want %q", rest, err, "done\n")
	}
	select {
	case <-p.done:
	case <-time.After(waitLimit):
		t.Fatalf("still running %v after Ctrl-C; stderr: %s", waitLimit, p.stderr)
	}
	if p.err != nil {
		t.Errorf("exit: %v, want status 0; stderr: %s", p.err, p.stderr)
	}
}

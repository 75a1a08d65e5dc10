// Package proctest tells the tests whether a process has ended, for the
// processes they cannot wait for: a CGI script's children, a launcher
// left behind by a server that died; which goroutines this process
// runs, for the tests that count those left behind; and runs tests again
// in a copy of the test binary started with umask 077.
package proctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Gone polls until pid no longer runs (it is absent from /proc, or a
// zombie left to a parent that does not reap it), for up to within, and
// reports whether it ended. Nothing tells when a process that is not a
// child ends. On a system without /proc (macOS, the BSDs) it skips the
// test, which it could not tell, rather than pass it.
func Gone(t testing.TB, pid int, within time.Duration) bool {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to tell whether a process ended")
	}
	deadline := time.Now().Add(within)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		if f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Goroutines returns the stack of each goroutine of this process, as
// runtime.Stack writes them.
func Goroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// Umask077 runs the tests that the -test.run pattern run matches again, in
// a copy of this test binary that sh starts with umask 077, as a developer
// whose umask it is runs them, and fails t unless they pass: run must
// match at least one test, each named in want. A umask of 077 leaves what
// the tests make (directories, scripts, a built binary) private to their
// owner, so a test that has it run as user nobody must open it to all.
// A test in want that skips there (a program it drives is not installed)
// is logged; if every one skips, so does t.
func Umask077(t *testing.T, run string, want ...string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `umask 077 && exec "$@"`, "sh", os.Args[0], "-test.run", run, "-test.count=1", "-test.v")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s under umask 077: %v\n%s", run, err, out)
	}
	skipped := 0
	for _, name := range want {
		switch {
		case strings.Contains(string(out), "--- PASS: "+name+" "):
		case strings.Contains(string(out), "--- SKIP: "+name+" "):
			t.Logf("%s under umask 077: %s skipped", run, name)
			skipped++
		default:
			t.Errorf("%s under umask 077: %s did not pass:\n%s", run, name, out)
		}
	}
	if skipped > 0 && skipped == len(want) {
		t.Skipf("%s under umask 077: every test skipped:\n%s", run, out)
	}
}

package cgi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// processesEnv makes TestOutOfProcesses run its checks: it is set in the
// copy of the test binary that the test starts as a user of its own, on
// whom the limit on processes it lowers binds (it never binds root).
const processesEnv = "CGI_TEST_OUT_OF_PROCESSES"

// TestOutOfProcesses: at the limit on processes (RLIMIT_NPROC), where
// fork(2) fails with EAGAIN, a script request gets 503 with Retry-After
// as when descriptors run out, not 502 "CGI script sent no valid
// response", which blamed the script, with an error logged per request;
// the log says so once, and once processes can be made again the script
// runs.
func TestOutOfProcesses(t *testing.T) {
	if os.Getenv(processesEnv) == "" {
		if os.Geteuid() != 0 {
			t.Skip("needs root, to run a copy of the test as a user of its own: the limit on processes counts all of a user's, and never binds root")
		}
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		dir := writeTree(t, map[string]string{"tmp/": ""})
		if err := os.Chmod(filepath.Join(dir, "tmp"), 0o1777); err != nil {
			t.Fatal(err)
		}
		copyExe := filepath.Join(dir, "cgi.test")
		b, err := os.ReadFile(exe)
		if err == nil {
			err = os.WriteFile(copyExe, b, 0o755)
		}
		if err == nil { // whatever the umask: the user below runs it
			err = os.Chmod(copyExe, 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
		// A user no process of the system runs as.
		id := uint32(200000 + os.Getpid()%100000)
		cmd := exec.Command(copyExe, "-test.run=^TestOutOfProcesses$", "-test.v")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), processesEnv+"=1", "TMPDIR="+filepath.Join(dir, "tmp"), "GOCOVERDIR=")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: id, Gid: id}}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestOutOfProcesses") {
			t.Fatalf("the test in a process of its own, as user %d: %v\n%s", id, err, out)
		}
		return
	}

	get, logs := helloScript(t)

	// Threads are processes to the limit: the runtime makes the ones
	// it will need now, each goroutine locked to a thread of its own,
	// and keeps them once they are unlocked.
	var wg sync.WaitGroup
	hold := make(chan struct{})
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			<-hold
			runtime.UnlockOSThread()
		}()
	}
	for {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Skip("no /proc/self/task to count this process's threads:", err)
		}
		if len(tasks) > 16 {
			break
		}
		runtime.Gosched()
	}
	close(hold)
	wg.Wait()
	tasks, _ := os.ReadDir("/proc/self/task")
	var lim, saved unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &saved); err != nil {
		t.Fatal(err)
	}
	lim = saved
	lim.Cur = uint64(len(tasks))
	if err := unix.Setrlimit(unix.RLIMIT_NPROC, &lim); err != nil {
		t.Fatal(err)
	}
	var pages []string
	for range 5 {
		resp, body := get()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
			unix.Setrlimit(unix.RLIMIT_NPROC, &saved)
			t.Fatalf("at the limit on processes: %d, Retry-After %q; want 503, 1\nlog:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), logs)
		}
		pages = append(pages, body)
	}
	if err := unix.Setrlimit(unix.RLIMIT_NPROC, &saved); err != nil {
		t.Fatal(err)
	}
	// The page TestOutOfDescriptors checks byte for byte.
	for _, page := range pages {
		if !strings.Contains(page, "<p>Error code: 503</p>") || !strings.Contains(page, "<p>Message: Service Unavailable.</p>") {
			t.Errorf("503 page:\n%s", page)
		}
	}
	if resp, body := get(); resp.StatusCode != 200 || body != "hello\n" {
		t.Errorf("processes back: %d %q, want 200 hello", resp.StatusCode, body)
	}
	checkEpisode(t, logs, `err=`, `resource temporarily unavailable" failures=1`, 4)
}

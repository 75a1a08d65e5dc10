package main

import (
	"bufio"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMaxProcsSettings checks that the command is built with the runtime's
// cgroup-aware GOMAXPROCS on: a module that says go 1.24 gets it off
// (containermaxprocs=0, updatemaxprocs=0 in the binary's default GODEBUG)
// unless its main package turns it on.
func TestMaxProcsSettings(t *testing.T) {
	if goMinor(runtime.Version()) < 25 {
		t.Skipf("%s: the runtime reads the cgroup CPU limit from Go 1.25 on", runtime.Version())
	}
	for _, kv := range defaultGODEBUG(t) {
		if kv == "containermaxprocs=0" || kv == "updatemaxprocs=0" {
			t.Errorf("the command is built with %s (DefaultGODEBUG %s)", kv, defaultGODEBUG(t))
		}
	}
}

// defaultGODEBUG is the command's default GODEBUG, as "key=value" items:
// what the go line of go.mod and the //go:debug lines of the main package
// make of the toolchain's defaults.
func defaultGODEBUG(t *testing.T) []string {
	t.Helper()
	info, err := buildinfo.ReadFile(binary(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "DefaultGODEBUG" {
			return strings.Split(s.Value, ",")
		}
	}
	return nil
}

// TestMaxProcsFollowsCPULimit runs the command in a cgroup that may use one
// CPU fewer than the machine has, and checks from the runtime's scheduler
// trace that its GOMAXPROCS is that limit; then it lifts the limit to all
// the CPUs and waits for GOMAXPROCS to follow. The runtime never goes
// below 2 for a cgroup limit, so this needs 3 CPUs or more; it also needs
// root and a writable cgroup CPU controller (v1 or v2), and skips without
// them.
func TestMaxProcsFollowsCPULimit(t *testing.T) {
	if goMinor(runtime.Version()) < 25 {
		t.Skipf("%s: the runtime reads the cgroup CPU limit from Go 1.25 on", runtime.Version())
	}
	if runtime.NumCPU() < 3 {
		t.Skipf("%d CPUs: the runtime sets GOMAXPROCS 2 at least for a cgroup limit, so a limit shows only on 3 or more", runtime.NumCPU())
	}
	bin := binary(t)
	free := startTraced(t, bin, "")
	all := free.waitProcs(t, func(n int) bool { return n >= 3 })
	free.stop()
	if all < 3 {
		t.Skipf("outside the test's cgroup the command already runs with GOMAXPROCS %d", all)
	}
	cg := newCPUCgroup(t)
	if err := cg.limit(all - 1); err != nil {
		t.Skipf("cannot set a CPU limit: %v", err)
	}
	limited := startTraced(t, bin, cg.procs)
	defer limited.stop()
	if got := limited.waitProcs(t, func(int) bool { return true }); got != all-1 {
		t.Fatalf("limited to %d CPUs: GOMAXPROCS %d, want %d", all-1, got, all-1)
	}
	if err := cg.limit(all); err != nil {
		t.Fatal(err)
	}
	if got := limited.waitProcs(t, func(n int) bool { return n == all }); got != all {
		t.Fatalf("limit raised to %d CPUs: GOMAXPROCS still %d", all, got)
	}
}

// goMinor returns the minor version of a release "go1.N[.P]", 0 if it is
// not one (a development build: the tests that need it skip).
func goMinor(v string) int {
	minor, _, _ := strings.Cut(strings.TrimPrefix(v, "go1."), ".")
	n, _ := strconv.Atoi(minor)
	return n
}

// cpuCgroup is a cgroup made for a test, with the file its limit is
// written to and the file that takes a process in.
type cpuCgroup struct {
	dir   string
	v2    bool
	procs string
}

// newCPUCgroup makes a cgroup under the CPU controller's root (v1) or
// under the unified hierarchy's root with the cpu controller enabled (v2),
// removed when the test ends; it skips the test if neither can be made.
func newCPUCgroup(t *testing.T) *cpuCgroup {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: cannot make a cgroup")
	}
	name := fmt.Sprintf("simplehttp-test-%d", os.Getpid())
	var cg *cpuCgroup
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); err == nil {
		cg = &cpuCgroup{dir: filepath.Join("/sys/fs/cgroup/cpu", name)}
	} else if ctl, err := os.ReadFile("/sys/fs/cgroup/cgroup.subtree_control"); err == nil && strings.Contains(" "+string(ctl)+" ", " cpu ") {
		cg = &cpuCgroup{dir: filepath.Join("/sys/fs/cgroup", name), v2: true}
	} else {
		t.Skip("no writable cgroup CPU controller (v1 cpu, or v2 with cpu in the root's subtree_control)")
	}
	if err := os.Mkdir(cg.dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup: %v", err)
	}
	cg.procs = filepath.Join(cg.dir, "cgroup.procs")
	t.Cleanup(func() {
		// The processes have been stopped; rmdir fails while one is in.
		deadline := time.Now().Add(waitLimit)
		for os.Remove(cg.dir) != nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	})
	// Moving a process in can still be refused (a cgroup namespace, a
	// delegation boundary): try with a shell that then exits.
	if out, err := exec.Command("/bin/sh", "-c", `echo $$ > "$0"`, cg.procs).CombinedOutput(); err != nil {
		t.Skipf("cannot move a process into a cgroup: %v %s", err, out)
	}
	return cg
}

// limit lets the cgroup use cpus CPUs: a quota of cpus periods per period.
func (cg *cpuCgroup) limit(cpus int) error {
	const period = 100000 // µs
	if cg.v2 {
		return os.WriteFile(filepath.Join(cg.dir, "cpu.max"), fmt.Appendf(nil, "%d %d", cpus*period, period), 0o644)
	}
	if err := os.WriteFile(filepath.Join(cg.dir, "cpu.cfs_period_us"), fmt.Appendf(nil, "%d", period), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(cg.dir, "cpu.cfs_quota_us"), fmt.Appendf(nil, "%d", cpus*period), 0o644)
}

// tracedServer is the command started with the scheduler trace on, which
// prints its GOMAXPROCS to stderr every 50 ms.
type tracedServer struct {
	cmd   *exec.Cmd
	procs chan int
}

var schedRE = regexp.MustCompile(`^SCHED \d+ms: gomaxprocs=(\d+) `)

// startTraced starts the command on a free port of 127.0.0.1, first moved
// into the cgroup whose cgroup.procs file is procs when that is not "".
func startTraced(t *testing.T, bin, procs string) *tracedServer {
	t.Helper()
	args := []string{bin, "0", "-b", "127.0.0.1", "-d", t.TempDir(), "--quiet"}
	cmd := exec.Command(args[0], args[1:]...)
	if procs != "" {
		// The shell moves itself into the cgroup, then becomes the
		// command: the runtime reads its limit when it starts.
		cmd = exec.Command("/bin/sh", append([]string{"-c", `echo $$ > "$0" && exec "$@"`, procs}, args...)...)
	}
	cmd.Env = append(os.Environ(), "GODEBUG=schedtrace=50")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &tracedServer{cmd: cmd, procs: make(chan int, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := schedRE.FindStringSubmatch(sc.Text()); m != nil {
				n, _ := strconv.Atoi(m[1])
				select { // keep only the newest
				case <-s.procs:
				default:
				}
				s.procs <- n
			}
		}
	}()
	t.Cleanup(s.stop)
	return s
}

// waitProcs returns the first GOMAXPROCS the trace shows for which ok is
// true, or the last one shown when waitLimit passes.
func (s *tracedServer) waitProcs(t *testing.T, ok func(int) bool) int {
	t.Helper()
	last := -1
	deadline := time.After(waitLimit)
	for {
		select {
		case n := <-s.procs:
			if last = n; ok(n) {
				return n
			}
		case <-deadline:
			if last < 0 {
				t.Fatal("the command printed no scheduler trace")
			}
			return last
		}
	}
}

// stop kills the command and waits for it; it may be called again.
func (s *tracedServer) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The upload workload is not a wrk run: putclient (a program of ours,
// pinned to the client core as wrk is) PUTs files under new names, and a
// plain copy of the same bytes on the server core is the baseline of the
// server's CPU per MiB. It has its own table (uploadtable.go).

// uploadPeers are the peers that take uploads, in table order. Every
// other peer sits the upload workload out.
var uploadPeers = []string{"simplehttp", "nginx", "rclone", "ceiling"}

// copyPeer names the baseline row: the same bytes copied file to file.
const copyPeer = "cp"

// An uploadSize is one half of the upload workload.
type uploadSize struct {
	label string // "1 MiB"
	file  string // the source file's name in the upload source dir
	size  int64
	conns int
	count int // requests per run; 0: as many as the run's duration allows
}

// uploadSizes are the body sizes the upload workload sends: many 1 MiB
// bodies over 16 connections for the run's duration, and a few 100 MiB
// bodies one after the other (two with -quick): enough CPU time for the
// 10ms ticks of /proc/PID/stat.
func uploadSizes(quick bool) []uploadSize {
	big := 5
	if quick {
		big = 2
	}
	return []uploadSize{
		{label: "1 MiB", file: "1m.bin", size: mib, conns: 16},
		{label: "100 MiB", file: "100m.bin", size: 100 * mib, conns: 1, count: big},
	}
}

// splitUpload separates the upload workload from the wrk workloads.
func splitUpload(ws []workload) (wrkLoads []workload, upload *workload) {
	for i := range ws {
		if ws[i].asset == "upload" {
			upload = &ws[i]
			continue
		}
		wrkLoads = append(wrkLoads, ws[i])
	}
	return wrkLoads, upload
}

// runsAny reports whether peer takes part in any of ws.
func runsAny(ws []workload, peer string) bool {
	for _, w := range ws {
		if w.runsOn(peer) {
			return true
		}
	}
	return false
}

// isUploadPeer reports whether peer takes uploads.
func isUploadPeer(peer string) bool {
	for _, p := range uploadPeers {
		if p == peer {
			return true
		}
	}
	return false
}

// putResult is what one putclient run prints.
type putResult struct {
	Requests, Bytes  int64
	Duration         time.Duration
	OK, Failed, Errs int64
	P50, P99         time.Duration
	CPU, User        time.Duration // putclient's own, over the requests
}

// putFields are the fields of the LOADBENCH-PUT line, in order.
var putFields = []string{"requests", "bytes", "duration_us", "ok", "failed", "errors", "p50_us", "p99_us", "cpu_us", "user_us"}

// parsePut finds the LOADBENCH-PUT line in putclient's output.
func parsePut(out string) (putResult, error) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "LOADBENCH-PUT ")
		if !ok {
			continue
		}
		v := map[string]int64{}
		for _, f := range strings.Fields(rest) {
			k, s, ok := strings.Cut(f, "=")
			if !ok {
				return putResult{}, fmt.Errorf("putclient summary: bad field %q", f)
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return putResult{}, fmt.Errorf("putclient summary: field %q: %v", f, err)
			}
			v[k] = n
		}
		for _, k := range putFields {
			if _, ok := v[k]; !ok {
				return putResult{}, fmt.Errorf("putclient summary: no %s in %q", k, rest)
			}
		}
		us := func(k string) time.Duration { return time.Duration(v[k]) * time.Microsecond }
		r := putResult{
			Requests: v["requests"], Bytes: v["bytes"], Duration: us("duration_us"),
			OK: v["ok"], Failed: v["failed"], Errs: v["errors"],
			P50: us("p50_us"), P99: us("p99_us"), CPU: us("cpu_us"), User: us("user_us"),
		}
		if r.Duration <= 0 {
			return r, fmt.Errorf("putclient summary: duration %v", r.Duration)
		}
		return r, nil
	}
	return putResult{}, errors.New("no LOADBENCH-PUT line in putclient output")
}

// putArgs is the putclient command line for one run.
func putArgs(src string, s uploadSize, d time.Duration) []string {
	args := []string{"-src", src, "-conns", strconv.Itoa(s.conns)}
	if s.count > 0 {
		return append(args, "-count", strconv.Itoa(s.count))
	}
	return append(args, "-duration", d.String())
}

// asSample is a putclient run as the table code takes it: Requests
// are the answers, failures (any answer but 201) count as wrong statuses,
// so that the bodies stored are the answers counted (CPU per request is
// CPU per body), and transport errors count as read errors. Bytes are
// those of the bodies stored.
func (r putResult) asSample() wrkResult {
	return wrkResult{Requests: r.OK + r.Failed, Duration: r.Duration, Bytes: r.Bytes, Read: r.Errs, Status: r.Failed, P50: r.P50, P99: r.P99}
}

// uploadBench is the state of the upload workload in one benchmark.
type uploadBench struct {
	e         *env
	w         workload
	client    string // the putclient binary
	srcDir    string // the bodies
	dataDir   string // each run's fresh target directory lives here, under the docroot
	launchers map[string]*launcher
	peers     []string // the upload peers selected, in table order
	sizes     []uploadSize
	runs      int
}

// prepareUploads builds putclient and writes the bodies. Peers are the
// selected ones, launchers those that could be prepared: an upload peer
// without one is noted as skipped in res.
func prepareUploads(ctx context.Context, e *env, w workload, peers []string, launchers map[string]*launcher, quick bool, res results) (*uploadBench, error) {
	client, err := e.goBuild(ctx, filepath.Join(e.root, "tools"), "./loadbench/putclient", "putclient")
	if err != nil {
		return nil, err
	}
	u := &uploadBench{
		e: e, w: w, client: client, launchers: launchers, sizes: uploadSizes(quick),
		srcDir: filepath.Join(e.tmp, "upload-src"), dataDir: filepath.Join(e.docroot, "upload"),
	}
	for _, d := range []string{u.srcDir, u.dataDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, s := range u.sizes {
		if err := writeFixture(filepath.Join(u.srcDir, s.file), int(s.size)); err != nil {
			return nil, err
		}
	}
	for _, name := range peers {
		if !isUploadPeer(name) {
			continue
		}
		u.peers = append(u.peers, name)
		if launchers[name] == nil {
			for _, s := range u.sizes {
				res.get(s.label, name).skip = "could not be prepared (see peers)"
			}
		}
	}
	return u, nil
}

// root returns a fresh, empty directory for one run, and its URL path.
func (u *uploadBench) root() (dir, urlPath string, err error) {
	u.runs++
	name := fmt.Sprintf("run%03d", u.runs)
	dir = filepath.Join(u.dataDir, name)
	return dir, "/" + filepath.Base(u.dataDir) + "/" + name + "/", os.Mkdir(dir, 0o755)
}

// clean removes a run's files and waits for the disk to take what is
// still dirty, so that no run pays for the last one's writeback.
func clean(dir string) {
	os.RemoveAll(dir)
	syscall.Sync()
}

// round runs every size once: the copy baseline and each peer, in an
// order that rotates each round as the peers' does, so that what one run
// leaves behind (memory the kernel has yet to take back, writeback) falls
// on all alike.
func (u *uploadBench) round(ctx context.Context, round, rounds int, d time.Duration, res results) {
	for _, s := range u.sizes {
		for _, name := range rotate(append([]string{copyPeer}, u.peers...), round) {
			if ctx.Err() != nil {
				return
			}
			c := res.get(s.label, name)
			if name != copyPeer && u.launchers[name] == nil {
				continue
			}
			x, first, err := u.measure(ctx, name, s, d)
			if first != "" && c.note == "" {
				c.note = "first failure: " + first
			}
			if err != nil {
				logf("round %d/%d (l) %-7s %-10s %v", round+1, rounds, s.label, name, err)
				if len(c.samples) == 0 && c.skip == "" {
					c.skip = err.Error()
				}
				continue
			}
			c.samples = append(c.samples, x)
			one := summarizeUpload(s, &cell{samples: []sample{x}})
			logf("round %d/%d (l) %-7s %-10s %8s MiB/s %8s req/s  CPU %s µs/MiB  errors %-3d srv CPU %-4s other %s", round+1, rounds, s.label, name,
				formatRate(one.rate), formatRate(one.rps), formatMicros(one.cpuPerMiB), one.errors,
				formatPercent(one.serverLoad), formatPercent(one.otherLoad))
		}
	}
}

// measure makes one run: for the copy baseline, putclient -copy on the
// server core; for a peer, a fresh server on a fresh directory with
// putclient on the client core, and the server's CPU time around it.
func (u *uploadBench) measure(ctx context.Context, name string, s uploadSize, d time.Duration) (sample, string, error) {
	dir, urlPath, err := u.root()
	if err != nil {
		return sample{}, "", err
	}
	defer clean(dir)
	src := filepath.Join(u.srcDir, s.file)
	timeout := d + 10*time.Minute
	if name == copyPeer {
		mach0, _ := machineCPU()
		out, _, err := runPinned(ctx, u.e.tools, serverCPU, timeout, append([]string{u.client, "-copy", "-dst", dir}, putArgs(src, s, d)...)...)
		mach1, _ := machineCPU()
		if err != nil {
			return sample{}, "", err
		}
		r, err := parsePut(out)
		if err != nil {
			return sample{}, "", err
		}
		return sample{wrk: r.asSample(), serverCPU: r.CPU, serverUser: r.User,
			otherCPU: mach1.task - mach0.task - r.CPU, steal: mach1.steal - mach0.steal}, firstFailure(out), nil
	}
	p, err := u.launchers[name].start(ctx, u.w)
	if err != nil {
		return sample{}, "", err
	}
	defer p.stop()
	cpu0, err := cpuTime(p.pid())
	if err != nil {
		return sample{}, "", err
	}
	mach0, _ := machineCPU()
	out, clientCPU, err := runPinned(ctx, u.e.tools, clientCPU, timeout, append([]string{u.client, "-url", p.url(urlPath)}, putArgs(src, s, d)...)...)
	cpu1, err1 := cpuTime(p.pid())
	mach1, _ := machineCPU()
	if err != nil {
		return sample{}, "", err
	}
	if err1 != nil {
		return sample{}, "", fmt.Errorf("server gone after the run (%v): %s", err1, tail(p.log.Name()))
	}
	r, err := parsePut(out)
	if err != nil {
		return sample{}, "", err
	}
	rss, _ := peakRSS(p.pid())
	used := cpu1.sub(cpu0)
	first := firstFailure(out)
	landed, bad, err := verifyUploads(dir, src, s.size)
	if err != nil {
		return sample{}, "", err
	}
	if missing := r.keepLanded(landed, s.size); missing > 0 && first == "" {
		first = fmt.Sprintf("%d bodies answered 201 are not in the directory as sent (%d are)", missing, landed)
		if bad != "" {
			first += "; the first: " + bad
		}
	}
	return sample{wrk: r.asSample(), serverCPU: used.total(), serverUser: used.user, clientCPU: clientCPU, rss: rss,
		otherCPU: mach1.task - mach0.task - used.total() - clientCPU, steal: mach1.steal - mach0.steal}, first, nil
}

// uploadSampled is how many of a run's files verifyUploads compares byte
// for byte with the source at most, spread over the run; it checks every
// file's size.
const uploadSampled = 8

// verifyUploads counts the files in dir that hold what was sent: the
// size of src, and for a sample of them its bytes. A 201 says only that
// the server meant to store the body; a server that answered before the
// file was whole, or put it elsewhere, would otherwise be counted at full
// speed. bad describes the first file that is not right ("" if none).
func verifyUploads(dir, src string, size int64) (landed int64, bad string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, "", err
	}
	want, err := os.ReadFile(src)
	if err != nil {
		return 0, "", err
	}
	step, compared := max(len(entries)/uploadSampled, 1), 0
	for i, e := range entries {
		fi, err := e.Info()
		if err != nil {
			return 0, "", err
		}
		ok := fi.Mode().IsRegular() && fi.Size() == size
		if !ok && bad == "" {
			bad = fmt.Sprintf("%s: %d bytes, want %d", e.Name(), fi.Size(), size)
		}
		if ok && i%step == 0 && compared < uploadSampled {
			compared++
			got, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return 0, "", err
			}
			if ok = bytes.Equal(got, want); !ok && bad == "" {
				bad = fmt.Sprintf("%s: not the bytes sent", e.Name())
			}
		}
		if ok {
			landed++
		}
	}
	return landed, bad, nil
}

// keepLanded counts as failed the bodies answered 201 beyond the landed
// ones found on disk, and returns how many that was.
func (r *putResult) keepLanded(landed, size int64) int64 {
	missing := r.OK - landed
	if missing <= 0 {
		return 0
	}
	r.OK, r.Failed, r.Bytes = landed, r.Failed+missing, landed*size
	return missing
}

// firstFailure is the failure putclient reported on stderr, if any.
func firstFailure(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if f, ok := strings.CutPrefix(l, "putclient: first failure: "); ok {
			return f
		}
	}
	return ""
}

// runPinned runs argv on core cpu (when taskset is there), bounded in
// time, and returns its combined output and the CPU time it used.
func runPinned(ctx context.Context, tools toolset, cpu string, timeout time.Duration, argv ...string) (string, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	prog := filepath.Base(argv[0])
	if tools.taskset != "" {
		argv = append([]string{tools.taskset, "-c", cpu}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	var used time.Duration
	if cmd.ProcessState != nil {
		used = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return string(out), used, fmt.Errorf("%s: %v: %s", prog, err, lastLines(string(out), 3))
	}
	return string(out), used, nil
}

// prepareRclone returns the launcher of rclone serve webdav on the
// docroot, a peer for the upload workload only.
func (e *env) prepareRclone(logPath string) (*launcher, error) {
	bin := lookTool("rclone")
	if bin == "" {
		return nil, errors.New("rclone not found; install it with: apt-get install -y rclone")
	}
	desc := "rclone serve webdav, local backend, --vfs-cache-mode off (straight into the file); (l) only"
	return &launcher{name: "rclone", desc: desc, start: func(ctx context.Context, _ workload) (*peer, error) {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		argv := []string{bin, "serve", "webdav", e.docroot, "--addr", fmt.Sprintf("127.0.0.1:%d", port),
			"--config", "/dev/null", "--vfs-cache-mode", "off", "--log-level", "ERROR"}
		return startPeer(ctx, e.tools, "rclone", desc, argv, []string{"HOME=" + e.tmp}, logPath, port)
	}}, nil
}

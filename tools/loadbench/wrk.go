package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkScript is the Lua script given to wrk with -s. It only adds a done()
// hook that prints one machine-readable line; it defines no request or
// response hook, so wrk stays on its fast C path.
const wrkScript = `-- written by loadbench: one parseable summary line
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOADBENCH requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`

// wrkResult is what one wrk run reports.
type wrkResult struct {
	Requests int64
	Duration time.Duration
	Bytes    int64
	Connect  int64 // socket errors, by kind
	Read     int64
	Write    int64
	Timeout  int64
	Status   int64 // responses with a status of 400 or more
	P50      time.Duration
	P99      time.Duration
	Max      time.Duration
	// Window is the part of Duration in which the requests counted were
	// made, if the client says (rateclient's window_us); else 0.
	Window time.Duration
}

// SocketErrors is the sum of connect, read, write and timeout errors.
func (r wrkResult) SocketErrors() int64 { return r.Connect + r.Read + r.Write + r.Timeout }

// parseWrk finds the LOADBENCH line the script prints in wrk's output.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "LOADBENCH ")
		if !ok {
			continue
		}
		seen := 0
		for _, f := range strings.Fields(rest) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				return r, fmt.Errorf("wrk summary: bad field %q", f)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r, fmt.Errorf("wrk summary: field %q: %v", f, err)
			}
			us := time.Duration(n) * time.Microsecond
			switch k {
			case "requests":
				r.Requests = n
			case "duration_us":
				r.Duration = us
			case "bytes":
				r.Bytes = n
			case "connect":
				r.Connect = n
			case "read":
				r.Read = n
			case "write":
				r.Write = n
			case "status":
				r.Status = n
			case "timeout":
				r.Timeout = n
			case "p50_us":
				r.P50 = us
			case "p99_us":
				r.P99 = us
			case "max_us":
				r.Max = us
			case "window_us": // rateclient's: not one of wrk's 11
				r.Window = us
				continue
			default:
				continue // a field from a newer script: ignore it
			}
			seen++
		}
		if seen < 11 {
			return r, fmt.Errorf("wrk summary: %d of 11 fields in %q", seen, line)
		}
		if r.Duration <= 0 {
			return r, fmt.Errorf("wrk summary: duration %v", r.Duration)
		}
		return r, nil
	}
	return r, fmt.Errorf("no LOADBENCH line in wrk output (is the Lua script loaded?)")
}

// wrkArgs is the wrk command line for one run, without the taskset prefix.
func wrkArgs(w workload, url, script string, d time.Duration) []string {
	timeout := w.timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	args := []string{
		"-t1", "-c" + strconv.Itoa(w.conns),
		"-d" + strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s",
		"--timeout", strconv.Itoa(int(timeout/time.Second)) + "s",
		"-s", script,
	}
	for _, h := range w.headers {
		args = append(args, "-H", h)
	}
	return append(append(args, url), w.scriptArgs...)
}

// runWrk runs wrk once and returns its summary and the CPU time wrk used.
func runWrk(ctx context.Context, tools toolset, args []string, d time.Duration) (wrkResult, time.Duration, error) {
	return runClient(ctx, tools, tools.wrk, args, d)
}

// runClient runs a load client for about d, pinned to the client core:
// wrk, or a client of ours that prints the same summary line
// (rateclient). It returns the summary and the CPU time the client used.
func runClient(ctx context.Context, tools toolset, bin string, args []string, d time.Duration) (wrkResult, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d+60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	if tools.taskset != "" {
		cmd = exec.CommandContext(ctx, tools.taskset, append([]string{"-c", clientCPU, bin}, args...)...)
	}
	out, err := cmd.CombinedOutput()
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return wrkResult{}, cpu, fmt.Errorf("%s: %v: %s", filepath.Base(bin), err, lastLines(string(out), 3))
	}
	r, err := parseWrk(string(out))
	return r, cpu, err
}

// lastLines returns the last n non-empty lines of s, joined by " | ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

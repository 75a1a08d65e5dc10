package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat. USER_HZ is
// 100 on every Linux architecture Go supports, and Go cannot ask
// sysconf(_SC_CLK_TCK) without cgo.
const clockTick = 10 * time.Millisecond

// procCPU is the CPU time a process has used: in its own code (utime) and
// in the kernel on its behalf (stime).
type procCPU struct {
	user, sys time.Duration
}

func (c procCPU) total() time.Duration { return c.user + c.sys }

func (c procCPU) sub(d procCPU) procCPU { return procCPU{c.user - d.user, c.sys - d.sys} }

// parseStat returns utime and stime from the text of /proc/PID/stat. The
// command name (field 2) is in parentheses and may itself contain spaces
// and parentheses, so fields are counted from the last ')'. The figures
// cover every thread of the process, not its children.
func parseStat(s string) (procCPU, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procCPU{}, fmt.Errorf("proc stat: no ')' in %q", s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), so field 14 (utime) is f[11], 15 (stime) f[12].
	if len(f) < 13 {
		return procCPU{}, fmt.Errorf("proc stat: %d fields after the command name, want at least 13", len(f))
	}
	ut, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return procCPU{}, fmt.Errorf("proc stat: utime: %v", err)
	}
	st, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return procCPU{}, fmt.Errorf("proc stat: stime: %v", err)
	}
	return procCPU{time.Duration(ut) * clockTick, time.Duration(st) * clockTick}, nil
}

// parseStatusKB returns the value of a "Key:   1234 kB" line of
// /proc/PID/status, in bytes.
func parseStatusKB(s, key string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("proc status: bad %s line %q", key, sc.Text())
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc status: %s: %v", key, err)
		}
		return n * 1024, nil
	}
	return 0, fmt.Errorf("proc status: no %s line", key)
}

// cpuTime returns the CPU time process pid has used so far.
func cpuTime(pid int) (procCPU, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procCPU{}, err
	}
	return parseStat(string(b))
}

// peakRSS returns the high-water mark of the resident set of pid (VmHWM).
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseStatusKB(string(b), "VmHWM")
}

// cpuStat is the machine-wide CPU time from the "cpu" line of /proc/stat.
type cpuStat struct {
	task  time.Duration // user+nice+system: time charged to processes
	irq   time.Duration // irq+softirq (loopback networking runs here)
	steal time.Duration // time the hypervisor gave to other guests
}

// parseCPUStat parses the aggregate "cpu " line of /proc/stat.
func parseCPUStat(s string) (cpuStat, error) {
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 9 {
			return cpuStat{}, fmt.Errorf("proc stat: short cpu line %q", line)
		}
		var v [8]uint64
		for i := range v {
			n, err := strconv.ParseUint(f[i+1], 10, 64)
			if err != nil {
				return cpuStat{}, fmt.Errorf("proc stat: cpu line: %v", err)
			}
			v[i] = n
		}
		// user nice system idle iowait irq softirq steal
		return cpuStat{
			task:  time.Duration(v[0]+v[1]+v[2]) * clockTick,
			irq:   time.Duration(v[5]+v[6]) * clockTick,
			steal: time.Duration(v[7]) * clockTick,
		}, nil
	}
	return cpuStat{}, fmt.Errorf("proc stat: no cpu line")
}

// machineCPU reads /proc/stat.
func machineCPU() (cpuStat, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuStat{}, err
	}
	return parseCPUStat(string(b))
}

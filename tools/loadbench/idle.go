package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// parsePPID returns the parent PID (field 4) from the text of
// /proc/PID/stat; like parseStat it counts from the last ')'.
func parsePPID(s string) (int, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc stat: no ')' in %q", s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, fmt.Errorf("proc stat: %d fields after the command name, want at least 2", len(f))
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, fmt.Errorf("proc stat: ppid: %v", err)
	}
	return n, nil
}

// descendants returns pid and every process below it, found through the
// parent PIDs in /proc: a server that forks workers (nginx with a master
// process) is measured as a whole.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []int{pid}
	}
	children := map[int][]int{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		if pp, err := parsePPID(string(b)); err == nil {
			children[pp] = append(children[pp], n)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// treeMemory sums a /proc/PID/status memory line (VmRSS: resident now;
// VmHWM: the peak) over pid and its descendants, in bytes.
func treeMemory(pid int, key string) (int64, error) {
	var sum int64
	for i, p := range descendants(pid) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			if i == 0 {
				return 0, err
			}
			continue
		}
		n, err := parseStatusKB(string(b), key)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// idleConns holds keep-alive connections that have each made one request
// and now sit idle.
type idleConns struct {
	addr  string
	path  string
	conns []net.Conn
}

// grow opens connections until there are n, in parallel, each sending one
// GET for c.path and reading the whole response, then leaving the
// connection open. A refused or failed connection is an error: the
// memory figure would be for fewer connections than claimed.
func (c *idleConns) grow(ctx context.Context, n int) error {
	need := n - len(c.conns)
	if need <= 0 {
		return nil
	}
	const parallel = 32
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		first error
	)
	next := make(chan struct{}, need)
	for range need {
		next <- struct{}{}
	}
	close(next)
	for range min(parallel, need) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if ctx.Err() != nil {
					return
				}
				conn, err := oneRequest(ctx, c.addr, c.path)
				mu.Lock()
				if err != nil {
					if first == nil {
						first = err
					}
				} else {
					c.conns = append(c.conns, conn)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("idle connection %d of %d: %v", len(c.conns)+1, n, first)
	}
	return ctx.Err()
}

// oneRequest dials addr, makes one keep-alive GET and returns the open
// connection.
func oneRequest(ctx context.Context, addr, path string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	if err == nil && resp.Close {
		err = errors.New("the server closed the connection after the response (no keep-alive)")
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// close closes every connection.
func (c *idleConns) close() {
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

// slope is the least-squares slope of ys over xs (the memory each
// further connection costs), or 0 with fewer than two distinct xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(ys) {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

// raiseFileLimit raises this process's RLIMIT_NOFILE so that it (the
// idle connections) and the peers and wrk it starts, which inherit the
// limit, can hold want descriptors. It raises the hard limit too when it
// may (root), else stops at the hard limit, and returns the soft limit
// now in force. Go raises its own soft limit at startup but gives
// children the original one back unless the program sets the limit
// itself, as here.
func raiseFileLimit(want uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Max < want {
		up := syscall.Rlimit{Cur: want, Max: want}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &up); err == nil {
			return want, nil
		}
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur, nil
}

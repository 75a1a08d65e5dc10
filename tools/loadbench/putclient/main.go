// Putclient is the client side of loadbench's upload workload, and its
// copy baseline. It is a program of its own so that loadbench can pin it
// to the client core, as it does wrk.
//
// Usage:
//
//	putclient -src FILE -url http://HOST:PORT/PREFIX -conns N (-duration D | -count N)
//	putclient -copy -src FILE -dst DIR -conns N (-duration D | -count N)
//
// The first form PUTs the bytes of FILE to URL+"<conn>-<i>.bin", a new
// name for every request, over N keep-alive connections, until the
// duration is over (no request starts after it) or until N requests in
// all have been made. Every response should be 201 Created; the first
// other answer is printed with its body. The body is sent from the file,
// so net/http hands it to sendfile(2).
//
// The second form is what a plain `cp` (or dd bs=256k conv=fsync) does
// with the same bytes: each worker reads FILE through a 256 KiB buffer
// into a new file under DIR, fsyncs and closes it. Its CPU time, taken
// with getrusage around the copies alone, is the baseline of the server's
// CPU per MiB.
//
// Either prints one line for loadbench:
//
//	LOADBENCH-PUT requests=N bytes=N duration_us=N ok=N failed=N errors=N p50_us=N p99_us=N cpu_us=N user_us=N
//
// where ok counts 201s, failed other statuses, errors transport errors
// (for -copy: files copied, 0, copy errors), and cpu_us/user_us the
// process's own utime+stime and utime over the requests (or copies).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/simplehttp/simplehttp/tools/internal/latency"
)

func main() {
	src := flag.String("src", "", "file whose bytes are sent (or copied)")
	url := flag.String("url", "", "URL prefix; <conn>-<i>.bin is appended")
	copyMode := flag.Bool("copy", false, "copy -src into new files under -dst instead of sending it")
	dst := flag.String("dst", "", "directory for -copy")
	conns := flag.Int("conns", 1, "concurrent connections (or copiers)")
	duration := flag.Duration("duration", 0, "start requests until this is over")
	count := flag.Int("count", 0, "make this many requests in all (instead of -duration)")
	flag.Parse()
	if *src == "" || (*count <= 0) == (*duration <= 0) || *conns < 1 || (*copyMode && *dst == "") || (!*copyMode && *url == "") {
		fmt.Fprintln(os.Stderr, "putclient: need -src, -url or -copy -dst, -conns >= 1 and one of -count, -duration")
		os.Exit(2)
	}
	size, err := fileSize(*src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "putclient:", err)
		os.Exit(1)
	}
	do := func(conn, i int) (int, error) {
		return copyOnce(*src, filepath.Join(*dst, fmt.Sprintf("copy-%d-%d.bin", conn, i)))
	}
	if !*copyMode {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns, DisableCompression: true}}
		do = func(conn, i int) (int, error) {
			return put(client, *src, size, fmt.Sprintf("%s%d-%d.bin", *url, conn, i))
		}
	}
	r := drive(*conns, *count, *duration, do)
	fmt.Printf("LOADBENCH-PUT requests=%d bytes=%d duration_us=%d ok=%d failed=%d errors=%d p50_us=%d p99_us=%d cpu_us=%d user_us=%d\n",
		r.ok+r.failed, r.ok*size, r.wall.Microseconds(), r.ok, r.failed, r.errors,
		latency.Percentile(r.lat, 50).Microseconds(), latency.Percentile(r.lat, 99).Microseconds(), r.cpu.Microseconds(), r.user.Microseconds())
	if r.first != "" {
		fmt.Fprintln(os.Stderr, "putclient: first failure:", r.first)
	}
}

func fileSize(name string) (int64, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// put sends the file src as the body of a PUT to url and returns the
// status, or an error with the first bytes of the body when it is not 201.
func put(client *http.Client, src string, size int64, url string) (int, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, url, f)
	if err != nil {
		return 0, err
	}
	req.ContentLength = size
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// The start of the body says why; the rest is read so that the
	// connection can be reused.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return resp.StatusCode, fmt.Errorf("PUT %s: %s: %q", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return resp.StatusCode, nil
}

// copyOnce copies src into the new file dst through a 256 KiB buffer,
// read(2) and write(2) as cp does without copy_file_range, and syncs it.
func copyOnce(src, dst string) (int, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	// Plain Reader and Writer: io.CopyBuffer would otherwise take
	// copy_file_range, which copies inside the kernel.
	_, err = io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{in}, *buf)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return http.StatusCreated, nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

type result struct {
	ok, failed, errors int64
	first              string // the first failure
	lat                []time.Duration
	wall, cpu, user    time.Duration
}

// drive runs do on conns workers, until count calls in all have been
// made (count > 0) or d is over, and measures wall and CPU time.
func drive(conns, count int, d time.Duration, do func(conn, i int) (int, error)) result {
	var (
		mu      sync.Mutex
		r       result
		started atomic.Int64
		wg      sync.WaitGroup
	)
	cpu0, user0 := rusage()
	t0 := time.Now()
	end := t0.Add(d)
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if count > 0 && started.Add(1) > int64(count) || count <= 0 && !time.Now().Before(end) {
					return
				}
				s := time.Now()
				status, err := do(c, i)
				took := time.Since(s)
				mu.Lock()
				switch {
				case err == nil:
					r.ok++
					r.lat = append(r.lat, took)
				case status != 0:
					r.failed++
				default:
					r.errors++
				}
				if err != nil && r.first == "" {
					r.first = err.Error()
				}
				mu.Unlock()
				if err != nil && status == 0 && errors.Is(err, syscall.ECONNREFUSED) {
					return // the server is gone: no point hammering
				}
			}
		}()
	}
	wg.Wait()
	r.wall = time.Since(t0)
	cpu1, user1 := rusage()
	r.cpu, r.user = cpu1-cpu0, user1-user0
	return r
}

// rusage returns this process's utime+stime and utime.
func rusage() (cpu, user time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	u := time.Duration(ru.Utime.Nano())
	return u + time.Duration(ru.Stime.Nano()), u
}

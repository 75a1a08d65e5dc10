package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// requestLimit bounds each request, from the write to the last byte read.
const requestLimit = 30 * time.Second

// site is the directory the server serves, and what each kind of request
// must get back.
type site struct {
	dir   string
	files map[string][]byte // URL path to content
}

// kind is one kind of request of the mixed traffic.
type kind struct {
	name     string
	path     string
	status   int
	contains string // for bodies not checked byte for byte
	weight   int    // share of the traffic
}

// kinds is the traffic mix. A 404 closes the connection (Python's error
// pages say Connection: close) and each CGI request runs a process: they
// are kept to a share the two-core machines we run on can take at the
// default rate.
var kinds = []kind{
	{name: "file 1KiB", path: "/small.txt", status: 200, weight: 40},
	{name: "file 64KiB", path: "/medium.bin", status: 200, weight: 15},
	{name: "file 1MiB", path: "/large.bin", status: 200, weight: 5},
	{name: "listing", path: "/dir/", status: 200, contains: `<a href="f0199.txt">f0199.txt</a>`, weight: 20},
	{name: "404", path: "/missing.txt", status: 404, contains: "File not found", weight: 15},
	{name: "cgi", path: "/cgi-bin/hello.sh", status: 200, weight: 5},
}

const cgiScript = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nhello from %s\\n' \"$SCRIPT_NAME\"\n"

// writeSite writes the site under dir.
func writeSite(dir string) (*site, error) {
	s := &site{dir: dir, files: map[string][]byte{}}
	rng := rand.New(rand.NewPCG(8, 8))
	content := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	s.files["/small.txt"] = bytes.Repeat([]byte("soak test line\n"), 1024/15+1)[:1024]
	s.files["/medium.bin"] = content(64 << 10)
	s.files["/large.bin"] = content(1 << 20)
	s.files["/cgi-bin/hello.sh"] = []byte("hello from /cgi-bin/hello.sh\n") // what it prints
	if err := os.MkdirAll(filepath.Join(dir, "dir"), 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "cgi-bin"), 0o755); err != nil {
		return nil, err
	}
	for _, name := range []string{"/small.txt", "/medium.bin", "/large.bin"} {
		if err := os.WriteFile(filepath.Join(dir, name), s.files[name], 0o644); err != nil {
			return nil, err
		}
	}
	for i := range 200 {
		if err := os.WriteFile(filepath.Join(dir, "dir", fmt.Sprintf("f%04d.txt", i)), []byte("x\n"), 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cgi-bin", "hello.sh"), []byte(cgiScript), 0o755); err != nil {
		return nil, err
	}
	return s, nil
}

// conn is one client connection.
type conn struct {
	nc       net.Conn
	br       *bufio.Reader
	closed   bool      // the server said Connection: close
	lastUsed time.Time // when its last response ended
}

// clientIdleLimit is how long the load keeps a connection idle before it
// dials a new one instead, as an HTTP client's pool does (Go's
// Transport.IdleConnTimeout, a browser's): below the command's default
// --idle-timeout of 60 s, after which the server closes the connection.
// A request written just as the server closes would read end of file: a
// race every keep-alive client meets, which real clients avoid so, or
// retry. A CGI request can wait long for one of cgiSlots.
const clientIdleLimit = 50 * time.Second

func dial(addr string) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, requestLimit)
	if err != nil {
		return nil, err
	}
	return &conn{nc: nc, br: bufio.NewReader(nc), lastUsed: time.Now()}, nil
}

func (c *conn) close() { c.nc.Close() }

// do makes a request of kind k and checks the answer. It returns the time
// from the write to the last byte read.
func (c *conn) do(s *site, k kind) (time.Duration, error) {
	t0 := time.Now()
	c.nc.SetDeadline(t0.Add(requestLimit))
	if _, err := io.WriteString(c.nc, "GET "+k.path+" HTTP/1.1\r\nHost: soak\r\nUser-Agent: soak\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	d := time.Since(t0)
	if err != nil {
		return d, fmt.Errorf("body cut short after %d bytes: %v", len(body), err)
	}
	c.closed = resp.Close
	if resp.StatusCode != k.status {
		return d, fmt.Errorf("status %d, want %d", resp.StatusCode, k.status)
	}
	if want, ok := s.files[k.path]; ok && !bytes.Equal(body, want) {
		return d, fmt.Errorf("%d bytes that are not the %d expected", len(body), len(want))
	}
	if k.contains != "" && !bytes.Contains(body, []byte(k.contains)) {
		return d, fmt.Errorf("body of %d bytes without %q", len(body), k.contains)
	}
	return d, nil
}

// load is the client side: one slot per connection.
type load struct {
	site  *site
	addr  string
	slots []*conn

	errors  atomic.Int64
	redials atomic.Int64
	// idleRedials counts connections closed and dialled again because
	// they had been idle for clientIdleLimit.
	idleRedials atomic.Int64

	// cgiSlots bounds the CGI requests in flight: the server refuses
	// scripts beyond its own bound (cgi.Options.MaxConcurrent) with 503.
	cgiSlots chan struct{}

	mu        sync.Mutex
	firstErrs []string
	latencies map[string][]time.Duration // by kind name
	connected []time.Duration            // the first request of each connection
	elapsed   time.Duration              // of the traffic stage
}

func newLoad(s *site, addr string, n, cgiConcurrency int) *load {
	return &load{site: s, addr: addr, slots: make([]*conn, n), latencies: map[string][]time.Duration{},
		cgiSlots: make(chan struct{}, cgiConcurrency)}
}

func (l *load) fail(format string, a ...any) {
	l.errors.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.firstErrs) < 10 {
		l.firstErrs = append(l.firstErrs, fmt.Sprintf(format, a...))
	}
}

// request makes one request of kind k on slot i, dialling first if the
// slot has no open connection, or one idle for clientIdleLimit.
func (l *load) request(i int, k kind) {
	if k.name == "cgi" {
		l.cgiSlots <- struct{}{}
		defer func() { <-l.cgiSlots }()
	}
	c := l.slots[i]
	if c == nil || c.closed || time.Since(c.lastUsed) >= clientIdleLimit {
		if c != nil {
			c.close()
			if c.closed {
				l.redials.Add(1)
			} else {
				l.idleRedials.Add(1)
			}
		}
		var err error
		if c, err = dial(l.addr); err != nil {
			l.slots[i] = nil
			l.fail("dial: %v", err)
			return
		}
		l.slots[i] = c
	}
	idle := time.Since(c.lastUsed)
	d, err := c.do(l.site, k)
	c.lastUsed = time.Now()
	if err != nil {
		c.closed = true
		l.fail("GET %s: %v (on a connection idle for %v)", k.path, err, idle.Round(time.Millisecond))
		return
	}
	l.mu.Lock()
	l.latencies[k.name] = append(l.latencies[k.name], d)
	l.mu.Unlock()
}

// connect opens every connection and makes one request on each, 256 at a
// time, within limit.
func (l *load) connect(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	for i := range l.slots {
		if time.Now().After(deadline) {
			wg.Wait()
			return fmt.Errorf("connect: %d of %d connections after %v: %w", i, len(l.slots), limit, errStage)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			l.request(i, kinds[0])
		}()
	}
	wg.Wait()
	return nil
}

// traffic runs the mixed traffic for d: each connection pauses a random
// time (uniform, on average len(slots)/rate) before each request.
func (l *load) traffic(d time.Duration, rate float64) {
	l.mu.Lock()
	l.connected, l.latencies = l.latencies[kinds[0].name], map[string][]time.Duration{}
	l.mu.Unlock()
	mean := time.Duration(float64(len(l.slots)) / rate * float64(time.Second))
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	t0 := time.Now()
	end := t0.Add(d)
	var wg sync.WaitGroup
	for i := range l.slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for {
				pause := time.Duration(rng.Int64N(int64(2 * mean)))
				if time.Now().Add(pause).After(end) {
					return
				}
				time.Sleep(pause)
				n := rng.IntN(total)
				for _, k := range kinds {
					if n -= k.weight; n < 0 {
						l.request(i, k)
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	l.elapsed = time.Since(t0)
}

// drain closes every connection and waits, at most limit, for the
// server's open files and established connections to come back down to
// fds and conns. It returns how long that took and whether they did.
func (l *load) drain(s *server, fds, conns int, limit time.Duration) (time.Duration, bool) {
	for i, c := range l.slots {
		if c != nil {
			c.close()
			l.slots[i] = nil
		}
	}
	t0 := time.Now()
	for {
		if s.openFiles() <= fds && s.established() <= conns {
			return time.Since(t0), true
		}
		if time.Since(t0) > limit {
			return time.Since(t0), false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// report is the client side's figures.
func (l *load) report() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	var all []time.Duration
	for _, k := range kinds {
		all = append(all, l.latencies[k.name]...)
	}
	fmt.Fprintf(&b, "traffic: %d requests in %v (%.0f/s), %d errors, %d connections made again after Connection: close, %d after %v idle\n",
		len(all), l.elapsed.Round(time.Millisecond), float64(len(all))/l.elapsed.Seconds(), l.errors.Load(), l.redials.Load(),
		l.idleRedials.Load(), clientIdleLimit)
	for _, e := range l.firstErrs {
		fmt.Fprintf(&b, "  error: %s\n", e)
	}
	slices.Sort(all)
	fmt.Fprintf(&b, "latency: p50 %v, p99 %v, p99.9 %v, max %v\n",
		percentile(all, 0.50), percentile(all, 0.99), percentile(all, 0.999), percentile(all, 1))
	for _, k := range kinds {
		ds := slices.Sorted(slices.Values(l.latencies[k.name]))
		fmt.Fprintf(&b, "  %-11s %7d requests, p50 %v, p99 %v, max %v\n",
			k.name, len(ds), percentile(ds, 0.50), percentile(ds, 0.99), percentile(ds, 1))
	}
	ds := slices.Sorted(slices.Values(l.connected))
	fmt.Fprintf(&b, "  (connect stage: %d first requests, p50 %v, p99 %v, max %v)\n",
		len(ds), percentile(ds, 0.50), percentile(ds, 0.99), percentile(ds, 1))
	return b.String()
}

// percentile is the q quantile (0 < q <= 1) of sorted ds, by the nearest
// rank method, rounded to 10 µs; 0 for no data.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[max(0, min(i, len(ds)-1))].Round(10 * time.Microsecond)
}

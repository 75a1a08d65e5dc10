// Rateclient is the client of loadbench's fixed-rate runs: p99 latency
// at the same request rate with 100 and with 10,000 keep-alive
// connections. It is a program of its own so that loadbench can pin it to
// the client core, as it does wrk.
//
// Usage:
//
//	rateclient -url http://HOST:PORT/PATH -conns N -rate R -warm D -duration D
//
// It opens N keep-alive connections (HTTP/1.1 GETs of PATH), and after
// -warm each connection waits an exponentially distributed time (mean
// N/R seconds) before each request, so that together they ask R requests
// a second whatever the server's latency (while it stays well below the
// wait). wrk can pace only through a Lua delay hook, and it keeps the
// pending delays in a list it walks on every turn of its event loop: with
// 10,000 connections at 5,000 requests a second that walk took three
// quarters of wrk's core, and its own slowness showed up as the server's
// latency: through wrk, nginx's median was 155 to 161 µs at 100
// connections and 555 to 627 µs at 10,000, where this client measures
// 176 to 209 µs. Here each wait is a runtime timer (a heap), each
// connection a goroutine, and nothing is allocated per request once the
// connections are open, so the collector is off and the client's cost
// per request does not grow with the connections.
//
// Latency runs from the first byte of the request written to the last
// byte of the response read, for every request started in the measured
// window (-duration, after -warm and one mean: see run); each is kept,
// and the percentiles are exact. It prints one line for loadbench, in the
// fields of its wrk script:
//
//	LOADBENCH requests=N duration_us=N window_us=N bytes=N connect=N read=N write=N status=N timeout=N p50_us=N p99_us=N max_us=N
//
// where requests, bytes and status (responses of 400 or more) are the
// window's, duration_us is the whole run (as wrk's is, so that
// loadbench's CPU shares stay comparable), window_us the window, and
// connect, read, write and timeout count the transport errors of the
// whole run, as wrk counts them.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simplehttp/simplehttp/tools/internal/latency"
)

// config is one run's parameters.
type config struct {
	addr, path string
	conns      int
	rate       float64 // requests a second, all connections together
	warm       time.Duration
	duration   time.Duration
	timeout    time.Duration
}

// result is what a run reports.
type result struct {
	requests, bytes                     int64
	connect, read, write, status, tmout int64
	latencies                           []time.Duration
}

func main() {
	var c config
	target := flag.String("url", "", "what to ask for: http://HOST:PORT/PATH")
	flag.IntVar(&c.conns, "conns", 100, "keep-alive connections")
	flag.Float64Var(&c.rate, "rate", 5000, "requests a second, all connections together")
	flag.DurationVar(&c.warm, "warm", time.Second, "time for all connections to connect, before the first request")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "the measured window, after -warm")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Second, "a response not complete after this is a timeout")
	flag.Parse()
	if u, err := url.Parse(*target); err == nil && u.Scheme == "http" && u.Host != "" {
		c.addr, c.path = u.Host, u.RequestURI()
	}
	if c.addr == "" || c.conns < 1 || c.rate <= 0 || c.duration <= 0 || c.warm < 0 || c.timeout <= 0 {
		fmt.Fprintln(os.Stderr, "rateclient: need -url http://HOST:PORT/PATH, -conns >= 1, -rate > 0, -duration > 0")
		os.Exit(2)
	}
	// Nothing is allocated per request once the connections are open, so
	// the collector would only run for the latencies kept: turn it off,
	// with a memory limit as a backstop.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(1 << 30)
	start := time.Now()
	r := run(c)
	fmt.Printf("LOADBENCH requests=%d duration_us=%d window_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d max_us=%d\n",
		r.requests, time.Since(start).Microseconds(), c.duration.Microseconds(), r.bytes, r.connect, r.read, r.write, r.status, r.tmout,
		latency.Percentile(r.latencies, 50).Microseconds(), latency.Percentile(r.latencies, 99).Microseconds(),
		latency.Percentile(r.latencies, 100).Microseconds())
}

// run makes one run.
func run(c config) result {
	start := time.Now()
	mean := time.Duration(float64(c.conns) / c.rate * float64(time.Second))
	// The first request of each connection comes a uniform share of the
	// mean after the warm-up (so that no connection sits silent long
	// after connecting: a server may close it), and the next ones an
	// exponential wait after the last answer. Requests then arrive at
	// rate*(1+t/mean) for the first mean, and at rate from then on (a
	// Poisson process: the superposition of the connections' waits), so
	// the measured window starts one mean after the warm-up.
	first := start.Add(c.warm)
	from := first.Add(mean)
	until := from.Add(c.duration)
	req := []byte("GET " + c.path + " HTTP/1.1\r\nHost: " + c.addr + "\r\n\r\n")

	// Room for every latency of the window at twice the asked rate; past
	// that, requests are still made and counted but not kept.
	keep := make([]time.Duration, int(2*c.rate*c.duration.Seconds())+c.conns)
	var kept atomic.Int64
	var r result
	var mu sync.Mutex // guards r's counters at the end of each connection

	// At most this many connects at once: a burst of 10,000 SYNs would
	// overflow the listen backlog and wait out SYN retries instead.
	dialing := make(chan struct{}, 256)
	var wg sync.WaitGroup
	for i := range c.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{c: c, req: req, from: from, until: until, mean: mean,
				rng: rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(i)))}
			at := first.Add(time.Duration(w.rng.Float64() * float64(mean)))
			w.loop(dialing, at, func(d time.Duration) {
				if n := kept.Add(1); n <= int64(len(keep)) {
					keep[n-1] = d
				}
			})
			mu.Lock()
			r.requests += w.requests
			r.bytes += w.bytes
			r.connect += w.connect
			r.read += w.read
			r.write += w.write
			r.status += w.status
			r.tmout += w.tmout
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.latencies = keep[:min(kept.Load(), int64(len(keep)))]
	return r
}

// worker is one connection's loop and counters.
type worker struct {
	c                                   config
	req                                 []byte
	from, until                         time.Time
	mean                                time.Duration
	rng                                 *rand.Rand
	conn                                net.Conn
	br                                  *bufio.Reader
	requests, bytes                     int64
	connect, read, write, status, tmout int64
}

// loop connects, waits until first, and then asks and waits in turn until
// the window is over. Each latency of the window goes to record. A
// connection that fails, or fails to open, is counted and opened again
// at its next request, as wrk does (so that a refused connect does not
// leave the server a connection's share of the rate lighter for the rest
// of the run); one the server closes after its answer is opened again
// for the next request.
func (w *worker) loop(dialing chan struct{}, first time.Time, record func(time.Duration)) {
	defer func() {
		if w.conn != nil {
			w.conn.Close()
		}
	}()
	w.dial(dialing)
	next := first
	for {
		if !next.Before(w.until) {
			return
		}
		time.Sleep(time.Until(next))
		if w.conn == nil && !w.dial(dialing) {
			next = time.Now().Add(time.Duration(w.rng.ExpFloat64() * float64(w.mean)))
			continue
		}
		t0 := time.Now()
		n, code, keep, err := w.ask()
		d := time.Since(t0)
		if err != nil || !keep {
			w.conn.Close()
			w.conn = nil
		}
		if err == nil && !t0.Before(w.from) {
			w.requests++
			w.bytes += n
			if code >= 400 {
				w.status++
			}
			record(d)
		}
		next = time.Now().Add(time.Duration(w.rng.ExpFloat64() * float64(w.mean)))
	}
}

// dial opens the connection, or counts a connect error and reports false.
func (w *worker) dial(dialing chan struct{}) bool {
	dialing <- struct{}{}
	conn, err := net.DialTimeout("tcp", w.c.addr, w.c.timeout)
	<-dialing
	if err != nil {
		w.connect++
		return false
	}
	w.conn = conn
	if w.br == nil {
		w.br = bufio.NewReaderSize(conn, 4096)
	} else {
		w.br.Reset(conn)
	}
	return true
}

// ask sends the request and reads the whole response, returning the bytes
// read, the status code and whether the connection stays open. Transport
// errors are counted by kind, over the whole run; statuses are counted by
// the caller, in the window.
func (w *worker) ask() (int64, int, bool, error) {
	w.conn.SetDeadline(time.Now().Add(w.c.timeout))
	if _, err := w.conn.Write(w.req); err != nil {
		w.count(err, &w.write)
		return 0, 0, false, err
	}
	n, code, keep, err := readResponse(w.br)
	if err != nil {
		w.count(err, &w.read)
	}
	return n, code, keep, err
}

// count adds one to *kind, or to the timeouts if err is one.
func (w *worker) count(err error, kind *int64) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		w.tmout++
		return
	}
	*kind++
}

// readResponse reads one HTTP/1.x response with a Content-Length (what a
// file server sends for a file) and returns its size, its status code and
// whether the server keeps the connection open after it (HTTP/1.1 unless
// "Connection: close", HTTP/1.0 only with "Connection: keep-alive"). It
// allocates nothing.
func readResponse(br *bufio.Reader) (n int64, code int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	n += int64(len(line))
	if err != nil {
		return n, 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return n, 0, false, fmt.Errorf("bad status line %q", line)
	}
	keep = line[7] != '0'
	code64, ok := digits(line[9:12])
	if !ok {
		return n, 0, false, fmt.Errorf("bad status line %q", line)
	}
	code = int(code64)
	length := int64(-1)
	for {
		line, err = br.ReadSlice('\n')
		n += int64(len(line))
		if err != nil {
			return n, code, false, err
		}
		h := bytes.TrimRight(line, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		switch {
		case !ok:
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, ok = digits(bytes.TrimSpace(value)); !ok {
				return n, code, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			v := bytes.TrimSpace(value)
			if bytes.EqualFold(v, []byte("close")) {
				keep = false
			} else if bytes.EqualFold(v, []byte("keep-alive")) {
				keep = true
			}
		}
	}
	if length < 0 {
		return n, code, false, errors.New("response without Content-Length")
	}
	m, err := br.Discard(int(length))
	n += int64(m)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, code, keep, err
}

// digits parses a decimal number of 1 to 18 digits.
func digits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

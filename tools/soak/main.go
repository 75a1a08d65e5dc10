// Soak holds simplehttp under load for minutes: 10,000 keep-alive
// connections at once on loopback, then mixed traffic, and it reports
// what the server's memory, connections and goroutines did. It is
// `make soak`, not part of `make test`.
//
// # Running
//
// It is in the tools module (the tools directory), so run it from there:
//
//	cd tools
//	go run ./soak                      # 10,000 connections, 2 minutes
//	go run ./soak -duration 30s        # shorter
//	go run ./soak -conns 2000 -rate 500
//
// Run it from inside the repository: it builds the command in the
// library's module, found from the current directory. It needs a limit
// on open files (RLIMIT_NOFILE) above -conns for itself and for the
// server: Go raises the soft limit to the hard one at startup, so the
// hard limit (ulimit -Hn) must be at least -conns plus 256. If it is not, soak says so and
// stops before starting anything.
//
// # What it does
//
// In a temp dir it builds ./cmd/simplehttp (in the library's module, so
// with the library's go.mod) and writes a site: files of 1 KiB, 64 KiB
// and 1 MiB, a directory of 200 entries, and a /bin/sh CGI script. It starts the command on a free port of 127.0.0.1 with
// -p HTTP/1.1 --cgi, the access log going to a file. Then:
//
//  1. Connect: -conns connections, each making one request (so that the
//     server holds each as a keep-alive connection with its goroutine).
//  2. Traffic, for -duration: each connection, after a random pause (on
//     average -conns/-rate, so that all of them together make about -rate
//     requests a second), asks for one of: a file of each size, the
//     listing, a missing file (404) and the CGI script, and checks the
//     status and the bytes. A response with Connection: close (a CGI
//     error, say) makes the connection be made again. At most
//     -cgi-concurrency CGI requests are in flight at once: the server
//     refuses scripts beyond 4 per CPU with 503, by design, and soak
//     tests the server within its bounds.
//  3. Drain: every connection is closed, and soak waits (at most 30 s) for
//     the server's open files and established connections to be back where
//     they were before the load.
//  4. Goroutines: the server is sent SIGQUIT with GOTRACEBACK=all, so that
//     the Go runtime prints every goroutine and exits, and soak counts
//     them. The baseline is a second server, started the same way, sent
//     one request of each kind, then SIGQUIT. The command needs no debug
//     endpoint for this.
//
// It prints the server's peak resident set (VmHWM), its open files and
// connections at each stage, the requests made, the errors (any failed
// dial, read or write, any wrong status or byte), latency percentiles
// (p50, p99, p99.9, max; p99 per kind), the goroutine counts, and any
// warning or error the server logged. It exits 1 if there was an error,
// if the server's files or connections did not come back, if it has
// more goroutines than the baseline, or if the server logged a warning
// or an error (it logs none under this load when all is well).
//
// Everything is bounded: connections by -conns, time by -duration plus
// fixed limits on each stage (a stage that overruns is an error), every
// request by a 30 s deadline. Only loopback is used. The servers are
// stopped by their own PID.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/simplehttp/simplehttp/tools/internal/modroot"
)

func main() {
	var o options
	flag.IntVar(&o.conns, "conns", 10000, "concurrent keep-alive connections")
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "how long the mixed traffic runs")
	flag.Float64Var(&o.rate, "rate", 1000, "requests per second, all connections together (about)")
	flag.IntVar(&o.cgiConcurrency, "cgi-concurrency", 4,
		"CGI requests in flight at most (the server answers 503 beyond 4 per CPU)")
	flag.StringVar(&o.bin, "bin", "", "simplehttp binary to run (default: build ./cmd/simplehttp)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp dir (site, logs, goroutine dumps)")
	flag.Parse()
	if flag.NArg() > 0 || o.conns < 1 || o.duration <= 0 || o.rate <= 0 || o.cgiConcurrency < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ok, err := run(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		os.Exit(1)
	}
	if !ok {
		fmt.Println("soak: FAIL")
		os.Exit(1)
	}
	fmt.Println("soak: PASS")
}

type options struct {
	conns    int
	duration time.Duration
	rate     float64
	bin      string

	cgiConcurrency int
	keep           bool
}

// Limits on the stages other than the traffic.
const (
	buildLimit   = 5 * time.Minute
	connectLimit = 2 * time.Minute
	drainLimit   = 30 * time.Second
	stopLimit    = 30 * time.Second
	// extraFiles is what soak and the server may need beyond one file per
	// connection: executables, logs, the listener, the CGI pipes.
	extraFiles = 256
)

func run(o options) (ok bool, err error) {
	if err := checkFileLimit(o.conns + extraFiles); err != nil {
		return false, err
	}
	tmp, err := os.MkdirTemp("", "simplehttp-soak-")
	if err != nil {
		return false, err
	}
	// Run as root, the server runs CGI scripts as nobody, who must be able
	// to reach them.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return false, err
	}
	if o.keep {
		fmt.Printf("soak: temp dir %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	bin := o.bin
	if bin == "" {
		bin = filepath.Join(tmp, "simplehttp")
		ctx, cancel := context.WithTimeout(context.Background(), buildLimit)
		defer cancel()
		root, err := modroot.Library()
		if err != nil {
			return false, err
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/simplehttp")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			return false, fmt.Errorf("go build ./cmd/simplehttp: %v\n%s", err, out)
		}
	}
	site, err := writeSite(filepath.Join(tmp, "site"))
	if err != nil {
		return false, err
	}

	// The baseline: a fresh server, one request of each kind, its goroutines.
	base, err := startServer(bin, site.dir, filepath.Join(tmp, "baseline"))
	if err != nil {
		return false, err
	}
	defer base.kill()
	if err := warmUp(base, site); err != nil {
		return false, fmt.Errorf("baseline server: %v", err)
	}
	baseGoroutines, err := base.goroutines()
	if err != nil {
		return false, fmt.Errorf("baseline server: %v", err)
	}

	srv, err := startServer(bin, site.dir, filepath.Join(tmp, "server"))
	if err != nil {
		return false, err
	}
	defer srv.kill()
	if err := srv.checkFileLimit(o.conns + extraFiles); err != nil {
		return false, err
	}
	soft, hard, _ := fileLimit(srv.pid())
	fmt.Printf("soak: simplehttp on %s (pid %d, open files limit %d/%d), %d connections, %v of traffic at about %.0f requests/s "+
		"(CGI at most %d at once), GOMAXPROCS %d\n",
		srv.addr, srv.pid(), soft, hard, o.conns, o.duration, o.rate, o.cgiConcurrency, runtime.GOMAXPROCS(0))
	// The same warm-up as the baseline's, then the server's own baseline
	// of open files and connections.
	if err := warmUp(srv, site); err != nil {
		return false, err
	}
	baseFDs, baseEst := srv.openFiles(), srv.established()
	fmt.Printf("server at start: %d open files, %d established connections, RSS %s\n", baseFDs, baseEst, mib(srv.rss()))

	l := newLoad(site, srv.addr, o.conns, o.cgiConcurrency)
	t0 := time.Now()
	if err := l.connect(connectLimit); err != nil {
		return false, err
	}
	connectTime := time.Since(t0)
	fmt.Printf("connect: %d connections in %v (%d errors); server: %d open files, %d established, RSS %s\n",
		o.conns, connectTime.Round(time.Millisecond), l.errors.Load(), srv.openFiles(), srv.established(), mib(srv.rss()))

	mon := srv.monitor(time.Second)
	cpu0 := srv.cpu()
	l.traffic(o.duration, o.rate)
	cpu := srv.cpu() - cpu0
	peakFDs, peakEst := mon.stop()

	closeTime, back := l.drain(srv, baseFDs, baseEst, drainLimit)
	hwm := srv.peakRSS()
	afterFDs, afterEst := srv.openFiles(), srv.established()
	logged := srv.loggedProblems()
	goroutines, err := srv.goroutines()
	if err != nil {
		return false, err
	}

	r := l.report()
	fmt.Print(r)
	fmt.Printf("server: peak RSS (VmHWM) %s; CPU %v over the traffic (%.0f%% of one core); at most %d open files and %d established connections\n",
		mib(hwm), cpu.Round(time.Millisecond), 100*cpu.Seconds()/o.duration.Seconds(), peakFDs, peakEst)
	fmt.Printf("after the load: %d open files (baseline %d), %d established connections (baseline %d), %s after the clients closed\n",
		afterFDs, baseFDs, afterEst, baseEst, closeTime.Round(time.Millisecond))
	fmt.Printf("goroutines after the load: %d, and %d of the runtime's (fresh server after one request of each kind: %d and %d)\n",
		goroutines.total, goroutines.runtime, baseGoroutines.total, baseGoroutines.runtime)
	if len(logged) > 0 {
		fmt.Printf("server logged %d warnings or errors, the first:\n", len(logged))
		for _, line := range logged[:min(len(logged), 10)] {
			fmt.Printf("  %s\n", line)
		}
	}

	fails := failures(l.errors.Load(), back, goroutines, baseGoroutines, logged)
	for _, f := range fails {
		fmt.Printf("FAIL: %s\n", f)
	}
	return len(fails) == 0, nil
}

// failures says why a run failed, one line each; none if it passed. A
// warning or error in the server's log fails it as an error seen by the
// clients does: under this load the server logs nothing at those levels,
// so a line there (an accept that ran out of files, a handler that
// panicked, a CGI script that could not start) is a fault or the sign of
// a leak, even when every request still got its answer.
func failures(errs int64, back bool, goroutines, baseline dump, logged []string) []string {
	var out []string
	if errs != 0 {
		out = append(out, fmt.Sprintf("%d errors", errs))
	}
	if !back {
		out = append(out, fmt.Sprintf("open files or connections not back to the baseline %v after the clients closed", drainLimit))
	}
	if goroutines.total > baseline.total {
		out = append(out, fmt.Sprintf("%d goroutines after the load, %d in a fresh server; the extra ones, by state and function:\n%s",
			goroutines.total, baseline.total, strings.TrimSuffix(goroutines.diff(baseline), "\n")))
	}
	if len(logged) > 0 {
		out = append(out, fmt.Sprintf("the server logged %d warnings or errors (above)", len(logged)))
	}
	return out
}

// warmUp makes one request of each kind, each on a connection of its own
// (a 404 closes it), and waits for the server to close them all.
func warmUp(s *server, site *site) error {
	l := newLoad(site, s.addr, 1, 1)
	for _, k := range kinds {
		l.request(0, k)
	}
	if n := l.errors.Load(); n != 0 {
		return fmt.Errorf("warm-up: %d errors: %v", n, l.firstErrs)
	}
	if _, ok := l.drain(s, math.MaxInt, 0, drainLimit); !ok {
		return fmt.Errorf("warm-up: connections still open %v after the client closed them", drainLimit)
	}
	return nil
}

// checkFileLimit makes sure this process may open need files, raising its
// soft limit if the hard limit allows.
func checkFileLimit(need int) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return err
	}
	if rl.Cur >= uint64(need) {
		return nil
	}
	if rl.Max < uint64(need) {
		return fmt.Errorf("the limit on open files (RLIMIT_NOFILE) is %d, hard limit %d: this run needs %d "+
			"(-conns plus %d). Raise the hard limit (as root: ulimit -Hn %d, or /etc/security/limits.conf), "+
			"or run with fewer -conns", rl.Cur, rl.Max, need, extraFiles, need)
	}
	rl.Cur = uint64(need)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
}

func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

var errStage = errors.New("stage overran its time limit")

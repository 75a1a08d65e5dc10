// Loadbench compares simplehttp under load with net/http.FileServer,
// python3 -m http.server, nginx, Caddy and a net/http "ceiling" server,
// and checks simplehttp's performance targets against them. It is the
// second half of `make bench`.
//
// # Running
//
// It is in the tools module (the tools directory), so run it from there:
//
//	cd tools
//	go run ./loadbench            # 3 rounds x 5s, all workloads and peers (~12 min)
//	go run ./loadbench -quick     # 1 round x 2s, a smoke run (~2 min)
//	go run ./loadbench -workloads a,g,h -peers simplehttp,nginx
//
// Run it from inside the repository (it builds the command in the
// library's module, found from the current directory), on an otherwise
// idle machine with at least two cores. It needs wrk and, for the nginx
// and Caddy peers, nginx and caddy (apt-get install -y wrk nginx-light
// caddy); a missing tool or peer is reported and skipped, and the rest
// still runs.
//
// # What it does
//
// In a temp dir it builds ./cmd/simplehttp (in the library's module, so
// with the library's go.mod), a minimal http.FileServer program
// (tools/loadbench/fileserverpeer) and the ceiling server
// (tools/loadbench/ceilingpeer: the same 1 KiB from memory for every
// request) and writes the fixture files. For each run it starts a peer on
// a free 127.0.0.1 port, pinned to core 0 with taskset:
//
//   - simplehttp -p HTTP/1.1, with its access log going to a file
//     (--log-file when the command has it, else stderr redirected);
//   - fileserverpeer (no log);
//   - python3 -m http.server -p HTTP/1.1 (a small wrapper script on a
//     Python without -p), access log on stderr redirected to a file;
//   - nginx, one process (daemon off, master_process off), access_log to a
//     file, sendfile on, autoindex on, if_modified_since before;
//   - caddy run with a Caddyfile: file_server browse, an access log to a
//     file;
//   - ceilingpeer, for the workloads with small responses, where a fixed
//     1 KiB answer is a fair bound: (a), (b), (g), (h).
//
// For the static-assets workloads (i) to (k) the peers are set up as a
// team would for a web app's bundle: simplehttp with --precompressed (i)
// or --compress (j, k); Caddy with precompressed br gzip (i) or encode
// zstd gzip (j, k); nginx with gzip_static on (i) or gzip on (j, k);
// FileServer behind chi's middleware.Compress(5) (j, k). Python and the
// ceiling sit them out. Before the runs, one request per peer notes the
// Content-Encoding and size of the body, against brotli -q 9 and gzip -9
// of the same file.
//
// It then runs wrk (one thread, pinned to core 1) against each peer in
// turn, for each workload, for each round; the peer order rotates each
// round so drift hits all alike. The workloads are:
// (a) 1 KiB file, keep-alive, 64 connections; (b) the same with
// Connection: close; (c) 1 MiB file; (d) 100 MiB file (4 connections);
// (e) listing of 1,000 entries; (f) listing of 10,000 entries; (g) 404s;
// (h) If-Modified-Since one day after the mtime, answered 304; (i) a
// 100 KiB JavaScript file with its .br and .gz copies, asked for with
// Accept-Encoding: br, gzip; (j) the same file without copies; (k) the
// 1,000-entry listing, compressed; (l) the 10,000-entry listing of (f)
// with simplehttp's rich listing (--listing rich: sizes, times, sorted,
// each entry stat'ed on every request) against every other peer's own
// listing (Caddy's browse, nginx's autoindex, Python's). Before a
// peer's first run of a workload one request checks the status (and the
// length, for files); a mismatch is noted under the table.
//
// Each run gets a fresh server process, so no run inherits another's
// heap or leftover work. Around each run it reads the server's
// utime+stime from /proc/PID/stat and its peak RSS (VmHWM), and the CPU
// all other processes used (/proc/stat). A Lua script makes wrk print
// one parseable summary line (requests, bytes, p50/p99, errors by kind).
// The table shows, per workload and peer: req/s (MiB/s
// for c and d), p50, p99, errors, server CPU µs per request, server and
// wrk CPU load, peak RSS, which side was saturated, and simplehttp's
// throughput and CPU per request as ratios to that peer. After the table
// come the targets (targets.go), each with the ratio measured in this
// run and "met" or "MISSED".
//
// Every server is stopped by its own PID (SIGTERM, then SIGKILL after 5s);
// every wrk run is bounded in time. -keep leaves the temp dir (logs, the
// nginx config) in place for inspection.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/simplehttp/simplehttp/tools/internal/modroot"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

type config struct {
	duration  time.Duration
	rounds    int
	workloads []workload
	peers     []string
	keep      bool
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "length of each wrk run (whole seconds)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds; each round runs every workload against every peer")
	wl := fs.String("workloads", "all", "comma-separated subset of a,b,c,d,e,f,g,h,i,j,k,l")
	pl := fs.String("peers", "all", "comma-separated subset of "+strings.Join(peerNames, ","))
	quick := fs.Bool("quick", false, "smoke run: 1 round of 2s")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the temp dir (logs, nginx config) and print its path")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *quick {
		cfg.rounds, cfg.duration = 1, 2*time.Second
	}
	if cfg.rounds < 1 {
		return cfg, errors.New("-rounds must be at least 1")
	}
	if cfg.duration < time.Second {
		return cfg, errors.New("-duration must be at least 1s (wrk counts whole seconds)")
	}
	var err error
	if cfg.workloads, err = selectWorkloads(*wl); err != nil {
		return cfg, err
	}
	if cfg.peers, err = selectPeers(*pl); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// selectPeers returns the peers named in list ("" or "all": every peer),
// in table order.
func selectPeers(list string) ([]string, error) {
	if list == "" || list == "all" {
		return peerNames, nil
	}
	want := map[string]bool{}
	for _, p := range strings.Split(list, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		ok := false
		for _, n := range peerNames {
			ok = ok || n == p
		}
		if !ok {
			return nil, fmt.Errorf("unknown peer %q (want a subset of %s)", p, strings.Join(peerNames, ","))
		}
		want[p] = true
	}
	var out []string
	for _, n := range peerNames {
		if want[n] {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no peer selected")
	}
	return out, nil
}

func logf(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }

func run(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	tools := toolset{
		goCmd:   "go",
		wrk:     lookTool("wrk"),
		taskset: lookTool("taskset"),
		nginx:   lookTool("nginx"),
		python:  lookTool("python3"),
		caddy:   lookTool("caddy"),
	}
	if g := os.Getenv("GO"); g != "" {
		tools.goCmd = g
	}
	if tools.wrk == "" {
		return errors.New("wrk not found: install it with `apt-get install -y wrk` (and nginx-light for the nginx peer); nothing to measure without it")
	}
	switch {
	case tools.taskset == "":
		logf("warning: taskset not found (util-linux); server and wrk are not pinned to separate cores")
	case runtime.NumCPU() < 2:
		logf("warning: %d core available; server and wrk are not pinned and share it", runtime.NumCPU())
		tools.taskset = ""
	}

	root, err := modroot.Library()
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "loadbench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		defer logf("kept %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	e := &env{root: root, tmp: tmp, docroot: filepath.Join(tmp, "www"), tools: tools}
	for _, d := range []string{"bin", "logs", "www"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	if err := makeDocroot(e.docroot, cfg.workloads); err != nil {
		return fmt.Errorf("fixtures: %v", err)
	}
	script := filepath.Join(tmp, "report.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return err
	}

	res := results{}
	launchers := map[string]*launcher{}
	var descs []string
	for _, name := range cfg.peers {
		l, err := e.prepare(ctx, name)
		if err != nil {
			logf("skip %s: %v", name, err)
			for _, w := range cfg.workloads {
				res.get(w.key, name).skip = err.Error()
			}
			descs = append(descs, fmt.Sprintf("  %-10s skipped: %v", name, err))
			continue
		}
		launchers[name] = l
		descs = append(descs, fmt.Sprintf("  %-10s %s", name, l.desc))
	}
	if len(launchers) == 0 {
		return errors.New("no peer could be prepared")
	}

	started := time.Now()
	for round := 0; round < cfg.rounds && ctx.Err() == nil; round++ {
		for _, w := range cfg.workloads {
			for _, name := range rotate(cfg.peers, round) {
				l := launchers[name]
				if ctx.Err() != nil || l == nil || !w.runsOn(name) {
					continue
				}
				c := res.get(w.key, name)
				s, err := measure(ctx, l, w, c, round == 0, script, cfg.duration, tools)
				if err != nil {
					logf("round %d/%d (%s) %-10s %v", round+1, cfg.rounds, w.key, name, err)
					if len(c.samples) == 0 && c.note == "" {
						c.skip = err.Error()
					}
					continue
				}
				c.samples = append(c.samples, s)
				one := summarize(w, &cell{samples: []sample{s}})
				logf("round %d/%d (%s) %-10s %10s %s  p99 %-8s errors %-5d srv CPU %-4s other %s", round+1, cfg.rounds, w.key, name,
					formatRate(one.rate), map[bool]string{true: "MiB/s", false: "req/s"}[w.mibps],
					formatLatency(one.p99), one.errors, formatPercent(one.serverLoad), formatPercent(one.otherLoad))
			}
		}
	}
	if ctx.Err() != nil {
		logf("interrupted: the table shows the runs completed so far")
	}

	fmt.Printf("loadbench: %d round(s) x %v per run, %s, %d cores, %s; server on core %s, wrk -t1 on core %s\n",
		cfg.rounds, cfg.duration, runtime.Version(), runtime.NumCPU(), kernel(), serverCPU, clientCPU)
	if tools.taskset == "" {
		fmt.Println("WARNING: not pinned (no taskset or one core): server and wrk share the CPUs")
	}
	fmt.Printf("wrk: %s; took %v\n", version(ctx, tools.wrk, "-v"), time.Since(started).Round(time.Second))
	fmt.Println("peers:")
	for _, d := range descs {
		fmt.Println(d)
	}
	fmt.Println()
	renderTable(os.Stdout, cfg.workloads, cfg.peers, res)
	fmt.Println()
	fmt.Print(legend)
	fmt.Println()
	renderTargets(os.Stdout, cfg.workloads, res)
	fmt.Print(targetsLegend)
	return nil
}

// measure starts a fresh instance of the peer, checks one request (on the
// first round), runs wrk against it while reading its CPU time and peak
// RSS, and stops it.
func measure(ctx context.Context, l *launcher, w workload, c *cell, check bool, script string, d time.Duration, tools toolset) (sample, error) {
	p, err := l.start(ctx, w)
	if err != nil {
		return sample{}, err
	}
	defer p.stop()
	if check && l.name != "ceiling" { // the ceiling answers 200 + 1 KiB to everything
		c.note = preflight(ctx, p, w)
	}
	cpu0, err := cpuTime(p.pid())
	if err != nil {
		return sample{}, err
	}
	mach0, _ := machineCPU()
	wr, wrkCPU, err := runWrk(ctx, tools, wrkArgs(w, p.url(w.path), script, d), d)
	cpu1, err1 := cpuTime(p.pid())
	mach1, _ := machineCPU()
	if err != nil {
		return sample{}, err
	}
	if err1 != nil {
		return sample{}, fmt.Errorf("server gone after the run (%v): %s", err1, tail(p.log.Name()))
	}
	// A fresh process per run, so VmHWM is this run's peak.
	rss, _ := peakRSS(p.pid())
	used := cpu1.sub(cpu0)
	return sample{
		wrk: wr, serverCPU: used.total(), serverUser: used.user, clientCPU: wrkCPU, rss: rss,
		otherCPU: mach1.task - mach0.task - used.total() - wrkCPU,
		steal:    mach1.steal - mach0.steal,
	}, nil
}

// rotate returns xs starting at index round mod len(xs).
func rotate(xs []string, round int) []string {
	k := round % len(xs)
	return append(append([]string(nil), xs[k:]...), xs[:k]...)
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "linux"
	}
	return "linux " + strings.TrimSpace(string(b))
}

// version returns the first line a tool prints about its version.
func version(ctx context.Context, argv ...string) string {
	out := helpText(ctx, argv...)
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	if line == "" {
		return "unknown version"
	}
	return line
}

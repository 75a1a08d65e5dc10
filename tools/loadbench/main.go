// Loadbench compares simplehttp under load with net/http.FileServer,
// python3 -m http.server, nginx, Caddy and a net/http "ceiling" server,
// and checks simplehttp's performance targets against them: `make bench`
// runs it.
//
// # Running
//
// It is in the tools module (the tools directory), so run it from there:
//
//	cd tools
//	go run ./loadbench            # 3 rounds x 3s, all workloads and peers (~13 min)
//	go run ./loadbench -quick     # 1 round x 2s, a smoke run (~2 min)
//	go run ./loadbench -workloads a,g,h -peers simplehttp,nginx
//	go run ./loadbench -scale     # the scaling sweeps and their PNGs (~16 min)
//
// Run it from inside the repository (it builds the command in the
// library's module, found from the current directory), on an otherwise
// idle machine with at least two cores. It needs wrk and, for the nginx
// and Caddy peers, nginx and caddy (apt-get install -y wrk nginx-light
// caddy); a missing tool or peer is reported and skipped, and the rest
// still runs. The upload workload (l) also runs rclone when it is there
// (apt-get install -y rclone).
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
// 1,000-entry listing, compressed; (l) uploads (below); (m) the 10,000-entry listing of (f)
// with simplehttp's rich listing (--listing rich: sizes, times, sorted,
// each entry stat'ed on every request) against every other peer's own
// listing (Caddy's browse, nginx's autoindex, Python's). Before a
// peer's first run of a workload one request checks the status (and the
// length, for files); a peer that answers wrongly is not measured: its
// row has dashes and a note says what it answered. The same request
// checks again after every run: a run after which the answer is wrong
// is left out, and a note says so. Throughput counts only the answers
// with the expected status, as far as wrk tells them apart (it counts
// those of 400 or more): a server answering quick 503s, or 200s in (g),
// is not faster for it; the others are errors.
//
// Each run gets a fresh server process, so no run inherits another's
// heap or leftover work. Around each run it reads the server's
// utime+stime from /proc/PID/stat and its peak RSS (VmHWM), and the CPU
// all other processes used (/proc/stat). A Lua script makes wrk print
// one parseable summary line (requests, bytes, p50/p99, errors by kind).
// The table shows, per workload and peer: req/s (MiB/s
// of bodies for c and d: wrk's bytes read, less each answer's header, as
// measured before the first run), p50, p99, errors, server CPU µs per request, server and
// wrk CPU load, peak RSS, which side was saturated, and simplehttp's
// throughput and CPU per request as ratios to that peer. After the table
// come the targets (targets.go), each with the ratio measured in this
// run and "met" or "MISSED"; a target whose simplehttp row has no run
// (skipped, failed its check) or no right answer (every request failed)
// is MISSED, whatever the figure compared, one whose peer has none is "?".
//
// # Scaling sweeps (-scale)
//
// With -scale, loadbench runs sweeps instead of the workloads: each steps
// one parameter of the load and measures every peer (simplehttp,
// fileserver, caddy, nginx; python up to the points it can keep up with;
// not the ceiling) at every step, a fresh server per point:
//
//   - conns: throughput and p99 of a 1 KiB file against concurrent
//     keep-alive connections (wrk -c, 1 to 10,000), then p99 at 100 and
//     at 10,000 connections at the same request rate (-scale-rate, 5,000
//     req/s by default: each connection waits an exponentially
//     distributed time before each request, after a warm-up in which all
//     connect). The fixed-rate runs are made by rateclient
//     (tools/loadbench/rateclient), pinned as wrk is: wrk paces only
//     through a Lua delay hook whose pending delays it walks on every
//     turn of its loop, which at 10,000 connections took most of its
//     core and added its own delays to the latency it reported;
//   - idle: resident memory (VmRSS, summed over the server's processes)
//     against idle keep-alive connections (0 to 10,000), opened by
//     loadbench, one request each; the slope is the cost of each;
//   - listing: time of a directory listing, first (cold) and repeated
//     (cached), and peak memory (VmHWM), against entries (100 to 100,000);
//   - workingset: throughput against the number of distinct 1 KiB files
//     asked for (1,000 to 200,000, Zipf popularity with s = 1, drawn in
//     Go and replayed by a Lua script), past the small-file cache;
//   - filesize: throughput (MiB/s of bodies, not counting the headers)
//     and the server's CPU per MiB of body against file size (1 KiB to
//     1 GiB).
//
// Each sweep prints a table per figure with simplehttp's ratios to
// FileServer and Caddy, and draws PNGs (gonum.org/v1/plot) into
// -scale-out (bench-out by default); the figures go to
// -scale-out/results.json, rewritten after each sweep. Then come the
// scaling targets: every compared curve at least as good as FileServer's
// and Caddy's at every point; memory per idle connection no more than
// FileServer's; p99 at 10,000 connections within 3x of p99 at 100 at the
// same rate (each run reaching 90% of it, else missed at 10,000 and
// undecided at 100). -scale-sweeps picks some; -quick runs each sweep's ends
// only, 2s a run (about 3 minutes; the full run takes about 16).
// -scale-redraw FILE prints a recorded run's tables and targets from its
// results.json and draws its PNGs into -scale-out again, measuring
// nothing: for a change to how the charts look, or to check a
// document's pictures against their figures.
//
// 10,000 connections need about 10,100 file descriptors in the server
// and as many in wrk (and in loadbench, for the idle sweep): loadbench
// raises its RLIMIT_NOFILE soft limit to the hard limit (and the hard
// limit to 32768 where it may), before it starts anything, so the
// servers and wrk inherit it; nginx also gets worker_connections 16384
// and a listen backlog as long as the Go servers' (net.core.somaxconn).
//
// # Uploads
//
// The upload workload (l) is not a wrk run. A client of ours, putclient
// (tools/loadbench/putclient), pinned to the client core as wrk is, PUTs
// bodies to a new name each time, into a fresh directory under the docroot
// per run (removed after it, then sync(2), so that no run pays for the
// last one's writeback): 1 MiB bodies over 16 connections for the run's
// duration, then 100 MiB bodies one after the other (5, or 2 with -quick),
// sent from a file. The peers: simplehttp --upload --max-upload 200M;
// nginx with dav_methods PUT (the body goes to client_body_temp_path, on
// the same disk, then is renamed; nginx does not fsync); rclone serve
// webdav, local backend, no VFS cache; the ceiling as a bare net/http PUT
// handler (new file, 256 KiB buffer, fsync, 201), the floor for a net/http
// server. The baseline row "cp" is putclient -copy on the server core:
// the same bytes read and written through 256 KiB into new files, each
// fsync'd, as cp or dd bs=256k conv=fsync would, as many at once as
// there are connections; its CPU time is its own (getrusage), the
// servers' is from /proc/PID/stat as for every workload. Each answer must
// be 201; anything else is an error, and the first one is noted. After
// each run the directory is read: a 201 counts only for a file there with
// the size sent (up to 8 files of the run, spread over it, are compared
// byte for byte with the source); any other is an error too, and noted. The
// upload table gives MiB/s, uploads/s, p50/p99, server CPU per MiB, its
// ratio to the copy's, and simplehttp's throughput against each row; the
// targets say whether simplehttp's CPU per MiB is at most 1.5x the copy's.
// Last, unless -archive-mib 0, the archive comparison (archive.go): a
// tree of 1 GiB of text (64 MiB with -quick) downloaded from simplehttp
// --archive as tar.gz, tar.zst and zip, against `tar czf - DIR | cat`,
// `tar cf - DIR | gzip -1 | cat` (simplehttp's level) and the same with
// zstd -1: MiB of tree per second and CPU ms per MiB, the server or the
// whole pipeline pinned to the server core.
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
	"slices"
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
	quick     bool
	// scale: run the scaling sweeps (-scale) instead of the workloads.
	scaleOn bool
	scale   scaleConfig
	// archiveMiB is the size of the tree of the archive comparison
	// (archive.go); 0 skips it.
	archiveMiB int
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "length of each wrk run (whole seconds)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds; each round runs every workload against every peer")
	wl := fs.String("workloads", "all", "comma-separated subset of "+workloadKeys())
	pl := fs.String("peers", "all", "comma-separated subset of "+strings.Join(peerNames, ","))
	fs.BoolVar(&cfg.quick, "quick", false, "smoke run: 1 round of 2s; with -scale, each sweep's ends only, 2s a run")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the temp dir (logs, nginx config) and print its path")
	fs.BoolVar(&cfg.scaleOn, "scale", false, "run the scaling sweeps ("+strings.Join(sweepNames, ", ")+") and draw them as PNGs, instead of the workloads")
	fs.StringVar(&cfg.scale.out, "scale-out", "bench-out", "directory for the -scale PNGs and their figures, "+recordFile+" (created; relative to the current directory)")
	fs.StringVar(&cfg.scale.redraw, "scale-redraw", "", "print the tables and targets of a recorded -scale run (its "+recordFile+") and draw its PNGs into -scale-out again, measuring nothing")
	sw := fs.String("scale-sweeps", "all", "comma-separated subset of "+strings.Join(sweepNames, ","))
	fs.Float64Var(&cfg.scale.rate, "scale-rate", 5000, "request rate (req/s) of the -scale runs that compare p99 at few and many connections")
	fs.IntVar(&cfg.scale.rounds, "scale-rounds", 1, "wrk runs per point and peer in the -scale sweeps (a fresh server each, the peers' rounds interleaved); the tables give the median")
	fs.IntVar(&cfg.archiveMiB, "archive-mib", -1, "size in MiB of the tree of the archive comparison; 0 skips it (default: 1024, 64 with -quick, 0 with -workloads)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.archiveMiB < 0 {
		cfg.archiveMiB = 1024
		switch {
		case *wl != "all" && *wl != "":
			cfg.archiveMiB = 0
		case cfg.quick:
			cfg.archiveMiB = 64
		}
	}
	if cfg.quick {
		cfg.rounds, cfg.duration = 1, 2*time.Second
	}
	if cfg.rounds < 1 {
		return cfg, errors.New("-rounds must be at least 1")
	}
	if cfg.duration < time.Second {
		return cfg, errors.New("-duration must be at least 1s (wrk counts whole seconds)")
	}
	if cfg.scale.rate <= 0 {
		return cfg, errors.New("-scale-rate must be more than 0")
	}
	if cfg.scale.rounds < 1 {
		return cfg, errors.New("-scale-rounds must be 1 or more")
	}
	if cfg.scale.out == "" {
		return cfg, errors.New("-scale-out must name a directory")
	}
	var err error
	if cfg.scale.sweeps, err = selectSweeps(*sw); err != nil {
		return cfg, err
	}
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
	if cfg.scale.redraw != "" {
		return redraw(cfg.scale.redraw, cfg.scale.out, os.Stdout)
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
	if cfg.scaleOn {
		return scaleMain(ctx, cfg, e)
	}
	if err := makeDocroot(e.docroot, cfg.workloads); err != nil {
		return fmt.Errorf("fixtures: %v", err)
	}
	script := filepath.Join(tmp, "report.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return err
	}

	wrkLoads, upload := splitUpload(cfg.workloads)
	res := results{}
	var names []string
	for _, name := range cfg.peers {
		if runsAny(cfg.workloads, name) {
			names = append(names, name)
		}
	}
	launchers, descs, skipped, err := e.prepareAll(ctx, names)
	if err != nil {
		return err
	}
	for name, err := range skipped {
		for _, w := range cfg.workloads {
			if w.runsOn(name) {
				res.get(w.key, name).skip = err.Error()
			}
		}
	}
	ures := results{} // the upload workload's, by body size
	var ub *uploadBench
	if upload != nil {
		if ub, err = prepareUploads(ctx, e, *upload, cfg.peers, launchers, cfg.quick, ures); err != nil {
			logf("skip (l): %v", err)
		}
	}

	started := time.Now()
	for round := 0; round < cfg.rounds && ctx.Err() == nil; round++ {
		for _, w := range wrkLoads {
			for _, name := range rotate(cfg.peers, round) {
				l := launchers[name]
				if ctx.Err() != nil || l == nil || !w.runsOn(name) {
					continue
				}
				c := res.get(w.key, name)
				// Checked until a run is measured: a peer that answered
				// wrongly is checked (and refused) again, never measured.
				s, err := measure(ctx, l, w, c, len(c.samples) == 0, script, cfg.duration, tools)
				if err != nil {
					logf("round %d/%d (%s) %-10s %v", round+1, cfg.rounds, w.key, name, err)
					if len(c.samples) == 0 {
						c.skip = err.Error()
					} else {
						c.dropped = append(c.dropped, fmt.Sprintf("round %d: %v", round+1, err))
					}
					continue
				}
				c.samples = append(c.samples, s)
				one := summarize(w, &cell{samples: []sample{s}})
				logf("round %d/%d (%s) %-10s %10s %s  p99 %-8s errors %-5d srv CPU %-4s other %s", round+1, cfg.rounds, w.key, name,
					formatRate(one.rate), w.unit(),
					formatLatency(one.p99), one.errors, formatPercent(one.serverLoad), formatPercent(one.otherLoad))
			}
		}
		if ub != nil {
			ub.round(ctx, round, cfg.rounds, cfg.duration, ures)
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
	if len(wrkLoads) > 0 {
		fmt.Println("peers:")
		for _, d := range descs {
			fmt.Println(d)
		}
		fmt.Println()
		renderTable(os.Stdout, wrkLoads, cfg.peers, res)
		fmt.Println()
		fmt.Print(legend)
	}
	if ub != nil {
		if len(wrkLoads) == 0 {
			fmt.Println("peers:")
			for _, d := range descs {
				fmt.Println(d)
			}
		}
		fmt.Println()
		renderUploads(os.Stdout, ub.sizes, ub.peers, cfg.duration, ures)
		fmt.Println()
		fmt.Print(uploadLegend)
	}
	fmt.Println()
	renderTargets(os.Stdout, wrkLoads, res)
	if ub != nil {
		renderUploadTargets(os.Stdout, ub.sizes, ures)
	}
	fmt.Print(targetsLegend)

	if cfg.archiveMiB > 0 && launchers["simplehttp"] != nil && ctx.Err() == nil {
		logf("archives: writing a tree of %d MiB", cfg.archiveMiB)
		runs, desc, err := runArchiveBench(ctx, e, filepath.Join(tmp, "bin", "simplehttp"), cfg.archiveMiB)
		fmt.Println()
		if err != nil {
			fmt.Printf("Archives: %v\n", err)
		} else {
			renderArchive(os.Stdout, desc, cfg.archiveMiB, runs)
		}
	}
	return nil
}

// prepareAll prepares the peers called names: their launchers, a line
// for the report on each (how it runs, or why it was skipped), and the
// skipped ones with the reason. It fails only when none could be
// prepared.
func (e *env) prepareAll(ctx context.Context, names []string) (map[string]*launcher, []string, map[string]error, error) {
	launchers := map[string]*launcher{}
	skipped := map[string]error{}
	var descs []string
	for _, name := range names {
		l, err := e.prepare(ctx, name)
		if err != nil {
			logf("skip %s: %v", name, err)
			skipped[name] = err
			descs = append(descs, fmt.Sprintf("  %-10s skipped: %v", name, err))
			continue
		}
		launchers[name] = l
		descs = append(descs, fmt.Sprintf("  %-10s %s", name, l.desc))
	}
	if len(launchers) == 0 {
		return nil, nil, nil, errors.New("no peer could be prepared")
	}
	return launchers, descs, skipped, nil
}

// measure starts a fresh instance of the peer, checks one request (on the
// first round), warms it up if the workload says so, runs wrk against it
// while reading its CPU time and peak RSS, and stops it.
func measure(ctx context.Context, l *launcher, w workload, c *cell, check bool, script string, d time.Duration, tools toolset) (sample, error) {
	p, err := l.start(ctx, w)
	if err != nil {
		return sample{}, err
	}
	defer p.stop()
	ceiling := l.name == "ceiling" // it answers 200 + 1 KiB to everything
	if check && !ceiling {
		if c.note, err = preflight(ctx, p, w); err != nil {
			return sample{}, err
		}
	}
	if check && w.mibps {
		if c.header, err = headerLength(ctx, p, w); err != nil {
			return sample{}, err
		}
	}
	if w.script != "" {
		script = w.script
	}
	if w.warmup > 0 {
		ww := w
		ww.scriptArgs = w.warmupArgs
		if _, _, err := runWrk(ctx, tools, wrkArgs(ww, p.url(w.path), script, w.warmup), w.warmup); err != nil {
			return sample{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	cpu0, err := cpuTime(p.pid())
	if err != nil {
		return sample{}, err
	}
	mach0, _ := machineCPU()
	var wr wrkResult
	var wrkCPU time.Duration
	if len(w.client) > 0 {
		args := append(slices.Clone(w.client[1:]), "-url", p.url(w.path))
		wr, wrkCPU, err = runClient(ctx, tools, w.client[0], args, d)
	} else {
		wr, wrkCPU, err = runWrk(ctx, tools, wrkArgs(w, p.url(w.path), script, d), d)
	}
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
	// wrk tells apart only answers under 400 and the others: a server
	// that has gone over to another wrong answer (a 200 for the 304s, a
	// redirect) is caught by the same check again, after the run.
	if !ceiling {
		if _, err := preflight(ctx, p, w); err != nil {
			return sample{}, fmt.Errorf("after the run: %w", err)
		}
	}
	x := sample{
		wrk: wr, serverCPU: used.total(), serverUser: used.user, clientCPU: wrkCPU, rss: rss,
		otherCPU: mach1.task - mach0.task - used.total() - wrkCPU,
		steal:    mach1.steal - mach0.steal,
		header:   c.header,
	}
	if ceiling {
		x.expect = 200
	}
	return x, nil
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

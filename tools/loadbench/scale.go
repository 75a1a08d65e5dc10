package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The scaling sweeps (-scale): how each peer behaves as one parameter of
// the load grows, drawn as curves. Each sweep is the same for every peer.

// sweepNames are the sweeps, in the order they run.
var sweepNames = []string{"conns", "idle", "listing", "workingset", "filesize"}

// A scalePlan is the points of every sweep and how long each run lasts.
type scalePlan struct {
	conns []int // concurrent keep-alive connections (wrk -c)
	// rateConns are the two connection counts at which p99 is measured at
	// the same, fixed request rate: the low one and the high one.
	rateConns    [2]int
	idle         []int   // idle keep-alive connections
	entries      []int   // directory entries
	workingSet   []int   // distinct files requested
	sizes        []int64 // file sizes
	duration     time.Duration
	rateDuration time.Duration // fixed-rate runs: long enough for each of 10,000 connections to ask several times
	zipfSamples  int           // length of the request sequence of the working-set runs
	coldSamples  int           // fresh processes per point of the listing sweep, for the median cold listing
	warmup       time.Duration // unmeasured run before each working-set run
}

// scalePlanFor returns the full plan (about 16 minutes) or the quick
// one (a smoke run of a few minutes, every sweep's ends).
func scalePlanFor(quick bool) scalePlan {
	if quick {
		return scalePlan{
			conns:        []int{1, 100, 10000},
			rateConns:    [2]int{100, 10000},
			idle:         []int{0, 1000, 10000},
			entries:      []int{100, 10000},
			workingSet:   []int{1000, 10000},
			sizes:        []int64{kib, mib, 1 << 30},
			duration:     2 * time.Second,
			rateDuration: 4 * time.Second,
			zipfSamples:  50000,
			coldSamples:  1,
			warmup:       time.Second,
		}
	}
	return scalePlan{
		conns:        []int{1, 10, 100, 300, 1000, 3000, 10000},
		rateConns:    [2]int{100, 10000},
		idle:         []int{0, 100, 1000, 2500, 5000, 10000},
		entries:      []int{100, 1000, 10000, 30000, 100000},
		workingSet:   []int{1000, 10000, 30000, 100000, 200000},
		sizes:        []int64{kib, 16 * kib, 256 * kib, 4 * mib, 64 * mib, 1 << 30},
		duration:     5 * time.Second,
		rateDuration: 10 * time.Second,
		zipfSamples:  300000,
		coldSamples:  3,
		warmup:       2 * time.Second,
	}
}

// pythonMax is, per sweep, the largest point python3 -m http.server takes
// part in: its listen backlog of 5 and a thread per connection make
// thousands of connections a test of the kernel's SYN retries, and a
// 100,000-entry listing or a 1 GiB copy through Python would only stretch
// the run.
var pythonMax = map[string]float64{"conns": 1000, "idle": 1000, "listing": 10000, "workingset": math.Inf(1), "filesize": 64 * mib}

// scaleConfig is the -scale part of the flags.
type scaleConfig struct {
	out    string   // directory for the PNGs
	sweeps []string // a subset of sweepNames
	rate   float64  // req/s of the fixed-rate p99 runs
	rounds int      // wrk runs per point and peer, each against a fresh process; the median is reported
	redraw string   // -scale-redraw: a recorded run's results.json to print and draw again
}

// selectSweeps returns the sweeps named in list ("" or "all": all), in
// run order.
func selectSweeps(list string) ([]string, error) {
	if list == "" || list == "all" {
		return sweepNames, nil
	}
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if !slices.Contains(sweepNames, s) {
			return nil, fmt.Errorf("unknown sweep %q (want a subset of %s)", s, strings.Join(sweepNames, ","))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no sweep selected")
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(sweepNames, a) - slices.Index(sweepNames, b) })
	return out, nil
}

// fdLimitWanted is the RLIMIT_NOFILE the sweeps ask for: 10,000
// connections on each side, plus files, listeners and slack.
const fdLimitWanted = 32768

// zipfScript makes wrk ask for the paths listed in the file args[1], one
// a line, in turn, over and over, starting after the first args[2] (0 if
// absent): the request sequence is drawn in Go (zipfPaths) and only
// replayed here.
const zipfScript = wrkScript + `
local reqs = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do
    reqs[#reqs + 1] = wrk.format("GET", line)
  end
  i = tonumber(args[2] or "0") % #reqs
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
`

// scaleRun is one -scale run: the environment, the started peers'
// launchers, where the wrk scripts are.
type scaleRun struct {
	e       *env
	cfg     config
	plan    scalePlan
	peers   []string // peers taking part, in table order
	launch  map[string]*launcher
	scripts map[string]string // "report", "zipf" -> path
	// rateClient is the rateclient binary, for the fixed-rate runs.
	rateClient string
	// fixturesAt is when the fixtures were all written.
	fixturesAt time.Time
	verdicts   []verdict
}

// scaleMain is loadbench -scale: it raises the file-descriptor limit,
// prepares the peers (all but the ceiling, which serves one fixed answer)
// and runs the sweeps.
func scaleMain(ctx context.Context, cfg config, e *env) error {
	limit, err := raiseFileLimit(fdLimitWanted)
	if err != nil {
		return fmt.Errorf("raising the file-descriptor limit: %v", err)
	}
	if limit < 10000+240 {
		logf("warning: RLIMIT_NOFILE is %d (the hard limit); the 10,000-connection points need about 10,100 descriptors in each process and will fail: raise it as root (ulimit -Hn 32768, or LimitNOFILE= in systemd)", limit)
	}
	names := slices.DeleteFunc(slices.Clone(cfg.peers), func(n string) bool { return n == "ceiling" })
	launchers, descs, _, err := e.prepareAll(ctx, names)
	if err != nil {
		return err
	}
	header := []string{fmt.Sprintf("loadbench -scale: sweeps %s, %s, %d cores, %s; server on core %s, wrk -t1 (and rateclient, for fixed rates) on core %s",
		strings.Join(cfg.scale.sweeps, ","), runtime.Version(), runtime.NumCPU(), kernel(), serverCPU, clientCPU)}
	if e.tools.taskset == "" {
		header = append(header, "WARNING: not pinned (no taskset or one core): server and wrk share the CPUs")
	}
	header = append(header, fmt.Sprintf("wrk: %s; RLIMIT_NOFILE %d for loadbench, wrk and the servers (set by loadbench); net.core.somaxconn %s",
		version(ctx, e.tools.wrk, "-v"), limit, sysctl("net/core/somaxconn")))
	header = append(header, "peers:")
	header = append(header, descs...)
	for _, h := range header {
		fmt.Println(h)
	}
	return runScale(ctx, cfg, e, launchers, header, os.Stdout)
}

// sysctl reads /proc/sys/NAME, or "?".
func sysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// runScale runs the selected sweeps, printing each sweep's tables and
// writing its charts and the record of its figures (recordFile) as soon
// as it is done, then the targets. header is what the record says about
// the run.
func runScale(ctx context.Context, cfg config, e *env, launchers map[string]*launcher, header []string, out io.Writer) error {
	r := &scaleRun{e: e, cfg: cfg, plan: scalePlanFor(cfg.quick), launch: launchers, scripts: map[string]string{}}
	for _, p := range cfg.peers {
		if launchers[p] != nil && p != "ceiling" {
			r.peers = append(r.peers, p)
		}
	}
	if len(r.peers) == 0 {
		return errors.New("no peer for the sweeps (the ceiling takes no part)")
	}
	for name, text := range map[string]string{"report": wrkScript, "zipf": zipfScript} {
		path := filepath.Join(e.tmp, name+".lua")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
		r.scripts[name] = path
	}
	if slices.Contains(cfg.scale.sweeps, "conns") {
		bin, err := e.goBuild(ctx, filepath.Join(e.root, "tools"), "./loadbench/rateclient", "rateclient")
		if err != nil {
			return err
		}
		r.rateClient = bin
	}
	t0 := time.Now()
	logf("scale: writing fixtures")
	if err := writeScaleFixtures(e.docroot, r.plan, cfg.scale.sweeps); err != nil {
		return fmt.Errorf("fixtures: %v", err)
	}
	r.fixturesAt = time.Now()
	files, err := settleFixtures(e.docroot)
	if err != nil {
		return fmt.Errorf("fixtures: %v", err)
	}
	logf("scale: fixtures written in %v, %d files read once and synced in %v", r.fixturesAt.Sub(t0).Round(time.Second),
		files, time.Since(r.fixturesAt).Round(time.Second))

	runners := map[string]func(context.Context) (*sweep, error){
		"conns": r.conns, "idle": r.idle, "listing": r.listing, "workingset": r.workingSet, "filesize": r.fileSize,
	}
	rec := &scaleRecord{Header: header, Peers: r.peers, Start: t0}
	var charts []string
	for _, name := range cfg.scale.sweeps {
		if ctx.Err() != nil {
			break
		}
		t := time.Now()
		s, err := runners[name](ctx)
		if err != nil {
			logf("scale: %s: %v", name, err)
			if s == nil {
				continue
			}
		}
		fmt.Fprintf(out, "\n")
		renderSweep(out, s, r.peers)
		fmt.Fprintf(out, "  (%s sweep took %v)\n", name, time.Since(t).Round(time.Second))
		files, err := writeCharts(cfg.scale.out, s, r.peers)
		if err != nil {
			logf("scale: charts of %s: %v", name, err)
		}
		charts = append(charts, files...)
		rec.Sweeps = append(rec.Sweeps, newSweepRecord(s))
		if err := writeRecord(cfg.scale.out, rec); err != nil {
			logf("scale: recording the figures: %v", err)
		}
		r.verdicts = append(r.verdicts, s.verdicts...)
		r.verdicts = append(r.verdicts, pointVerdicts(s)...)
	}
	if ctx.Err() != nil {
		logf("interrupted: the tables and charts show the sweeps completed so far")
	}
	fmt.Fprintf(out, "\nScaling targets (simplehttp / peer, same run):\n")
	renderVerdicts(out, r.verdicts)
	fmt.Fprint(out, scaleLegend)
	fmt.Fprintf(out, "\ncharts (%d):\n", len(charts))
	for _, c := range charts {
		fmt.Fprintf(out, "  %s\n", c)
	}
	if len(rec.Sweeps) > 0 {
		fmt.Fprintf(out, "figures: %s (-scale-redraw reads them back)\n", filepath.Join(cfg.scale.out, recordFile))
	}
	fmt.Fprintf(out, "sweeps took %v in all\n", time.Since(t0).Round(time.Second))
	return nil
}

// scaleLegend says what the sweeps measure and what they cannot show.
var scaleLegend = strings.TrimSpace(`
Each point is one run against a fresh server process (the median of
-scale-rounds runs, each against a fresh process, when that is above 1,
the peers' rounds interleaved: a b c, b c a, c a b; the idle sweep: one
process per peer, connections added step by step; the listing sweep's cold
time: the median over 3 fresh processes, 1 with -quick, interleaved across peers). Throughput and p99 come
from wrk (-t1, pinned to core 1; the server on core 0); "p99 at R req/s" is
measured by rateclient (pinned as wrk is) with each connection waiting an
exponentially distributed time before each request, so that all
connections together send about R req/s (the achieved rate, in right
answers, is in the table; a connection waits for its answer before its next
wait, so a slow server gets less: the p99 target counts a run at 10,000
connections short of 90% of R as a miss, one at 100 as undecided), after a warm-up of 1-3s in which all connections connect and send
nothing, and one mean wait in which the rate settles. Memory is VmRSS (idle) or VmHWM
(listing), summed over the server's processes. Listing "cold" is the first
request for the directory to a fresh server, made after one request for the
small listing of /list/ on the same connection (so that it does not include
the process's own first-request costs; the kernel's caches are warm);
"cached" the median of the repeats in the first of those processes. Each
working-set run follows an unmeasured warm-up of 2s (1s with -quick) with
the same popularity, so that the servers' caches (simplehttp's, the
kernel's) hold what they hold in steady state; filling simplehttp's is in
the warm-up. Before the sweeps, every fixture is read once and the file
systems synced, so that no peer's round pays for a file's first read (its
access-time update) or for the fixtures' writeback; before each
point, what it serves is read again (the working set's files, the
directory and its entries' metadata, the large file), so that the first
peer to run does not read back from disk what the machine paged out
while it sat idle. Throughput in MiB/s and CPU per MiB count the
bodies the server sent, not its headers. A target "at every point" missed only
where the rounds of simplehttp and of the peer overlap (neither's worst
round better than the other's best; results.json holds each point's
lowest and highest round) is "MISSED, within the rounds' spread": this
run does not tell the two apart there. A point where simplehttp's run failed
and the peer's did not misses the target. As for the table: one run, so
rerun on an idle machine before drawing conclusions from a single miss.`) + "\n"

// writeScaleFixtures writes what the selected sweeps ask for under dir:
// /1k.bin; /list/N/ with N empty files; the working set /ws/DDD/DDD.bin
// (workingSetFileSize each); /size/SIZE.bin.
func writeScaleFixtures(dir string, plan scalePlan, sweeps []string) error {
	if err := writeFixture(filepath.Join(dir, "1k.bin"), kib); err != nil {
		return err
	}
	if slices.Contains(sweeps, "listing") {
		for _, n := range plan.entries {
			sub := filepath.Join(dir, "list", strconv.Itoa(n))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
			for i := range n {
				if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("entry-%06d.txt", i)), nil, 0o644); err != nil {
					return err
				}
			}
		}
	}
	if slices.Contains(sweeps, "workingset") {
		block := make([]byte, workingSetFileSize)
		for i := range block {
			block[i] = "0123456789abcdef"[i%16]
		}
		for i := range slices.Max(plan.workingSet) {
			p := filepath.Join(dir, filepath.FromSlash(workingSetPath(i)[1:]))
			if i%1000 == 0 {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
			}
			if err := os.WriteFile(p, block, 0o644); err != nil {
				return err
			}
		}
	}
	if slices.Contains(sweeps, "filesize") {
		if err := os.MkdirAll(filepath.Join(dir, "size"), 0o755); err != nil {
			return err
		}
		for _, n := range plan.sizes {
			if err := writeFixture(filepath.Join(dir, filepath.FromSlash(sizePath(n)[1:])), int(n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// settleFixtures reads every regular file under dir once, then flushes
// the file systems, and returns how many files it read. A file's first
// read after it was written updates its access time (relatime: the access
// time is not after the modification time), which dirties its inode for
// the journal: some 4 to 10 us more per file here, and 200,000 of them
// for the working set. Read here, that cost falls on no peer; left to
// the sweeps, it fell on whichever peer happened to touch each file
// first. The sync then writes back the fixtures and those inodes before
// the first sweep runs, not during it.
func settleFixtures(dir string) (int, error) {
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		return readOnce(path)
	})
	syscall.Sync()
	return files, err
}

// primeFiles reads once each file that paths names (URL paths under
// docroot), skipping repeats, right before the runs that ask for them.
// The fixtures must be in memory when a point starts, not only when the
// sweeps do: a VM may page out what stays untouched for a while (this
// one runs DAMON with a pageout scheme for memory idle 60 s), and the
// first peer to run would read it back from disk. Without this, the first
// run at 100,000 and 200,000 files, whichever peer it was, had the server
// waiting (85 to 91% of its core, against 96 to 100% in the rounds
// after), though settleFixtures had read every file minutes before.
// primeDir and the file-size sweep's readOnce do the same for listings
// and large files.
func primeFiles(docroot string, paths []string) error {
	seen := make(map[string]bool, len(paths))
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		if err := readOnce(filepath.Join(docroot, filepath.FromSlash(p[1:]))); err != nil {
			return err
		}
	}
	return nil
}

// primeDir reads the directory at path and stats each of its entries, as
// a listing does.
func primeDir(path string) error {
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := e.Info(); err != nil {
			return err
		}
	}
	return nil
}

// readOnce reads the file at path to its end.
func readOnce(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

// sizePath is the URL path of the file of n bytes: /size/1KiB.bin.
func sizePath(n int64) string {
	return "/size/" + strings.ReplaceAll(formatSize(float64(n)), " ", "") + ".bin"
}

// takesPart reports whether peer runs the point x of sweep key.
func takesPart(peer, key string, x float64) bool {
	return peer != "python" || x <= pythonMax[key]
}

// participants returns the peers that run the point x (index i) of sweep
// key, rotated by i so that no peer is always measured first.
func (r *scaleRun) participants(key string, x float64, i int) []string {
	var out []string
	for _, peer := range rotate(r.peers, i) {
		if takesPart(peer, key, x) {
			out = append(out, peer)
		}
	}
	return out
}

// interleave calls run for each of peers, rounds times (at least once),
// the peers' rounds interleaved: a b c, then b c a, then c a b, so that a
// slow stretch of the host falls on every peer rather than on all the
// rounds of one (the ratios between peers are what the targets compare).
// A peer whose run returns an error has no later rounds; interleave
// returns those peers. It stops early when ctx is done.
func interleave(ctx context.Context, peers []string, rounds int, run func(peer string, round int) error) (failed map[string]bool) {
	failed = map[string]bool{}
	for k := range max(rounds, 1) {
		for _, peer := range rotate(peers, k) {
			if ctx.Err() != nil {
				return failed
			}
			if !failed[peer] && run(peer, k) != nil {
				failed[peer] = true
			}
		}
	}
	return failed
}

// pointResult is one peer's measurement of one point of a sweep: the
// summary (medians of the rounds) and the samples it comes from.
type pointResult struct {
	sum     summary
	samples []sample
}

// wrkPoints runs wrk against a fresh instance of each of peers,
// -scale-rounds times (interleaved), and returns each peer's result. A peer
// that fails is noted in s and has no result (nor later rounds); the
// problems of the others' runs (a failed check, errors, a noisy host)
// become notes of s too.
func (r *scaleRun) wrkPoints(ctx context.Context, s *sweep, peers []string, w workload, d time.Duration, x string) map[string]pointResult {
	w.scale = true
	cells := make(map[string]*cell, len(peers))
	failed := interleave(ctx, peers, r.cfg.scale.rounds, func(peer string, _ int) error {
		c := cells[peer]
		if c == nil {
			c = &cell{}
			cells[peer] = c
		}
		smp, err := measure(ctx, r.launch[peer], w, c, len(c.samples) == 0, r.scripts["report"], d, r.e.tools)
		if err != nil {
			s.notef("%s at %s: %v", peer, x, err)
			logf("scale %-10s %-10s %s: %v", s.key, peer, x, err)
			return err
		}
		c.samples = append(c.samples, smp)
		// Each round on its own, with who had the cores: a round that
		// stands out says whether the server or the client was short.
		one := summarize(w, &cell{samples: []sample{smp}})
		logf("scale %-10s %-10s %-9s round %d: %s %s  srv CPU %-4s client CPU %-4s other %-4s steal %s", s.key, peer, x, len(c.samples),
			formatRate(one.rate), w.unit(), formatPercent(one.serverLoad), formatPercent(one.clientLoad),
			formatPercent(one.otherLoad), formatPercent(one.stealLoad))
		return nil
	})
	if ctx.Err() != nil {
		return nil
	}
	out := make(map[string]pointResult, len(peers))
	for _, peer := range peers {
		c := cells[peer]
		if failed[peer] || c == nil {
			continue
		}
		sum := summarize(w, c)
		if c.note != "" {
			s.notef("%s at %s: %s", peer, x, c.note)
		}
		if sum.errors > 0 {
			s.notef("%s at %s: %d errors (%s)", peer, x, sum.errors, sum.kinds)
		}
		if load := max(sum.otherLoad, sum.stealLoad); load > noisyAt {
			s.notef("%s at %s: noisy, other processes or the hypervisor took %s of a core", peer, x, formatPercent(load))
		}
		logf("scale %-10s %-10s %-9s %10s %s  p99 %-8s errors %-5d srv CPU %-4s client CPU %-4s other %-4s steal %s", s.key, peer, x,
			formatRate(sum.rate), w.unit(), formatLatency(sum.p99), sum.errors, formatPercent(sum.serverLoad), formatPercent(sum.clientLoad),
			formatPercent(sum.otherLoad), formatPercent(sum.stealLoad))
		out[peer] = pointResult{sum: sum, samples: c.samples}
	}
	return out
}

// medianOf returns the median of f over the samples that f reports (ok).
func medianOf(samples []sample, f func(sample) (float64, bool)) (float64, bool) {
	vs := roundsOf(samples, f)
	if len(vs) == 0 {
		return 0, false
	}
	return median(vs), true
}

// conns: throughput and p99 against concurrent keep-alive connections
// asking for a 1 KiB file as fast as they can; then p99 at a fixed rate
// at the two connection counts of plan.rateConns.
func (r *scaleRun) conns(ctx context.Context) (*sweep, error) {
	xs := intsToFloats(r.plan.conns)
	for _, c := range r.plan.rateConns {
		if !slices.Contains(r.plan.conns, c) {
			xs = append(xs, float64(c))
		}
	}
	slices.Sort(xs)
	rate := r.cfg.scale.rate
	s := newSweep("conns", "Concurrent keep-alive connections, 1 KiB file (wrk -t1; fixed rates: rateclient)", "connections", formatCount, xs, r.peers,
		&metric{key: "rate", title: "throughput", unit: "req/s", compare: true},
		&metric{key: "p99", title: "p99 latency", unit: "ms", lower: true, compare: true},
		&metric{key: "ratep99", title: fmt.Sprintf("p99 latency at %s req/s", formatCount(rate)), unit: "ms", lower: true, compare: true},
		&metric{key: "achieved", title: fmt.Sprintf("rate achieved when asked for %s req/s", formatCount(rate)), unit: "req/s"},
	)
	s.charts = []chart{
		{file: "conns-throughput.png", title: "Throughput vs concurrent keep-alive connections (1 KiB file)", yLabel: "requests/s", metrics: []string{"rate"}, logX: true},
		{file: "conns-p99.png", title: "p99 latency vs concurrent keep-alive connections (1 KiB file, full load)", yLabel: "p99 latency (ms)", metrics: []string{"p99"}, logX: true, logY: true},
	}
	for i, x := range xs {
		if !slices.Contains(r.plan.conns, int(x)) {
			continue
		}
		w := workload{key: "conns", path: "/1k.bin", conns: int(x), timeout: 10 * time.Second, status: 200, size: kib}
		res := r.wrkPoints(ctx, s, r.participants(s.key, x, i), w, r.cfg.duration, formatCount(x))
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		for peer, pr := range res {
			s.setRounds("rate", peer, i, roundsOf(pr.samples, w.rateOf))
			s.setRounds("p99", peer, i, roundsOf(pr.samples, p99Of))
		}
	}
	// The fixed-rate runs, by rateclient: after a warm-up in which all
	// connections connect, and one mean wait in which the rate settles,
	// it counts the requests of a window of plan.rateDuration.
	var p99s = map[string][2]float64{}
	var achieved [2]float64 // simplehttp's rate achieved at each
	baseFailed := false     // simplehttp ran at a fixed rate and failed
	for j, c := range r.plan.rateConns {
		i := slices.Index(xs, float64(c))
		mean := time.Duration(float64(c) / rate * float64(time.Second)) // between one connection's requests
		warm := time.Second + time.Duration(c/5000)*time.Second
		w := workload{key: "conns", path: "/1k.bin", conns: c, timeout: 10 * time.Second, status: 200, size: kib,
			client: []string{r.rateClient, "-conns", strconv.Itoa(c), "-rate", strconv.FormatFloat(rate, 'f', -1, 64),
				"-warm", warm.String(), "-duration", r.plan.rateDuration.String(), "-timeout", "10s"}}
		peers := r.participants(s.key, float64(c), j)
		res := r.wrkPoints(ctx, s, peers, w,
			warm+mean+r.plan.rateDuration, formatCount(float64(c))+" @ "+formatCount(rate)+" req/s")
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		if _, ok := res[base]; !ok && slices.Contains(peers, base) {
			baseFailed = true
		}
		for peer, pr := range res {
			s.setRounds("ratep99", peer, i, roundsOf(pr.samples, p99Of))
			if v, ok := medianOf(pr.samples, func(smp sample) (float64, bool) {
				d := smp.wrk.Window
				return float64(w.goodOf(smp)) / d.Seconds(), d > 0
			}); ok {
				s.set("achieved", peer, i, v)
				if peer == base {
					achieved[j] = v
				}
			}
			v := p99s[peer]
			v[j] = pr.sum.p99.Seconds() * 1000
			p99s[peer] = v
		}
	}
	lo, hi := r.plan.rateConns[0], r.plan.rateConns[1]
	for _, peer := range r.peers {
		v, ok := p99s[peer]
		if !ok || v[0] <= 0 || v[1] <= 0 {
			continue
		}
		s.notef("%s: p99 at %s connections / p99 at %s, both at %s req/s: %.2fx", peer, formatCount(float64(hi)), formatCount(float64(lo)), formatCount(rate), v[1]/v[0])
	}
	s.verdicts = append(s.verdicts, p99GrowthVerdict(p99s[base], achieved, baseFailed, lo, hi, rate))
	return s, nil
}

// reachedAt is the share of the rate asked for that a fixed-rate run must
// reach for its p99 to count as the p99 at that rate.
const reachedAt = 0.9

// p99GrowthVerdict checks simplehttp's p99 at hi connections against its
// p99 at lo, at the same request rate: at most 3x. A run of simplehttp's
// that failed (failed) misses it: the connections it could not hold are
// what the target is about; so does a run at hi that did not reach the
// rate (achieved, in right answers a second; 0 if unknown). One at lo
// that did not leaves it undecided: each connection waits for its answer
// before its next wait, so a slow server gets a lighter load, and its
// p99 is not the p99 at that rate.
func p99GrowthVerdict(p99, achieved [2]float64, failed bool, lo, hi int, rate float64) verdict {
	v := verdict{goal: fmt.Sprintf("conns: p99 at %s conns <= 3x p99 at %s, both at %s req/s", formatCount(float64(hi)), formatCount(float64(lo)), formatCount(rate))}
	if failed {
		v.ok, v.got = true, base+" failed at a fixed rate"
		return v
	}
	if p99[0] <= 0 || p99[1] <= 0 {
		v.got = "not measured"
		return v
	}
	g := p99[1] / p99[0]
	v.ok, v.met = true, g <= 3
	v.got = fmt.Sprintf("%.2fx (%.2f ms / %.2f ms)", g, p99[1], p99[0])
	switch short := func(i int) bool { return achieved[i] > 0 && achieved[i] < reachedAt*rate }; {
	case short(1):
		v.met = false
		v.got += fmt.Sprintf("; %s req/s reached at %s conns", formatCount(achieved[1]), formatCount(float64(hi)))
	case short(0):
		v.ok = false
		v.got += fmt.Sprintf("; only %s req/s reached at %s conns: not the same rate", formatCount(achieved[0]), formatCount(float64(lo)))
	}
	return v
}

// idle: resident memory against idle keep-alive connections, each opened
// by loadbench, used for one request and left open. One server process
// per peer; the connections are added step by step.
func (r *scaleRun) idle(ctx context.Context) (*sweep, error) {
	xs := intsToFloats(r.plan.idle)
	s := newSweep("idle", "Idle keep-alive connections (one request each, then idle)", "idle connections", formatCount, xs, r.peers,
		&metric{key: "rss", title: "resident memory", unit: "MiB", lower: true},
		&metric{key: "perconn", title: "memory per connection above none", unit: "KiB", lower: true},
	)
	s.charts = []chart{{file: "idle-memory.png", title: "Resident memory vs idle keep-alive connections", yLabel: "resident memory, VmRSS (MiB)", metrics: []string{"rss"}}}
	slopes := map[string]float64{}
	failed := map[string]bool{} // the peers whose connections or figures failed partway
	for _, peer := range r.peers {
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		var px, py []float64
		err := func() error {
			p, err := r.launch[peer].start(ctx, workload{scale: true})
			if err != nil {
				return err
			}
			defer p.stop()
			ic := &idleConns{addr: fmt.Sprintf("127.0.0.1:%d", p.port), path: "/1k.bin"}
			defer ic.close()
			for i, x := range r.plan.idle {
				if !takesPart(peer, s.key, float64(x)) {
					break
				}
				if err := ic.grow(ctx, x); err != nil {
					return fmt.Errorf("at %s: %v", formatCount(float64(x)), err)
				}
				time.Sleep(500 * time.Millisecond) // let the server finish with the last responses
				rss, err := treeMemory(p.pid(), "VmRSS")
				if err != nil {
					return fmt.Errorf("at %s: %v (%s)", formatCount(float64(x)), err, tail(p.log.Name()))
				}
				s.set("rss", peer, i, float64(rss)/mib)
				px, py = append(px, float64(x)), append(py, float64(rss))
				if len(py) > 1 && x > 0 {
					s.set("perconn", peer, i, (float64(rss)-py[0])/float64(x)/kib)
				}
				logf("scale idle       %-10s %-9s VmRSS %s", peer, formatCount(float64(x)), formatMiB(rss))
			}
			return nil
		}()
		if err != nil {
			s.notef("%s: %v", peer, err)
			logf("scale idle       %-10s %v", peer, err)
			failed[peer] = true
		}
		if sl := slope(px, py); len(px) > 1 {
			slopes[peer] = sl
			s.notef("%s: %.1f KiB per idle connection (least-squares slope over %s to %s)", peer, sl/kib, formatCount(px[0]), formatCount(px[len(px)-1]))
		}
	}
	s.verdicts = append(s.verdicts, slopeVerdict(slopes, failed))
	return s, nil
}

// slopeVerdict checks simplehttp's memory per idle connection against
// FileServer's: no more. A slope over fewer connections than the sweep's
// (the run failed partway) decides nothing: simplehttp's misses the
// target, FileServer's leaves it undecided.
func slopeVerdict(slopes map[string]float64, failed map[string]bool) verdict {
	v := verdict{goal: "idle: memory per idle connection <= 1x fileserver"}
	if failed[base] {
		v.ok, v.got = true, base+" failed before the last point"
		return v
	}
	s, okS := slopes[base]
	f, okF := slopes["fileserver"]
	if !okS || !okF || f <= 0 || failed["fileserver"] {
		v.got = "not measured"
		return v
	}
	v.ok, v.met = true, s <= f
	v.got = fmt.Sprintf("%.2fx (%.1f KiB / %.1f KiB)", s/f, s/kib, f/kib)
	return v
}

// listing: the time of a directory listing, the first one after the
// directory changed (cold) and repeated (cached), and the server's peak
// memory, against the number of entries. A fresh server per point.
func (r *scaleRun) listing(ctx context.Context) (*sweep, error) {
	xs := intsToFloats(r.plan.entries)
	s := newSweep("listing", "Directory listing (one connection, one request at a time)", "entries", formatCount, xs, r.peers,
		&metric{key: "cached", title: "cached", unit: "ms", lower: true, compare: true},
		&metric{key: "cold", title: "cold", unit: "ms", lower: true, compare: true},
		&metric{key: "peak", title: "peak memory", unit: "MiB", lower: true, compare: true},
	)
	s.charts = []chart{
		{file: "listing-time.png", title: "Listing time vs entries (solid: cached, dashed: cold)", yLabel: "time per listing (ms)", metrics: []string{"cached", "cold"}, logX: true, logY: true},
		{file: "listing-memory.png", title: "Peak memory while listing vs entries", yLabel: "peak resident memory, VmHWM (MiB)", metrics: []string{"peak"}, logX: true},
	}
	// simplehttp keeps no listing of a directory changed in the last 2s
	// (it could miss a change within the file system's timestamp
	// granularity); the directories were written moments ago, so wait
	// until every server may cache what it reads, as it would in use.
	time.Sleep(time.Until(r.fixturesAt.Add(3 * time.Second)))
	type first struct {
		cached time.Duration
		peak   int64
	}
	for i, n := range r.plan.entries {
		path := fmt.Sprintf("/list/%d/", n)
		x := formatCount(float64(n))
		peers := r.participants(s.key, float64(n), i)
		if err := primeDir(filepath.Join(r.e.docroot, "list", strconv.Itoa(n))); err != nil {
			return s, err
		}
		// A cold listing is one request: take the median over fresh
		// processes, interleaved across the peers (cached and peak
		// memory come from each peer's first).
		colds := map[string][]time.Duration{}
		firsts := map[string]first{}
		failed := interleave(ctx, peers, r.plan.coldSamples, func(peer string, k int) error {
			cold, cached, peak, err := r.listOnce(ctx, peer, path, k == 0)
			if err != nil {
				s.notef("%s at %s: %v", peer, x, err)
				logf("scale listing    %-10s %-9s %v", peer, x, err)
				return err
			}
			if k == 0 {
				firsts[peer] = first{cached, peak}
			}
			colds[peer] = append(colds[peer], cold)
			return nil
		})
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		for _, peer := range peers {
			if failed[peer] {
				continue
			}
			cold, f := median(colds[peer]), firsts[peer]
			var ms []float64
			for _, d := range colds[peer] {
				ms = append(ms, d.Seconds()*1000)
			}
			s.setRounds("cold", peer, i, ms)
			s.set("cached", peer, i, f.cached.Seconds()*1000)
			s.set("peak", peer, i, float64(f.peak)/mib)
			logf("scale listing    %-10s %-9s cold %-8s cached %-8s peak %s", peer, x, formatLatency(cold), formatLatency(f.cached), formatMiB(f.peak))
		}
	}
	return s, nil
}

// listParent is the directory that holds the listing sweep's directories:
// a listing of a few entries.
const listParent = "/list/"

// listOnce starts a fresh peer, asks for the listing of dir once (cold:
// nothing of it in the server's memory yet, after one request for
// listParent), then, if repeat, again and again (cached: the median of at
// least 3 and at most 20 repeats, within about 2s), and reads the peer's
// peak memory.
func (r *scaleRun) listOnce(ctx context.Context, peer, path string, repeat bool) (cold, cached time.Duration, peak int64, err error) {
	p, err := r.launch[peer].start(ctx, workload{scale: true})
	if err != nil {
		return 0, 0, 0, err
	}
	defer p.stop()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}, Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()
	get := func(path string) (time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", p.url(path), nil)
		if err != nil {
			return 0, err
		}
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return d, err
	}
	// The first request a process serves also pays for what it does once
	// (lazy initialisation, growing its stacks and heap, faulting in its
	// code): ask for the small listing of /list/ first, on the same
	// connection, so that cold is the cost of a directory the server has
	// not listed yet, not of a process that has not served yet.
	if _, err = get(listParent); err != nil {
		return 0, 0, 0, err
	}
	if cold, err = get(path); err != nil {
		return 0, 0, 0, err
	}
	var reps []time.Duration
	start := time.Now()
	for repeat && (len(reps) < 3 || (len(reps) < 20 && time.Since(start) < 2*time.Second)) {
		d, err := get(path)
		if err != nil {
			return 0, 0, 0, err
		}
		reps = append(reps, d)
	}
	peak, err = treeMemory(p.pid(), "VmHWM")
	if len(reps) > 0 {
		cached = median(reps)
	}
	return cold, cached, peak, err
}

// workingSet: throughput against the number of distinct small files
// (workingSetFileSize) asked for, with Zipf-distributed popularity. From
// 30,000 files up, the files a run asks for outgrow simplehttp's
// small-file cache (64 MiB by default).
func (r *scaleRun) workingSet(ctx context.Context) (*sweep, error) {
	xs := intsToFloats(r.plan.workingSet)
	s := newSweep("workingset", fmt.Sprintf("Working set: distinct %s files, Zipf (s=%g) popularity, 64 conns", formatSize(workingSetFileSize), zipfExponent), "distinct files", formatCount, xs, r.peers,
		&metric{key: "rate", title: "throughput", unit: "req/s", compare: true},
		&metric{key: "p99", title: "p99 latency", unit: "ms", lower: true},
	)
	s.charts = []chart{{file: "workingset-throughput.png", title: fmt.Sprintf("Throughput vs working set (%s files, Zipf s=%g, 64 connections)", formatSize(workingSetFileSize), zipfExponent), yLabel: "requests/s", metrics: []string{"rate"}, logX: true}}
	for i, n := range r.plan.workingSet {
		paths := zipfPaths(n, r.plan.zipfSamples, zipfExponent, uint64(n))
		list := filepath.Join(r.e.tmp, fmt.Sprintf("zipf-%d.txt", n))
		if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
			return s, err
		}
		if err := primeFiles(r.e.docroot, paths); err != nil {
			return s, err
		}
		// The warm-up replays the first part of the sequence, the
		// measured run starts halfway: the same popularity, but not the
		// very requests that just filled the caches.
		w := workload{key: "workingset", path: paths[0], conns: 64, timeout: 10 * time.Second, status: 200, size: workingSetFileSize,
			script: r.scripts["zipf"], scriptArgs: []string{list, strconv.Itoa(len(paths) / 2)},
			warmup: r.plan.warmup, warmupArgs: []string{list, "0"}}
		res := r.wrkPoints(ctx, s, r.participants(s.key, float64(n), i), w, r.cfg.duration, formatCount(float64(n)))
		os.Remove(list)
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		for peer, pr := range res {
			s.setRounds("rate", peer, i, roundsOf(pr.samples, w.rateOf))
			s.setRounds("p99", peer, i, roundsOf(pr.samples, p99Of))
		}
	}
	return s, nil
}

// fileSize: throughput (MiB/s of bodies) and the server's CPU per MiB of
// body against the size of the file; 16 connections, 4 from 64 MiB up.
// The bodies alone: each answer's header (some 200 to 300 bytes, more
// from the peers that send more fields) would add a fifth at 1 KiB.
func (r *scaleRun) fileSize(ctx context.Context) (*sweep, error) {
	var xs []float64
	for _, n := range r.plan.sizes {
		xs = append(xs, float64(n))
	}
	s := newSweep("filesize", "File size (keep-alive; 16 connections, 4 from 64 MiB up)", "file size", formatSize, xs, r.peers,
		&metric{key: "rate", title: "throughput of the bodies", unit: "MiB/s", compare: true},
		&metric{key: "cpu", title: "server CPU per MiB of body", unit: "ms", lower: true, compare: true},
	)
	s.charts = []chart{
		{file: "filesize-throughput.png", title: "Throughput vs file size", yLabel: "MiB/s of bodies (headers not counted)", metrics: []string{"rate"}, logX: true, logY: true},
		{file: "filesize-cpu.png", title: "Server CPU per MiB sent vs file size", yLabel: "server CPU per MiB (ms)", metrics: []string{"cpu"}, logX: true, logY: true},
	}
	for i, n := range r.plan.sizes {
		conns := 16
		if n >= 64*mib {
			conns = 4
		}
		w := workload{key: "filesize", path: sizePath(n), conns: conns, timeout: 60 * time.Second, status: 200, size: n, mibps: true}
		if err := readOnce(filepath.Join(r.e.docroot, filepath.FromSlash(w.path[1:]))); err != nil {
			return s, err
		}
		res := r.wrkPoints(ctx, s, r.participants(s.key, float64(n), i), w, r.cfg.duration, formatSize(float64(n)))
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		for peer, pr := range res {
			s.setRounds("rate", peer, i, roundsOf(pr.samples, w.rateOf))
			s.setRounds("cpu", peer, i, roundsOf(pr.samples, func(smp sample) (float64, bool) {
				body := w.bodyBytes(smp)
				return smp.serverCPU.Seconds() * 1000 / (float64(body) / mib), body > 0
			}))
		}
	}
	return s, nil
}

func intsToFloats(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

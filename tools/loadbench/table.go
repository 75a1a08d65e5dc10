package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// saturatedAt is the share of one core above which a process counts as
// saturated.
const saturatedAt = 0.90

// noisyAt is the CPU share of other processes (or steal) above which a
// row is flagged as disturbed.
const noisyAt = 0.10

// A sample is one wrk run against one peer.
type sample struct {
	wrk       wrkResult
	serverCPU time.Duration // utime+stime of the server during the run
	// serverUser is the utime part: the server's own code (and the Go
	// runtime), as against the kernel's TCP and file work it asked for.
	serverUser time.Duration
	clientCPU  time.Duration // utime+stime of wrk
	rss        int64         // VmHWM after the run, bytes; 0 if unknown
	otherCPU   time.Duration // CPU charged to every other process during the run
	steal      time.Duration // CPU stolen by the hypervisor during the run
	// expect is the status this run's server answers when all is well,
	// if not the workload's: the ceiling answers 200 to everything. 0:
	// the workload's.
	expect int
	// header is the length of one answer's status line and header
	// fields as this server sends them (measured before the first run),
	// which wrk's byte count holds besides the bodies; 0 if unknown.
	header int64
}

// A cell is every run of one workload against one peer.
type cell struct {
	samples []sample
	skip    string // why the peer was not run; empty if it was
	note    string // how a static asset went out (preflight), or an upload failure
	header  int64  // the length of the peer's answer's header (headerLength), for MiB/s
	// dropped says why runs after the first measured one were left out
	// (the check after the run found a wrong answer, say).
	dropped []string
}

// summary is a cell reduced to the figures the table shows.
type summary struct {
	rate       float64 // median over rounds: req/s, or MiB/s for big files
	p50, p99   time.Duration
	errors     int64
	cpuPerReq  time.Duration
	userPerReq time.Duration // the part of cpuPerReq in the server's own code
	serverLoad float64       // server CPU / wall time (1.0 = one core)
	clientLoad float64
	otherLoad  float64 // CPU of all other processes / wall time
	stealLoad  float64
	rss        int64
	kinds      string // errors by kind, e.g. "connect 3, read 5"; "" if none
}

// wrongOf is the number of answers of one run whose status was not the
// expected one, as far as wrk tells: it counts the answers of 400 or
// more, so where 2xx or 3xx is expected those are wrong, and where a
// 404 is, the others are. (A 200 where a 304 is expected, or a 410 where
// a 404 is, passes here; the check before and after every run catches a
// server that answers so throughout.)
func (w workload) wrongOf(x sample) int64 {
	if w.expected(x) < 400 {
		return x.wrk.Status
	}
	return max(x.wrk.Requests-x.wrk.Status, 0)
}

// expected is the status the server of run x answers when all is well.
func (w workload) expected(x sample) int {
	if x.expect != 0 {
		return x.expect
	}
	return w.status
}

// goodOf is the number of answers of one run with the expected status:
// the answers the throughput and the CPU per request count.
func (w workload) goodOf(x sample) int64 { return max(x.wrk.Requests-w.wrongOf(x), 0) }

// bodyBytes is the number of body bytes of one run: wrk's count of
// bytes read, less one header per answer. With wrong answers in the run
// (whose bodies are not the file), only the complete bodies of the right
// answers count, where the workload knows their size.
func (w workload) bodyBytes(x sample) int64 {
	if w.wrongOf(x) > 0 && w.size > 0 {
		return w.goodOf(x) * w.size
	}
	return max(x.wrk.Bytes-x.wrk.Requests*x.header, 0)
}

// rateOf is the throughput of one run: answers with the expected status
// per second, or, for w.mibps, MiB of body per second.
func (w workload) rateOf(x sample) (float64, bool) {
	secs := x.wrk.Duration.Seconds()
	if w.mibps {
		return float64(w.bodyBytes(x)) / mib / secs, secs > 0
	}
	return float64(w.goodOf(x)) / secs, secs > 0
}

// unit is the unit of rateOf.
func (w workload) unit() string {
	if w.mibps {
		return "MiB/s"
	}
	return "req/s"
}

// p99Of is the p99 latency of one run, in milliseconds.
func p99Of(x sample) (float64, bool) { return x.wrk.P99.Seconds() * 1000, x.wrk.P99 > 0 }

// summarize reduces c. Errors are socket errors plus answers with a
// status other than the expected one (wrongOf); CPU per request is over
// the answers with the expected status.
func summarize(w workload, c *cell) summary {
	var s summary
	var rates []float64
	var p50s, p99s []time.Duration
	var reqs int64
	var srv, user, cli, other, steal, wall time.Duration
	for _, x := range c.samples {
		rate, _ := w.rateOf(x)
		rates = append(rates, rate)
		p50s = append(p50s, x.wrk.P50)
		p99s = append(p99s, x.wrk.P99)
		s.errors += x.wrk.SocketErrors() + w.wrongOf(x)
		reqs += w.goodOf(x)
		srv += x.serverCPU
		user += x.serverUser
		cli += x.clientCPU
		other += max(x.otherCPU, 0)
		steal += x.steal
		wall += x.wrk.Duration
		s.rss = max(s.rss, x.rss)
	}
	if len(c.samples) == 0 {
		return s
	}
	var k wrkResult
	var wrong int64
	for _, x := range c.samples {
		k.Connect += x.wrk.Connect
		k.Read += x.wrk.Read
		k.Write += x.wrk.Write
		k.Timeout += x.wrk.Timeout
		wrong += w.wrongOf(x)
	}
	wrongKind := "status>=400"
	if w.expected(c.samples[0]) >= 400 {
		wrongKind = "status<400"
	}
	var kinds []string
	for _, e := range []struct {
		name string
		n    int64
	}{{"connect", k.Connect}, {"read", k.Read}, {"write", k.Write}, {"timeout", k.Timeout}, {wrongKind, wrong}} {
		if e.n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", e.name, e.n))
		}
	}
	s.kinds = strings.Join(kinds, ", ")
	s.rate = median(rates)
	s.p50 = median(p50s)
	s.p99 = median(p99s)
	if reqs > 0 {
		s.cpuPerReq = srv / time.Duration(reqs)
		s.userPerReq = user / time.Duration(reqs)
	}
	if wall > 0 {
		s.serverLoad = srv.Seconds() / wall.Seconds()
		s.clientLoad = cli.Seconds() / wall.Seconds()
		s.otherLoad = other.Seconds() / wall.Seconds()
		s.stealLoad = steal.Seconds() / wall.Seconds()
	}
	return s
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := append([]T(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// saturation says which side limited a run.
func saturation(s summary) string {
	srv, cli := s.serverLoad >= saturatedAt, s.clientLoad >= saturatedAt
	switch {
	case srv && cli:
		return "both"
	case srv:
		return "server"
	case cli:
		return "wrk"
	}
	return "neither"
}

// formatRate prints a throughput: whole units, one decimal below 100.
func formatRate(r float64) string {
	if r < 100 {
		return fmt.Sprintf("%.1f", r)
	}
	return fmt.Sprintf("%.0f", r)
}

// formatLatency prints a duration with 2-3 significant digits.
func formatLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// formatMicros prints CPU per request in µs.
func formatMicros(d time.Duration) string {
	us := float64(d) / float64(time.Microsecond)
	if us >= 100 {
		return fmt.Sprintf("%.0f", us)
	}
	return fmt.Sprintf("%.1f", us)
}

func formatMiB(b int64) string {
	if b <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/mib)
}

func formatPercent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// formatRatio prints a/b, or "-" when either side is missing.
func formatRatio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// results maps workload key, then peer name, to its cell.
type results map[string]map[string]*cell

func (r results) get(w, p string) *cell {
	if r[w] == nil {
		r[w] = map[string]*cell{}
	}
	if r[w][p] == nil {
		r[w][p] = &cell{}
	}
	return r[w][p]
}

// base is the peer every ratio compares against.
const base = "simplehttp"

// renderTable writes one block per workload: a row per peer with the
// median throughput and latencies over rounds, total errors, server CPU
// per request, server and wrk CPU load, peak RSS, the saturated side, and
// simplehttp's throughput and CPU per request relative to that peer.
func renderTable(out io.Writer, ws []workload, peers []string, res results) {
	for i, w := range ws {
		if i > 0 {
			fmt.Fprintln(out)
		}
		fmt.Fprintf(out, "(%s) %s: GET %s", w.key, w.title, w.path)
		if len(w.headers) > 0 {
			fmt.Fprintf(out, " [%s]", strings.Join(w.headers, "; "))
		}
		fmt.Fprintln(out)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		unit := "req/s"
		if w.mibps {
			unit = "body MiB/s"
		}
		fmt.Fprintf(tw, "peer\t%s\tp50\tp99\terrors\tCPU µs/req\tof it user\tsrv CPU\twrk CPU\tother\tpeak RSS\tsaturated\tsh/peer %s\tsh/peer CPU/req\t\n", unit, unit)
		bs := summary{}
		if c := res[w.key][base]; c != nil && len(c.samples) > 0 {
			bs = summarize(w, c)
		}
		var notes []string
		for _, p := range peers {
			c := res[w.key][p]
			if c == nil {
				continue
			}
			if len(c.samples) == 0 {
				notes = append(notes, skipRow(tw, p, 13, c))
				continue
			}
			s := summarize(w, c)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				p, formatRate(s.rate), formatLatency(s.p50), formatLatency(s.p99), s.errors,
				formatMicros(s.cpuPerReq), formatMicros(s.userPerReq), formatPercent(s.serverLoad), formatPercent(s.clientLoad), formatPercent(s.otherLoad),
				formatMiB(s.rss), saturation(s),
				formatRatio(bs.rate, s.rate),
				formatRatio(float64(bs.cpuPerReq), float64(s.cpuPerReq)))
			if s.otherLoad >= noisyAt || s.stealLoad >= noisyAt {
				notes = append(notes, fmt.Sprintf("%s: other processes used %s of a core and the hypervisor stole %s: figures are noisy",
					p, formatPercent(s.otherLoad), formatPercent(s.stealLoad)))
			}
			if s.kinds != "" {
				notes = append(notes, fmt.Sprintf("%s: errors: %s", p, s.kinds))
			}
			if c.note != "" {
				notes = append(notes, fmt.Sprintf("%s: %s", p, c.note))
			}
			for _, d := range c.dropped {
				notes = append(notes, fmt.Sprintf("%s: a run left out: %s", p, d))
			}
		}
		tw.Flush()
		for _, n := range notes {
			fmt.Fprintf(out, "  note: %s\n", n)
		}
	}
}

// skipRow writes the row of a peer that did not run, a dash in each of
// its cols columns, and returns the note that says why.
func skipRow(tw io.Writer, peer string, cols int, c *cell) string {
	fmt.Fprintf(tw, "%s\t%s\n", peer, strings.Repeat("-\t", cols))
	why := c.skip
	if why == "" {
		why = "no run"
	}
	return fmt.Sprintf("%s: skipped: %s", peer, why)
}

// legend explains the columns; it follows the table.
const legend = `Columns: throughput, p50 and p99 are medians over rounds; throughput counts only the answers
with the expected status (>= 400 in (g), under 400 elsewhere: all wrk tells apart), and body MiB/s
the bodies alone, not the headers; errors are socket errors (connect/read/write/timeout) plus the
answers of the other kind; CPU µs/req is the server's utime+stime (all threads, /proc/PID/stat)
over the answers with the expected status, and "of it user" its utime alone: the server's own
code and runtime, without the kernel's TCP, file and sendfile work (which costs every server
about the same);
srv CPU and wrk CPU are each process's CPU time over wall time (100% = its one core);
other is the CPU every other process used meanwhile (from /proc/stat; >10% is flagged);
peak RSS is VmHWM (each run has a fresh server process); "saturated" names the side at >= 90% of its core.
sh/peer: simplehttp's throughput (higher is better) and CPU per request (lower is
better) divided by that peer's, in the same run. The ceiling server answers every
request with the same 1 KiB, so its rows bound what any net/http server can reach.
`

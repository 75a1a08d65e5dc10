package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// upSummary is a cell of the upload workload reduced to the figures its
// table shows: summarize's, with the rate in MiB/s, plus bodies per
// second and the server's CPU per MiB stored (the copier's, for cp).
type upSummary struct {
	summary
	rps                   float64
	cpuPerMiB, userPerMiB time.Duration
}

// uploadWorkload is how summarize reads upload runs: MiB/s, and any
// answer but 201 (counted as a status >= 400) is an error.
var uploadWorkload = workload{key: "l", status: 201, mibps: true, asset: "upload"}

func summarizeUpload(sz uploadSize, c *cell) upSummary {
	s := upSummary{summary: summarize(uploadWorkload, c)}
	mibs := float64(sz.size) / mib // per body
	s.rps = s.rate / mibs
	s.cpuPerMiB = time.Duration(float64(s.cpuPerReq) / mibs)
	s.userPerMiB = time.Duration(float64(s.userPerReq) / mibs)
	return s
}

// renderUploads writes the upload workload's table: per body size, the
// copy baseline and a row per peer with throughput, latency, errors,
// server CPU per MiB and its ratio to the copy's, and simplehttp's
// throughput relative to each row.
func renderUploads(out io.Writer, sizes []uploadSize, peers []string, d time.Duration, res results) {
	fmt.Fprintln(out, "(l) uploads: PUT to a new name each time, each answered 201 Created, into a fresh directory of the docroot")
	fmt.Fprintln(out, "  cp: the same bytes copied by putclient -copy on the server core: read(2)/write(2) through 256 KiB into a new file, fsync, close")
	for _, sz := range sizes {
		how := fmt.Sprintf("%d conns for %v", sz.conns, d)
		if sz.count > 0 {
			how = fmt.Sprintf("%d, one after the other", sz.count)
		}
		fmt.Fprintf(out, "  %s bodies, %s (cp: the same bytes, as many copies as the run lasts, as many at once)\n", sz.label, how)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "peer\tMiB/s\treq/s\tp50\tp99\terrors\tCPU µs/MiB\tof it user\tsrv CPU\tclient CPU\tother\tpeak RSS\tsaturated\tCPU/MiB vs cp\tsh/peer MiB/s\t\n")
		row := res[sz.label]
		var cp, sh upSummary
		if c := row[copyPeer]; c != nil && len(c.samples) > 0 {
			cp = summarizeUpload(sz, c)
		}
		if c := row[base]; c != nil && len(c.samples) > 0 {
			sh = summarizeUpload(sz, c)
		}
		var notes []string
		for _, p := range append([]string{copyPeer}, peers...) {
			c := row[p]
			if c == nil {
				continue
			}
			if len(c.samples) == 0 {
				notes = append(notes, skipRow(tw, p, 14, c))
				continue
			}
			s := summarizeUpload(sz, c)
			client, rss := formatPercent(s.clientLoad), formatMiB(s.rss)
			if p == copyPeer {
				client, rss = "-", "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				p, formatRate(s.rate), formatRate(s.rps), formatLatency(s.p50), formatLatency(s.p99), s.errors,
				formatMicros(s.cpuPerMiB), formatMicros(s.userPerMiB), formatPercent(s.serverLoad), client,
				formatPercent(s.otherLoad), rss, saturation(s.summary),
				formatRatio(float64(s.cpuPerMiB), float64(cp.cpuPerMiB)), formatRatio(sh.rate, s.rate))
			if s.otherLoad >= noisyAt || s.stealLoad >= noisyAt {
				notes = append(notes, fmt.Sprintf("%s: other processes used %s of a core and the hypervisor stole %s: figures are noisy",
					p, formatPercent(s.otherLoad), formatPercent(s.stealLoad)))
			}
			if c.note != "" {
				notes = append(notes, fmt.Sprintf("%s: %s", p, c.note))
			}
		}
		tw.Flush()
		for _, n := range notes {
			fmt.Fprintf(out, "    note: %s\n", n)
		}
	}
}

// uploadTargets are simplehttp's goals for uploads: disk-bound, for no
// more CPU per MiB than 1.5 times a plain copy of the same bytes.
var uploadTargets = []struct {
	size int64
	want float64
}{{mib, 1.5}, {100 * mib, 1.5}}

// renderUploadTargets writes one line per upload target that ran, in the
// style of renderTargets.
func renderUploadTargets(out io.Writer, sizes []uploadSize, res results) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, t := range uploadTargets {
		var sz uploadSize
		for _, s := range sizes {
			if s.size == t.size {
				sz = s
			}
		}
		sc, cc := res[sz.label][base], res[sz.label][copyPeer]
		if sz.size == 0 || sc == nil || cc == nil {
			continue
		}
		switch {
		case len(sc.samples) == 0:
			fmt.Fprintf(tw, "  (l)\t%s PUT: CPU/MiB <= %gx cp\t-\tMISSED: %s not measured\n", sz.label, t.want, base)
			continue
		case len(cc.samples) == 0:
			fmt.Fprintf(tw, "  (l)\t%s PUT: CPU/MiB <= %gx cp\t-\t?: cp not measured\n", sz.label, t.want)
			continue
		}
		sh := summarizeUpload(sz, sc)
		got := ratio(float64(sh.cpuPerMiB), float64(summarizeUpload(sz, cc).cpuPerMiB))
		verdict := "?"
		switch {
		case sh.rate <= 0: // no body stored: every PUT failed
			verdict = "MISSED"
		case got > 0:
			verdict = map[bool]string{true: "met", false: "MISSED"}[got <= t.want]
		}
		fmt.Fprintf(tw, "  (l)\t%s PUT: CPU/MiB <= %gx cp\t%s\t%s\n", sz.label, t.want, formatRatio(got, 1), verdict)
	}
	tw.Flush()
}

// uploadLegend explains the upload table; it follows it.
var uploadLegend = strings.TrimSpace(`
Uploads: MiB/s and req/s count the bodies answered 201 and found in the run's directory after it
(every file's size, up to 8 byte for byte), over putclient's wall time (on the client core,
as wrk); CPU µs/MiB is the server's utime+stime (/proc/PID/stat; nginx runs as one
process) over the MiB stored, and for cp the copier's own (getrusage) over the MiB copied, on
the server core; the writeback the kernel does later in its own threads is charged to no one,
so a server that fsyncs (simplehttp, cp) pays for more of its disk work than one that does not
(nginx, rclone). "CPU/MiB vs cp" is that row's CPU per MiB over the copy's: the target bounds
simplehttp's. sh/peer MiB/s is simplehttp's throughput over that row's; against cp, how near
simplehttp comes to what the disk takes. "other" includes the kernel's writeback threads, so
it is rarely low here. The ceiling row is a bare net/http PUT handler that fsyncs: what is
left between it and cp is TCP receive, which every server pays.`) + "\n"

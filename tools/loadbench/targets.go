package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// A target is one performance goal of simplehttp: its figure for a
// workload compared with a peer's, in the same run.
type target struct {
	key  string // workload
	peer string
	what string // "rate" (higher is better), "cpu" or "rss" (lower is better)
	want float64
}

// targets are simplehttp's performance goals. Ratios are simplehttp /
// peer: a "rate" goal is a minimum, a "cpu" or "rss" goal a maximum.
var targets = []target{
	{"a", "nginx", "rate", 1.0},
	{"b", "fileserver", "rate", 1.2},
	{"c", "fileserver", "cpu", 1.0},
	{"d", "fileserver", "cpu", 1.0},
	{"e", "fileserver", "rate", 1.0},
	{"e", "python", "rate", 8},
	{"f", "fileserver", "rate", 1.0},
	{"f", "python", "rate", 8},
	{"f", "fileserver", "rss", 1.0},
	{"g", "nginx", "rate", 1.0},
	{"h", "nginx", "rate", 1.0},
	// Per request, near what any net/http server can reach (the ceiling
	// answers from memory), and 404s and 304s well ahead of FileServer's.
	{"a", "ceiling", "rate", 0.85},
	{"g", "ceiling", "rate", 0.85},
	{"g", "fileserver", "rate", 1.1},
	{"h", "ceiling", "rate", 0.85},
	{"h", "fileserver", "rate", 1.1},
	// Every workload but (c) and (d) at least 10x Python.
	{"a", "python", "rate", 10},
	{"b", "python", "rate", 10},
	{"e", "python", "rate", 10},
	{"f", "python", "rate", 10},
	{"g", "python", "rate", 10},
	{"h", "python", "rate", 10},
	// Static assets: precompressed at least as fast as Caddy's, for no
	// more CPU; compressed once and kept, at least 5x what compresses on
	// every request (Caddy's encode, chi's Compress around FileServer).
	{"i", "caddy", "rate", 1.0},
	{"i", "caddy", "cpu", 1.0},
	{"j", "caddy", "rate", 5},
	{"j", "fileserver", "rate", 5},
	{"k", "caddy", "rate", 5},
	{"k", "fileserver", "rate", 5},
	// The rich listing stats every entry on every request, as nginx's
	// autoindex does; Python's list does not, and is still far slower.
	{"m", "python", "rate", 5},
	{"m", "nginx", "rate", 1.0},
}

// renderTargets writes one line per target whose workload ran: the goal,
// the ratio measured and whether it was met. Targets for workloads or
// peers not selected are left out; a selected one that was not measured
// (skipped, failed its check, every run failed) is named: simplehttp
// unmeasured misses the target, the peer unmeasured leaves it undecided.
// simplehttp with no right answer misses every target, CPU and memory
// ones too: failing fast is cheap.
func renderTargets(out io.Writer, ws []workload, res results) {
	byKey := map[string]workload{}
	for _, w := range ws {
		byKey[w.key] = w
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(out, "Targets (simplehttp / peer, same run):")
	for _, t := range targets {
		w, ok := byKey[t.key]
		if !ok {
			continue
		}
		sc, pc := res[t.key][base], res[t.key][t.peer]
		if sc == nil || pc == nil {
			continue
		}
		var goal string
		switch t.what {
		case "rate":
			goal = fmt.Sprintf("%s >= %gx %s", w.unit(), t.want, t.peer)
		case "cpu":
			goal = fmt.Sprintf("CPU/req <= %gx %s", t.want, t.peer)
		case "rss":
			goal = fmt.Sprintf("peak RSS <= %gx %s", t.want, t.peer)
		}
		switch {
		case len(sc.samples) == 0:
			fmt.Fprintf(tw, "  (%s)\t%s\t-\tMISSED: %s not measured\n", t.key, goal, base)
			continue
		case len(pc.samples) == 0:
			fmt.Fprintf(tw, "  (%s)\t%s\t-\t?: %s not measured\n", t.key, goal, t.peer)
			continue
		}
		s, p := summarize(w, sc), summarize(w, pc)
		var got float64
		switch t.what {
		case "rate":
			got = ratio(s.rate, p.rate)
		case "cpu":
			got = ratio(float64(s.cpuPerReq), float64(p.cpuPerReq))
		case "rss":
			got = ratio(float64(s.rss), float64(p.rss))
		}
		verdict := "?"
		switch {
		case s.rate <= 0 && p.rate > 0:
			// simplehttp gave no right answer (all failed, or all had
			// the wrong status): whatever its CPU or memory, it missed.
			verdict = "MISSED"
		case got > 0:
			met := got >= t.want
			if t.what != "rate" {
				met = got <= t.want
			}
			verdict = map[bool]string{true: "met", false: "MISSED"}[met]
		}
		fmt.Fprintf(tw, "  (%s)\t%s\t%s\t%s\n", t.key, goal, formatRatio(got, 1), verdict)
	}
	tw.Flush()
}

// ratio is a/b, or 0 when either is unknown.
func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return a / b
}

// targetsLegend notes what the target lines cannot show.
var targetsLegend = strings.TrimSpace(`
A target is met or missed in this run only: rerun on an idle machine (other < 10%)
before drawing conclusions from a single miss.`) + "\n"

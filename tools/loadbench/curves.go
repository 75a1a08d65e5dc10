package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// A sweep is one scaling curve set: a parameter (connections, entries,
// file size...) stepped through xs, with one or more figures measured
// for each peer at each step.
type sweep struct {
	key     string // "conns", "idle", "listing", "workingset", "filesize"
	title   string
	xLabel  string // axis label, with its unit
	xFormat func(float64) string
	xs      []float64
	metrics []*metric
	charts  []chart
	notes   []string // errors and failed checks met on the way, for the report
	// verdicts are the sweep's own targets beyond pointVerdicts (p99
	// growth, memory per idle connection), checked by its runner.
	verdicts []verdict
}

// A metric is one figure of a sweep, per peer and per x.
type metric struct {
	key   string // "rate"
	title string // "throughput"
	unit  string // "req/s"
	lower bool   // lower is better (latency, memory, CPU)
	// compare marks the figures that simplehttp must match or beat at
	// every point against FileServer and Caddy.
	compare bool
	vals    map[string][]float64 // peer -> value per x; NaN where not measured
	// lo and hi are the lowest and highest of the rounds behind each
	// value (a point measured more than once); NaN where unknown.
	lo, hi map[string][]float64
}

// A chart is one picture: some metrics of a sweep, all peers.
type chart struct {
	file    string // PNG name, e.g. "conns-throughput.png"
	title   string
	yLabel  string
	metrics []string // metric keys; with more than one, the legend names them
	logX    bool
	logY    bool
}

// newSweep returns a sweep whose metrics start out all NaN for peers.
func newSweep(key, title, xLabel string, xFormat func(float64) string, xs []float64, peers []string, metrics ...*metric) *sweep {
	for _, m := range metrics {
		m.vals, m.lo, m.hi = map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
		for _, p := range peers {
			m.vals[p], m.lo[p], m.hi[p] = nans(len(xs)), nans(len(xs)), nans(len(xs))
		}
	}
	return &sweep{key: key, title: title, xLabel: xLabel, xFormat: xFormat, xs: xs, metrics: metrics}
}

// nans returns n NaNs.
func nans(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

func (s *sweep) hasMetric(key string) bool {
	for _, m := range s.metrics {
		if m.key == key {
			return true
		}
	}
	return false
}

func (s *sweep) metric(key string) *metric {
	for _, m := range s.metrics {
		if m.key == key {
			return m
		}
	}
	panic("loadbench: no metric " + key + " in sweep " + s.key)
}

// set records a figure; a non-positive or non-finite one stays unmeasured.
func (s *sweep) set(metricKey, peer string, xi int, v float64) {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if vals := s.metric(metricKey).vals[peer]; vals != nil {
		vals[xi] = v
	}
}

// setRounds records a figure measured in rounds: their median, and
// their lowest and highest (with two rounds or more) for pointVerdicts to
// tell a difference from the spread of the rounds.
func (s *sweep) setRounds(metricKey, peer string, xi int, rounds []float64) {
	if len(rounds) == 0 {
		return
	}
	s.set(metricKey, peer, xi, median(rounds))
	m := s.metric(metricKey)
	if len(rounds) < 2 || m.lo[peer] == nil || math.IsNaN(m.vals[peer][xi]) {
		return
	}
	m.lo[peer][xi], m.hi[peer][xi] = slices.Min(rounds), slices.Max(rounds)
}

// roundsOf returns f of each sample that f reports (ok).
func roundsOf(samples []sample, f func(sample) (float64, bool)) []float64 {
	var vs []float64
	for _, smp := range samples {
		if v, ok := f(smp); ok {
			vs = append(vs, v)
		}
	}
	return vs
}

func (s *sweep) notef(format string, a ...any) { s.notes = append(s.notes, fmt.Sprintf(format, a...)) }

// ratioPeers are the peers simplehttp's curves are compared with.
var ratioPeers = []string{"fileserver", "caddy"}

// renderSweep writes one table per metric: a row per x, a column per
// peer, then simplehttp's ratio to each of ratioPeers.
func renderSweep(out io.Writer, s *sweep, peers []string) {
	fmt.Fprintf(out, "%s\n", s.title)
	for _, m := range s.metrics {
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := append([]string{s.xLabel}, peers...)
		var rp []string
		for _, p := range ratioPeers {
			if m.vals[p] != nil && m.vals[base] != nil {
				rp = append(rp, p)
				head = append(head, base+"/"+p)
			}
		}
		fmt.Fprintf(out, "  %s (%s; %s is better)\n", m.title, m.unit, map[bool]string{true: "lower", false: "higher"}[m.lower])
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for i, x := range s.xs {
			measured := false
			for _, p := range peers {
				measured = measured || !math.IsNaN(m.vals[p][i])
			}
			if !measured {
				continue
			}
			row := []string{s.xFormat(x)}
			for _, p := range peers {
				row = append(row, formatFigure(m.vals[p][i]))
			}
			for _, p := range rp {
				row = append(row, formatFigureRatio(m.vals[base][i], m.vals[p][i]))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
	}
	for _, n := range s.notes {
		fmt.Fprintf(out, "  note: %s\n", n)
	}
}

// formatFigure prints a value with three significant digits, or "-".
func formatFigure(v float64) string {
	switch {
	case math.IsNaN(v) || v <= 0:
		return "-"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.*f", 2-int(math.Floor(math.Log10(v))), v)
}

// formatFigureRatio prints a/b, or "-" when either is unmeasured.
func formatFigureRatio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) {
		return "-"
	}
	return formatRatio(a, b)
}

// A verdict is one scaling target, checked in this run.
type verdict struct {
	goal string // what was asked
	got  string // what was measured
	met  bool
	ok   bool // false: not enough data to decide
	// overlap is set on a missed target whose every missed point lies
	// within the spread of the rounds: the ranges of simplehttp's rounds
	// and the peer's overlap there, so this run does not tell them apart.
	overlap bool
}

// pointVerdicts checks, for each compared metric of s and each of
// ratioPeers that ran, that simplehttp is at least as good at every x
// where both were measured, and names the worst point. An x the peer has
// and simplehttp lacks (its run failed) misses the target.
func pointVerdicts(s *sweep) []verdict {
	var out []verdict
	for _, m := range s.metrics {
		if !m.compare || m.vals[base] == nil {
			continue
		}
		for _, p := range ratioPeers {
			pv := m.vals[p]
			if pv == nil {
				continue
			}
			worst, at, n := 0.0, -1, 0
			missed, overlapping := 0, 0
			var unmeasured []string // points the peer has and simplehttp lacks
			for i := range s.xs {
				a, b := m.vals[base][i], pv[i]
				if math.IsNaN(a) && !math.IsNaN(b) {
					unmeasured = append(unmeasured, s.xFormat(s.xs[i]))
				}
				if math.IsNaN(a) || math.IsNaN(b) {
					continue
				}
				n++
				r := a / b
				if at < 0 || (!m.lower && r < worst) || (m.lower && r > worst) {
					worst, at = r, i
				}
				if (!m.lower && r < 1) || (m.lower && r > 1) {
					missed++
					if m.overlap(p, i) {
						overlapping++
					}
				}
			}
			rel := ">="
			if m.lower {
				rel = "<="
			}
			v := verdict{goal: fmt.Sprintf("%s: %s %s 1x %s at every point", s.key, m.title, rel, p)}
			if at < 0 {
				v.got = "no point measured by both"
				if len(unmeasured) > 0 {
					v.ok, v.got = true, fmt.Sprintf("%s not measured at %s", base, strings.Join(unmeasured, ", "))
				}
				out = append(out, v)
				continue
			}
			v.ok = true
			v.met = (!m.lower && worst >= 1) || (m.lower && worst <= 1)
			v.got = fmt.Sprintf("worst %.2fx at %s (%d points)", worst, s.xFormat(s.xs[at]), n)
			if missed > 0 {
				v.got += fmt.Sprintf("; rounds overlap at %d of %d missed", overlapping, missed)
				v.overlap = overlapping == missed
			}
			// A point where simplehttp failed (or was not measured) and
			// the peer was is a point where it did not match the peer.
			if len(unmeasured) > 0 {
				v.met, v.overlap = false, false
				v.got += fmt.Sprintf("; %s not measured at %s", base, strings.Join(unmeasured, ", "))
			}
			out = append(out, v)
		}
	}
	return out
}

// overlap reports whether the rounds of simplehttp and of peer p at the
// i-th point overlap: neither's worst round is better than the other's
// best. Unknown without two rounds each.
func (m *metric) overlap(p string, i int) bool {
	alo, ahi, blo, bhi := at(m.lo[base], i), at(m.hi[base], i), at(m.lo[p], i), at(m.hi[p], i)
	if math.IsNaN(alo) || math.IsNaN(ahi) || math.IsNaN(blo) || math.IsNaN(bhi) {
		return false
	}
	return alo <= bhi && blo <= ahi
}

// at is vs[i], or NaN when vs has none.
func at(vs []float64, i int) float64 {
	if i >= len(vs) {
		return math.NaN()
	}
	return vs[i]
}

// renderVerdicts writes the verdicts, one a line.
func renderVerdicts(out io.Writer, vs []verdict) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, v := range vs {
		word := "?"
		if v.ok {
			word = map[bool]string{true: "met", false: "MISSED"}[v.met]
			if !v.met && v.overlap {
				word = "MISSED, within the rounds' spread"
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.goal, v.got, word)
	}
	tw.Flush()
}

// formatCount prints 1, 100, 1,000, 10,000...
func formatCount(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatSize prints a byte count as 1 KiB, 256 KiB, 4 MiB, 1 GiB.
func formatSize(x float64) string {
	for _, u := range []struct {
		name string
		n    float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if x >= u.n {
			return fmt.Sprintf("%g %s", x/u.n, u.name)
		}
	}
	return fmt.Sprintf("%g B", x)
}

package main

import (
	"fmt"
	"io"
	"math"
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
		m.vals = map[string][]float64{}
		for _, p := range peers {
			v := make([]float64, len(xs))
			for i := range v {
				v[i] = math.NaN()
			}
			m.vals[p] = v
		}
	}
	return &sweep{key: key, title: title, xLabel: xLabel, xFormat: xFormat, xs: xs, metrics: metrics}
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
}

// pointVerdicts checks, for each compared metric of s and each of
// ratioPeers that ran, that simplehttp is at least as good at every x
// where both were measured, and names the worst point.
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
			for i := range s.xs {
				a, b := m.vals[base][i], pv[i]
				if math.IsNaN(a) || math.IsNaN(b) {
					continue
				}
				n++
				r := a / b
				if at < 0 || (!m.lower && r < worst) || (m.lower && r > worst) {
					worst, at = r, i
				}
			}
			rel := ">="
			if m.lower {
				rel = "<="
			}
			v := verdict{goal: fmt.Sprintf("%s: %s %s 1x %s at every point", s.key, m.title, rel, p)}
			if at < 0 {
				v.got = "no point measured by both"
				out = append(out, v)
				continue
			}
			v.ok = true
			v.met = (!m.lower && worst >= 1) || (m.lower && worst <= 1)
			v.got = fmt.Sprintf("worst %.2fx at %s (%d points)", worst, s.xFormat(s.xs[at]), n)
			out = append(out, v)
		}
	}
	return out
}

// renderVerdicts writes the verdicts, one a line.
func renderVerdicts(out io.Writer, vs []verdict) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, v := range vs {
		word := "?"
		if v.ok {
			word = map[bool]string{true: "met", false: "MISSED"}[v.met]
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

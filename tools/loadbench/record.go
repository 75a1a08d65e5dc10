package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// recordFile is the name, in -scale-out, of the figures of a -scale run.
// It is rewritten after each sweep, so a run that is interrupted keeps
// the sweeps it finished. -scale-redraw reads it back and prints the
// tables and targets and draws the charts again without measuring
// anything: a change to how the charts look needs no new 40-minute run,
// and the charts a document shows can be traced to their figures.
const recordFile = "results.json"

// A scaleRecord is what a -scale run measured, as JSON.
type scaleRecord struct {
	// Header is what the run printed about the machine, the tools and
	// the peers before its first sweep.
	Header []string      `json:"header"`
	Peers  []string      `json:"peers"`
	Start  time.Time     `json:"start"`
	Sweeps []sweepRecord `json:"sweeps"`
}

type sweepRecord struct {
	Key      string          `json:"key"`
	Title    string          `json:"title"`
	XLabel   string          `json:"x_label"`
	Xs       []float64       `json:"xs"`
	Metrics  []metricRecord  `json:"metrics"`
	Charts   []chartRecord   `json:"charts"`
	Notes    []string        `json:"notes,omitempty"`
	Verdicts []verdictRecord `json:"verdicts,omitempty"`
}

type metricRecord struct {
	Key     string `json:"key"`
	Title   string `json:"title"`
	Unit    string `json:"unit"`
	Lower   bool   `json:"lower,omitempty"`
	Compare bool   `json:"compare,omitempty"`
	// Vals holds a value per x for each peer; null where not measured
	// (JSON has no NaN). Lo and Hi hold the lowest and highest round
	// behind each value, where it had two rounds or more.
	Vals map[string][]*float64 `json:"vals"`
	Lo   map[string][]*float64 `json:"lo,omitempty"`
	Hi   map[string][]*float64 `json:"hi,omitempty"`
}

type chartRecord struct {
	File    string   `json:"file"`
	Title   string   `json:"title"`
	YLabel  string   `json:"y_label"`
	Metrics []string `json:"metrics"`
	LogX    bool     `json:"log_x,omitempty"`
	LogY    bool     `json:"log_y,omitempty"`
}

type verdictRecord struct {
	Goal    string `json:"goal"`
	Got     string `json:"got"`
	Met     bool   `json:"met"`
	OK      bool   `json:"ok"`
	Overlap bool   `json:"overlap,omitempty"`
}

// sweepXFormats prints each sweep's x values; a sweep not listed counts.
var sweepXFormats = map[string]func(float64) string{"filesize": formatSize}

func newSweepRecord(s *sweep) sweepRecord {
	r := sweepRecord{Key: s.key, Title: s.title, XLabel: s.xLabel, Xs: s.xs, Notes: s.notes}
	for _, m := range s.metrics {
		mr := metricRecord{Key: m.key, Title: m.title, Unit: m.unit, Lower: m.lower, Compare: m.compare, Vals: map[string][]*float64{}}
		for peer, vals := range m.vals {
			mr.Vals[peer] = jsonValues(vals)
		}
		for peer, lo := range m.lo {
			if jlo, jhi := jsonValues(lo), jsonValues(m.hi[peer]); slices.ContainsFunc(jlo, notNil) && len(jhi) == len(jlo) {
				if mr.Lo == nil {
					mr.Lo, mr.Hi = map[string][]*float64{}, map[string][]*float64{}
				}
				mr.Lo[peer], mr.Hi[peer] = jlo, jhi
			}
		}
		r.Metrics = append(r.Metrics, mr)
	}
	for _, c := range s.charts {
		r.Charts = append(r.Charts, chartRecord{File: c.file, Title: c.title, YLabel: c.yLabel, Metrics: c.metrics, LogX: c.logX, LogY: c.logY})
	}
	for _, v := range s.verdicts {
		r.Verdicts = append(r.Verdicts, verdictRecord{Goal: v.goal, Got: v.got, Met: v.met, OK: v.ok, Overlap: v.overlap})
	}
	return r
}

// jsonValues is vals for JSON: null for NaN.
func jsonValues(vals []float64) []*float64 {
	out := make([]*float64, len(vals))
	for i, v := range vals {
		if !math.IsNaN(v) {
			out[i] = &v
		}
	}
	return out
}

func notNil(v *float64) bool { return v != nil }

// floatValues is the inverse of jsonValues, for the n points of a sweep.
func floatValues(vals []*float64, n int) ([]float64, error) {
	if len(vals) != n {
		return nil, fmt.Errorf("%d values for %d points", len(vals), n)
	}
	out := nans(n)
	for i, v := range vals {
		if v != nil {
			out[i] = *v
		}
	}
	return out, nil
}

// sweep rebuilds the sweep the record was made from.
func (r sweepRecord) sweep() (*sweep, error) {
	s := &sweep{key: r.Key, title: r.Title, xLabel: r.XLabel, xFormat: formatCount, xs: r.Xs, notes: r.Notes}
	if f := sweepXFormats[r.Key]; f != nil {
		s.xFormat = f
	}
	for _, mr := range r.Metrics {
		m := &metric{key: mr.Key, title: mr.Title, unit: mr.Unit, lower: mr.Lower, compare: mr.Compare,
			vals: map[string][]float64{}, lo: map[string][]float64{}, hi: map[string][]float64{}}
		for peer, vals := range mr.Vals {
			var err error
			if m.vals[peer], err = floatValues(vals, len(r.Xs)); err != nil {
				return nil, fmt.Errorf("sweep %s, %s of %s: %v", r.Key, mr.Key, peer, err)
			}
			m.lo[peer], m.hi[peer] = nans(len(r.Xs)), nans(len(r.Xs))
			if lo, ok := mr.Lo[peer]; ok {
				if m.lo[peer], err = floatValues(lo, len(r.Xs)); err != nil {
					return nil, fmt.Errorf("sweep %s, %s of %s, lowest rounds: %v", r.Key, mr.Key, peer, err)
				}
				if m.hi[peer], err = floatValues(mr.Hi[peer], len(r.Xs)); err != nil {
					return nil, fmt.Errorf("sweep %s, %s of %s, highest rounds: %v", r.Key, mr.Key, peer, err)
				}
			}
		}
		s.metrics = append(s.metrics, m)
	}
	for _, c := range r.Charts {
		for _, k := range c.Metrics {
			if !s.hasMetric(k) {
				return nil, fmt.Errorf("sweep %s, chart %s: no metric %q", r.Key, c.File, k)
			}
		}
		if c.File != filepath.Base(c.File) || c.File == "." || c.File == ".." {
			return nil, fmt.Errorf("sweep %s: chart file %q is not a plain file name", r.Key, c.File)
		}
		s.charts = append(s.charts, chart{file: c.File, title: c.Title, yLabel: c.YLabel, metrics: c.Metrics, logX: c.LogX, logY: c.LogY})
	}
	for _, v := range r.Verdicts {
		s.verdicts = append(s.verdicts, verdict{goal: v.Goal, got: v.Got, met: v.Met, ok: v.OK, overlap: v.Overlap})
	}
	return s, nil
}

// writeRecord writes rec to dir/results.json, through a temporary file
// renamed over it, so that the file is always a whole record.
func writeRecord(dir string, rec *scaleRecord) error {
	b, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, recordFile+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, recordFile))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func readRecord(path string) (*scaleRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rec scaleRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(rec.Sweeps) == 0 {
		return nil, fmt.Errorf("%s: no sweep recorded", path)
	}
	return &rec, nil
}

// redraw is -scale-redraw: the tables, targets and charts of a recorded
// run, charts into dir.
func redraw(path, dir string, out io.Writer) error {
	rec, err := readRecord(path)
	if err != nil {
		return err
	}
	if len(rec.Peers) == 0 {
		return errors.New(path + ": no peer recorded")
	}
	fmt.Fprintf(out, "recorded by the run that started %s (%s):\n", rec.Start.UTC().Format(time.RFC3339), path)
	for _, h := range rec.Header {
		fmt.Fprintln(out, h)
	}
	var verdicts []verdict
	var charts []string
	for _, sr := range rec.Sweeps {
		s, err := sr.sweep()
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		fmt.Fprintf(out, "\n")
		renderSweep(out, s, rec.Peers)
		files, err := writeCharts(dir, s, rec.Peers)
		if err != nil {
			return fmt.Errorf("charts of %s: %v", s.key, err)
		}
		charts = append(charts, files...)
		verdicts = append(verdicts, s.verdicts...)
		verdicts = append(verdicts, pointVerdicts(s)...)
	}
	fmt.Fprintf(out, "\nScaling targets (simplehttp / peer, same run):\n")
	renderVerdicts(out, verdicts)
	fmt.Fprint(out, scaleLegend)
	fmt.Fprintf(out, "\ncharts (%d):\n", len(charts))
	for _, c := range charts {
		fmt.Fprintf(out, "  %s\n", c)
	}
	return nil
}

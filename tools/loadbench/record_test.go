package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// recordedSweep is testSweep with charts and a verdict of its own, as a
// runner leaves it.
func recordedSweep() *sweep {
	s := testSweep()
	s.charts = []chart{
		{file: "rate.png", title: "Throughput", yLabel: "req/s", metrics: []string{"rate"}, logX: true},
		{file: "p99.png", title: "p99", yLabel: "ms", metrics: []string{"p99"}, logX: true, logY: true},
	}
	s.verdicts = []verdict{p99GrowthVerdict([2]float64{2, 7}, [2]float64{}, false, 100, 10000, 5000)}
	return s
}

// TestRecordRedraw writes a sweep's record the way a -scale run does,
// and checks that -scale-redraw prints the same tables and targets and
// draws the same PNGs, byte for byte, as the run did.
func TestRecordRedraw(t *testing.T) {
	peers := []string{"simplehttp", "fileserver", "caddy"}
	s := recordedSweep()
	runDir := filepath.Join(t.TempDir(), "run")
	if _, err := writeCharts(runDir, s, peers); err != nil {
		t.Fatal(err)
	}
	fs := testSweep()
	fs.key, fs.xFormat, fs.xs = "filesize", formatSize, []float64{1024, 1 << 20, 1 << 30}
	rec := &scaleRecord{Header: []string{"loadbench -scale: test", "peers:", "  simplehttp simplehttp -p HTTP/1.1"}, Peers: peers,
		Start: time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)}
	rec.Sweeps = append(rec.Sweeps, newSweepRecord(s), newSweepRecord(fs))
	if err := writeRecord(runDir, rec); err != nil {
		t.Fatal(err)
	}
	if names, _ := filepath.Glob(filepath.Join(runDir, recordFile+".*")); len(names) > 0 {
		t.Errorf("temporary files left: %q", names)
	}

	var out bytes.Buffer
	redrawDir := filepath.Join(t.TempDir(), "redraw")
	if err := redraw(filepath.Join(runDir, recordFile), redrawDir, &out); err != nil {
		t.Fatal(err)
	}
	var tables bytes.Buffer
	renderSweep(&tables, s, peers)
	fmt.Fprint(&tables, "\n")
	renderSweep(&tables, fs, peers)
	var targets bytes.Buffer
	renderVerdicts(&targets, append(append(s.verdicts, pointVerdicts(s)...), pointVerdicts(fs)...))
	got := out.String()
	for _, want := range []string{
		"recorded by the run that started 2026-12-05T20:00:00Z (" + filepath.Join(runDir, recordFile) + "):\nloadbench -scale: test\npeers:\n  simplehttp simplehttp -p HTTP/1.1\n",
		tables.String(),
		"Scaling targets (simplehttp / peer, same run):\n" + targets.String(),
		"   1 GiB ", // the file-size sweep's x values print as sizes again
	} {
		if !strings.Contains(got, want) {
			t.Errorf("redraw printed:\n%s\nwant it to hold:\n%s", got, want)
		}
	}
	if !strings.Contains(targets.String(), "3.50x (7.00 ms / 2.00 ms)") {
		t.Errorf("targets lack the sweep's own verdict:\n%s", targets.String())
	}
	// The rounds' ranges are recorded: a miss within them says so again.
	if !strings.Contains(targets.String(), "rounds overlap at 1 of 1 missed  MISSED, within the rounds' spread") {
		t.Errorf("targets lack the miss within the rounds' spread:\n%s", targets.String())
	}
	for _, c := range s.charts {
		a, err := os.ReadFile(filepath.Join(runDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(redrawDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: redrawn PNG differs from the run's (%d and %d bytes)", c.file, len(a), len(b))
		}
	}
}

// TestRecordBad: a record that cannot be drawn says why, and writes
// nothing outside the chart directory.
func TestRecordBad(t *testing.T) {
	dir := t.TempDir()
	good, err := json.Marshal(&scaleRecord{Peers: []string{"simplehttp"}, Sweeps: []sweepRecord{newSweepRecord(recordedSweep())}})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ json, want string }{
		"not json":       {"{", "unexpected end of JSON input"},
		"no sweep":       {`{"peers":["simplehttp"],"sweeps":[]}`, "no sweep recorded"},
		"no peer":        {strings.Replace(string(good), `"peers":["simplehttp"]`, `"peers":[]`, 1), "no peer recorded"},
		"short values":   {strings.Replace(string(good), `"simplehttp":[100,200,300]`, `"simplehttp":[100,200]`, 1), "rate of simplehttp: 2 values for 3 points"},
		"short rounds":   {strings.Replace(string(good), `"simplehttp":[null,null,290]`, `"simplehttp":[null,290]`, 1), "rate of simplehttp, lowest rounds: 2 values for 3 points"},
		"unknown metric": {strings.Replace(string(good), `"metrics":["rate"]`, `"metrics":["nope"]`, 1), `no metric "nope"`},
		"path in name":   {strings.Replace(string(good), `"file":"rate.png"`, `"file":"../rate.png"`, 1), `"../rate.png" is not a plain file name`},
	} {
		if c.json != "{" && c.json == string(good) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(c.json), 0o644); err != nil {
			t.Fatal(err)
		}
		charts := filepath.Join(dir, "charts", strings.ReplaceAll(name, " ", "-"))
		err := redraw(path, charts, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: redraw = %v, want an error with %q", name, err, c.want)
		}
		if _, err := os.Stat(filepath.Join(charts, "..", "rate.png")); err == nil {
			t.Errorf("%s: a chart was written outside the chart directory", name)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func TestZipfRank(t *testing.T) {
	z := newZipf(4, 1) // weights 1, 1/2, 1/3, 1/4 over 25/12
	want := []float64{12. / 25, 18. / 25, 22. / 25, 1}
	for k, w := range want {
		if math.Abs(z.cdf[k]-w) > 1e-12 {
			t.Errorf("cdf[%d] = %v, want %v", k, z.cdf[k], w)
		}
	}
	for _, c := range []struct {
		u    float64
		want int
	}{{0, 0}, {0.47, 0}, {z.cdf[0], 1}, {0.71, 1}, {z.cdf[1], 2}, {0.9, 3}, {math.Nextafter(1, 0), 3}} {
		if got := z.rank(c.u); got != c.want {
			t.Errorf("rank(%v) = %d, want %d", c.u, got, c.want)
		}
	}
	u := newZipf(3, 0) // s = 0: uniform
	if got := u.rank(0.5); got != 1 {
		t.Errorf("uniform rank(0.5) = %d, want 1", got)
	}
}

func TestWorkingSetPath(t *testing.T) {
	for i, want := range map[int]string{0: "/ws/000/000.bin", 999: "/ws/000/999.bin", 1000: "/ws/001/000.bin", 199999: "/ws/199/999.bin"} {
		if got := workingSetPath(i); got != want {
			t.Errorf("workingSetPath(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestZipfPaths checks the request sequence of the working-set sweep:
// the same for the same seed, within the first n files, and as skewed as
// Zipf with s = 1 is: the most popular file gets 1/H(n) of the requests,
// the popular tenth of the files most of them.
func TestZipfPaths(t *testing.T) {
	const n, k = 1000, 200000
	paths := zipfPaths(n, k, 1, 42)
	if !reflect.DeepEqual(paths, zipfPaths(n, k, 1, 42)) {
		t.Fatal("zipfPaths with the same seed differ")
	}
	if reflect.DeepEqual(paths[:100], zipfPaths(n, k, 1, 43)[:100]) {
		t.Error("zipfPaths with different seeds are the same")
	}
	valid := map[string]bool{}
	for i := range n {
		valid[workingSetPath(i)] = true
	}
	count := map[string]int{}
	for _, p := range paths {
		if !valid[p] {
			t.Fatalf("path %q is not one of the first %d files", p, n)
		}
		count[p]++
	}
	freq := make([]int, 0, len(count))
	for _, c := range count {
		freq = append(freq, c)
	}
	slices.Sort(freq)
	slices.Reverse(freq)
	h := 0.0
	for i := 1; i <= n; i++ {
		h += 1 / float64(i)
	}
	if top, want := float64(freq[0])/k, 1/h; math.Abs(top-want) > 0.01 {
		t.Errorf("most popular file: %.3f of the requests, want %.3f", top, want)
	}
	tenth := 0
	for _, c := range freq[:n/10] {
		tenth += c
	}
	if share := float64(tenth) / k; share < 0.6 || share > 0.75 {
		t.Errorf("the top 10%% of files get %.2f of the requests, want about 0.67", share)
	}
	if len(count) < n*9/10 {
		t.Errorf("only %d of %d files requested in %d requests", len(count), n, k)
	}
}

// TestWorkingSetOutgrowsCache checks that the working-set sweep measures
// what it says: at its top points the files a run asks for cost simplehttp's
// default cache (64 MiB) well over what it holds, and at 10,000 files they
// fit. A run is taken as its 2 s warm-up and 5 s measured run at 20,000
// req/s (as fast as simplehttp went there): 40,000 requests from the start
// of the sequence and 100,000 from its middle. An entry costs its content,
// its name and 512 bytes (fileserver's entryOverhead).
func TestWorkingSetOutgrowsCache(t *testing.T) {
	const cache = 64 << 20
	plan := scalePlanFor(false)
	cost := func(n int) float64 {
		paths := zipfPaths(n, plan.zipfSamples, zipfExponent, uint64(n))
		half := len(paths) / 2
		asked := map[string]bool{}
		for _, p := range slices.Concat(paths[:40000], paths[half:half+100000]) {
			asked[p] = true
		}
		per := float64(workingSetFileSize + len("ws/000/000.bin") + 512)
		return float64(len(asked)) * per / cache
	}
	if c := cost(10000); c > 0.9 {
		t.Errorf("10,000 files: a run asks for %.2fx the cache; want them to fit", c)
	}
	for _, n := range plan.workingSet[len(plan.workingSet)-2:] {
		if c := cost(n); c < 2 {
			t.Errorf("%d files: a run asks for %.2fx the cache, want 2x or more, so that it thrashes", n, c)
		}
	}
}

func TestParsePPID(t *testing.T) {
	got, err := parsePPID("4242 (a) b (c) S 17 4242 4242 0 -1 4194560")
	if err != nil || got != 17 {
		t.Errorf("parsePPID = %d, %v; want 17", got, err)
	}
	for _, bad := range []string{"", "1 (x)", "1 (x) S notanumber"} {
		if _, err := parsePPID(bad); err == nil {
			t.Errorf("parsePPID(%q): no error", bad)
		}
	}
}

// TestTreeMemory reads this process's memory and finds a child of it
// among its descendants.
func TestTreeMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start sleep:", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	if d := descendants(os.Getpid()); d[0] != os.Getpid() || !slices.Contains(d, cmd.Process.Pid) {
		t.Errorf("descendants(self) = %v, want self first and child %d", d, cmd.Process.Pid)
	}
	self, err := treeMemory(os.Getpid(), "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	child, err := treeMemory(cmd.Process.Pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	if self <= child || child <= 0 {
		t.Errorf("VmRSS of self and child %d, of the child alone %d: want the child counted in the tree", self, child)
	}
	if _, err := treeMemory(os.Getpid(), "NoSuchLine"); err == nil {
		t.Error("treeMemory with an unknown key: no error")
	}
}

func TestSlope(t *testing.T) {
	if got := slope([]float64{0, 100, 1000}, []float64{5000, 7000, 25000}); math.Abs(got-20) > 1e-9 {
		t.Errorf("slope of a line = %v, want 20", got)
	}
	for _, c := range [][2][]float64{{{1}, {1}}, {{3, 3}, {1, 2}}, {{1, 2}, {1}}} {
		if got := slope(c[0], c[1]); got != 0 {
			t.Errorf("slope(%v, %v) = %v, want 0", c[0], c[1], got)
		}
	}
}

// TestIdleConns opens idle keep-alive connections and checks the server
// holds as many; a server that closes after each response is refused.
func TestIdleConns(t *testing.T) {
	var mu sync.Mutex
	open := map[string]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		w.Write([]byte("hello"))
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		open[c.RemoteAddr().String()] = s != http.StateClosed && s != http.StateHijacked
	}
	srv.Start()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ic := &idleConns{addr: addr, path: "/"}
	defer ic.close()
	ctx := context.Background()
	if err := ic.grow(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if err := ic.grow(ctx, 3); err != nil || len(ic.conns) != 5 {
		t.Errorf("grow(3) after 5: %d conns, %v; want 5, nil", len(ic.conns), err)
	}
	for _, c := range ic.conns {
		mu.Lock()
		ok := open[c.LocalAddr().String()]
		mu.Unlock()
		if !ok {
			t.Errorf("connection %s is not open at the server", c.LocalAddr())
		}
	}
	bad := &idleConns{addr: addr, path: "/close"}
	defer bad.close()
	if err := bad.grow(ctx, 2); err == nil || !strings.Contains(err.Error(), "keep-alive") {
		t.Errorf("grow against Connection: close = %v, want a keep-alive error", err)
	}
}

// testSweep is a sweep of two metrics over three points with simplehttp,
// fileserver and caddy.
func testSweep() *sweep {
	peers := []string{"simplehttp", "fileserver", "caddy"}
	s := newSweep("conns", "Test sweep", "connections", formatCount, []float64{1, 100, 10000}, peers,
		&metric{key: "rate", title: "throughput", unit: "req/s", compare: true},
		&metric{key: "p99", title: "p99 latency", unit: "ms", lower: true, compare: true},
		&metric{key: "info", title: "not compared", unit: "x"},
	)
	for i, v := range []float64{100, 200, 300} {
		s.set("rate", "simplehttp", i, v)
		s.set("rate", "fileserver", i, v/2)
		s.set("p99", "simplehttp", i, v/100)
		s.set("p99", "fileserver", i, v/200)
	}
	// Points measured in rounds: their ranges overlap or not.
	s.setRounds("rate", "simplehttp", 2, []float64{290, 300, 390})
	s.setRounds("p99", "simplehttp", 0, []float64{0.9, 1, 1.1})
	s.setRounds("p99", "fileserver", 0, []float64{0.4, 0.5, 0.95})
	s.set("rate", "caddy", 0, 50)
	s.setRounds("rate", "caddy", 2, []float64{380, 400, 420}) // simplehttp 300: 0.75x, rounds overlap
	s.set("p99", "caddy", 1, 4)                               // simplehttp 2: 0.5x
	s.set("info", "simplehttp", 0, 1)
	s.set("rate", "caddy", 1, math.NaN()) // stays unmeasured
	s.set("rate", "caddy", 1, -1)
	s.notef("caddy at %s: %s", "100", "status 500, want 200")
	return s
}

func TestPointVerdicts(t *testing.T) {
	var got []string
	for _, v := range pointVerdicts(testSweep()) {
		got = append(got, fmt.Sprintf("%s | %s | ok=%v met=%v overlap=%v", v.goal, v.got, v.ok, v.met, v.overlap))
	}
	want := []string{
		"conns: throughput >= 1x fileserver at every point | worst 2.00x at 1 (3 points) | ok=true met=true overlap=false",
		"conns: throughput >= 1x caddy at every point | worst 0.75x at 10,000 (2 points); rounds overlap at 1 of 1 missed | ok=true met=false overlap=true",
		"conns: p99 latency <= 1x fileserver at every point | worst 2.00x at 1 (3 points); rounds overlap at 1 of 3 missed | ok=true met=false overlap=false",
		"conns: p99 latency <= 1x caddy at every point | worst 0.50x at 100 (1 points) | ok=true met=true overlap=false",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pointVerdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPointVerdictsUnmeasured checks that a point where simplehttp's run
// failed and the peer's did not misses the target "at every point",
// however well simplehttp did at the other points.
func TestPointVerdictsUnmeasured(t *testing.T) {
	s := newSweep("conns", "Test sweep", "connections", formatCount, []float64{1, 100, 10000}, []string{"simplehttp", "fileserver", "caddy"},
		&metric{key: "rate", title: "throughput", unit: "req/s", compare: true})
	for i, v := range []float64{100, 200, 300} {
		s.set("rate", "fileserver", i, v)
		if i > 0 { // caddy failed at 1
			s.set("rate", "caddy", i, v)
		}
		if i < 2 { // simplehttp failed at 10,000
			s.set("rate", "simplehttp", i, 2*v)
		}
	}
	var got []string
	for _, v := range pointVerdicts(s) {
		got = append(got, fmt.Sprintf("%s | %s | ok=%v met=%v", v.goal, v.got, v.ok, v.met))
	}
	want := []string{
		"conns: throughput >= 1x fileserver at every point | worst 2.00x at 1 (2 points); simplehttp not measured at 10,000 | ok=true met=false",
		"conns: throughput >= 1x caddy at every point | worst 2.00x at 100 (1 points); simplehttp not measured at 10,000 | ok=true met=false",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pointVerdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	only := newSweep("conns", "Test sweep", "connections", formatCount, []float64{1}, []string{"simplehttp", "fileserver"},
		&metric{key: "rate", title: "throughput", unit: "req/s", compare: true})
	only.set("rate", "fileserver", 0, 100)
	if v := pointVerdicts(only)[0]; !v.ok || v.met {
		t.Errorf("simplehttp measured nowhere, fileserver at 1: %s, ok=%v met=%v; want missed", v.got, v.ok, v.met)
	}
}

func TestSpecialVerdicts(t *testing.T) {
	for _, c := range []struct {
		v    verdict
		want string
	}{
		{p99GrowthVerdict([2]float64{2, 5}, [2]float64{}, false, 100, 10000, 5000), "conns: p99 at 10,000 conns <= 3x p99 at 100, both at 5,000 req/s | 2.50x (5.00 ms / 2.00 ms) | met"},
		{p99GrowthVerdict([2]float64{2, 7}, [2]float64{}, false, 100, 10000, 5000), "conns: p99 at 10,000 conns <= 3x p99 at 100, both at 5,000 req/s | 3.50x (7.00 ms / 2.00 ms) | MISSED"},
		{p99GrowthVerdict([2]float64{0, 7}, [2]float64{}, false, 100, 10000, 5000), "conns: p99 at 10,000 conns <= 3x p99 at 100, both at 5,000 req/s | not measured | ?"},
		// simplehttp's run at 10,000 connections failed.
		{p99GrowthVerdict([2]float64{2, 0}, [2]float64{}, true, 100, 10000, 5000), "conns: p99 at 10,000 conns <= 3x p99 at 100, both at 5,000 req/s | simplehttp failed at a fixed rate | MISSED"},
		// The rate asked for, not reached: at 10,000 connections a miss,
		// at 100 (a slow server gets a lighter load) undecided.
		{p99GrowthVerdict([2]float64{2, 5}, [2]float64{4990, 3000}, false, 100, 10000, 5000), "conns: p99 at 10,000 conns <= 3x p99 at 100, both at 5,000 req/s | 2.50x (5.00 ms / 2.00 ms); 3,000 req/s reached at 10,000 conns | MISSED"},
		{p99GrowthVerdict([2]float64{2, 5}, [2]float64{3000, 5010}, false, 100, 10000, 5000), "conns: p99 at 10,000 conns <= 3x p99 at 100, both at 5,000 req/s | 2.50x (5.00 ms / 2.00 ms); only 3,000 req/s reached at 100 conns: not the same rate | ?"},
		{p99GrowthVerdict([2]float64{2, 5}, [2]float64{4600, 4700}, false, 100, 10000, 5000), "conns: p99 at 10,000 conns <= 3x p99 at 100, both at 5,000 req/s | 2.50x (5.00 ms / 2.00 ms) | met"},
		{slopeVerdict(map[string]float64{"simplehttp": 10 * kib, "fileserver": 20 * kib}, nil), "idle: memory per idle connection <= 1x fileserver | 0.50x (10.0 KiB / 20.0 KiB) | met"},
		{slopeVerdict(map[string]float64{"simplehttp": 30 * kib, "fileserver": 20 * kib}, nil), "idle: memory per idle connection <= 1x fileserver | 1.50x (30.0 KiB / 20.0 KiB) | MISSED"},
		{slopeVerdict(map[string]float64{"simplehttp": 30 * kib}, nil), "idle: memory per idle connection <= 1x fileserver | not measured | ?"},
		// simplehttp's slope over the points before it failed.
		{slopeVerdict(map[string]float64{"simplehttp": 10 * kib, "fileserver": 20 * kib}, map[string]bool{"simplehttp": true}), "idle: memory per idle connection <= 1x fileserver | simplehttp failed before the last point | MISSED"},
		{slopeVerdict(map[string]float64{"simplehttp": 10 * kib, "fileserver": 20 * kib}, map[string]bool{"fileserver": true}), "idle: memory per idle connection <= 1x fileserver | not measured | ?"},
	} {
		var b bytes.Buffer
		renderVerdicts(&b, []verdict{c.v})
		got := regexp.MustCompile(`\s{2,}`).ReplaceAllString(strings.TrimSpace(b.String()), " | ")
		if got != c.want {
			t.Errorf("verdict = %q, want %q", got, c.want)
		}
	}
}

func TestRenderSweep(t *testing.T) {
	var b bytes.Buffer
	renderSweep(&b, testSweep(), []string{"simplehttp", "fileserver", "caddy"})
	want := `Test sweep
  throughput (req/s; higher is better)
  connections  simplehttp  fileserver  caddy  simplehttp/fileserver  simplehttp/caddy
            1         100        50.0   50.0                  2.00x             2.00x
          100         200         100      -                  2.00x                 -
       10,000         300         150    400                  2.00x             0.75x
  p99 latency (ms; lower is better)
  connections  simplehttp  fileserver  caddy  simplehttp/fileserver  simplehttp/caddy
            1        1.00       0.500      -                  2.00x                 -
          100        2.00        1.00   4.00                  2.00x             0.50x
       10,000        3.00        1.50      -                  2.00x                 -
  not compared (x; higher is better)
  connections  simplehttp  fileserver  caddy  simplehttp/fileserver  simplehttp/caddy
            1        1.00           -      -                      -                 -
  note: caddy at 100: status 500, want 200
`
	if got := b.String(); got != want {
		t.Errorf("renderSweep:\n%s\nwant:\n%s", got, want)
	}
}

// TestWriteCharts draws the charts of a sweep into a temp dir: PNGs of
// the chart size; a chart with nothing measured is an error, not an
// empty picture.
func TestWriteCharts(t *testing.T) {
	s := testSweep()
	s.set("p99", "caddy", 0, 0) // not drawable on a log axis: left out
	s.charts = []chart{
		{file: "rate.png", title: "Throughput", yLabel: "req/s", metrics: []string{"rate"}, logX: true},
		{file: "p99.png", title: "p99", yLabel: "ms", metrics: []string{"p99", "rate"}, logX: true, logY: true},
	}
	dir := filepath.Join(t.TempDir(), "out")
	files, err := writeCharts(dir, s, []string{"simplehttp", "fileserver", "caddy"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "rate.png"), filepath.Join(dir, "p99.png")}; !reflect.DeepEqual(files, want) {
		t.Errorf("files = %q, want %q", files, want)
	}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if cfg.Width != 768 || cfg.Height != 403 {
			t.Errorf("%s: %dx%d, want 768x403", f, cfg.Width, cfg.Height)
		}
	}
	s.charts = []chart{{file: "none.png", title: "Nothing", metrics: []string{"info"}}}
	s.metric("info").vals["simplehttp"][0] = math.NaN()
	if _, err := writeCharts(dir, s, []string{"simplehttp"}); err == nil {
		t.Error("a chart with nothing measured: no error")
	}
}

// TestRoundBars: a point measured in rounds gets a bar from its lowest
// to its highest round; one measured once, or with a lowest round that a
// log axis cannot show, gets none.
func TestRoundBars(t *testing.T) {
	s := testSweep()
	lin := chart{metrics: []string{"rate"}, logX: true}
	bars, err := roundBars(s, lin, s.metric("rate"), "caddy")
	if err != nil || bars == nil {
		t.Fatalf("caddy's rate: %v, %v", bars, err)
	}
	if len(bars.XYs) != 1 || bars.XYs[0] != (plotter.XY{X: 10000, Y: 400}) || bars.YErrors[0] != (struct{ Low, High float64 }{20, 20}) {
		t.Errorf("caddy's rate bars: %v %v, want one from 380 to 420 at 10,000", bars.XYs, bars.YErrors)
	}
	if bars, _ := roundBars(s, lin, s.metric("rate"), "fileserver"); bars != nil {
		t.Errorf("fileserver, measured once: bars %v", bars.XYs)
	}
	s.metric("p99").lo["fileserver"][0] = 0
	if bars, _ := roundBars(s, chart{metrics: []string{"p99"}, logY: true}, s.metric("p99"), "fileserver"); bars != nil {
		t.Errorf("a lowest round of 0 on a log axis: bars %v", bars.XYs)
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(ts []plot.Tick) []string {
		var out []string
		for _, tk := range ts {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	count := logTicks{origin: 1, step: 10, format: formatCount}
	if got, want := labels(count.Ticks(1, 10000)), []string{"1", "10", "100", "1,000", "10,000"}; !reflect.DeepEqual(got, want) {
		t.Errorf("count ticks = %q, want %q", got, want)
	}
	if got, want := labels(count.Ticks(200, 900)), []string{"200", "300", "400", "500", "600", "700", "800", "900"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ticks within one decade = %q, want the minor ones labelled: %q", got, want)
	}
	if got, want := labels(count.Ticks(1, 100)), []string{"1", "2", "5", "10", "20", "50", "100"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ticks over two decades = %q, want 2 and 5 labelled too: %q", got, want)
	}
	size := logTicks{origin: 1024, step: 16, format: formatSize}
	if got, want := labels(size.Ticks(1024, 1<<30)), []string{"1 KiB", "16 KiB", "256 KiB", "4 MiB", "64 MiB", "1 GiB"}; !reflect.DeepEqual(got, want) {
		t.Errorf("size ticks = %q, want %q", got, want)
	}
	if got, want := labels(linearTicks{}.Ticks(0, 10000)), []string{"0", "2,000", "4,000", "6,000", "8,000", "10,000"}; !reflect.DeepEqual(got, want) {
		t.Errorf("linear ticks = %q, want %q", got, want)
	}
	if got, want := labels(linearTicks{}.Ticks(0, 2.4)), []string{"0", "0.5", "1", "1.5", "2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("linear ticks = %q, want %q", got, want)
	}
}

func TestSelectSweeps(t *testing.T) {
	got, err := selectSweeps(" listing,conns,listing ")
	if err != nil || !reflect.DeepEqual(got, []string{"conns", "listing"}) {
		t.Errorf("selectSweeps = %q, %v; want [conns listing]", got, err)
	}
	if got, _ := selectSweeps("all"); !reflect.DeepEqual(got, sweepNames) {
		t.Errorf("selectSweeps(all) = %q", got)
	}
	for _, bad := range []string{"bogus", ","} {
		if _, err := selectSweeps(bad); err == nil {
			t.Errorf("selectSweeps(%q): no error", bad)
		}
	}
}

func TestParseFlagsScale(t *testing.T) {
	cfg, err := parseFlags([]string{"-scale", "-quick", "-scale-sweeps", "idle", "-scale-rate", "2000", "-scale-rounds", "3", "-scale-out", "/t/out"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.scaleOn || !cfg.quick || !reflect.DeepEqual(cfg.scale.sweeps, []string{"idle"}) || cfg.scale.rate != 2000 || cfg.scale.rounds != 3 || cfg.scale.out != "/t/out" {
		t.Errorf("parseFlags(-scale ...) = %+v", cfg)
	}
	if cfg, _ := parseFlags(nil); cfg.scaleOn || cfg.scale.out != "bench-out" || cfg.scale.rounds != 1 || !reflect.DeepEqual(cfg.scale.sweeps, sweepNames) {
		t.Errorf("default scale config = %+v", cfg.scale)
	}
	for _, bad := range [][]string{{"-scale-rate", "0"}, {"-scale-rounds", "0"}, {"-scale-out", ""}, {"-scale-sweeps", "x"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q): no error", bad)
		}
	}
}

// TestScalePlan pins the ranges the sweeps cover.
func TestScalePlan(t *testing.T) {
	full := scalePlanFor(false)
	ends := func(xs []int) [2]int { return [2]int{xs[0], xs[len(xs)-1]} }
	for name, c := range map[string]struct{ got, want [2]int }{
		"conns":      {ends(full.conns), [2]int{1, 10000}},
		"idle":       {ends(full.idle), [2]int{0, 10000}},
		"entries":    {ends(full.entries), [2]int{100, 100000}},
		"workingSet": {ends(full.workingSet), [2]int{1000, 200000}},
		"sizes":      {[2]int{int(full.sizes[0]), int(full.sizes[len(full.sizes)-1])}, [2]int{kib, 1 << 30}},
		"rateConns":  {full.rateConns, [2]int{100, 10000}},
	} {
		if c.got != c.want {
			t.Errorf("full plan %s: %v, want %v", name, c.got, c.want)
		}
	}
	// The top of the working set outgrows simplehttp's default
	// small-file cache (64 MiB).
	if top := int64(slices.Max(full.workingSet)) * kib; top <= 64*mib {
		t.Errorf("top working set %d bytes, not more than the 64 MiB cache", top)
	}
	quick := scalePlanFor(true)
	if quick.duration >= full.duration || len(quick.conns) >= len(full.conns) {
		t.Errorf("quick plan %+v is not smaller than the full one", quick)
	}
	if sizePath(1<<30) != "/size/1GiB.bin" || sizePath(kib) != "/size/1KiB.bin" || sizePath(256*kib) != "/size/256KiB.bin" {
		t.Errorf("sizePath: %q %q %q", sizePath(1<<30), sizePath(kib), sizePath(256*kib))
	}
	if !takesPart("python", "conns", 1000) || takesPart("python", "conns", 10000) || !takesPart("caddy", "conns", 10000) {
		t.Error("takesPart: python should stop above 1,000 connections, the others not")
	}
}

func TestNginxConfigScale(t *testing.T) {
	conf := nginxConfig("/t/nginx", "/t/www", "", 8080, "", true)
	for _, want := range []string{"worker_rlimit_nofile 32768;", "worker_connections 16384;", "listen 127.0.0.1:8080 backlog=65535;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("scale nginx config lacks %q:\n%s", want, conf)
		}
	}
	conf = nginxConfig("/t/nginx", "/t/www", "", 8080, "", false)
	for _, unwanted := range []string{"worker_rlimit_nofile", "backlog", "16384"} {
		if strings.Contains(conf, unwanted) {
			t.Errorf("default nginx config has %q:\n%s", unwanted, conf)
		}
	}
}

func TestWrkArgsScript(t *testing.T) {
	w := workload{conns: 10000, script: "/t/zipf.lua", scriptArgs: []string{"/t/paths.txt"}}
	got := wrkArgs(w, "http://127.0.0.1:1/", "/t/zipf.lua", 2*time.Second)
	want := []string{"-t1", "-c10000", "-d2s", "--timeout", "5s", "-s", "/t/zipf.lua", "http://127.0.0.1:1/", "/t/paths.txt"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wrkArgs = %q, want %q", got, want)
	}
}

// needWrk returns the path of wrk, or skips the test.
func needWrk(t *testing.T) string {
	t.Helper()
	wrk := lookTool("wrk")
	if wrk == "" {
		t.Skip("wrk not installed (.ci/run installs it)")
	}
	return wrk
}

// writeScript writes a wrk Lua script as dir/name.lua and returns its path.
func writeScript(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name+".lua")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWrkScripts runs wrk with the sweeps' Lua script against a test
// server: the Zipf script asks only for the listed paths and prints the
// summary line. Skipped without wrk.
func TestWrkScripts(t *testing.T) {
	wrk := needWrk(t)
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		w.Write([]byte("x"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	list := filepath.Join(dir, "paths.txt")
	if err := os.WriteFile(list, []byte("/ws/000/001.bin\n/ws/000/002.bin\n/ws/000/001.bin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tools := toolset{wrk: wrk}
	for _, c := range []struct {
		name, text string
		args       []string
		paths      []string
	}{
		{"zipf", zipfScript, []string{list}, []string{"/ws/000/001.bin", "/ws/000/002.bin"}},
	} {
		clear(seen)
		script := writeScript(t, dir, c.name, c.text)
		w := workload{conns: 2, script: script, scriptArgs: c.args}
		r, _, err := runWrk(context.Background(), tools, wrkArgs(w, srv.URL+"/", script, time.Second), time.Second)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		mu.Lock()
		var got []string
		for p := range seen {
			got = append(got, p)
		}
		mu.Unlock()
		slices.Sort(got)
		if r.Requests == 0 || !reflect.DeepEqual(got, c.paths) {
			t.Errorf("%s: %d requests for %q, want some for %q", c.name, r.Requests, got, c.paths)
		}
	}
}

// listingTree returns the path of python3 (or skips the test) and a tree
// for the listing sweep: /list/100/ holding three files.
func listingTree(t *testing.T) (py, dir string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found (.ci/run installs it)")
	}
	dir = t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "list", "100"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(dir, "list", "100", name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return py, dir
}

// startPython starts python3 -m http.server over dir on a free port, its
// access log to logPath.
func startPython(ctx context.Context, py, dir, logPath string) (*peer, error) {
	return startPeer(ctx, toolset{}, "python", "python3 -m http.server", []string{py, "-u", "-m", "http.server", "0", "-b", "127.0.0.1", "-d", dir}, nil, logPath, 0)
}

// TestListOnceWarmsUp checks what the listing sweep asks a fresh server:
// the small listing of /list/ first, then the directory measured (cold),
// then that directory again (cached), and that it reads the peak memory.
// Python's http.server is the server: its access log shows the order.
func TestListOnceWarmsUp(t *testing.T) {
	py, dir := listingTree(t)
	logPath := filepath.Join(t.TempDir(), "access.log")
	r := &scaleRun{launch: map[string]*launcher{"python": {name: "python", start: func(ctx context.Context, _ workload) (*peer, error) {
		return startPython(ctx, py, dir, logPath)
	}}}}
	cold, cached, peak, err := r.listOnce(context.Background(), "python", "/list/100/", true)
	if err != nil {
		t.Fatal(err)
	}
	if cold <= 0 || cached <= 0 || peak <= 0 {
		t.Errorf("listOnce = cold %v, cached %v, peak %d; want all positive", cold, cached, peak)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	for _, line := range strings.Split(string(log), "\n") {
		if i := strings.Index(line, `"GET `); i >= 0 {
			asked = append(asked, strings.Fields(line[i+1:])[1])
		}
	}
	if len(asked) < 5 || asked[0] != listParent || asked[1] != "/list/100/" {
		t.Fatalf("requests %q; want %s, then /list/100/ at least 4 times", asked, listParent)
	}
	for _, p := range asked[1:] {
		if p != "/list/100/" {
			t.Errorf("requests %q; want only /list/100/ after the warm-up", asked)
			break
		}
	}
}

// TestListingColdSamples checks that the listing sweep measures each
// point's cold listing in coldSamples fresh processes per peer, the
// peers' processes interleaved (a b, b a, a b), and the cached repeats
// only in each peer's first: each later process is asked for the warm-up
// listing and the directory once.
func TestListingColdSamples(t *testing.T) {
	py, dir := listingTree(t)
	logs := t.TempDir()
	type start struct{ peer, log string }
	var started []start
	python := func(name string) *launcher {
		return &launcher{name: name, start: func(ctx context.Context, _ workload) (*peer, error) {
			logPath := filepath.Join(logs, fmt.Sprintf("%d.log", len(started)))
			started = append(started, start{name, logPath})
			return startPython(ctx, py, dir, logPath)
		}}
	}
	r := &scaleRun{
		e:      &env{docroot: dir},
		plan:   scalePlan{entries: []int{100}, coldSamples: 3},
		peers:  []string{"a", "b"},
		launch: map[string]*launcher{"a": python("a"), "b": python("b")},
	}
	s, err := r.listing(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, st := range started {
		order = append(order, st.peer)
	}
	if want := []string{"a", "b", "b", "a", "a", "b"}; !slices.Equal(order, want) {
		t.Fatalf("processes started for %v, want %v (three per peer, interleaved)", order, want)
	}
	seen := map[string]bool{}
	for i, st := range started {
		log, err := os.ReadFile(st.log)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(log), `"GET /list/100/ `)
		firstOfPeer := !seen[st.peer]
		seen[st.peer] = true
		if !strings.Contains(string(log), `"GET /list/ `) || (firstOfPeer && n < 4) || (!firstOfPeer && n != 1) {
			t.Errorf("process %d (%s) was asked for /list/100/ %d times (log:\n%s); want 4 or more in a peer's first, 1 in the others", i+1, st.peer, n, log)
		}
	}
	for _, peer := range []string{"a", "b"} {
		for _, key := range []string{"cold", "cached", "peak"} {
			if v := s.metric(key).vals[peer][0]; !(v > 0) {
				t.Errorf("%s: %s = %v, want a measurement", peer, key, v)
			}
		}
	}
}

// TestZipfScriptOffset checks that the Zipf script starts after the
// number of lines its second argument gives (modulo the list's length):
// the first request the server sees is one of the lines just after it
// (wrk may call request() once before connecting, and two connections
// race). Skipped without wrk.
func TestZipfScriptOffset(t *testing.T) {
	wrk := needWrk(t)
	dir := t.TempDir()
	list := filepath.Join(dir, "paths.txt")
	var lines []string
	for i := 1; i <= 10; i++ {
		lines = append(lines, fmt.Sprintf("/p/%02d", i))
	}
	if err := os.WriteFile(list, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := writeScript(t, dir, "zipf", zipfScript)
	for _, c := range []struct {
		offset string
		first  []string
	}{
		{"0", []string{"/p/01", "/p/02", "/p/03", "/p/04"}},
		{"5", []string{"/p/06", "/p/07", "/p/08", "/p/09"}},
		{"15", []string{"/p/06", "/p/07", "/p/08", "/p/09"}},
	} {
		// A server per run: a request of the run before that its
		// handler takes late (a loaded machine) lands in that run's
		// list, not at the head of this one's.
		var mu sync.Mutex
		var order []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			order = append(order, r.URL.Path)
			mu.Unlock()
		}))
		w := workload{conns: 2, script: script, scriptArgs: []string{list, c.offset}}
		_, _, err := runWrk(context.Background(), toolset{wrk: wrk}, wrkArgs(w, srv.URL+"/", script, time.Second), time.Second)
		srv.Close() // waits for the handlers
		if err != nil {
			t.Fatal(err)
		}
		if len(order) == 0 || !slices.Contains(c.first, order[0]) {
			t.Errorf("offset %s: first request %q, want one of %q", c.offset, order[:min(len(order), 1)], c.first)
		}
	}
}

// TestMeasureWarmsUp checks that measure runs the warm-up, with its own
// script arguments, before the measured run, against the same process.
// Python's http.server is the server; skipped without wrk.
func TestMeasureWarmsUp(t *testing.T) {
	wrk := needWrk(t)
	py, dir := listingTree(t)
	tmp := t.TempDir()
	lists := map[string]string{}
	for _, name := range []string{"a", "b"} {
		lists[name] = filepath.Join(tmp, name+".txt")
		if err := os.WriteFile(lists[name], []byte("/list/100/"+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := writeScript(t, tmp, "zipf", zipfScript)
	logPath := filepath.Join(tmp, "access.log")
	starts := 0
	l := &launcher{name: "python", start: func(ctx context.Context, _ workload) (*peer, error) {
		starts++
		return startPython(ctx, py, dir, logPath)
	}}
	w := workload{conns: 2, path: "/list/100/b", status: 200, size: -1, script: script, scriptArgs: []string{lists["b"]}, warmup: time.Second, warmupArgs: []string{lists["a"]}}
	smp, err := measure(context.Background(), l, w, &cell{}, false, script, time.Second, toolset{wrk: wrk})
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lastA, firstB, nb := -1, -1, 0
	for i, line := range strings.Split(string(log), "\n") {
		switch {
		case strings.Contains(line, `"GET /list/100/a `):
			lastA = i
		case strings.Contains(line, `"GET /list/100/b `):
			nb++
			if firstB < 0 {
				firstB = i
			}
		}
	}
	if starts != 1 || lastA < 0 || firstB < 0 || lastA > firstB {
		t.Fatalf("%d processes; warm-up requests up to line %d, measured from line %d: want one process, the warm-up first", starts, lastA, firstB)
	}
	if smp.wrk.Requests == 0 || smp.wrk.Requests > int64(nb) {
		t.Errorf("measured %d requests, the server logged %d of the measured run's", smp.wrk.Requests, nb)
	}
}

// TestWrkPointsInterleaves checks that with -scale-rounds 3 a point is
// measured against three fresh processes of each peer, the peers' rounds
// interleaved (a b, b a, a b), and that each peer's result is the median of
// its own three. Both peers are Python's http.server; skipped without wrk.
func TestWrkPointsInterleaves(t *testing.T) {
	wrk := needWrk(t)
	py, dir := listingTree(t)
	tmp := t.TempDir()
	report := writeScript(t, tmp, "report", wrkScript)
	var starts []string
	python := func(name string) *launcher {
		return &launcher{name: name, start: func(ctx context.Context, _ workload) (*peer, error) {
			starts = append(starts, name)
			return startPython(ctx, py, dir, filepath.Join(tmp, name+".log"))
		}}
	}
	r := &scaleRun{
		e:       &env{tools: toolset{wrk: wrk}},
		cfg:     config{scale: scaleConfig{rounds: 3}},
		scripts: map[string]string{"report": report},
		launch:  map[string]*launcher{"a": python("a"), "b": python("b")},
	}
	s := newSweep("t", "test", "x", formatCount, []float64{1}, []string{"a", "b"}, &metric{key: "rate", title: "throughput", unit: "req/s"})
	w := workload{key: "t", path: "/list/100/a", conns: 1, status: 200, size: 1}
	res := r.wrkPoints(context.Background(), s, []string{"a", "b"}, w, time.Second, "1")
	if want := []string{"a", "b", "b", "a", "a", "b"}; !slices.Equal(starts, want) {
		t.Errorf("processes started for %v, want %v", starts, want)
	}
	for _, name := range []string{"a", "b"} {
		pr, ok := res[name]
		if !ok || len(pr.samples) != 3 {
			t.Fatalf("%s: result %v with %d samples, want 3 (notes %q)", name, ok, len(pr.samples), s.notes)
		}
		var rates []float64
		for _, smp := range pr.samples {
			rates = append(rates, float64(smp.wrk.Requests)/smp.wrk.Duration.Seconds())
		}
		if pr.sum.rate != median(rates) {
			t.Errorf("%s: rate %v, want the median of %v", name, pr.sum.rate, rates)
		}
	}
}

// TestWrkPointsDropsFailedPeer checks that a peer that cannot start is
// noted once and left out of the later rounds and of the result, while the
// others are still measured.
func TestWrkPointsDropsFailedPeer(t *testing.T) {
	wrk := needWrk(t)
	py, dir := listingTree(t)
	tmp := t.TempDir()
	report := writeScript(t, tmp, "report", wrkScript)
	broken := 0
	r := &scaleRun{
		e:       &env{tools: toolset{wrk: wrk}},
		cfg:     config{scale: scaleConfig{rounds: 2}},
		scripts: map[string]string{"report": report},
		launch: map[string]*launcher{
			"ok": {name: "ok", start: func(ctx context.Context, _ workload) (*peer, error) {
				return startPython(ctx, py, dir, filepath.Join(tmp, "ok.log"))
			}},
			"broken": {name: "broken", start: func(context.Context, workload) (*peer, error) {
				broken++
				return nil, errors.New("no such server")
			}},
		},
	}
	s := newSweep("t", "test", "x", formatCount, []float64{1}, []string{"broken", "ok"}, &metric{key: "rate", title: "throughput", unit: "req/s"})
	w := workload{key: "t", path: "/list/100/a", conns: 1, status: 200, size: 1}
	res := r.wrkPoints(context.Background(), s, []string{"broken", "ok"}, w, time.Second, "1")
	if broken != 1 {
		t.Errorf("the broken peer was started %d times, want 1", broken)
	}
	if _, ok := res["broken"]; ok {
		t.Error("the broken peer has a result")
	}
	if pr, ok := res["ok"]; !ok || len(pr.samples) != 2 {
		t.Errorf("ok: result %v with %d samples, want 2", ok, len(pr.samples))
	}
	// A busy test machine may add notes that the runs were noisy; those
	// are not this test's business.
	notes := slices.DeleteFunc(slices.Clone(s.notes), func(n string) bool { return strings.Contains(n, ": noisy, ") })
	if len(notes) != 1 || !strings.Contains(notes[0], "no such server") {
		t.Errorf("notes %q, want one about the broken peer", s.notes)
	}
}

// TestWrkPointsDropsWrongAnswer checks that a peer whose answer fails the
// check (here a 404 where the file should be) is not measured: it has no
// result, and the note says what it answered, while a peer that answers
// rightly is measured. Both are Python's http.server; skipped without wrk.
func TestWrkPointsDropsWrongAnswer(t *testing.T) {
	wrk := needWrk(t)
	py, dir := listingTree(t)
	empty := t.TempDir()
	tmp := t.TempDir()
	report := writeScript(t, tmp, "report", wrkScript)
	python := func(name, root string) *launcher {
		return &launcher{name: name, start: func(ctx context.Context, _ workload) (*peer, error) {
			return startPython(ctx, py, root, filepath.Join(tmp, name+".log"))
		}}
	}
	r := &scaleRun{
		e:       &env{tools: toolset{wrk: wrk}},
		cfg:     config{scale: scaleConfig{rounds: 2}},
		scripts: map[string]string{"report": report},
		launch:  map[string]*launcher{"ok": python("ok", dir), "wrong": python("wrong", empty)},
	}
	s := newSweep("t", "test", "x", formatCount, []float64{1}, []string{"ok", "wrong"}, &metric{key: "rate", title: "throughput", unit: "req/s"})
	w := workload{key: "t", path: "/list/100/a", conns: 1, status: 200, size: 1}
	res := r.wrkPoints(context.Background(), s, []string{"ok", "wrong"}, w, time.Second, "1")
	if pr, ok := res["wrong"]; ok {
		t.Errorf("the peer that answered 404 has a result: %d requests/s", int(pr.sum.rate))
	}
	if pr, ok := res["ok"]; !ok || len(pr.samples) != 2 {
		t.Errorf("ok: result %v with %d samples, want 2", ok, len(pr.samples))
	}
	notes := slices.DeleteFunc(slices.Clone(s.notes), func(n string) bool { return strings.Contains(n, ": noisy, ") })
	if len(notes) != 1 || !strings.Contains(notes[0], "wrong at 1: check: status 404, want 200") {
		t.Errorf("notes %q, want one that the wrong peer answered 404", s.notes)
	}
}

// TestPeerStyles checks that every peer is drawn in a color and with a
// glyph of its own, so that no two curves of a chart look alike.
func TestPeerStyles(t *testing.T) {
	colors := map[color.Color]string{}
	glyphs := map[string]string{}
	for _, peer := range peerNames {
		st, ok := peerStyle[peer]
		if !ok || st.color == nil || st.glyph == nil {
			t.Errorf("%s has no style", peer)
			continue
		}
		if other, dup := colors[st.color]; dup {
			t.Errorf("%s and %s have the same color", peer, other)
		}
		colors[st.color] = peer
		g := fmt.Sprintf("%T", st.glyph)
		if other, dup := glyphs[g]; dup {
			t.Errorf("%s and %s have the same glyph %s", peer, other, g)
		}
		glyphs[g] = peer
	}
}

// TestSettleFixtures: every regular file under the docroot is read, in
// subdirectories too, and nothing else (a link, a directory) is counted;
// a file that cannot be read is an error, not a silent skip.
func TestSettleFixtures(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"1k.bin", "ws/000/000.bin", "ws/000/001.bin", "ws/001/000.bin", "list/100/entry-000000.txt"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("1k.bin", filepath.Join(dir, "link.bin"))
	n, err := settleFixtures(dir)
	if n != 5 || err != nil {
		t.Fatalf("settleFixtures = %d, %v; want 5 files, no error", n, err)
	}
	if os.Geteuid() != 0 { // root reads any file
		os.Chmod(filepath.Join(dir, "ws/001/000.bin"), 0)
		if _, err := settleFixtures(dir); err == nil {
			t.Error("an unreadable file: no error")
		}
	}
}

// TestPrimeFiles: the files a working-set list names are read, a name
// named again included; a name with no file is an error.
func TestPrimeFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "ws", "000"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"000.bin", "001.bin"} {
		if err := os.WriteFile(filepath.Join(dir, "ws", "000", n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := primeFiles(dir, []string{"/ws/000/001.bin", "/ws/000/000.bin", "/ws/000/001.bin"}); err != nil {
		t.Fatalf("primeFiles: %v", err)
	}
	if err := primeFiles(dir, []string{"/ws/000/000.bin", "/ws/000/002.bin"}); err == nil {
		t.Error("primeFiles of a missing file: no error")
	}
}

// TestPrimeDir: a listing's directory is read with its entries' metadata;
// a directory that is not there is an error.
func TestPrimeDir(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"entry-000000.txt", "entry-000001.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := primeDir(dir); err != nil {
		t.Fatalf("primeDir: %v", err)
	}
	if err := primeDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("primeDir of a missing directory: no error")
	}
}

// TestMeasureChecksAfter: a server that answers the check right and then,
// during the run, goes over to a wrong answer that wrk does not count as
// an error (a 200 where a 304 is expected) has its run refused, rather
// than its 200s counted as 304s. Python's http.server is the server; the
// file's mtime moves past the If-Modified-Since once the run has begun.
func TestMeasureChecksAfter(t *testing.T) {
	wrk := needWrk(t)
	py, dir := listingTree(t)
	file := filepath.Join(dir, "list", "100", "b")
	if err := os.Chtimes(file, fixtureMtime, fixtureMtime); err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-done }()
	logPath := filepath.Join(t.TempDir(), "access.log")
	l := &launcher{name: "python", start: func(ctx context.Context, _ workload) (*peer, error) {
		p, err := startPython(ctx, py, dir, logPath)
		go func() {
			defer close(done)
			// Once the log holds the check's request and one of the
			// run's, the file changes.
			for {
				if b, _ := os.ReadFile(logPath); strings.Count(string(b), `"GET /list/100/b `) >= 2 {
					now := time.Now()
					os.Chtimes(file, now, now)
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		return p, err
	}}
	w := workload{conns: 2, path: "/list/100/b", status: 304, size: -1,
		headers: []string{"If-Modified-Since: " + fixtureMtime.Add(24*time.Hour).Format(http.TimeFormat)}}
	script := writeScript(t, t.TempDir(), "report", wrkScript)
	_, err := measure(context.Background(), l, w, &cell{}, true, script, 3*time.Second, toolset{wrk: wrk})
	if err == nil || !strings.Contains(err.Error(), "after the run: check: status 200, want 304") {
		t.Errorf("measure = %v, want the run refused: after the run, status 200, want 304", err)
	}
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/tools/internal/modroot"
)

const wrkOutput = `Running 2s test @ http://127.0.0.1:37557/1k.bin
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.90ms    0.40ms   2.04ms   80.00%
    Req/Sec    76.10k     2.00k   80.00k    70.00%
  151506 requests in 2.00s, 184.23MB read
Requests/sec:  75753.00
Transfer/sec:     92.11MB
LOADBENCH requests=151506 duration_us=2000050 bytes=193180000 connect=1 read=2 write=3 status=4 timeout=5 p50_us=844 p99_us=2040 max_us=9000
`

func TestParseWrk(t *testing.T) {
	got, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{
		Requests: 151506, Duration: 2000050 * time.Microsecond, Bytes: 193180000,
		Connect: 1, Read: 2, Write: 3, Status: 4, Timeout: 5,
		P50: 844 * time.Microsecond, P99: 2040 * time.Microsecond, Max: 9 * time.Millisecond,
	}
	if got != want {
		t.Errorf("parseWrk = %+v, want %+v", got, want)
	}
	if n := got.SocketErrors(); n != 11 {
		t.Errorf("SocketErrors = %d, want 11", n)
	}
}

func TestParseWrkErrors(t *testing.T) {
	tests := []struct{ name, out, wantErr string }{
		{"no line", "Running 2s test\nRequests/sec: 1\n", "no LOADBENCH line"},
		{"missing fields", "LOADBENCH requests=1 duration_us=5\n", "2 of 11 fields"},
		{"not a number", "LOADBENCH requests=x\n", `field "requests=x"`},
		{"no equals", "LOADBENCH requests\n", "bad field"},
		{"zero duration", "LOADBENCH requests=0 duration_us=0 bytes=0 connect=0 read=0 write=0 status=0 timeout=0 p50_us=0 p99_us=0 max_us=0\n", "duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWrk(tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseWrk: err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestWrkArgs(t *testing.T) {
	w := workloads[1] // (b) Connection: close
	got := wrkArgs(w, "http://127.0.0.1:1/1k.bin", "/t/r.lua", 5*time.Second)
	want := []string{"-t1", "-c64", "-d5s", "--timeout", "5s", "-s", "/t/r.lua", "-H", "Connection: close", "http://127.0.0.1:1/1k.bin"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wrkArgs = %q, want %q", got, want)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     procCPU
		wantErr  bool
	}{
		{"plain", "1234 (nginx) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000 200",
			procCPU{user: 2500 * time.Millisecond, sys: 500 * time.Millisecond}, false},
		// the command name may contain spaces and parentheses
		{"odd comm", "77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 1 1",
			procCPU{user: 70 * time.Millisecond, sys: 30 * time.Millisecond}, false},
		{"no paren", "1234 nginx S 1", procCPU{}, true},
		{"short", "1 (x) S 1 2 3", procCPU{}, true},
		{"bad number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 3 0", procCPU{}, true},
		{"bad stime", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 7 y 0", procCPU{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseStat = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\tnginx\nVmPeak:\t   20000 kB\nVmHWM:\t    8600 kB\nVmRSS:\t    8000 kB\n"
	if got, err := parseStatusKB(status, "VmHWM"); err != nil || got != 8600*1024 {
		t.Errorf("VmHWM = %d, %v; want %d", got, err, 8600*1024)
	}
	if _, err := parseStatusKB(status, "VmSwap"); err == nil {
		t.Error("VmSwap: no error for a missing line")
	}
	if _, err := parseStatusKB("VmHWM:\t12 MB\n", "VmHWM"); err == nil {
		t.Error("VmHWM in MB: no error")
	}
}

func TestParseCPUStat(t *testing.T) {
	in := "cpu  100 5 20 818159 512 3 4 7 0 0\ncpu0 50 0 10 1 1 1 1 1 0 0\nintr 1\n"
	got, err := parseCPUStat(in)
	want := cpuStat{task: 1250 * time.Millisecond, irq: 70 * time.Millisecond, steal: 70 * time.Millisecond}
	if err != nil || got != want {
		t.Errorf("parseCPUStat = %+v, %v; want %+v", got, err, want)
	}
	if _, err := parseCPUStat("cpu0 1 2 3\n"); err == nil {
		t.Error("no aggregate line: no error")
	}
}

func TestParseServingPort(t *testing.T) {
	tests := []struct {
		line string
		want int
		ok   bool
	}{
		{"Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ...", 41234, true},
		{"Serving HTTP on :: port 8000 (http://[::]:8000/) ...", 8000, true},
		{"127.0.0.1 - - [x] \"GET / HTTP/1.1\" 200 -", 0, false},
		{"Serving HTTP on 127.0.0.1 port 99999 (x) ...", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseServingPort(tt.line)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseServingPort(%q) = %d, %v; want %d, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSelect(t *testing.T) {
	ws, err := selectWorkloads(" h, a,G")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, w := range ws {
		keys = append(keys, w.key)
	}
	if got := strings.Join(keys, ","); got != "a,g,h" {
		t.Errorf("selectWorkloads = %s, want a,g,h (canonical order)", got)
	}
	if _, err := selectWorkloads("a,z"); err == nil {
		t.Error("selectWorkloads(a,z): no error")
	}
	ps, err := selectPeers("nginx,simplehttp")
	if err != nil || !reflect.DeepEqual(ps, []string{"simplehttp", "nginx"}) {
		t.Errorf("selectPeers = %q, %v", ps, err)
	}
	if _, err := selectPeers("apache"); err == nil {
		t.Error("selectPeers(apache): no error")
	}
	if got := rotate([]string{"a", "b", "c"}, 4); !reflect.DeepEqual(got, []string{"b", "c", "a"}) {
		t.Errorf("rotate = %q", got)
	}
}

func TestParseFlagsQuick(t *testing.T) {
	cfg, err := parseFlags([]string{"-quick", "-workloads", "a,g", "-peers", "simplehttp,fileserver"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.rounds != 1 || cfg.duration != 2*time.Second || len(cfg.workloads) != 2 || len(cfg.peers) != 2 {
		t.Errorf("parseFlags(-quick ...) = %+v", cfg)
	}
	if _, err := parseFlags([]string{"-duration", "500ms"}); err == nil {
		t.Error("-duration 500ms: no error")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatRate(75753.4), "75753"},
		{formatRate(42.25), "42.2"},
		{formatLatency(844 * time.Microsecond), "844µs"},
		{formatLatency(3819 * time.Microsecond), "3.82ms"},
		{formatLatency(652 * time.Millisecond), "652.0ms"},
		{formatLatency(2500 * time.Millisecond), "2.50s"},
		{formatMicros(13100 * time.Nanosecond), "13.1"},
		{formatMicros(290 * time.Microsecond), "290"},
		{formatMiB(17406362), "16.6 MiB"},
		{formatMiB(0), "?"},
		{formatPercent(0.994), "99%"},
		{formatRatio(2, 1), "2.00x"},
		{formatRatio(0, 1), "-"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	run := func(req int64, p99ms int, srvMs int, status int64) sample {
		return sample{
			wrk:        wrkResult{Requests: req, Duration: time.Second, Bytes: req * 1024, Status: status, Read: 1, P50: time.Millisecond, P99: time.Duration(p99ms) * time.Millisecond},
			serverCPU:  time.Duration(srvMs) * time.Millisecond,
			serverUser: time.Duration(srvMs) * time.Millisecond / 5,
			clientCPU:  500 * time.Millisecond,
			rss:        req,
		}
	}
	// 10 of each run's answers are >= 400: errors, and left out of the
	// throughput and of the CPU per request.
	c := &cell{samples: []sample{run(1010, 9, 1000, 10), run(3010, 1, 950, 10), run(2010, 5, 900, 10)}}
	s := summarize(workloads[0], c)
	if s.rate != 2000 || s.p99 != 5*time.Millisecond || s.rss != 3010 {
		t.Errorf("median rate/p99, max rss = %v/%v/%v, want 2000/5ms/3010", s.rate, s.p99, s.rss)
	}
	if s.errors != 33 || s.kinds != "read 3, status>=400 30" { // 3 read errors + 30 status errors
		t.Errorf("errors = %d (%s), want 33 (read 3, status>=400 30)", s.errors, s.kinds)
	}
	if s.cpuPerReq != 475*time.Microsecond { // 2.85s / 6000 good answers
		t.Errorf("cpuPerReq = %v, want 475µs", s.cpuPerReq)
	}
	if s.userPerReq != 95*time.Microsecond { // 0.57s / 6000 good answers
		t.Errorf("userPerReq = %v, want 95µs", s.userPerReq)
	}
	if got := saturation(s); got != "server" {
		t.Errorf("saturation = %s, want server (95%%)", got)
	}
	// In (g) the >= 400 answers are the expected 404s; the others are
	// the errors, and only the 404s are counted.
	if s := summarize(workloads[6], c); s.rate != 10 || s.errors != 6003 || s.kinds != "read 3, status<400 6000" {
		t.Errorf("(g) rate %v, errors %d (%s), want 10, 6003 (read 3, status<400 6000)", s.rate, s.errors, s.kinds)
	}
	// The ceiling answers 200 to everything, in (g) too.
	ceil := run(5000, 1, 500, 0)
	ceil.expect = 200
	if s := summarize(workloads[6], &cell{samples: []sample{ceil}}); s.rate != 5000 || s.errors != 1 {
		t.Errorf("(g) ceiling rate %v, errors %d, want 5000, 1", s.rate, s.errors)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median = %v, want 2.5", got)
	}
}

func TestRenderTable(t *testing.T) {
	mk := func(req int64, srv time.Duration) *cell {
		return &cell{samples: []sample{{
			wrk:       wrkResult{Requests: req, Duration: time.Second, Bytes: req * 1100, P50: time.Millisecond, P99: 2 * time.Millisecond},
			serverCPU: srv, serverUser: srv / 4, clientCPU: 400 * time.Millisecond, rss: 10 * mib,
		}}}
	}
	res := results{"a": {
		"simplehttp": mk(20000, time.Second),
		"fileserver": mk(10000, 800*time.Millisecond),
		"nginx":      {skip: "nginx not found"},
	}}
	res["a"]["fileserver"].note = "status 500, want 200"
	res["a"]["simplehttp"].dropped = []string{"round 2: after the run: check: status 503, want 200"}
	var b strings.Builder
	renderTable(&b, workloads[:1], []string{"simplehttp", "fileserver", "nginx", "ceiling"}, res)
	want := `(a) 1 KiB file, keep-alive, 64 conns: GET /1k.bin
        peer  req/s     p50     p99  errors  CPU µs/req  of it user  srv CPU  wrk CPU  other  peak RSS  saturated  sh/peer req/s  sh/peer CPU/req
  simplehttp  20000  1.00ms  2.00ms       0        50.0        12.5     100%      40%     0%  10.0 MiB     server          1.00x            1.00x
  fileserver  10000  1.00ms  2.00ms       0        80.0        20.0      80%      40%     0%  10.0 MiB    neither          2.00x            0.62x
       nginx      -       -       -       -           -           -        -        -      -         -          -              -                -
  note: simplehttp: a run left out: round 2: after the run: check: status 503, want 200
  note: fileserver: status 500, want 200
  note: nginx: skipped: nginx not found
`
	if got := b.String(); got != want {
		t.Errorf("renderTable:\n%s\nwant:\n%s", got, want)
	}
}

func TestNginxConfig(t *testing.T) {
	conf := nginxConfig("/t/nginx", "/t/www", "", 8080, "", false)
	for _, want := range []string{"daemon off;", "master_process off;", "listen 127.0.0.1:8080;", "root /t/www;",
		"access_log /t/nginx/access.log;", "if_modified_since before;", "autoindex on;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx config lacks %q:\n%s", want, conf)
		}
	}
	if strings.Contains(conf, "gzip") {
		t.Errorf("nginx config compresses outside the asset workloads:\n%s", conf)
	}
	if conf := nginxConfig("/t/nginx", "/t/www", "", 8080, "precompressed", false); !strings.Contains(conf, "gzip_static on;") {
		t.Errorf("(i): no gzip_static:\n%s", conf)
	}
	if conf := nginxConfig("/t/nginx", "/t/www", "", 8080, "compress", false); !strings.Contains(conf, "gzip on;") {
		t.Errorf("(j): no gzip:\n%s", conf)
	}
}

func TestCaddyConfig(t *testing.T) {
	conf := caddyConfig("/t/caddy", "/t/www", 8080, "")
	for _, want := range []string{"admin off", "auto_https off", "http://127.0.0.1:8080 {", "root * /t/www", "output file /t/caddy/access.log", "file_server browse"} {
		if !strings.Contains(conf, want) {
			t.Errorf("Caddyfile lacks %q:\n%s", want, conf)
		}
	}
	if conf := caddyConfig("/t/caddy", "/t/www", 8080, "precompressed"); !strings.Contains(conf, "precompressed br gzip") {
		t.Errorf("(i): not precompressed:\n%s", conf)
	}
	if conf := caddyConfig("/t/caddy", "/t/www", 8080, "compress"); !strings.Contains(conf, "encode zstd gzip") {
		t.Errorf("(j): no encode:\n%s", conf)
	}
}

func TestRenderTargets(t *testing.T) {
	mk := func(req int64, srv time.Duration, rss int64) *cell {
		return &cell{samples: []sample{{
			wrk:       wrkResult{Requests: req, Duration: time.Second, Bytes: req * mib, P50: time.Millisecond, P99: 2 * time.Millisecond},
			serverCPU: srv, rss: rss,
		}}}
	}
	res := results{
		"a": {"simplehttp": mk(30000, time.Second, mib), "nginx": mk(40000, time.Second, mib), "python": mk(2000, time.Second, mib), "ceiling": mk(36000, time.Second, mib)},
		"c": {"simplehttp": mk(100, 500*time.Millisecond, mib), "fileserver": mk(100, 600*time.Millisecond, mib)},
		"f": {"simplehttp": mk(80, time.Second, 90*mib), "fileserver": mk(40, time.Second, 80*mib)},
		"g": {"simplehttp": mk(30000, time.Second, mib)}, // no nginx run: no line
		// Selected but not measured: nginx failed its check; simplehttp did.
		"h": {"simplehttp": mk(30000, time.Second, mib), "nginx": {skip: "check: status 200, want 304"}},
		"e": {"simplehttp": {skip: "check: status 404, want 200"}, "fileserver": mk(100, time.Second, mib)},
		"m": {"simplehttp": mk(500, time.Second, mib), "nginx": mk(400, time.Second, mib), "python": mk(50, time.Second, mib)},
		// simplehttp ran but completed no request (all timed out).
		"b": {"simplehttp": mk(0, time.Second, mib), "fileserver": mk(100, time.Second, mib)},
		// simplehttp answered every request 503, cheaply: no CPU target
		// is met by failing.
		"d": {"simplehttp": mk(100, 10*time.Millisecond, mib), "fileserver": mk(100, 600*time.Millisecond, mib)},
	}
	res["d"]["simplehttp"].samples[0].wrk.Status = 100
	var b strings.Builder
	renderTargets(&b, workloads, res)
	want := `Targets (simplehttp / peer, same run):
  (a)  req/s >= 1x nginx          0.75x   MISSED
  (b)  req/s >= 1.2x fileserver   -       MISSED
  (c)  CPU/req <= 1x fileserver   0.83x   met
  (d)  CPU/req <= 1x fileserver   -       MISSED
  (e)  req/s >= 1x fileserver     -       MISSED: simplehttp not measured
  (f)  req/s >= 1x fileserver     2.00x   met
  (f)  peak RSS <= 1x fileserver  1.12x   MISSED
  (h)  req/s >= 1x nginx          -       ?: nginx not measured
  (a)  req/s >= 0.85x ceiling     0.83x   MISSED
  (a)  req/s >= 10x python        15.00x  met
  (m)  req/s >= 5x python         10.00x  met
  (m)  req/s >= 1x nginx          1.25x   met
`
	if got := b.String(); got != want {
		t.Errorf("renderTargets:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseFlagsArchive(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{nil, 1024},
		{[]string{"-quick"}, 64},
		{[]string{"-workloads", "a"}, 0},
		{[]string{"-workloads", "a", "-archive-mib", "16"}, 16},
		{[]string{"-archive-mib", "0"}, 0},
	} {
		cfg, err := parseFlags(tt.args)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.archiveMiB != tt.want {
			t.Errorf("parseFlags(%q): archive tree of %d MiB, want %d", tt.args, cfg.archiveMiB, tt.want)
		}
	}
}

// TestArchiveTree checks the tree of the archive comparison: its size,
// and text that gzip compresses as text, not as a repeated block.
func TestArchiveTree(t *testing.T) {
	dir := t.TempDir()
	files, dirs, err := makeArchiveTree(dir, 4*mib)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fi, _ := d.Info()
			total += fi.Size()
		}
		return err
	})
	if files != 51+3 || dirs != 1 || total != 51*16*kib+3*mib {
		t.Errorf("%d files, %d dirs, %d bytes; want 54, 1, %d", files, dirs, total, 51*16*kib+3*mib)
	}
	gz, err := encodeGzip(text(1, mib), 6)
	if err != nil {
		t.Fatal(err)
	}
	if ratio := float64(mib) / float64(len(gz)); ratio < 2 || ratio > 6 {
		t.Errorf("the text compresses %.1f times with gzip -6, want 2 to 6 as prose does", ratio)
	}
}

// TestBenchToolsInstallsEach runs `make bench-tools` as root with no wrk
// or caddy, against an apt-get that knows no caddy (as on a release
// without it): wrk must still be installed, and only caddy named as
// missing. The PATH holds only stubs of id and apt-get.
func TestBenchToolsInstallsEach(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make not found")
	}
	root, err := modroot.Library()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	log := filepath.Join(bin, "apt.log")
	stubs := map[string]string{
		"id": "#!/bin/sh\necho 0\n",
		"apt-get": "#!/bin/sh\necho \"$*\" >>" + log + "\n" +
			"case \" $* \" in *\" caddy \"*) echo 'E: Unable to locate package caddy' >&2; exit 100;; esac\n",
	}
	for name, text := range stubs {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(mk, "-s", "--no-print-directory", "-C", root, "bench-tools", "GO=false")
	cmd.Env = []string{"PATH=" + bin, "HOME=" + bin}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make bench-tools: %v\n%s", err, out)
	}
	calls, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("apt-get never ran: %v\n%s", err, out)
	}
	if !strings.Contains(string(calls), "install -y --no-install-recommends wrk\n") {
		t.Errorf("wrk not installed on its own; apt-get calls:\n%s\noutput:\n%s", calls, out)
	}
	if !strings.Contains(string(out), "bench: could not install caddy;") {
		t.Errorf("output does not name caddy, and caddy alone, as not installed:\n%s", out)
	}
}

// MiB/s counts the bodies, not the headers wrk's byte count also holds:
// at 1 KiB a header of 250 bytes would add a quarter, and more for a peer
// that sends more header fields.
func TestRateBodyBytes(t *testing.T) {
	w := workload{key: "filesize", status: 200, size: kib, mibps: true}
	x := sample{wrk: wrkResult{Requests: 2048, Bytes: 2048 * (kib + 250), Duration: time.Second}, header: 250}
	if got, _ := w.rateOf(x); got != 2 {
		t.Errorf("rate of 2048 answers of 1 KiB in 1s = %v MiB/s, want 2", got)
	}
	// With wrong answers in the run, only the complete right bodies count.
	x.wrk.Status = 48
	if got, _ := w.rateOf(x); got != 2000.0/1024 {
		t.Errorf("rate of 2000 right answers of 1 KiB in 1s = %v MiB/s, want %v", got, 2000.0/1024)
	}
}

// headerLength measures the status line and header fields exactly, on a
// request sent as wrk sends it, and refuses a chunked answer.
func TestHeaderLength(t *testing.T) {
	const head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Padding: 0123456789\r\n\r\n"
	for _, c := range []struct {
		answer string
		want   int64
		err    string
	}{
		{head + "hello", int64(len(head)), ""},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0, "no Content-Length"},
		{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 0, "status 503, want 200"},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				got <- err.Error()
				return
			}
			defer conn.Close()
			req, _ := http.ReadRequest(bufio.NewReader(conn))
			if req != nil {
				got <- req.Method + " " + req.RequestURI + " " + req.Host + " " + req.Header.Get("Accept-Encoding")
			}
			io.WriteString(conn, c.answer)
		}()
		p := &peer{port: ln.Addr().(*net.TCPAddr).Port}
		w := workload{path: "/1k.bin", status: 200, headers: []string{"Accept-Encoding: br"}}
		n, err := headerLength(context.Background(), p, w)
		ln.Close()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("answer %q: error %v, want one saying %q", c.answer, err, c.err)
			}
			continue
		}
		if err != nil || n != c.want {
			t.Errorf("answer %q: %d, %v; want %d", c.answer, n, err, c.want)
		}
		if req, want := <-got, fmt.Sprintf("GET /1k.bin 127.0.0.1:%d br", p.port); req != want {
			t.Errorf("request %q, want %q", req, want)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const putOutput = `putclient: first failure: PUT http://127.0.0.1:1/upload/run001/0-0.bin: 409 Conflict: "File exists"
LOADBENCH-PUT requests=12 bytes=11534336 duration_us=2000000 ok=11 failed=1 errors=0 p50_us=1500 p99_us=9000 cpu_us=40000 user_us=10000
`

func TestParsePut(t *testing.T) {
	got, err := parsePut(putOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := putResult{Requests: 12, Bytes: 11 * mib, Duration: 2 * time.Second, OK: 11, Failed: 1,
		P50: 1500 * time.Microsecond, P99: 9 * time.Millisecond, CPU: 40 * time.Millisecond, User: 10 * time.Millisecond}
	if got != want {
		t.Errorf("parsePut = %+v, want %+v", got, want)
	}
	if f := firstFailure(putOutput); f != `PUT http://127.0.0.1:1/upload/run001/0-0.bin: 409 Conflict: "File exists"` {
		t.Errorf("firstFailure = %q", f)
	}
	for _, bad := range []string{
		"",
		"LOADBENCH-PUT requests=1",
		"LOADBENCH-PUT requests=x bytes=0 duration_us=1 ok=0 failed=0 errors=0 p50_us=0 p99_us=0 cpu_us=0 user_us=0",
		"LOADBENCH-PUT requests=1 bytes=0 duration_us=0 ok=0 failed=0 errors=0 p50_us=0 p99_us=0 cpu_us=0 user_us=0",
		"LOADBENCH-PUT requests=1 junk",
	} {
		if _, err := parsePut(bad); err == nil {
			t.Errorf("parsePut(%q): no error", bad)
		}
	}
}

func TestPutArgs(t *testing.T) {
	sizes := uploadSizes(false)
	if got, want := putArgs("/s/1m.bin", sizes[0], 5*time.Second), []string{"-src", "/s/1m.bin", "-conns", "16", "-duration", "5s"}; !reflect.DeepEqual(got, want) {
		t.Errorf("1 MiB: %q, want %q", got, want)
	}
	if got, want := putArgs("/s/100m.bin", sizes[1], 5*time.Second), []string{"-src", "/s/100m.bin", "-conns", "1", "-count", "5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("100 MiB: %q, want %q", got, want)
	}
	if q := uploadSizes(true); q[1].count != 2 || q[0].count != 0 {
		t.Errorf("-quick sizes = %+v: want two 100 MiB bodies, 1 MiB for the duration", q)
	}
}

func TestUploadWorkloadPeers(t *testing.T) {
	ws, err := selectWorkloads("a,l")
	if err != nil {
		t.Fatal(err)
	}
	rest, up := splitUpload(ws)
	if up == nil || up.key != "l" || len(rest) != 1 || rest[0].key != "a" {
		t.Fatalf("splitUpload(a,l) = %v, %v", rest, up)
	}
	for peer, want := range map[string]bool{"simplehttp": true, "nginx": true, "rclone": true, "ceiling": true, "fileserver": false, "python": false, "caddy": false} {
		if got := up.runsOn(peer); got != want {
			t.Errorf("(l) runsOn(%s) = %v, want %v", peer, got, want)
		}
	}
	if rest[0].runsOn("rclone") || runsAny(rest, "rclone") {
		t.Error("rclone runs a wrk workload")
	}
	if !runsAny(ws, "rclone") || runsAny(ws, "fileserver") == false {
		t.Error("runsAny(a,l): rclone should run (l), fileserver (a)")
	}
	if conf := nginxConfig("/t/nginx", "/t/www", "", 8080, "upload", false); !strings.Contains(conf, "dav_methods PUT;") || !strings.Contains(conf, "client_max_body_size 200m;") {
		t.Errorf("(l): no dav PUT:\n%s", conf)
	}
	if conf := nginxConfig("/t/nginx", "/t/www", "", 8080, "", false); strings.Contains(conf, "dav_methods") {
		t.Errorf("nginx takes PUT outside the upload workload:\n%s", conf)
	}
}

// upRun is one run storing n bodies of size bytes in a second, with srv of
// server CPU.
func upRun(size, n int64, srv time.Duration) sample {
	r := putResult{Requests: n, Bytes: n * size, Duration: time.Second, OK: n, P50: time.Millisecond, P99: 3 * time.Millisecond}
	return sample{wrk: r.asSample(), serverCPU: srv, serverUser: srv / 10, clientCPU: 200 * time.Millisecond, rss: 12 * mib}
}

func TestSummarizeUpload(t *testing.T) {
	big := uploadSize{label: "100 MiB", size: 100 * mib, conns: 1, count: 3}
	c := &cell{samples: []sample{upRun(100*mib, 4, 200*time.Millisecond), upRun(100*mib, 6, 300*time.Millisecond)}}
	// Two more answers, that were not 201: errors, and neither bodies
	// nor requests of the throughput and the CPU per MiB.
	c.samples[1].wrk = putResult{Requests: 8, Bytes: 6 * 100 * mib, Duration: time.Second, OK: 6, Failed: 2,
		P50: time.Millisecond, P99: 3 * time.Millisecond}.asSample()
	s := summarizeUpload(big, c)
	if s.rate != 500 || s.rps != 5 { // median of 400 and 600 MiB/s
		t.Errorf("rate, rps = %v, %v; want 500 MiB/s, 5/s", s.rate, s.rps)
	}
	if s.cpuPerMiB != 500*time.Microsecond || s.userPerMiB != 50*time.Microsecond { // 0.5s over 1000 MiB
		t.Errorf("CPU per MiB = %v (user %v), want 500µs (50µs)", s.cpuPerMiB, s.userPerMiB)
	}
	if s.errors != 2 {
		t.Errorf("errors = %d, want 2", s.errors)
	}
}

func TestRenderUploads(t *testing.T) {
	sizes := []uploadSize{{label: "1 MiB", size: mib, conns: 16}, {label: "100 MiB", size: 100 * mib, conns: 1, count: 3}}
	cp := upRun(mib, 500, 500*time.Millisecond)
	cp.clientCPU, cp.rss = 0, 0
	res := results{
		"1 MiB": {
			"cp":         {samples: []sample{cp}},
			"simplehttp": {samples: []sample{upRun(mib, 400, 600*time.Millisecond)}},
			"nginx":      {samples: []sample{upRun(mib, 500, 900*time.Millisecond)}},
			"rclone":     {skip: "rclone not found"},
		},
		"100 MiB": {
			"cp":         {samples: []sample{upRun(100*mib, 6, 200*time.Millisecond)}},
			"simplehttp": {samples: []sample{upRun(100*mib, 5, 400*time.Millisecond)}, note: "first failure: boom"},
		},
	}
	var b strings.Builder
	renderUploads(&b, sizes, []string{"simplehttp", "nginx", "rclone"}, 2*time.Second, res)
	want := `(l) uploads: PUT to a new name each time, each answered 201 Created, into a fresh directory of the docroot
  cp: the same bytes copied by putclient -copy on the server core: read(2)/write(2) through 256 KiB into a new file, fsync, close
  1 MiB bodies, 16 conns for 2s (cp: the same bytes, as many copies as the run lasts, as many at once)
        peer  MiB/s  req/s     p50     p99  errors  CPU µs/MiB  of it user  srv CPU  client CPU  other  peak RSS  saturated  CPU/MiB vs cp  sh/peer MiB/s
          cp    500    500  1.00ms  3.00ms       0        1000         100      50%           -     0%         -    neither          1.00x          0.80x
  simplehttp    400    400  1.00ms  3.00ms       0        1500         150      60%         20%     0%  12.0 MiB    neither          1.50x          1.00x
       nginx    500    500  1.00ms  3.00ms       0        1800         180      90%         20%     0%  12.0 MiB     server          1.80x          0.80x
      rclone      -      -       -       -       -           -           -        -           -      -         -          -              -              -
    note: rclone: skipped: rclone not found
  100 MiB bodies, 3, one after the other (cp: the same bytes, as many copies as the run lasts, as many at once)
        peer  MiB/s  req/s     p50     p99  errors  CPU µs/MiB  of it user  srv CPU  client CPU  other  peak RSS  saturated  CPU/MiB vs cp  sh/peer MiB/s
          cp    600    6.0  1.00ms  3.00ms       0         333        33.3      20%           -     0%         -    neither          1.00x          0.83x
  simplehttp    500    5.0  1.00ms  3.00ms       0         800        80.0      40%         20%     0%  12.0 MiB    neither          2.40x          1.00x
    note: simplehttp: first failure: boom
`
	if got := b.String(); got != want {
		t.Errorf("renderUploads:\n%s\nwant:\n%s", got, want)
	}

	b.Reset()
	renderUploadTargets(&b, sizes, res)
	want = `  (l)  1 MiB PUT: CPU/MiB <= 1.5x cp    1.50x  met
  (l)  100 MiB PUT: CPU/MiB <= 1.5x cp  2.40x  MISSED
`
	if got := b.String(); got != want {
		t.Errorf("renderUploadTargets:\n%s\nwant:\n%s", got, want)
	}
	b.Reset()
	delete(res["100 MiB"], "cp")
	renderUploadTargets(&b, sizes, res)
	if got := b.String(); strings.Contains(got, "100 MiB") {
		t.Errorf("a target without its cp run: %q", got)
	}
	// simplehttp ran, but no PUT stored its body: missed, not undecided.
	b.Reset()
	failed := putResult{Requests: 50, Duration: time.Second, Failed: 50}
	res["1 MiB"]["simplehttp"] = &cell{samples: []sample{{wrk: failed.asSample(), serverCPU: 10 * time.Millisecond}}}
	renderUploadTargets(&b, sizes, res)
	if got, want := b.String(), "  (l)  1 MiB PUT: CPU/MiB <= 1.5x cp  -  MISSED\n"; got != want {
		t.Errorf("renderUploadTargets, every PUT failed:\n%q\nwant:\n%q", got, want)
	}
	// simplehttp selected but with no run to show: missed, not left out.
	b.Reset()
	res["1 MiB"]["simplehttp"] = &cell{skip: "check: status 405, want 201"}
	renderUploadTargets(&b, sizes, res)
	if got, want := b.String(), "  (l)  1 MiB PUT: CPU/MiB <= 1.5x cp  -  MISSED: simplehttp not measured\n"; got != want {
		t.Errorf("renderUploadTargets without simplehttp's run:\n%q\nwant:\n%q", got, want)
	}
}

// A 201 counts only if the file is in the directory with the bytes sent:
// a short file and one with other bytes are failures, and the run's
// MiB/s and CPU per MiB are those of the bodies that landed.
func TestVerifyUploads(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src.bin")
	body := bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KiB
	other := bytes.Repeat([]byte("fedcba9876543210"), 64)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"src": body, "0-0.bin": body, "0-1.bin": body[:512], "1-0.bin": other, "1-1.bin": body} {
		p := filepath.Join(dir, name)
		if name == "src" {
			p = src
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	landed, bad, err := verifyUploads(dir, src, kib)
	if err != nil || landed != 2 || bad != "0-1.bin: 512 bytes, want 1024" {
		t.Errorf("verifyUploads = %d, %q, %v; want 2, the short file named", landed, bad, err)
	}
	r := putResult{Requests: 4, Bytes: 4 * kib, Duration: time.Second, OK: 4}
	if missing := r.keepLanded(landed, kib); missing != 2 {
		t.Errorf("keepLanded = %d, want 2", missing)
	}
	s := summarizeUpload(uploadSize{size: kib}, &cell{samples: []sample{{wrk: r.asSample(), serverCPU: time.Millisecond}}})
	if s.rps != 2 || s.errors != 2 {
		t.Errorf("after the check: %v uploads/s, %d errors; want 2 and 2", s.rps, s.errors)
	}
}

// liarServer answers every PUT 201 Created and stores nothing.
const liarServer = `import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_PUT(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print("Serving HTTP on 127.0.0.1 port %d (liar)" % s.server_address[1], flush=True)
s.serve_forever()
`

// TestUploadMeasureChecksDisk: a server that answers 201 without storing
// the body has no upload counted, and the note says why.
func TestUploadMeasureChecksDisk(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found (.ci/run installs it)")
	}
	tmp := t.TempDir()
	e := &env{tmp: tmp, docroot: filepath.Join(tmp, "www"), tools: toolset{goCmd: "go"}}
	client, err := e.goBuild(context.Background(), ".", "./putclient", "putclient")
	if err != nil {
		t.Fatal(err)
	}
	u := &uploadBench{e: e, client: client, srcDir: filepath.Join(tmp, "src"), dataDir: filepath.Join(e.docroot, "upload"),
		launchers: map[string]*launcher{"liar": {name: "liar", start: func(ctx context.Context, _ workload) (*peer, error) {
			return startPeer(ctx, toolset{}, "liar", "liar", []string{py, "-u", "-c", liarServer}, nil, filepath.Join(tmp, "liar.log"), 0)
		}}}}
	for _, d := range []string{u.srcDir, u.dataDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	size := uploadSize{label: "1 KiB", file: "1k.bin", size: kib, conns: 1, count: 3}
	if err := writeFixture(filepath.Join(u.srcDir, size.file), kib); err != nil {
		t.Fatal(err)
	}
	x, first, err := u.measure(context.Background(), "liar", size, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s := summarizeUpload(size, &cell{samples: []sample{x}})
	if s.rps != 0 || s.errors != 3 || !strings.Contains(first, "3 bodies answered 201 are not in the directory as sent") {
		t.Errorf("liar: %v uploads/s, %d errors, note %q; want 0, 3 and a note on the missing bodies", s.rps, s.errors, first)
	}
}

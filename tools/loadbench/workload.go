package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fixtureMtime is the modification time of every fixture file. The 304
// workload sends an If-Modified-Since one day later.
var fixtureMtime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// A workload is one wrk run shape: a path, extra request headers, the
// number of connections and the status every response should have.
type workload struct {
	key     string // "a".."m"
	title   string
	path    string
	headers []string // "Name: value", passed to wrk as -H
	conns   int
	timeout time.Duration // wrk --timeout; a response slower than this is an error
	status  int           // the status a correct server answers
	size    int64         // body length for file workloads, else -1
	mibps   bool          // report MiB/s rather than req/s
	ceiling bool          // whether the 1 KiB ceiling server is a meaningful bound (small responses only)
	// asset is how a static-assets workload's peers are configured:
	// "precompressed" (a .br and a .gz copy beside the file: simplehttp
	// --precompressed, Caddy's precompressed, nginx's gzip_static) or
	// "compress" (simplehttp --compress, Caddy's encode, nginx's gzip,
	// http.FileServer behind chi's middleware.Compress); "" otherwise.
	// Python and the ceiling have neither and sit these out. "upload"
	// marks the upload workload (simplehttp --upload, nginx's dav PUT),
	// which putclient drives rather than wrk (upload.go); only the
	// peers that take uploads run it.
	asset string
	// scale marks the runs of the scaling sweeps (-scale): nginx is then
	// set up for 10,000 connections.
	scale bool
	// script is the wrk Lua script for this workload, "" for the
	// reporting one every workload uses; scriptArgs follow the URL on
	// wrk's command line, where the script's init reads them.
	script     string
	scriptArgs []string
	// client, if set, takes wrk's place: the command line of a client of
	// ours (rateclient) without its -url, which measure appends. It
	// prints wrk's summary line; script and scriptArgs are not used.
	client []string
	// warmup, if not zero, is how long wrk runs against the fresh server
	// before the measured run, with warmupArgs in place of scriptArgs:
	// the server's caches then hold what they hold in steady state.
	warmup     time.Duration
	warmupArgs []string
	// rich runs simplehttp with --listing rich (its table with sizes,
	// times, sorting and breadcrumbs); every other peer serves its own
	// listing as in (f): Caddy's browse template, nginx's autoindex,
	// Python's list, http.FileServer's.
	rich bool
}

const (
	kib = 1 << 10
	mib = 1 << 20
)

// workloads are the workloads, in table order.
var workloads = []workload{
	{key: "a", title: "1 KiB file, keep-alive, 64 conns", path: "/1k.bin", conns: 64, status: 200, size: kib, ceiling: true},
	{key: "b", title: "1 KiB file, Connection: close, 64 conns", path: "/1k.bin", headers: []string{"Connection: close"}, conns: 64, status: 200, size: kib, ceiling: true},
	{key: "c", title: "1 MiB file, keep-alive, 16 conns", path: "/1m.bin", conns: 16, status: 200, size: mib, mibps: true},
	{key: "d", title: "100 MiB file, keep-alive, 4 conns", path: "/100m.bin", conns: 4, timeout: 30 * time.Second, status: 200, size: 100 * mib, mibps: true},
	{key: "e", title: "listing of 1,000 entries, 64 conns", path: "/list1000/", conns: 64, timeout: 10 * time.Second, status: 200, size: -1},
	{key: "f", title: "listing of 10,000 entries, 64 conns", path: "/list10000/", conns: 64, timeout: 10 * time.Second, status: 200, size: -1},
	{key: "g", title: "404 Not Found, 64 conns", path: "/no-such-file", conns: 64, status: 404, size: -1, ceiling: true},
	{key: "h", title: "If-Modified-Since -> 304, 64 conns", path: "/1k.bin", headers: []string{"If-Modified-Since: " + fixtureMtime.Add(24*time.Hour).Format(http.TimeFormat)}, conns: 64, status: 304, size: -1, ceiling: true},
	{key: "i", title: "100 KiB JavaScript with a .br copy, Accept-Encoding: br, gzip, 64 conns", path: "/app.js", headers: []string{"Accept-Encoding: br, gzip"}, conns: 64, status: 200, size: -1, asset: "precompressed"},
	{key: "j", title: "100 KiB JavaScript compressed by the server, Accept-Encoding: br, gzip, 64 conns", path: "/plain.js", headers: []string{"Accept-Encoding: br, gzip"}, conns: 64, status: 200, size: -1, asset: "compress"},
	{key: "k", title: "listing of 1,000 entries compressed, Accept-Encoding: br, gzip, 64 conns", path: "/list1000/", headers: []string{"Accept-Encoding: br, gzip"}, conns: 64, timeout: 10 * time.Second, status: 200, size: -1, asset: "compress"},
	{key: "l", title: "uploads: PUT of 1 MiB bodies (16 conns) and of 100 MiB bodies (one at a time)", path: "/", status: 201, size: -1, asset: "upload"},
	{key: "m", title: "rich listing of 10,000 entries (simplehttp --listing rich), 64 conns", path: "/list10000/", conns: 64, timeout: 10 * time.Second, status: 200, size: -1, rich: true},
}

// runsOn reports whether peer takes part in workload w.
func (w workload) runsOn(peer string) bool {
	if w.asset == "upload" || peer == "rclone" {
		return w.asset == "upload" && isUploadPeer(peer)
	}
	switch peer {
	case "ceiling":
		return w.ceiling
	case "python":
		return w.asset == ""
	}
	return true
}

// selectWorkloads returns the workloads named in list ("a,g,h"; "" or
// "all" means all of them), in the canonical order.
func selectWorkloads(list string) ([]workload, error) {
	if list == "" || list == "all" {
		return workloads, nil
	}
	want := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		found := false
		for _, w := range workloads {
			if w.key == k {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown workload %q (want a subset of %s)", k, workloadKeys())
		}
		want[k] = true
	}
	var out []workload
	for _, w := range workloads {
		if want[w.key] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no workload selected")
	}
	return out, nil
}

// makeDocroot writes the files the workloads request under dir, only those
// the selected workloads need.
func makeDocroot(dir string, ws []workload) error {
	need := map[string]bool{}
	for _, w := range ws {
		need[w.path] = true
	}
	files := []struct {
		path string
		size int
	}{{"/1k.bin", kib}, {"/1m.bin", mib}, {"/100m.bin", 100 * mib}}
	for _, f := range files {
		if !need[f.path] {
			continue
		}
		if err := writeFixture(filepath.Join(dir, f.path[1:]), f.size); err != nil {
			return err
		}
	}
	if need["/app.js"] || need["/plain.js"] {
		if err := writeAssets(dir); err != nil {
			return err
		}
	}
	for _, n := range []int{1000, 10000} {
		p := fmt.Sprintf("/list%d/", n)
		if !need[p] {
			continue
		}
		sub := filepath.Join(dir, p[1:len(p)-1])
		if err := os.Mkdir(sub, 0o755); err != nil {
			return err
		}
		for i := range n {
			if err := writeFixture(filepath.Join(sub, fmt.Sprintf("entry-%05d.txt", i)), 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeFixture(name string, size int) error {
	block := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	for left := size; left > 0; {
		n := min(left, len(block))
		if _, err := f.Write(block[:n]); err != nil {
			f.Close()
			return err
		}
		left -= n
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chtimes(name, fixtureMtime, fixtureMtime)
}

// jsFixture is 100 KiB of JavaScript that compresses as a real bundle
// does: repetitive structure, varied names and numbers.
func jsFixture() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 100*kib; i++ {
		fmt.Fprintf(&b, "export function handler%d(event, ctx) {\n  const value = ctx.values[%d] ?? %d;\n"+
			"  if (event.type === 'click-%d') { return render(value * %d, 'item-%x'); }\n  return null;\n}\n",
			i, i%97, i*31%1000, i%13, i%7+1, i*2654435761%65536)
	}
	return b.Bytes()[:100*kib]
}

// writeAssets writes app.js with its .br and .gz copies (for (i)) and
// plain.js without (for (j)), the same content.
func writeAssets(dir string) error {
	js := jsFixture()
	br, err := encodeBrotli(js, 11)
	if err != nil {
		return err
	}
	gz, err := encodeGzip(js, 9)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"app.js": js, "app.js.br": br, "app.js.gz": gz, "plain.js": js} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		if err := os.Chtimes(p, fixtureMtime, fixtureMtime); err != nil {
			return err
		}
	}
	return nil
}

// workloadKeys lists the workloads' keys: "a,b,c,...".
func workloadKeys() string {
	keys := make([]string, len(workloads))
	for i, w := range workloads {
		keys[i] = w.key
	}
	return strings.Join(keys, ",")
}

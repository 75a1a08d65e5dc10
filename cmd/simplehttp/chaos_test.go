//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/proctest"
)

// chaosDuration is how long TestChaos sends its requests: a couple of
// seconds in `make test`, longer with `make chaos` (go test -race -run
// TestChaos ./cmd/simplehttp -chaos=1m).
var chaosDuration = flag.Duration("chaos", 2*time.Second, "how long TestChaos drives the server")

// TestChaos runs the whole command in this process with every feature on
// (over HTTPS, with HTTP/2 and HTTP/1.1 clients, and over HTTP; uploads, archives, compression, precompressed copies, the rich
// listing, authentication, CGI, Cache-Control, -H, the JSON log in a
// --log-file rotated meanwhile, and a cache small enough to evict), sends
// it a mix of every kind of request from many goroutines at once while
// another goroutine creates, rewrites, renames and removes files and
// directories under it, and other clients give up midway, then stops it
// with requests in flight.
// Meanwhile the HTTPS server's certificate is renewed (--tls-reload) in
// every way renewals change its files, while clients make new
// connections; editors PUT their edits of one file with If-Match; the
// budgets of archives and listings refuse all but a lone request.
// Run with -race, it finds the data races between requests, the cache
// and the tree; it also checks that every response is well formed (an
// expected status, as many bytes as its Content-Length says, a
// compressed file, an archive or a JSON listing that reads as one), that
// every handshake gets one of the certificates installed and the log
// says nothing for each, that no accepted edit was based on a version
// another had replaced, that nothing stays charged to the budgets, and
// that once the server is gone no goroutine and no descriptor is left.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no chaos run")
	}
	root := publicDir(t)
	big := strings.Repeat("0123456789abcdef", 8<<10) // 128 KiB: past the cache, sent with sendfile
	text := chaosText
	for name, content := range map[string]string{
		"a.txt":              "plain text\n",
		"text.txt":           text,
		"style.css":          text,
		"app.3f9a2c1b.js":    text,
		"big.bin":            big,
		"d/one.txt":          "one\n",
		"d/sub/two.txt":      "two\n",
		"d/index-less.json":  "{\"k\": 1}\n",
		"churn/seed.txt":     "seed\n",
		"cgi-bin/.keep":      "",
		"spa/index.html":     "<!doctype html><title>spa</title>\n",
		"many/.keep":         "",
		"precomp/p.txt":      text,
		"precomp/p.txt.gz":   "not really gzip, but served as such",
		"precomp/p.txt.br":   "not really br",
		"precomp/p.txt.zst":  "not really zstd",
		"upload/.keep":       "",
		"upload/sub/.keep":   "",
		"churn/dir/file.txt": "in a directory that goes away\n",
		"edit/e0.txt":        "the first version of e0\n",
		"edit/e1.txt":        "the first version of e1\n",
	} {
		writeFile(t, filepath.Join(root, filepath.FromSlash(name)), content)
	}
	for i := range 64 {
		// More than the small cache below holds: it evicts.
		writeFile(t, filepath.Join(root, "many", fmt.Sprintf("f%02d.txt", i)), strings.Repeat(strconv.Itoa(i), 2000))
	}
	writeScript(t, filepath.Join(root, "cgi-bin", "hello.sh"), "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nhello %s\\n' \"$QUERY_STRING\"\n")
	writeScript(t, filepath.Join(root, "cgi-bin", "echo.sh"), "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\n\\n'\nexec cat\n")

	// A cache small enough to evict, and to admit a file, a compressed
	// copy or a listing only when it is asked for again; budgets of
	// archives and listings that refuse all but a lone request; files
	// edited in place; the certificate looked at by every handshake.
	oldCache, oldArchive, oldListing, oldOverwrite, oldInterval := cacheMaxBytes, archiveBudget, listingBudget, uploadOverwrite, certCheckInterval
	cacheMaxBytes, archiveBudget, listingBudget, uploadOverwrite, certCheckInterval = 32<<10, 1, 100, true, 0
	t.Cleanup(func() {
		cacheMaxBytes, archiveBudget, listingBudget, uploadOverwrite, certCheckInterval = oldCache, oldArchive, oldListing, oldOverwrite, oldInterval
	})

	goroutinesBefore, _ := goroutines()
	fdsBefore := openFiles(t)

	// Two servers of the same tree: HTTPS, which HTTP/2 clients reach,
	// and plain HTTP, where files go out with sendfile.
	certs := newChaosCerts(t)
	logDir := t.TempDir()
	var servers []*running
	var bases, logPaths []string
	var transports []*http.Transport
	for _, tlsArgs := range [][]string{{"--tls-cert", certs.certFile, "--tls-key", certs.keyFile, "--tls-reload"}, nil} {
		logPath := filepath.Join(logDir, fmt.Sprintf("access%d.log", len(servers)))
		r := startRun(t, append(tlsArgs, "-b", "127.0.0.1", "-d", root, "-p", "HTTP/1.1",
			"--upload", "--max-upload", "256K", "--archive", "--compress", "--precompressed",
			"--listing", "rich", "--auth", "user:secret", "--cgi", "--cache-control", "no-cache",
			"-H", "X-Chaos: on", "--log-format", "json", "--log-file", logPath, "0")...)
		servers = append(servers, r)
		bases = append(bases, r.baseURL(t))
		logPaths = append(logPaths, logPath)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var requests, failures, cut atomic.Int64
	var failMu sync.Mutex
	var failed []string
	fail := func(format string, args ...any) {
		if failures.Add(1) > 20 {
			return
		}
		failMu.Lock()
		failed = append(failed, fmt.Sprintf(format, args...))
		failMu.Unlock()
	}

	// The certificate is renewed, every way renewals change its files,
	// while clients make new connections, HTTP/2 and HTTP/1.1, each of
	// which must get one of the certificates installed, verified.
	wg.Add(1)
	go every(stop, 20*time.Millisecond, &wg, func(i int) bool {
		if err := certs.renew(i); err != nil {
			fail("renewal %d: %v", i, err)
			return false
		}
		return true
	})
	var handshakes atomic.Int64
	for _, h2 := range []bool{true, false} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				handshakes.Add(1)
				if err := certs.handshake(bases[0], h2); err != nil {
					fail("%v", err)
				}
			}
		}()
	}

	// Editors of one file, two of them for each file, PUT their edits
	// with If-Match; every one accepted must be based on the one before.
	edits := &chaosEdits{initial: map[string]string{}, accepted: map[string]map[string]string{}, content: map[[2]string]string{}}
	for c := range 4 {
		tr := chaosTransport(c%2*2, certs.pool) // HTTP/2 over HTTPS, HTTP/1.1 in the clear
		transports = append(transports, tr)
		client := &http.Client{Transport: tr}
		base := bases[c%2]
		if c < len(chaosEditFiles) {
			file := chaosEditFiles[c]
			tag := etagOf(t, client, base+file)
			edits.mu.Lock() // the editors started before read the maps
			edits.initial[file] = tag
			edits.accepted[file] = map[string]string{}
			edits.mu.Unlock()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			edits.edit(client, base, c, stop, fail)
		}()
	}

	// The tree changes under the requests: files appear, change size,
	// are renamed and removed, and so are directories with files in them.
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(1, 2))
		churn := filepath.Join(root, "churn")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := filepath.Join(churn, fmt.Sprintf("c%d.txt", rng.IntN(8)))
			dir := filepath.Join(churn, fmt.Sprintf("dir%d", rng.IntN(3)))
			switch rng.IntN(8) {
			case 0, 1:
				os.WriteFile(name, bytes.Repeat([]byte{'a' + byte(i%26)}, rng.IntN(4000)), 0o644)
			case 2:
				os.Rename(name, filepath.Join(churn, fmt.Sprintf("c%d.txt", rng.IntN(8))))
			case 3:
				os.Remove(name)
			case 4:
				os.MkdirAll(filepath.Join(dir, "inner"), 0o755)
				os.WriteFile(filepath.Join(dir, "inner", "x.txt"), []byte(strings.Repeat("x", rng.IntN(3000))), 0o644)
			case 5:
				os.RemoveAll(dir)
			case 6:
				os.Rename(dir, filepath.Join(churn, fmt.Sprintf("dir%d", rng.IntN(3))))
			case 7:
				// A file the cache holds changes in place.
				os.WriteFile(filepath.Join(root, "many", fmt.Sprintf("f%02d.txt", rng.IntN(64))), bytes.Repeat([]byte{'0' + byte(i%10)}, 1000+rng.IntN(3000)), 0o644)
			}
			// Uploads pile up: keep their directory small.
			if i%50 == 0 {
				if des, err := os.ReadDir(filepath.Join(root, "upload")); err == nil && len(des) > 40 {
					for _, de := range des[:20] {
						if de.Name() != "sub" && de.Name() != ".keep" {
							os.Remove(filepath.Join(root, "upload", de.Name()))
						}
					}
				}
			}
			runtime.Gosched()
		}
	}()

	targets := []string{
		"/a.txt", "/text.txt", "/style.css", "/app.3f9a2c1b.js", "/big.bin", "/d/one.txt",
		"/d/sub/two.txt", "/precomp/p.txt", "/churn/c0.txt", "/churn/c1.txt", "/churn/c2.txt",
		"/churn/dir0/inner/x.txt", "/churn/dir/file.txt", "/no-such-file", "/d", "/spa/route",
	}
	dirs := []string{"/", "/d/", "/churn/", "/churn/dir0/", "/churn/dir1/inner/", "/many/", "/upload/", "/precomp/", "/cgi-bin/"}
	const clients = 8
	for c := range clients {
		// Of every four clients, one speaks HTTP/2 over HTTPS, one
		// HTTP/1.1 over HTTPS, two HTTP/1.1 in the clear.
		tr := chaosTransport(c, certs.pool)
		base := bases[c%4/2]
		transports = append(transports, tr)
		client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			etags := map[string]string{}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ch := chaosRequest(rng, base, targets, dirs, etags, c, i)
				requests.Add(1)
				if err := ch.check(client, c, base, etags, certs); errors.Is(err, errCut) {
					cut.Add(1)
				} else if err != nil {
					fail("%s %s (%s): %v", ch.method, ch.target, ch.what, err)
				}
			}
		}()
	}

	// The access log is rotated under the traffic: renamed, then
	// SIGUSR1 has the server open it again. The test subscribes to
	// SIGUSR1 too, for as long as it runs, so that a signal that arrives
	// once the server has stopped listening for it cannot kill the
	// process.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	t.Cleanup(func() { signal.Stop(usr1) })
	wg.Add(1)
	go every(stop, 20*time.Millisecond, &wg, func(i int) bool {
		for _, logPath := range logPaths {
			os.Rename(logPath, fmt.Sprintf("%s.%d", logPath, i))
		}
		syscall.Kill(os.Getpid(), syscall.SIGUSR1)
		return true
	})
	// Other clients give up: they go away in the middle of downloads,
	// archives, listings, scripts and uploads, and keep at it while the
	// server shuts down. What they get is not checked, only that nothing
	// they leave behind outlives the server.
	quit := make(chan struct{})
	var pause sync.RWMutex // held to have the quitters wait
	var quitters sync.WaitGroup
	var quitRequests atomic.Int64
	for _, c := range []int{0, 2} { // HTTP/2 over HTTPS, HTTP/1.1 in the clear
		tr := chaosTransport(c, nil)
		base := bases[c%4/2]
		transports = append(transports, tr)
		quitters.Add(1)
		go func() {
			defer quitters.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 11))
			for {
				select {
				case <-quit:
					return
				default:
				}
				quitRequests.Add(1)
				pause.RLock()
				giveUp(tr, rng, base)
				pause.RUnlock()
			}
		}()
	}

	select {
	case <-time.After(*chaosDuration):
	case <-servers[0].exited:
	case <-servers[1].exited:
	}
	for _, r := range servers {
		select {
		case <-r.exited:
			t.Errorf("a server exited during the run; stderr: %s", lastBytes(r.stderr.String(), 2000))
		default:
		}
	}
	close(stop)
	wg.Wait()
	edits.check(t, root)
	// The renewals are over: of the handshakes that follow, only the
	// first may log, loading the last renewal's pair (see below).
	quiet := time.Now()
	for i := range 20 {
		if err := certs.handshake(bases[0], i%2 == 0); err != nil {
			t.Error(err)
		}
	}
	// Nothing is left charged to the budgets: alone, an archive and a
	// listing are served. (The handlers of the quitters' last requests
	// may still be finishing: they are waited for.)
	// The listing is of a directory just made, which no cache keeps
	// yet, of as many entries as the budget: a single entry left charged
	// has it refused.
	pause.Lock()
	for i := range listingBudget {
		writeFile(t, filepath.Join(root, "lone", fmt.Sprintf("l%03d.txt", i)), "")
	}
	for _, base := range bases {
		for _, target := range []string{"/?download=zip", "/many/?download=tar.gz", "/many/?download=tar.zst", "/lone/", "/lone/?sort=size"} {
			lone := chaosTransport(2, certs.pool)
			var status string
			for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				req, _ := http.NewRequest("GET", base+target, nil)
				req.SetBasicAuth("user", "secret")
				resp, err := lone.RoundTrip(req)
				if err != nil {
					status = err.Error()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if status = resp.Status; resp.StatusCode == 200 {
					break
				}
			}
			lone.CloseIdleConnections()
			if status != "200 OK" {
				t.Errorf("GET %s%s alone once the clients are done: %s, want 200 (the budget holds what requests gone left charged)", base, target, status)
			}
		}
	}
	pause.Unlock()
	// Ctrl-C with the quitters' requests in flight.
	for _, r := range servers {
		r.cancel()
	}
	for _, r := range servers {
		<-r.exited
	}
	close(quit)
	quitters.Wait()
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	for _, r := range servers {
		r.exit(t)
	}
	t.Logf("%d requests, %d cut off by a file that shrank, %d requests given up, %d handshakes over %d renewals", requests.Load(), cut.Load(), quitRequests.Load(), handshakes.Load(), certs.renewals.Load())
	// The renewals are logged, and the states of the files that fail
	// to load twice, once each: nothing for each handshake.
	if tlsLines, max := countLines(servers[0].stderr.String(), "TLS certificate"), 5*certs.renewals.Load()+1; int64(tlsLines) > max {
		t.Errorf("%d lines about the TLS certificate in the log over %d renewals and %d handshakes, want at most %d", tlsLines, certs.renewals.Load(), handshakes.Load(), max)
	}
	if lines := linesSince(servers[0].stderr.String(), "TLS certificate", quiet); len(lines) > 1 {
		t.Errorf("%d lines about the TLS certificate in the log for 20 handshakes once the files stayed as they were, want at most 1:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, f := range failed {
		t.Error(f)
	}
	if len(failed) > 0 {
		for _, r := range servers {
			t.Logf("a server's log ends with: %s", lastBytes(r.stderr.String(), 8000))
		}
	}
	if n := failures.Load(); n > int64(len(failed)) {
		t.Errorf("and %d more failures", n-int64(len(failed)))
	}
	// A handler that panicked is logged with its stack; a response cut
	// off (see mayBeCut), or a script's upload cut off by a client that
	// gave up, as one that panicked with http.ErrAbortHandler.
	var logs strings.Builder
	for i, r := range servers {
		logs.WriteString(r.stderr.String())
		rotated, _ := filepath.Glob(logPaths[i] + "*")
		var access strings.Builder
		for _, name := range rotated {
			b, _ := os.ReadFile(name)
			access.Write(b)
		}
		if !strings.Contains(access.String(), `"method":"GET"`) {
			t.Errorf("no request logged in %s or its rotations", logPaths[i])
		}
		logs.WriteString(access.String())
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		mayCut := strings.Contains(line, "?download=") || strings.Contains(line, `"uri":"/churn/`) || strings.Contains(line, `"uri":"/many/`)
		if strings.Contains(line, `"panic"`) || strings.Contains(line, `"panicked"`) && !mayCut && !strings.Contains(line, quitterAgent) {
			t.Errorf("logged: %s", line)
		}
	}

	// Everything the server started ends with it. The bound only keeps a
	// failing test from hanging.
	deadline := time.Now().Add(waitLimit)
	for n, _ := goroutines(); n > goroutinesBefore && time.Now().Before(deadline); n, _ = goroutines() {
		time.Sleep(10 * time.Millisecond)
	}
	if n, dump := goroutines(); n > goroutinesBefore {
		t.Errorf("%d goroutines after the server stopped, %d before:\n%s", n, goroutinesBefore, dump)
	}
	for openFiles(t) > fdsBefore && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := openFiles(t); n > fdsBefore {
		t.Errorf("%d descriptors open after the server stopped, %d before: %s", n, fdsBefore, fdList(t))
	}
}

// every calls f(0), f(1), ... each after a pause of d, until stop is
// closed or f returns false, then calls wg.Done.
func every(stop <-chan struct{}, d time.Duration, wg *sync.WaitGroup, f func(i int) bool) {
	defer wg.Done()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(d):
		}
		if !f(i) {
			return
		}
	}
}

// chaosReq is one request of TestChaos and what it may be answered.
type chaosReq struct {
	what, method, target string
	header               http.Header
	body                 []byte
	want                 []int // the statuses it may get
}

// chaosRequest picks the i-th request of client c.
func chaosRequest(rng *rand.Rand, base string, targets, dirs []string, etags map[string]string, c, i int) chaosReq {
	h := http.Header{}
	h.Set("Authorization", "Basic dXNlcjpzZWNyZXQ=") // user:secret
	file := targets[rng.IntN(len(targets))]
	dir := dirs[rng.IntN(len(dirs))]
	miss := []int{200, 301, 404}
	switch rng.IntN(22) {
	case 0, 1:
		h.Set("Accept-Encoding", []string{"gzip", "br", "zstd", "gzip, br, zstd", "identity"}[rng.IntN(5)])
		return chaosReq{"file", "GET", file, h, nil, miss}
	case 2:
		return chaosReq{"head", "HEAD", file, h, nil, miss}
	case 3:
		h.Set("Range", []string{"bytes=0-10", "bytes=5-", "bytes=-3", "bytes=0-1,4-6,-2", "bytes=999999-"}[rng.IntN(5)])
		return chaosReq{"range", "GET", file, h, nil, []int{200, 206, 301, 404, 416}}
	case 4:
		if tag, ok := etags[file]; ok {
			h.Set("If-None-Match", tag)
		} else {
			h.Set("If-Modified-Since", time.Now().UTC().Format(http.TimeFormat))
		}
		return chaosReq{"conditional", "GET", file, h, nil, []int{200, 301, 304, 404}}
	case 5:
		if tag, ok := etags[file]; ok {
			h.Set("If-Match", tag)
			h.Set("Range", "bytes=0-3")
			h.Set("If-Range", tag)
		}
		return chaosReq{"if-match", "GET", file, h, nil, []int{200, 206, 301, 404, 412, 416}}
	case 6, 7:
		h.Set("Accept", []string{"text/html", "application/json"}[rng.IntN(2)])
		h.Set("Accept-Encoding", []string{"gzip", "br", ""}[rng.IntN(3)])
		return chaosReq{"listing", "GET", dir + []string{"", "?sort=size&order=desc", "?sort=name"}[rng.IntN(3)], h, nil, dirStatus(dir)}
	case 8:
		return chaosReq{"archive", "GET", dir + "?download=" + []string{"zip", "tar.gz", "tar.zst"}[rng.IntN(3)], h, nil, dirStatus(dir)}
	case 9, 10:
		body := bytes.Repeat([]byte{byte('a' + i%26)}, rng.IntN(5000))
		name := []string{"/upload/", "/upload/sub/", "/churn/", "/churn/dir1/"}[rng.IntN(4)] + fmt.Sprintf("u%d-%d.txt", c, rng.IntN(50))
		return chaosReq{"put", "PUT", name, h, body, []int{201, 204, 404, 409}}
	case 11:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for j := range 1 + rng.IntN(3) {
			fw, _ := mw.CreateFormFile("file", fmt.Sprintf("p%d-%d-%d.txt", c, i, j))
			fw.Write(bytes.Repeat([]byte("form "), rng.IntN(500)))
		}
		mw.Close()
		h.Set("Content-Type", mw.FormDataContentType())
		h.Set("Origin", base)
		target := []string{"/upload/", "/churn/dir2/"}[rng.IntN(2)]
		return chaosReq{"form", "POST", target, h, buf.Bytes(), []int{200, 201, 303, 404, 409}}
	case 12:
		return chaosReq{"delete", "DELETE", file, h, nil, []int{501}}
	case 13:
		return chaosReq{"cgi", "GET", "/cgi-bin/hello.sh?q" + strconv.Itoa(i), h, nil, cgiStatus}
	case 14:
		return chaosReq{"cgi-post", "POST", "/cgi-bin/echo.sh", h, bytes.Repeat([]byte("post body "), rng.IntN(2000)), cgiStatus}
	case 15:
		h.Del("Authorization")
		return chaosReq{"no credentials", "GET", file, h, nil, []int{401}}
	case 16:
		return chaosReq{"evicting", "GET", "/many/f" + strconv.Itoa(rng.IntN(64)) + ".txt", h, nil, []int{200, 404}}
	case 18:
		// Compressed on the fly, then kept once asked for again.
		h.Set("Accept-Encoding", []string{"gzip", "br", "zstd"}[rng.IntN(3)])
		return chaosReq{"compressed", "GET", []string{"/text.txt", "/style.css", "/app.3f9a2c1b.js"}[rng.IntN(3)], h, nil, []int{200}}
	case 19:
		// A body compressed on the way is refused, not stored.
		h.Set("Content-Encoding", []string{"gzip", "br", "deflate, identity"}[rng.IntN(3)])
		return chaosReq{"coded upload", "PUT", fmt.Sprintf("/upload/coded%d-%d.txt", c, i), h, []byte("\x1f\x8bcompressed"), []int{415}}
	case 20:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("f%d-%d.txt", c, i))
		fw.Write([]byte("posted to a file"))
		mw.Close()
		h.Set("Content-Type", mw.FormDataContentType())
		return chaosReq{"form to a file", "POST", []string{"/a.txt", "/d/one.txt", "/text.txt"}[rng.IntN(3)], h, buf.Bytes(), []int{405}}
	case 21:
		h.Set("Accept", "application/json")
		return chaosReq{"json listing", "GET", []string{"/churn/", "/churn/dir0/", "/upload/", "/many/", "/edit/"}[rng.IntN(5)], h, nil, []int{200, 301, 404, 503}}
	default:
		h.Set("Accept", "text/html")
		return chaosReq{"spa", "GET", "/spa/" + strconv.Itoa(i), h, nil, []int{404}}
	}
}

// cgiStatus is what a script's request may get: 503 when as many
// scripts run as cgi.Options.MaxConcurrent allows.
var cgiStatus = []int{200, 503}

// dirStatus is what a listing or archive of dir may get: a CGI
// directory is Python's 403 "CGI script is not a plain file", and 503
// when other listings or archives hold their budget.
func dirStatus(dir string) []int {
	if dir == "/cgi-bin/" {
		return []int{403}
	}
	return []int{200, 301, 404, 503}
}

// check sends the request and checks its answer.
func (ch chaosReq) check(client *http.Client, c int, base string, etags map[string]string, certs *chaosCerts) error {
	var body io.Reader
	if ch.body != nil {
		body = bytes.NewReader(ch.body)
	}
	req, err := http.NewRequest(ch.method, base+ch.target, body)
	if err != nil {
		return err
	}
	req.Header = ch.header
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil && ch.mayBeCut() && (errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "INTERNAL_ERROR")) {
		// A file that shrinks while it is sent, or archived, aborts
		// the response: the client sees the connection cut, or the
		// HTTP/2 stream reset, never a body with bytes missing.
		return errCut
	}
	if err != nil {
		return fmt.Errorf("%s: reading the body: %v (%d bytes)", resp.Status, err, len(got))
	}
	if !slices.Contains(ch.want, resp.StatusCode) {
		return fmt.Errorf("status %s, want one of %v; body %.200q", resp.Status, ch.want, got)
	}
	if cl := resp.Header.Get("Content-Length"); cl != "" && ch.method != "HEAD" {
		if n, err := strconv.Atoi(cl); err != nil || n != len(got) {
			return fmt.Errorf("%s: Content-Length %q, body of %d bytes", resp.Status, cl, len(got))
		}
	}
	if ch.method == "HEAD" && len(got) != 0 {
		return fmt.Errorf("%s: HEAD with a body of %d bytes", resp.Status, len(got))
	}
	if want := []int{2, 1, 1, 1}[c%4]; resp.ProtoMajor != want {
		return fmt.Errorf("%s: %s, want HTTP/%d", resp.Status, resp.Proto, want)
	}
	if resp.Header.Get("X-Chaos") != "on" {
		return fmt.Errorf("%s: no X-Chaos header: %v", resp.Status, resp.Header)
	}
	if resp.TLS != nil {
		if err := certs.checkPeer(resp); err != nil {
			return err
		}
	}
	if err := ch.verify(resp, got); err != nil {
		return fmt.Errorf("%s: %v", resp.Status, err)
	}
	if tag := resp.Header.Get("ETag"); tag != "" && resp.StatusCode == 200 {
		etags[req.URL.Path] = tag
	}
	return nil
}

// chaosTransport is the transport of TestChaos's client c: HTTP/2 for
// c%4 == 0, HTTP/1.1 otherwise. It verifies the server's certificate
// against pool, or, if nil, does not.
func chaosTransport(c int, pool *x509.CertPool) *http.Transport {
	tr := &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true,
		TLSClientConfig: &tls.Config{RootCAs: pool, InsecureSkipVerify: pool == nil}, ForceAttemptHTTP2: c%4 == 0}
	if c%4 != 0 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return tr
}

// quitterAgent is the User-Agent of the clients that give up, whose
// requests may be logged as aborted.
const quitterAgent = "chaos-quitter"

// giveUp sends a request whose client goes away: before the answer,
// after a few bytes of it, or in the middle of sending its body.
func giveUp(tr *http.Transport, rng *rand.Rand, base string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var body io.Reader
	method, target := "GET", []string{"/big.bin", "/?download=zip", "/many/?download=tar.gz", "/?download=tar.zst",
		"/many/", "/cgi-bin/hello.sh", "/text.txt", "/many/f01.txt"}[rng.IntN(8)]
	if rng.IntN(4) == 0 {
		// A body that stops arriving: half of it, then the client is gone.
		method, target = []string{"PUT", "POST"}[rng.IntN(2)], []string{"/upload/gone.txt", "/cgi-bin/echo.sh"}[rng.IntN(2)]
		pr, pw := io.Pipe()
		go func() {
			pw.Write(bytes.Repeat([]byte("half "), 2000))
			<-ctx.Done()
			pw.CloseWithError(ctx.Err())
		}()
		body = pr
		time.AfterFunc(time.Duration(rng.IntN(20))*time.Millisecond, cancel)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+target, body)
	if err != nil {
		return
	}
	req.SetBasicAuth("user", "secret")
	req.Header.Set("Accept-Encoding", "gzip, br, zstd")
	req.Header.Set("User-Agent", quitterAgent)
	if rng.IntN(3) == 0 {
		time.AfterFunc(time.Duration(1+rng.IntN(10))*time.Millisecond, cancel)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			time.Sleep(time.Millisecond) // the server is gone
		}
		return
	}
	io.CopyN(io.Discard, resp.Body, int64(rng.IntN(3))*1000)
	resp.Body.Close()
}

// errCut is a response cut off by a file that shrank while it was sent.
var errCut = errors.New("cut off")

// mayBeCut reports whether the response may be cut off: it sends files
// that the test changes while they are read (under /churn/ and /many/).
func (ch chaosReq) mayBeCut() bool {
	return ch.what == "archive" || strings.HasPrefix(ch.target, "/churn/") || strings.HasPrefix(ch.target, "/many/")
}

// lastBytes is the end of s, at most n bytes of it.
func lastBytes(s string, n int) string { return s[max(0, len(s)-n):] }

// goroutines counts the goroutines of this process, and dumps them, but
// for the one os/signal starts for good at the first signal.Notify.
func goroutines() (int, string) {
	var keep []string
	for _, g := range proctest.Goroutines() {
		if !strings.Contains(g, "os/signal.loop") {
			keep = append(keep, g)
		}
	}
	return len(keep), strings.Join(keep, "\n\n")
}

// openFiles counts the descriptors this process holds.
func openFiles(t *testing.T) int {
	t.Helper()
	des, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd to count the descriptors:", err)
	}
	return len(des) - 1 // the one ReadDir held
}

// fdList names what the descriptors of this process are.
func fdList(t *testing.T) string {
	des, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, de := range des {
		target, _ := os.Readlink("/proc/self/fd/" + de.Name())
		out = append(out, de.Name()+"->"+target)
	}
	return strings.Join(out, " ")
}

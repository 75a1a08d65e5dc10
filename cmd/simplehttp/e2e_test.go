package main

// End-to-end tests: the built binary, driven by real clients (curl, wget,
// openssl), as a user runs them. Each test skips with a message naming
// what is missing; .ci/run installs it all.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

var (
	buildOnce sync.Once
	buildDir  string // holds the binary; removed by TestMain
	buildBin  string
	buildErr  error
)

// binary builds the command once per test run, with the race detector when
// the tests run with it, and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no end-to-end tests with the built binary")
	}
	buildOnce.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		if buildDir, buildErr = os.MkdirTemp("", "simplehttp-e2e-"); buildErr != nil {
			return
		}
		// User nobody must be able to run it (TestE2EErrors).
		if buildErr = os.Chmod(buildDir, 0o755); buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "simplehttp")
		args := []string{"build", "-o", buildBin}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(goCmd, append(args, ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		// go build gives the binary the mode the umask leaves: 0700
		// under umask 077, where nobody could not run it.
		buildErr = os.Chmod(buildBin, 0o755)
	})
	if buildErr != nil {
		t.Fatalf("building the command: %v", buildErr)
	}
	return buildBin
}

func removeBuiltBinary() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// need skips the test when a program is missing.
func need(t *testing.T, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not found: this test drives the server with it (.ci/run installs it)", p)
		}
	}
}

// proc is the binary running as a server.
type proc struct {
	cmd    *exec.Cmd
	url    string        // from the startup line
	stdout *bufio.Reader // after the startup line
	stderr *syncbuf.Buffer
	done   chan struct{} // closed when the process has exited
	err    error         // of cmd.Wait, once done
}

// command returns the binary with args, set up to run in a test: the race
// detector does not linger at exit.
func command(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	return cmd
}

// startBinary starts the server with args and reads its startup line.
func startBinary(t *testing.T, args ...string) *proc {
	t.Helper()
	return startCommand(t, command(t, args...))
}

// startCommand starts cmd, the server (see command), and reads its
// startup line. Its stderr is kept in p.stderr, unless cmd has one.
func startCommand(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, stderr: new(syncbuf.Buffer), done: make(chan struct{})}
	if p.cmd.Stderr == nil {
		p.cmd.Stderr = p.stderr
	}
	// An os.Pipe rather than StdoutPipe: Wait would close that one as
	// soon as the process exits, before the test reads the last line.
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	p.cmd.Stdout = w
	err = p.cmd.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	p.stdout = bufio.NewReader(out)
	linec := make(chan string, 1)
	go func() {
		l, _ := p.stdout.ReadString('\n')
		linec <- strings.TrimSuffix(l, "\n")
	}()
	select {
	case l := <-linec:
		if l == "" {
			<-p.done
			t.Fatalf("no startup line: %v; stderr: %s", p.err, p.stderr)
		}
		p.url = parseStartupLine(t, l)
	case <-time.After(waitLimit):
		t.Fatalf("no startup line after %v; stderr: %s", waitLimit, p.stderr)
	}
	return p
}

// stop sends sig and checks that the process prints Python's line and
// exits 0.
func (p *proc) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
}

// wait waits for the process to exit after a signal and checks that it
// printed Python's line and exited 0.
func (p *proc) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(waitLimit):
		t.Fatalf("still running %v after the signal; stderr: %s", waitLimit, p.stderr)
	}
	rest, _ := io.ReadAll(p.stdout)
	if want := "\nKeyboard interrupt received, exiting.\n"; string(rest) != want {
		t.Errorf("stdout after the signal = %q, want %q", rest, want)
	}
	if p.err != nil {
		t.Errorf("exit: %v, want status 0; stderr: %s", p.err, p.stderr)
	}
}

// client returns the command of a client program (curl, wget) that talks
// to the server under test. It runs without the proxy variables of the
// environment (http_proxy, HTTPS_PROXY, ALL_PROXY and the like): the
// server listens on a loopback address, which curl and wget, unlike Go's
// clients and Chromium, would otherwise reach through a developer's proxy.
func client(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return strings.HasSuffix(strings.ToLower(k), "_proxy")
	})
	return cmd
}

// curl runs curl with args and returns its standard output; it skips the
// test where curl is not installed.
func curl(t *testing.T, args ...string) string {
	t.Helper()
	need(t, "curl")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var stderr bytes.Buffer
	cmd := client(ctx, "curl", append([]string{"--silent", "--show-error"}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl %q: %v: %s", args, err, stderr.String())
	}
	return string(out)
}

// TestClientsWithoutProxy: curl and wget reach the server on 127.0.0.1
// directly when the environment names a proxy, as a developer's may (they,
// unlike Go's clients, send even loopback requests through it).
func TestClientsWithoutProxy(t *testing.T) {
	need(t, "curl", "wget")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "direct\n")
	}))
	defer srv.Close()
	dead := "http://127.0.0.1:9" // the discard port: nothing listens there
	for _, k := range []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"} {
		t.Setenv(k, dead)
	}
	if got := curl(t, srv.URL+"/"); got != "direct\n" {
		t.Errorf("curl: %q, want %q", got, "direct\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	out, err := client(ctx, "wget", "--quiet", "--output-document=-", srv.URL+"/").Output()
	if err != nil || string(out) != "direct\n" {
		t.Errorf("wget: %q, %v; want %q", out, err, "direct\n")
	}
}

// TestCurlSkipsWithoutCurl: a test that runs curl skips where curl is not
// installed, saying so, as one that runs wget does: a dozen tests (the log
// file's, the signals', TestE2EErrors) failed for a developer without it,
// with "exec: curl: executable file not found". It runs this binary again,
// with a PATH that has no curl, for TestCurlWithoutCurlFixture.
func TestCurlSkipsWithoutCurl(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestCurlWithoutCurlFixture$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir(), curlFixtureEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- SKIP: TestCurlWithoutCurlFixture ") ||
		!strings.Contains(string(out), "curl not found") {
		t.Errorf("a test that runs curl, without curl: %v\n%s\nwant it skipped, saying curl is not found", err, out)
	}
}

const curlFixtureEnv = "SIMPLEHTTP_CURL_FIXTURE"

// TestCurlWithoutCurlFixture runs curl, for TestCurlSkipsWithoutCurl.
func TestCurlWithoutCurlFixture(t *testing.T) {
	if os.Getenv(curlFixtureEnv) == "" {
		t.Skip("run by TestCurlSkipsWithoutCurl")
	}
	curl(t, "http://127.0.0.1:9/")
	t.Error("curl returned, with no curl on PATH")
}

// headOf splits curl --include output into the status line, the headers
// and the body (of the last response, after any 100 Continue).
func headOf(t *testing.T, out string) (status string, header map[string][]string, body string) {
	t.Helper()
	head, body, ok := strings.Cut(out, "\r\n\r\n")
	for ok && strings.HasPrefix(head, "HTTP/1.1 100 ") {
		head, body, ok = strings.Cut(body, "\r\n\r\n")
	}
	if !ok {
		t.Fatalf("no header block in %q", out)
	}
	lines := strings.Split(head, "\r\n")
	header = map[string][]string{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		k = strings.ToLower(k)
		header[k] = append(header[k], strings.TrimSpace(v))
	}
	return lines[0], header, body
}

// TestE2ECurl drives the server with curl: HEAD, Range, If-Modified-Since,
// -H headers and the listing.
func TestE2ECurl(t *testing.T) {
	need(t, "curl")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello, world\n")
	writeFile(t, filepath.Join(dir, "sub dir", "a&b.txt"), "ab\n")
	mtime := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "hello.txt"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "-H", "X-Served-By: simplehttp, e2e", "-H", "Cache-Control: no-store", "0")

	t.Run("GET", func(t *testing.T) {
		status, h, body := headOf(t, curl(t, "--include", p.url+"/hello.txt"))
		if status != "HTTP/1.1 200 OK" || body != "hello, world\n" {
			t.Errorf("GET: %q, body %q", status, body)
		}
		want := map[string]string{
			"content-type":   "text/plain",
			"content-length": "13",
			"last-modified":  "Tue, 05 Mar 2024 09:07:03 GMT",
			"connection":     "close", // HTTP/1.0 mode
			"x-served-by":    "simplehttp, e2e",
			"cache-control":  "no-store",
		}
		for k, v := range want {
			if got := strings.Join(h[k], "|"); got != v {
				t.Errorf("GET: %s = %q, want %q", k, got, v)
			}
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		out := curl(t, "--head", p.url+"/hello.txt")
		status, h, body := headOf(t, out)
		if status != "HTTP/1.1 200 OK" || body != "" || strings.Join(h["content-length"], "") != "13" {
			t.Errorf("HEAD: %q, Content-Length %q, body %q; want 200, 13, none", status, h["content-length"], body)
		}
	})
	t.Run("Range", func(t *testing.T) {
		status, h, body := headOf(t, curl(t, "--include", "--range", "7-11", p.url+"/hello.txt"))
		if status != "HTTP/1.1 206 Partial Content" || body != "world" || strings.Join(h["content-range"], "") != "bytes 7-11/13" {
			t.Errorf("Range 7-11: %q, Content-Range %q, body %q", status, h["content-range"], body)
		}
	})
	t.Run("If-Modified-Since", func(t *testing.T) {
		for _, tc := range []struct{ since, want string }{
			{"Tue, 05 Mar 2024 09:07:03 GMT", "HTTP/1.1 304 Not Modified"},
			{"Tue, 05 Mar 2024 09:07:02 GMT", "HTTP/1.1 200 OK"},
		} {
			status, h, body := headOf(t, curl(t, "--include", "-H", "If-Modified-Since: "+tc.since, p.url+"/hello.txt"))
			if status != tc.want {
				t.Errorf("If-Modified-Since %s: %q, want %q", tc.since, status, tc.want)
			}
			if strings.HasSuffix(tc.want, "304 Not Modified") && (body != "" || h["content-length"] != nil || h["x-served-by"] == nil) {
				t.Errorf("304: body %q, Content-Length %q, X-Served-By %q; want no body, no length, the -H header", body, h["content-length"], h["x-served-by"])
			}
		}
	})
	t.Run("error page", func(t *testing.T) {
		status, h, body := headOf(t, curl(t, "--include", p.url+"/missing"))
		if status != "HTTP/1.1 404 Not Found" || !strings.Contains(body, "<p>Message: File not found.</p>") {
			t.Errorf("GET /missing: %q, body %q", status, body)
		}
		if strings.Join(h["x-served-by"], "") != "simplehttp, e2e" || strings.Join(h["cache-control"], "|") != "no-store" {
			t.Errorf("GET /missing: X-Served-By = %q, Cache-Control = %q, want the -H headers on error pages too", h["x-served-by"], h["cache-control"])
		}
	})
	t.Run("listing", func(t *testing.T) {
		body := curl(t, p.url+"/")
		for _, want := range []string{`<a href="hello.txt">hello.txt</a>`, `<a href="sub%20dir/">sub dir/</a>`} {
			if !strings.Contains(body, want) {
				t.Errorf("listing %q lacks %q", body, want)
			}
		}
		if got := curl(t, p.url+"/sub%20dir/a%26b.txt"); got != "ab\n" {
			t.Errorf("GET /sub%%20dir/a%%26b.txt = %q", got)
		}
	})
	p.stop(t, syscall.SIGINT)
	if want := `] "HEAD /hello.txt HTTP/1.1" 200 -`; !strings.Contains(p.stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", p.stderr, want)
	}
}

// TestE2ESlowHTTP2Client downloads a file with curl over HTTP/2 at a
// limited rate, taking longer than --send-timeout in all: a client that
// keeps taking bytes keeps its stream, however long the response takes.
// The file is larger than what curl's window and the sockets' buffers
// take, so that the server's writes wait for the client.
func TestE2ESlowHTTP2Client(t *testing.T) {
	need(t, "curl")
	if !strings.Contains(curl(t, "--version"), "HTTP2") {
		t.Skip("curl has no HTTP/2 support")
	}
	t.Parallel()
	f := newTLSFiles(t)
	dir := t.TempDir()
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "--tls-cert", f.cert, "--tls-key", f.key, "--send-timeout", "2s", "0")
	out := filepath.Join(t.TempDir(), "out")
	start := time.Now()
	got := curl(t, "--cacert", f.cert, "--http2", "--limit-rate", "4M", "--output", out,
		"--write-out", "%{http_version} %{http_code} %{size_download}", p.url+"/big.bin")
	took := time.Since(start)
	if want := "2 200 16777216"; got != want {
		t.Fatalf("curl --http2 --limit-rate 4M: %q, want %q", got, want)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Equal(b, content) {
		t.Errorf("the download differs from the file (%v)", err)
	}
	if took < 3*time.Second {
		t.Errorf("the download took %v: not slow enough to test anything", took)
	}
}

// TestE2ETLS serves HTTPS with certificates made in the test: HTTP/2
// through ALPN and HTTP/1.1 with curl, with the key in every form.
func TestE2ETLS(t *testing.T) {
	need(t, "curl")
	if !strings.Contains(curl(t, "--version"), "HTTP2") {
		t.Skip("curl has no HTTP/2 support")
	}
	f := newTLSFiles(t)
	dir := site(t)
	tests := []struct {
		name string
		args []string
	}{
		{"plain key", []string{"--tls-cert", f.cert, "--tls-key", f.key}},
		{"key in the certificate file", []string{"--tls-cert", f.certWithKey}},
		{"encrypted PKCS#8", []string{"--tls-cert", f.cert, "--tls-key", f.keyPKCS8Enc, "--tls-password-file", f.password}},
		{"legacy encrypted PEM", []string{"--tls-cert", f.cert, "--tls-key", f.keyLegacyEnc, "--tls-password-file", f.password}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startBinary(t, append([]string{"-b", "127.0.0.1", "-d", dir, "0"}, tt.args...)...)
			if !strings.HasPrefix(p.url, "https://127.0.0.1:") {
				t.Fatalf("URL %s, want https://127.0.0.1:PORT", p.url)
			}
			// Two requests on one connection: in HTTP/1.0 mode (the
			// default), HTTP/2 connections are kept all the same.
			got := curl(t, "--cacert", f.cert, "--http2", "--write-out", "%{http_version} %{num_connects}\n", p.url+"/hello.txt", p.url+"/hello.txt")
			if want := "hello\n2 1\nhello\n2 0\n"; got != want {
				t.Errorf("curl --http2, twice: %q, want %q (HTTP/2, one connection)", got, want)
			}
			got = curl(t, "--cacert", f.cert, "--http1.1", "--include", p.url+"/hello.txt")
			if status, h, body := headOf(t, got); status != "HTTP/1.1 200 OK" || body != "hello\n" || strings.Join(h["connection"], "") != "close" {
				t.Errorf("curl --http1.1: %q", got)
			}
			p.stop(t, syscall.SIGTERM)
			for _, want := range []string{`"GET /hello.txt HTTP/2.0" 200 6`, `"GET /hello.txt HTTP/1.1" 200 6`} {
				if !strings.Contains(p.stderr.String(), want) {
					t.Errorf("stderr %q lacks %q", p.stderr, want)
				}
			}
		})
	}
}

// TestE2EOpenSSLKeys serves HTTPS with keys made by openssl, as users make
// them: encrypted PKCS#8 (OpenSSL 3's default) and the legacy PEM
// encryption.
func TestE2EOpenSSLKeys(t *testing.T) {
	need(t, "curl", "openssl")
	dir := t.TempDir()
	pw := writePlain(t, filepath.Join(dir, "pw.txt"), testPassword+"\n")
	pw2 := writePlain(t, filepath.Join(dir, "pw2.txt"), testPassword+"\n") // openssl reads one line per use of a file
	openssl := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %q: %v\n%s", args, err, out)
		}
	}
	p8 := filepath.Join(dir, "key-pkcs8.pem")
	legacy := filepath.Join(dir, "key-legacy.pem")
	cert := filepath.Join(dir, "cert.pem")
	openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass", "file:"+pw, "-out", p8)
	openssl("ec", "-in", p8, "-passin", "file:"+pw, "-aes256", "-passout", "file:"+pw2, "-out", legacy)
	openssl("req", "-x509", "-key", p8, "-passin", "file:"+pw, "-subj", "/CN=localhost",
		"-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-out", cert)
	for _, k := range []struct{ file, firstLine string }{
		{p8, "-----BEGIN ENCRYPTED PRIVATE KEY-----"},
		{legacy, "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED"},
	} {
		if b, _ := os.ReadFile(k.file); !strings.HasPrefix(string(b), k.firstLine) {
			t.Fatalf("%s starts %.60q, want %q", k.file, b, k.firstLine)
		}
		t.Run(filepath.Base(k.file), func(t *testing.T) {
			p := startBinary(t, "-b", "127.0.0.1", "-d", site(t), "--tls-cert", cert, "--tls-key", k.file, "--tls-password-file", pw, "0")
			if got := curl(t, "--cacert", cert, p.url+"/hello.txt"); got != "hello\n" {
				t.Errorf("GET /hello.txt over TLS = %q", got)
			}
			p.stop(t, syscall.SIGINT)
		})
	}
}

// TestE2EWget mirrors a tree through the listing with wget --recursive
// and compares it with the source, byte for byte.
func TestE2EWget(t *testing.T) {
	need(t, "wget")
	src := t.TempDir()
	files := map[string][]byte{
		"a.txt":                      []byte("a\n"),
		"space name.txt":             []byte("space\n"),
		"unicode-é-ü.txt":            []byte("unicode\n"),
		"quote'amp&semi;.txt":        []byte("odd\n"),
		"empty":                      nil,
		"sub/b.html":                 []byte("<a href=\"../a.txt\">up</a>\n"),
		"sub/deeper/c.bin":           randomBytes(t, 300<<10),
		"sub/deeper/even deeper/d.c": []byte("int main(void) { return 0; }\n"),
	}
	for name, data := range files {
		writeFile(t, filepath.Join(src, filepath.FromSlash(name)), string(data))
	}
	if err := os.Mkdir(filepath.Join(src, "empty dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := startBinary(t, "-b", "127.0.0.1", "-d", src, "-p", "HTTP/1.1", "0")

	dst := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	// (Not in the tree: a name with a percent sign, which wget decodes
	// twice for the local file name, "%2541" becoming "A".)
	cmd := client(ctx, "wget", "--recursive", "--level=inf", "--no-parent", "--no-host-directories",
		"--execute", "robots=off", "--restrict-file-names=nocontrol", "--no-verbose",
		"--directory-prefix", dst, p.url+"/")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wget: %v\n%s", err, out)
	}
	p.stop(t, syscall.SIGTERM)

	got := tree(t, dst)
	want := tree(t, src)
	// wget saves the listing of each directory as its index.html.
	for _, dirPath := range append([]string{""}, slices.Collect(maps.Keys(want))...) {
		if dirPath != "" && !strings.HasSuffix(dirPath, "/") {
			continue
		}
		listing := dirPath + "index.html"
		b, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(listing)))
		if err != nil || !bytes.Contains(b, []byte("<title>Directory listing for /"+dirPath+"</title>")) {
			t.Errorf("%s: %v, content %.100q; want the listing of /%s", listing, err, b, dirPath)
		}
		delete(got, listing)
	}
	if g, w := strings.Join(slices.Sorted(maps.Keys(got)), "\n"), strings.Join(slices.Sorted(maps.Keys(want)), "\n"); g != w {
		t.Fatalf("mirrored tree:\n%s\nwant:\n%s", g, w)
	}
	for name, sum := range want {
		if got[name] != sum {
			t.Errorf("%s: mirrored content differs", name)
		}
	}
}

// tree maps each file under root to the hash of its content, and each
// directory (with a trailing slash) to "".
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			m[rel+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m[rel] = fmt.Sprintf("%x", sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestE2ECGI runs a /bin/sh script with --cgi, as Python's --cgi does.
func TestE2ECGI(t *testing.T) {
	need(t, "curl")
	dir := publicDir(t)
	writeScript(t, filepath.Join(dir, "cgi-bin", "echo.sh"), `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
echo "method=$REQUEST_METHOD protocol=$SERVER_PROTOCOL query=$QUERY_STRING arg=$1 path=$PATH_INFO uid=$(id -u)"
cat
`)
	writeScript(t, filepath.Join(dir, "cgi-bin", "where.sh"), `#!/bin/sh
printf 'Content-Type: text/plain\n\n'
echo "software=$SERVER_SOFTWARE cwd=$(pwd -P)"
`)
	writeFile(t, filepath.Join(dir, "static.txt"), "static\n")
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "--cgi", "-p", "HTTP/1.1", "-H", "X-Cgi: yes", "0")

	uid := strconv.Itoa(os.Getuid())
	if os.Getuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root without a user nobody: %v", err)
		}
		uid = nobody.Uid // Python's rule: scripts run as nobody under root
	}
	status, h, body := headOf(t, curl(t, "--include", p.url+"/cgi-bin/echo.sh/extra?hello+world"))
	if want := "method=GET protocol=HTTP/1.1 query=hello+world arg=hello world path=/extra uid=" + uid + "\n"; status != "HTTP/1.1 200 OK" || body != want {
		t.Errorf("GET /cgi-bin/echo.sh: %q, body %q; want 200, %q", status, body, want)
	}
	if strings.Join(h["x-cgi"], "") != "yes" {
		t.Errorf("GET /cgi-bin/echo.sh: X-Cgi = %q, want the -H header", h["x-cgi"])
	}
	// As under Python: SERVER_SOFTWARE is the Server header, and the
	// script runs in the server's current directory, not in -d.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if wd, err = filepath.EvalSymlinks(wd); err != nil {
		t.Fatal(err)
	}
	_, h, body = headOf(t, curl(t, "--include", p.url+"/cgi-bin/where.sh"))
	if want := "software=" + strings.Join(h["server"], "") + " cwd=" + wd + "\n"; len(h["server"]) != 1 || body != want {
		t.Errorf("GET /cgi-bin/where.sh: %q, want %q", body, want)
	}
	out := curl(t, "--data-binary", "posted body", p.url+"/cgi-bin/echo.sh")
	if want := "method=POST protocol=HTTP/1.1 query= arg= path= uid=" + uid + "\nposted body"; out != want {
		t.Errorf("POST /cgi-bin/echo.sh: %q, want %q", out, want)
	}
	if got := curl(t, p.url+"/static.txt"); got != "static\n" {
		t.Errorf("GET /static.txt = %q: the file server is behind the CGI handler", got)
	}
	// Python's message for a POST elsewhere.
	status, _, body = headOf(t, curl(t, "--include", "--data", "x", p.url+"/static.txt"))
	if status != "HTTP/1.1 501 Not Implemented" || !strings.Contains(body, "<p>Message: Can only POST to CGI scripts.</p>") {
		t.Errorf("POST /static.txt: %q, body %q", status, body)
	}
	p.stop(t, syscall.SIGINT)
}

// TestE2EShutdownFreshConnections: a connection that has sent nothing
// yet (a browser's preconnect) is closed as soon as Ctrl-C comes, where
// http.Server.Shutdown alone waits 5 s for it, and Python exits at once.
// (Requests in flight still finish: TestE2ESignals.)
func TestE2EShutdownFreshConnections(t *testing.T) {
	p := startBinary(t, "-b", "127.0.0.1", "-d", t.TempDir(), "-p", "HTTP/1.1", "0")
	fresh, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(p.url, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// A bound short of Go's 5 s rule for such connections, which this
	// replaces; the close itself comes within milliseconds.
	fresh.SetReadDeadline(time.Now().Add(4 * time.Second))
	// Closed by the server (EOF), or, when the signal came before the
	// server had accepted it, reset by the kernel as the listener closed
	// with it still in the queue: closed at once either way.
	if n, err := fresh.Read(make([]byte, 1)); n != 0 || err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the fresh connection: read %d, %v; want it closed (EOF or reset)", n, err)
	}
	p.wait(t)
}

// TestE2ESignalIgnored: started with SIGINT ignored, as a shell starts a
// script's background jobs, the server leaves it ignored, as Python's
// does (catching it would make the second Ctrl-C, which ends a slow
// shutdown, the one ignored), and SIGTERM still stops it.
func TestE2ESignalIgnored(t *testing.T) {
	dir := t.TempDir()
	cmd := command(t, "-b", "127.0.0.1", "-d", dir, "0")
	cmd.Args = append([]string{"sh", "-c", `trap "" INT; exec "$0" "$@"`, cmd.Path}, cmd.Args[1:]...)
	cmd.Path = "/bin/sh"
	p := startCommand(t, cmd)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	mask := func(field string) uint64 {
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, field+":\t"); ok {
				n, _ := strconv.ParseUint(v, 16, 64)
				return n
			}
		}
		t.Fatalf("no %s in /proc/PID/status", field)
		return 0
	}
	sigint, sigterm := uint64(1)<<(syscall.SIGINT-1), uint64(1)<<(syscall.SIGTERM-1)
	if ign, cgt := mask("SigIgn"), mask("SigCgt"); ign&sigint == 0 || cgt&sigint != 0 || cgt&sigterm == 0 {
		t.Errorf("SigIgn %x, SigCgt %x: want SIGINT ignored and SIGTERM caught", ign, cgt)
	}
	p.stop(t, syscall.SIGTERM)
}

// TestE2ESignals stops the server with SIGINT and SIGTERM while a slow
// client is downloading a large file: the download completes, byte for
// byte, and the process prints Python's line and exits 0. The client is
// wget --limit-rate (curl 7.88's --limit-rate lets bursts through): 8 MiB
// at 6 MiB/s, more than the socket buffers hold, so the server is still
// sending when the signal comes.
func TestE2ESignals(t *testing.T) {
	need(t, "wget")
	dir := t.TempDir()
	data := randomBytes(t, 8<<20)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "0")
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			cmd := client(ctx, "wget", "--quiet", "--limit-rate=6m", "--output-document=-", p.url+"/big.bin")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Once the first bytes have arrived, the download is in flight.
			got := make([]byte, 64<<10)
			n, err := io.ReadFull(out, got)
			if err != nil {
				t.Fatalf("reading the download: %v", err)
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(out)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got[:n], rest...)
			if err := cmd.Wait(); err != nil {
				t.Errorf("wget: %v: %s", err, stderr.String())
			}
			if !bytes.Equal(got, data) {
				t.Errorf("download: %d bytes, want the %d of the file", len(got), len(data))
			}
			p.wait(t)
			// The handler sent the whole file: the log counts every byte.
			if want := `"GET /big.bin HTTP/1.1" 200 8388608`; !strings.Contains(p.stderr.String(), want) {
				t.Errorf("stderr %q lacks %q", p.stderr, want)
			}
		})
	}
}

// TestE2EErrors checks every error a user can make: one line on stderr,
// nothing on stdout, exit status 2 for the command line (as argparse) and
// 1 for the rest.
func TestE2EErrors(t *testing.T) {
	dir := site(t)
	file := filepath.Join(dir, "hello.txt")
	missing := filepath.Join(dir, "missing")
	f := newTLSFiles(t)

	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)

	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantStderr string // the line after "simplehttp: "
	}{
		{"directory missing", []string{"-d", missing, "0"}, 1, fmt.Sprintf("-d %q: no such file or directory", missing)},
		{"directory is a file", []string{"-d", file, "0"}, 1, fmt.Sprintf("-d %q: not a directory", file)},
		{"directory missing, with --cgi", []string{"-d", missing, "--cgi", "0"}, 1, fmt.Sprintf("-d %q: no such file or directory", missing)},
		{"port in use", []string{"-b", "127.0.0.1", "-d", dir, busyPort}, 1,
			"cannot listen on 127.0.0.1 port " + busyPort + ": address already in use (another server has it; pick another port, or 0 for a free one)"},
		// TEST-NET-1: an address no interface has, refused without any traffic.
		{"address not on this host", []string{"-b", "192.0.2.1", "-d", dir, "0"}, 1,
			"cannot listen on 192.0.2.1 port 0: cannot assign requested address (no interface of this host has it)"},
		{"bad protocol", []string{"-p", "HTTP/2", "-d", dir}, 2, `unsupported protocol "HTTP/2": want HTTP/1.0 or HTTP/1.1`},
		{"bad port", []string{"-d", dir, "65536"}, 2, `invalid port "65536": must be 0-65535`},
		{"unknown flag", []string{"--cors"}, 2, `unknown flag: --cors`},
		{"bad header", []string{"-H", "X-Foo bar", "-d", dir}, 2, `invalid -H "X-Foo bar": want -H 'Name: value' or -H NAME VALUE`},
		{"bad header name", []string{"-H", "X(Foo): bar", "-d", dir}, 2, `invalid -H "X(Foo): bar": "X(Foo)" is not a header name`},
		{"bad log format", []string{"--log-format", "xml"}, 2, `invalid --log-format "xml": want python, common, combined or json`},
		{"upload origin without upload", []string{"--upload-origin", "https://x.example"}, 2, "--upload-origin requires --upload to be set"},
		{"bad upload origin", []string{"--upload", "--upload-origin", "x.example"}, 2, `invalid --upload-origin "x.example": want scheme://host[:port], like https://files.example.com`},
		{"upload origin not ASCII", []string{"--upload", "--upload-origin", "https://bücher.example"}, 2, `invalid --upload-origin "https://bücher.example": give the host in its punycode form (xn--...), as browsers send it`},
		{"log file in a missing directory", []string{"-b", "127.0.0.1", "-d", dir, "--log-file", filepath.Join(missing, "log"), "0"}, 1,
			fmt.Sprintf("--log-file %q: no such file or directory", filepath.Join(missing, "log"))},
		// Python's messages, and argparse's status.
		{"key without certificate", []string{"--tls-key", f.key}, 2, "--tls-key requires --tls-cert to be set"},
		{"password file without certificate", []string{"--tls-password-file", f.password}, 2, "--tls-password-file requires --tls-cert to be set"},
		{"password file unreadable", []string{"-d", dir, "--tls-cert", f.cert, "--tls-key", f.keyPKCS8Enc, "--tls-password-file", missing}, 2,
			"Failed to read TLS password file: open " + missing + ": no such file or directory"},
		{"certificate unreadable", []string{"-d", dir, "--tls-cert", missing}, 1, fmt.Sprintf("--tls-cert %q: no such file or directory", missing)},
		{"certificate not PEM", []string{"-d", dir, "--tls-cert", file, "--tls-key", f.key}, 1, fmt.Sprintf("--tls-cert %q: no PEM certificate in the file", file)},
		{"key unreadable", []string{"-d", dir, "--tls-cert", f.cert, "--tls-key", missing}, 1, fmt.Sprintf("--tls-key %q: no such file or directory", missing)},
		{"key not matching", []string{"-d", dir, "--tls-cert", f.cert, "--tls-key", f.otherKey}, 1,
			fmt.Sprintf("--tls-key %q: the private key does not match the certificate in %q", f.otherKey, f.cert)},
		{"encrypted key without password", []string{"-d", dir, "--tls-cert", f.cert, "--tls-key", f.keyPKCS8Enc}, 1,
			fmt.Sprintf("--tls-key %q: the private key is encrypted: give its password with --tls-password-file", f.keyPKCS8Enc)},
		{"wrong password, PKCS#8", []string{"-d", dir, "--tls-cert", f.cert, "--tls-key", f.keyPKCS8Enc, "--tls-password-file", f.wrongPass}, 1,
			fmt.Sprintf("--tls-key %q: wrong password in --tls-password-file %q (or a damaged key)", f.keyPKCS8Enc, f.wrongPass)},
		{"wrong password, legacy PEM", []string{"-d", dir, "--tls-cert", f.cert, "--tls-key", f.keyLegacyEnc, "--tls-password-file", f.wrongPass}, 1,
			fmt.Sprintf("--tls-key %q: wrong password in --tls-password-file %q (or a damaged key)", f.keyLegacyEnc, f.wrongPass)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFailure(t, command(t, tt.args...), tt.wantStatus, tt.wantStderr)
		})
	}

	t.Run("no log file for a missing directory", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "access.log")
		checkFailure(t, command(t, "-b", "127.0.0.1", "-d", missing, "--log-file", log, "0"), 1, fmt.Sprintf("-d %q: no such file or directory", missing))
		if _, err := os.Stat(log); err == nil {
			t.Error("the --log-file was created for a server that did not start")
		}
	})

	// A --log-file that cannot be written says so among the diagnostics,
	// in Python's format like them: /dev/full fails every write.
	t.Run("log file that cannot be written", func(t *testing.T) {
		p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "--log-file", "/dev/full", "0")
		if got := curl(t, "--output", "/dev/null", "--write-out", "%{http_code}", p.url); got != "200" {
			t.Errorf("GET /: %s, want 200 whatever the log", got)
		}
		p.stop(t, syscall.SIGINT)
		line := `] accesslog: cannot write the access log; dropping lines until it works again err="write /dev/full: no space left on device"`
		if got := p.stderr.String(); !strings.Contains(got, line) || strings.Contains(got, "level=") {
			t.Errorf("stderr:\n%s\nwant a line in Python's format ending %q", got, line)
		}
	})
}

// checkFailure runs cmd and checks its exit status, that its stdout is
// empty and that its stderr is the one line "simplehttp: " + wantStderr.
func checkFailure(t *testing.T, cmd *exec.Cmd, wantStatus int, wantStderr string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(waitLimit):
		cmd.Process.Kill()
		t.Fatalf("%q still running after %v: it should have failed", cmd.Args, waitLimit)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != wantStatus {
		t.Errorf("%q: %v, want exit status %d", cmd.Args[1:], err, wantStatus)
	}
	if stdout.Len() != 0 {
		t.Errorf("%q: stdout = %q, want nothing", cmd.Args[1:], stdout.String())
	}
	if want := "simplehttp: " + wantStderr + "\n"; stderr.String() != want {
		t.Errorf("%q: stderr =\n%q, want\n%q", cmd.Args[1:], stderr.String(), want)
	}
}

// TestE2EHelpVersion checks -h and --version on the binary.
func TestE2EHelpVersion(t *testing.T) {
	out, err := command(t, "-h").Output()
	if err != nil || string(out) != usage {
		t.Errorf("-h: %v, output %q; want status 0 and the usage", err, out)
	}
	out, err = command(t, "--version").Output()
	if re := regexp.MustCompile(`^simplehttp \S+ \(go\S+ \w+/\w+\)\n$`); err != nil || !re.Match(out) {
		t.Errorf("--version: %v, output %q; want status 0 and a line matching %v", err, out, re)
	}
}

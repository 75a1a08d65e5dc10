package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The cores the server and wrk are pinned to (taskset -c).
const (
	serverCPU = "0"
	clientCPU = "1"
)

// peerNames are all peers, in table order; simplehttp comes first and is
// the numerator of every ratio.
var peerNames = []string{"simplehttp", "fileserver", "python", "nginx", "caddy", "ceiling", "rclone"}

// toolset holds the paths of the external programs; "" means missing.
type toolset struct {
	goCmd, wrk, taskset, nginx, python, caddy string
}

// lookTool finds name in PATH or in the sbin directories a non-root PATH
// may lack.
func lookTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// A peer is one running server.
type peer struct {
	name   string
	desc   string // how it was started, for the report
	cmd    *exec.Cmd
	port   int
	log    *os.File      // stdout (after the startup line) and stderr
	exited chan struct{} // closed when the process has been reaped
	err    error         // the Wait error, valid after exited is closed
}

func (p *peer) pid() int { return p.cmd.Process.Pid }

func (p *peer) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path) }

// alive reports whether the process is still running.
func (p *peer) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop ends the peer by its own PID: SIGTERM, then SIGKILL after 5s.
func (p *peer) stop() {
	if p.alive() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	p.log.Close()
}

// servingRE matches the startup line of simplehttp, Python's http.server
// and our Go peers, and captures the port.
var servingRE = regexp.MustCompile(`^Serving HTTP on \S+ port (\d+) `)

// parseServingPort returns the port from a "Serving HTTP on ..." line.
func parseServingPort(line string) (int, bool) {
	m := servingRE.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 || n > 65535 {
		return 0, false
	}
	return n, true
}

// startPeer starts argv pinned to the server core, with stderr (and stdout
// after the startup line) going to logPath. If port is 0 the port is read
// from the "Serving HTTP on" line; otherwise startPeer waits until port
// accepts connections.
func startPeer(ctx context.Context, tools toolset, name, desc string, argv []string, env []string, logPath string, port int) (*peer, error) {
	if tools.taskset != "" {
		argv = append([]string{tools.taskset, "-c", serverCPU}, argv...)
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...) // taskset execs, so the PID is the server's
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &peer{name: name, desc: desc, cmd: cmd, port: port, log: logf, exited: make(chan struct{})}
	portc := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if n, ok := parseServingPort(sc.Text()); ok {
				portc <- n
				break
			}
			fmt.Fprintln(logf, sc.Text())
		}
		io.Copy(logf, stdout) // keep draining so the server never blocks on a full pipe
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()

	deadline := time.After(15 * time.Second)
	if port == 0 {
		select {
		case p.port = <-portc:
		case <-p.exited:
			return nil, fmt.Errorf("exited before listening (%v): %s", p.err, tail(logPath))
		case <-deadline:
			p.stop()
			return nil, fmt.Errorf("no \"Serving HTTP on\" line within 15s: %s", tail(logPath))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		}
	}
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.port), time.Second)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("exited before accepting connections (%v): %s", p.err, tail(logPath))
		case <-deadline:
			p.stop()
			return nil, fmt.Errorf("port %d not accepting connections within 15s: %s", p.port, tail(logPath))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if s := lastLines(string(b), 3); s != "" {
		return s
	}
	return "(no output)"
}

// freePort asks the kernel for a free 127.0.0.1 port, for servers (nginx)
// that cannot report the port they picked. Another process could take it
// before the server binds it; startPeer then fails clearly.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// env is the environment of one benchmark: the library's module root
// (the repository's root; the tools module is its tools directory), temp
// dir, docroot.
type env struct {
	root, tmp, docroot string
	tools              toolset
}

// goBuild builds pkg, relative to the module root dir, into the temp dir.
func (e *env) goBuild(ctx context.Context, dir, pkg, out string) (string, error) {
	bin := filepath.Join(e.tmp, "bin", out)
	cmd := exec.CommandContext(ctx, e.tools.goCmd, "build", "-o", bin, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s failed: %s", pkg, lastLines(string(b), 4))
	}
	return bin, nil
}

// helpText returns the combined output of argv (a --help run), bounded in time.
func helpText(ctx context.Context, argv ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, _ := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	return string(b)
}

// A launcher starts fresh instances of one peer. Each run gets its own
// process, so one run's peak RSS, leftover work (Python finishing
// listings for connections wrk has closed) or grown heap cannot leak into
// the next.
type launcher struct {
	name, desc string
	start      func(ctx context.Context, w workload) (*peer, error)
}

// prepare builds (if needed) and checks the peer called name, and returns
// its launcher. An error means the peer is skipped; its text says why
// and, where it helps, how to fix it.
func (e *env) prepare(ctx context.Context, name string) (*launcher, error) {
	logPath := filepath.Join(e.tmp, "logs", name+".log")
	simple := func(desc string, argv ...string) *launcher {
		return &launcher{name: name, desc: desc, start: func(ctx context.Context, _ workload) (*peer, error) {
			return startPeer(ctx, e.tools, name, desc, argv, nil, logPath, 0)
		}}
	}
	// configured starts a server that cannot pick its own port: each run
	// gets a free port and its config file, written by config.
	configured := func(desc, conf string, argv, env []string, config func(port int, w workload) string) *launcher {
		return &launcher{name: name, desc: desc, start: func(ctx context.Context, w workload) (*peer, error) {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(conf, []byte(config(port, w)), 0o644); err != nil {
				return nil, err
			}
			return startPeer(ctx, e.tools, name, desc, argv, env, logPath, port)
		}}
	}
	// perAsset is simple, with extra arguments for the static-assets
	// workloads.
	perAsset := func(desc string, extra map[string][]string, argv ...string) *launcher {
		return &launcher{name: name, desc: desc, start: func(ctx context.Context, w workload) (*peer, error) {
			args := append(slices.Clip(argv), extra[w.asset]...)
			if w.rich {
				args = append(args, extra["rich"]...)
			}
			return startPeer(ctx, e.tools, name, desc, args, nil, logPath, 0)
		}}
	}
	switch name {
	case "simplehttp":
		bin, err := e.goBuild(ctx, e.root, "./cmd/simplehttp", "simplehttp")
		if err != nil {
			return nil, err
		}
		help := helpText(ctx, bin, "--help")
		if !strings.Contains(help, "--protocol") && !strings.Contains(help, "-p VERSION") {
			return nil, errors.New("cmd/simplehttp has no -p/--protocol flag yet; it must run with -p HTTP/1.1")
		}
		argv := []string{bin, "0", "-b", "127.0.0.1", "-d", e.docroot, "-p", "HTTP/1.1"}
		desc := "simplehttp -p HTTP/1.1, access log on stderr -> file"
		if strings.Contains(help, "--log-file") {
			argv = append(argv, "--log-file="+filepath.Join(e.tmp, "logs", "simplehttp-access.log"))
			desc = "simplehttp -p HTTP/1.1 --log-file FILE"
		}
		desc += "; (i) --precompressed, (j) (k) --compress, (l) --upload --max-upload 200M, (m) --listing rich"
		return perAsset(desc, map[string][]string{"precompressed": {"--precompressed"}, "compress": {"--compress"},
			"upload": {"--upload", "--max-upload", "200M"}, "rich": {"--listing", "rich"}}, argv...), nil
	case "fileserver":
		bin, err := e.goBuild(ctx, filepath.Join(e.root, "tools"), "./loadbench/fileserverpeer", "fileserverpeer")
		if err != nil {
			return nil, err
		}
		return perAsset("http.FileServer(http.Dir(root)), no log; (j) (k) behind chi's middleware.Compress(5)",
			map[string][]string{"compress": {"-compress"}}, bin, "-b", "127.0.0.1", "-d", e.docroot), nil // port 0: a free one
	case "ceiling":
		bin, err := e.goBuild(ctx, filepath.Join(e.root, "tools"), "./loadbench/ceilingpeer", "ceilingpeer")
		if err != nil {
			return nil, err
		}
		return perAsset("net/http, same 1 KiB from memory for every request, no log; (l) PUT into a new file, 256 KiB buffer, fsync, no log",
			map[string][]string{"upload": {"-upload", e.docroot}}, bin, "-b", "127.0.0.1"), nil // no port: a free one
	case "python":
		if e.tools.python == "" {
			return nil, errors.New("python3 not found in PATH")
		}
		help := helpText(ctx, e.tools.python, "-m", "http.server", "--help")
		if strings.Contains(help, "--protocol") {
			return simple("python3 -m http.server -p HTTP/1.1, access log on stderr -> file",
				e.tools.python, "-u", "-m", "http.server", "0", "-b", "127.0.0.1", "-d", e.docroot, "-p", "HTTP/1.1"), nil
		}
		script := filepath.Join(e.tmp, "pyserver.py")
		if err := os.WriteFile(script, []byte(pythonWrapper), 0o644); err != nil {
			return nil, err
		}
		return simple("python3 http.server via wrapper (protocol_version = HTTP/1.1), access log on stderr -> file",
			e.tools.python, "-u", script, e.docroot), nil
	case "nginx":
		if e.tools.nginx == "" {
			return nil, errors.New("nginx not found; install it with: apt-get install -y nginx-light")
		}
		dir := filepath.Join(e.tmp, "nginx")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, "nginx.conf")
		mimeTypes := "/etc/nginx/mime.types"
		if _, err := os.Stat(mimeTypes); err != nil {
			mimeTypes = ""
		}
		desc := "nginx, 1 process (master_process off), access_log on -> file, sendfile on; (i) gzip_static on, (j) (k) gzip on, (l) dav_methods PUT"
		argv := []string{e.tools.nginx, "-p", dir + "/", "-c", conf, "-e", filepath.Join(dir, "error.log")}
		return configured(desc, conf, argv, nil, func(port int, w workload) string {
			return nginxConfig(dir, e.docroot, mimeTypes, port, w.asset, w.scale)
		}), nil
	case "caddy":
		if e.tools.caddy == "" {
			return nil, errors.New("caddy not found; install it with: apt-get install -y caddy")
		}
		dir := filepath.Join(e.tmp, "caddy")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, "Caddyfile")
		desc := "caddy run, file_server browse, access log -> file; (i) precompressed br gzip, (j) (k) encode zstd gzip"
		argv := []string{e.tools.caddy, "run", "--config", conf, "--adapter", "caddyfile"}
		env := []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
		return configured(desc, conf, argv, env, func(port int, w workload) string {
			return caddyConfig(dir, e.docroot, port, w.asset)
		}), nil
	case "rclone":
		return e.prepareRclone(logPath)
	}
	return nil, fmt.Errorf("unknown peer %q", name)
}

// pythonWrapper serves like `python3 -m http.server -p HTTP/1.1` on a
// Python without -p (before 3.11): argv[1] is the directory; port 0.
const pythonWrapper = `import functools, http.server, sys
http.server.SimpleHTTPRequestHandler.protocol_version = "HTTP/1.1"
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
http.server.test(HandlerClass=handler, ServerClass=http.server.ThreadingHTTPServer,
                 protocol="HTTP/1.1", port=0, bind="127.0.0.1")
`

// nginxConfig is a minimal single-process nginx serving docroot with an
// access log, sendfile and autoindex. if_modified_since "before" gives the
// 304 rule Python and net/http use (nginx's default, "exact", only
// answers 304 when the date equals the mtime). For the scaling sweeps
// (scale) it takes up to 16,384 connections and a listen backlog as long
// as the Go servers' (the kernel's somaxconn; nginx's own default is
// 511). The descriptors for them come from the limit it inherits from
// loadbench; worker_rlimit_nofile says the same for a setup with worker
// processes.
func nginxConfig(dir, docroot, mimeTypes string, port int, asset string, scale bool) string {
	limits, conns, backlog := "", 4096, ""
	if scale {
		limits = fmt.Sprintf("worker_rlimit_nofile %d;\n", fdLimitWanted)
		conns, backlog = 16384, " backlog=65535"
	}
	include := ""
	if mimeTypes != "" {
		include = "include " + mimeTypes + ";"
	}
	switch asset {
	case "precompressed":
		include += "\n    gzip_static on;"
	case "compress":
		// nginx's own gzip (nginx-light has no brotli), its default
		// level 1, for what the workloads send.
		include += "\n    gzip on; gzip_min_length 1024; gzip_types text/javascript application/javascript;"
	case "upload":
		// PUT with the dav module: the body goes to client_body_temp_path
		// (under dir, the same disk as docroot), then is renamed.
		include += "\n    dav_methods PUT; create_full_put_path off; client_max_body_size 200m;"
	}
	return fmt.Sprintf(`# written by loadbench
daemon off;
master_process off;
worker_processes 1;
%[5]spid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections %[6]d; }
http {
    %[4]s
    default_type application/octet-stream;
    access_log %[1]s/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    if_modified_since before;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen 127.0.0.1:%[3]d%[7]s;
        root %[2]s;
        autoindex on;
    }
}
`, dir, docroot, port, include, limits, conns, backlog)
}

// caddyConfig is Caddy serving docroot with an access log, browse for
// listings, and the asset settings of the workload: precompressed copies
// (br, then gzip) or the encode directive (Caddy 2's gzip and zstd; its
// standard build has no brotli encoder).
func caddyConfig(dir, docroot string, port int, asset string) string {
	fileServer := "file_server browse"
	extra := ""
	switch asset {
	case "precompressed":
		fileServer = "file_server browse {\n\t\tprecompressed br gzip\n\t}"
	case "compress":
		extra = "encode zstd gzip"
	}
	return fmt.Sprintf(`# written by loadbench
{
	admin off
	auto_https off
	storage file_system %[1]s
}
http://127.0.0.1:%[3]d {
	root * %[2]s
	log {
		output file %[1]s/access.log
	}
	%[5]s
	%[4]s
}
`, dir, docroot, port, fileServer, extra)
}

// preflight sends one request the way the workload does and checks the
// status (and body length, for files). A wrong answer is an error: the
// peer is not measured, since its rate would be that of the wrong answer
// (a 404 counted as files served). Otherwise it returns a note for the
// table on how a static asset went out, or "".
func preflight(ctx context.Context, p *peer, w workload) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", p.url(w.path), nil)
	if err != nil {
		return "", err
	}
	for _, h := range w.headers {
		k, v, _ := strings.Cut(h, ":")
		if strings.EqualFold(k, "Connection") {
			req.Close = true
			continue
		}
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return "", fmt.Errorf("check: %v", err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return "", fmt.Errorf("check: body: %v", err)
	}
	if resp.StatusCode != w.status {
		return "", fmt.Errorf("check: status %d, want %d", resp.StatusCode, w.status)
	}
	if w.status == 200 && w.size >= 0 && n != w.size {
		return "", fmt.Errorf("check: body %d bytes, want %d", n, w.size)
	}
	if w.asset != "" {
		return assetNote(w, resp.Header.Get("Content-Encoding"), n), nil
	}
	return "", nil
}

// assetNote says how a static-assets workload's body went out: its coding
// and size, and for the JavaScript file, against the reference sizes of
// brotli -q 9 and gzip -9 of the same file (the (j) target: within 10%).
func assetNote(w workload, coding string, n int64) string {
	if coding == "" {
		return fmt.Sprintf("sent uncompressed, %d bytes", n)
	}
	note := fmt.Sprintf("Content-Encoding %s, %d bytes", coding, n)
	if w.path != "/app.js" && w.path != "/plain.js" {
		return note
	}
	js := jsFixture()
	var ref []byte
	var err error
	switch coding {
	case "br":
		ref, err = encodeBrotli(js, 9)
		note += fmt.Sprintf("; brotli -q 9: %d", len(ref))
	case "gzip":
		ref, err = encodeGzip(js, 9)
		note += fmt.Sprintf("; gzip -9: %d", len(ref))
	default:
		return note
	}
	if err != nil || len(ref) == 0 {
		return note
	}
	ratio := float64(n) / float64(len(ref))
	verdict := "within 10%"
	if ratio > 1.10 {
		verdict = "MORE than 10% over"
	}
	return note + fmt.Sprintf(" (%.2fx, %s; of %d uncompressed)", ratio, verdict, len(js))
}

// headerLength sends one request as wrk sends it (request line, Host,
// the workload's header fields) on a connection of its own and returns
// the length of the answer's status line and header fields: what wrk's
// count of bytes read holds besides the body, once per answer. Only an
// answer of the expected status with a Content-Length will do: chunked
// framing would count as body.
func headerLength(ctx context.Context, p *peer, w workload) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	host := fmt.Sprintf("127.0.0.1:%d", p.port)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return 0, fmt.Errorf("header check: %v", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n", w.path, host)
	for _, h := range w.headers {
		req.WriteString(h + "\r\n")
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return 0, fmt.Errorf("header check: %v", err)
	}
	cr := &countingReader{r: conn}
	br := bufio.NewReader(cr)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, fmt.Errorf("header check: %v", err)
	}
	n := cr.n - int64(br.Buffered())
	resp.Body.Close()
	switch {
	case resp.StatusCode != w.status:
		return 0, fmt.Errorf("header check: status %d, want %d", resp.StatusCode, w.status)
	case resp.ContentLength < 0:
		return 0, errors.New("header check: no Content-Length: the body's framing would count as body")
	}
	return n, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

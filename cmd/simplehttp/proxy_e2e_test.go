package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// TestE2EBehindProxy runs the command with --auth and --trusted-proxy
// behind real reverse proxies (Go's httputil.ReverseProxy, and nginx when
// it is installed), each adding the client's address to X-Forwarded-For,
// with clients on two loopback addresses of their own, 127.0.0.2 and
// 127.0.0.3. The access log names the client, not the proxy, whatever
// X-Forwarded-For the client sent itself; the first client's five wrong
// passwords block it and not the second one.
func TestE2EBehindProxy(t *testing.T) {
	for _, name := range []string{"httputil", "nginx"} {
		t.Run(name, func(t *testing.T) {
			r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "--auth", "alice:secret", "--trusted-proxy", "127.0.0.1",
				"--log-format", "common", "0")
			upstream := r.baseURL(t)
			var front string
			if name == "nginx" {
				front = startNginx(t, upstream)
			} else {
				target, err := url.Parse(upstream)
				if err != nil {
					t.Fatal(err)
				}
				rp := httputil.NewSingleHostReverseProxy(target)
				srv := &http.Server{Handler: rp, ReadHeaderTimeout: waitLimit}
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				go srv.Serve(ln)
				t.Cleanup(func() { srv.Close() })
				front = "http://" + ln.Addr().String()
			}
			from := func(ip, password string) int {
				t.Helper()
				d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: waitLimit}
				c := &http.Client{Timeout: waitLimit, Transport: &http.Transport{DialContext: d.DialContext}}
				defer c.CloseIdleConnections()
				req, err := http.NewRequest("GET", front+"/hello.txt", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.SetBasicAuth("alice", password)
				// A client's own header, which only a trusted proxy's
				// word may follow.
				req.Header.Set("X-Forwarded-For", "203.0.113.66")
				resp, err := c.Do(req)
				if err != nil {
					if strings.Contains(err.Error(), "bind") {
						t.Skipf("cannot connect from %s: %v", ip, err)
					}
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			for i := 1; i <= 5; i++ {
				if code := from("127.0.0.2", "wrong"); code != 401 {
					t.Fatalf("failure %d from 127.0.0.2: %d, want 401", i, code)
				}
			}
			if code := from("127.0.0.2", "secret"); code != 429 {
				t.Errorf("127.0.0.2 after 5 failures: %d, want 429", code)
			}
			if code := from("127.0.0.3", "secret"); code != 200 {
				t.Errorf("127.0.0.3 through the same proxy: %d, want 200", code)
			}
			r.exit(t)
			var lines []string
			for _, l := range strings.Split(r.stderr.String(), "\n") {
				if strings.Contains(l, `"GET /hello.txt `) {
					lines = append(lines, l)
				}
			}
			want := []string{"127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.3"}
			if len(lines) != len(want) {
				t.Fatalf("%d request lines, want %d:\n%s", len(lines), len(want), r.stderr)
			}
			for i, l := range lines {
				if !strings.HasPrefix(l, want[i]+" - alice [") {
					t.Errorf("line %d %q: want the client %s", i+1, l, want[i])
				}
			}
		})
	}
}

// startNginx runs nginx (when it is installed) as a reverse proxy to
// upstream on a free port of 127.0.0.1, adding the client to
// X-Forwarded-For as its documentation shows, and returns its URL. It is
// stopped, by its own PID, when the test ends.
func startNginx(t *testing.T, upstream string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no end-to-end tests with outside programs")
	}
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
			t.Skip("nginx not found: this case runs behind it where it is installed (.ci/run installs it)")
		}
		bin = "/usr/sbin/nginx"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nginx listens on it; another process taking it first fails the start
	// Its files are named relative to its prefix (-p dir), never by
	// dir's path, which may hold a space (a TMPDIR of the developer's),
	// where nginx would read two arguments: dir holds one, so that this
	// test, which reads nginx's log, shows it.
	dir := filepath.Join(t.TempDir(), "nginx prefix")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid nginx.pid;
error_log error.log;
events {}
http {
	access_log off;
	client_body_temp_path body;
	proxy_temp_path proxy;
	fastcgi_temp_path fastcgi;
	uwsgi_temp_path uwsgi;
	scgi_temp_path scgi;
	server {
		listen %[1]s;
		location / {
			proxy_pass %[2]s;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		}
	}
}
`, addr, upstream)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"))
	out := new(syncbuf.Buffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s%s", out, log)
		case <-ctx.Done():
			t.Fatalf("nginx did not listen on %s: %v", addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

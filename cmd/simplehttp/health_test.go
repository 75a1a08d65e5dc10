package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestRunHealth runs the command with --health and checks the probe's
// answers, that they stay out of the access log, and that every other
// path still reaches the files. The answers carry the headers of every
// response: Server and those of -H (a dashboard in a browser needs CORS).
func TestRunHealth(t *testing.T) {
	dir := site(t)
	writeFile(t, dir+"/healthz.txt", "a file\n")
	r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--health", "/healthz", "-H", "Access-Control-Allow-Origin: *", "-H", "Cache-Control: max-age=60", "0")
	base := r.baseURL(t)
	tests := []struct {
		method, target string
		wantStatus     int
		wantHeader     map[string]string
		wantBody       string
	}{
		{"GET", "/healthz", 200, map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Length": "3", "Cache-Control": "no-store", "Allow": "",
			"Server": serverToken(), "Access-Control-Allow-Origin": "*"}, "ok\n"},
		{"HEAD", "/healthz", 200, map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Length": "3", "Access-Control-Allow-Origin": "*"}, ""},
		// Probes may add a query; it is ignored.
		{"GET", "/healthz?from=lb", 200, map[string]string{"Content-Length": "3"}, "ok\n"},
		{"POST", "/healthz", 405, map[string]string{"Allow": "GET, HEAD", "Content-Length": "19", "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store",
			"Server": serverToken(), "Access-Control-Allow-Origin": "*"}, "Method Not Allowed\n"},
		// Anything but the exact path is the file server's.
		{"GET", "/healthz/", 404, map[string]string{"Content-Type": "text/html;charset=utf-8"}, ""},
		{"GET", "/healthz.txt", 200, map[string]string{"Content-Type": "text/plain"}, "a file\n"},
		{"GET", "/hello.txt", 200, nil, "hello\n"},
	}
	for _, tt := range tests {
		resp, body := do(t, tt.method, base+tt.target, nil)
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%s %s: status = %d, want %d", tt.method, tt.target, resp.StatusCode, tt.wantStatus)
		}
		for k, v := range tt.wantHeader {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.target, k, got, v)
			}
		}
		if tt.wantBody != "" && body != tt.wantBody {
			t.Errorf("%s %s: body = %q, want %q", tt.method, tt.target, body, tt.wantBody)
		}
		if tt.method == "HEAD" && body != "" {
			t.Errorf("HEAD %s: body %q", tt.target, body)
		}
	}
	r.exit(t)
	log := r.stderr.String()
	if strings.Contains(log, "/healthz ") || strings.Contains(log, "/healthz?") {
		t.Errorf("the access log has the probes:\n%s", log)
	}
	for _, want := range []string{`"GET /healthz/ HTTP/1.1" 404`, `"GET /healthz.txt HTTP/1.1" 200`, `"GET /hello.txt HTTP/1.1" 200`} {
		if !strings.Contains(log, want) {
			t.Errorf("the access log has no %q:\n%s", want, log)
		}
	}
}

// TestRunNoHealth checks that without --health the path is a file path
// like any other, as in Python.
func TestRunNoHealth(t *testing.T) {
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "0")
	resp, _ := get(t, r.baseURL(t)+"/healthz")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /healthz: status = %d, want 404", resp.StatusCode)
	}
	r.exit(t)
}

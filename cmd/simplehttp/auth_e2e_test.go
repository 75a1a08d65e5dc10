package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestE2EAuth drives --auth and --auth-file with curl: the challenge,
// -u with a plain and a bcrypt user, the write scope, and the 429 that
// repeated failures bring.
func TestE2EAuth(t *testing.T) {
	need(t, "curl")
	dir := site(t)
	users := filepath.Join(t.TempDir(), "htpasswd")
	writeFile(t, users, "# htpasswd -B\nbob:"+hunter2Hash+"\n")
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "-p", "HTTP/1.1", "--auth", "alice:s3cret, with comma", "--auth-file", users, "0")

	status, h, body := headOf(t, curl(t, "--include", p.url+"/hello.txt"))
	if status != "HTTP/1.1 401 Unauthorized" || strings.Join(h["www-authenticate"], "|") != `Basic realm="restricted", charset="UTF-8"` ||
		!strings.Contains(body, "<p>Error code: 401</p>") {
		t.Errorf("no credentials: %q, WWW-Authenticate %q, body %q", status, h["www-authenticate"], body)
	}
	for _, tc := range []struct{ user, want string }{
		{"bob:hunter3", "401"},
		// A success of the same user forgets the failure.
		{"bob:hunter2", "hello\n200"},
		{"carol:hunter2", "401"},
		// One of another user does not: else a client that knows
		// alice's password could guess bob's without end.
		{"alice:s3cret, with comma", "hello\n200"},
	} {
		out := curl(t, "--user", tc.user, "--write-out", "%{http_code}", p.url+"/hello.txt")
		if !strings.HasSuffix(out, tc.want) || (tc.want == "401" && !strings.Contains(out, "<p>Error code: 401</p>")) {
			t.Errorf("curl --user %q: %q, want ...%q", tc.user, out, tc.want)
		}
	}
	// A curl that keeps trying the wrong password on one connection:
	// four 401s (carol's failure still counts), then 429 with
	// Retry-After (the block lasts one second, then doubles at each new
	// failure, so some of 20 requests fall in one however slow the
	// machine).
	args := []string{"--user", "bob:wrong", "--write-out", "%{http_code} %header{retry-after}\n"}
	for range 20 {
		args = append(args, "--output", "/dev/null", p.url+"/hello.txt")
	}
	codes := strings.Split(strings.TrimSpace(curl(t, args...)), "\n")
	if strings.Join(codes[:4], ",") != "401 ,401 ,401 ,401 " {
		t.Errorf("first four failures: %q, want 401 each", codes[:4])
	}
	blocked := 0
	for _, c := range codes[4:] {
		switch {
		case strings.HasPrefix(c, "429 ") && c != "429 ":
			blocked++
		case c != "401 ":
			t.Errorf("failure after the fifth in a row: %q, want 401 or 429 with Retry-After", c)
		}
	}
	if blocked == 0 {
		t.Errorf("20 failures: %q, want a 429 among them", codes)
	}
	p.stop(t, syscall.SIGINT)
	if strings.Contains(p.stderr.String(), "warning") {
		t.Errorf("a warning on 127.0.0.1: %s", p.stderr)
	}
	for _, want := range []string{`"GET /hello.txt HTTP/1.1" 401 `, `"GET /hello.txt HTTP/1.1" 429 `, "too many failed authentications, client blocked"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, p.stderr)
		}
	}
	if strings.Contains(p.stderr.String(), "hunter") || strings.Contains(p.stderr.String(), "s3cret") {
		t.Errorf("a password reached stderr:\n%s", p.stderr)
	}

	t.Run("write scope", func(t *testing.T) {
		p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "--auth-file", users, "--auth-for", "write", "--cgi", "0")
		out := curl(t, "--output", "/dev/null", "--write-out", "%{http_code}\n", p.url+"/hello.txt") +
			curl(t, "--head", "--output", "/dev/null", "--write-out", "%{http_code}\n", p.url+"/hello.txt")
		if out != "200\n200\n" {
			t.Errorf("GET and HEAD without credentials: %q, want 200 twice", out)
		}
		out = curl(t, "--output", "/dev/null", "--write-out", "%{http_code}\n", "--upload-file", filepath.Join(dir, "hello.txt"), p.url+"/new.txt")
		if out != "401\n" {
			t.Errorf("PUT without credentials: %q, want 401", out)
		}
		// Past authentication, the file server answers 501, as Python does.
		out = curl(t, "--user", "bob:hunter2", "--output", "/dev/null", "--write-out", "%{http_code}\n", "--request", "DELETE", p.url+"/hello.txt")
		if out != "501\n" {
			t.Errorf("DELETE with credentials: %q, want 501", out)
		}
		p.stop(t, syscall.SIGINT)
	})

	t.Run("refused htpasswd", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "htpasswd")
		writeFile(t, bad, "bob:"+hunter2Hash+"\nann:$apr1$2nQ2xVvy$5OVWx1zOBgIUbCcM0NRDq.\n")
		checkFailure(t, command(t, "-b", "127.0.0.1", "--auth-file", bad, "0"), 1,
			`--auth-file "`+bad+`": line 2: user "ann": an MD5 hash ($apr1$, htpasswd -m, the default of old htpasswd) is not supported: want a bcrypt hash (htpasswd -B)`)
		checkFailure(t, command(t, "-b", "127.0.0.1", "--auth-for", "write", "0"), 2, "--auth-for requires --auth or --auth-file to be set")
	})
}

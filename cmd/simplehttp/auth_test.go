package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// hunter2Hash is bcrypt.GenerateFromPassword("hunter2", bcrypt.MinCost).
const hunter2Hash = "$2a$04$eouE9lZt.x6ilSVM7Ijp4.AE9yMCdoW1ZQoS35zRPXpCkjIn5LCCq"

func basicAuth(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

func TestParseArgsAuth(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantUsers map[string]string
		wantFile  string
		wantFor   fileserver.AuthScope
		wantErr   string
	}{
		{"none", nil, nil, "", fileserver.AuthAll, ""},
		{"one user", []string{"--auth", "alice:secret"}, map[string]string{"alice": "secret"}, "", fileserver.AuthAll, ""},
		// A StringArray: commas and colons in a password are kept.
		{"repeated, colons and commas", []string{"--auth", "alice:a:b,c", "--auth=bob:" + hunter2Hash},
			map[string]string{"alice": "a:b,c", "bob": hunter2Hash}, "", fileserver.AuthAll, ""},
		{"file", []string{"--auth-file", "users"}, nil, "users", fileserver.AuthAll, ""},
		{"write scope", []string{"--auth-file", "users", "--auth-for", "write", "--upload"}, nil, "users", fileserver.AuthWrites, ""},
		{"write scope, nothing to write", []string{"--auth-file", "users", "--auth-for", "write"}, nil, "", 0, "--auth-for write without --upload or --cgi: nothing can be written, so no request would need credentials"},
		{"explicit all", []string{"--auth", "a:b", "--auth-for=all"}, map[string]string{"a": "b"}, "", fileserver.AuthAll, ""},
		// The messages never show a password.
		{"no colon", []string{"--auth", "alicesecret"}, nil, "", 0, "invalid --auth: want USER:PASSWORD (no ':' in the value)"},
		{"empty user", []string{"--auth", ":secret"}, nil, "", 0, "invalid --auth: empty user name in USER:PASSWORD"},
		{"empty password", []string{"--auth", "alice:"}, nil, "", 0, `invalid --auth for user "alice": empty password`},
		{"twice", []string{"--auth", "alice:a", "--auth", "alice:b"}, nil, "", 0, `invalid --auth: user "alice" given twice`},
		// An unset variable in --auth-file "$FILE" does not turn the
		// passwords off.
		{"empty file name", []string{"--auth-file", ""}, nil, "", 0, `invalid --auth-file "": want the name of an htpasswd file`},
		{"empty file name with users", []string{"--auth", "a:b", "--auth-file="}, nil, "", 0, `invalid --auth-file "": want the name of an htpasswd file`},
		{"scope without users", []string{"--auth-for", "write"}, nil, "", 0, "--auth-for requires --auth or --auth-file to be set"},
		{"scope all without users", []string{"--auth-for", "all"}, nil, "", 0, "--auth-for requires --auth or --auth-file to be set"},
		{"bad scope", []string{"--auth", "a:b", "--auth-for", "writes"}, nil, "", 0, `invalid --auth-for "writes": want all or write`},
		{"bad trusted proxy", []string{"--trusted-proxy", "proxy.local"}, nil, "", 0, `invalid --trusted-proxy "proxy.local": want an address or a CIDR prefix, like 127.0.0.1 or 10.0.0.0/8`},
		{"bad trusted prefix", []string{"--trusted-proxy", "10.0.0.0/40"}, nil, "", 0, `invalid --trusted-proxy "10.0.0.0/40": want an address or a CIDR prefix, like 127.0.0.1 or 10.0.0.0/8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseArgs(tt.args)
			if tt.wantErr != "" {
				var ue *usageError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &ue) {
					t.Fatalf("parseArgs(%q): %v, want usage error %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(cfg.AuthUsers, tt.wantUsers) || cfg.AuthFile != tt.wantFile || cfg.AuthFor != tt.wantFor {
				t.Errorf("parseArgs(%q): users %q, file %q, for %v; want %q, %q, %v", tt.args, cfg.AuthUsers, cfg.AuthFile, cfg.AuthFor, tt.wantUsers, tt.wantFile, tt.wantFor)
			}
		})
	}
}

func TestRunAuthErrors(t *testing.T) {
	dir := site(t)
	files := t.TempDir()
	sha := filepath.Join(files, "sha")
	writeFile(t, sha, "# users\nbob:"+hunter2Hash+"\nann:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n")
	empty := filepath.Join(files, "empty")
	writeFile(t, empty, "# nobody yet\n")
	good := filepath.Join(files, "good")
	writeFile(t, good, "bob:"+hunter2Hash+"\n")
	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantStderr string
	}{
		{"SHA-1 entry", []string{"--auth-file", sha}, 1,
			`simplehttp: --auth-file "` + sha + `": line 3: user "ann": a SHA-1 hash ({SHA}, htpasswd -s) is not supported: want a bcrypt hash (htpasswd -B)` + "\n"},
		{"missing file", []string{"--auth-file", filepath.Join(files, "nope")}, 1,
			`simplehttp: --auth-file "` + filepath.Join(files, "nope") + `": no such file or directory` + "\n"},
		{"a directory", []string{"--auth-file", files}, 1, `simplehttp: --auth-file "` + files + `": is a directory` + "\n"},
		{"no users", []string{"--auth-file", empty}, 1, `simplehttp: --auth-file "` + empty + `": no users` + "\n"},
		{"user in both", []string{"--auth-file", good, "--auth", "bob:x"}, 1,
			`simplehttp: --auth-file "` + good + `": user "bob" is also given by --auth` + "\n"},
		{"bad hash in --auth", []string{"--auth", "bob:$2y$10$short"}, 2,
			`simplehttp: --auth: fileserver: basic auth: user "bob": invalid bcrypt hash: crypto/bcrypt: hashedSecret too short to be a bcrypted password` + "\n"},
		{"--auth-for alone", []string{"--auth-for", "write"}, 2, "simplehttp: --auth-for requires --auth or --auth-file to be set\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"-b", "127.0.0.1", "-d", dir, "0"}, tt.args...)
			if status := run(t.Context(), args, &stdout, &stderr); status != tt.wantStatus {
				t.Errorf("run(%q) = %d, want %d", args, status, tt.wantStatus)
			}
			if stdout.Len() != 0 || stderr.String() != tt.wantStderr {
				t.Errorf("run(%q): stdout = %q, stderr = %q; want nothing, %q", args, stdout.String(), stderr.String(), tt.wantStderr)
			}
		})
	}
}

// TestRunAuthFileServed: an htpasswd file that the server would serve
// (in the directory, below it, or reached by a link in it) stops the
// command before it listens, since any client could download the hashes
// and guess the passwords offline; one beside the directory, or reached
// through a link to it from elsewhere, does not.
func TestRunAuthFileServed(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "site")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	users := "bob:" + hunter2Hash + "\n"
	writeFile(t, filepath.Join(dir, "users.htpasswd"), users)
	writeFile(t, filepath.Join(dir, ".git", "users"), users)
	writeFile(t, filepath.Join(base, "outside", "users"), users)
	writeFile(t, filepath.Join(base, "outside", "sub", "x"), "")
	for link, target := range map[string]string{
		"site/linked":     "../outside/users",       // served under --symlinks follow
		"outside/tosite":  "../site/users.htpasswd", // the file itself is in the directory
		"sitelink":        "site",
		"outside/dirlink": "../outside",
		"site/out":        "../outside/sub", // dir/out/.. is outside
	} {
		if err := os.Symlink(target, filepath.Join(base, link)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name, dir, file string
		refused         bool
	}{
		{"in the directory", dir, filepath.Join(dir, "users.htpasswd"), true},
		{"hidden, below it", dir, filepath.Join(dir, ".git", "users"), true},
		{"by a relative name", dir, filepath.Join(dir, "..", "site", "users.htpasswd"), true},
		{"by a name with ..", dir, dir + "/.git/../users.htpasswd", true},
		{"a link in the directory", dir, filepath.Join(dir, "linked"), true},
		{"a link to a file in it", dir, filepath.Join(base, "outside", "tosite"), true},
		{"served through a link to the directory", filepath.Join(base, "sitelink"), filepath.Join(dir, "users.htpasswd"), true},
		{"named through a link to the directory", dir, filepath.Join(base, "sitelink", "users.htpasswd"), true},
		{"beside the directory", dir, filepath.Join(base, "outside", "users"), false},
		{"through a link elsewhere", dir, filepath.Join(base, "outside", "dirlink", "users"), false},
		{"out of the directory by a link and ..", dir, dir + "/out/../users", false}, // not cleaned, as a shell passes it
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startRun(t, "-b", "127.0.0.1", "-d", tt.dir, "--auth-file", tt.file, "0")
			if !tt.refused {
				r.baseURL(t)
				r.exit(t)
				return
			}
			want := `simplehttp: --auth-file "` + tt.file + `": in the served directory, where clients can download it: keep it elsewhere` + "\n"
			if status := r.wait(t); status != 1 || r.stderr.String() != want {
				t.Errorf("exit status %d, stderr %q; want 1, %q", status, r.stderr.String(), want)
			}
			if l, ok := <-r.stdout; ok {
				t.Errorf("stdout %q, want nothing", l)
			}
		})
	}
}

func TestClearTextWarning(t *testing.T) {
	on := config{AuthUsers: map[string]string{"a": "b"}}
	tcp := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	tests := []struct {
		name  string
		cfg   config
		addr  net.Addr
		https bool
		warn  bool
	}{
		{"all interfaces", on, tcp("[::]:8000"), false, true},
		{"0.0.0.0", on, tcp("0.0.0.0:8000"), false, true},
		{"a LAN address", on, tcp("192.168.1.2:8000"), false, true},
		{"an IPv6 address", on, tcp("[2001:db8::1]:8000"), false, true},
		{"127.0.0.1", on, tcp("127.0.0.1:8000"), false, false},
		{"127.0.0.2", on, tcp("127.0.0.2:8000"), false, false},
		{"::1", on, tcp("[::1]:8000"), false, false},
		{"TLS", on, tcp("[::]:8000"), true, false},
		{"--auth-file", config{AuthFile: "f"}, tcp("[::]:8000"), false, true},
		{"no auth", config{}, tcp("[::]:8000"), false, false},
	}
	for _, tt := range tests {
		got := clearTextWarning(tt.cfg, tt.addr, tt.https)
		if (got != "") != tt.warn {
			t.Errorf("%s: warning %q, want one: %v", tt.name, got, tt.warn)
		}
	}
}

// TestRunTrustedProxy serves with --auth behind a reverse proxy at
// 127.0.0.1: with --trusted-proxy the access log names the client the
// proxy forwarded for, and a stranger's failed logins block the stranger,
// not the proxy's other clients; without it they block everyone.
func TestRunTrustedProxy(t *testing.T) {
	dir := site(t)
	viaProxy := func(base, client string) int {
		resp, _ := do(t, "GET", base+"/hello.txt", http.Header{
			"Authorization":   {basicAuth("alice:wrong")},
			"X-Forwarded-For": {client},
		})
		return resp.StatusCode
	}
	t.Run("trusted", func(t *testing.T) {
		r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--auth", "alice:secret", "--trusted-proxy", "127.0.0.0/8", "--log-format", "common", "0")
		base := r.baseURL(t)
		for i := 1; i <= 5; i++ {
			if code := viaProxy(base, "203.0.113.1"); code != 401 {
				t.Fatalf("failure %d: %d, want 401", i, code)
			}
		}
		if code := viaProxy(base, "203.0.113.1"); code != 429 {
			t.Errorf("the stranger after 5 failures: %d, want 429", code)
		}
		if code := viaProxy(base, "203.0.113.2"); code != 401 {
			t.Errorf("another client of the proxy: %d, want 401, not blocked", code)
		}
		r.exit(t)
		lines := strings.Split(strings.TrimSuffix(r.stderr.String(), "\n"), "\n")
		// 7 requests and the block's diagnostic, all with the client the
		// proxy forwarded for.
		if len(lines) != 8 || !strings.HasPrefix(lines[0], "203.0.113.1 - alice [") ||
			!strings.Contains(lines[4], "client blocked client=203.0.113.1 ") || !strings.HasPrefix(lines[7], "203.0.113.2 - alice [") {
			t.Errorf("log, want 8 lines of the forwarded clients:\n%s", r.stderr)
		}
	})
	t.Run("not trusted", func(t *testing.T) {
		r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--auth", "alice:secret", "--quiet", "0")
		base := r.baseURL(t)
		for range 5 {
			viaProxy(base, "203.0.113.1")
		}
		if code := viaProxy(base, "203.0.113.2"); code != 429 {
			t.Errorf("without --trusted-proxy, another client of the proxy: %d, want 429", code)
		}
		r.exit(t)
	})
}

// TestRunAuth serves with --auth through the whole handler: the 401 page
// with the -H and Server headers, the bcrypt user, the write scope, and
// the access log lines, which carry the user name but never the
// password or the Authorization header.
func TestRunAuth(t *testing.T) {
	dir := site(t)
	for _, format := range []string{"common", "json"} {
		t.Run(format, func(t *testing.T) {
			r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--auth", "alice:pw-SENTINEL-plain", "--auth", "bob:"+hunter2Hash,
				"-H", "X-Test: yes", "--log-format", format, "0")
			base := r.baseURL(t)
			resp, body := get(t, base+"/hello.txt")
			if resp.StatusCode != 401 || resp.Header.Get("Www-Authenticate") != `Basic realm="restricted", charset="UTF-8"` ||
				resp.Header.Get("X-Test") != "yes" || !strings.HasPrefix(resp.Header.Get("Server"), "simplehttp/") ||
				!strings.Contains(body, "<p>Error code: 401</p>") {
				t.Errorf("GET without credentials: %d, headers %v, body %q; want 401, the challenge, -H and Server, the page", resp.StatusCode, resp.Header, body)
			}
			for _, tc := range []struct {
				auth string
				want int
			}{
				{basicAuth("alice:pw-SENTINEL-plain"), 200},
				{basicAuth("bob:hunter2"), 200},
				{basicAuth("bob:pw-SENTINEL-wrong"), 401},
				{basicAuth("eve\x1b[2J:pw-SENTINEL"), 401},
			} {
				resp, body := do(t, "GET", base+"/hello.txt", http.Header{"Authorization": {tc.auth}})
				if resp.StatusCode != tc.want || (tc.want == 200 && body != "hello\n") {
					t.Errorf("GET with %q: %d %q, want %d", tc.auth, resp.StatusCode, body, tc.want)
				}
			}
			if w := "warning"; strings.Contains(r.stderr.String(), w) {
				t.Errorf("stderr holds a warning on 127.0.0.1: %s", r.stderr)
			}
			r.exit(t)
			log := r.stderr.String()
			for _, bad := range []string{"SENTINEL", "Authorization", "Basic ", base64.StdEncoding.EncodeToString([]byte("alice:pw")), "\x1b"} {
				if strings.Contains(log, bad) {
					t.Errorf("the log holds %q:\n%s", bad, log)
				}
			}
			lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
			if len(lines) != 5 {
				t.Fatalf("log of %d lines, want 5:\n%s", len(lines), log)
			}
			if format == "common" {
				// The user name the client sent, authenticated or
				// not, control characters escaped.
				for i, want := range []string{` - - [`, ` - alice [`, ` - bob [`, ` - bob [`, ` - eve\x1b\x5b2J [`} {
					if !strings.Contains(lines[i], want) {
						t.Errorf("line %d %q lacks %q", i+1, lines[i], want)
					}
				}
				return
			}
			for i, l := range lines {
				var rec map[string]any
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatalf("line %d %q: %v", i+1, l, err)
				}
			}
		})
	}

	t.Run("write scope", func(t *testing.T) {
		r := startRun(t, "-b", "127.0.0.1", "-d", dir, "--auth", "alice:secret", "--auth-for", "write", "--cgi", "--quiet", "0")
		base := r.baseURL(t)
		for _, tc := range []struct {
			method, auth string
			want         int
		}{
			{"GET", "", 200},
			{"HEAD", "", 200},
			{"PUT", "", 401},
			{"POST", "", 401},
			{"DELETE", "", 401},
			// Past authentication, the file server answers these as
			// Python does.
			{"POST", basicAuth("alice:secret"), 501},
			{"PUT", basicAuth("alice:secret"), 501},
		} {
			resp, _ := do(t, tc.method, base+"/hello.txt", http.Header{"Authorization": {tc.auth}})
			if resp.StatusCode != tc.want {
				t.Errorf("%s with %q: %d, want %d", tc.method, tc.auth, resp.StatusCode, tc.want)
			}
		}
		r.exit(t)
	})
}

// TestRunAuthCacheControl checks the Cache-Control that --cache-control
// gives fingerprinted names when --auth asks every request for
// credentials: private, since a "public" response to a request with
// credentials is one a shared cache in front may give to any client
// (RFC 9111 section 3.5; nginx's proxy_cache served the protected file to
// a client without credentials for a year). Under --auth-for write reads
// are open, and the policy stays public.
func TestRunAuthCacheControl(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"app.3f9a2c1b.js", "index.html"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	users := filepath.Join(t.TempDir(), "users.htpasswd")
	if err := os.WriteFile(users, []byte("bob:"+hunter2Hash+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		args      []string
		auth      string
		immutable string
	}{
		{"all", []string{"--auth", "alice:secret"}, basicAuth("alice:secret"), "private, max-age=31536000, immutable"},
		{"all, file", []string{"--auth-file", users}, basicAuth("bob:hunter2"), "private, max-age=31536000, immutable"},
		{"write", []string{"--auth", "alice:secret", "--auth-for", "write", "--upload"}, "", "public, max-age=31536000, immutable"},
		{"no auth", nil, "", "public, max-age=31536000, immutable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRun(t, append([]string{"-b", "127.0.0.1", "-d", dir, "--cache-control", "no-cache", "--quiet", "0"}, tc.args...)...)
			base := r.baseURL(t)
			for _, c := range []struct{ path, want string }{
				{"/app.3f9a2c1b.js", tc.immutable},
				{"/index.html", "no-cache"},
			} {
				resp, body := do(t, "GET", base+c.path, http.Header{"Authorization": {tc.auth}})
				if resp.StatusCode != 200 || body != "x\n" || strings.Join(resp.Header.Values("Cache-Control"), "|") != c.want {
					t.Errorf("GET %s: %d %q, Cache-Control %q; want 200, Cache-Control %q", c.path, resp.StatusCode, body, resp.Header.Values("Cache-Control"), c.want)
				}
			}
			if tc.auth != "" {
				resp, _ := get(t, base+"/app.3f9a2c1b.js")
				if resp.StatusCode != 401 || resp.Header["Cache-Control"] != nil {
					t.Errorf("GET without credentials: %d, Cache-Control %q; want 401 without one", resp.StatusCode, resp.Header["Cache-Control"])
				}
			}
			r.exit(t)
		})
	}
}

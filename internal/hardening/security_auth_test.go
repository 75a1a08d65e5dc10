package hardening

import (
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// bobHash is bcrypt.GenerateFromPassword("hunter2", bcrypt.MinCost).
const bobHash = "$2a$04$eouE9lZt.x6ilSVM7Ijp4.AE9yMCdoW1ZQoS35zRPXpCkjIn5LCCq"

// authStack is the command's composition with --auth: access log →
// errorpage → BasicAuth → file server, on 127.0.0.1.
type authStack struct {
	addr   string
	access *syncbuf.Buffer
	diag   *syncbuf.Buffer
}

func newAuthStack(t *testing.T, root string, format accesslog.Format, opts fileserver.BasicAuthOptions) *authStack {
	t.Helper()
	s := &authStack{access: &syncbuf.Buffer{}, diag: &syncbuf.Buffer{}}
	logger := slog.New(slog.NewTextHandler(s.diag, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fsrv, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsrv.Close() })
	al, err := accesslog.New(accesslog.Options{Writer: s.access, Format: format})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := errorpage.New(errorpage.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = logger
	auth, err := fileserver.NewBasicAuth(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(al.Handler(ep.Handler(auth.Handler(fsrv))))
	// As in the command: "OPTIONS *" reaches the handler.
	srv.Config.DisableGeneralOptionsHandler = true
	srv.Start()
	s.addr = srv.Listener.Addr().String()
	t.Cleanup(func() {
		srv.Close()
		al.Close()
	})
	return s
}

// TestSecurityAuthBypass tries to get a protected file without valid
// credentials: malformed and misleading Authorization headers, and
// request targets and methods that might take another way through. Not
// one may reach the file, nor may a password, or the Authorization
// header, reach a log, whatever the format.
func TestSecurityAuthBypass(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	secret := marker("secret")
	pw := marker("pw")
	writeTree(t, root, map[string]file{"secret.txt": {content: secret}, "dir/index.html": {content: secret}})
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, format := range []accesslog.Format{accesslog.Python, accesslog.Common, accesslog.Combined, accesslog.JSON} {
		t.Run(format.String(), func(t *testing.T) {
			s := newAuthStack(t, root, format, fileserver.BasicAuthOptions{
				Users:       map[string]string{"alice": pw, "bob": bobHash},
				MaxFailures: 1 << 30, // every attempt gets its answer, not a 429
			})
			req := func(method, target string, headers ...string) string {
				return method + " " + target + " HTTP/1.1\r\nHost: " + s.addr + "\r\n" + strings.Join(headers, "") + "Connection: close\r\n\r\n"
			}
			auth := func(v string) string { return "Authorization: " + v + "\r\n" }
			attacks := []string{
				req("GET", "/secret.txt"),
				req("GET", "/secret.txt", auth("Bearer "+b64("alice:"+pw))),
				req("GET", "/secret.txt", auth("Digest username=\"alice\"")),
				req("GET", "/secret.txt", auth("Basic")),
				req("GET", "/secret.txt", auth("Basic ")),
				req("GET", "/secret.txt", auth("Basic "+b64("alice:"+pw)+"!")),
				req("GET", "/secret.txt", auth("Basic "+strings.TrimRight(b64("alice:"+pw+"x"), "="))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice"+pw))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice:"))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice"))),
				req("GET", "/secret.txt", auth("Basic "+b64(":"+pw))),
				req("GET", "/secret.txt", auth("Basic "+b64(":"))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice\x00:"+pw))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice:"+pw+"\x00"))),
				req("GET", "/secret.txt", auth("Basic "+b64("\xffalice:"+pw))),
				req("GET", "/secret.txt", auth("Basic "+b64("ALICE:"+pw))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice :"+pw))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice:"+pw[:len(pw)-1]))),
				req("GET", "/secret.txt", auth("Basic "+b64("alice:"+pw+strings.Repeat("a", 60000)))),
				req("GET", "/secret.txt", auth("Basic "+b64("bob:hunter2"+strings.Repeat("!", 80)))),
				req("GET", "/secret.txt", auth("Basic "+b64("bob:"+bobHash))),
				req("GET", "/secret.txt", auth("Basic "+b64("mallory:"+pw))),
				// Two headers, one of them valid, in either order.
				req("GET", "/secret.txt", auth("Basic "+b64("alice:"+pw)), auth("Basic "+b64("x:y"))),
				req("GET", "/secret.txt", auth("Basic "+b64("x:y")), auth("Basic "+b64("alice:"+pw))),
				req("GET", "/secret.txt", auth("Basic "+b64("\x1b[2J\x85alice:"+pw))),
				// Credentials where net/http does not look for them.
				req("GET", "/secret.txt", "Proxy-Authorization: Basic "+b64("alice:"+pw)+"\r\n"),
				req("GET", "/secret.txt", "X-Authorization: Basic "+b64("alice:"+pw)+"\r\n"),
				// Other ways to the same file, and other methods.
				req("GET", "//secret.txt"), req("GET", "/%73ecret.txt"), req("GET", "/./secret.txt"),
				req("GET", "/dir/../secret.txt"), req("GET", "/dir/"), req("GET", "/dir"),
				req("GET", "http://"+s.addr+"/secret.txt"), req("HEAD", "/secret.txt"),
				req("OPTIONS", "*"), req("OPTIONS", "/secret.txt"), req("PROPFIND", "/secret.txt"),
				req("POST", "/secret.txt", "Content-Length: 0\r\n"),
				req("PUT", "/secret.txt", "Content-Length: 5\r\n") + "owned",
				"GET /secret.txt HTTP/1.0\r\n\r\n",
			}
			for _, a := range attacks {
				res := rawRequest(t, s.addr, a)
				if res.status != 401 && res.status != 400 {
					t.Errorf("%.120q: status %d, want 401 (or net/http's 400)", a, res.status)
				}
				if res.status == 401 && res.header.Get("Www-Authenticate") != `Basic realm="restricted", charset="UTF-8"` {
					t.Errorf("%.120q: 401 with WWW-Authenticate %q", a, res.header.Get("Www-Authenticate"))
				}
				if strings.Contains(string(res.raw), secret) {
					t.Errorf("%.120q: the secret came back", a)
				}
			}
			res := rawRequest(t, s.addr, req("GET", "/secret.txt", auth("basic "+b64("alice:"+pw))))
			if res.status != 200 || string(res.body) != secret {
				t.Errorf("valid credentials: status %d, body %q; want 200, the file", res.status, res.body)
			}
			res = rawRequest(t, s.addr, req("GET", "/secret.txt", auth("Basic "+b64("bob:hunter2"))))
			if res.status != 200 || string(res.body) != secret {
				t.Errorf("valid bcrypt credentials: status %d, body %q; want 200, the file", res.status, res.body)
			}
			t.Logf("%d attempts refused", len(attacks))

			logs := string(s.access.Bytes()) + string(s.diag.Bytes())
			for _, leak := range []string{pw, pw[len(pw)-12:], "hunter2", "Authorization:", "Basic " + b64("alice:" + pw)[:4], b64("alice:" + pw)[:20]} {
				if i := strings.Index(logs, leak); i >= 0 {
					t.Errorf("the logs hold %q: %q", leak, logs[max(0, i-300):min(len(logs), i+100)])
				}
			}
			// A client that puts credentials in the request target has
			// them logged with the target, as any server logs it, so
			// these come after the check.
			for _, a := range []string{
				req("GET", "http://alice:"+pw+"@"+s.addr+"/secret.txt"),
				req("GET", "/secret.txt?authorization=Basic%20"+b64("alice:"+pw)),
			} {
				if res := rawRequest(t, s.addr, a); res.status != 401 || strings.Contains(string(res.raw), secret) {
					t.Errorf("%.120q: status %d, want 401", a, res.status)
				}
			}
			switch format {
			case accesslog.Common, accesslog.Combined:
				if !strings.Contains(string(s.access.Bytes()), " - alice [") || !strings.Contains(string(s.access.Bytes()), ` - \x1b\x5b2J\x85alice [`) {
					t.Errorf("%s log lacks the user names sent, escaped:\n%s", format, s.access.Bytes())
				}
			case accesslog.Python:
				// No user field: every line has "-" in its place.
				checkLog(t, s.access.Bytes(), "127.0.0.1 - - [")
			}
			if format == accesslog.Common || format == accesslog.Combined {
				checkLog(t, s.access.Bytes(), "127.0.0.1 - ")
			}
		})
	}
}

// newGuessedStack is an authStack of users serving secret.txt, which
// holds the secret it returns, with its clock frozen: a block never ends.
func newGuessedStack(t *testing.T, users map[string]string) (*authStack, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	secret := marker("secret")
	writeTree(t, root, map[string]file{"secret.txt": {content: secret}})
	now := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
	return newAuthStack(t, root, accesslog.Common, fileserver.BasicAuthOptions{
		Users: users,
		Now:   func() time.Time { return now },
	}), secret
}

// TestSecurityAuthGuessing hammers the protected server with wrong
// passwords from many goroutines at once: every answer is 401 or 429,
// the 429s carry Retry-After and come once the client has failed
// MaxFailures times, and the right password is refused too while the
// client is blocked.
func TestSecurityAuthGuessing(t *testing.T) {
	s, secret := newGuessedStack(t, map[string]string{"bob": bobHash})
	const n = 64
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := rawRequestErr(s.addr, "GET /secret.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "+
				base64.StdEncoding.EncodeToString([]byte("bob:guess"+strconv.Itoa(i)))+"\r\nConnection: close\r\n\r\n")
			mu.Lock()
			defer mu.Unlock()
			counts[res.status]++
			if res.status == 429 && res.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			if strings.Contains(string(res.raw), secret) {
				t.Errorf("a guess got the secret")
			}
		}()
	}
	wg.Wait()
	// Requests in flight together may all be checked before the first
	// failure is counted: at least MaxFailures 401s, and the rest 429.
	if counts[401] < 5 || counts[401]+counts[429] != n {
		t.Errorf("answers %v, want at least 5 × 401 and the rest 429", counts)
	}
	res := rawRequest(t, s.addr, "GET /secret.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "+
		base64.StdEncoding.EncodeToString([]byte("bob:hunter2"))+"\r\nConnection: close\r\n\r\n")
	if res.status != 429 || res.header.Get("Retry-After") == "" {
		t.Errorf("right password while blocked: status %d, Retry-After %q; want 429 with one", res.status, res.header.Get("Retry-After"))
	}
	t.Logf("%d guesses: %v", n, counts)
}

// TestSecurityAuthGuessingBetweenLogins guesses bob's password over raw
// sockets as a client that knows alice's, logging in as alice after four
// guesses to have its failures forgotten: the fifth guess in a row still
// blocks it, and neither bob's password nor alice's gets it through then.
func TestSecurityAuthGuessingBetweenLogins(t *testing.T) {
	s, secret := newGuessedStack(t, map[string]string{"alice": "wonderland", "bob": bobHash})
	as := func(userPass string) rawResponse {
		return rawRequest(t, s.addr, "GET /secret.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "+
			base64.StdEncoding.EncodeToString([]byte(userPass))+"\r\nConnection: close\r\n\r\n")
	}
	for i := range 4 {
		if res := as("bob:guess" + strconv.Itoa(i)); res.status != 401 {
			t.Fatalf("guess %d: status %d, want 401", i+1, res.status)
		}
	}
	if res := as("alice:wonderland"); res.status != 200 {
		t.Fatalf("alice after four guesses: status %d, want 200", res.status)
	}
	if res := as("bob:guess4"); res.status != 401 {
		t.Fatalf("fifth guess: status %d, want 401", res.status)
	}
	for _, userPass := range []string{"alice:wonderland", "bob:hunter2", "bob:guess5"} {
		if res := as(userPass); res.status != 429 || res.header.Get("Retry-After") == "" || strings.Contains(string(res.raw), secret) {
			t.Errorf("%s after five guesses of bob's password: status %d, Retry-After %q; want 429 with one",
				strings.SplitN(userPass, ":", 2)[0], res.status, res.header.Get("Retry-After"))
		}
	}
}

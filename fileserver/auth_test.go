package fileserver_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/accesslog"
	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
	"golang.org/x/crypto/bcrypt"
)

// Hashes made with bcrypt.GenerateFromPassword at bcrypt.MinCost, so
// that the tests stay fast.
const (
	hunter2Hash = "$2a$04$eouE9lZt.x6ilSVM7Ijp4.AE9yMCdoW1ZQoS35zRPXpCkjIn5LCCq" // "hunter2"
	s3cretHash  = "$2a$04$MTOM9q3ARaeDzeqtMDOuJOEQ1NIQVItOEUz.Wh8CjonkJ7YuNEwLS" // "s3cret"
)

// basic is the Authorization header value of Basic credentials.
func basic(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

// testUsers are a plain-password user, two bcrypt users ($2a$ and $2y$)
// and a user with a non-ASCII name.
func testUsers() map[string]string {
	return map[string]string{
		"alice":  "secret",
		"bob":    hunter2Hash,
		"carol":  "$2y$" + strings.TrimPrefix(s3cretHash, "$2a$"),
		"élodie": "mot de passe",
	}
}

// reached is the handler behind the middleware: 200 "reached".
var reached = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("reached"))
})

// python401 is the start of Python's error page for 401.
const python401 = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <style type=\"text/css\">\n            :root {\n                color-scheme: light dark;\n            }\n        </style>\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 401</p>\n        <p>Message: Unauthorized.</p>\n        <p>Error code explanation: 401 - No permission -- see authorization schemes.</p>\n    </body>\n</html>\n"

func newAuth(t testing.TB, opts fileserver.BasicAuthOptions) *fileserver.BasicAuth {
	t.Helper()
	if opts.Users == nil {
		opts.Users = testUsers()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := fileserver.NewBasicAuth(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestBasicAuth(t *testing.T) {
	const challenge = `Basic realm="restricted", charset="UTF-8"`
	tests := []struct {
		name   string
		method string
		auth   []string // Authorization header values
		want   int
	}{
		{"no header", "GET", nil, 401},
		{"plain user", "GET", []string{basic("alice:secret")}, 200},
		{"bcrypt user $2a$", "GET", []string{basic("bob:hunter2")}, 200},
		{"bcrypt user $2y$", "GET", []string{basic("carol:s3cret")}, 200},
		{"UTF-8 user name", "GET", []string{basic("élodie:mot de passe")}, 200},
		{"HEAD", "HEAD", []string{basic("alice:secret")}, 200},
		// RFC 7617: the scheme name is case-insensitive.
		{"lower-case scheme", "GET", []string{"basic " + base64.StdEncoding.EncodeToString([]byte("alice:secret"))}, 200},
		{"upper-case scheme", "GET", []string{"BASIC " + base64.StdEncoding.EncodeToString([]byte("alice:secret"))}, 200},
		{"wrong password", "GET", []string{basic("alice:secrets")}, 401},
		{"password prefix", "GET", []string{basic("alice:secre")}, 401},
		{"bcrypt user, wrong password", "GET", []string{basic("bob:hunter3")}, 401},
		// bcrypt ignores the bytes after the 72nd: a longer password
		// must not match the hash of its prefix.
		{"bcrypt password over 72 bytes", "GET", []string{basic("bob:hunter2" + strings.Repeat("x", 70))}, 401},
		{"unknown user", "GET", []string{basic("mallory:secret")}, 401},
		{"another user's password", "GET", []string{basic("bob:secret")}, 401},
		{"bcrypt hash as password", "GET", []string{basic("bob:" + hunter2Hash)}, 401},
		{"user name case", "GET", []string{basic("Alice:secret")}, 401},
		{"Bearer", "GET", []string{"Bearer " + base64.StdEncoding.EncodeToString([]byte("alice:secret"))}, 401},
		{"scheme only", "GET", []string{"Basic"}, 401},
		{"empty credentials", "GET", []string{"Basic "}, 401},
		{"malformed base64", "GET", []string{"Basic YWxpY2U6c2VjcmV0!"}, 401},
		{"base64 without padding", "GET", []string{"Basic YWxpY2U6c2VjcmV0IQ"}, 401},
		{"two spaces", "GET", []string{"Basic  " + base64.StdEncoding.EncodeToString([]byte("alice:secret"))}, 401},
		{"no colon", "GET", []string{basic("alicesecret")}, 401},
		{"user without password", "GET", []string{basic("alice:")}, 401},
		{"user alone", "GET", []string{basic("alice")}, 401},
		{"empty user", "GET", []string{basic(":secret")}, 401},
		{"empty user and password", "GET", []string{basic(":")}, 401},
		{"non-UTF-8 user", "GET", []string{basic("\xffalice:secret")}, 401},
		{"NUL in user", "GET", []string{basic("alice\x00:secret")}, 401},
		{"non-UTF-8 password", "GET", []string{basic("alice:secret\xff")}, 401},
		{"very long header", "GET", []string{basic("alice:secret" + strings.Repeat("a", 5000))}, 401},
		// Valid credentials followed by junk base64 that is still
		// too long.
		{"long header, valid prefix", "GET", []string{basic("alice:secret") + strings.Repeat("A", 5000)}, 401},
		// Two headers, even two valid ones, are refused: which one
		// would a proxy or the log have looked at?
		{"two headers", "GET", []string{basic("alice:secret"), basic("alice:secret")}, 401},
		{"two headers, second valid", "GET", []string{basic("mallory:x"), basic("alice:secret")}, 401},
		{"POST", "POST", nil, 401},
		{"OPTIONS", "OPTIONS", nil, 401},
		{"PUT with credentials", "PUT", []string{basic("alice:secret")}, 200},
	}
	a := newAuth(t, fileserver.BasicAuthOptions{MaxFailures: 1000})
	h := a.Handler(reached)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/x", nil)
			if tt.auth != nil {
				r.Header["Authorization"] = tt.auth
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("%s /x: status = %d, want %d", tt.method, w.Code, tt.want)
			}
			got := w.Header().Get("Www-Authenticate")
			body := w.Body.String()
			if tt.want == 200 {
				// (The recorder keeps what the handler wrote, HEAD or not.)
				if got != "" || body != "reached" {
					t.Errorf("200: WWW-Authenticate %q, body %q; want none, the handler's", got, body)
				}
				return
			}
			if got != challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, challenge)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html;charset=utf-8" {
				t.Errorf("Content-Type = %q, want Python's error page type", ct)
			}
			if body != python401 {
				t.Errorf("body = %q, want Python's 401 page", body)
			}
		})
	}
}

func TestBasicAuthScope(t *testing.T) {
	a := newAuth(t, fileserver.BasicAuthOptions{Scope: fileserver.AuthWrites})
	h := a.Handler(reached)
	for _, tt := range []struct {
		method, auth string
		want         int
	}{
		{"GET", "", 200},
		{"HEAD", "", 200},
		{"OPTIONS", "", 200},
		// Outside the scope, credentials are not even looked at.
		{"GET", basic("alice:wrong"), 200},
		{"GET", "Bearer x", 200},
		{"PUT", "", 401},
		{"POST", "", 401},
		{"DELETE", "", 401},
		{"PATCH", "", 401},
		{"PROPFIND", "", 401},
		{"get", "", 401}, // methods are case-sensitive: "get" is not GET
		{"PUT", basic("alice:wrong"), 401},
		{"PUT", basic("alice:secret"), 200},
		{"POST", basic("bob:hunter2"), 200},
		{"DELETE", basic("carol:s3cret"), 200},
	} {
		r := httptest.NewRequest(tt.method, "/f", nil)
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("%s /f (Authorization %q): status = %d, want %d", tt.method, tt.auth, w.Code, tt.want)
		}
		if hasChallenge := w.Header().Get("Www-Authenticate") != ""; hasChallenge != (tt.want == 401) {
			t.Errorf("%s /f: WWW-Authenticate %q with status %d", tt.method, w.Header().Get("Www-Authenticate"), w.Code)
		}
	}
}

// TestBasicAuthScopeAccessLog: the access log names the user of a
// request whose credentials were checked, and of no request that the
// scope let through unchecked, whatever name its header carries.
func TestBasicAuthScopeAccessLog(t *testing.T) {
	var log bytes.Buffer
	al, err := accesslog.New(accesslog.Options{Writer: &log, Format: accesslog.Common})
	if err != nil {
		t.Fatal(err)
	}
	a := newAuth(t, fileserver.BasicAuthOptions{Scope: fileserver.AuthWrites})
	h := al.Handler(a.Handler(reached))
	for _, tt := range []struct{ method, auth, want string }{
		{"GET", basic("alice:wrong"), ` - - [`},
		{"GET", basic("alice:secret"), ` - - [`},
		{"PUT", basic("alice:secret"), ` - alice [`},
		{"PUT", basic("alice:wrong"), ` - alice [`}, // failed, as Apache logs it
	} {
		log.Reset()
		r := httptest.NewRequest(tt.method, "/f", nil)
		r.Header.Set("Authorization", tt.auth)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if err := al.Flush(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), tt.want) {
			t.Errorf("%s with %q: logged %q, want %q in it", tt.method, tt.auth, log.String(), tt.want)
		}
	}
}

// TestNestedBasicAuthAccessLog: the access log names the user an inner
// BasicAuth checked, though an outer one let the request through
// unchecked (outside its scope), with or without an errorpage middleware
// between them; it logged "-" for them.
func TestNestedBasicAuthAccessLog(t *testing.T) {
	var log bytes.Buffer
	al, err := accesslog.New(accesslog.Options{Writer: &log, Format: accesslog.Common})
	if err != nil {
		t.Fatal(err)
	}
	writes := newAuth(t, fileserver.BasicAuthOptions{Scope: fileserver.AuthWrites})
	all := newAuth(t, fileserver.BasicAuthOptions{})
	ep, err := errorpage.New(errorpage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		h    http.Handler
	}{
		{"writes outside all", al.Handler(writes.Handler(all.Handler(reached)))},
		{"all outside writes", al.Handler(all.Handler(writes.Handler(reached)))},
		{"writes, errorpage, all", al.Handler(writes.Handler(ep.Handler(all.Handler(reached))))},
	} {
		for _, c := range []struct{ method, auth, want string }{
			{"GET", basic("alice:secret"), ` - alice [`},
			{"GET", basic("alice:wrong"), ` - alice [`},
			{"PUT", basic("alice:secret"), ` - alice [`},
		} {
			log.Reset()
			r := httptest.NewRequest(c.method, "/f", nil)
			r.Header.Set("Authorization", c.auth)
			tt.h.ServeHTTP(httptest.NewRecorder(), r)
			if err := al.Flush(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(log.String(), c.want) {
				t.Errorf("%s: %s with %q: logged %q, want %q in it", tt.name, c.method, c.auth, log.String(), c.want)
			}
		}
	}
}

// TestBasicAuthSameWork checks that an unknown user costs what a known
// one costs: exactly one bcrypt comparison whenever a user has a bcrypt
// hash, none when all passwords are plain; and that a verified pair is
// then served from the cache.
func TestBasicAuthSameWork(t *testing.T) {
	tests := []struct {
		name  string
		users map[string]string
		auth  string
		want  int   // status
		runs  int64 // bcrypt comparisons
	}{
		{"bcrypt user", testUsers(), basic("bob:hunter2"), 200, 1},
		{"bcrypt user, wrong password", testUsers(), basic("bob:nope"), 401, 1},
		{"plain user among bcrypt ones", testUsers(), basic("alice:secret"), 200, 1},
		{"plain user, wrong password", testUsers(), basic("alice:nope"), 401, 1},
		{"unknown user", testUsers(), basic("mallory:nope"), 401, 1},
		{"empty user", testUsers(), basic(":nope"), 401, 1},
		{"bcrypt password over 72 bytes", testUsers(), basic("bob:" + strings.Repeat("x", 100)), 401, 1},
		// bcrypt looks at 72 bytes: a password of exactly 72 is whole.
		{"bcrypt password of 72 bytes", map[string]string{"dave": bcryptHash(t, strings.Repeat("x", 72))}, basic("dave:" + strings.Repeat("x", 72)), 200, 1},
		{"plain users only: known", map[string]string{"alice": "secret"}, basic("alice:secret"), 200, 0},
		{"plain users only: unknown", map[string]string{"alice": "secret"}, basic("eve:secret"), 401, 0},
		// Malformed credentials name no user: nothing to compare.
		{"malformed", testUsers(), "Basic !!", 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, fileserver.BasicAuthOptions{Users: tt.users})
			n := fileserver.CountBcrypt(a)
			h := a.Handler(reached)
			for i, wantRuns := range []int64{tt.runs, 2 * tt.runs} {
				if tt.want == 200 && i == 1 {
					wantRuns = tt.runs // the second time comes from the cache
				}
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("Authorization", tt.auth)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tt.want || n.Load() != wantRuns {
					t.Errorf("request %d: status %d after %d bcrypt comparisons in all, want %d after %d", i+1, w.Code, n.Load(), tt.want, wantRuns)
				}
			}
		})
	}
}

// bcryptHash is a bcrypt hash of pw at the lowest cost.
func bcryptHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestBasicAuthCacheBounded(t *testing.T) {
	a := newAuth(t, fileserver.BasicAuthOptions{CacheSize: 1})
	n := fileserver.CountBcrypt(a)
	h := a.Handler(reached)
	for i, tc := range []struct {
		auth string
		runs int64
	}{
		{basic("bob:hunter2"), 1},
		{basic("bob:hunter2"), 1}, // cached
		{basic("carol:s3cret"), 2},
		{basic("bob:hunter2"), 3}, // pushed out by carol
		// A wrong password is never cached, not even after the right one.
		{basic("bob:hunter3"), 4},
		{basic("bob:hunter3"), 5},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", tc.auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if n.Load() != tc.runs {
			t.Errorf("request %d: %d bcrypt comparisons in all, want %d", i+1, n.Load(), tc.runs)
		}
	}
}

// clock is a settable clock for the failure limits.
type clock struct{ t atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) Advance(d time.Duration) { c.t.Add(int64(d)) }

// authRequest sends a GET with the Authorization header auth from
// remote to h, and returns the status and the Retry-After header.
func authRequest(h http.Handler, remote, auth string) (int, string) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = remote
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Header().Get("Retry-After")
}

func TestBasicAuthFailureLimit(t *testing.T) {
	c := newClock()
	a := newAuth(t, fileserver.BasicAuthOptions{Now: c.Now, MaxRetryAfter: 5 * time.Second})
	n := fileserver.CountBcrypt(a)
	h := a.Handler(reached)
	const client = "192.0.2.7:40000"
	wrong, right := basic("bob:wrong"), basic("bob:hunter2")
	type step struct {
		advance   time.Duration
		remote    string
		auth      string
		want      int
		retry     string
		bcryptRun bool
	}
	steps := []step{
		// Five failures are answered 401...
		{0, client, wrong, 401, "", true},
		{time.Second, client, wrong, 401, "", true},
		// A request without credentials is a challenge, not a failure.
		{0, client, "", 401, "", false},
		{time.Second, client, wrong, 401, "", true},
		{0, client, wrong, 401, "", true},
		{0, client, wrong, 401, "", true},
		// ...then the client is blocked for a second: 429 without a
		// look at the password, even the right one, and even without.
		{0, client, right, 429, "1", false},
		{0, client, "", 429, "1", false},
		{0, "192.0.2.7:40001", right, 429, "1", false}, // another port, the same client
		// Other clients are not affected.
		{0, "192.0.2.8:40000", right, 200, "", true},
		{500 * time.Millisecond, client, wrong, 429, "1", false},
		// Once the block ends, a failure blocks again, twice as long,
		{500 * time.Millisecond, client, wrong, 401, "", true},
		{0, client, wrong, 429, "2", false},
		{1500 * time.Millisecond, client, wrong, 429, "1", false},
		{500 * time.Millisecond, client, wrong, 401, "", true},
		{0, client, wrong, 429, "4", false},
		// up to MaxRetryAfter.
		{4 * time.Second, client, wrong, 401, "", true},
		{0, client, wrong, 429, "5", false},
		{5 * time.Second, client, wrong, 401, "", true},
		{0, client, wrong, 429, "5", false},
		// A success once the block ends forgets it all: the next
		// failure is one of five again.
		{5 * time.Second, client, right, 200, "", false}, // cached since 192.0.2.8's success
		{0, client, wrong, 401, "", true},
		{0, client, right, 200, "", false}, // cached
		{0, client, wrong, 401, "", true},
		{0, client, wrong, 401, "", true},
		{0, client, wrong, 401, "", true},
		{0, client, wrong, 401, "", true},
		{0, client, wrong, 401, "", true},
		{0, client, wrong, 429, "1", false},
		// A quiet minute after the block forgets the failures too.
		{time.Second + time.Minute + time.Nanosecond, client, wrong, 401, "", true},
		{0, client, wrong, 401, "", true},
		// Malformed credentials and other schemes count as failures.
		{0, client, "Basic !!", 401, "", false},
		{0, client, "Bearer x", 401, "", false},
		{0, client, basic("bob"), 401, "", false},
		{0, client, right, 429, "1", false},
		// IPv6 clients are their /64.
		{0, "[2001:db8::1]:1", wrong, 401, "", true},
		{0, "[2001:db8::2]:1", wrong, 401, "", true},
		{0, "[2001:db8::3]:1", wrong, 401, "", true},
		{0, "[2001:db8::4]:1", wrong, 401, "", true},
		{0, "[2001:db8::5]:1", wrong, 401, "", true},
		{0, "[2001:db8::6]:1", right, 429, "1", false},
		{0, "[2001:db8:0:1::6]:1", right, 200, "", false},
		// An IPv4-mapped address is the IPv4 client.
		{0, "[::ffff:192.0.2.7]:1", right, 429, "1", false},
	}
	for i, s := range steps {
		c.Advance(s.advance)
		before := n.Load()
		code, retry := authRequest(h, s.remote, s.auth)
		ran := n.Load() > before
		if code != s.want || retry != s.retry || ran != s.bcryptRun {
			t.Fatalf("step %d (%s, %q): status %d, Retry-After %q, bcrypt ran %v; want %d, %q, %v",
				i+1, s.remote, s.auth, code, retry, ran, s.want, s.retry, s.bcryptRun)
		}
	}
}

// A block that has grown past 9 seconds is sent in Retry-After in
// decimal, rounded up to whole seconds.
func TestBasicAuthRetryAfterLong(t *testing.T) {
	c := newClock()
	h := newAuth(t, fileserver.BasicAuthOptions{Now: c.Now, MaxRetryAfter: time.Hour}).Handler(reached)
	const client = "192.0.2.7:1"
	wrong := basic("bob:wrong")
	for range 5 {
		authRequest(h, client, wrong)
	}
	for _, block := range []time.Duration{1, 2, 4, 8} {
		c.Advance(block * time.Second)
		authRequest(h, client, wrong) // the block is over: a failure blocks again
	}
	c.Advance(500 * time.Millisecond)
	if code, retry := authRequest(h, client, wrong); code != 429 || retry != "16" {
		t.Errorf("blocked for 16 s, 0.5 s in: status %d, Retry-After %q; want 429, %q", code, retry, "16")
	}
}

// TestBasicAuthFailureTableBounded fails from many addresses: the table
// never holds more than MaxClients, and the expired clients make room.
func TestBasicAuthFailureTableBounded(t *testing.T) {
	c := newClock()
	a := newAuth(t, fileserver.BasicAuthOptions{Now: c.Now, MaxClients: 100})
	h := a.Handler(reached)
	for i := range 1000 {
		remote := "10.0." + itoa(i/256) + "." + itoa(i%256) + ":1"
		if code, _ := authRequest(h, remote, "Basic !!"); code != 401 {
			t.Fatalf("%s: status %d, want 401", remote, code)
		}
		if got := fileserver.FailureTableSize(a); got > 100 {
			t.Fatalf("after %d clients: table of %d, want at most 100", i+1, got)
		}
	}
	// Past the window, the expired clients are swept out at once when
	// the table is full; a blocked client is still blocked while the
	// table stays below the limit.
	c.Advance(2 * time.Minute)
	for range 5 {
		authRequest(h, "192.0.2.1:1", "Basic !!")
	}
	if got := fileserver.FailureTableSize(a); got != 1 {
		t.Errorf("after the window: table of %d, want 1 (the expired clients swept)", got)
	}
	for i := range 50 {
		authRequest(h, "10.1.0."+itoa(i)+":1", "Basic !!")
	}
	if code, _ := authRequest(h, "192.0.2.1:1", "Basic !!"); code != 429 {
		t.Errorf("blocked client after 50 more: status %d, want 429", code)
	}
	if got := fileserver.FailureTableSize(a); got != 51 {
		t.Errorf("table of %d, want 51", got)
	}
}

// TestBasicAuthFullTableKeepsBlocks: a client that fills the table with
// addresses of its own, each with a failure, does not get its block
// forgotten: when the table is full, clients that are not blocked make
// room first.
func TestBasicAuthFullTableKeepsBlocks(t *testing.T) {
	c := newClock()
	h := newAuth(t, fileserver.BasicAuthOptions{Now: c.Now, MaxClients: 10, MaxRetryAfter: time.Hour}).Handler(reached)
	for range 10 {
		authRequest(h, "192.0.2.1:1", "Basic !!")
	}
	if code, _ := authRequest(h, "192.0.2.1:1", "Basic !!"); code != 429 {
		t.Fatalf("after 10 failures: status %d, want 429", code)
	}
	for i := range 200 {
		authRequest(h, "10.0.0."+itoa(i)+":1", "Basic !!")
	}
	if code, _ := authRequest(h, "192.0.2.1:1", "Basic !!"); code != 429 {
		t.Errorf("blocked client after 200 others filled the table: status %d, want 429", code)
	}
}

// TestBasicAuthFailureLimitNoPort: behind middleware that sets
// RemoteAddr to the client's bare IP from a proxy's header, an IPv6
// client is still its /64 and cannot dodge the limit by changing the
// rest of its address.
// TestBasicAuthFailureLimitOtherUser: a client that knows one user's
// password cannot guess another's without end by logging in between its
// guesses: a success forgets only failures that were all for its own
// user name (a password mistyped, then typed right), checked or served
// from the cache alike; failures for other names, or for several, stay
// until a quiet FailureWindow, and the fifth in a row blocks.
func TestBasicAuthFailureLimitOtherUser(t *testing.T) {
	const client = "192.0.2.9:40000"
	alice, bobWrong, bobRight := basic("alice:secret"), basic("bob:wrong"), basic("bob:hunter2")
	type step struct {
		auth  string
		want  int
		retry string
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"a login between guesses of another user", []step{
			{bobWrong, 401, ""}, {bobWrong, 401, ""}, {bobWrong, 401, ""}, {bobWrong, 401, ""},
			{alice, 200, ""}, // checked
			{bobWrong, 401, ""},
			{alice, 429, "1"}, {bobRight, 429, "1"},
		}},
		{"logins served from the cache", []step{
			{alice, 200, ""}, // cached from now on
			{bobWrong, 401, ""}, {bobWrong, 401, ""}, {bobWrong, 401, ""},
			{alice, 200, ""},
			{bobWrong, 401, ""},
			{alice, 200, ""},
			{bobWrong, 401, ""},
			{bobRight, 429, "1"},
		}},
		{"failures for several names", []step{
			{basic("alice:wrong"), 401, ""}, {bobWrong, 401, ""}, {basic("alice:wrong"), 401, ""}, {basic("alice:wrong"), 401, ""},
			{alice, 200, ""},
			{basic("alice:wrong"), 401, ""},
			{alice, 429, "1"},
		}},
		{"malformed credentials, then a login", []step{
			{"Basic !!", 401, ""}, {"Basic !!", 401, ""}, {"Basic !!", 401, ""}, {"Basic !!", 401, ""},
			{alice, 200, ""},
			{"Basic !!", 401, ""},
			{alice, 429, "1"},
		}},
		// Mistyped, then typed right: forgotten, as before.
		{"the user's own mistakes", []step{
			{bobWrong, 401, ""}, {bobWrong, 401, ""}, {bobWrong, 401, ""}, {bobWrong, 401, ""},
			{bobRight, 200, ""},
			{bobWrong, 401, ""}, {bobWrong, 401, ""}, {bobWrong, 401, ""}, {bobWrong, 401, ""},
			{bobRight, 200, ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newAuth(t, fileserver.BasicAuthOptions{Now: newClock().Now}).Handler(reached)
			for i, s := range tc.steps {
				if code, retry := authRequest(h, client, s.auth); code != s.want || retry != s.retry {
					t.Fatalf("step %d (%q): status %d, Retry-After %q; want %d, %q", i+1, s.auth, code, retry, s.want, s.retry)
				}
			}
		})
	}
}

func TestBasicAuthFailureLimitNoPort(t *testing.T) {
	c := newClock()
	a := newAuth(t, fileserver.BasicAuthOptions{Now: c.Now})
	h := a.Handler(reached)
	for i := 1; i <= 5; i++ {
		if code, _ := authRequest(h, "2001:db8::"+itoa(i), basic("bob:wrong")); code != 401 {
			t.Fatalf("failure %d: status %d, want 401", i, code)
		}
	}
	if code, retry := authRequest(h, "2001:db8::6", basic("bob:wrong")); code != 429 || retry != "1" {
		t.Errorf("after 5 failures from the /64: status %d, Retry-After %q; want 429, %q", code, retry, "1")
	}
}

// Behind a trusted reverse proxy, the client whose failures count is the
// one its X-Forwarded-For names: a stranger's failures block the stranger,
// not everyone who comes through the proxy. A client that is not the
// proxy cannot choose whose failures its own count as.
func TestBasicAuthTrustedProxies(t *testing.T) {
	via := func(h http.Handler, peer, xff string) int {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("Authorization", basic("bob:wrong"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	const proxy = "127.0.0.1:4000"
	c := newClock()
	h := newAuth(t, fileserver.BasicAuthOptions{Now: c.Now, TrustedProxies: []string{"127.0.0.1"}}).Handler(reached)
	for i := 1; i <= 5; i++ {
		if code := via(h, proxy, "203.0.113.1"); code != 401 {
			t.Fatalf("failure %d through the proxy: status %d, want 401", i, code)
		}
	}
	if code := via(h, proxy, "203.0.113.1"); code != 429 {
		t.Errorf("the stranger after 5 failures: status %d, want 429", code)
	}
	if code := via(h, proxy, "203.0.113.2"); code != 401 {
		t.Errorf("another client through the same proxy: status %d, want 401 (not blocked)", code)
	}
	// Sent straight, the header is the client's own word: its failures
	// are its own address's.
	if code := via(h, "198.51.100.7:1", "203.0.113.3"); code != 401 {
		t.Errorf("a forged header from a peer that is no proxy: status %d, want 401", code)
	}
	if code := via(h, "198.51.100.7:1", "203.0.113.1"); code != 401 {
		t.Errorf("a peer that names the blocked client: status %d, want 401, its own count", code)
	}

	// Without TrustedProxies every client of the proxy is the proxy.
	h = newAuth(t, fileserver.BasicAuthOptions{Now: c.Now}).Handler(reached)
	for range 5 {
		via(h, proxy, "203.0.113.1")
	}
	if code := via(h, proxy, "203.0.113.2"); code != 429 {
		t.Errorf("without TrustedProxies, another client of the proxy: status %d, want 429", code)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestClientOf(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:80":              "192.0.2.1",
		"[::ffff:192.0.2.1]:80":     "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:80": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:80":         "fe80::/64",
		"[::1]:80":                  "::/64",
		"@":                         "@",
		"":                          "",
		// Without a port, as middleware that sets RemoteAddr from a
		// proxy's header leaves it.
		"192.0.2.1":         "192.0.2.1",
		"::ffff:192.0.2.1":  "192.0.2.1",
		"2001:DB8:1:2::7":   "2001:db8:1:2::/64",
		"[2001:db8:1:2::7]": "2001:db8:1:2::/64",
	} {
		if got := fileserver.ClientOf(in); got != want {
			t.Errorf("clientOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewBasicAuthErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts fileserver.BasicAuthOptions
		want string
	}{
		{"no users", fileserver.BasicAuthOptions{}, "fileserver: basic auth: no users"},
		{"empty user", fileserver.BasicAuthOptions{Users: map[string]string{"": "x"}}, "fileserver: basic auth: empty user name"},
		{"colon", fileserver.BasicAuthOptions{Users: map[string]string{"a:b": "x"}}, `fileserver: basic auth: user "a:b": a user name cannot hold ':'`},
		{"control", fileserver.BasicAuthOptions{Users: map[string]string{"a\nb": "x"}}, `fileserver: basic auth: user "a\nb": control character in the user name`},
		{"DEL", fileserver.BasicAuthOptions{Users: map[string]string{"a\x7fb": "x"}}, `fileserver: basic auth: user "a\x7fb": control character in the user name`},
		{"empty password", fileserver.BasicAuthOptions{Users: map[string]string{"a": ""}}, `fileserver: basic auth: user "a": empty password`},
		{"bad bcrypt", fileserver.BasicAuthOptions{Users: map[string]string{"a": "$2y$10$short"}}, `fileserver: basic auth: user "a": invalid bcrypt hash: crypto/bcrypt: hashedSecret too short to be a bcrypted password`},
		{"bcrypt cut short", fileserver.BasicAuthOptions{Users: map[string]string{"a": hunter2Hash[:59]}}, `fileserver: basic auth: user "a": invalid bcrypt hash: 59 bytes long, want 60`},
		{"realm", fileserver.BasicAuthOptions{Users: map[string]string{"a": "x"}, Realm: "a\r\nb"}, `fileserver: basic auth: control character in realm "a\r\nb"`},
		{"scope", fileserver.BasicAuthOptions{Users: map[string]string{"a": "x"}, Scope: 7}, "fileserver: basic auth: unknown AuthScope(7)"},
		{"negative", fileserver.BasicAuthOptions{Users: map[string]string{"a": "x"}, MaxClients: -1}, "fileserver: BasicAuthOptions.MaxFailures, FailureWindow, MaxRetryAfter, MaxClients and CacheSize must not be negative"},
		{"proxy", fileserver.BasicAuthOptions{Users: map[string]string{"a": "x"}, TrustedProxies: []string{"10.0.0.0/33"}}, `fileserver: BasicAuthOptions.TrustedProxies: netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`},
	} {
		_, err := fileserver.NewBasicAuth(tt.opts)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestBasicAuthRealm(t *testing.T) {
	a := newAuth(t, fileserver.BasicAuthOptions{Realm: `files "of" C:\team é`})
	code, _ := authRequest(a.Handler(reached), "192.0.2.1:1", "")
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	a.Handler(reached).ServeHTTP(w, r)
	if want := `Basic realm="files \"of\" C:\\team é", charset="UTF-8"`; code != 401 || w.Header().Get("Www-Authenticate") != want {
		t.Errorf("status %d, WWW-Authenticate %q; want 401, %q", code, w.Header().Get("Www-Authenticate"), want)
	}
}

func TestAuthScopeText(t *testing.T) {
	for _, s := range []fileserver.AuthScope{fileserver.AuthAll, fileserver.AuthWrites} {
		b, err := s.MarshalText()
		var back fileserver.AuthScope = 9
		if err != nil || back.UnmarshalText(b) != nil || back != s || s.String() != string(b) {
			t.Errorf("%d: MarshalText %q, %v; UnmarshalText gives %v", s, b, err, back)
		}
	}
	if fileserver.AuthAll.String() != "all" || fileserver.AuthWrites.String() != "write" {
		t.Errorf("names %q, %q; want all, write", fileserver.AuthAll, fileserver.AuthWrites)
	}
	s := fileserver.AuthWrites
	if err := s.UnmarshalText([]byte("All")); err == nil || s != fileserver.AuthWrites ||
		err.Error() != `fileserver: unknown auth scope "All": want all or write` {
		t.Errorf(`UnmarshalText("All"): %v, scope %v`, err, s)
	}
	if _, err := fileserver.AuthScope(2).MarshalText(); err == nil || fileserver.AuthScope(2).String() != "AuthScope(2)" {
		t.Errorf("AuthScope(2): MarshalText error %v, String %q", err, fileserver.AuthScope(2))
	}
}

// TestBasicAuthErrorPages checks the 401 and 429 pages through the
// errorpage middleware (negotiated JSON keeps the headers) and through a
// custom ErrorHandler.
func TestBasicAuthErrorPages(t *testing.T) {
	c := newClock()
	a := newAuth(t, fileserver.BasicAuthOptions{Now: c.Now, MaxFailures: 1})
	pages, err := errorpage.New(errorpage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := pages.Handler(a.Handler(reached))
	for _, tt := range []struct {
		name, auth string
		want       int
		header     string
		body       string
	}{
		{"401", "", 401, "Www-Authenticate", `{"code":401,"message":"Unauthorized","explain":"No permission -- see authorization schemes"}` + "\n"},
		{"failure", basic("x:y"), 401, "Www-Authenticate", `{"code":401,"message":"Unauthorized","explain":"No permission -- see authorization schemes"}` + "\n"},
		{"429", basic("x:y"), 429, "Retry-After", `{"code":429,"message":"Too Many Requests","explain":"The user has sent too many requests in a given amount of time (\"rate limiting\")"}` + "\n"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", "application/json")
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want || w.Header().Get(tt.header) == "" || w.Body.String() != tt.body {
			t.Errorf("%s: status %d, %s %q, body %q; want %d, the header, %q", tt.name, w.Code, tt.header, w.Header().Get(tt.header), w.Body, tt.want, tt.body)
		}
	}

	var got []string
	a = newAuth(t, fileserver.BasicAuthOptions{Now: c.Now, MaxFailures: 1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, code int, message string) {
			got = append(got, itoa(code)+" "+message+" ["+w.Header().Get("Www-Authenticate")+"|"+w.Header().Get("Retry-After")+"]")
			w.WriteHeader(code)
		}})
	authRequest(a.Handler(reached), "192.0.2.1:1", "")
	authRequest(a.Handler(reached), "192.0.2.1:1", basic("x:y"))
	authRequest(a.Handler(reached), "192.0.2.1:1", basic("x:y"))
	want := []string{
		`401 Unauthorized [Basic realm="restricted", charset="UTF-8"|]`,
		`401 Unauthorized [Basic realm="restricted", charset="UTF-8"|]`,
		`429 Too Many Requests [|1]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ErrorHandler calls:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBasicAuthDiagnostics checks the slog lines: failures at Debug
// with the user name escaped, blocks at Warn, never a password.
func TestBasicAuthDiagnostics(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
	a := newAuth(t, fileserver.BasicAuthOptions{Logger: logger, MaxFailures: 2, Now: newClock().Now})
	h := a.Handler(reached)
	authRequest(h, "192.0.2.1:1", basic("bob\x1b[2J:pw-SENTINEL-1"))
	authRequest(h, "192.0.2.1:1", basic("bob:pw-SENTINEL-2"))
	authRequest(h, "192.0.2.1:1", basic("bob:pw-SENTINEL-3"))
	authRequest(h, "192.0.2.2:1", basic("alice:secret"))
	want := `level=DEBUG msg="fileserver: authentication failed" client=192.0.2.1 user=bob\x1b[2J reason="unknown user or wrong password"
level=DEBUG msg="fileserver: authentication failed" client=192.0.2.1 user=bob reason="unknown user or wrong password"
level=WARN msg="fileserver: too many failed authentications, client blocked" client=192.0.2.1 failures=2 for=1s
`
	if buf.String() != want {
		t.Errorf("log:\n%s\nwant\n%s", buf.String(), want)
	}
	if strings.Contains(buf.String(), "SENTINEL") || strings.Contains(buf.String(), "secret") {
		t.Errorf("a password reached the log: %s", buf.String())
	}
}

func TestBasicAuthHandlerNil(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handler(nil) did not panic")
		}
	}()
	newAuth(t, fileserver.BasicAuthOptions{}).Handler(nil)
}

// TestBasicAuthParallelGuesses sends many guesses from one client at
// once: no more passwords are checked than the limit allows (checked one
// by one, the guesses would all pass the block test before the first
// bcrypt comparison had failed), the rest get 429, and another client's
// burst of right credentials, not yet cached, all get through.
func TestBasicAuthParallelGuesses(t *testing.T) {
	a := newAuth(t, fileserver.BasicAuthOptions{})
	n := fileserver.CountBcrypt(a)
	h := a.Handler(reached)
	const guesses = 100
	codes := make(chan int, guesses)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := authRequest(h, "192.0.2.7:40000", basic("bob:wrong"+itoa(i)))
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if n.Load() != 5 || count[401] != 5 || count[429] != guesses-5 {
		t.Errorf("%d guesses at once: %d bcrypt comparisons, answers %v; want 5, 5 x 401, the rest 429", guesses, n.Load(), count)
	}

	n.Store(0)
	codes = make(chan int, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := authRequest(h, "192.0.2.8:40000", basic("bob:hunter2"))
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("right credentials sent 20 at once: status %d", c)
		}
	}
	if n.Load() < 1 || n.Load() > 5 {
		t.Errorf("right credentials sent 20 at once: %d bcrypt comparisons, want 1 to 5", n.Load())
	}
}

// TestBasicAuthWaiterGone: a request waiting for the client's other
// checks when the client half-closes its connection (its context is then
// done) is not answered 200 OK, as if its wrong credentials had let a PUT
// through: the response is cut, and it never reaches the handler.
func TestBasicAuthWaiterGone(t *testing.T) {
	a := newAuth(t, fileserver.BasicAuthOptions{MaxFailures: 1})
	entered, release := fileserver.HoldBcrypt(a)
	var handled atomic.Bool
	srv := httptest.NewServer(a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled.Store(true)
	})))
	defer srv.Close()
	req := "PUT /f HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic("bob:wrong") + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	dial := func() *net.TCPConn {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		return c.(*net.TCPConn)
	}
	first := dial()
	<-entered // the first check is in flight: the next request waits
	second := dial()
	second.CloseWrite()
	got, err := io.ReadAll(second)
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 || handled.Load() {
		t.Errorf("waiting request of a client that half-closed: response %q, handler reached %v; want no response", got, handled.Load())
	}
	if resp, err := io.ReadAll(first); err != nil || !bytes.HasPrefix(resp, []byte("HTTP/1.1 401 ")) {
		t.Errorf("the first request: %q, %v; want 401", resp, err)
	}
}

// TestBasicAuthCheckSlots: bcrypt comparisons run no more than a few at
// once across all clients (one per CPU), so that wrong passwords from many
// addresses at once cannot take every CPU: the others wait their turn,
// and one whose client leaves while it waits gets no response and counts
// as no failure.
func TestBasicAuthCheckSlots(t *testing.T) {
	a := newAuth(t, fileserver.BasicAuthOptions{})
	fileserver.SetCheckSlots(a, 1)
	entered, release := fileserver.HoldBcrypt(a)
	h := a.Handler(reached)
	send := func(ctx context.Context, remote string) chan int {
		done := make(chan int, 1)
		go func() {
			defer func() {
				if v := recover(); v != nil {
					if v != http.ErrAbortHandler {
						panic(v)
					}
					done <- 0 // cut: no response
				}
			}()
			r := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
			r.RemoteAddr = remote
			r.Header.Set("Authorization", basic("bob:wrong"))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			done <- w.Code
		}()
		return done
	}
	waitFor := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); fileserver.CheckWaiting(a) != n; {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests waiting for a slot, want %d", fileserver.CheckWaiting(a), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	first := send(context.Background(), "192.0.2.1:1")
	<-entered
	second := send(context.Background(), "192.0.2.2:1")
	ctx, leave := context.WithCancel(context.Background())
	third := send(ctx, "192.0.2.3:1")
	waitFor(2)
	select {
	case <-entered:
		t.Fatal("a second comparison ran while the only slot was taken")
	default:
	}
	leave()
	if code := <-third; code != 0 {
		t.Errorf("a request whose client left while waiting: %d, want no response", code)
	}
	waitFor(1)
	close(release)
	if code := <-first; code != 401 {
		t.Errorf("first: %d, want 401", code)
	}
	if code := <-second; code != 401 {
		t.Errorf("second, after its turn: %d, want 401", code)
	}
	// The one that left counts as no failure: its client has none.
	for i := 1; i <= 5; i++ {
		code, _ := authRequest(h, "192.0.2.3:1", basic("bob:wrong"))
		if code != 401 {
			t.Fatalf("failure %d of the client that had left: %d, want 401 (its abandoned check counted)", i, code)
		}
	}
}

// TestBasicAuthUnknownUserCost: a name with no bcrypt hash of its own (an
// unknown user, a plain-password user when some have bcrypt hashes) is
// compared against a hash of the highest cost among the users, so that
// its answer takes as long as the slowest known user's and does not tell
// which names exist. Each BasicAuth meets its users in another order.
func TestBasicAuthUnknownUserCost(t *testing.T) {
	costly, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost+1)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]string{"alice": "secret", "frank": string(costly)}
	for _, u := range []string{"bob", "carl", "dora", "emma", "gus"} {
		users[u] = hunter2Hash // the lowest cost
	}
	for i := range 8 {
		a := newAuth(t, fileserver.BasicAuthOptions{Users: users, MaxFailures: 1000})
		costs := fileserver.BcryptCosts(a)
		h := a.Handler(reached)
		statuses := map[string]int{"mallory:secret": 401, "alice:nope": 401, "alice:secret": 200, "bob:hunter2": 200}
		for _, cred := range []string{"mallory:secret", "alice:nope", "alice:secret", "bob:hunter2"} {
			if code, _ := authRequest(h, "192.0.2.1:1234", basic(cred)); code != statuses[cred] {
				t.Fatalf("BasicAuth %d, %s: status %d, want %d", i, cred, code, statuses[cred])
			}
		}
		want := []int{bcrypt.MinCost + 1, bcrypt.MinCost + 1, bcrypt.MinCost + 1, bcrypt.MinCost}
		if got := costs(); !slices.Equal(got, want) {
			t.Fatalf("BasicAuth %d: bcrypt costs compared %v, want %v (unknown user, plain user twice, bob)", i, got, want)
		}
	}
}

// TestBasicAuthHeaderBound: an Authorization header over 4096 bytes is
// refused with 401 and the challenge unread, even when it holds a user's
// credentials; one just under the bound is read.
func TestBasicAuthHeaderBound(t *testing.T) {
	// "Basic " and the base64 of "user:password": 6 + 4*ceil(n/3) bytes.
	under := strings.Repeat("u", 3066-len("dave:")) // 4094 bytes
	over := strings.Repeat("o", 3067-len("erin:"))  // 4098 bytes
	a := newAuth(t, fileserver.BasicAuthOptions{Users: map[string]string{"dave": under, "erin": over}, MaxFailures: 1000})
	h := a.Handler(reached)
	for _, tt := range []struct {
		auth string
		want int
	}{
		{basic("dave:" + under), 200},
		{basic("erin:" + over), 401},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", tt.auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		challenge := w.Header().Get("Www-Authenticate")
		if w.Code != tt.want || (challenge != "") != (tt.want == 401) {
			t.Errorf("Authorization of %d bytes: status %d, WWW-Authenticate %q; want %d, a challenge only with 401", len(tt.auth), w.Code, challenge, tt.want)
		}
		if tt.want == 200 && w.Body.String() != "reached" {
			t.Errorf("Authorization of %d bytes: body %q, want the handler's", len(tt.auth), w.Body.String())
		}
	}
}

// TestBasicAuthChallengeOwned: a middleware that edits the challenge of
// one 401 in place (say, to add a scheme's parameter) changes that
// response only: the next 401 still names the realm.
func TestBasicAuthChallengeOwned(t *testing.T) {
	a := newAuth(t, fileserver.BasicAuthOptions{Realm: "files"})
	want := `Basic realm="files", charset="UTF-8"`
	editing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Handler(reached).ServeHTTP(w, r)
		if v := w.Header()["Www-Authenticate"]; len(v) > 0 {
			v[0] = `Basic realm="edited"`
		}
	})
	editing.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	w := httptest.NewRecorder()
	a.Handler(reached).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got := w.Header().Get("Www-Authenticate"); w.Code != 401 || got != want {
		t.Errorf("401 after a middleware edited another's challenge: %d, WWW-Authenticate %q; want 401, %q", w.Code, got, want)
	}
}

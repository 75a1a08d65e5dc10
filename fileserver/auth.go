package fileserver

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/internal/forwarded"
	"github.com/simplehttp/simplehttp/internal/pyescape"
	"github.com/simplehttp/simplehttp/internal/scope"
)

// BasicAuthOptions configures a [BasicAuth]. Users is required; every
// other field has a default, given by its zero value.
type BasicAuthOptions struct {
	// Realm names the protected space in the challenge,
	// WWW-Authenticate: Basic realm="Realm", charset="UTF-8"; browsers
	// show it in their password prompt. Quotes and backslashes are
	// escaped; control characters are refused. If empty, "restricted".
	Realm string

	// Users maps each user name to its password. A password that begins
	// with $2a$, $2b$ or $2y$ is a bcrypt hash (htpasswd -B, or
	// [ReadHtpasswd]) and must be a valid one; any other is the password
	// itself, kept in memory only as a keyed digest. A user name must be
	// non-empty and hold no ':' (RFC 7617) and no control character; a
	// password must be non-empty. NewBasicAuth copies the map.
	Users map[string]string

	// Scope says which requests need credentials: every request
	// ([AuthAll], the zero value) or only those with a method other than
	// GET, HEAD and OPTIONS ([AuthWrites]). A request outside the scope
	// goes through unchecked, whatever Authorization header it carries;
	// the cgi middleware then gives its scripts no AUTH_TYPE or
	// REMOTE_USER, as Apache gives none to a request it did not
	// authenticate.
	Scope AuthScope

	// MaxFailures is the number of failed attempts from one client after
	// which it is blocked: each request it makes that needs credentials
	// is then answered 429 Too Many Requests with Retry-After, without
	// looking at the password. The first block lasts 1 second, and each
	// further failure once it ends doubles it, up to MaxRetryAfter.
	// A failure is a request with an Authorization header that does not
	// authenticate (a request without one only gets the challenge). A
	// client is its IP address (from r.RemoteAddr, with or without a
	// port, or from X-Forwarded-For when the peer is one of
	// TrustedProxies), or for IPv6 its /64 network: behind a reverse
	// proxy not listed there, every client is the proxy, so that one
	// client's failures block them all. A middleware in front that sets
	// r.RemoteAddr from a request header (chi's middleware.RealIP takes
	// True-Client-IP, X-Real-IP or X-Forwarded-For from any client) lets
	// a client name a new address with each guess, and so guess without
	// limit: put the BasicAuth in front of it, and name the proxy in
	// TrustedProxies instead. A success forgets its failures when they
	// were all for the user who succeeds (a password mistyped, then typed
	// right), so that a client that knows one user's password cannot
	// guess another's by logging in between guesses; a quiet
	// FailureWindow after its last failure or block forgets them all.
	// Guesses sent at once gain nothing: no more passwords of a client
	// are checked at a time than it has failures left before a block,
	// and its other requests wait for those checks. If zero, 5.
	MaxFailures int

	// FailureWindow is how long the failures of a client are remembered
	// after its last failure or the end of its block. If zero, 1 minute.
	FailureWindow time.Duration

	// MaxRetryAfter caps a block. If zero, 10 minutes.
	MaxRetryAfter time.Duration

	// TrustedProxies lists the reverse proxies whose X-Forwarded-For
	// header is believed, as CIDR prefixes ("10.0.0.0/8") or single
	// addresses ("::1"), as accesslog.Options.TrustedProxies does: for a
	// request from one of them, the client whose failures count is the
	// rightmost address of the header that is not itself a trusted proxy,
	// which a client cannot forge. If empty, the header is ignored.
	TrustedProxies []string

	// MaxClients bounds the number of clients whose failures are kept.
	// When the table is full, the clients whose failures have expired
	// make room; if none has, an arbitrary one is forgotten, one that is
	// not blocked if there is any (forgetting a block lifts it), so memory
	// stays bounded whatever the number of addresses an attacker has. If
	// zero, 10000 (about a megabyte).
	MaxClients int

	// CacheSize bounds the number of successful verifications
	// remembered, so that a client that sends the same valid credentials
	// again pays one keyed hash instead of a bcrypt comparison (tens of
	// milliseconds). The cache holds a keyed SHA-256 of the user name and
	// password, never the password; when it is full, arbitrary entries
	// make room. If zero, 1024.
	CacheSize int

	// Now is the clock of the failure limits. If nil, time.Now is used.
	Now func() time.Time

	// ErrorHandler sends the 401 Unauthorized (code 401, message
	// "Unauthorized") and 429 Too Many Requests (code 429, message "Too
	// Many Requests") responses, whose WWW-Authenticate or Retry-After
	// header is already set on w. Nothing has been written to w when it is
	// called. If nil, errorpage.Error(w, r, code, message, "") sends them:
	// the page of the errorpage middleware the handler runs in, or
	// Python's.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, code int, message string)

	// Logger receives the diagnostics: each failed attempt at level Debug
	// (client, user name with control characters escaped, reason) and
	// each block at level Warn (client, failures, length). A password or
	// an Authorization header is never logged. If nil, slog.Default() is
	// used.
	Logger *slog.Logger
}

// BasicAuth is middleware that asks for HTTP Basic credentials (RFC 7617)
// before letting a request through. It is created by [NewBasicAuth], is
// immutable afterwards (but for its caches) and is safe for concurrent
// use.
//
// It guarantees: a request in its scope reaches the wrapped handler only
// with the credentials of one of its users; passwords are compared in
// constant time, and every uncached check does the same work whether the
// user exists or not: one keyed digest and, when any user has a bcrypt
// hash, one bcrypt comparison, against the user's hash or, for an unknown
// user or a plain password, the costliest of them (give every hash the
// same cost, as htpasswd -B does, and they all take the same time); no
// more bcrypt comparisons run at once than there are CPUs (GOMAXPROCS),
// whatever the number of clients, the others waiting their turn, so that
// wrong passwords from many addresses cannot take the CPU from requests
// that need none; no password or Authorization header is ever logged or
// kept in clear.
type BasicAuth struct {
	challenge []string // the WWW-Authenticate header value
	users     map[string]credential
	dummy     []byte // the bcrypt hash of highest cost among users; nil if none
	key       []byte // HMAC key of the digests and of the cache
	scope     AuthScope
	proxies   []netip.Prefix // TrustedProxies
	limits    *failureLimiter
	cache     *verifiedCache
	// slots bounds the bcrypt comparisons running at once, across all
	// clients (see checkSlots); waiting counts the requests waiting for
	// one.
	slots   chan struct{}
	waiting atomic.Int64

	errorHandler func(w http.ResponseWriter, r *http.Request, code int, message string)
	logger       *slog.Logger

	// compare is bcrypt.CompareHashAndPassword; tests count its calls.
	compare func(hash, password []byte) error
}

// credential is what BasicAuth keeps of a user's password.
type credential struct {
	hash   []byte   // bcrypt hash; nil for a plain password
	digest [32]byte // keyed digest of a plain password
}

// maxBcryptPassword is the longest password bcrypt looks at: it ignores
// the bytes after the 72nd, so a longer password would match the hash of
// its first 72 bytes. Such a password never authenticates a bcrypt user.
const maxBcryptPassword = 72

// maxAuthorization bounds the Authorization header BasicAuth decodes;
// a longer one fails without being decoded. It leaves room for a
// password of some 3000 bytes.
const maxAuthorization = 4096

// NewBasicAuth checks opts and returns a BasicAuth. It returns an error
// if Users is empty, if a user name or a password is not valid, if a
// password that looks like a bcrypt hash is not a valid one, or if Realm
// holds a control character.
func NewBasicAuth(opts BasicAuthOptions) (*BasicAuth, error) {
	if len(opts.Users) == 0 {
		return nil, errors.New("fileserver: basic auth: no users")
	}
	realm := opts.Realm
	if realm == "" {
		realm = "restricted"
	}
	if hasControl(realm) {
		return nil, fmt.Errorf("fileserver: basic auth: control character in realm %q", realm)
	}
	realm = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(realm)
	a := &BasicAuth{
		challenge:    []string{`Basic realm="` + realm + `", charset="UTF-8"`},
		users:        make(map[string]credential, len(opts.Users)),
		key:          make([]byte, 32),
		scope:        opts.Scope,
		errorHandler: opts.ErrorHandler,
		logger:       opts.Logger,
		compare:      bcrypt.CompareHashAndPassword,
	}
	if opts.Scope != AuthAll && opts.Scope != AuthWrites {
		return nil, fmt.Errorf("fileserver: basic auth: unknown %v", opts.Scope)
	}
	rand.Read(a.key) // never fails (crypto/rand)
	maxCost := -1
	for user, pw := range opts.Users {
		switch {
		case user == "":
			return nil, errors.New("fileserver: basic auth: empty user name")
		case strings.Contains(user, ":"):
			return nil, fmt.Errorf("fileserver: basic auth: user %q: a user name cannot hold ':'", user)
		case hasControl(user):
			return nil, fmt.Errorf("fileserver: basic auth: user %q: control character in the user name", user)
		case pw == "":
			return nil, fmt.Errorf("fileserver: basic auth: user %q: empty password", user)
		}
		if !isBcrypt(pw) {
			a.users[user] = credential{digest: a.digest(pw)}
			continue
		}
		cost, err := bcryptCost(pw)
		if err != nil {
			return nil, fmt.Errorf("fileserver: basic auth: user %q: %w", user, err)
		}
		a.users[user] = credential{hash: []byte(pw)}
		if cost > maxCost {
			maxCost, a.dummy = cost, []byte(pw)
		}
	}
	if a.errorHandler == nil {
		a.errorHandler = sendError
	}
	proxies, err := forwarded.Parse(opts.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("fileserver: BasicAuthOptions.TrustedProxies: %w", err)
	}
	a.proxies = slices.Clip(proxies)
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a.limits = &failureLimiter{
		limit:   orDefault(opts.MaxFailures, 5),
		window:  orDefault(opts.FailureWindow, time.Minute),
		maxWait: orDefault(opts.MaxRetryAfter, 10*time.Minute),
		max:     orDefault(opts.MaxClients, 10000),
		now:     now,
		seed:    maphash.MakeSeed(),
		clients: map[string]*failures{},
	}
	if a.limits.limit < 0 || a.limits.window < 0 || a.limits.maxWait < 0 || a.limits.max < 0 || opts.CacheSize < 0 {
		return nil, errors.New("fileserver: BasicAuthOptions.MaxFailures, FailureWindow, MaxRetryAfter, MaxClients and CacheSize must not be negative")
	}
	a.cache = &verifiedCache{max: orDefault(opts.CacheSize, 1024), m: map[[32]byte]struct{}{}}
	a.slots = make(chan struct{}, checkSlots())
	return a, nil
}

// orDefault returns v, or def if v is zero.
func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// bcryptCost returns the cost of a bcrypt hash, or an error if hash is not
// one that a password can match: exactly 60 bytes, "$2?$", two digits of
// cost, '$' and 53 characters of bcrypt's base64 alphabet. bcrypt.Cost
// reads only the prefix, and a hash cut short by a copy and paste would
// be taken and then refuse every password.
func bcryptCost(hash string) (int, error) {
	// The messages quote nothing of hash: a password given with --auth
	// that happens to look like one must not be shown (the library's
	// own texts quote the cost's digits).
	cost, err := bcrypt.Cost([]byte(hash))
	if errors.Is(err, bcrypt.ErrHashTooShort) {
		return 0, fmt.Errorf("invalid bcrypt hash: %w", err)
	}
	if err != nil {
		return 0, errors.New("invalid bcrypt hash: its cost is not a number from 4 to 31")
	}
	if len(hash) != 60 {
		return 0, fmt.Errorf("invalid bcrypt hash: %d bytes long, want 60", len(hash))
	}
	for i := 7; i < len(hash); i++ {
		if c := hash[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '/') {
			return 0, fmt.Errorf("invalid bcrypt hash: byte %d is not in bcrypt's alphabet", i+1)
		}
	}
	return cost, nil
}

// isBcrypt reports whether s is meant as a bcrypt hash.
func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

// hasControl reports whether s holds a C0 control character or DEL.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// sendError is the default ErrorHandler.
func sendError(w http.ResponseWriter, r *http.Request, code int, message string) {
	errorpage.Error(w, r, code, message, "")
}

// Handler returns next wrapped by a: a request in a's scope goes on to
// next only with valid credentials. Without an Authorization header it
// is answered 401 with the challenge; with credentials that do not
// authenticate (another scheme, malformed Basic credentials, two
// Authorization headers, a header over 4096 bytes, an unknown user, a
// wrong password), 401 too, and the client's failure is counted; a
// client blocked for its failures gets 429 with Retry-After in seconds.
// A request that waits for the client's other checks (see
// [BasicAuthOptions.MaxFailures]) and whose context is done meanwhile,
// the client having gone, gets no response: the handler panics with
// [http.ErrAbortHandler], which net/http takes as an order to cut it.
// The scheme name is matched without regard to case ("basic" is valid).
// next gets the request as it came, Authorization header included. The
// access log records the user name the client sent, whether or not it
// authenticated, as Apache's does, but not for a request outside the
// scope, whose name nobody checked, unless another BasicAuth further in
// checks it.
//
// Handler panics if next is nil.
func (a *BasicAuth) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("fileserver: BasicAuth.Handler(nil)")
	}
	if a.key == nil {
		panic("fileserver: BasicAuth not made by NewBasicAuth")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.scope.covers(r.Method) {
			if len(r.Header["Authorization"]) != 0 {
				// Not checked: a CGI script inside must not be told
				// that this user logged in.
				r = scope.MarkCredentials(r, false)
			}
			next.ServeHTTP(w, r)
			return
		}
		if len(r.Header["Authorization"]) != 0 {
			// In scope, the credentials are this middleware's to
			// check, whatever one outside passed over: the access log
			// names their user even when they fail (as Apache's does),
			// and next gets them only verified.
			r = scope.MarkCredentials(r, true)
		}
		addr := r.RemoteAddr
		if a.proxies != nil {
			addr = forwarded.Client(r, a.proxies)
		}
		client := clientOf(addr)
		if wait := a.limits.blocked(client); wait > 0 {
			a.tooMany(w, r, wait)
			return
		}
		if len(r.Header["Authorization"]) == 0 {
			a.unauthorized(w, r)
			return
		}
		user, pw, reason := a.parse(r)
		if reason == "" && a.cache.has(a.cacheKey(user, pw)) {
			a.limits.forget(client, user) // verified before: no check to limit
			next.ServeHTTP(w, r)
			return
		}
		wait, err := a.limits.begin(r.Context(), client)
		if err != nil {
			// The client went away while its other checks ran. Cut
			// the response: returning would send 200 OK to whoever
			// still reads it, as if its credentials had been good.
			panic(http.ErrAbortHandler)
		}
		if wait > 0 {
			a.tooMany(w, r, wait)
			return
		}
		if reason == "" {
			ok, err := a.verify(r.Context(), user, pw)
			if err != nil {
				// The client went away while waiting for a slot.
				a.limits.abandon(client)
				panic(http.ErrAbortHandler)
			}
			if !ok {
				reason = "unknown user or wrong password"
			}
		}
		n, wait := a.limits.end(client, user, reason == "")
		if reason == "" {
			next.ServeHTTP(w, r)
			return
		}
		log := a.log()
		if log.Enabled(r.Context(), slog.LevelDebug) {
			log.LogAttrs(r.Context(), slog.LevelDebug, "fileserver: authentication failed",
				slog.String("client", client), slog.String("user", pyescape.Log(user)), slog.String("reason", reason))
		}
		if wait > 0 {
			log.LogAttrs(r.Context(), slog.LevelWarn, "fileserver: too many failed authentications, client blocked",
				slog.String("client", client), slog.Int("failures", n), slog.Duration("for", wait))
		}
		a.unauthorized(w, r)
	})
}

// tooMany sends 429 to a client blocked for wait.
func (a *BasicAuth) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	a.errorHandler(w, r, http.StatusTooManyRequests, "Too Many Requests")
}

// unauthorized sends 401 with the challenge.
func (a *BasicAuth) unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header()["Www-Authenticate"] = own(a.challenge)
	a.errorHandler(w, r, http.StatusUnauthorized, "Unauthorized")
}

// parse reads the Authorization header of r, which has one at least.
// It returns the user name and password sent, and "" if they are Basic
// credentials to check, or why not. They are parsed by
// [http.Request.BasicAuth], as the access log parses them, so that the
// user name logged is the one checked.
func (a *BasicAuth) parse(r *http.Request) (user, pw, reason string) {
	values := r.Header["Authorization"]
	if len(values) != 1 {
		return "", "", "several Authorization headers"
	}
	if len(values[0]) > maxAuthorization {
		return "", "", "Authorization header too long"
	}
	if scheme, _, _ := strings.Cut(values[0], " "); !strings.EqualFold(scheme, "Basic") {
		return "", "", "not the Basic scheme"
	}
	user, pw, ok := r.BasicAuth()
	if !ok {
		return "", "", "malformed Basic credentials"
	}
	return user, pw, ""
}

// verify reports whether pw is user's password. Unless the pair is in
// the cache, it does the same work for any user, known or not: one bcrypt
// comparison when any user has a bcrypt hash (against the user's hash, or
// the costliest one), and one keyed digest compared in constant time.
// The bcrypt comparison waits for one of a's slots; err is ctx's error if
// ctx is done first.
func (a *BasicAuth) verify(ctx context.Context, user, pw string) (ok bool, err error) {
	key := a.cacheKey(user, pw)
	if a.cache.has(key) {
		return true, nil
	}
	c, known := a.users[user]
	if a.dummy != nil {
		hash := c.hash
		if hash == nil {
			hash = a.dummy
		}
		if err := a.takeSlot(ctx); err != nil {
			return false, err
		}
		err := func() error {
			defer func() { <-a.slots }()
			return a.compare(hash, []byte(pw))
		}()
		ok = err == nil && c.hash != nil && len(pw) <= maxBcryptPassword
	}
	d := a.digest(pw)
	if subtle.ConstantTimeCompare(d[:], c.digest[:]) == 1 && known && c.hash == nil {
		ok = true
	}
	if ok {
		a.cache.add(key)
	}
	return ok, nil
}

// checkSlots is the number of bcrypt comparisons a BasicAuth runs at once,
// across all clients: one per CPU. Each takes tens of milliseconds of a
// CPU, so that without a bound, wrong passwords sent at once from many
// addresses (each within its own failure limit) would take every CPU from
// the requests that need none; with it, they wait their turn, and the
// rest of the server keeps its share.
func checkSlots() int { return max(1, runtime.GOMAXPROCS(0)) }

// takeSlot waits for a slot for a bcrypt comparison, or until ctx is done.
func (a *BasicAuth) takeSlot(ctx context.Context) error {
	select {
	case a.slots <- struct{}{}:
		return nil
	default:
	}
	a.waiting.Add(1)
	defer a.waiting.Add(-1)
	select {
	case a.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// digest is the keyed digest of a plain password.
func (a *BasicAuth) digest(pw string) [32]byte {
	return a.mac("password\x00", pw, "")
}

// cacheKey is the keyed digest of a user name and password. A user name
// holds no ':', so the pair is unambiguous.
func (a *BasicAuth) cacheKey(user, pw string) [32]byte {
	return a.mac("verified\x00", user+":", pw)
}

// mac is HMAC-SHA256 under a's key of the concatenated strings.
func (a *BasicAuth) mac(parts ...string) [32]byte {
	h := hmac.New(sha256.New, a.key)
	for _, p := range parts {
		h.Write([]byte(p))
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// log returns the diagnostics logger.
func (a *BasicAuth) log() *slog.Logger {
	if a.logger == nil {
		return slog.Default()
	}
	return a.logger
}

// verifiedCache is the set of the cache keys of credentials that have
// been verified, bounded in size.
type verifiedCache struct {
	mu  sync.RWMutex
	m   map[[32]byte]struct{}
	max int
}

func (c *verifiedCache) has(key [32]byte) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.m[key]
	return ok
}

func (c *verifiedCache) add(key [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k := range c.m { // an arbitrary entry
			delete(c.m, k)
			break
		}
	}
	c.m[key] = struct{}{}
}

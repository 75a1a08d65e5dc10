package fileserver

import (
	"context"
	"hash/maphash"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// failureLimiter counts the failed authentications of each client and
// blocks the clients that fail too often (see
// [BasicAuthOptions.MaxFailures]). Its table holds at most max clients
// (more only while their checks are in flight).
//
// A check is bracketed by begin and end, so that a client cannot beat
// the limit by sending its guesses at once: were each checked as it
// arrives, all of them would pass the "is it blocked?" test before the
// first (slow, bcrypt) check had failed. begin lets a check start only
// while the failures so far plus the checks in flight stay under the
// limit (one at a time after a block has ended, as its next failure
// blocks again); the requests beyond wait for a check to end, and then go
// ahead, or get the block its failure brought.
type failureLimiter struct {
	limit   int           // failures before a block
	window  time.Duration // how long failures are remembered
	maxWait time.Duration // the longest block
	max     int           // clients kept
	now     func() time.Time
	seed    maphash.Seed // of the hashes of user names

	mu        sync.Mutex
	clients   map[string]*failures
	lastSweep time.Time
}

// failures is what the limiter keeps of one client.
type failures struct {
	n     int       // failures in a row
	last  time.Time // of the last failure
	until time.Time // end of the block; zero if never blocked
	// user is the hash of the user name of the failures, and others
	// whether some were for another name: only a success of that user
	// forgets them.
	user   uint64
	others bool
	// pending counts the checks in flight (between begin and end).
	pending int
	// ended is closed, and set to nil, when a check in flight ends: the
	// requests waiting in begin look again. nil when none waits.
	ended chan struct{}
}

// expired reports whether f is forgotten at now: a window has passed
// since the last failure and the end of the block.
func (f *failures) expired(now time.Time, window time.Duration) bool {
	end := f.last
	if f.until.After(end) {
		end = f.until
	}
	return now.Sub(end) > window
}

// clientOf is the key of a client in the limiter's table: its IP address
// from r.RemoteAddr, IPv4-mapped IPv6 addresses as IPv4, and an IPv6
// address as its /64 network, which one machine often has whole. The
// port may be missing, as middleware that sets RemoteAddr from a proxy's
// header leaves it. An address that does not parse (a Unix socket) is
// its own key.
func clientOf(remoteAddr string) string {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		ip = ap.Addr()
	} else if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(remoteAddr, "["), "]")); err == nil {
		ip = a
	} else {
		return remoteAddr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return p.String()
	}
	return ip.String()
}

// begin reserves a check of client's credentials, to be followed by end.
// It returns 0 when the check may go ahead, or how long the client stays
// blocked (then there is no end to call). While the client's failures
// plus its checks in flight reach the limit, it waits for one of them to
// end; err is ctx's error if ctx is done first. It never waits when no
// check is in flight.
func (l *failureLimiter) begin(ctx context.Context, client string) (wait time.Duration, err error) {
	for {
		l.mu.Lock()
		now := l.now()
		f := l.entry(client, now)
		if now.Before(f.until) {
			wait = f.until.Sub(now)
			l.mu.Unlock()
			return wait, nil
		}
		// Up to the failures left before a block, and one at a time
		// once a block has ended (the next failure blocks again).
		if f.pending < max(1, l.limit-f.n) {
			f.pending++
			l.mu.Unlock()
			return 0, nil
		}
		if f.ended == nil {
			f.ended = make(chan struct{})
		}
		ended := f.ended
		l.mu.Unlock()
		select {
		case <-ended:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// end records the outcome of a check of user's credentials begun by
// begin: a success forgets the client's failures if they were all for
// that user (see succeed); a failure counts, and end returns the number
// of failures in a row and, if that blocks the client, for how long.
func (l *failureLimiter) end(client, user string, ok bool) (n int, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.entry(client, now)
	f.endCheck()
	if ok {
		l.succeed(client, f, user)
		return 0, 0
	}
	return l.count(f, now, user)
}

// succeed records a success of user for client, whose entry is f: it
// forgets the failures when they were all that user's, a password
// mistyped and then typed right. Failures for other names stay, to
// expire as they would: else a client that knows one user's password
// could guess another's without end, four guesses and a login at a
// time.
func (l *failureLimiter) succeed(client string, f *failures, user string) {
	if f.n > 0 && (f.others || f.user != maphash.String(l.seed, user)) {
		return
	}
	f.reset()
	if f.pending == 0 {
		delete(l.clients, client)
	}
}

// reset forgets the failures and the block of f.
func (f *failures) reset() {
	f.n, f.last, f.until, f.user, f.others = 0, time.Time{}, time.Time{}, 0, false
}

// abandon ends a check begun by begin that was not made (its client went
// away): it counts neither way.
func (l *failureLimiter) abandon(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.clients[client]
	if f == nil {
		return
	}
	f.endCheck()
	if f.pending == 0 && f.n == 0 && f.until.IsZero() {
		delete(l.clients, client)
	}
}

// endCheck ends a check in flight, and wakes the requests waiting for one.
func (f *failures) endCheck() {
	if f.pending > 0 {
		f.pending--
	}
	if f.ended != nil {
		close(f.ended)
		f.ended = nil
	}
}

// forget records a success of user for client that needed no check
// (see succeed).
func (l *failureLimiter) forget(client, user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.clients[client]
	if f == nil {
		return
	}
	l.succeed(client, f, user)
}

// entry returns client's entry, made (room permitting) if there is none,
// with its failures forgotten if they have expired.
func (l *failureLimiter) entry(client string, now time.Time) *failures {
	f := l.clients[client]
	switch {
	case f == nil:
		if len(l.clients) >= l.max {
			l.makeRoom(now)
		}
		f = &failures{}
		l.clients[client] = f
	case f.expired(now, l.window):
		f.reset()
	}
	return f
}

// blocked returns how long client stays blocked, or 0.
func (l *failureLimiter) blocked(client string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.clients[client]
	if f == nil {
		return 0
	}
	if now := l.now(); now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// count counts a failure of user in f. It returns the number of failures
// in a row and, if that blocks the client, for how long.
func (l *failureLimiter) count(f *failures, now time.Time, user string) (n int, wait time.Duration) {
	h := maphash.String(l.seed, user)
	if f.n == 0 {
		f.user, f.others = h, false
	} else if h != f.user {
		f.others = true
	}
	f.n++
	f.last = now
	if f.n < l.limit {
		return f.n, 0
	}
	wait = l.maxWait
	if k := f.n - l.limit; k < 30 && time.Second<<k < wait {
		wait = time.Second << k
	}
	f.until = now.Add(wait)
	return f.n, wait
}

// makeRoom removes the expired clients from the full table, at most once
// a second, or else one arbitrary client, one not blocked if there is
// any; never one with a check in flight (the table may then grow past max
// for as long as they last).
func (l *failureLimiter) makeRoom(now time.Time) {
	if now.Sub(l.lastSweep) >= time.Second || now.Before(l.lastSweep) {
		l.lastSweep = now
		for c, f := range l.clients {
			if f.pending == 0 && f.expired(now, l.window) {
				delete(l.clients, c)
			}
		}
	}
	// Clients not blocked go first: forgetting a blocked client lifts
	// its block, which one with many addresses could otherwise do at will
	// by filling the table. They are looked for among a sample of the
	// table (a map's range starts at random), so that a table full of
	// blocked clients, cheap to make with malformed credentials, does not
	// cost every new client a walk of all of them under the lock.
	if len(l.clients) < l.max {
		return
	}
	seen := 0
	for c, f := range l.clients {
		if seen++; seen > evictSample {
			break
		}
		if f.pending == 0 && !now.Before(f.until) {
			delete(l.clients, c)
			return
		}
	}
	for c, f := range l.clients {
		if len(l.clients) < l.max {
			return
		}
		if f.pending == 0 {
			delete(l.clients, c)
		}
	}
}

// evictSample is how many clients makeRoom looks at for one not blocked.
const evictSample = 64

// size returns the number of clients in the table.
func (l *failureLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

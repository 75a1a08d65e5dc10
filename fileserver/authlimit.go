package fileserver

import (
	"net/netip"
	"sync"
	"time"
)

// failureLimiter counts the failed authentications of each client and
// blocks the clients that fail too often (see
// [BasicAuthOptions.MaxFailures]). Its table holds at most max clients.
type failureLimiter struct {
	limit   int           // failures before a block
	window  time.Duration // how long failures are remembered
	maxWait time.Duration // the longest block
	max     int           // clients kept
	now     func() time.Time

	mu        sync.Mutex
	clients   map[string]*failures
	lastSweep time.Time
}

// failures is what the limiter keeps of one client.
type failures struct {
	n     int       // failures in a row
	last  time.Time // of the last failure
	until time.Time // end of the block; zero if never blocked
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
// address as its /64 network, which one machine often has whole. An
// address that does not parse (a Unix socket) is its own key.
func clientOf(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return p.String()
	}
	return ip.String()
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

// succeeded forgets the failures of client.
func (l *failureLimiter) succeeded(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, client)
}

// failed counts a failure of client. It returns the number of failures
// in a row and, if that blocks the client, for how long.
func (l *failureLimiter) failed(client string) (n int, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.clients[client]
	switch {
	case f == nil:
		if len(l.clients) >= l.max {
			l.makeRoom(now)
		}
		f = &failures{}
		l.clients[client] = f
	case f.expired(now, l.window):
		*f = failures{}
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
// a second, or else one arbitrary client.
func (l *failureLimiter) makeRoom(now time.Time) {
	if now.Sub(l.lastSweep) >= time.Second || now.Before(l.lastSweep) {
		l.lastSweep = now
		for c, f := range l.clients {
			if f.expired(now, l.window) {
				delete(l.clients, c)
			}
		}
	}
	for c := range l.clients {
		if len(l.clients) < l.max {
			return
		}
		delete(l.clients, c)
	}
}

// size returns the number of clients in the table.
func (l *failureLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

package main

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/simplehttp/simplehttp/internal/overload"
)

// The back-off of an accept that failed for lack of file descriptors: the
// first retry after acceptRetryMin, each next one after twice as long, up
// to acceptRetryMax. A failed accept(2) costs one system call, so the cap
// is short: a connection waiting in the listen queue is taken at most
// that long after a descriptor frees up. (net/http's own back-off goes up
// to 1 s.)
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = 100 * time.Millisecond
)

// overloadListener keeps accepting through a shortage of file
// descriptors (or kernel memory). http.Server.Serve retries a failed
// accept too, but logs every failure ("http: Accept error: ...; retrying
// in 5ms"), which a flood of connections turns into a flood of lines.
// Instead Accept retries by itself, with a back-off, and says so once per
// episode through an [overload.Log]: when it begins, at most once a
// minute while it lasts, and when a connection is accepted again. The
// connections that arrive meanwhile wait in the kernel's listen queue,
// as with nginx, and are served once descriptors free up (as responses
// finish and idle connections close). Any other error is returned as it
// is.
type overloadListener struct {
	net.Listener
	log *overload.Log

	closeOnce sync.Once
	closed    chan struct{} // closed by Close: a back-off ends at once
}

func newOverloadListener(ln net.Listener, logger *slog.Logger) *overloadListener {
	return &overloadListener{
		Listener: ln,
		log:      overload.New(logger, "accept: out of file descriptors or memory, new connections wait"),
		closed:   make(chan struct{}),
	}
}

// Accept accepts the next connection, waiting through a shortage of file
// descriptors or memory.
func (l *overloadListener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			l.log.OK(context.Background())
			return c, nil
		}
		if !overload.Is(err) {
			return nil, err
		}
		l.log.Failed(context.Background(), err)
		delay = min(max(2*delay, acceptRetryMin), acceptRetryMax)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-l.closed:
			t.Stop()
			// The next Accept reports the close.
		}
	}
}

// Close closes the listener and ends a back-off under way.
func (l *overloadListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

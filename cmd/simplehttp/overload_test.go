package main

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// scriptedListener returns the errors of errs, one per Accept, then a
// connection; after Close, net.ErrClosed.
type scriptedListener struct {
	mu     sync.Mutex
	errs   []error
	calls  int
	closed bool
	// stuck, if not nil, is where Accept blocks failing (with EMFILE)
	// once errs is used up: closed when the first such failure happens.
	stuck chan struct{}
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.closed {
		return nil, net.ErrClosed
	}
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	if l.stuck != nil {
		select {
		case <-l.stuck:
		default:
			close(l.stuck)
		}
		return nil, os.NewSyscallError("accept4", syscall.EMFILE)
	}
	c, _ := net.Pipe()
	return c, nil
}

func (l *scriptedListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

func (l *scriptedListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// TestOverloadListener: failed accepts for lack of descriptors or memory
// are retried inside Accept, which then returns the connection, and are
// logged once when they begin and once when an accept succeeds; any other
// error is returned as it is.
func TestOverloadListener(t *testing.T) {
	emfile := os.NewSyscallError("accept4", syscall.EMFILE)
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	sl := &scriptedListener{errs: []error{emfile, emfile, os.NewSyscallError("accept4", syscall.ENFILE), emfile, emfile}}
	l := newOverloadListener(sl, logger)
	c, err := l.Accept()
	if err != nil || c == nil {
		t.Fatalf("Accept after 5 failures = %v, %v; want a connection", c, err)
	}
	c.Close()
	if sl.calls != 6 {
		t.Errorf("accept(2) called %d times, want 6", sl.calls)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != 2 ||
		!strings.HasSuffix(lines[0], `level=WARN msg="accept: out of file descriptors or memory, new connections wait" err="accept4: too many open files" failures=1`) ||
		!strings.HasSuffix(lines[1], `level=INFO msg="accept: out of file descriptors or memory, new connections wait: recovered" failures=4`) {
		t.Errorf("log =\n%s\nwant one WARN line at the first failure and one INFO line at the success", log.String())
	}

	// Another error is the caller's (http.Server's) business.
	log.Reset()
	sl.errs = []error{os.NewSyscallError("accept4", syscall.ECONNABORTED)}
	if _, err := l.Accept(); !errors.Is(err, syscall.ECONNABORTED) {
		t.Errorf("Accept = %v, want ECONNABORTED", err)
	}
	if log.Len() != 0 {
		t.Errorf("logged:\n%s", log.String())
	}
}

// TestOverloadListenerClose: Close ends an Accept that keeps failing for
// lack of descriptors, which then reports the close.
func TestOverloadListenerClose(t *testing.T) {
	sl := &scriptedListener{stuck: make(chan struct{})}
	l := newOverloadListener(sl, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	errc := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		errc <- err
	}()
	<-sl.stuck
	l.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
	}
}

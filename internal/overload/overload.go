// Package overload recognises the errors that mean the process has run out
// of a resource it shares with every request (file descriptors, kernel
// memory), and reports such a condition to a log once per episode rather
// than once per failure.
//
// An episode begins with the first failure and ends with the first
// success after it. Its first failure is logged at once; while it lasts, a
// reminder with the count of failures since the last line is logged at
// most once per [Every]; its end is logged with that count too. An episode
// that begins within Every of the last line is not announced (its failures
// are counted into the next line), so that a server at the edge of its
// limit, failing and succeeding in turn, writes at most a few lines per
// Every instead of two per failure.
package overload

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Is reports whether err means the process or the system has run out of
// a resource that frees itself when load drops: EMFILE (the process's
// limit on open files), ENFILE (the system's) or ENOMEM (kernel memory,
// as open(2), accept(2) and fork(2) report it). Retrying later may
// succeed; the request itself is not at fault.
func Is(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM)
}

// Every is the shortest time between two lines of one [Log].
const Every = time.Minute

// Log reports one condition (say "fileserver: out of file descriptors") to
// a logger once per episode. The zero value is not usable: create it with
// [New]. It is safe for concurrent use; [Log.OK] costs one atomic load
// when there is no episode, so it may be called on every success.
type Log struct {
	logger *slog.Logger
	what   string
	every  time.Duration
	now    func() time.Time

	failing atomic.Bool // an episode is under way (written under mu)

	mu       sync.Mutex
	said     bool      // the log's last word is that the condition holds
	count    int       // failures since the last line
	lastLine time.Time // when the last line was written; zero before
}

// New returns a Log that writes to logger (slog.Default() if nil) lines
// that begin with what: "what" when an episode begins, "what: still" while
// it lasts and "what: recovered" when it ends.
func New(logger *slog.Logger, what string) *Log {
	return NewClock(logger, what, Every, time.Now)
}

// NewClock is [New] with the time between lines and the clock given, for
// tests.
func NewClock(logger *slog.Logger, what string, every time.Duration, now func() time.Time) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger, what: what, every: every, now: now}
}

// Failed records a failure with err, for which the caller has already
// answered (a 503, a retry later). It logs, at level Warn, only when
// an episode begins after a quiet Every, or once per Every while it
// lasts.
func (l *Log) Failed(ctx context.Context, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failing.Store(true)
	l.count++
	now := l.now()
	if !l.lastLine.IsZero() && now.Sub(l.lastLine) < l.every {
		return
	}
	msg := l.what
	if l.said {
		msg += ": still"
	}
	l.logger.LogAttrs(ctx, slog.LevelWarn, msg, slog.Any("err", err), slog.Int("failures", l.count))
	l.said = true
	l.count = 0
	l.lastLine = now
}

// OK records a success, which ends an episode. The end is logged, at
// level Info, if the log said the condition holds.
func (l *Log) OK(ctx context.Context) {
	if !l.failing.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.failing.Load() {
		return
	}
	l.failing.Store(false)
	if !l.said {
		return // its failures go into the next line
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, l.what+": recovered", slog.Int("failures", l.count))
	l.said = false
	l.count = 0
	l.lastLine = l.now()
}

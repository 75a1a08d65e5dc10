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
// Every instead of two per failure; if no failure comes after it, the
// first success once Every has passed says it, and that it ended, so no
// episode goes unsaid.
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
// [New]. It is safe for concurrent use; [Log.OK] costs two atomic loads
// when there is no episode (and a clock reading in the minute after one
// that was not said), so it may be called on every success.
type Log struct {
	logger *slog.Logger
	what   string
	every  time.Duration
	now    func() time.Time

	failing atomic.Bool // an episode is under way (written under mu)
	// due, if not 0, is when (in Unix nanoseconds) failures counted
	// after an episode that was not announced are to be said, by the
	// first success from then on (written under mu).
	due atomic.Int64

	mu       sync.Mutex
	said     bool      // the log's last word is that the condition holds
	count    int       // failures since the last line
	lastErr  error     // the last of them
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
	l.lastErr = err
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
	l.due.Store(0)
}

// OK records a success, which ends an episode. The end is logged, at
// level Info, if the log said the condition holds.
func (l *Log) OK(ctx context.Context) {
	if !l.failing.Load() {
		if due := l.due.Load(); due != 0 && l.now().UnixNano() >= due {
			l.sayLate(ctx)
		}
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.failing.Load() {
		return
	}
	l.failing.Store(false)
	if !l.said {
		// Its failures go into the next line, or are said once Every
		// has passed since the last one (sayLate).
		l.due.Store(l.lastLine.Add(l.every).UnixNano())
		return
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, l.what+": recovered", slog.Int("failures", l.count))
	l.said = false
	l.count = 0
	l.lastLine = l.now()
}

// sayLate logs the failures of episodes that began within Every of the
// last line and ended before another failure could say them: a line for
// the condition, and one for its end.
func (l *Log) sayLate(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.due.Load() == 0 || l.failing.Load() {
		return // said by Failed meanwhile, or to be said by it
	}
	l.due.Store(0)
	if l.said || l.count == 0 {
		return
	}
	l.logger.LogAttrs(ctx, slog.LevelWarn, l.what, slog.Any("err", l.lastErr), slog.Int("failures", l.count))
	l.logger.LogAttrs(ctx, slog.LevelInfo, l.what+": recovered", slog.Int("failures", 0))
	l.count = 0
	l.lastLine = l.now()
}

package accesslog

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/simplehttp/simplehttp/internal/overload"
)

// bufferSize is the buffer of a writer with a FlushInterval. A line longer
// than the buffer is written on its own, still in one Write.
const bufferSize = 32 << 10

// output serializes the lines written to the user's writer. Each line is
// passed to the writer whole: in a Write call of its own when unbuffered,
// with other whole lines when buffered; never split across Writes by us
// and never interleaved with another line.
//
// A failing writer (a full disk) never stops the requests: the lines that
// cannot be written are dropped and counted (but for the rest of one a
// failed write cut, written before anything else, so that no half line
// stays in a file), every later line is tried again, and the failure is reported to the logger once when it begins and
// once when writing works again (with the number of lines lost), not once
// per line. As with [overload.Log], a failure that begins within
// overload.Every of the last report is said only if it is still there
// once that time has passed (its lost lines are counted into the next
// report, or, if writes work from then on, said by the first write once
// that time has passed): a disk at the edge of full, where writes fail
// and succeed in turn, gets a few lines a minute, not two per turn.
type output struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte      // whole lines waiting; nil when unbuffered
	timer  *time.Timer // flushes buf interval after the first line
	every  time.Duration
	armed  bool         // timer is pending
	logger *slog.Logger // nil: slog.Default()

	err     error // first write error, reported by Flush and Close
	lastErr error // the last one, for a report made late
	failing bool  // the last write failed
	lost    int   // lines dropped since the last report
	// rest is what a failed write left unwritten of the line it cut,
	// written before anything else.
	rest []byte
	said bool // the last report says that writes fail
	// lastReport is when the last report was made (zero before); clock
	// tells the time for it (time.Now, or a test's).
	lastReport time.Time
	clock      func() time.Time

	// reports are the health reports not yet logged (see unlock), and
	// draining is set while a goroutine logs them.
	reports  []healthReport
	draining bool
}

// healthReport is one report of report, waiting to be logged.
type healthReport struct {
	level slog.Level
	msg   string
	attr  slog.Attr
}

func newOutput(w io.Writer, interval time.Duration, logger *slog.Logger) *output {
	o := &output{w: w, logger: logger, every: interval, clock: time.Now}
	if interval > 0 {
		o.buf = make([]byte, 0, bufferSize)
		o.timer = time.AfterFunc(time.Hour, o.tick)
		o.timer.Stop()
	}
	return o
}

// writeLines writes lines, each ending in '\n', keeping them adjacent.
func (o *output) writeLines(lines []byte) {
	o.mu.Lock()
	defer o.unlock()
	if o.buf != nil {
		if len(lines) > cap(o.buf)-len(o.buf) && len(o.buf) > 0 {
			o.flushLocked()
		}
		if len(lines) <= cap(o.buf) {
			o.buf = append(o.buf, lines...)
			if !o.armed {
				o.armed = true
				o.timer.Reset(o.every)
			}
			return
		}
		// Too long to buffer: write each line on its own, below.
	}
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n') + 1
		if i == 0 {
			i = len(lines)
		}
		o.writeLocked(lines[:i])
		lines = lines[i:]
	}
}

// flushLocked writes the buffered lines. They are dropped if that fails.
func (o *output) flushLocked() {
	if len(o.buf) > 0 {
		o.writeLocked(o.buf)
		o.buf = o.buf[:0]
	}
}

// writeLocked passes whole lines to w in one Write, and keeps track of
// failures.
func (o *output) writeLocked(p []byte) {
	if len(o.rest) > 0 {
		// First the rest of the line a failed write cut, so that it is
		// whole and the next one starts on a line of its own; until it
		// is, later lines are dropped.
		n, err := o.w.Write(o.rest)
		n = max(0, min(n, len(o.rest)))
		o.rest = o.rest[n:]
		if err == nil && len(o.rest) > 0 {
			err = io.ErrShortWrite
		}
		if err != nil {
			o.failed(p, 0, err)
			return
		}
		o.rest = nil
	}
	var n int
	var err error
	if len(p) > 0 { // none when flush only finishes a cut line
		n, err = o.w.Write(p)
	}
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.failed(p, max(0, min(n, len(p))), err)
		return
	}
	switch {
	case o.failing:
		o.failing = false
		if o.said {
			o.report(slog.LevelWarn, againReport, slog.Int("lost_lines", o.lost))
			o.lost = 0
			o.said = false
			o.lastReport = o.clock()
		}
	case o.lost > 0 && !o.said:
		// A failure that began within overload.Every of the last
		// report and ended before another could say it: said now, if
		// that time has passed, with its end.
		if now := o.clock(); now.Sub(o.lastReport) >= overload.Every {
			o.report(slog.LevelError, failReport, slog.Any("err", o.lastErr))
			o.report(slog.LevelWarn, againReport, slog.Int("lost_lines", o.lost))
			o.lost = 0
			o.lastReport = now
		}
	}
}

// The reports of a failing writer, and of one that works again.
const (
	failReport  = "accesslog: cannot write the access log; dropping lines until it works again"
	againReport = "accesslog: writing the access log again"
)

// failed records a write of the lines p that failed with err after n
// bytes: the rest of a line it cut is kept to be written first next time
// (a full disk must not leave half a line in the file), the lines after
// it are dropped and counted, and the failure is reported.
func (o *output) failed(p []byte, n int, err error) {
	if n > 0 && p[n-1] != '\n' {
		end := bytes.IndexByte(p[n:], '\n') + 1
		if end == 0 {
			end = len(p) - n
		}
		o.rest = append([]byte(nil), p[n:n+end]...)
		n += end
	}
	o.lost += bytes.Count(p[n:], []byte{'\n'})
	if o.err == nil {
		o.err = err
	}
	o.lastErr = err
	o.failing = true
	if !o.said {
		if now := o.clock(); o.lastReport.IsZero() || now.Sub(o.lastReport) >= overload.Every {
			o.report(slog.LevelError, failReport, slog.Any("err", err))
			o.said = true
			o.lastReport = now
		}
	}
}

// report queues a report of a change of the writer's health, to be
// logged by unlock. It is called with o.mu held.
func (o *output) report(level slog.Level, msg string, attr slog.Attr) {
	o.reports = append(o.reports, healthReport{level, msg, attr})
}

// unlock releases o.mu, first logging the queued reports, in order, with
// o.mu released while each is logged: the logger may write through this
// very output (slog.Default() can be the Middleware's own SlogHandler),
// and would otherwise wait for ever for the lock its caller holds. One
// goroutine logs at a time; reports queued meanwhile, by others or by
// the logger's own writes, are logged by it too.
func (o *output) unlock() {
	if len(o.reports) == 0 || o.draining {
		o.mu.Unlock()
		return
	}
	o.draining = true
	for len(o.reports) > 0 {
		r := o.reports[0]
		o.reports = o.reports[1:]
		o.mu.Unlock()
		l := o.logger
		if l == nil {
			l = slog.Default()
		}
		l.LogAttrs(context.Background(), r.level, r.msg, r.attr)
		o.mu.Lock()
	}
	o.reports = nil
	o.draining = false
	o.mu.Unlock()
}

func (o *output) tick() {
	o.mu.Lock()
	defer o.unlock()
	o.armed = false
	if o.buf != nil {
		o.flushLocked()
	}
}

// flush writes buffered lines, and the rest of a line a failed write
// cut: a file flushed before it is rotated or the server stops must not
// end in half a line. close also stops buffering: later lines are
// written straight through.
func (o *output) flush(close bool) error {
	o.mu.Lock()
	defer o.unlock()
	if o.buf != nil {
		o.flushLocked()
		if close {
			o.timer.Stop()
			o.armed = false
			o.buf = nil
		}
	}
	if len(o.rest) > 0 {
		o.writeLocked(nil)
	}
	return o.err
}

package accesslog

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// flushInterval is the longest a line waits in the buffer of an *os.File
// writer before it is written.
const flushInterval = 100 * time.Millisecond

// bufferSize is the buffer of an *os.File writer. A line longer than the
// buffer is written on its own, still in one Write.
const bufferSize = 32 << 10

// output serializes the lines written to the user's writer. Each line is
// passed to the writer in a single Write call, never split and never merged
// with part of another line.
type output struct {
	mu    sync.Mutex
	w     io.Writer
	buf   *bufio.Writer // nil when unbuffered
	timer *time.Timer   // flushes buf flushInterval after the first line
	armed bool          // timer is pending
	err   error         // first write error, reported by Flush and Close
}

func newOutput(w io.Writer, buffered bool) *output {
	o := &output{w: w}
	if buffered {
		o.buf = bufio.NewWriterSize(w, bufferSize)
		o.timer = time.AfterFunc(time.Hour, o.tick)
		o.timer.Stop()
	}
	return o
}

// writeLines writes lines, each ending in '\n', keeping them adjacent.
func (o *output) writeLines(lines []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(lines) > 0 {
		i := 0
		for i < len(lines) && lines[i] != '\n' {
			i++
		}
		if i < len(lines) {
			i++
		}
		o.writeLocked(lines[:i])
		lines = lines[i:]
	}
}

func (o *output) writeLocked(line []byte) {
	if o.buf == nil {
		o.setErr(o.w.Write(line))
		return
	}
	if len(line) > o.buf.Available() && o.buf.Buffered() > 0 {
		o.setErr(0, o.buf.Flush())
	}
	if len(line) > o.buf.Size() {
		o.setErr(o.w.Write(line)) // too long to buffer: one Write of its own
		return
	}
	o.setErr(o.buf.Write(line))
	if !o.armed {
		o.armed = true
		o.timer.Reset(flushInterval)
	}
}

func (o *output) setErr(_ int, err error) {
	if err != nil && o.err == nil {
		o.err = err
	}
}

func (o *output) tick() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.armed = false
	if o.buf != nil {
		o.setErr(0, o.buf.Flush())
	}
}

// flush writes buffered lines. close also stops buffering: later lines
// are written straight through.
func (o *output) flush(close bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.buf != nil {
		o.setErr(0, o.buf.Flush())
		if close {
			o.timer.Stop()
			o.armed = false
			o.buf = nil
		}
	}
	return o.err
}

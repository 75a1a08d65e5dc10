package accesslog

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// scriptWriter is a log file whose every Write does what the next byte of
// its script says: b < 0x80 takes the whole buffer, b >= 0xc0 takes
// (b&0x3f) % (len+1) bytes and fails with ENOSPC, and the rest take that
// many bytes and return no error (a short write). An empty script takes
// everything.
type scriptWriter struct {
	script []byte
	buf    bytes.Buffer
}

func (w *scriptWriter) Write(p []byte) (int, error) {
	if len(w.script) == 0 {
		return w.buf.Write(p)
	}
	b := w.script[0]
	w.script = w.script[1:]
	if b < 0x80 {
		return w.buf.Write(p)
	}
	n := int(b&0x3f) % (len(p) + 1)
	w.buf.Write(p[:n])
	if b >= 0xc0 {
		return n, syscall.ENOSPC
	}
	return n, nil
}

// FuzzOutput checks the lines a failing writer gets, whatever bytes each
// of its writes takes: it holds the lines given, whole, in their order
// and each once, but for the end of one a failed write cut, still waiting
// to be written; and every line given is written or counted lost in the
// diagnostics, none both. A flush once the writer works again leaves no
// half line.
func FuzzOutput(f *testing.F) {
	f.Add([]byte{0xc3, 0xc2, 0}, []byte{12, 2, 2}, false)
	f.Add([]byte{0x83, 0xc0, 0xc5, 1, 0xff}, []byte{1, 40, 3, 7, 7}, true)
	f.Add([]byte{0xc0, 0xc0, 0x81}, []byte{0, 0, 200}, true)
	f.Fuzz(func(t *testing.T, script, sizes []byte, buffered bool) {
		if len(sizes) > 64 {
			sizes = sizes[:64]
		}
		logger, diag := diagnostics()
		w := &scriptWriter{script: script}
		var interval time.Duration
		if buffered {
			interval = time.Hour
		}
		o := newOutput(w, interval, logger)
		now := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
		o.clock = func() time.Time { return now }
		var lines []string
		for i, s := range sizes {
			// A line of s&0x7f bytes after its number; s >= 0x80 also
			// flushes (and lets a minute pass) after it.
			l := fmt.Sprintf("%d:%s\n", i, bytes.Repeat([]byte{'a' + byte(i%26)}, int(s&0x7f)))
			lines = append(lines, l)
			o.writeLines([]byte(l))
			if s >= 0x80 {
				now = now.Add(time.Minute)
				if err := o.flush(false); err != nil && err != io.ErrShortWrite && err != syscall.ENOSPC {
					t.Fatalf("flush: %v", err)
				}
			}
		}
		// A flush once the writer works again finishes a cut line.
		works := len(w.script) == 0
		o.flush(true)
		if works && len(o.rest) > 0 {
			t.Fatalf("rest %q still waits after a flush that the writer took", o.rest)
		}
		got := w.buf.Bytes()
		// The end of a line cut and not yet finished.
		if len(o.rest) > 0 {
			if len(got) > 0 && got[len(got)-1] == '\n' {
				t.Fatalf("rest %q pending after %q, which ends a line", o.rest, got)
			}
			got = append(bytes.Clone(got), o.rest...)
		}
		written := 0
		next := 0
		for len(got) > 0 {
			i := bytes.IndexByte(got, '\n') + 1
			if i == 0 {
				t.Fatalf("half a line %q in %q", got, w.buf.Bytes())
			}
			l := string(got[:i])
			got = got[i:]
			for next < len(lines) && lines[next] != l {
				next++
			}
			if next == len(lines) {
				t.Fatalf("line %q is not one given, or not in order, in %q", l, w.buf.Bytes())
			}
			next++
			written++
		}
		lost := o.lost
		for _, m := range regexp.MustCompile(`lost_lines=(\d+)`).FindAllSubmatch(diag.Bytes(), -1) {
			n, _ := strconv.Atoi(string(m[1]))
			lost += n
		}
		if written+lost != len(lines) {
			t.Fatalf("%d lines written (%q) and %d lost, of %d given\ndiagnostics:\n%s", written, w.buf.Bytes(), lost, len(lines), diag)
		}
	})
}

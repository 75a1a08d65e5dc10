package accesslog

import "testing"

// What the external tests (package accesslog_test, which may import
// errorpage and fileserver: they import this package) share with the
// internal ones.
var (
	NewSink   = newSink
	FixedTime = fixedTime
)

// Lines waits until n lines have been written and returns them.
func (s *sink) Lines(t *testing.T, n int) []string { t.Helper(); return s.lines(t, n) }

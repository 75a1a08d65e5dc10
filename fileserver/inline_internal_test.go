package fileserver

import (
	"bytes"
	"io"
	"testing"
)

// TestReadInline checks that a file that does not hold what stat said
// (grown or shrunk since) is left to the usual path, read from its start.
func TestReadInline(t *testing.T) {
	for _, tc := range []struct {
		content string
		size    int64
		ok      bool
	}{
		{"hello", 5, true},
		{"hello!", 5, false}, // grew
		{"hell", 5, false},   // shrank
	} {
		rs := bytes.NewReader([]byte(tc.content))
		m, ok := readInline(rs, tc.size)
		if ok != tc.ok {
			t.Fatalf("%q as %d bytes: ok %v", tc.content, tc.size, ok)
		}
		if !ok {
			if rs.Len() != len(tc.content) {
				t.Errorf("%q: left at %d, want the start", tc.content, rs.Size()-int64(rs.Len()))
			}
			continue
		}
		b, _ := io.ReadAll(m)
		if string(b) != tc.content {
			t.Errorf("%q: read back %q", tc.content, b)
		}
		m.release()
	}
}

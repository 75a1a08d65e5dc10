package cgi

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// headerLimit stops a header past maxHeader however the output is cut
// into reads: in one read that also holds the blank line and the body,
// nothing past the limit is passed on (the header must not end after
// all). A header within the limit passes whole, with its body.
func TestHeaderLimitOneRead(t *testing.T) {
	line := "X-Filler: " + strings.Repeat("0", 60) + "\n"
	const end = "Content-Type: text/plain\r\n\r\n"
	for _, tt := range []struct {
		lines int
		want  error
	}{
		{3000, nil},              // 213,000 bytes
		{4000, errHeaderTooLong}, // 284,000 bytes
		{(maxHeader - len(end)) / len(line), nil}, // just under
	} {
		out := strings.Repeat(line, tt.lines) + end + "body"
		var got bytes.Buffer
		// One Read can return it all: a buffer as large as the output.
		lim := &headerLimit{r: strings.NewReader(out)}
		buf := make([]byte, len(out)+1)
		var err error
		for {
			n, rerr := lim.Read(buf)
			got.Write(buf[:n])
			if rerr != nil {
				if rerr != io.EOF {
					err = rerr
				}
				break
			}
		}
		if err != tt.want {
			t.Errorf("%d lines: error %v, want %v", tt.lines, err, tt.want)
		}
		if tt.want == nil && got.String() != out {
			t.Errorf("%d lines: %d bytes passed on, want all %d", tt.lines, got.Len(), len(out))
		}
		if tt.want != nil && (got.Len() != maxHeader || strings.Contains(got.String(), "\r\n\r\n")) {
			t.Errorf("%d lines: %d bytes passed on, want the %d before the limit and no blank line", tt.lines, got.Len(), maxHeader)
		}
	}
}

package main

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// deadlineRecorder keeps the read and write deadlines a handler sets through
// http.ResponseController.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines      []time.Time // read deadlines
	writeDeadlines []time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	d.writeDeadlines = append(d.writeDeadlines, t)
	return nil
}

// TestUploadIdleTimeout: an upload whose body stops arriving is given up
// after --idle-timeout, and with --idle-timeout 0 (no limit, as for an
// idle connection) never: no read deadline that would end it (it was a
// minute).
func TestUploadIdleTimeout(t *testing.T) {
	for _, tc := range []struct {
		flag    string
		limited bool
	}{{"30s", true}, {"0", false}} {
		dir := t.TempDir()
		cfg, err := parseArgs([]string{"-d", dir, "--upload", "--quiet", "--idle-timeout", tc.flag})
		if err != nil {
			t.Fatal(err)
		}
		h, _, closeHandler, err := newHandler(cfg, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		w := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
		h.ServeHTTP(w, httptest.NewRequest("PUT", "/a.txt", strings.NewReader("a\n")))
		closeHandler.close()
		if got, _ := os.ReadFile(filepath.Join(dir, "a.txt")); w.Code != 201 || string(got) != "a\n" {
			t.Fatalf("--idle-timeout %s: PUT %d, stored %q", tc.flag, w.Code, got)
		}
		limited := false
		for _, d := range w.deadlines {
			if !d.IsZero() && d.Before(time.Now().Add(24*time.Hour)) {
				limited = true
			}
		}
		if limited != tc.limited {
			t.Errorf("--idle-timeout %s: read deadlines %v; want a limit %v", tc.flag, w.deadlines, tc.limited)
		}
	}
}

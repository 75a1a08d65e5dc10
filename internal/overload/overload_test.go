package overload_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/internal/overload"
)

func TestIs(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&fs.PathError{Op: "open", Path: "a", Err: syscall.EMFILE}, true},
		{&fs.PathError{Op: "open", Path: "a", Err: syscall.ENFILE}, true},
		{os.NewSyscallError("fork/exec", syscall.ENOMEM), true},
		{fmt.Errorf("accept: %w", syscall.EMFILE), true},
		{&fs.PathError{Op: "open", Path: "a", Err: syscall.ENOENT}, false},
		{&fs.PathError{Op: "open", Path: "a", Err: syscall.EACCES}, false},
		{errors.New("too many open files"), false}, // only the errno counts
		{nil, false},
	}
	for _, tt := range tests {
		if got := overload.Is(tt.err); got != tt.want {
			t.Errorf("Is(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestLog drives a Log with a test clock through the cases of an episode
// and checks every line it writes.
func TestLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	l := overload.NewClock(logger, "out of fds", time.Minute, clock)
	ctx := context.Background()
	err := syscall.EMFILE
	lines := func() []string {
		s := strings.TrimSuffix(buf.String(), "\n")
		buf.Reset()
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
	check := func(step string, want ...string) {
		t.Helper()
		got := lines()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: lines =\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	l.OK(ctx)
	check("success with no episode")

	l.Failed(ctx, err)
	check("first failure", `level=WARN msg="out of fds" err="too many open files" failures=1`)
	for range 100 {
		now = now.Add(100 * time.Millisecond)
		l.Failed(ctx, err)
	}
	check("100 failures within the minute")
	now = now.Add(50 * time.Second)
	l.Failed(ctx, err)
	check("a minute after the first line", `level=WARN msg="out of fds: still" err="too many open files" failures=101`)
	l.Failed(ctx, err)
	l.OK(ctx)
	check("the end", `level=INFO msg="out of fds: recovered" failures=1`)
	l.OK(ctx)
	check("success after the end")

	// At the edge of the limit: failures and successes in turn, within
	// a minute of the last line. Nothing is said until the minute is up.
	for range 50 {
		now = now.Add(time.Second)
		l.Failed(ctx, err)
		l.OK(ctx)
	}
	check("flapping within the minute")
	now = now.Add(10 * time.Second)
	l.Failed(ctx, err)
	check("flapping after the minute", `level=WARN msg="out of fds" err="too many open files" failures=51`)
	l.OK(ctx)
	check("flapping ends", `level=INFO msg="out of fds: recovered" failures=0`)

	// A new episode long after the last one is announced at once.
	now = now.Add(time.Hour)
	l.Failed(ctx, err)
	check("new episode", `level=WARN msg="out of fds" err="too many open files" failures=1`)
	l.OK(ctx)
	check("new episode ends", `level=INFO msg="out of fds: recovered" failures=0`)

	// A brief episode within the minute, and no failure after it: said,
	// with its end, by the first success once the minute is up, once.
	now = now.Add(10 * time.Second)
	l.Failed(ctx, err)
	l.Failed(ctx, err)
	l.OK(ctx)
	check("a brief episode within the minute")
	now = now.Add(30 * time.Second)
	l.OK(ctx)
	check("a success within the minute")
	now = now.Add(30 * time.Second)
	l.OK(ctx)
	check("the minute is up", `level=WARN msg="out of fds" err="too many open files" failures=2`, `level=INFO msg="out of fds: recovered" failures=0`)
	now = now.Add(time.Hour)
	l.OK(ctx)
	check("said once")
}

// TestLogConcurrent checks that concurrent failures and successes end
// with the log's last word right: run with -race.
func TestLogConcurrent(t *testing.T) {
	var buf bytes.Buffer
	l := overload.NewClock(slog.New(slog.NewTextHandler(&buf, nil)), "x", time.Hour, time.Now)
	ctx := context.Background()
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 1000 {
				if i%2 == 0 {
					l.Failed(ctx, syscall.EMFILE)
				} else {
					l.OK(ctx)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	l.OK(ctx)
	got := strings.Count(buf.String(), "\n")
	if got > 2 {
		t.Errorf("%d lines within the hour, want at most 2 (start, recovered):\n%s", got, buf.String())
	}
	if !strings.Contains(buf.String(), `msg="x: recovered"`) {
		t.Errorf("no recovered line after the last success:\n%s", buf.String())
	}
}

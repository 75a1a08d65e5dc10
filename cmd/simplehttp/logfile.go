package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// logFileCheck is how often, at most, a logFile looks whether its name
// still leads to the file it writes.
const logFileCheck = time.Second

// logFile is the --log-file. Lines are appended to it (O_APPEND), so a
// rotation by copying and truncating (logrotate's copytruncate) makes the
// next line start the file again, with no hole of zeros before it. It is
// opened again under its name when the file it has open is no longer
// there: one removed (to free the disk) or renamed by a log rotation
// (logrotate's create, newsyslog), which may have made a new one. Without
// that, the lines went on into a file nobody could see, whose space the
// disk did not get back until the server stopped. The name is looked up
// at most once per logFileCheck, on a write; reopen (SIGUSR1, see
// reopenOn) opens it again at once. A line that a full disk cut in the
// file left behind is not finished in the new one, which starts on a
// whole line: the end of that line is dropped.
type logFile struct {
	path   string
	logger *slog.Logger // says when the file is opened again, or cannot be
	now    func() time.Time

	mu      sync.Mutex
	f       *os.File
	checked time.Time // when the name was last looked up
	failing bool      // the last attempt to open it again failed
	// cut is set when the last byte written to f ends no line (the
	// access log writes the rest of a line a full disk cut after it),
	// and orphan when the file before f was left so: the bytes up to
	// the next newline are the end of its line, and are dropped, so
	// that f starts on a whole line.
	cut, orphan bool
}

// openLogFile opens path for appending, creating it if need be.
func openLogFile(path string, logger *slog.Logger) (*logFile, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &logFile{path: path, logger: logger, now: time.Now, f: f, checked: time.Now()}, nil
}

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--log-file %q: %w", path, pathErr(err))
	}
	return f, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); now.Sub(l.checked) >= logFileCheck {
		l.checked = now
		l.follow()
	}
	dropped := 0
	if l.orphan {
		i := bytes.IndexByte(p, '\n') + 1
		if i == 0 {
			return len(p), nil
		}
		l.orphan = false
		dropped, p = i, p[i:]
	}
	n, err := l.f.Write(p)
	if n > 0 {
		l.cut = p[n-1] != '\n'
	}
	return dropped + n, err
}

// switchTo makes f the file written from now on, in place of the one
// open, which is closed.
func (l *logFile) switchTo(f *os.File) error {
	old := l.f
	l.f = f
	l.orphan = l.orphan || l.cut
	l.cut = false
	return old.Close()
}

// follow opens the name again if it no longer leads to the open file.
// A name that cannot be looked up for another reason than its absence
// (a permission, a lack of descriptors) is left as it is.
func (l *logFile) follow() {
	named, err := os.Stat(l.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil {
		if open, err := l.f.Stat(); err != nil || os.SameFile(open, named) {
			return
		}
	}
	f, err := openAppend(l.path)
	if err != nil {
		// Once, until it works: the lines still go to the old file.
		if !l.failing {
			l.failing = true
			l.logger.LogAttrs(context.Background(), slog.LevelWarn, "--log-file was removed or renamed, and cannot be created again; writing on to the old file",
				slog.String("path", l.path), slog.Any("err", err))
		}
		return
	}
	l.switchTo(f)
	l.failing = false
	l.logger.LogAttrs(context.Background(), slog.LevelInfo, "--log-file was removed or renamed; writing to a new one", slog.String("path", l.path))
}

// reopen opens the file again by its name and writes there from now on.
// If it cannot, the lines go on to the file it had.
func (l *logFile) reopen() error {
	f, err := openAppend(l.path)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.checked = l.now()
	l.failing = false
	return l.switchTo(f)
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

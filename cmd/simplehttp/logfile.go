package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
// onSignal) opens it again at once. A line that a full disk cut in the
// old file is finished there (if the disk then takes it), never at the
// start of the new one, nor of the file emptied in place, which hold
// whole lines only.
type logFile struct {
	path   string
	logger *slog.Logger // says when the file is opened again, or cannot be
	now    func() time.Time

	mu      sync.Mutex
	f       *os.File
	checked time.Time // when the name was last looked up
	failing bool      // the last attempt to open it again failed
	// mid is set when a write to f stopped within a line (a full disk
	// took part of it). The rest of that line (the access log writes it
	// before any other) is due in f, unless f is no longer the file
	// where the line began: then rest is set, and the rest goes to cut,
	// the file left for a new one, to finish the line there if it can,
	// or nowhere if cut is nil (f was emptied in place). Written to the
	// new or emptied file, it began it with half a line.
	mid  bool
	rest bool
	cut  *os.File
}

// openLogFile opens path for appending, creating it if need be. A FIFO
// is opened once a reader has it open: the start waits for one.
func openLogFile(path string, logger *slog.Logger) (*logFile, error) {
	f, err := openAppend(path, 0)
	if err != nil {
		return nil, err
	}
	return &logFile{path: path, logger: logger, now: time.Now, f: f, checked: time.Now()}, nil
}

// openAppend opens path for appending, with the extra open flags flag.
// Once the server runs, a name is opened again with openNonblock: a FIFO
// put at the name that no one reads fails to open (ENXIO) rather than
// hold up every request, whose line waits for the log, until someone
// reads it; the lines go on to the old file meanwhile. Once open, its
// writes wait for room as the first file's do (see setBlocking).
func openAppend(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--log-file %q: %w", path, pathErr(err))
	}
	if flag&openNonblock != 0 {
		setBlocking(f)
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
	if l.mid && l.emptied() {
		// Emptied in place (`: > access.log` to free a full disk, or
		// logrotate's copytruncate): the line's start is gone.
		l.mid, l.rest = false, true
		if l.cut != nil {
			l.cut.Close()
			l.cut = nil
		}
	}
	done := 0
	if l.rest && len(p) > 0 {
		// The rest of the line cut in the old file: finished there
		// if the disk now takes it, never put in the new one.
		end := bytes.IndexByte(p, '\n') + 1
		if end == 0 {
			end = len(p)
		}
		if l.cut != nil {
			l.cut.Write(p[:end])
		}
		if p[end-1] == '\n' {
			l.rest = false
			if l.cut != nil {
				l.cut.Close()
				l.cut = nil
			}
		}
		done, p = end, p[end:]
	}
	n, err := l.f.Write(p)
	if n > 0 {
		l.mid = p[n-1] != '\n'
	}
	return done + n, err
}

// replace makes f the file written from now on, and closes the one it
// replaces, unless a write cut a line in it (see mid).
func (l *logFile) replace(f *os.File) {
	old := l.f
	l.f = f
	l.failing = false
	if !l.mid {
		old.Close()
		return
	}
	if l.cut != nil {
		l.cut.Close()
	}
	l.cut, l.mid, l.rest = old, false, true
}

// emptied reports whether f is shorter than it was after the last write
// to it: someone emptied it, or cut it short.
func (l *logFile) emptied() bool {
	off, err := l.f.Seek(0, io.SeekCurrent) // the end, after an O_APPEND write
	if err != nil {
		return false // not a file that seeks: a FIFO, a terminal
	}
	fi, err := l.f.Stat()
	return err == nil && fi.Size() < off
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
	f, err := openAppend(l.path, openNonblock)
	if err != nil {
		// Once, until it works: the lines still go to the old file.
		if !l.failing {
			l.failing = true
			l.logger.LogAttrs(context.Background(), slog.LevelWarn, "--log-file was removed or renamed, and cannot be created again; writing on to the old file",
				slog.String("path", l.path), slog.Any("err", err))
		}
		return
	}
	l.replace(f)
	l.logger.LogAttrs(context.Background(), slog.LevelInfo, "--log-file was removed or renamed; writing to a new one", slog.String("path", l.path))
}

// reopen opens the file again by its name and writes there from now on.
// If it cannot, the lines go on to the file it had.
func (l *logFile) reopen() error {
	f, err := openAppend(l.path, openNonblock)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.replace(f)
	l.checked = l.now()
	return nil
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut != nil {
		l.cut.Close()
		l.cut = nil
	}
	return l.f.Close()
}

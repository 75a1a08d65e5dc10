package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLogFileFollowsName: a --log-file removed, or renamed by a log
// rotation, is created again under its name, and the lines after go
// there, not on into a file nobody sees (whose space a removal did not
// give back). A name that cannot be created again is said once, and
// the lines go on to the old file meanwhile.
func TestLogFileFollowsName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "access.log")
	os.Mkdir(filepath.Dir(path), 0o755)
	var diag bytes.Buffer
	l, tick := testLogFile(t, path, slog.NewTextHandler(&diag, nil))
	write := func(s string) {
		t.Helper()
		if n, err := l.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	content := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			return err.Error()
		}
		return string(b)
	}

	write("one\n")
	tick()
	write("two\n") // the name still leads to it
	if got := content(path); got != "one\ntwo\n" {
		t.Fatalf("log = %q", got)
	}

	os.Remove(path)
	tick()
	write("three\n")
	if got := content(path); got != "three\n" {
		t.Errorf("after the file was removed: %q at its name, want %q", got, "three\n")
	}

	os.Rename(path, path+".1") // a rotation, which makes no new file
	tick()
	write("four\n")
	if got, old := content(path), content(path+".1"); got != "four\n" || old != "three\n" {
		t.Errorf("after a rotation: %q at the name and %q in the old file, want %q and %q", got, old, "four\n", "three\n")
	}

	os.RemoveAll(filepath.Dir(path)) // the name cannot be created again
	for range 3 {
		tick()
		write("five\n")
	}
	lines := strings.Split(strings.TrimSuffix(diag.String(), "\n"), "\n")
	if len(lines) != 3 ||
		!strings.Contains(lines[0], `level=INFO msg="--log-file was removed or renamed; writing to a new one"`) ||
		!strings.Contains(lines[1], `level=INFO msg="--log-file was removed or renamed; writing to a new one"`) ||
		!strings.Contains(lines[2], `level=WARN msg="--log-file was removed or renamed, and cannot be created again; writing on to the old file"`) {
		t.Errorf("diagnostics =\n%s\nwant two INFO lines, one for each new file, and one WARN line for the three writes that could not make one", diag.String())
	}
}

// testLogFile opens a logFile at path, closed when the test ends, whose
// diagnostics go to diag and whose clock moves by logFileCheck on tick
// only.
func testLogFile(t *testing.T, path string, diag slog.Handler) (l *logFile, tick func()) {
	t.Helper()
	l, err := openLogFile(path, slog.New(diag))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	clock := time.Now()
	l.now = func() time.Time { return clock }
	return l, func() { clock = clock.Add(logFileCheck) }
}

// TestLogFileCutLine: when a full disk cut a line in the --log-file, the
// access log writes the rest of it first once there is room. If the file
// was removed or rotated meanwhile (to free the disk, say), that rest
// belongs to the old file: the new one must not begin with the end of a
// line, half a line to whoever reads it.
func TestLogFileCutLine(t *testing.T) {
	for _, how := range []string{"removed", "renamed", "reopened"} {
		t.Run(how, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			l, tick := testLogFile(t, path, slog.DiscardHandler)
			write := func(s string) {
				t.Helper()
				if n, err := l.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			write("one\nGET /he") // all a full disk took of "one\nGET /hello\n"
			switch how {
			case "removed":
				os.Remove(path)
			case "renamed":
				os.Rename(path, path+".1")
			case "reopened":
				os.Rename(path, path+".1")
				if err := l.reopen(); err != nil {
					t.Fatal(err)
				}
			}
			tick()
			write("ll")       // the rest of the line, in as many writes
			write("o\ntwo\n") // as the disk takes, then the next line
			write("three\n")
			if got, err := os.ReadFile(path); string(got) != "two\nthree\n" {
				t.Errorf("new file %q, %v; want %q", got, err, "two\nthree\n")
			}
		})
	}
}

// TestRunLogFileUploadable: with --upload, a --log-file in the served
// directory stops the command before it listens, and is not created: once
// a rotation renamed it (or someone removed it), a client could upload a
// file of that name before the server opened it again, and the log would
// go on after the client's lines, which can name any address and status.
// Without --upload, or with the log elsewhere, the command serves.
func TestRunLogFileUploadable(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "site")
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	// A link beside the directory to a directory in it: a ".." after it
	// climbs out of its target, into the served directory.
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	via := filepath.Join(base, "via")
	viaErr := os.Symlink(filepath.Join(dir, "logs"), via)
	for _, tt := range []struct {
		name    string
		log     string
		upload  bool
		refused bool
		// links made first: each name in turn a link to the next, the
		// last one the target, not there yet, where the log goes.
		links []string
	}{
		{"in the directory", filepath.Join(dir, "access.log"), true, true, nil},
		{"below it", filepath.Join(dir, "logs", "access.log"), true, true, nil},
		{"by a name with ..", filepath.Join(base, "site", "..", "site", "access.log"), true, true, nil},
		{"beside the directory", filepath.Join(base, "access.log"), true, false, nil},
		{"in the directory without --upload", filepath.Join(dir, "access.log"), false, false, nil},
		{"through a link to a log to be made there", filepath.Join(base, "log.lnk"), true, true,
			[]string{filepath.Join(base, "log.lnk"), filepath.Join(dir, "link.log")}},
		{"through a relative link", filepath.Join(base, "rel.lnk"), true, true,
			[]string{filepath.Join(base, "rel.lnk"), filepath.Join("site", "rel.log")}},
		{"through two links", filepath.Join(base, "first.lnk"), true, true,
			[]string{filepath.Join(base, "first.lnk"), filepath.Join(base, "second.lnk"), filepath.Join(dir, "logs", "two.log")}},
		{"through a link beside the directory", filepath.Join(base, "out.lnk"), true, false,
			[]string{filepath.Join(base, "out.lnk"), filepath.Join(base, "out.log")}},
		{"through a link that climbs out of a linked directory", filepath.Join(base, "climb.lnk"), true, true,
			[]string{filepath.Join(base, "climb.lnk"), via + "/../climb.log"}},
		{"through a relative link that climbs out of a linked directory", filepath.Join(base, "rclimb.lnk"), true, true,
			[]string{filepath.Join(base, "rclimb.lnk"), "via/../rclimb.log"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.MkdirAll(filepath.Dir(tt.log), 0o755)
			if viaErr != nil && len(tt.links) > 0 {
				t.Skip("no symbolic links:", viaErr)
			}
			for i := 0; i+1 < len(tt.links); i++ {
				if err := os.Symlink(tt.links[i+1], tt.links[i]); err != nil {
					t.Skip("no symbolic links:", err)
				}
			}
			created := tt.log
			if len(tt.links) > 0 {
				created = tt.links[len(tt.links)-1]
				if !filepath.IsAbs(created) {
					created = filepath.Join(base, created)
				}
			}
			args := []string{"-b", "127.0.0.1", "-d", dir, "--log-file", tt.log, "0"}
			if tt.upload {
				args = append(args, "--upload")
			}
			r := startRun(t, args...)
			if !tt.refused {
				r.baseURL(t)
				r.exit(t)
				os.Remove(tt.log)
				return
			}
			want := `simplehttp: --log-file "` + tt.log + `": in the served directory, where --upload could put a file of its own at its name once the log is rotated, which the log would then go on in: keep it elsewhere` + "\n"
			if status := r.wait(t); status != 1 || r.stderr.String() != want {
				t.Errorf("exit status %d, stderr %q; want 1, %q", status, r.stderr.String(), want)
			}
			if l, ok := <-r.stdout; ok {
				t.Errorf("stdout %q, want nothing", l)
			}
			if _, err := os.Stat(created); err == nil {
				t.Errorf("%s was created", created)
			}
		})
	}
}

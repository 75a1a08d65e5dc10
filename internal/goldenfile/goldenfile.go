// Package goldenfile compares test output with golden files and, when the
// tests run with -update (`make golden`), rewrites the golden files that
// hold our own output. Tests import it; nothing else does.
//
// A golden file recorded from Python is kept apart: it lives in a
// directory named "from-python" (testdata/from-python/TestError/x.golden,
// testdata/parity/from-python/dir.golden), and only the script that
// recorded it, checked in next to that directory, ever writes it. (The
// name is not plain "python": a test named after Python's log format,
// TestFormat/python, holds our own output.) [Check] refuses
// such a path, with or without -update, so our own output can never be
// written over Python's; [Python] compares with a recording and never
// writes. The -update flag is defined here and nowhere else, so every
// rewrite goes through that rule.
package goldenfile

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false,
	"rewrite the golden files that hold our own output; never a Python recording (under a directory named from-python), which only its record script writes")

// PythonDir is the name of the directories that hold Python recordings.
const PythonDir = "from-python"

// IsPython reports whether path is a Python recording: whether one of its
// directories is named [PythonDir].
func IsPython(path string) bool {
	for _, elem := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if elem == PythonDir {
			return true
		}
	}
	return false
}

// Check compares got with the golden file at path, which holds our own
// output. With -update it first writes got to path (creating its
// directory), so the comparison passes. A path that [IsPython] is never
// written: Check fails the test instead, with or without -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if err := check(path, got, *update); err != nil {
		t.Error(err)
	}
}

// Python compares got with the Python recording at path, and never writes
// it, not even with -update: if our output differs, either the code or
// the recording is wrong, and the recording is redone by its script. path
// must be a recording ([IsPython]).
func Python(t testing.TB, path string, got []byte) {
	t.Helper()
	if err := python(path, got); err != nil {
		t.Error(err)
	}
}

// check is Check, with the flag's value passed in.
func check(path string, got []byte, update bool) error {
	if IsPython(path) {
		return fmt.Errorf("%s is a Python recording: only its record script writes it; compare with goldenfile.Python", path)
	}
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			return err
		}
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%v (go test -update, or make golden, writes it)", err)
	} else if err != nil {
		return err
	}
	return compare(path, got, want)
}

// python is Python.
func python(path string, got []byte) error {
	if !IsPython(path) {
		return fmt.Errorf("%s is not under a directory named %s: not a Python recording", path, PythonDir)
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%v (record it with the script next to the %s directory)", err, PythonDir)
	} else if err != nil {
		return err
	}
	return compare(path, got, want)
}

// compare returns an error showing got and want when they differ: as text
// when both are, else quoted.
func compare(path string, got, want []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	if printable(got) && printable(want) {
		return fmt.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
	return fmt.Errorf("%s differs:\n got %q\nwant %q", path, got, want)
}

// printable reports whether b is UTF-8 text without control characters
// other than newline and tab.
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}

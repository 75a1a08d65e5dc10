package goldenfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestIsPython(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"testdata/from-python/TestError/404_default.golden", true},
		{"testdata/parity/from-python/dir.golden", true},
		{"testdata/TestInvalidUTF8/from-python/listing.golden", true},
		{filepath.Join("testdata", "from-python", "x.golden"), true},
		// Our own output: accesslog's subtest for Python's log format, and
		// names that only contain the word.
		{"testdata/TestFormat/python/get.golden", false},
		{"testdata/TestJSONListing/dir.golden", false},
		{"testdata/TestFormat/from-python.golden", false},
		{"testdata/from-python311/x.golden", false},
		{"testdata/not-from-python/x.golden", false},
	}
	for _, tt := range tests {
		if got := IsPython(tt.path); got != tt.want {
			t.Errorf("IsPython(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	ours := filepath.Join(dir, "TestX", "case.golden")

	// Missing: an error that says how to create it; nothing written.
	if err := check(ours, []byte("new\n"), false); err == nil || !strings.Contains(err.Error(), "-update") {
		t.Errorf("check of a missing file: %v, want an error naming -update", err)
	}
	if _, err := os.Stat(ours); !os.IsNotExist(err) {
		t.Errorf("check without -update created %s", ours)
	}
	// -update writes it, directory included, and then it matches.
	if err := check(ours, []byte("new\n"), true); err != nil {
		t.Errorf("check -update: %v", err)
	}
	if got := read(t, ours); got != "new\n" {
		t.Errorf("after check -update: %q, want %q", got, "new\n")
	}
	if err := check(ours, []byte("new\n"), false); err != nil {
		t.Errorf("check of equal output: %v", err)
	}
	// A difference is reported with both sides; the file is unchanged.
	err := check(ours, []byte("other\n"), false)
	if err == nil || !strings.Contains(err.Error(), "other") || !strings.Contains(err.Error(), "new") {
		t.Errorf("check of different output: %v, want both texts", err)
	}
	if err := check(ours, []byte("a\x1bb"), false); err == nil || !strings.Contains(err.Error(), `"a\x1bb"`) {
		t.Errorf("check of output with a control byte: %v, want it quoted", err)
	}
	if got := read(t, ours); got != "new\n" {
		t.Errorf("check without -update changed the file to %q", got)
	}
}

// -update must never write over a Python recording: Check refuses the
// path (also without -update, so that a test comparing a recording
// through Check fails in every run, not only in make golden), and Python
// never writes.
func TestPythonRecordingsAreNeverWritten(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "testdata", "from-python", "TestError", "404_default.golden")
	const recorded = "<p>Python's page</p>\n"
	write(t, rec, recorded)

	for _, update := range []bool{true, false} {
		err := check(rec, []byte("<p>our page</p>\n"), update)
		if err == nil || !strings.Contains(err.Error(), "Python recording") {
			t.Errorf("check(update=%v) of a Python recording: %v, want a refusal", update, err)
		}
		if got := read(t, rec); got != recorded {
			t.Fatalf("check(update=%v) wrote over the Python recording: now %q", update, got)
		}
	}
	missing := filepath.Join(dir, "testdata", "from-python", "TestError", "new.golden")
	if err := check(missing, []byte("ours"), true); err == nil {
		t.Errorf("check -update of a new file in a python directory: no error")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("check -update created %s in a python directory", missing)
	}

	// Python compares and never writes, whatever the flag says.
	*update = true
	defer func() { *update = false }()
	if err := python(rec, []byte(recorded)); err != nil {
		t.Errorf("python of equal output: %v", err)
	}
	if err := python(rec, []byte("<p>our page</p>\n")); err == nil {
		t.Error("python of different output: no error")
	}
	if got := read(t, rec); got != recorded {
		t.Fatalf("python with -update wrote over the recording: now %q", got)
	}
	if err := python(missing, nil); err == nil || !strings.Contains(err.Error(), "script") {
		t.Errorf("python of a missing recording: %v, want an error naming the script", err)
	}
	if err := python(filepath.Join(dir, "TestX", "case.golden"), nil); err == nil {
		t.Error("python of a path outside a python directory: no error")
	}
}

// updateFlag matches the definition of a flag named update.
var updateFlag = regexp.MustCompile(`flag\.(Bool|BoolVar|Var|Func|BoolFunc)\([^;\n]*"update"`)

// The -update flag is defined here only: a package with a flag of its own
// could write golden files past the rule. (One that imports this package
// and defines it too panics: flag redefined.)
func TestUpdateFlagDefinedOnlyHere(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	self, err := filepath.Abs("goldenfile.go")
	if err != nil {
		t.Fatal(err)
	}
	var defs []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == root {
				return nil
			}
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module (tools/)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || path == self {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if updateFlag.Match(b) {
			rel, _ := filepath.Rel(root, path)
			defs = append(defs, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) > 0 {
		t.Errorf("an update flag is defined in %q: use goldenfile.Check (and goldenfile.Python for recordings) instead", defs)
	}
	if !updateFlag.MatchString(read(t, self)) {
		t.Error("updateFlag does not match goldenfile.go's own definition")
	}
}

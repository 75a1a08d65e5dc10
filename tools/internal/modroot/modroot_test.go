package modroot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("repo/go.mod", "module "+LibraryPath+"\n\ngo 1.24\n")
	write("repo/tools/go.mod", "// Tools.\nmodule "+LibraryPath+"/tools\n\ngo 1.26.0\n")
	write("other/go.mod", "module example.com/other\n")
	for _, d := range []string{"repo/tools/loadbench", "other/sub"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	repo := filepath.Join(root, "repo")
	for _, start := range []string{"repo", "repo/tools", "repo/tools/loadbench"} {
		got, err := find(filepath.Join(root, start))
		if got != repo || err != nil {
			t.Errorf("find(%s) = %q, %v; want %q (the library's go.mod, past the tools module's)", start, got, err, repo)
		}
	}
	// Outside the repository: an error that says where to run.
	if got, err := find(filepath.Join(root, "other/sub")); err == nil || !strings.Contains(err.Error(), "simplehttp repository") {
		t.Errorf("find(other/sub) = %q, %v; want an error naming the simplehttp repository", got, err)
	}
}

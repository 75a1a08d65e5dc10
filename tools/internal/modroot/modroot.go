// Package modroot finds the simplehttp library's module root, for the
// tools that build its command (loadbench, soak). The tools live in their
// own module, in the tools directory of the library's repository, so that
// their dependencies stay out of the library's go.mod; the command is
// still built in the library's module, with the library's go.mod, as a
// user builds it.
package modroot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// LibraryPath is the module path of the library.
const LibraryPath = "github.com/simplehttp/simplehttp"

// Library returns the directory of the library's go.mod: the nearest one
// declaring LibraryPath in the current directory or above it. From
// anywhere in the repository, tools/ included, that is the repository's
// root.
func Library() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return find(dir)
}

// find is Library starting from dir.
func find(dir string) (string, error) {
	for d := dir; ; {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		switch {
		case err == nil:
			if modfile.ModulePath(b) == LibraryPath {
				return d, nil
			}
		case !errors.Is(err, os.ErrNotExist):
			return "", err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod of module %s in %s or above: run from inside the simplehttp repository", LibraryPath, dir)
		}
		d = parent
	}
}

// Package filetree reads a directory tree into a map, for the tests that
// check what requests left on disk (uploads, and what must stay untouched
// outside a served root), and makes directories that user nobody can
// enter, for the tests whose CGI scripts run as nobody.
package filetree

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MkdirAll makes dir and its parents, and makes each of them below root
// (dir's ancestor) 0755, whatever the umask: under umask 077 os.MkdirAll
// would leave them 0700, which user nobody cannot enter.
func MkdirAll(root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for d := dir; d != root && strings.HasPrefix(d, root+string(filepath.Separator)); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// Read maps every name under dir, relative to it and slash-separated, to
// what is there: a directory as "name/" with "" ("./" for dir itself), a
// symbolic link as "-> target" (not followed), and any other file as its
// content. Hidden names are included.
func Read(dir string) (map[string]string, error) {
	m := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			m[rel] = "-> " + target
		case d.IsDir():
			m[rel+"/"] = ""
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m[rel] = string(b)
		}
		return nil
	})
	return m, err
}

//go:build !unix || aix

package fileserver

import "os"

// unsearchable is nil where a directory's names are looked up as they
// are read (see the Unix version).
func unsearchable(f *os.File) error { return nil }

// reopenDir is nil: see the Unix version.
func reopenDir(f *os.File) *os.File { return nil }

//go:build !unix

package fileserver_test

import "errors"

// mkfifo fails: there are no named pipes in the file system here, so the
// tests that need one skip.
func mkfifo(path string, mode uint32) error { return errors.ErrUnsupported }

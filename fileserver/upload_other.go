//go:build !unix || aix || solaris

package fileserver

import (
	"errors"
	"os"
	"time"
)

// uploadsSupported: Options.Upload needs the Unix system calls of
// upload_unix.go (link(2) that never replaces, directory file
// descriptors).
const uploadsSupported = false

const tempPrefix = ".simplehttp-upload-"

type tempFile struct{ *os.File }

var errNoUploads = errors.New("uploads are not supported on this system")

func createTemp(dir *os.File) (*tempFile, error)             { return nil, errNoUploads }
func (t *tempFile) commit(name string, overwrite bool) error { return errNoUploads }
func (t *tempFile) abort()                                   {}
func (t *tempFile) laterThan(time.Time)                      {}
func (t *tempFile) park() error                              { return errNoUploads }
func (t *tempFile) ident() (fileIdent, error)                { return fileIdent{}, errNoUploads }
func lstatAt(dir *os.File, name string) (targetStat, error)  { return targetStat{}, errNoUploads }
func isNoSpace(err error) bool                               { return false }
func isTooBig(err error) bool                                { return false }
func isReadOnly(err error) bool                              { return false }
func identOf(f *os.File) (fileIdent, error)                  { return fileIdent{}, errNoUploads }
func keepAside(dir *os.File, name string) (string, error)    { return "", errNoUploads }
func renameAt(dir *os.File, old, name string) error          { return errNoUploads }
func unlinkAt(dir *os.File, name string) error               { return errNoUploads }
func (d *dirFS) openDirForWrite(name string) (*os.File, string, error) {
	return nil, "", errNoUploads
}
func (d *dirFS) realDir(dir *os.File, name string) (string, error) { return "", errNoUploads }

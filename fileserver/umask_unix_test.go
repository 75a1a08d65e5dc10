//go:build unix

package fileserver_test

import (
	"syscall"
	"testing"

	"github.com/simplehttp/simplehttp/internal/proctest"
)

// The tests write files 0644 and directories 0755 and compare the modes
// an archive records (and unzip and tar restore) with those: they run
// with umask 022, the usual default, whatever the developer's, since 077
// would leave the files 0600.
func init() {
	syscall.Umask(0o022)
}

// TestUmask077: the archive tests pass for a developer whose umask is 077.
func TestUmask077(t *testing.T) {
	proctest.Umask077(t, "^(TestArchiveSubdirectory|TestArchiveExclude)$", "TestArchiveSubdirectory", "TestArchiveExclude")
}

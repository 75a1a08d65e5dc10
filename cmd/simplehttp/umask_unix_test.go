//go:build unix

package main

import (
	"testing"

	"github.com/simplehttp/simplehttp/internal/proctest"
)

// TestUmask077: the tests that run something as user nobody (a CGI
// script, the built binary) pass for a developer whose umask is 077,
// which leaves the directories and binaries the tests make private to
// their owner unless the tests open them to all.
func TestUmask077(t *testing.T) {
	binary(t) // skips under -short, as the tests it runs do
	proctest.Umask077(t, "^(TestRunCGI|TestE2ECGI|TestE2EUploadDirNotWritable|TestE2ELowPortAsUser)$", "TestRunCGI", "TestE2ECGI")
}

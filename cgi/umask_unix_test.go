//go:build unix

package cgi_test

import (
	"testing"

	"github.com/simplehttp/simplehttp/internal/proctest"
)

// TestUmask077: the scripts of the tests and of ExampleNew, which run as
// user nobody when the tests run as root, run for a developer whose umask
// is 077 (which would leave their directories private to root).
func TestUmask077(t *testing.T) {
	proctest.Umask077(t, "^(TestContentType|TestEnvGolden|TestOutOfProcesses|ExampleNew)$", "TestContentType", "TestEnvGolden", "ExampleNew")
}

//go:build unix

package hardening

import (
	"testing"

	"github.com/simplehttp/simplehttp/internal/proctest"
)

// TestUmask077: the CGI scripts of these tests, which run as user nobody
// when the tests run as root, run for a developer whose umask is 077
// (which would leave the directories writeTree makes private to root).
func TestUmask077(t *testing.T) {
	proctest.Umask077(t, "^(TestSecuritySymlinks|TestSecurityCGIProxyHeader)$", "TestSecuritySymlinks", "TestSecurityCGIProxyHeader")
}

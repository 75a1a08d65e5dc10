package hopbyhop

import (
	"net/textproto"
	"testing"
)

func TestIs(t *testing.T) {
	for _, name := range []string{"connection", "KEEP-ALIVE", "proxy-connection", "TE", "trailer", "transfer-encoding", "upgrade"} {
		if !Is(textproto.CanonicalMIMEHeaderKey(name)) {
			t.Errorf("Is(%q) = false", name)
		}
	}
	for _, name := range []string{"Content-Length", "Content-Type", "Server", "Trailers", ""} {
		if Is(name) {
			t.Errorf("Is(%q) = true", name)
		}
	}
}

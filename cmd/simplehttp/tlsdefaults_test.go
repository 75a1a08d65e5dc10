package main

import (
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestTLSDefaults checks that the command's TLS takes the defaults of the
// Go it is built with, where go.mod's go 1.24 would keep Go 1.24's: no
// SHA-1 signature in a TLS 1.2 handshake from Go 1.25 on (an openssl
// client that offers only RSA+SHA1 got a handshake signed with SHA-1),
// the hybrid post-quantum key exchanges from Go 1.26 on.
func TestTLSDefaults(t *testing.T) {
	minor := goMinor(runtime.Version())
	if minor < 25 {
		t.Skipf("%s: SHA-1 signatures are accepted by default before Go 1.25", runtime.Version())
	}
	godebug := defaultGODEBUG(t)
	for _, kv := range []string{"tlssha1=1", "tlssecpmlkem=0"} {
		if kv == "tlssecpmlkem=0" && minor < 26 {
			continue
		}
		if slices.Contains(godebug, kv) {
			t.Errorf("the command is built with %s (DefaultGODEBUG %s)", kv, strings.Join(godebug, ","))
		}
	}

	need(t, "openssl")
	f := newTLSFiles(t)
	p := startCommand(t, command(t, "-b", "127.0.0.1", "-d", site(t), "--tls-cert", f.certRSA, "--tls-key", f.keyPKCS1, "0"))
	defer p.stop(t, syscall.SIGTERM)
	addr := strings.TrimSuffix(strings.TrimPrefix(p.url, "https://"), "/")
	for _, tt := range []struct {
		sigalgs string
		ok      bool
	}{
		{"RSA+SHA256", true},
		{"RSA+SHA1", false},
	} {
		// SECLEVEL=0: the client itself would not offer SHA-1.
		out, err := exec.Command("openssl", "s_client", "-connect", addr, "-tls1_2", "-sigalgs", tt.sigalgs,
			"-cipher", "DEFAULT@SECLEVEL=0", "-servername", "localhost").CombinedOutput()
		if ok := err == nil && strings.Contains(string(out), "Peer signing digest: "+strings.TrimPrefix(tt.sigalgs, "RSA+")); ok != tt.ok {
			t.Errorf("openssl s_client -tls1_2 -sigalgs %s: handshake done %v, want %v (%v)\n%s", tt.sigalgs, ok, tt.ok, err, out)
		}
	}
}

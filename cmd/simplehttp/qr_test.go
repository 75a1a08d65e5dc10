package main

import (
	"net"
	"net/netip"
	"slices"
	"testing"
)

func TestReachableURLs(t *testing.T) {
	lan := []netip.Addr{netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("2001:db8::5")}
	tests := []struct {
		name  string
		addr  string
		https bool
		lan   []netip.Addr
		want  []string
	}{
		{"all interfaces, dual stack", "[::]:8000", false, lan,
			[]string{"http://192.168.1.20:8000/", "http://10.0.0.5:8000/", "http://[2001:db8::5]:8000/"}},
		// -b 0.0.0.0 listens on IPv4 only.
		{"all IPv4 interfaces", "0.0.0.0:8000", false, lan, []string{"http://192.168.1.20:8000/", "http://10.0.0.5:8000/"}},
		{"https", "[::]:8443", true, lan[:1], []string{"https://192.168.1.20:8443/"}},
		// No LAN address: the loopback URL, the only one there is.
		{"no LAN", "[::]:8000", false, nil, []string{"http://127.0.0.1:8000/"}},
		{"one address", "192.168.1.20:9000", false, lan, []string{"http://192.168.1.20:9000/"}},
		{"loopback", "127.0.0.1:8000", false, lan, []string{"http://127.0.0.1:8000/"}},
		{"IPv6 address", "[2001:db8::5]:8000", false, lan, []string{"http://[2001:db8::5]:8000/"}},
		{"link-local", "[fe80::1%eth0]:8000", false, lan, []string{"http://[fe80::1%25eth0]:8000/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, err := net.ResolveTCPAddr("tcp", tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := reachableURLs(addr, tt.https, tt.lan); !slices.Equal(got, tt.want) {
				t.Errorf("reachableURLs(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

// TestLANAddrs checks that the machine's own addresses are usable in a URL.
func TestLANAddrs(t *testing.T) {
	for _, a := range lanAddrs() {
		if a.IsLoopback() || a.IsLinkLocalUnicast() || a.Zone() != "" || a.Is4In6() {
			t.Errorf("lanAddrs has %v", a)
		}
	}
}

// TestRunQRNotTerminal runs the command with --qr and its stdout a pipe:
// the startup line, and nothing more.
func TestRunQRNotTerminal(t *testing.T) {
	r := startRun(t, "-b", "127.0.0.1", "-d", site(t), "--qr", "0")
	r.baseURL(t)
	r.exit(t) // checks that nothing but the interrupt line follows
}

package fileserver

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// reboundAt reports rebound for a request with Host host that came to the
// local address local.
func reboundAt(local, host string) bool {
	r := httptest.NewRequest("PUT", "/f", nil)
	r.Host = host
	addr := net.TCPAddrFromAddrPort(netip.MustParseAddrPort(local))
	r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, addr))
	return rebound(r)
}

// FuzzRebound checks which Host values a browser's upload to a loopback
// address may come under. A name under a domain of the attacker's
// (attacker.example), whatever its labels, letter case, port or trailing
// dot, is refused; a name under .localhost, which browsers resolve
// themselves, and an IP address are not; a Host and the same Host in
// other letters, with a port or with a trailing dot, are judged alike;
// and nothing is refused on an address other than loopback.
func FuzzRebound(f *testing.F) {
	for _, s := range []string{
		"localhost", "LOCALHOST.", "a.localhost", "127.0.0.1", "[::1]", "::1",
		"[fe80::1%25eth0]", "rebind.attacker.example", "", "[", "]", ":",
		"localhost.localhost.", "xn--nxasmq6b", "127.0.0.1.nip.io", "0x7f.1",
		"[::ffff:127.0.0.1]", "evil.example%00.localhost", "local host",
	} {
		f.Add(s, uint16(8000))
	}
	name, _ := os.Hostname()
	f.Add(name, uint16(0))
	f.Add(strings.ToUpper(name)+".", uint16(80))
	f.Fuzz(func(t *testing.T, host string, port uint16) {
		for _, local := range []string{"192.0.2.1:8000", "[2001:db8::1]:8000", "10.0.0.1:80"} {
			if reboundAt(local, host) {
				t.Fatalf("Host %q on %s: refused, on an address that is not loopback", host, local)
			}
		}
		got := reboundAt("127.0.0.1:8000", host)
		for _, local := range []string{"[::1]:8000", "127.0.1.1:80", "[::ffff:127.0.0.1]:8000"} {
			if reboundAt(local, host) != got {
				t.Fatalf("Host %q: rebound %v on 127.0.0.1 but not on %s", host, got, local)
			}
		}
		// Another port, or none, and another letter case decide alike;
		// so does a trailing dot, which names the same host.
		bare := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			bare = h
		}
		if strings.ContainsAny(bare, ":") && !strings.HasPrefix(bare, "[") {
			return // an IPv6 address without brackets takes no port
		}
		ported := bare + ":" + strconv.Itoa(int(port))
		if strings.HasPrefix(bare, "[") && strings.HasSuffix(bare, "]") || !strings.ContainsAny(bare, ":[]") {
			if reboundAt("127.0.0.1:8000", ported) != got {
				t.Fatalf("Host %q: rebound %v, but %v for %q", host, got, !got, ported)
			}
		}
		for _, v := range []string{strings.ToUpper(bare), strings.ToLower(bare)} {
			if isASCII(bare) && reboundAt("127.0.0.1:8000", v) != got {
				t.Fatalf("Host %q: rebound %v, but %v for %q", host, got, !got, v)
			}
		}
		if bare != "" && !strings.HasSuffix(bare, ".") && !strings.HasSuffix(bare, "]") {
			if reboundAt("127.0.0.1:8000", bare+".") != got {
				t.Fatalf("Host %q: rebound %v, but %v for %q", host, got, !got, bare+".")
			}
		}
		// A name of the attacker's is refused, one under .localhost not.
		label := strings.Trim(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
				return r
			}
			return -1
		}, bare), ".")
		if label == "" {
			label = "x"
		}
		for _, h := range []string{label + ".attacker.example", "localhost." + label + ".attacker.example."} {
			for _, p := range []string{"", ":" + strconv.Itoa(int(port))} {
				if !reboundAt("127.0.0.1:8000", h+p) {
					t.Fatalf("Host %q: not refused", h+p)
				}
			}
		}
		for _, h := range []string{label + ".localhost", strings.ToUpper(label) + ".LOCALHOST."} {
			if reboundAt("127.0.0.1:8000", h) || reboundAt("127.0.0.1:8000", h+":"+strconv.Itoa(int(port))) {
				t.Fatalf("Host %q: refused", h)
			}
		}
		if a, err := netip.ParseAddr(strings.Trim(bare, "[]")); err == nil && a.Zone() == "" {
			w := a.String()
			if a.Is6() {
				w = "[" + w + "]"
			}
			if reboundAt("127.0.0.1:8000", w) || reboundAt("127.0.0.1:8000", w+":"+strconv.Itoa(int(port))) {
				t.Fatalf("Host %q: an IP address refused", w)
			}
		}
	})
}

// TestReboundHostsFile: the names a hosts file gives a loopback address
// (Debian's fully qualified host name on 127.0.1.1,
// localhost.localdomain, in any case, with or without a trailing dot)
// are the machine's own, and a browser's upload under them is not taken
// for one by DNS rebinding; names the file gives another address, or
// puts in a comment, are not.
func TestReboundHostsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(path, []byte("127.0.0.1\tlocalhost localhost.localdomain\n"+
		"127.0.1.1 box.example.org box # a comment: commented.example\n"+
		"::1 ip6-localhost ip6-loopback\n"+
		"192.0.2.7 lan.example\n"+
		"# 127.0.0.1 off.example\n"+
		"garbage\n"), 0o644)
	restore := loopbackNames
	defer func() { loopbackNames = restore }()
	loopbackNames = func() map[string]bool { return readLoopbackNames(path) }
	for host, want := range map[string]bool{
		"box.example.org:8000":        false,
		"BOX.Example.Org.:8000":       false,
		"localhost.localdomain:8000":  false,
		"ip6-loopback:8000":           false,
		"lan.example:8000":            true,
		"off.example:8000":            true,
		"commented.example:8000":      true,
		"rebind.attacker.example:800": true,
	} {
		if got := reboundAt("127.0.1.1:8000", host); got != want {
			t.Errorf("Host %q: rebound %v, want %v", host, got, want)
		}
	}
	if readLoopbackNames(filepath.Join(t.TempDir(), "none")) != nil {
		t.Error("a hosts file that cannot be read gives names")
	}
}

// TestReboundOwnHostname: the machine's host name is its own, in any
// case, with a port or a trailing dot, even where the hosts file gives it
// no loopback address (Docker's gives it the container's own): a
// browser's upload under it is not taken for one by DNS rebinding.
// Another name still is.
func TestReboundOwnHostname(t *testing.T) {
	name, err := os.Hostname()
	if err != nil || name == "" || name == "localhost" || strings.HasSuffix(name, ".localhost") {
		t.Skipf("host name %q (%v): nothing to tell from localhost", name, err)
	}
	restore := loopbackNames
	defer func() { loopbackNames = restore }()
	loopbackNames = func() map[string]bool { return nil }
	for host, want := range map[string]bool{
		name:                                   false,
		name + ":8000":                         false,
		strings.ToUpper(name) + ".:8000":       false,
		"rebind." + name + ".attacker.example": true,
	} {
		if got := reboundAt("127.0.0.1:8000", host); got != want {
			t.Errorf("Host %q: rebound %v, want %v", host, got, want)
		}
	}
}

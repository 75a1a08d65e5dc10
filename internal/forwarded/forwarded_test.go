package forwarded_test

import (
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"

	"github.com/simplehttp/simplehttp/internal/forwarded"
)

func TestClient(t *testing.T) {
	proxies, err := forwarded.Parse([]string{"10.0.0.0/16", "::1", "::ffff:10.1.0.0/112"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote string
		xff          []string
		proxies      bool
		want         string
	}{
		{"ipv4", "192.0.2.1:1234", nil, false, "192.0.2.1"},
		{"ipv6", "[2001:db8::1]:80", nil, false, "2001:db8::1"},
		{"ipv6_zone", "[fe80::1%eth0]:80", nil, false, "fe80::1"},
		{"ipv6_zone_proxy", "[fe80::1%eth0]:80", []string{"203.0.113.9"}, true, "fe80::1"},
		{"no_port", "192.0.2.1", nil, false, "192.0.2.1"},
		{"unix", "@", nil, false, "@"},
		// Without trusted proxies the header is never believed.
		{"xff_ignored", "10.0.0.1:1", []string{"203.0.113.9"}, false, "10.0.0.1"},
		{"xff_untrusted_peer", "192.0.2.1:1", []string{"203.0.113.9"}, true, "192.0.2.1"},
		{"xff_trusted_peer", "10.0.0.1:1", []string{"203.0.113.9"}, true, "203.0.113.9"},
		{"xff_ipv6_proxy", "[::1]:1", []string{"203.0.113.9"}, true, "203.0.113.9"},
		// The rightmost untrusted hop wins: the client may forge the left part.
		{"xff_chain", "10.0.0.1:1", []string{"1.1.1.1, 203.0.113.9, 10.0.0.2"}, true, "203.0.113.9"},
		{"xff_two_headers", "10.0.0.1:1", []string{"1.1.1.1", "203.0.113.9 ,10.0.0.3"}, true, "203.0.113.9"},
		{"xff_all_trusted", "10.0.0.1:1", []string{"10.0.0.5, 10.0.0.2"}, true, "10.0.0.5"},
		// Garbage stops the walk at the last vouched-for address.
		{"xff_garbage", "10.0.0.1:1", []string{"evil\x1b, 10.0.0.2"}, true, "10.0.0.2"},
		{"xff_empty", "10.0.0.1:1", []string{""}, true, "10.0.0.1"},
		{"xff_mapped", "10.0.0.1:1", []string{"::ffff:203.0.113.9"}, true, "203.0.113.9"},
		{"xff_with_port", "10.0.0.1:1", []string{"203.0.113.9:5555"}, true, "203.0.113.9"},
		// A zone names an interface of the proxy, not of this host: it is
		// dropped, and with it any text the header put there.
		{"xff_mapped_proxy_cidr", "10.1.0.1:1", []string{"203.0.113.9"}, true, "203.0.113.9"},
		{"xff_mapped_peer_mapped_cidr", "[::ffff:10.1.0.1]:1", []string{"203.0.113.9"}, true, "203.0.113.9"},
		{"xff_zone", "10.0.0.1:1", []string{"fe80::1%eth0 - alice [01/Jan/2000"}, true, "fe80::1"},
		{"xff_zone_bracketed", "10.0.0.1:1", []string{"[fe80::2%x y]:80"}, true, "fe80::2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			var p = proxies
			if !tt.proxies {
				p = nil
			}
			if got := forwarded.Client(r, p); got != tt.want {
				t.Errorf("Client(%q, %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
			}
		})
	}
}

// FuzzClient: whatever the peer and the X-Forwarded-For header hold, the
// client is the peer's host when the peer is no trusted proxy, and
// otherwise that host or an IP address without a zone, never text from
// the header that is not one. And what a client writes to the left of
// the header, in the same line or a line before it, never changes who the
// client is, unless every hop right of it was a trusted proxy: the left
// part is the one a client can forge.
func FuzzClient(f *testing.F) {
	proxies, err := forwarded.Parse([]string{"10.0.0.0/8", "::1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("10.0.0.1:80", "203.0.113.9, 10.0.0.2")
	f.Add("[::1]:80", "fe80::1%eth0 - x")
	f.Add("192.0.2.1:1", "203.0.113.9")
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header["X-Forwarded-For"] = []string{xff}
		got := forwarded.Client(r, proxies)
		plain := forwarded.Client(r, nil)
		const forged = "198.51.100.7"
		for _, hdr := range [][]string{{forged + ", " + xff}, {forged, xff}} {
			r := r.Clone(r.Context())
			r.Header["X-Forwarded-For"] = hdr
			again := forwarded.Client(r, proxies)
			a, err := netip.ParseAddr(got)
			if again != got && (again != forged || err != nil || !slices.ContainsFunc(proxies, func(p netip.Prefix) bool { return p.Contains(a.Unmap().WithZone("")) })) {
				t.Fatalf("peer %q, X-Forwarded-For %q: client %q, but %q with %q", remote, xff, got, again, hdr)
			}
		}
		if got == plain {
			return
		}
		peer, err := netip.ParseAddr(plain)
		if err != nil || !slices.ContainsFunc(proxies, func(p netip.Prefix) bool { return p.Contains(peer.Unmap().WithZone("")) }) {
			t.Fatalf("peer %q is no trusted proxy, yet the client is %q", remote, got)
		}
		a, err := netip.ParseAddr(got)
		if err != nil || a.Zone() != "" || a.String() != got {
			t.Fatalf("client %q from X-Forwarded-For %q: not a plain IP address", got, xff)
		}
	})
}

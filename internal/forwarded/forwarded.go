// Package forwarded finds the client of a request that may have come
// through reverse proxies: the peer's address, or, when the peer is a
// proxy the server trusts, the address its X-Forwarded-For header names.
// The access log and the failed-login limit share it, so that both see the
// same client.
package forwarded

import (
	"net/http"
	"net/netip"
	"strings"
)

// Parse parses a list of trusted proxies: CIDR prefixes ("10.0.0.0/8") or
// single addresses ("::1"), with white space around them ignored.
// IPv4-mapped IPv6 ones are taken as IPv4, as the addresses they are
// matched against are.
func Parse(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, err
			}
			if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
				// Addresses are unmapped before they are matched: an
				// IPv4-mapped prefix would match none.
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, err
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// hostOnly returns the host of a host:port address, without brackets, and
// addr itself when it has no port. It does not allocate.
func hostOnly(addr string) string {
	if strings.HasPrefix(addr, "[") {
		if i := strings.IndexByte(addr, ']'); i > 0 {
			return addr[1:i]
		}
		return addr
	}
	if i := strings.LastIndexByte(addr, ':'); i >= 0 && strings.IndexByte(addr, ':') == i {
		return addr[:i] // exactly one colon: IPv4 or name with a port
	}
	return addr
}

// trusted reports whether a is one of the proxies.
func trusted(proxies []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Client returns the address of r's client: the IP of RemoteAddr,
// without port. When that peer is a trusted proxy, X-Forwarded-For is read
// from right to left, skipping trusted proxies, and the first address that
// is not one is the client. If every hop is trusted, the leftmost one is
// the client. An entry that is not an IP address ends the walk: the last
// address reached, which a trusted proxy vouched for, is the client. The
// zone of an address from the header is dropped, and so is the peer's
// (a link-local client is fe80::1, not fe80::1%eth0, as Python's
// client_address[0] gives it and log readers such as goaccess take it).
func Client(r *http.Request, proxies []netip.Prefix) string {
	host, _, _ := strings.Cut(hostOnly(r.RemoteAddr), "%")
	if len(proxies) == 0 {
		return host
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trusted(proxies, peer) {
		return host
	}
	client := host
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			var hop string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				hop, v = v[j+1:], v[:j]
			} else {
				hop, v = v, ""
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue
			}
			a, err := netip.ParseAddr(hostOnly(hop))
			if err != nil {
				return client
			}
			// A zone names an interface of the host that wrote it,
			// not of this one, and is whatever text the header holds.
			client = a.Unmap().WithZone("").String()
			if !trusted(proxies, a) {
				return client
			}
		}
	}
	return client
}

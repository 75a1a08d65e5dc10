package main

import (
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/simplehttp/simplehttp/internal/qr"
)

// printQRCodes is --qr: after the startup line, each URL the server can
// be reached at and its QR code, for a phone to scan, when stdout is a
// terminal (a QR code in a log file or a pipe is noise).
func printQRCodes(stdout io.Writer, addr net.Addr, https bool) {
	f, ok := stdout.(*os.File)
	if !ok || !isTerminal(f) {
		return
	}
	io.WriteString(stdout, qrCodes(reachableURLs(addr, https, lanAddrs())))
}

// qrCodes is each URL on a line of its own, followed by its QR code.
func qrCodes(urls []string) string {
	var b strings.Builder
	for _, u := range urls {
		code, err := qr.Terminal(u)
		if err != nil {
			continue // a URL too long for a QR code: the line above has it
		}
		b.WriteString(u + "\n" + code)
	}
	return b.String()
}

// reachableURLs are the URLs a client elsewhere can use to reach a server
// listening on addr: the address itself, or, for all interfaces (0.0.0.0,
// ::), the addresses in lan that the socket accepts (IPv4 only for
// 0.0.0.0), or the loopback URL when there are none. The loopback URL is
// left out otherwise: it is on the startup line, and no phone can use it.
func reachableURLs(addr net.Addr, https bool, lan []netip.Addr) []string {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return nil
	}
	scheme := "http://"
	if https {
		scheme = "https://"
	}
	port := ":" + strconv.Itoa(int(ap.Port())) + "/"
	url := func(ip netip.Addr) string {
		return scheme + urlHost(ip.String()) + port
	}
	ip := ap.Addr().Unmap()
	if !ip.IsUnspecified() {
		return []string{url(ip)}
	}
	var urls []string
	for _, a := range lan {
		if ip.Is4() && !a.Is4() {
			continue
		}
		urls = append(urls, url(a))
	}
	if len(urls) == 0 {
		urls = append(urls, url(netip.AddrFrom4([4]byte{127, 0, 0, 1})))
	}
	return urls
}

// lanAddrs are the addresses of the interfaces that are up, IPv4 first,
// without loopback, link-local (they need a zone no URL carries) and
// multicast addresses.
func lanAddrs() []netip.Addr {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var v4, v6 []netip.Addr
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
				continue
			}
			if ip.Is4() {
				v4 = append(v4, ip)
			} else {
				v6 = append(v6, ip)
			}
		}
	}
	return append(v4, v6...)
}

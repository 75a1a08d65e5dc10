package main

import (
	"net"
	"syscall"
)

// keepAliveOptions are the TCP keep-alive settings Go gives every accepted
// connection by default: probes after 15 s of silence, every 15 s, 9 of
// them before the connection is dropped.
var keepAliveOptions = []struct{ level, opt, value int }{
	{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
	{syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 15},
	{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, 15},
	{syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, 9},
}

// listenConfig returns the ListenConfig for the listening socket. Go sets
// TCP keep-alive on each connection it accepts, four setsockopt(2) calls
// per connection; on Linux, a connection accepted inherits these options
// from the listening socket, so they are set there once instead, with the
// same values.
func listenConfig() net.ListenConfig {
	return net.ListenConfig{
		KeepAlive: -1, // not per connection: see Control
		Control: func(network, address string, c syscall.RawConn) error {
			var err error
			cerr := c.Control(func(fd uintptr) {
				for _, o := range keepAliveOptions {
					if err = syscall.SetsockoptInt(int(fd), o.level, o.opt, o.value); err != nil {
						return
					}
				}
			})
			if cerr != nil {
				return cerr
			}
			return err
		},
	}
}

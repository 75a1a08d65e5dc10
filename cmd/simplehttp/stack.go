package main

import "net"

// RemoteAddr returns the client's address. It also grows the stack of the
// goroutine serving the connection, once, to the size a request needs:
// net/http calls RemoteAddr first thing in that goroutine, when it has two
// frames on its stack.
//
// A goroutine starts with a stack of 2 or 4 KiB (the runtime's estimate
// from the goroutines it last scanned, most of them waiting for a request),
// and serving a request takes more than 4 KiB (net/http's chunkWriter.
// writeHeader alone has a frame of 2.8 KiB). The runtime would then grow
// the stack in the middle of the request, copying some twenty frames and
// adjusting the pointers in each: 10% of the CPU spent on a one-request
// connection (Connection: close, and every error page), against 2% here.
func (c *stallConn) RemoteAddr() net.Addr {
	growStack()
	return c.Conn.RemoteAddr()
}

// growStack has a frame big enough that the runtime grows a stack of up to
// 4 KiB to 8 KiB to call it.
//
//go:noinline
func growStack() {
	var frame [5 << 10]byte
	keep(frame[:])
}

// keep stops the compiler from dropping the frame of growStack.
//
//go:noinline
func keep([]byte) {}

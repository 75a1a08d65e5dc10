package main

import (
	"context"
	"net"
	"syscall"
	"testing"
)

// TestListenKeepAlive checks that a connection accepted by listen has
// Go's TCP keep-alive settings, inherited from the listening socket.
func TestListenKeepAlive(t *testing.T) {
	ln, err := listen(context.Background(), "127.0.0.1", 0, writeStallTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*stallConn).Conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	raw.Control(func(fd uintptr) {
		for _, o := range keepAliveOptions {
			got, err := syscall.GetsockoptInt(int(fd), o.level, o.opt)
			if err != nil || got != o.value {
				t.Errorf("option %d/%d of an accepted connection = %d, %v; want %d", o.level, o.opt, got, err, o.value)
			}
		}
	})
}

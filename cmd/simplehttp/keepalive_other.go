//go:build !linux

package main

import "net"

// listenConfig returns the ListenConfig for the listening socket: Go's
// defaults, with TCP keep-alive set on each connection accepted.
func listenConfig() net.ListenConfig { return net.ListenConfig{} }

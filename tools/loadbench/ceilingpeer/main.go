// Ceilingpeer is the "ceiling" for loadbench: net/http answering every
// request, whatever its path or headers, with the same 1 KiB body held in
// memory. No net/http-based server can do less work per request, so its
// throughput is the most any of them can reach on this machine.
//
// Usage:
//
//	ceilingpeer -b 127.0.0.1 [port]
//
// Port 0 picks a free port. It prints
// "Serving HTTP on HOST port PORT (http://HOST:PORT/) ..." once it listens.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	bind := flag.String("b", "127.0.0.1", "bind address")
	flag.Parse()
	port := "0"
	if flag.NArg() > 0 {
		port = flag.Arg(0)
	}
	body := bytes.Repeat([]byte("x"), 1024)
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr["Content-Type"] = []string{"application/octet-stream"}
		hdr["Content-Length"] = []string{length}
		w.Write(body)
	})
	ln, err := net.Listen("tcp", net.JoinHostPort(*bind, port))
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	fmt.Fprintf(os.Stdout, "Serving HTTP on %s port %d (http://%s/) ...\n", addr.IP, addr.Port, addr)
	log.Fatal(http.Serve(ln, h))
}

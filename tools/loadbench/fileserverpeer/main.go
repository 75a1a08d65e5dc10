// Fileserverpeer is the net/http.FileServer baseline for loadbench: the
// smallest program a Go user would write to serve a directory.
//
// Usage:
//
//	fileserverpeer -b 127.0.0.1 -d DIR [-compress] [port]
//
// With -compress the file server sits behind chi's middleware.Compress(5),
// the way a Go team would add compression to it: every response of a
// compressible type is compressed again on every request.
//
// Port 0 picks a free port. Like simplehttp and Python it prints
// "Serving HTTP on HOST port PORT (http://HOST:PORT/) ..." once it listens.
// It uses http.Dir (not http.FS), so regular files go out with sendfile(2).
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5/middleware"
)

func main() {
	bind := flag.String("b", "127.0.0.1", "bind address")
	dir := flag.String("d", ".", "directory to serve")
	compress := flag.Bool("compress", false, "compress with chi's middleware.Compress(5)")
	flag.Parse()
	port := "0"
	if flag.NArg() > 0 {
		port = flag.Arg(0)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*bind, port))
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	fmt.Fprintf(os.Stdout, "Serving HTTP on %s port %d (http://%s/) ...\n", addr.IP, addr.Port, addr)
	var h http.Handler = http.FileServer(http.Dir(*dir))
	if *compress {
		h = middleware.Compress(5)(h)
	}
	log.Fatal(http.Serve(ln, h))
}

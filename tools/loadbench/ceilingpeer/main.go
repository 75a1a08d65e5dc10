// Ceilingpeer is the "ceiling" for loadbench: net/http answering every
// request, whatever its path or headers, with the same 1 KiB body held in
// memory. No net/http-based server can do less work per request, so its
// throughput is the most any of them can reach on this machine.
//
// With -upload DIR it is the floor of an upload handler instead: a PUT
// writes its body into a new file at its path under DIR (refusing a name
// that exists, 409), through a 256 KiB buffer, fsyncs it and answers 201.
// No temporary file, no checks beyond net/http's, no log: the least CPU
// per MiB a net/http server that keeps uploads safe on disk can spend.
// Any other request gets the 1 KiB.
//
// Usage:
//
//	ceilingpeer -b 127.0.0.1 [-upload DIR] [port]
//
// Port 0 picks a free port. It prints
// "Serving HTTP on HOST port PORT (http://HOST:PORT/) ..." once it listens.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
)

func main() {
	bind := flag.String("b", "127.0.0.1", "bind address")
	upload := flag.String("upload", "", "take PUTs into this directory")
	flag.Parse()
	port := "0"
	if flag.NArg() > 0 {
		port = flag.Arg(0)
	}
	body := bytes.Repeat([]byte("x"), 1024)
	length := strconv.Itoa(len(body))
	var root *os.Root
	if *upload != "" {
		var err error
		if root, err = os.OpenRoot(*upload); err != nil {
			log.Fatal(err)
		}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if root != nil && r.Method == http.MethodPut {
			w.WriteHeader(put(root, strings.TrimPrefix(r.URL.Path, "/"), r.Body))
			return
		}
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

var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// put writes body into the new file name under root, syncs it and
// returns the status to answer.
func put(root *os.Root, name string, body io.Reader) int {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return http.StatusConflict
	}
	if err != nil {
		return http.StatusInternalServerError
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	// A plain Writer: the body goes through the buffer, as in any handler.
	_, err = io.CopyBuffer(struct{ io.Writer }{f}, body, *buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		root.Remove(name)
		return http.StatusInternalServerError
	}
	return http.StatusCreated
}

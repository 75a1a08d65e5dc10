package fileserver_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// FuzzFastPaths checks that the file server's fast paths never change an
// answer. Over a tree with no links, the same request (any method,
// target, Range, If-Modified-Since, If-None-Match and If-Range) gets the
// very same status, header fields (but Date) and body from four
// handlers: SymlinksFollow with the cache (the stack stat and cache hits,
// a 304 without an open) and without it, SymlinksInside with the cache
// (the openat2 stat) and SymlinksNever without it (the openat2 open).
func FuzzFastPaths(f *testing.F) {
	root := f.TempDir()
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, size := range map[string]int{
		"a.txt": 1024, "empty": 0, "big.bin": 100 << 10, "d/index.html": 300,
		"d/s p.txt": 10, "d/sub/ü.txt": 70, "list/x.js": 5, "list/y.css": 6,
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte(name[:1]), size), 0o644); err != nil {
			f.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			f.Fatal(err)
		}
	}
	var handlers []http.Handler
	var names []string
	for _, c := range []struct {
		policy  fileserver.SymlinkPolicy
		noCache bool
	}{{fileserver.SymlinksFollow, false}, {fileserver.SymlinksFollow, true}, {fileserver.SymlinksInside, false}, {fileserver.SymlinksNever, true}} {
		h, err := fileserver.NewDir(root, c.policy, fileserver.Options{DisableCache: c.noCache})
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { h.Close() })
		fileserver.SetClock(h, fileserver.HourAhead)
		handlers = append(handlers, h)
		names = append(names, fmt.Sprintf("%v, cache %v", c.policy, !c.noCache))
	}
	ims := mtime.Format(http.TimeFormat)
	for _, seed := range [][6]string{
		{"GET", "/a.txt", "", "", "", ""},
		{"GET", "/a.txt", "", ims, "", ""},
		{"HEAD", "/a.txt", "bytes=0-9", "", "", ""},
		{"GET", "/a.txt", "bytes=10-,0-1", "", "", ims},
		{"GET", "/big.bin", "bytes=-100", "", "", ""},
		{"GET", "/d/", "", "", "*", ""},
		{"GET", "/d", "", "", "", ""},
		{"GET", "/d/s%20p.txt?x=1", "", "", "", ""},
		{"GET", "/d/sub/%C3%BC.txt", "", "", "", ""},
		{"GET", "/list/", "", "", "", ""},
		{"GET", "/a.txt/", "", "", "", ""},
		{"GET", "/missing", "", "", "", ""},
		{"POST", "/a.txt", "", "", "", ""},
		{"OPTIONS", "*", "", "", "", ""},
		{"GET", "/empty", "bytes=0-0", "", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5])
	}
	f.Fuzz(func(t *testing.T, method, target, rng, ims, inm, ifRange string) {
		var raw strings.Builder
		fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\nHost: example.com\r\n", method, target)
		for _, h := range [][2]string{{"Range", rng}, {"If-Modified-Since", ims}, {"If-None-Match", inm}, {"If-Range", ifRange}} {
			if h[1] != "" {
				fmt.Fprintf(&raw, "%s: %s\r\n", h[0], h[1])
			}
		}
		raw.WriteString("\r\n")
		var first *httptest.ResponseRecorder
		for i, h := range handlers {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw.String())))
			if err != nil || len(r.Header) != strings.Count(raw.String(), "\r\n")-3 {
				return // not a request a server would hand on, or a header split
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			w.Header().Del("Date")
			unboundary(w)
			if i == 0 {
				first = w
				continue
			}
			if w.Code != first.Code || !reflect.DeepEqual(w.Header(), first.Header()) || !bytes.Equal(w.Body.Bytes(), first.Body.Bytes()) {
				t.Errorf("%q: %s answers %d %v %q; %s answers %d %v %q", raw.String(),
					names[0], first.Code, first.Header(), clip(first.Body.Bytes()),
					names[i], w.Code, w.Header(), clip(w.Body.Bytes()))
			}
		}
	})
}

// unboundary replaces the random boundary of a multipart/byteranges
// answer, in its Content-Type and its body, with "BOUNDARY".
func unboundary(w *httptest.ResponseRecorder) {
	ct := w.Header().Get("Content-Type")
	_, b, ok := strings.Cut(ct, "boundary=")
	if !ok || b == "" {
		return
	}
	w.Header().Set("Content-Type", strings.Replace(ct, b, "BOUNDARY", 1))
	body := bytes.ReplaceAll(w.Body.Bytes(), []byte(b), []byte("BOUNDARY"))
	w.Body.Reset()
	w.Body.Write(body)
}

// clip is b, or its first 200 bytes and how many there are.
func clip(b []byte) string {
	if len(b) <= 200 {
		return string(b)
	}
	return fmt.Sprintf("%s... (%d bytes)", b[:200], len(b))
}

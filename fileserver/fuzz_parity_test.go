package fileserver_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/simplehttp/simplehttp/fileserver"
)

// FuzzFastPaths checks that the file server's fast paths never change an
// answer. Over a tree with no links, the same request (any method,
// target, Range, If-Modified-Since, If-None-Match, If-Range and
// Accept-Encoding) gets the very same status, header fields (but Date)
// and body from four handlers: SymlinksFollow with the cache (the stack
// stat and cache hits, a 304 without an open) and without it,
// SymlinksInside with the cache (the openat2 stat) and SymlinksNever
// without it (the openat2 open); and again from three with compression
// and precompressed copies on, with the cache and without (compared
// decoded: content compressed once, to be kept, is compressed harder);
// and from two with the rich listing, with the cache and without.
// Every Content-Length is the size of the body sent.
func FuzzFastPaths(f *testing.F) {
	root := f.TempDir()
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	put := func(name string, b []byte) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			f.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			f.Fatal(err)
		}
	}
	for name, size := range map[string]int{
		"a.txt": 1024, "empty": 0, "big.bin": 100 << 10, "d/index.html": 300,
		"d/s p.txt": 10, "d/sub/ü.txt": 70, "list/x.js": 5, "list/y.css": 6,
		"app.js": 5000, "style.css": 3000,
	} {
		put(name, bytes.Repeat([]byte(name[:1]), size))
	}
	// Precompressed copies of app.js, made as a build step would.
	js := bytes.Repeat([]byte("a"), 5000)
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(js)
	zw.Close()
	bw := brotli.NewWriter(&br)
	bw.Write(js)
	bw.Close()
	put("app.js.gz", gz.Bytes())
	put("app.js.br", br.Bytes())
	// Each group answers alike: the first, the simplest, against the rest.
	type named struct {
		name string
		h    http.Handler
	}
	var groups [][]named
	for _, group := range [][]struct {
		policy fileserver.SymlinkPolicy
		opts   fileserver.Options
		dirFS  bool // fileserver.New(os.DirFS(root)): the general fs.FS path
	}{
		{
			{fileserver.SymlinksFollow, fileserver.Options{}, false},
			{fileserver.SymlinksFollow, fileserver.Options{DisableCache: true}, false},
			{fileserver.SymlinksInside, fileserver.Options{}, false},
			{fileserver.SymlinksNever, fileserver.Options{DisableCache: true}, false},
			{fileserver.SymlinksFollow, fileserver.Options{}, true},
			{fileserver.SymlinksFollow, fileserver.Options{DisableCache: true}, true},
		},
		{
			{fileserver.SymlinksFollow, fileserver.Options{Compress: true, Precompressed: []string{"br", "gzip"}}, false},
			{fileserver.SymlinksFollow, fileserver.Options{Compress: true, Precompressed: []string{"br", "gzip"}, DisableCache: true}, false},
			{fileserver.SymlinksInside, fileserver.Options{Compress: true, Precompressed: []string{"br", "gzip"}}, false},
			{fileserver.SymlinksFollow, fileserver.Options{Compress: true, Precompressed: []string{"br", "gzip"}}, true},
		},
		{
			{fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich}, false},
			{fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich, DisableCache: true}, false},
			{fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich}, true},
		},
	} {
		var hs []named
		for _, c := range group {
			var h *fileserver.Handler
			var err error
			name := fmt.Sprintf("%v, cache %v, compress %v, listing %v", c.policy, !c.opts.DisableCache, c.opts.Compress, c.opts.Listing)
			if c.dirFS {
				h, err = fileserver.New(os.DirFS(root), c.opts)
				name = "os.DirFS, " + name
			} else {
				h, err = fileserver.NewDir(root, c.policy, c.opts)
			}
			if err != nil {
				f.Fatal(err)
			}
			f.Cleanup(func() { h.Close() })
			fileserver.SetClock(h, fileserver.HourAhead)
			hs = append(hs, named{name, h})
		}
		groups = append(groups, hs)
	}
	ims := mtime.Format(http.TimeFormat)
	for _, seed := range [][7]string{
		{"GET", "/app.js", "", "", "", "", "br, gzip"},
		{"GET", "/app.js", "", "", "", "", "zstd"},
		{"HEAD", "/style.css", "", "", "", "", "gzip;q=0.5, br;q=0"},
		{"GET", "/style.css", "bytes=0-9", "", "", "", "gzip"},
		{"GET", "/list/", "", "", "", "", "gzip"},
		{"GET", "/list/?format=json", "", "", "", "", ""},
		{"GET", "/d/sub/?sort=size", "", "", "", "", ""},
		{"GET", "/a.txt", "", "", "", "", ""},
		{"GET", "/a.txt", "", ims, "", ""},
		{"HEAD", "/a.txt", "bytes=0-9", "", "", "", ""},
		{"GET", "/a.txt", "bytes=10-,0-1", "", "", ims},
		{"GET", "/big.bin", "bytes=-100", "", "", "", ""},
		{"GET", "/d/", "", "", "*", "", ""},
		{"GET", "/d", "", "", "", "", ""},
		{"GET", "/d/s%20p.txt?x=1", "", "", "", "", ""},
		{"GET", "/d/sub/%C3%BC.txt", "", "", "", "", ""},
		{"GET", "/list/", "", "", "", "", ""},
		{"GET", "/a.txt/", "", "", "", "", ""},
		{"GET", "/missing", "", "", "", "", ""},
		{"POST", "/a.txt", "", "", "", "", ""},
		{"OPTIONS", "*", "", "", "", "", ""},
		{"GET", "/empty", "bytes=0-0", "", "", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6])
	}
	f.Fuzz(func(t *testing.T, method, target, rng, ims, inm, ifRange, accept string) {
		var raw strings.Builder
		fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\nHost: example.com\r\n", method, target)
		for _, h := range [][2]string{{"Range", rng}, {"If-Modified-Since", ims}, {"If-None-Match", inm}, {"If-Range", ifRange}, {"Accept-Encoding", accept}} {
			if h[1] != "" {
				fmt.Fprintf(&raw, "%s: %s\r\n", h[0], h[1])
			}
		}
		raw.WriteString("\r\n")
		for _, group := range groups {
			var first *httptest.ResponseRecorder
			for i, h := range group {
				r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw.String())))
				if err != nil || len(r.Header) != strings.Count(raw.String(), "\r\n")-3 {
					return // not a request a server would hand on, or a header split
				}
				w := httptest.NewRecorder()
				h.h.ServeHTTP(w, r)
				w.Header().Del("Date")
				if cl := w.Header().Get("Content-Length"); cl != "" && r.Method != "HEAD" && cl != strconv.Itoa(w.Body.Len()) {
					t.Errorf("%q: %s answers Content-Length %s with %d bytes", raw.String(), h.name, cl, w.Body.Len())
				}
				unboundary(w)
				if err := decodeBody(w); err != nil {
					t.Errorf("%q: %s: %v", raw.String(), h.name, err)
				}
				if i == 0 {
					first = w
					continue
				}
				if w.Code != first.Code || !reflect.DeepEqual(w.Header(), first.Header()) || !bytes.Equal(w.Body.Bytes(), first.Body.Bytes()) {
					t.Errorf("%q: %s answers %d %v %q; %s answers %d %v %q", raw.String(),
						group[0].name, first.Code, first.Header(), clip(first.Body.Bytes()),
						h.name, w.Code, w.Header(), clip(w.Body.Bytes()))
				}
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

// decodeBody replaces a compressed body with what it decodes to, and drops
// its Content-Length: content compressed once, to be kept, gets a higher
// level than content compressed for one response, so the bytes differ
// with the cache on and off, and what must not differ is what they say.
func decodeBody(w *httptest.ResponseRecorder) error {
	var r io.Reader
	var err error
	body := bytes.NewReader(w.Body.Bytes())
	switch w.Header().Get("Content-Encoding") {
	case "":
		return nil
	case "gzip", "br", "zstd":
		if w.Body.Len() == 0 { // HEAD, 304
			return nil
		}
	default:
		return fmt.Errorf("Content-Encoding %q", w.Header().Get("Content-Encoding"))
	}
	switch w.Header().Get("Content-Encoding") {
	case "gzip":
		r, err = gzip.NewReader(body)
	case "br":
		r = brotli.NewReader(body)
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(body)
		if err == nil {
			defer d.Close()
			r = d
		}
	}
	if err != nil {
		return err
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s body: %v", w.Header().Get("Content-Encoding"), err)
	}
	w.Header().Del("Content-Length")
	w.Body.Reset()
	w.Body.Write(plain)
	return nil
}

// clip is b, or its first 200 bytes and how many there are.
func clip(b []byte) string {
	if len(b) <= 200 {
		return string(b)
	}
	return fmt.Sprintf("%s... (%d bytes)", b[:200], len(b))
}

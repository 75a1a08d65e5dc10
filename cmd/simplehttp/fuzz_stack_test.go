package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// stackSecret is the content of a file beside the served directory, which
// no answer may ever carry.
const stackSecret = "beside the root: never served"

// stackFixture writes the tree the stack fuzz serves under parent/root,
// with parent/secret.txt beside it, and returns root and the contents of
// everything under it (names included), which answers may echo.
func stackFixture(f *testing.F) (root string, served []string) {
	parent := f.TempDir()
	root = filepath.Join(parent, "root")
	files := map[string]string{
		"a.txt":                 "plain text\n",
		"page.html":             "<!doctype html><title>p</title><p>hello</p>\n",
		"app/index.html":        "<!doctype html><title>app</title>\n",
		"app/main.3f9a2c1b.js":  "console.log(1)\n",
		"style.css":             "body{color:red}\n",
		"style.css.gz":          "not really gzip",
		"d/<b>bold</b>.txt":     "tag in name\n",
		"d/a&b \"q\" 'x'.txt":   "quotes in name\n",
		"d/sp ace/x.json":       "{\"k\": 1}\n",
		"d/%41.txt":             "percent in name\n",
		"d/.hidden":             "hidden\n",
		"empty/.keep":           "",
		"big.bin":               strings.Repeat("0123456789abcdef", 4096),
		"d/\u202egnp.exe":       "bidi\n",
		"d/caf\u00e9 \u00fc.md": "# utf-8\n",
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
		served = append(served, name, content)
	}
	if err := os.Symlink("a.txt", filepath.Join(root, "link.txt")); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte(stackSecret), 0o644); err != nil {
		f.Fatal(err)
	}
	return root, served
}

// FuzzStack sends any method, request target and one header field of the
// client's choosing through the command's whole handler, once as Python's
// server (-p HTTP/1.1, no other flag) and once with every feature that
// serves files on (rich listing, compression, precompressed files,
// archives, --spa, --cache-control, -H, --health, --symlinks inside).
// Whatever the request, the answer:
//   - is never a 5xx but 501 (Python's answer to a method it does not
//     serve): nothing in a request is the server's fault;
//   - has a Content-Length, when it gives one, that is the size of the
//     body sent, and no body for HEAD, 204 and 304;
//   - has header values without CR, LF or NUL;
//   - redirects, if at all, to a path on the same host;
//   - never carries the file beside the root;
//   - in HTML, never carries a piece of the request target holding '<' or
//     '"' unescaped, unless the served files or the server's own pages
//     hold that piece.
func FuzzStack(f *testing.F) {
	root, served := stackFixture(f)
	var handlers []http.Handler
	for _, args := range [][]string{
		{"-d", root, "-p", "HTTP/1.1"},
		{"-d", root, "-p", "HTTP/1.1", "--listing", "rich", "--compress", "--precompressed", "--archive",
			"--spa", "app/index.html", "--cache-control", "no-cache", "-H", "X-Fuzz: 1", "--health", "/healthz",
			"--symlinks", "inside", "--quiet"},
	} {
		cfg, err := parseArgs(args)
		if err != nil {
			f.Fatal(err)
		}
		h, _, closeHandler, err := newHandler(cfg, io.Discard)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(closeHandler.close)
		handlers = append(handlers, h)
		// The server's own pages: what they hold (the rich listing's
		// script, say) is not an echo of the request.
		for _, target := range []string{"/", "/d/", "/no-such-file", "/d/sp%20ace/"} {
			r := httptest.NewRequest("GET", target, nil)
			r.Header.Set("Accept", "text/html")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			served = append(served, w.Body.String())
		}
	}

	for _, seed := range [][4]string{
		{"GET", "/", "Accept", "text/html"},
		{"GET", "/d/", "Accept-Encoding", "gzip, br, zstd"},
		{"GET", "/d/%3Cscript%3Ealert(1)%3C/script%3E", "Accept", "*/*"},
		{"GET", "/d?<img src=x onerror=alert(1)>", "", ""},
		{"GET", "/d/%3Cscript%3E/../", "", ""},
		{"GET", "/%22%3E%3Cscript%3E/../d/", "Accept", "text/html"},
		{"GET", "/%2e%2e/secret.txt", "", ""},
		{"GET", "/..%2fsecret.txt", "", ""},
		{"GET", "//evil.example/", "", ""},
		{"GET", "/d", "", ""},
		{"GET", "/d/?download=zip", "", ""},
		{"GET", "/d/?download=tar.gz", "Range", "bytes=0-10"},
		{"GET", "/?download=tar.zst", "", ""},
		{"GET", "/big.bin", "Range", "bytes=0-1,5-9,-3"},
		{"GET", "/big.bin", "If-None-Match", "*"},
		{"HEAD", "/a.txt", "If-Modified-Since", "Wed, 03 Jan 2024 03:04:05 GMT"},
		{"GET", "/style.css", "Accept-Encoding", "gzip"},
		{"GET", "/no/such/route", "Accept", "text/html"},
		{"GET", "/?sort=name&order=desc", "Accept", "application/json"},
		{"GET", "/d/", "Accept", "application/json"},
		{"GET", "/healthz", "", ""},
		{"OPTIONS", "*", "", ""},
		{"PUT", "/x.txt", "Content-Length", "0"},
		{"PROPFIND", "/", "Depth", "1"},
		{"GET", "http://other.example/d/", "", ""},
		{"GET", "/d/\\evil.example/", "", ""},
		{"GET", "/link.txt", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}

	f.Fuzz(func(t *testing.T, method, target, name, value string) {
		var raw bytes.Buffer
		raw.WriteString(method + " " + target + " HTTP/1.1\r\nHost: h\r\n")
		if name != "" {
			raw.WriteString(name + ": " + value + "\r\n")
		}
		raw.WriteString("\r\n")
		for i, h := range handlers {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw.Bytes())))
			if err != nil {
				return // net/http refuses it before any handler runs
			}
			r.RemoteAddr = "192.0.2.1:4000"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			checkStackAnswer(t, i, r, w, served)
		}
	})
}

func checkStackAnswer(t *testing.T, config int, r *http.Request, w *httptest.ResponseRecorder, served []string) {
	t.Helper()
	req := strconv.Quote(r.Method + " " + r.RequestURI)
	body := w.Body.String()
	if w.Code >= 500 && w.Code != http.StatusNotImplemented {
		t.Fatalf("config %d, %s: status %d; body %.300q", config, req, w.Code, body)
	}
	for k, vv := range w.Header() {
		for _, v := range vv {
			if strings.ContainsAny(k+v, "\r\n\x00") {
				t.Fatalf("config %d, %s: header %q: %q", config, req, k, v)
			}
		}
	}
	bodiless := r.Method == http.MethodHead || w.Code == http.StatusNoContent || w.Code == http.StatusNotModified
	if cl := w.Header().Get("Content-Length"); cl != "" && !bodiless {
		if n, err := strconv.Atoi(cl); err != nil || n != len(body) {
			t.Fatalf("config %d, %s: Content-Length %q, body of %d bytes", config, req, cl, len(body))
		}
	}
	if bodiless && body != "" {
		t.Fatalf("config %d, %s: status %d with a body of %d bytes", config, req, w.Code, len(body))
	}
	if loc := w.Header().Get("Location"); loc != "" {
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || strings.ContainsAny(loc, " \t\\") {
			t.Fatalf("config %d, %s: Location %q may lead off the host", config, req, loc)
		}
	}
	if strings.Contains(body, stackSecret) {
		t.Fatalf("config %d, %s: the file beside the root was served", config, req)
	}
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || w.Header().Get("Content-Encoding") != "" {
		return
	}
	target, err := url.PathUnescape(r.RequestURI)
	if err != nil {
		target = r.RequestURI
	}
	for _, piece := range strings.FieldsFunc(target, func(c rune) bool { return strings.ContainsRune("/?&=#", c) }) {
		if len(piece) < 3 || !strings.ContainsAny(piece, `<"`) || !strings.Contains(body, piece) {
			continue
		}
		echoed := false
		for _, s := range served {
			if strings.Contains(s, piece) {
				echoed = true
				break
			}
		}
		if !echoed {
			t.Fatalf("config %d, %s: the page carries %q unescaped:\n%.2000s", config, req, piece, body)
		}
	}
}

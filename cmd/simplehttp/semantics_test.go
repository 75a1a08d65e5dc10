package main

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// semanticsSite is a tree with one file of each kind the features treat
// differently: small (never compressed), compressible text, a file with
// a precompressed copy, a fingerprinted script, a page for --spa and a
// directory to list.
func semanticsSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var text strings.Builder
	for i := 0; text.Len() < 6000; i++ {
		text.WriteString("line " + strconv.Itoa(i) + " of a text that compresses well\n")
	}
	writeFile(t, filepath.Join(dir, "small.txt"), "hello\n")
	writeFile(t, filepath.Join(dir, "big.txt"), text.String())
	writeFile(t, filepath.Join(dir, "app.3f9a2c1b.js"), strings.ReplaceAll(text.String(), "line", "var x ="))
	writeFile(t, filepath.Join(dir, "index.html"), "<!DOCTYPE html><title>app</title>\n"+text.String())
	writeFile(t, filepath.Join(dir, "sub", "a.txt"), "a\n")
	css := strings.ReplaceAll(text.String(), "line", ".rule")
	writeFile(t, filepath.Join(dir, "pre.css"), css)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(css))
	zw.Close()
	writeFile(t, filepath.Join(dir, "pre.css.gz"), gz.String())
	// The copy is as new as the original, or it would be ignored.
	later := time.Now().Add(time.Second)
	if err := os.Chtimes(filepath.Join(dir, "pre.css.gz"), later, later); err != nil {
		t.Fatal(err)
	}
	return dir
}

// semanticsFields are the header fields a HEAD must answer as its GET
// does, and a 304 as the 200 it stands for, where the 200 has them
// (RFC 9110, sections 9.3.2 and 15.4.5).
var (
	headFields = []string{"Content-Length", "Content-Type", "Etag", "Vary", "Content-Encoding", "Cache-Control",
		"Last-Modified", "Accept-Ranges", "Content-Disposition", "Expires", "Www-Authenticate"}
	notModifiedFields = []string{"Etag", "Vary", "Cache-Control", "Expires", "Content-Location"}
)

// TestHTTPSemantics drives the command, over HTTP/1.1 and HTTP/2, with
// each feature beyond Python on, and checks for every file, listing,
// route and coding the invariants a cache, a proxy or a careful client
// relies on: a HEAD answers the fields its GET would; a 304 carries the
// validators and the Vary, Cache-Control and Expires of its 200, and no
// body; If-None-Match compares weakly, If-Match strongly; If-Range with a
// weak or another validator sends the whole representation; 206 and 416
// carry Content-Range and the Vary of the 200; every response has a Date,
// a Content-Length unless it is streamed, and an HTML type with its
// charset; a 401 asks for credentials and is never public.
func TestHTTPSemantics(t *testing.T) {
	dir := semanticsSite(t)
	tlsf := newTLSFiles(t)
	assets := []string{"--compress", "--precompressed", "--cache-control", "no-cache", "--spa", "index.html",
		"-H", "Vary: Origin", "-H", "Expires: Thu, 01 Jan 2037 00:00:00 GMT", "-H", "Content-Location: /here"}
	for _, cfg := range []struct {
		name string
		args []string
		user string // the credentials the client sends, "user:password"
	}{
		{"python", nil, ""},
		{"assets", assets, ""},
		{"assets over HTTP/2", append(slices.Clone(assets), "--tls-cert", tlsf.cert, "--tls-key", tlsf.key), ""},
		{"rich", []string{"--listing", "rich", "--archive", "--upload", "--compress"}, ""},
		{"auth", []string{"--auth", "u:p", "--compress", "--precompressed", "--cache-control", "max-age=60"}, "u:p"},
		{"auth for writes", []string{"--auth", "u:p", "--auth-for", "write", "--upload", "--compress",
			"--cache-control", "no-cache"}, ""},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			args := append([]string{"-b", "127.0.0.1", "-d", dir, "-p", "HTTP/1.1", "--quiet"}, cfg.args...)
			r := startRun(t, append(args, "0")...)
			base := r.baseURL(t)
			tr := &http.Transport{DisableCompression: true, ForceAttemptHTTP2: true,
				TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
			defer tr.CloseIdleConnections()
			c := semanticsClient{t: t, base: base, client: &http.Client{Transport: tr,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, user: cfg.user}
			if strings.HasPrefix(base, "https:") {
				c.proto = 2
			}
			for _, path := range []string{"/small.txt", "/big.txt", "/pre.css", "/app.3f9a2c1b.js", "/sub/",
				"/sub", "/route/x", "/nope.txt", "/sub/?download=zip"} {
				for _, ae := range []string{"", "gzip", "br", "zstd", "gzip, br, zstd", "identity"} {
					for _, accept := range []string{"text/html", "application/json"} {
						c.check(path, http.Header{"Accept-Encoding": {ae}, "Accept": {accept}})
					}
				}
			}
			c.writes(cfg.name, slices.Contains(cfg.args, "--upload"), slices.Contains(cfg.args, "write"))
			if cfg.user != "" {
				c.user = ""
				c.check("/big.txt", http.Header{"Accept-Encoding": {"gzip"}})
			}
			r.exit(t)
		})
	}
}

type semanticsClient struct {
	t      *testing.T
	base   string
	client *http.Client
	user   string
	proto  int // 2 for HTTP/2
}

type semanticsAnswer struct {
	status int
	header http.Header
	body   []byte
	proto  int
}

func (c *semanticsClient) do(method, path string, h http.Header, extra ...string) semanticsAnswer {
	c.t.Helper()
	return c.send(method, path, nil, h, extra...)
}

func (c *semanticsClient) send(method, path string, body io.Reader, h http.Header, extra ...string) semanticsAnswer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range h {
		if v[0] != "" {
			req.Header[k] = v
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	if user, pass, ok := strings.Cut(c.user, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return semanticsAnswer{resp.StatusCode, resp.Header, got, resp.ProtoMajor}
}

// check sends path a GET and a HEAD with the header h, then the
// conditional and range requests the GET's answer allows, and checks
// each answer against it.
func (c *semanticsClient) check(path string, h http.Header) {
	t := c.t
	t.Helper()
	what := path + " " + h.Get("Accept-Encoding") + " " + h.Get("Accept")
	get := c.do("GET", path, h)
	if c.proto != 0 && get.proto != c.proto {
		t.Fatalf("%s: HTTP/%d, want HTTP/%d", what, get.proto, c.proto)
	}
	c.every("GET "+what, get, false)
	head := c.do("HEAD", path, h)
	c.every("HEAD "+what, head, true)
	if head.status != get.status {
		t.Errorf("HEAD %s: %d, GET %d", what, head.status, get.status)
	}
	for _, k := range headFields {
		if !slices.Equal(head.header[k], get.header[k]) {
			t.Errorf("HEAD %s: %s %q, GET %q", what, k, head.header[k], get.header[k])
		}
	}
	if get.status == http.StatusUnauthorized {
		if get.header.Get("Www-Authenticate") == "" || strings.Contains(get.header.Get("Cache-Control"), "public") {
			t.Errorf("GET %s: 401 with %v", what, get.header)
		}
		return
	}
	etag := get.header.Get("Etag")
	if get.status != http.StatusOK || etag == "" {
		return
	}
	weak := strings.HasPrefix(etag, "W/")
	strong := strings.TrimPrefix(etag, "W/")
	conds := [][2]string{{"If-None-Match", etag}, {"If-None-Match", "W/" + strong},
		{"If-None-Match", `"other", ` + etag}, {"If-None-Match", "*"}}
	if lm := get.header.Get("Last-Modified"); lm != "" {
		conds = append(conds, [2]string{"If-Modified-Since", lm})
	}
	for _, cond := range conds {
		for _, method := range []string{"GET", "HEAD"} {
			nm := c.do(method, path, h, cond[0], cond[1])
			c.every(method+" "+what+" "+cond[0]+" "+cond[1], nm, true)
			if nm.status != http.StatusNotModified {
				t.Errorf("%s %s, %s %s: %d, want 304", method, what, cond[0], cond[1], nm.status)
				continue
			}
			for _, k := range notModifiedFields {
				if !slices.Equal(nm.header[k], get.header[k]) {
					t.Errorf("%s %s, %s %s: 304 with %s %q, the 200 %q", method, what, cond[0], cond[1], k, nm.header[k], get.header[k])
				}
			}
			for _, k := range []string{"Content-Length", "Content-Encoding", "Content-Range"} {
				if v := nm.header[k]; v != nil && !slices.Equal(v, get.header[k]) {
					t.Errorf("%s %s, %s %s: 304 with %s %q, the 200 %q", method, what, cond[0], cond[1], k, v, get.header[k])
				}
			}
		}
	}
	if im := c.do("GET", path, h, "If-Match", etag); weak && im.status != http.StatusPreconditionFailed ||
		!weak && (im.status != http.StatusOK || im.header.Get("Etag") != etag || !bytes.Equal(im.body, get.body)) {
		t.Errorf("GET %s, If-Match %s: %d, ETag %q", what, etag, im.status, im.header.Get("Etag"))
	}
	if im := c.do("GET", path, h, "If-Match", "W/"+strong); im.status != http.StatusPreconditionFailed {
		t.Errorf("GET %s, If-Match W/%s: %d, want 412", what, strong, im.status)
	}
	if get.header.Get("Accept-Ranges") != "bytes" {
		return
	}
	part := c.do("GET", path, h, "Range", "bytes=0-0")
	c.every("GET "+what+" Range", part, false)
	full := ""
	switch {
	case part.status != http.StatusPartialContent:
		t.Errorf("GET %s, Range bytes=0-0: %d, want 206", what, part.status)
	case !strings.HasPrefix(part.header.Get("Content-Range"), "bytes 0-0/") || len(part.body) != 1 ||
		part.header.Get("Etag") == "" || !slices.Equal(part.header["Vary"], get.header["Vary"]) ||
		!slices.Equal(part.header["Cache-Control"], get.header["Cache-Control"]):
		t.Errorf("GET %s, Range bytes=0-0: 206 with %v, %d bytes; the 200 %v", what, part.header, len(part.body), get.header)
	default:
		full = strings.TrimPrefix(part.header.Get("Content-Range"), "bytes 0-0/")
		pe := part.header.Get("Etag")
		for _, ir := range []string{"W/" + strings.TrimPrefix(pe, "W/"), `"other"`} {
			a := c.do("GET", path, h, "Range", "bytes=0-0", "If-Range", ir)
			if a.status != http.StatusOK || a.header.Get("Content-Range") != "" {
				t.Errorf("GET %s, Range with If-Range %s: %d, Content-Range %q, want the whole representation",
					what, ir, a.status, a.header.Get("Content-Range"))
			}
		}
		if a := c.do("GET", path, h, "Range", "bytes=0-0", "If-Range", pe); !strings.HasPrefix(pe, "W/") && a.status != http.StatusPartialContent {
			t.Errorf("GET %s, Range with If-Range %s: %d, want 206", what, pe, a.status)
		}
	}
	if full == "" {
		return
	}
	n, _ := strconv.Atoi(full)
	bad := c.do("GET", path, h, "Range", "bytes="+strconv.Itoa(n)+"-")
	c.every("GET "+what+" Range past the end", bad, false)
	if bad.status != http.StatusRequestedRangeNotSatisfiable || bad.header.Get("Content-Range") != "bytes */"+full {
		t.Errorf("GET %s, Range past the end: %d, Content-Range %q", what, bad.status, bad.header.Get("Content-Range"))
	}
	for _, v := range strings.Split(get.header.Get("Vary"), ",") {
		if v = strings.TrimSpace(v); v != "" && !strings.Contains(bad.header.Get("Vary"), v) {
			t.Errorf("GET %s, Range past the end: Vary %q, the 200's %q", what, bad.header.Get("Vary"), get.header.Get("Vary"))
		}
	}
}

// writes checks the answers to methods beyond GET and HEAD: 501 for those
// no path takes, and with --upload a PUT's 201 with its Location, 409 for
// a name that exists and 412 for "If-None-Match: *" there, 415 with
// Accept-Encoding for a body sent compressed, 405 with Allow for a post to
// a file; 401 with WWW-Authenticate for a write without credentials under
// --auth-for write.
func (c *semanticsClient) writes(name string, upload, authWrites bool) {
	t := c.t
	t.Helper()
	for _, m := range []string{"OPTIONS", "DELETE", "PATCH"} {
		a := c.do(m, "/small.txt", nil)
		c.every(m, a, false)
		if a.status != http.StatusNotImplemented && !(authWrites && a.status == http.StatusUnauthorized) {
			t.Errorf("%s /small.txt: %d, want 501", m, a.status)
		}
	}
	if !upload {
		return
	}
	target := "/new " + strings.ReplaceAll(name, " ", "-") + ".txt"
	put := func(extra ...string) semanticsAnswer {
		t.Helper()
		a := c.send("PUT", strings.ReplaceAll(target, " ", "%20"), strings.NewReader("new\n"), nil, extra...)
		c.every("PUT "+target, a, false)
		return a
	}
	if authWrites {
		a := put()
		if a.status != http.StatusUnauthorized || a.header.Get("Www-Authenticate") == "" {
			t.Errorf("PUT without credentials: %d, WWW-Authenticate %q", a.status, a.header.Get("Www-Authenticate"))
		}
		c.user = "u:p"
		defer func() { c.user = "" }()
	}
	a := put()
	if a.status != http.StatusCreated || a.header.Get("Location") != strings.ReplaceAll(target, " ", "%20") ||
		a.header.Get("Content-Length") != "0" {
		t.Errorf("PUT %s: %d, %v", target, a.status, a.header)
	}
	if a := put(); a.status != http.StatusConflict {
		t.Errorf("PUT %s again: %d, want 409", target, a.status)
	}
	if a := put("If-None-Match", "*"); a.status != http.StatusPreconditionFailed {
		t.Errorf("PUT %s again with If-None-Match: *: %d, want 412", target, a.status)
	}
	if a := put("Content-Encoding", "deflate"); a.status != http.StatusUnsupportedMediaType ||
		a.header.Get("Accept-Encoding") != "identity" {
		t.Errorf("PUT %s with Content-Encoding: %d, Accept-Encoding %q", target, a.status, a.header.Get("Accept-Encoding"))
	}
	a = c.send("POST", "/small.txt", strings.NewReader("--b--\r\n"), nil, "Content-Type", "multipart/form-data; boundary=b")
	c.every("POST /small.txt", a, false)
	if a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET, HEAD, PUT" {
		t.Errorf("POST /small.txt: %d, Allow %q", a.status, a.header.Get("Allow"))
	}
}

// every checks what every answer must be: dated, framed, typed, and
// without a body where it has none.
func (c *semanticsClient) every(what string, a semanticsAnswer, head bool) {
	t := c.t
	t.Helper()
	if _, err := http.ParseTime(a.header.Get("Date")); err != nil {
		t.Errorf("%s: %d without a Date (%q)", what, a.status, a.header.Get("Date"))
	}
	bodiless := head || a.status == http.StatusNotModified || a.status == http.StatusNoContent || a.status < 200
	if bodiless && len(a.body) != 0 {
		t.Errorf("%s: %d with a body of %d bytes", what, a.status, len(a.body))
	}
	streamed := a.header.Get("Content-Disposition") != "" // an archive, made while it is sent
	if !bodiless && !streamed && a.header.Get("Content-Length") == "" {
		t.Errorf("%s: %d without Content-Length", what, a.status)
	}
	// A file's type is Python's (text/html for a page, without a
	// charset); the server's own pages say theirs.
	if ct := a.header.Get("Content-Type"); a.header.Get("Etag") == "" && strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset=") {
		t.Errorf("%s: %d with Content-Type %q", what, a.status, ct)
	}
	if (a.status == http.StatusNotModified || a.status == http.StatusNoContent) && a.header.Get("Content-Type") != "" {
		t.Errorf("%s: %d with Content-Type %q", what, a.status, a.header.Get("Content-Type"))
	}
}

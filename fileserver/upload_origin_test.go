package fileserver_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestUploadCrossOrigin: a browser's upload from another site is refused
// with 403 and stores nothing (a form there would otherwise post files
// here with the visitor's credentials); the server's own pages, the
// origins of UploadOrigins and clients that are not browsers upload.
// httptest requests have Host example.com.
func TestUploadCrossOrigin(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOrigins: []string{"https://files.example.org"}})
	for i, tc := range []struct {
		hdr  []string
		want int
	}{
		{nil, 201}, // curl
		{[]string{"Sec-Fetch-Site", "same-origin", "Origin", "http://example.com"}, 201},
		{[]string{"Sec-Fetch-Site", "none"}, 201}, // typed by the user
		{[]string{"Origin", "http://example.com"}, 201},
		{[]string{"Sec-Fetch-Site", "cross-site", "Origin", "https://files.example.org"}, 201},
		{[]string{"Origin", "https://files.example.org"}, 201},
		{[]string{"Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example"}, 403},
		{[]string{"Sec-Fetch-Site", "same-site", "Origin", "http://sub.example.com"}, 403},
		{[]string{"Sec-Fetch-Site", "cross-site"}, 403},
		{[]string{"Sec-Fetch-Site", "same-origin", "Origin", "http://evil.example"}, 201}, // the browser's word wins
		{[]string{"Origin", "http://evil.example"}, 403},                                  // an older browser
		{[]string{"Origin", "null"}, 403},
		{[]string{"Origin", "http://example.com.evil.example"}, 403},
	} {
		for _, method := range []string{"PUT", "POST"} {
			name := method + "-" + itoa(i) + ".txt"
			var w *httptest.ResponseRecorder
			if method == "PUT" {
				w = upReq(h, "PUT", "/"+name, []byte("x"), false, tc.hdr...)
			} else {
				body, ct := multipartBody(t, name, "x")
				w = upReq(h, "POST", "/", body, false, append([]string{"Content-Type", ct}, tc.hdr...)...)
			}
			if w.Code != tc.want || (w.Code == 403) != strings.Contains(w.Body.String(), "Cross-origin upload refused") {
				t.Errorf("%s with %q: %d %q, want %d", method, tc.hdr, w.Code, w.Body.String(), tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != (tc.want == 201) {
				t.Errorf("%s with %q: stored %v, want %v", method, tc.hdr, err == nil, tc.want == 201)
			}
		}
	}
	for _, bad := range []string{"files.example.org", "https://files.example.org/app", "ftp://x", "https://", "https://u:p@x"} {
		if _, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Upload: true, UploadOrigins: []string{bad}}); err == nil || !strings.Contains(err.Error(), "is not an origin") {
			t.Errorf("UploadOrigins %q: %v, want an error", bad, err)
		}
	}
	if _, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{UploadOrigins: []string{"https://x"}}); err == nil {
		t.Error("UploadOrigins without Upload: no error")
	}
}

// TestUploadRebinding: a page that reaches a server on a loopback address
// by DNS rebinding has the server as its own origin, and its browser sends
// the page's host name as Host and in Origin, with Sec-Fetch-Site:
// same-origin. Such an upload is refused with 403 and stores nothing
// unless UploadOrigins names its origin; the machine's own names (IP
// addresses, localhost, names under .localhost, its host name) and
// clients that are not browsers upload as before.
func TestUploadRebinding(t *testing.T) {
	dir := t.TempDir()
	srv := httptest.NewServer(newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOrigins: []string{"http://trusted.example:8000"}}))
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		host    string
		browser bool // Sec-Fetch-Site: same-origin and Origin: http://host
		want    int
	}{
		{"rebind.attacker.example" + port, true, 403},
		{"Rebind.Attacker.Example." + port, true, 403},
		{"rebind.attacker.example", true, 403},
		{"localhost.attacker.example" + port, true, 403},
		{"rebind.attacker.example" + port, false, 201}, // curl to a name of /etc/hosts
		{"trusted.example:8000", true, 201},
		{"127.0.0.1" + port, true, 201},
		{"[::1]" + port, true, 201},
		{"localhost" + port, true, 201},
		{"LOCALHOST." + port, true, 201},
		{"app.localhost" + port, true, 201},
		{hostname + port, true, 201},
	} {
		for _, method := range []string{"PUT", "POST"} {
			name := method + "-" + itoa(i) + ".txt"
			var req *http.Request
			if method == "PUT" {
				req, _ = http.NewRequest("PUT", srv.URL+"/"+name, strings.NewReader("x"))
			} else {
				body, ct := multipartBody(t, name, "x")
				req, _ = http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
			}
			req.Host = tc.host
			if tc.browser {
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.Header.Set("Origin", "http://"+strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(tc.host, port), "."))+port)
				if tc.host == "trusted.example:8000" {
					req.Header.Set("Origin", "http://trusted.example:8000")
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want || (resp.StatusCode == 403) != strings.Contains(string(b), "Cross-origin upload refused") {
				t.Errorf("%s with Host %q (browser %v): %d %q, want %d", method, tc.host, tc.browser, resp.StatusCode, b, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != (tc.want == 201) {
				t.Errorf("%s with Host %q (browser %v): stored %v, want %v", method, tc.host, tc.browser, err == nil, tc.want == 201)
			}
		}
	}
}

// TestUploadOriginsAsBrowsersSend: an origin of UploadOrigins written
// with capitals or its scheme's default port is the one a browser sends
// (lower case, no default port), so uploads from it are taken.
func TestUploadOriginsAsBrowsersSend(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOrigins: []string{"https://Files.Example.org:443", "HTTP://Proxy.Example:80/"}})
	for i, origin := range []string{"https://files.example.org", "http://proxy.example"} {
		name := "/" + itoa(i) + ".txt"
		if w := upReq(h, "PUT", name, []byte("x"), false, "Sec-Fetch-Site", "cross-site", "Origin", origin); w.Code != 201 {
			t.Errorf("PUT from %s: %d %q", origin, w.Code, w.Body.String())
		}
	}
	if _, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Upload: true, UploadOrigins: []string{"https://bücher.example"}}); err == nil {
		t.Error("UploadOrigins with a host that is not ASCII (never sent by a browser): no error")
	}
}

// TestPutRefusedForms: a PUT with Content-Range (a part of a file, which
// stored as the whole would silently lose the rest) and a PUT or POST to
// the asterisk target (for OPTIONS only) get 400 and store nothing.
func TestPutRefusedForms(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	w := upReq(h, "PUT", "/part.txt", []byte("abc"), false, "Content-Range", "bytes 100-102/1000")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "Content-Range in a PUT is not supported") {
		t.Errorf("PUT with Content-Range: %d %q", w.Code, w.Body.String())
	}
	for _, method := range []string{"PUT", "POST"} {
		w = upReq(h, method, "*", []byte("abc"), false)
		if w.Code != 400 || !strings.Contains(w.Body.String(), "Bad request target: *") {
			t.Errorf("%s *: %d %q", method, w.Code, w.Body.String())
		}
	}
	sameTree(t, dir, map[string]string{"./": ""})
}

// TestUploadContentCoded: an upload whose body the client compressed on
// the way (Content-Encoding, as HTTPie's --compress sends) gets 415 with
// Accept-Encoding: identity, and stores nothing: stored as it came, the
// file would hold the compressed bytes, and a GET would serve them as the
// file. "identity" is no coding.
func TestUploadContentCoded(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("hello\n"))
	zw.Close()
	form, ct := multipartBody(t, "posted.txt", gz.String())
	for _, coding := range []string{"gzip", "deflate", "br", "identity, gzip", "x-custom"} {
		w := upReq(h, "PUT", "/put.txt", gz.Bytes(), false, "Content-Encoding", coding)
		if w.Code != 415 || w.Header().Get("Accept-Encoding") != "identity" ||
			!strings.Contains(w.Body.String(), "Content-Encoding in an upload is not supported") {
			t.Errorf("PUT with Content-Encoding: %s: %d, Accept-Encoding %q", coding, w.Code, w.Header().Get("Accept-Encoding"))
		}
		w = upReq(h, "POST", "/", form, false, "Content-Type", ct, "Content-Encoding", coding)
		if w.Code != 415 || w.Header().Get("Accept-Encoding") != "identity" {
			t.Errorf("POST with Content-Encoding: %s: %d, Accept-Encoding %q", coding, w.Code, w.Header().Get("Accept-Encoding"))
		}
	}
	sameTree(t, dir, map[string]string{"./": ""})
	if w := upReq(h, "PUT", "/put.txt", []byte("hello\n"), false, "Content-Encoding", "identity"); w.Code != 201 {
		t.Errorf("PUT with Content-Encoding: identity: %d", w.Code)
	}
	sameTree(t, dir, map[string]string{"./": "", "put.txt": "hello\n"})
}

// TestPostToFile: a form post to a file's URL, which takes no uploads
// (they are posted to a directory), gets 405 with Allow, not the 404 that
// would say the file is not there; a URL below a file, or a file's with a
// slash, is 404 as its GET is.
func TestPostToFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	form, ct := multipartBody(t, "new.txt", "new\n")
	for _, c := range []struct {
		target, contentType string
		want                int
	}{
		{"/a.txt", ct, 405},
		{"/a.txt", "text/plain", 405},
		{"/a.txt/", ct, 404},
		{"/a.txt/x/", ct, 404},
		{"/none/", ct, 404},
	} {
		w := upReq(h, "POST", c.target, form, false, "Content-Type", c.contentType)
		if w.Code != c.want || c.want == 405 && w.Header().Get("Allow") != "GET, HEAD, PUT" {
			t.Errorf("POST %s (%s): %d, Allow %q; want %d", c.target, c.contentType, w.Code, w.Header().Get("Allow"), c.want)
		}
		if get := upReq(h, "GET", c.target, nil, false); c.want == 404 && get.Code != 404 {
			t.Errorf("GET %s: %d, the POST's %d", c.target, get.Code, w.Code)
		}
	}
	sameTree(t, dir, map[string]string{"./": "", "a.txt": "a\n"})
}

// TestPostToFileAllow: the Allow of a form post's 405 names PUT only for
// a file a PUT may replace: not one in a hidden or excluded directory,
// whether the URL names it or goes there through a link (scripts ->
// cgi-bin), nor one whose name an upload may not make (a dotfile), nor
// the Fallback file, by any path, which a PUT is refused for whatever it
// sends.
func TestPostToFileAllow(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{".hid", "cgi-bin", "app", "pub"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"scripts": "cgi-bin", "keys": ".hid", "site": "app", "docs": "pub"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"a.txt": "a\n", ".env": "e\n", ".hid/h.txt": "h\n", "cgi-bin/s.py": "s\n", "app/index.html": "i\n", "pub/p.txt": "p\n"}
	for n, content := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{
		UploadOverwrite: true, ExcludeDirs: []string{"/cgi-bin"}, Fallback: "app/index.html",
	})
	form, ct := multipartBody(t, "new.txt", "new\n")
	for _, c := range []struct {
		target, allow string
	}{
		{"/a.txt", "GET, HEAD, PUT"},
		{"/.env", "GET, HEAD"},
		{"/.hid/h.txt", "GET, HEAD"},
		{"/cgi-bin/s.py", "GET, HEAD"},
		{"/app/index.html", "GET, HEAD"},
		{"/scripts/s.py", "GET, HEAD"},
		{"/keys/h.txt", "GET, HEAD"},
		{"/site/index.html", "GET, HEAD"},
		{"/docs/p.txt", "GET, HEAD, PUT"},
	} {
		w := upReq(h, "POST", c.target, form, false, "Content-Type", ct)
		if w.Code != 405 || w.Header().Get("Allow") != c.allow {
			t.Errorf("POST %s: %d, Allow %q; want 405 and %q", c.target, w.Code, w.Header().Get("Allow"), c.allow)
		}
		// What the Allow says of PUT holds: the PUT is stored, or refused.
		put := upReq(h, "PUT", c.target, []byte("put\n"), false)
		if stored := put.Code/100 == 2; stored != strings.HasSuffix(c.allow, "PUT") {
			t.Errorf("PUT %s: %d, after a POST's Allow %q", c.target, put.Code, c.allow)
		}
	}
}

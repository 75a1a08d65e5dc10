package fileserver_test

import (
	"bufio"
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/fileserver"
)

// FuzzUpload sends one upload with a hostile name, a PUT to a raw
// request target or a multipart POST with a raw filename parameter, to a
// handler serving root, where root/link leads to a directory outside
// and root/cg to root/cgi-bin, which belongs to a CGI handler in front
// (Options.ExcludeDirs), with unnamed temporary files (O_TMPFILE) or
// hidden named ones (named).
// Whatever the name, the upload must:
//   - be answered 201, or refused with a 4xx, never a 5xx (the names
//     are the client's fault, and the disk is fine);
//   - change nothing outside root, nor through the link, nor in the CGI
//     directory, whatever letter case names it (a script written there
//     would run);
//   - when refused, change nothing at all;
//   - when taken, add exactly one file holding the body, under the name
//     the client gave (the URL path, cleaned of dot segments as for a
//     GET, for a PUT; the filename's last element for a POST), which is
//     a plain visible name;
//   - leave no temporary file behind.
func FuzzUpload(f *testing.F) {
	for _, seed := range []struct {
		target, filename string
		post             bool
	}{
		{"/a.txt", "", false},
		{"/sub/a%20b.txt", "", false},
		{"/%2e%2e/escape.txt", "", false},
		{"/sub/..%2f..%2fescape.txt", "", false},
		{"/link/x.txt", "", false},
		{"/sub/%00x", "", false},
		{"/sub/%c3%28", "", false},
		{"/.hidden", "", false},
		{"/con.txt", "", false},
		{"/" + strings.Repeat("n", 256), "", false},
		{"/cgi-bin/x.sh", "", false},
		{"/CGI-BIN/x.sh", "", false},
		{"/cg/x.sh", "", false},
		{"/cgi-bin/", "x.sh", true},
		{"/cg/", "x.sh", true},
		{"/sub/", "a.txt", true},
		{"/", `C:\Users\me\b <&>.txt`, true},
		{"/", "../../escape.txt", true},
		{"/link/", "x.txt", true},
		{"/", "a\"; filename=\"b.txt", true},
		{"/", "x\r\n\r\nbody", true},
		{"/", ".", true},
		{"/", "\u202eexe.txt", true},
	} {
		f.Add(seed.target, seed.filename, seed.post, false)
		f.Add(seed.target, seed.filename, seed.post, true)
	}
	f.Fuzz(func(t *testing.T, target, filename string, post, named bool) {
		if named {
			defer fileserver.SetUnnamedTemp(false)()
		}
		parent := t.TempDir()
		root := filepath.Join(parent, "root")
		outside := filepath.Join(parent, "outside")
		for _, d := range []string{root, outside, filepath.Join(root, "sub"), filepath.Join(root, "cgi-bin")} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink("../outside", filepath.Join(root, "link")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("cgi-bin", filepath.Join(root, "cg")); err != nil {
			t.Fatal(err)
		}
		before := tree(t, parent)

		body := []byte("fuzzed upload\n")
		var raw, part bytes.Buffer
		if post {
			fmt.Fprintf(&part, "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n\r\n%s\r\n--B--\r\n", filename, body)
			fmt.Fprintf(&raw, "POST %s HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\n\r\n%s", target, part.Len(), part.Bytes())
		} else {
			fmt.Fprintf(&raw, "PUT %s HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", target, len(body), body)
		}
		r, err := http.ReadRequest(bufio.NewReader(&raw))
		if err != nil {
			return // net/http refuses it before any handler runs
		}
		h := newUploader(t, root, fileserver.SymlinksInside, fileserver.Options{ExcludeDirs: []string{"/cgi-bin"}})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		after := tree(t, parent)
		added := map[string]string{}
		for name, content := range after {
			old, ok := before[name]
			switch {
			case !ok:
				added[name] = content
			case old != content:
				t.Fatalf("%s %q (filename %q): %s changed", r.Method, target, filename, name)
			}
		}
		for name := range before {
			if _, ok := after[name]; !ok {
				t.Fatalf("%s %q (filename %q): %s removed", r.Method, target, filename, name)
			}
		}

		want := http.StatusCreated
		switch {
		case w.Code >= 400 && w.Code < 500:
			if len(added) > 0 {
				t.Fatalf("%s %q (filename %q) refused with %d, yet added %v", r.Method, target, filename, w.Code, added)
			}
			return
		case w.Code != want:
			t.Fatalf("%s %q (filename %q) = %d, want %d or a 4xx; body %q", r.Method, target, filename, w.Code, want, w.Body)
		}
		if len(added) != 1 {
			t.Fatalf("%s %q (filename %q) = %d, added %v, want one file", r.Method, target, filename, w.Code, added)
		}
		for name, content := range added {
			rel, ok := strings.CutPrefix(name, "root/")
			if !ok {
				t.Fatalf("%s %q (filename %q) wrote %s, outside root", r.Method, target, filename, name)
			}
			if content != string(body) {
				t.Fatalf("%s %q: %s holds %q, want %q", r.Method, target, name, content, body)
			}
			base := rel[strings.LastIndexByte(rel, '/')+1:]
			if why := plainName(base); why != "" {
				t.Fatalf("%s %q (filename %q) stored %q: %s", r.Method, target, filename, rel, why)
			}
			if strings.HasPrefix(rel, "link/") {
				t.Fatalf("%s %q (filename %q) wrote through the link: %s", r.Method, target, filename, rel)
			}
			if strings.HasPrefix(strings.ToLower(rel), "cgi-bin/") || strings.HasPrefix(rel, "cg/") {
				t.Fatalf("%s %q (filename %q) wrote into the CGI directory: %s", r.Method, target, filename, rel)
			}
			if post {
				given := sentFileName(t, part.Bytes())
				given = given[strings.LastIndexAny(given, `/\`)+1:]
				dir := strings.TrimPrefix(pathOf(r)+"/", "/")
				if dir == "/" {
					dir = ""
				}
				if base != given || rel != dir+base {
					t.Fatalf("POST %q (filename %q) stored %q, want %q", target, filename, rel, dir+given)
				}
			} else if want := pathOf(r); "/"+rel != want {
				t.Fatalf("PUT %q stored %q, not the name the URL gives (%q)", target, rel, want)
			}
		}
	})
}

// pathOf is the path r names, as Python's http.server reads a request
// target: up to a "?" or "#", unescaped, with its dot segments resolved;
// of an absolute-form target ("http://host/p"), its path (RFC 9112,
// section 3.2.2).
func pathOf(r *http.Request) string {
	p, _, _ := strings.Cut(r.RequestURI, "?")
	p, _, _ = strings.Cut(p, "#")
	if !strings.HasPrefix(r.RequestURI, "/") {
		p = r.URL.EscapedPath()
	}
	u, err := url.PathUnescape("/" + p)
	if err != nil {
		return "(cannot unescape)"
	}
	return path.Clean(u)
}

// sentFileName is the filename parameter of the first part of the
// multipart body, as the standard library reads it: what a client that
// wrote the filename into the header as it is has sent.
func sentFileName(t *testing.T, body []byte) string {
	t.Helper()
	p, err := multipart.NewReader(bytes.NewReader(body), "B").NextPart()
	if err != nil {
		t.Fatalf("the server took a body the standard library cannot read: %v", err)
	}
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		t.Fatalf("the server took a part whose Content-Disposition the standard library cannot read: %v", err)
	}
	return params["filename"]
}

// plainName says why name is not one an upload may create, or "": it is
// checked here apart from the handler's own rules, as what any user would
// call a plain, visible file name.
func plainName(name string) string {
	switch {
	case name == "" || name == "." || name == "..":
		return "not a file name"
	case strings.HasPrefix(name, "."):
		return "hidden"
	case strings.HasPrefix(name, fileserver.TempPrefix):
		return "a temporary file left behind"
	case len(name) > 255:
		return "too long"
	case !utf8.ValidString(name):
		return "not UTF-8"
	case strings.ContainsAny(name, "\\\x7f"):
		return "holds a backslash or DEL"
	}
	for _, c := range name {
		if c < 0x20 || (c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) {
			return "holds a control character"
		}
	}
	return ""
}

package fileserver_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/pyescape"
)

var (
	hrefSafe = regexp.MustCompile(`^(?:[A-Za-z0-9_.~/-]|%[0-9A-F]{2})*$`)
	textAmps = regexp.MustCompile(`&(?:amp|lt|gt);`)
)

// FuzzHref lists a directory holding one file of any name and checks the
// listing's one entry, <li><a href="HREF">TEXT</a></li>:
//
//   - HREF holds nothing but letters, digits, "_.~/-" and %XX escapes
//     (upper-case hex), so no quote, angle bracket, ampersand, space or
//     control can end the attribute or the element;
//   - TEXT has no '<' or '>' and every '&' starts &amp;, &lt; or &gt;,
//     and it unescapes to the name, with one U+FFFD for each byte that is
//     not part of valid UTF-8;
//   - HREF percent-decodes to the name, with each such byte b as the
//     lone surrogate U+DC00+b that Python's listing writes for it
//     (pyescape.SurrogateEscape), and resolved against the directory's
//     URL (as a browser does) and fetched, it gives the file's bytes.
//
// A name that is not one element of a path ("", ".", "..", or one holding
// '/' or NUL) is skipped: listings leave it out (TestListingOddNames). A
// valid UTF-8 name is served from an fstest.MapFS. Any other name is
// written to an OS directory served by NewDir, the only kind of FS that
// can open it; an fstest.MapFS holding it lists nothing.
func FuzzHref(f *testing.F) {
	for _, s := range []string{
		"a.txt", "<script>alert(1)</script>", `"dq"`, "'sq'", "a&b", "&lt;", "%2e%2e", "%", "q?x#y",
		`back\slash`, "sp ace", "tab\tnl\ncr\r", "\x00", "\x1b[31m", "\u0085", "ü日本", "\u202e", "..data",
		"...", "javascript:alert(1)", "//", "a/b", ".", "..", "",
		"bad\xff\xfe.txt", "\x80", "caf\xe9 <&>", "\xed\xa0\x80", "\xc0\xae\xc0\xae", "\xe2\x82%", "\xff\xfe\x00",
	} {
		f.Add(s)
	}
	mtime := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
			return // not one element of a path: left out of listings
		}
		content := "the file " + name
		var h *fileserver.Handler
		opts := fileserver.Options{IndexNames: []string{}, DisableSniff: true}
		if utf8.ValidString(name) {
			fsys := fstest.MapFS{"d/" + name: {Data: []byte(content), ModTime: mtime}}
			h = mustNew(t, fsys, opts)
		} else {
			fsys := fstest.MapFS{"d/" + name: {Data: []byte(content), ModTime: mtime}, "d/x": {}}
			w := httptest.NewRecorder()
			mustNew(t, fsys, opts).ServeHTTP(w, httptest.NewRequest("GET", "/d/", nil))
			if !strings.Contains(w.Body.String(), "<ul>\n<li><a href=\"x\">x</a></li>\n</ul>\n") {
				t.Fatalf("name %q: an fstest.MapFS lists it:\n%s", name, w.Body.String())
			}
			root := t.TempDir()
			if err := os.Mkdir(filepath.Join(root, "d"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "d", name), []byte(content), 0o644); err != nil {
				return // too long for the file system
			}
			var err error
			if h, err = fileserver.NewDir(root, fileserver.SymlinksFollow, opts); err != nil {
				t.Fatal(err)
			}
			defer h.Close()
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/d/", nil))
		body := w.Body.String()
		_, rest, ok1 := strings.Cut(body, "<ul>\n<li><a href=\"")
		entry, _, ok2 := strings.Cut(rest, "</a></li>\n</ul>\n")
		href, text, ok3 := strings.Cut(entry, `">`)
		if w.Code != 200 || !ok1 || !ok2 || !ok3 {
			t.Fatalf("name %q: %d, no single entry in\n%s", name, w.Code, body)
		}
		if !hrefSafe.MatchString(href) {
			t.Fatalf("name %q: href %q is not fully percent-encoded", name, href)
		}
		if strings.ContainsAny(text, "<>") || strings.Count(text, "&") != len(textAmps.FindAllString(text, -1)) {
			t.Fatalf("name %q: text %q is not escaped", name, text)
		}
		if got, want := html.UnescapeString(text), string([]rune(name)); got != want {
			t.Fatalf("name %q: text %q unescapes to %q, want %q", name, text, got, want)
		}
		if got, err := url.PathUnescape(href); err != nil || got != pyescape.SurrogateEscape(name) {
			t.Fatalf("name %q: href %q decodes to %q (%v)", name, href, got, err)
		}
		base, _ := url.Parse("http://example.com/d/")
		ref, err := url.Parse(href)
		if err != nil {
			t.Fatalf("name %q: href %q does not parse: %v", name, href, err)
		}
		u := base.ResolveReference(ref)
		if u.Host != "example.com" || !strings.HasPrefix(u.EscapedPath(), "/d/") {
			t.Fatalf("name %q: href %q resolves to %s", name, href, u)
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", u.RequestURI(), nil))
		if w.Code != http.StatusOK || w.Body.String() != content {
			t.Fatalf("name %q: href %q fetched as %s gives %d %q", name, href, u.RequestURI(), w.Code, w.Body.String())
		}
	})
}

package fileserver_test

import (
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/fileserver"
)

var (
	hrefSafe = regexp.MustCompile(`^(?:[A-Za-z0-9_.~/-]|%[0-9A-F]{2})*$`)
	textAmps = regexp.MustCompile(`&(?:amp|lt|gt);`)
)

// FuzzHref lists a directory holding one file of any valid UTF-8 name and
// checks the listing's one entry, <li><a href="HREF">TEXT</a></li>:
//
//   - HREF holds nothing but letters, digits, "_.~/-" and %XX escapes
//     (upper-case hex), so no quote, angle bracket, ampersand, space or
//     control can end the attribute or the element;
//   - TEXT has no '<' or '>' and every '&' starts &amp;, &lt; or &gt;,
//     and it unescapes to the name;
//   - HREF percent-decodes to the name, and resolved against the
//     directory's URL (as a browser does) and fetched, it gives the
//     file's bytes.
//
// Names that are not valid UTF-8 are left out: see
// internal/hardening TestSecurityListingInvalidUTF8.
func FuzzHref(f *testing.F) {
	for _, s := range []string{
		"a.txt", "<script>alert(1)</script>", `"dq"`, "'sq'", "a&b", "&lt;", "%2e%2e", "%", "q?x#y",
		`back\slash`, "sp ace", "tab\tnl\ncr\r", "\x00", "\x1b[31m", "\u0085", "ü日本", "\u202e", "..data",
		"...", "javascript:alert(1)", "//", "a/b", ".", "..", "",
	} {
		f.Add(s)
	}
	mtime := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || name == "." || name == ".." || strings.Contains(name, "/") ||
			!utf8.ValidString(name) || !fs.ValidPath("d/"+name) {
			return
		}
		content := "the file " + name
		fsys := fstest.MapFS{"d/" + name: {Data: []byte(content), ModTime: mtime}}
		h, err := fileserver.New(fsys, fileserver.Options{IndexNames: []string{}, DisableSniff: true})
		if err != nil {
			t.Fatal(err)
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
		if got := html.UnescapeString(text); got != name {
			t.Fatalf("name %q: text %q unescapes to %q", name, text, got)
		}
		if got, err := url.PathUnescape(href); err != nil || got != name {
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

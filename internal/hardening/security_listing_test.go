package hardening

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// hostileNames are file names that try to break out of a listing's
// markup or to make a link lead somewhere else.
var hostileNames = []string{
	"<script>alert(1)</script>.txt", `"dq".txt`, "'sq'.txt", "a&b.txt", "&lt;lt&gt;.txt", "&amp;.txt",
	"&#60;x&#x3e;.txt", `x"><img src=x onerror=alert(1)>.txt`, `x' onmouseover='alert(1)`,
	"javascript:alert(1)", "data:text,x", "%2e%2e.txt", "%41.txt", "100%.txt", "%", "%zz", "q?x=1.txt",
	"h#frag.txt", `back\slash.txt`, `\\host\share`, "sp ace.txt", " lead.txt", "trail.txt ", "tab\tname.txt",
	"nl\nname.txt", "cr\rname.txt", "esc\x1b[31m.txt", "del\x7f.txt", "nul-less\x01.txt", "plus+.txt",
	"semi;colon.txt", "ü日本.txt", "\u202eexe.txt", "\u0085nel.txt", "\u2028ls.txt", "..data", ".hidden",
	"...", "-", "~tilde", "=eq", "@at", ":colon", "*star", "|pipe", "{brace}", "`tick`", "[b]", "a,b",
	"$dollar", "!bang", "(paren)", "+", "//", // "//" cannot be a name: skipped below
}

var (
	liRE       = regexp.MustCompile(`(?m)^<li><a href="([^"]*)">([^<]*)</a></li>$`)
	hrefSafeRE = regexp.MustCompile(`^(?:[A-Za-z0-9_.~/-]|%[0-9A-F]{2})*$`)
	textAmpRE  = regexp.MustCompile(`&(?:amp|lt|gt);`)
)

// TestSecurityListing lists, through the full stack over TCP, a directory
// of hostile file names and a directory whose own name is hostile, and
// checks that every name is escaped in the text and percent-encoded in
// the link, that nothing else in the page changes, and that every link,
// resolved as a browser resolves it and fetched, gives back its file.
func TestSecurityListing(t *testing.T) {
	root, dirName, names := hostileTree(t)
	st := newStack(t, root, stackOptions{})

	dirURL := "/" + url.PathEscape(dirName) + "/"
	res := get(t, st.addr, dirURL)
	if res.status != 200 {
		t.Fatalf("GET %s: status %d, want 200", dirURL, res.status)
	}
	page := string(res.body)

	// The page outside the entries is the template with the escaped path.
	wantTitle := html.EscapeString("/" + dirName + "/")
	wantTitle = strings.NewReplacer("&#34;", `"`, "&#39;", "'").Replace(wantTitle) // Python leaves quotes
	skeleton := liRE.ReplaceAllString(page, "")
	wantSkeleton := "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<style type=\"text/css\">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n" +
		"<title>Directory listing for " + wantTitle + "</title>\n</head>\n<body>\n" +
		"<h1>Directory listing for " + wantTitle + "</h1>\n<hr>\n<ul>\n" +
		strings.Repeat("\n", len(names)+1) + "</ul>\n<hr>\n</body>\n</html>\n"
	if skeleton != wantSkeleton {
		t.Errorf("listing outside its entries:\n%s\nwant:\n%s", skeleton, wantSkeleton)
	}

	entries := liRE.FindAllStringSubmatch(page, -1)
	if len(entries) != len(names)+1 {
		t.Fatalf("listing has %d entries, want %d:\n%s", len(entries), len(names)+1, page)
	}
	seen := map[string]bool{}
	base, _ := url.Parse("http://" + st.addr + dirURL)
	for _, e := range entries {
		href, text := e[1], e[2]
		name, dir, ok := checkEntry(t, href, text, func(s string) string { return s })
		if !ok {
			continue
		}
		seen[name] = true

		u, ok := resolveEntry(t, base, href)
		if !ok {
			continue
		}
		got := get(t, st.addr, u.RequestURI())
		switch {
		case dir:
			// The directory's own listing, whose title and entry are
			// escaped too, and whose file is reachable.
			if got.status != 200 || !strings.Contains(string(got.body), "<title>Directory listing for "+wantTitle+"sub&lt;i&gt;/</title>") ||
				!strings.Contains(string(got.body), `<li><a href="inner%26.txt">inner&amp;.txt</a></li>`) {
				t.Errorf("GET %s: %d\n%s", u.RequestURI(), got.status, got.body)
			}
			inner := get(t, st.addr, u.RequestURI()+"inner%26.txt")
			if string(inner.body) != "inner\n" {
				t.Errorf("GET %sinner%%26.txt: %d %q", u.RequestURI(), inner.status, inner.body)
			}
		default:
			want, _ := os.ReadFile(filepath.Join(root, dirName, name))
			if got.status != 200 || string(got.body) != string(want) {
				t.Errorf("link %q (%s): %d %q, want 200 %q", href, u.RequestURI(), got.status, got.body, want)
			}
		}
	}
	for _, n := range names {
		if !seen[n] {
			t.Errorf("name %q missing from the listing", n)
		}
	}

	// The JSON listing carries the names exactly.
	jres := rawRequest(t, st.addr, "GET "+dirURL+" HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
	var jl struct {
		Path    string
		Entries []struct{ Name string }
	}
	if err := json.Unmarshal(jres.body, &jl); err != nil {
		t.Fatalf("JSON listing: %v\n%s", err, jres.body)
	}
	var jnames []string
	for _, e := range jl.Entries {
		jnames = append(jnames, e.Name)
	}
	want := append(slices.Clone(names), "sub<i>")
	slices.Sort(want)
	slices.Sort(jnames)
	if !slices.Equal(jnames, want) || jl.Path != "/"+dirName+"/" {
		t.Errorf("JSON listing: path %q names %q, want %q %q", jl.Path, jnames, "/"+dirName+"/", want)
	}
	t.Logf("listing: %d hostile names, every one escaped, quoted and fetched back", len(names))
}

// hostileTree writes, under a new root, a directory whose own name is
// hostile holding a file of each of hostileNames (those that can be
// names) and a subdirectory "sub<i>" with "inner&.txt".
func hostileTree(t *testing.T) (root, dirName string, names []string) {
	t.Helper()
	root = filepath.Join(t.TempDir(), "root")
	dirName = `d<b>&"'` + "\x1b" + `%2e%2e`
	tree := map[string]file{dirName + "/sub<i>/inner&.txt": {content: "inner\n"}}
	for i, n := range hostileNames {
		if strings.Contains(n, "/") {
			continue
		}
		names = append(names, n)
		tree[dirName+"/"+n] = file{content: fmt.Sprintf("content %d of %q\n", i, n)}
	}
	writeTree(t, root, tree)
	return root, dirName, names
}

// checkEntry checks the link of a listing entry, its href and its text
// as written in the page: the href fully percent-encoded, the text
// HTML-escaped, and both naming the same entry. It returns that name,
// without the slash of a directory, and whether the entry is one.
func checkEntry(t *testing.T, href, text string, shown func(string) string) (name string, dir, ok bool) {
	t.Helper()
	if !hrefSafeRE.MatchString(href) {
		t.Errorf("href %q has a character that is not percent-encoded", href)
	}
	if strings.ContainsAny(text, "<>") || strings.Count(text, "&") != len(textAmpRE.FindAllString(text, -1)) {
		t.Errorf("text %q is not escaped", text)
	}
	decoded, err := url.PathUnescape(href)
	if err != nil {
		t.Errorf("href %q: %v", href, err)
		return "", false, false
	}
	dir = strings.HasSuffix(decoded, "/")
	name = strings.TrimSuffix(decoded, "/")
	if got := html.UnescapeString(text); strings.TrimSuffix(got, "/") != shown(name) {
		t.Errorf("href %q decodes to %q, text %q to %q: want %q", href, decoded, text, got, shown(name))
	}
	return name, dir, true
}

// resolveEntry resolves the href of an entry of the listing at base, as
// a browser does to follow it, and checks that it stays below base.
func resolveEntry(t *testing.T, base *url.URL, href string) (*url.URL, bool) {
	t.Helper()
	ref, err := url.Parse(href)
	if err != nil {
		t.Errorf("href %q does not parse: %v", href, err)
		return nil, false
	}
	u := base.ResolveReference(ref)
	if u.Host != base.Host || !strings.HasPrefix(u.EscapedPath(), base.EscapedPath()) {
		t.Errorf("href %q resolves to %s, outside %s", href, u, base)
		return nil, false
	}
	return u, true
}

// TestSecurityListingInvalidUTF8 lists a file whose name is not valid
// UTF-8 (any byte string is a valid name on Linux) and follows its link.
// Python lists it with each stray byte b as the lone surrogate U+DC00+b,
// percent-encoded (0xFF is %ED%B3%BF: os.listdir's surrogateescape, then
// quote with errors="surrogatepass"), and finds it again (unquote with
// errors="surrogatepass"); the text shows U+FFFD where Python writes the
// raw byte. The raw-byte form %FF%FE finds nothing, as in Python.
func TestSecurityListingInvalidUTF8(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	writeTree(t, root, map[string]file{"d/bad\xff\xfe.txt": {content: "bad bytes\n"}, "d/ok.txt": {content: "ok\n"}})
	st := newStack(t, root, stackOptions{})
	res := get(t, st.addr, "/d/")
	entries := liRE.FindAllStringSubmatch(string(res.body), -1)
	if len(entries) != 2 {
		t.Fatalf("GET /d/: %d entries, want 2:\n%s", len(entries), res.body)
	}
	want := map[string]string{
		"bad%ED%B3%BF%ED%B3%BE.txt": "bad\uFFFD\uFFFD.txt",
		"ok.txt":                    "ok.txt",
	}
	contents := map[string]string{"bad\uFFFD\uFFFD.txt": "bad bytes\n", "ok.txt": "ok\n"}
	for _, e := range entries {
		href, text := e[1], e[2]
		if !hrefSafeRE.MatchString(href) {
			t.Errorf("href %q is not percent-encoded", href)
		}
		if want[href] != text {
			t.Errorf("entry href %q text %q; want the hrefs and texts %q", href, text, want)
		}
		got := get(t, st.addr, "/d/"+href)
		if got.status != 200 || string(got.body) != contents[text] {
			t.Errorf("GET /d/%s: %d %q, want 200 %q", href, got.status, got.body, contents[text])
		}
	}
	if got := get(t, st.addr, "/d/bad%FF%FE.txt"); got.status != 404 {
		t.Errorf("GET /d/bad%%FF%%FE.txt: %d, want 404 as in Python", got.status)
	}
	// The access log has the request line as sent: ASCII only.
	st.close()
	log := st.access.Bytes()
	if !strings.Contains(string(log), `"GET /d/bad%ED%B3%BF%ED%B3%BE.txt HTTP/1.1" 200 10`) {
		t.Errorf("access log lacks the request for the link:\n%s", log)
	}
	for i, c := range log {
		if c >= 0x80 {
			t.Fatalf("access log byte %d is %#x:\n%q", i, c, log)
		}
	}
}

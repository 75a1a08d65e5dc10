package hardening

import (
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/fileserver"
)

// richRowRE matches a row of the rich listing: its href and link text.
var richRowRE = regexp.MustCompile(`(?m)^<tr class="[dfo](?: l)?"><td class="n"><a href="([^"]*)">([^<]*)</a>.*</tr>$`)

// TestSecurityRichListing runs the hostile names of TestSecurityListing
// against the rich listing (Options.Listing = ListingRich), in every sort
// order, through the full stack over TCP: every name is escaped in the
// text (its bidirectional formatting characters shown as U+FFFD, so that
// none reorders what the page shows) and percent-encoded in the link,
// the directory's own hostile name
// is escaped in the title and the breadcrumbs, nothing from a name
// reaches the page outside its row, and every link, resolved as a
// browser resolves it and fetched, gives back its file.
func TestSecurityRichListing(t *testing.T) {
	root, dirName, names := hostileTree(t)
	st := newStack(t, root, stackOptions{Listing: fileserver.ListingRich})
	dirURL := "/" + url.PathEscape(dirName) + "/"
	base, _ := url.Parse("http://" + st.addr + dirURL)

	for _, query := range []string{"", "?sort=size&order=desc", "?sort=date", "?sort=name&order=desc"} {
		res := get(t, st.addr, dirURL+query)
		if res.status != 200 {
			t.Fatalf("GET %s%s: status %d, want 200", dirURL, query, res.status)
		}
		page := string(res.body)
		rows := richRowRE.FindAllStringSubmatch(page, -1)
		if len(rows) != len(names)+1 {
			t.Fatalf("GET %s%s: %d rows, want %d:\n%s", dirURL, query, len(rows), len(names)+1, page)
		}

		// Outside its rows the page holds the directory's name only
		// escaped (html/template's escaping: quotes too; control
		// characters pass, as in Python's listing), in the title and
		// as the last breadcrumb.
		rest := richRowRE.ReplaceAllString(page, "")
		title := regexp.MustCompile(`<title>Directory listing for ([^<]*)</title>`).FindStringSubmatch(rest)
		if title == nil || html.UnescapeString(title[1]) != "/"+dirName+"/" || strings.ContainsAny(title[1], `<>"'`) {
			t.Errorf("GET %s%s: title %q, want %q escaped", dirURL, query, title, "/"+dirName+"/")
		}
		crumb := regexp.MustCompile(`<span aria-current="page">([^<]*)</span>`).FindStringSubmatch(rest)
		if crumb == nil || html.UnescapeString(crumb[1]) != dirName {
			t.Errorf("GET %s%s: last breadcrumb %q, want %q escaped", dirURL, query, crumb, dirName)
		}
		for _, raw := range []string{"<b>", "<img", "<script>alert", "onerror=", "javascript:"} {
			if strings.Contains(rest, raw) {
				t.Errorf("GET %s%s: %q outside the rows:\n%s", dirURL, query, raw, rest)
			}
		}

		seen := map[string]bool{}
		for _, row := range rows {
			href, text := row[1], row[2]
			name, dir, ok := checkEntry(t, href, text, richShown)
			if !ok {
				continue
			}
			seen[name] = true
			if query != "" {
				continue // the links were followed once, for the default order
			}
			u, ok := resolveEntry(t, base, href)
			if !ok {
				continue
			}
			got := get(t, st.addr, u.RequestURI())
			if dir {
				if got.status != 200 || !strings.Contains(string(got.body), `<a href="inner%26.txt">inner&amp;.txt</a>`) {
					t.Errorf("GET %s: %d\n%s", u.RequestURI(), got.status, got.body)
				}
				continue
			}
			want, _ := os.ReadFile(filepath.Join(root, dirName, name))
			if got.status != 200 || string(got.body) != string(want) {
				t.Errorf("link %q (%s): %d %q, want 200 %q", href, u.RequestURI(), got.status, got.body, want)
			}
		}
		for _, n := range names {
			if !seen[n] {
				t.Errorf("GET %s%s: name %q missing", dirURL, query, n)
			}
		}
	}
	t.Logf("rich listing: %d hostile names in 4 orders, every one escaped and quoted; links fetched back", len(names))
}

// TestSecurityRichListingInvalidUTF8: a name that is not valid UTF-8 is
// linked in the rich listing as in Python's (each stray byte as its lone
// surrogate, percent-encoded), shown with U+FFFD, and its link finds it.
func TestSecurityRichListingInvalidUTF8(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	writeTree(t, root, map[string]file{"d/bad\xff\xfe.txt": {content: "bad bytes\n"}})
	st := newStack(t, root, stackOptions{Listing: fileserver.ListingRich})
	res := get(t, st.addr, "/d/")
	rows := richRowRE.FindAllStringSubmatch(string(res.body), -1)
	if len(rows) != 1 || rows[0][1] != "bad%ED%B3%BF%ED%B3%BE.txt" || rows[0][2] != "bad\uFFFD\uFFFD.txt" {
		t.Fatalf("GET /d/: rows %q, want the href bad%%ED%%B3%%BF%%ED%%B3%%BE.txt and the text bad\uFFFD\uFFFD.txt", rows)
	}
	if got := get(t, st.addr, "/d/"+rows[0][1]); got.status != 200 || string(got.body) != "bad bytes\n" {
		t.Errorf("GET /d/%s: %d %q, want 200 %q", rows[0][1], got.status, got.body, "bad bytes\n")
	}
}

// richShown is a name as the rich listing's text shows it: each
// bidirectional formatting character replaced by U+FFFD.
func richShown(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Bidi_Control, r) {
			return utf8.RuneError
		}
		return r
	}, name)
}

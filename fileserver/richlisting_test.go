package fileserver_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
)

// richTime is the base modification time of the rich listing's fixtures.
var richTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// richFS is a tree with hostile names (markup, quotes, '&', '%', ':',
// '?', '#', spaces, control characters, bidi overrides), sizes from 0 to
// several MiB, equal sizes and equal times (so ties show their order),
// and a subdirectory whose own name is hostile.
func richFS() fstest.MapFS {
	file := func(size int, age time.Duration) *fstest.MapFile {
		return &fstest.MapFile{Data: bytes.Repeat([]byte{'x'}, size), Mode: 0o644, ModTime: richTime.Add(-age)}
	}
	dir := func(age time.Duration) *fstest.MapFile {
		return &fstest.MapFile{Mode: fs.ModeDir | 0o755, ModTime: richTime.Add(-age)}
	}
	return fstest.MapFS{
		"<script>alert(1)<\\script>.txt":    file(10, time.Hour),
		`x"><img src=x onerror=alert(1)>.t`: file(10, 2*time.Hour),
		"javascript:alert(1)":               file(2048, 3*time.Hour),
		"a&b.txt":                           file(0, 0),
		"100%.txt":                          file(1536, 24*time.Hour),
		"q?x=1#h.txt":                       file(5<<20, 48*time.Hour),
		"sp ace\ttab.txt":                   file(999, 30*time.Minute),
		"\u202eexe.txt":                     file(1023, time.Hour),
		"Zeta.txt":                          file(10, time.Hour),
		"alpha.txt":                         file(10, time.Hour),
		"sub <dir> & \"q\"":                 dir(5 * time.Hour),
		"sub <dir> & \"q\"/inner&.txt":      file(1, 0),
		"empty":                             dir(6 * time.Hour),
	}
}

func richHandler(t testing.TB, fsys fstest.MapFS, opts fileserver.Options) *fileserver.Handler {
	t.Helper()
	opts.Listing = fileserver.ListingRich
	return mustNew(t, fsys, opts)
}

// TestRichListingSortNotLinked checks that the rich listing sorts through
// the buttons of GET forms, not links: wget --recursive (and HTTrack)
// follow every href, and with links fetched each directory's listing
// seven times, keeping six sorted copies ("index.html?sort=size&order=asc")
// in the mirror. A form that a browser submits lands on the same URL a
// link did, so a sorted view can still be shared. The one query the
// page refers to is its style sheet's, which is no page.
func TestRichListingSortNotLinked(t *testing.T) {
	h := richHandler(t, richFS(), fileserver.Options{})
	href := regexp.MustCompile(`href="([^"]*)"`)
	for _, tt := range []struct{ target, name, size, date string }{
		{"/", "name\">Name <span aria-hidden=\"true\">▲</span></button><input type=\"hidden\" name=\"order\" value=\"desc\">",
			"size\">Size</button><input type=\"hidden\" name=\"order\" value=\"asc\">",
			"date\">Modified<span class=\"note\"> (UTC)</span></button><input type=\"hidden\" name=\"order\" value=\"asc\">"},
		{"/?sort=size&order=desc", "name\">Name</button><input type=\"hidden\" name=\"order\" value=\"asc\">",
			"size\">Size <span aria-hidden=\"true\">▼</span></button><input type=\"hidden\" name=\"order\" value=\"asc\">",
			"date\">Modified<span class=\"note\"> (UTC)</span></button><input type=\"hidden\" name=\"order\" value=\"asc\">"},
		{"/empty/?sort=date", "name\">Name</button><input type=\"hidden\" name=\"order\" value=\"asc\">",
			"size\">Size</button><input type=\"hidden\" name=\"order\" value=\"asc\">",
			"date\">Modified<span class=\"note\"> (UTC)</span> <span aria-hidden=\"true\">▲</span></button><input type=\"hidden\" name=\"order\" value=\"desc\">"},
	} {
		body := serve(t, h, "GET", tt.target, nil).body
		for _, m := range href.FindAllStringSubmatch(body, -1) {
			if strings.Contains(m[1], "?") && !strings.Contains(m[1], "/?asset=rich.") {
				t.Errorf("GET %s: the page links to %q, which a crawler fetches as another page", tt.target, m[1])
			}
		}
		for _, col := range []string{tt.name, tt.size, tt.date} {
			want := `<form method="get" action="./"><button name="sort" value="` + col + `</form></th>`
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: no heading\n\t%s", tt.target, want)
			}
		}
	}
}

// TestRichListingGolden pins the rich listing byte for byte: hostile
// names escaped in text and percent-encoded in links, the breadcrumbs,
// the sort buttons, sizes and UTC times. Every response carries Python's
// listing headers, and HEAD the same with no body.
func TestRichListingGolden(t *testing.T) {
	h := richHandler(t, richFS(), fileserver.Options{})
	tests := []struct{ name, target string }{
		{"root", "/"},
		{"size-desc", "/?sort=size&order=desc"},
		{"date-asc", "/?sort=date"},
		{"name-desc", "/?order=desc&sort=name"},
		{"subdir", "/sub%20%3Cdir%3E%20%26%20%22q%22/"},
		{"empty", "/empty/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serve(t, h, "GET", tt.target, nil)
			if got.status != 200 {
				t.Fatalf("GET %s: status = %d, want 200", tt.target, got.status)
			}
			checkHeaders(t, "GET "+tt.target, got.header, map[string]string{
				"Content-Type":   "text/html; charset=utf-8",
				"Content-Length": strconv.Itoa(len(got.body)),
				"Vary":           "Accept",
				"Last-Modified":  "",
				"Etag":           "",
			})
			golden(t, "testdata/TestRichListingGolden/"+tt.name+".golden", got.body)
			head := serve(t, h, "HEAD", tt.target, nil)
			if head.status != 200 || head.body != "" || head.header.Get("Content-Length") != strconv.Itoa(len(got.body)) {
				t.Errorf("HEAD %s: %d, Content-Length %q, body %q; want 200, %d, none",
					tt.target, head.status, head.header.Get("Content-Length"), head.body, len(got.body))
			}
		})
	}
	// Values that are not a sort give the default order, never an error.
	def := serve(t, h, "GET", "/", nil).body
	for _, q := range []string{"?sort=bogus", "?sort=name&order=sideways", "?sort=%ZZ", "?sort=SIZE", "?order=asc", "?sort=", "?;;&&=="} {
		if got := serve(t, h, "GET", "/"+q, nil); got.status != 200 || got.body != def {
			t.Errorf("GET /%s: status %d, body differs from the default listing", q, got.status)
		}
	}
}

// TestRichListingAssets checks that the rich listing's style sheet and
// script are not inline, where a Content-Security-Policy such as
// default-src 'self' blocks them (the page showed unstyled, the long
// names scrolling sideways), but served at a directory's URL, and
// linked at the root's (one copy for every directory, even when the root
// has an index page): with the type a browser requires of them, an ETag
// and a Cache-Control that keeps them, under a name that changes with
// their content. Any other ?asset= is the listing, as is the Python
// listing's.
func TestRichListingAssets(t *testing.T) {
	h := richHandler(t, richFS(), fileserver.Options{})
	dir := "/sub%20%3Cdir%3E%20%26%20%22q%22/"
	page := serve(t, h, "GET", dir, nil).body
	if strings.Contains(page, "<style") || regexp.MustCompile(`<script(?: defer)?>`).MatchString(page) {
		t.Errorf("the page has an inline style or script:\n%s", page)
	}
	// Linked at the root, one "../" up: one copy for all directories.
	css := regexp.MustCompile(`<link rel="stylesheet" href="\.\./(\?asset=rich\.[0-9a-f]{16}\.css)">`).FindStringSubmatch(page)
	js := regexp.MustCompile(`<script src="\.\./(\?asset=rich\.[0-9a-f]{16}\.js)" defer></script>`).FindStringSubmatch(page)
	if css == nil || js == nil {
		t.Fatalf("no style sheet (%q) or script (%q) in the page:\n%s", css, js, page)
	}
	for _, a := range []struct{ query, ctype, holds string }{
		{css[1], "text/css; charset=utf-8", "@media (prefers-color-scheme:dark)"},
		{js[1], "text/javascript; charset=utf-8", `getElementById("filter")`},
	} {
		target := dir + a.query
		got := serve(t, h, "GET", target, nil)
		if got.status != 200 || !strings.Contains(got.body, a.holds) {
			t.Fatalf("GET %s: %d, body %.80q; want 200 and %q", target, got.status, got.body, a.holds)
		}
		etag := got.header.Get("Etag")
		checkHeaders(t, "GET "+target, got.header, map[string]string{
			"Content-Type":   a.ctype,
			"Content-Length": strconv.Itoa(len(got.body)),
			"Cache-Control":  "max-age=31536000, immutable",
			"Vary":           "",
		})
		if want := `"` + a.query[len("?asset=rich."):len("?asset=rich.")+16] + `"`; etag != want {
			t.Errorf("GET %s: ETag %q, want %q", target, etag, want)
		}
		if head := serve(t, h, "HEAD", target, nil); head.status != 200 || head.body != "" || head.header.Get("Content-Length") != strconv.Itoa(len(got.body)) {
			t.Errorf("HEAD %s: %d, Content-Length %q, body %.20q", target, head.status, head.header.Get("Content-Length"), head.body)
		}
		if again := serve(t, h, "GET", target, map[string]string{"If-None-Match": etag}); again.status != 304 || again.body != "" {
			t.Errorf("GET %s, If-None-Match %s: %d, body %.20q; want 304", target, etag, again.status, again.body)
		}
		if root := serve(t, h, "GET", "/"+a.query, nil); root.status != 200 || root.body != got.body {
			t.Errorf("GET /%s: %d; want the same asset at any listed directory", a.query, root.status)
		}
		// A root with an index page serves them all the same, where the
		// pages below it link them.
		indexed := richFS()
		indexed["index.html"] = &fstest.MapFile{Data: []byte("<p>home</p>\n")}
		ih := richHandler(t, indexed, fileserver.Options{})
		if root := serve(t, ih, "GET", "/"+a.query, nil); root.status != 200 || root.body != got.body {
			t.Errorf("root with index.html: GET /%s: %d %.40q; want the asset", a.query, root.status, root.body)
		}
		if home := serve(t, ih, "GET", "/?sort=name", nil); home.body != "<p>home</p>\n" {
			t.Errorf("root with index.html: GET /?sort=name: %.40q; want the index page", home.body)
		}
		py := mustNew(t, richFS(), fileserver.Options{})
		if got := serve(t, py, "GET", target, nil); got.header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("Python listing, GET %s: Content-Type %q; want the listing", target, got.header.Get("Content-Type"))
		}
	}
	for _, q := range []string{"?asset=rich.0000000000000000.css", "?asset=" + css[1][len("?asset="):] + "&x", "?asset=rich.css", "?sort=name&" + js[1][1:]} {
		if got := serve(t, h, "GET", dir+q, nil); got.status != 200 || got.body != page {
			t.Errorf("GET %s%s: %d, %.40q; want the listing", dir, q, got.status, got.body)
		}
	}
}

// TestRichAssetsCompressed: with Compress, the rich listing's style sheet
// and script go out compressed in the coding the client prefers, as the
// page that links them does (they were inline in it, and compressed with
// it, before they were served beside it), each with an ETag of its own
// so that a cache never answers one coding's If-None-Match with
// another's; a range, or a client that takes no coding, gets them as
// they are.
func TestRichAssetsCompressed(t *testing.T) {
	plain := richHandler(t, richFS(), fileserver.Options{})
	h := richHandler(t, richFS(), fileserver.Options{Compress: true})
	page := serve(t, h, "GET", "/", nil).body
	for _, re := range []string{`href="\./(\?asset=rich\.[0-9a-f]{16}\.css)"`, `src="\./(\?asset=rich\.[0-9a-f]{16}\.js)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no %s in the page:\n%s", re, page)
		}
		target := "/" + m[1]
		want := serve(t, plain, "GET", target, nil)
		if got := serve(t, h, "GET", target, nil); got.body != want.body || got.header.Get("Content-Encoding") != "" || got.header.Get("Etag") != want.header.Get("Etag") || got.header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("GET %s, no Accept-Encoding: Content-Encoding %q, ETag %q, Vary %q; want the asset as it is, ETag %q, Vary: Accept-Encoding",
				target, got.header.Get("Content-Encoding"), got.header.Get("Etag"), got.header.Get("Vary"), want.header.Get("Etag"))
		}
		for _, token := range []string{"br", "zstd", "gzip"} {
			got := serve(t, h, "GET", target, map[string]string{"Accept-Encoding": token})
			wantTag := strings.TrimSuffix(want.header.Get("Etag"), `"`) + "-" + token + `"`
			checkHeaders(t, "GET "+target+" ("+token+")", got.header, map[string]string{
				"Content-Encoding": token,
				"Content-Length":   strconv.Itoa(len(got.body)),
				"Content-Type":     want.header.Get("Content-Type"),
				"Cache-Control":    "max-age=31536000, immutable",
				"Vary":             "Accept-Encoding",
				"Etag":             wantTag,
			})
			if got.status != 200 || len(got.body) >= len(want.body) || decode(t, token, got.body) != want.body {
				t.Errorf("GET %s (%s): %d, %d bytes; want 200 and the asset compressed (%d bytes as it is)", target, token, got.status, len(got.body), len(want.body))
			}
			if again := serve(t, h, "GET", target, map[string]string{"Accept-Encoding": token, "If-None-Match": wantTag}); again.status != 304 {
				t.Errorf("GET %s (%s), If-None-Match %s: %d; want 304", target, token, wantTag, again.status)
			}
		}
		if got := serve(t, h, "GET", target, map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=0-9"}); got.status != 206 || got.body != want.body[:10] || got.header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s, gzip and a range: %d %q, Content-Encoding %q; want 206 and the asset's first 10 bytes as they are", target, got.status, got.body, got.header.Get("Content-Encoding"))
		}
	}
}

// TestRichAssetPreconditionFailed: an If-Match that fails on the style
// sheet, or a range it cannot satisfy, gets the error page that a file
// gets, whole: with Compress, the 412 went out with the compressed
// asset's Content-Encoding and Content-Length and no body, and the client
// waited for bytes that never came (curl: "transfer closed with 1366
// bytes remaining to read"); without it, the 412 was an empty text/css
// response and the 416 Go's plain text. Neither keeps the asset's
// year-long Cache-Control, which would let a shared cache keep the error
// for everyone.
func TestRichAssetPreconditionFailed(t *testing.T) {
	for _, opts := range []fileserver.Options{{}, {Compress: true}} {
		h := richHandler(t, richFS(), opts)
		srv := httptest.NewServer(h)
		defer srv.Close()
		page := serve(t, h, "GET", "/", nil).body
		m := regexp.MustCompile(`href="\./(\?asset=rich\.[0-9a-f]{16}\.css)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no style sheet in the page:\n%s", page)
		}
		for _, cond := range []map[string]string{
			{"If-Match": `"nope"`},
			{"Range": "bytes=99999-"},
		} {
			file := serve(t, h, "GET", "/100%25.txt", cond)
			what := fmt.Sprintf("GET /%s, Compress %v, %v", m[1], opts.Compress, cond)
			req, err := http.NewRequest("GET", srv.URL+"/"+m[1], nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Encoding", "br")
			for k, v := range cond {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Transport.RoundTrip(req)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Errorf("%s: %d, reading the body: %v (Content-Length %q)", what, resp.StatusCode, err, resp.Header.Get("Content-Length"))
				continue
			}
			if resp.StatusCode != file.status || string(body) != file.body {
				t.Errorf("%s: %d, %d bytes; want %d and the page a file gets", what, resp.StatusCode, len(body), file.status)
			}
			checkHeaders(t, what, resp.Header, map[string]string{
				"Content-Type":     file.header.Get("Content-Type"),
				"Content-Encoding": "",
				"Content-Length":   strconv.Itoa(len(file.body)),
				"Cache-Control":    "",
				"Etag":             "",
			})
		}
	}
}

// TestRichAssetRangeAsFiles: a Range header on the rich listing's style
// sheet is answered as on a file: a suffix of zero bytes ("bytes=-0")
// cannot be satisfied (416 with "bytes */size"; the asset went out 206
// with an inverted "bytes 4016-4015/4016"), and a unit the server does
// not know, or a malformed range, is ignored, as RFC 9110 asks (the
// asset answered 416 where a file sends itself whole).
func TestRichAssetRangeAsFiles(t *testing.T) {
	h := richHandler(t, richFS(), fileserver.Options{})
	page := serve(t, h, "GET", "/", nil).body
	m := regexp.MustCompile(`href="\./(\?asset=rich\.[0-9a-f]{16}\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no style sheet in the page:\n%s", page)
	}
	asset := serve(t, h, "GET", "/"+m[1], nil)
	if asset.status != 200 || asset.body == "" {
		t.Fatalf("GET /%s: %d %q", m[1], asset.status, asset.body)
	}
	for _, rng := range []string{"bytes=-0", "items=0-5", "bytes=abc", "bytes=5-2"} {
		cond := map[string]string{"Range": rng}
		file := serve(t, h, "GET", "/100%25.txt", cond)
		got := serve(t, h, "GET", "/"+m[1], cond)
		what := fmt.Sprintf("GET /%s, Range %s", m[1], rng)
		switch file.status {
		case http.StatusRequestedRangeNotSatisfiable:
			if got.status != file.status || got.body != file.body {
				t.Errorf("%s: %d %q, want %d and the page a file gets", what, got.status, got.body, file.status)
			}
			checkHeaders(t, what, got.header, map[string]string{
				"Content-Range": fmt.Sprintf("bytes */%d", len(asset.body)),
				"Content-Type":  file.header.Get("Content-Type"),
			})
		case http.StatusOK:
			if got.status != 200 || got.body != asset.body {
				t.Errorf("%s: %d, %d bytes, want 200 and the whole asset, as a file", what, got.status, len(got.body))
			}
			checkHeaders(t, what, got.header, map[string]string{"Content-Range": ""})
		default:
			t.Fatalf("GET /100%%25.txt, Range %s: %d", rng, file.status)
		}
	}
}

// TestRichAssetsUnderPrefix: under http.StripPrefix, a page reached by a
// path whose segments are not its name's ("/a%2Fb/", one segment for
// the name a/b, or "/a//b/") links its style sheet and script at the
// handler's root all the same. Counted by the name, the link of
// /static/x/a%2Fb/ climbed above /static/, outside the handler, and the
// page lost its styles and script.
func TestRichAssetsUnderPrefix(t *testing.T) {
	m := fstest.MapFS{"x/a/b/f.txt": {Data: []byte("f")}}
	rh := richHandler(t, m, fileserver.Options{})
	href := regexp.MustCompile(`<link rel="stylesheet" href="([^"]*)">`)
	for _, dir := range []string{"/static/", "/static/x/a/b/", "/static/x/a%2Fb/", "/static/x%2Fa%2Fb/", "/static/x//a/b/", "/static//x/a/b/"} {
		for _, h := range []http.Handler{http.StripPrefix("/static", rh), http.StripPrefix("/static/", rh)} {
			page := serve(t, h, "GET", dir, nil)
			m := href.FindStringSubmatch(page.body)
			if page.status != 200 || m == nil {
				t.Fatalf("GET %s: %d, no style sheet:\n%s", dir, page.status, page.body)
			}
			base, _ := url.Parse("http://example.com" + dir)
			ref, err := url.Parse(m[1])
			if err != nil {
				t.Fatal(err)
			}
			got := base.ResolveReference(ref)
			if !strings.HasPrefix(got.Path, "/static/") {
				t.Errorf("GET %s: style sheet %q resolves to %s, outside /static/", dir, m[1], got)
				continue
			}
			if css := serve(t, h, "GET", got.RequestURI(), nil); css.status != 200 || css.header.Get("Content-Type") != "text/css; charset=utf-8" {
				t.Errorf("GET %s: %d %s", got.RequestURI(), css.status, css.header.Get("Content-Type"))
			}
		}
	}
}

// TestRichListingJSON: a client that asks for JSON gets the JSON listing,
// with or without the rich HTML listing.
func TestRichListingJSON(t *testing.T) {
	rich := richHandler(t, richFS(), fileserver.Options{})
	python := mustNew(t, richFS(), fileserver.Options{})
	accept := map[string]string{"Accept": "application/json"}
	a, b := serve(t, rich, "GET", "/", accept), serve(t, python, "GET", "/", accept)
	if a.status != 200 || a.body != b.body || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("JSON with the rich listing: %d %q\nwant %q", a.status, a.body, b.body)
	}
}

// richRowRE matches a row of the rich listing: class, href, text, size
// in bytes (empty when none) and datetime (empty when none).
var richRowRE = regexp.MustCompile(`(?m)^<tr class="([a-z ]+)"><td class="n"><a href="([^"]*)">([^<]*)</a>(?:<span class="t">symlink</span>)?</td><td class="s"(?: title="(\d+) bytes?")?>[^<]*</td><td class="m">(?:<time datetime="([^"]+)">[^<]*</time>)?</td></tr>$`)

// richRow is a row as the page shows it.
type richRow struct {
	class, href, text string
	size              int64 // -1 when the row shows none
	mtime             time.Time
}

func richRows(t *testing.T, page string) []richRow {
	t.Helper()
	var rows []richRow
	for _, m := range richRowRE.FindAllStringSubmatch(page, -1) {
		r := richRow{class: m[1], href: m[2], text: html.UnescapeString(m[3]), size: -1}
		if m[4] != "" {
			r.size, _ = strconv.ParseInt(m[4], 10, 64)
		}
		if m[5] != "" {
			var err error
			if r.mtime, err = time.Parse(time.RFC3339, m[5]); err != nil {
				t.Fatalf("datetime %q: %v", m[5], err)
			}
		}
		rows = append(rows, r)
	}
	if n := strings.Count(page, "<tr class=\""); n != len(rows) {
		t.Fatalf("%d rows parsed of %d:\n%s", len(rows), n, page)
	}
	return rows
}

// TestRichListingSort checks every sort order against a reference sort
// of the fixture written independently of the handler: by the key, then
// Python's order (lower-cased name, then name) among equals, directories
// counting as size -1; descending is the ascending list reversed.
func TestRichListingSort(t *testing.T) {
	fsys := richFS()
	h := richHandler(t, fsys, fileserver.Options{})
	type ref struct {
		name  string
		size  int64
		mtime int64
	}
	var all []ref
	for p, f := range fsys {
		if strings.Contains(p, "/") {
			continue
		}
		r := ref{name: p, size: int64(len(f.Data)), mtime: f.ModTime.Unix()}
		if f.Mode.IsDir() {
			r.size = -1
			r.name += "/"
		}
		all = append(all, r)
	}
	python := func(a, b ref) int {
		an, bn := strings.TrimSuffix(a.name, "/"), strings.TrimSuffix(b.name, "/")
		if c := strings.Compare(strings.ToLower(an), strings.ToLower(bn)); c != 0 {
			return c
		}
		return strings.Compare(an, bn)
	}
	keys := map[string]func(a, b ref) int{
		"name": func(a, b ref) int { return 0 },
		"size": func(a, b ref) int { return int(a.size - b.size) },
		"date": func(a, b ref) int { return int(a.mtime - b.mtime) },
	}
	for key, cmp := range keys {
		for _, order := range []string{"asc", "desc"} {
			want := slices.Clone(all)
			slices.SortFunc(want, func(a, b ref) int {
				if c := cmp(a, b); c != 0 {
					return c
				}
				return python(a, b)
			})
			if order == "desc" {
				slices.Reverse(want)
			}
			target := "/?sort=" + key + "&order=" + order
			rows := richRows(t, serve(t, h, "GET", target, nil).body)
			var got, wantNames []string
			for _, r := range rows {
				got = append(got, r.text)
			}
			for _, r := range want {
				// The page shows the fixture's right-to-left override as
				// U+FFFD (TestRichListingBidiShown).
				wantNames = append(wantNames, strings.ReplaceAll(r.name, "\u202e", "\uFFFD"))
			}
			if !slices.Equal(got, wantNames) {
				t.Errorf("GET %s: order\n\t%q\nwant\n\t%q", target, got, wantNames)
			}
			// Each row shows its entry's size and time.
			for i, r := range rows {
				if w := want[i]; r.size != w.size || r.mtime.Unix() != w.mtime {
					t.Errorf("GET %s: row %q shows size %d time %v, want %d %v", target, r.text, r.size, r.mtime, w.size, time.Unix(w.mtime, 0).UTC())
				}
			}
		}
	}
}

// TestRichListingCache: the rows of a rich listing are kept per
// directory version and sort order, and whatever changes, in the
// directory (entries added, removed) or only in an entry (a file
// written, touched, a subdirectory's content changed, neither of which
// changes the directory), the next listing is exactly what a handler
// without cache sends.
func TestRichListingCache(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	mkdirs(t, filepath.Join(d, "sub"))
	for _, n := range []string{"b.txt", "a.txt", "C.txt"} {
		writeFile(t, filepath.Join(d, n), "x")
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(d, "sub"), old, old); err != nil {
		t.Fatal(err)
	}
	cached, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cached.Close() })
	fileserver.SetClock(cached, fileserver.HourAhead)
	disk, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { disk.Close() })

	targets := []string{"/d/", "/d/?sort=size&order=desc", "/d/?sort=date"}
	step := func(what string, wantIn string) {
		t.Helper()
		for _, target := range targets {
			body := sameListing(t, cached, disk, target)
			if !strings.Contains(body, wantIn) {
				t.Fatalf("%s: GET %s lacks %q:\n%s", what, target, wantIn, body)
			}
		}
	}
	step("first read", `<a href="a.txt">a.txt</a></td><td class="s" title="1 byte">1 B</td>`)
	if n, _ := fileserver.CacheStats(cached); n != len(targets) {
		t.Fatalf("cache holds %d entries after %d sort orders, want %d", n, len(targets), len(targets))
	}
	writeFile(t, filepath.Join(d, "a.txt"), strings.Repeat("y", 3000))
	step("file written in place", `<a href="a.txt">a.txt</a></td><td class="s" title="3000 bytes">2.9 KiB</td>`)
	then := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(d, "b.txt"), then, then); err != nil {
		t.Fatal(err)
	}
	step("file touched", `<time datetime="2001-02-03T04:05:06Z">`)
	writeFile(t, filepath.Join(d, "sub", "new.txt"), "")
	step("subdirectory changed", `<a href="sub/">sub/</a></td><td class="s">—</td><td class="m"><time datetime="`+time.Now().UTC().Format("2006-01-02T15"))
	writeFile(t, filepath.Join(d, "new.txt"), "")
	step("file added", `<a href="new.txt">new.txt</a>`)
	if err := os.Remove(filepath.Join(d, "C.txt")); err != nil {
		t.Fatal(err)
	}
	for _, target := range targets {
		if body := sameListing(t, cached, disk, target); strings.Contains(body, "C.txt") {
			t.Fatalf("file removed: GET %s still lists it", target)
		}
	}
	if n, _ := fileserver.CacheStats(cached); n != len(targets) {
		t.Errorf("cache holds %d entries, want %d: one per sort order", n, len(targets))
	}
}

// TestRichListingCompressed: with Options.Compress the rich listing goes
// out compressed to a client that takes it, and a change that only an
// entry shows (a file written in place) changes the compressed page too.
func TestRichListingCompressed(t *testing.T) {
	dir := t.TempDir()
	for i := range 40 {
		writeFile(t, filepath.Join(dir, "file-"+strconv.Itoa(i)+".txt"), "x")
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	fileserver.SetClock(h, fileserver.HourAhead)
	gz := map[string]string{"Accept-Encoding": "gzip"}
	get := func() string {
		t.Helper()
		plain := serve(t, h, "GET", "/", nil)
		got := serve(t, h, "GET", "/", gz)
		checkHeaders(t, "GET / gzip", got.header, map[string]string{
			"Content-Encoding": "gzip", "Content-Length": strconv.Itoa(len(got.body))})
		if v := got.header.Values("Vary"); !slices.Equal(v, []string{"Accept, Accept-Encoding"}) {
			t.Errorf("GET / gzip: Vary %q, want one line, Accept, Accept-Encoding", v)
		}
		zr, err := gzip.NewReader(strings.NewReader(got.body))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != plain.body {
			t.Fatalf("gzip body differs from the plain one")
		}
		return plain.body
	}
	get()
	get() // from the cache
	writeFile(t, filepath.Join(dir, "file-7.txt"), strings.Repeat("z", 5000))
	if body := get(); !strings.Contains(body, `<a href="file-7.txt">file-7.txt</a></td><td class="s" title="5000 bytes">4.9 KiB</td>`) {
		t.Errorf("compressed listing after a write shows the old size:\n%s", body)
	}
}

// TestRichListingStreamed: a listing bigger than the cache's bound is
// streamed, without Content-Length, and its bytes are those of the
// listing built in memory.
func TestRichListingStreamed(t *testing.T) {
	dir := t.TempDir()
	for i := range 300 {
		writeFile(t, filepath.Join(dir, "entry-"+strconv.Itoa(i)+".txt"), strings.Repeat("x", i))
	}
	// A 64 KiB cache keeps listings of up to 8 KiB: 300 rows are more.
	small, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich, CacheMaxBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { small.Close() })
	big, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { big.Close() })
	for _, target := range []string{"/", "/?sort=size&order=desc"} {
		streamed, built := serve(t, small, "GET", target, nil), serve(t, big, "GET", target, nil)
		if streamed.status != 200 || streamed.body != built.body {
			t.Errorf("GET %s streamed: %d, body of %d bytes; want 200, the %d bytes built in memory", target, streamed.status, len(streamed.body), len(built.body))
		}
		checkHeaders(t, "streamed GET "+target, streamed.header, map[string]string{"Content-Length": "", "Content-Type": "text/html; charset=utf-8"})
		checkHeaders(t, "built GET "+target, built.header, map[string]string{"Content-Length": strconv.Itoa(len(built.body))})
		if n := len(richRows(t, streamed.body)); n != 300 {
			t.Errorf("GET %s streamed: %d rows, want 300", target, n)
		}
		if head := serve(t, small, "HEAD", target, nil); head.status != 200 || head.body != "" {
			t.Errorf("HEAD %s streamed: %d %q, want 200 and no body", target, head.status, head.body)
		}
	}
	if n, _ := fileserver.CacheStats(small); n != 0 {
		t.Errorf("a streamed listing was kept: cache holds %d entries", n)
	}
}

// TestRichListingSymlinks: a link is marked as one, a link to a
// directory is linked with a slash and shows its target's time, a broken
// link shows neither size nor time.
func TestRichListingSymlinks(t *testing.T) {
	dir := t.TempDir()
	mkdirs(t, filepath.Join(dir, "real"))
	writeFile(t, filepath.Join(dir, "f.txt"), "12345")
	for link, target := range map[string]string{"to-dir": "real", "to-file": "f.txt", "broken": "nowhere"} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Listing: fileserver.ListingRich})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	rows := richRows(t, serve(t, h, "GET", "/", nil).body)
	got := map[string]richRow{}
	for _, r := range rows {
		got[r.text] = r
	}
	want := map[string]struct {
		class, href string
		size        int64
		hasTime     bool
	}{
		"broken":  {"o l", "broken", -1, false},
		"f.txt":   {"f", "f.txt", 5, true},
		"real/":   {"d", "real/", -1, true},
		"to-dir/": {"d l", "to-dir/", -1, true},
		"to-file": {"f l", "to-file", 5, true},
	}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %d", rows, len(want))
	}
	for text, w := range want {
		r := got[text]
		if r.class != w.class || r.href != w.href || r.size != w.size || r.mtime.IsZero() == w.hasTime {
			t.Errorf("row %q: class %q href %q size %d time %v; want %q %q %d, time: %v", text, r.class, r.href, r.size, r.mtime, w.class, w.href, w.size, w.hasTime)
		}
	}
	if n := strings.Count(serve(t, h, "GET", "/", nil).body, `<span class="t">symlink</span>`); n != 3 {
		t.Errorf("%d symlink markers, want 3", n)
	}
}

// TestListingStyleText: the text form of ListingStyle round-trips and
// refuses anything else.
func TestListingStyleText(t *testing.T) {
	for _, s := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		text, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back fileserver.ListingStyle = 7
		if err := back.UnmarshalText(text); err != nil || back != s || s.String() != string(text) {
			t.Errorf("%v: %q -> %v, %v", s, text, back, err)
		}
	}
	var s fileserver.ListingStyle
	for _, bad := range []string{"", "Rich", "fancy", "python "} {
		if err := s.UnmarshalText([]byte(bad)); err == nil || s != fileserver.ListingPython {
			t.Errorf("UnmarshalText(%q) = %v, left %v; want an error and no change", bad, err, s)
		}
	}
	if _, err := fileserver.ListingStyle(2).MarshalText(); err == nil {
		t.Errorf("MarshalText of ListingStyle(2) succeeded")
	}
	if _, err := fileserver.New(fstest.MapFS{}, fileserver.Options{Listing: 5}); err == nil {
		t.Errorf("New with Listing 5 succeeded")
	}
}

// TestRichListingBidiShown: the rich listing shows a bidirectional
// formatting character of a name, in a row, the title or a breadcrumb,
// as U+FFFD, so that "invoice\u202Efdp.exe" does not read "invoiceexe.pdf"
// in the browser; the link still leads to the file. Python's listing
// keeps the name as it is, as Python does.
func TestRichListingBidiShown(t *testing.T) {
	fsys := fstest.MapFS{
		"invoice\u202efdp.exe":   {Data: []byte("x"), ModTime: richTime},
		"d\u2067ir\u2069/a.txt":  {Data: []byte("a"), ModTime: richTime},
		"mark\u200f\u061c.txt":   {Data: []byte("m"), ModTime: richTime},
		"alm\u061c.txt":          {Data: []byte("l"), ModTime: richTime}, // no byte 0xE2: U+061C alone
		"plain \u05e9\u05dc.txt": {Data: []byte("p"), ModTime: richTime},
	}
	rich := serve(t, richHandler(t, fsys, fileserver.Options{}), "GET", "/", nil).body
	for _, want := range []string{
		`<a href="invoice%E2%80%AEfdp.exe">invoice` + "\uFFFD" + `fdp.exe</a>`,
		`<a href="d%E2%81%A7ir%E2%81%A9/">d` + "\uFFFD" + `ir` + "\uFFFD" + `/</a>`,
		`<a href="mark%E2%80%8F%D8%9C.txt">mark` + "\uFFFD\uFFFD" + `.txt</a>`,
		`<a href="alm%D8%9C.txt">alm` + "\uFFFD" + `.txt</a>`,
		`<a href="plain%20%D7%A9%D7%9C.txt">plain ` + "\u05e9\u05dc" + `.txt</a>`,
	} {
		if !strings.Contains(rich, want) {
			t.Errorf("the rich listing lacks %s:\n%s", want, rich)
		}
	}
	sub := serve(t, richHandler(t, fsys, fileserver.Options{}), "GET", "/d%E2%81%A7ir%E2%81%A9/", nil).body
	for _, want := range []string{
		"<title>Directory listing for /d\uFFFDir\uFFFD/</title>",
		"<span aria-current=\"page\">d\uFFFDir\uFFFD</span>",
	} {
		if !strings.Contains(sub, want) {
			t.Errorf("the rich listing of the directory lacks %s:\n%s", want, sub)
		}
	}
	for _, page := range []string{rich, sub} {
		if i := strings.IndexAny(page, "\u202e\u2067\u2069\u200f\u061c"); i >= 0 {
			t.Errorf("the rich listing has a bidirectional formatting character: %q", page[max(0, i-40):min(len(page), i+40)])
		}
	}
	python := serve(t, mustNew(t, fsys, fileserver.Options{}), "GET", "/", nil).body
	if want := `<a href="invoice%E2%80%AEfdp.exe">invoice` + "\u202e" + `fdp.exe</a>`; !strings.Contains(python, want) {
		t.Errorf("Python's listing lacks %s:\n%s", want, python)
	}
}

// TestRichListingDateWithinSecond: sorted by date, files modified within
// the same second come in the order of their times to the nanosecond, as
// the JSON listing gives them, not in the order of their names.
func TestRichListingDateWithinSecond(t *testing.T) {
	base := time.Date(2024, 5, 5, 10, 0, 0, 0, time.UTC)
	h := richHandler(t, fstest.MapFS{
		"a.txt": {Data: []byte("a"), ModTime: base.Add(900 * time.Millisecond)},
		"b.txt": {Data: []byte("b"), ModTime: base.Add(100 * time.Millisecond)},
		"c.txt": {Data: []byte("c"), ModTime: base.Add(500 * time.Millisecond)},
		"d.txt": {Data: []byte("d"), ModTime: base.Add(-time.Second + 200*time.Millisecond)},
	}, fileserver.Options{})
	for target, want := range map[string]string{
		"/?sort=date":            "d b c a",
		"/?sort=date&order=desc": "a c b d",
	} {
		body := serve(t, h, "GET", target, nil).body
		var order []string
		for rest := body; ; {
			i := strings.Index(rest, `<a href="`)
			if i < 0 {
				break
			}
			rest = rest[i+len(`<a href="`):]
			if name, _, _ := strings.Cut(rest, `"`); strings.HasSuffix(name, ".txt") {
				order = append(order, strings.TrimSuffix(name, ".txt"))
			}
		}
		if got := strings.Join(order, " "); got != want {
			t.Errorf("GET %s: files in the order %q, want %q", target, got, want)
		}
	}
}

// TestRichListingEscapedSlash: a directory asked for with an escaped
// trailing slash ("/dir%2F", which Python 3.14 lists where it stands)
// gets its rich listing at the path with a real slash, where a browser
// resolves the page's links and forms in the directory: at "/dir%2F",
// its upload form ("./") posted into the root, and "a.txt" was the
// root's. The redirect varies with Accept, as Python's listing, in the
// other style, is served where it stands.
func TestRichListingEscapedSlash(t *testing.T) {
	h := richHandler(t, mapFS(), fileserver.Options{})
	checkSlashRedirects(t, h, nil, "sort=size&order=desc")
	// Where it lands, the page's links resolve in the directory.
	base, _ := url.Parse("http://host/dir%2F/")
	page := serve(t, h, "GET", base.RequestURI(), nil)
	if page.status != 200 {
		t.Fatalf("GET %s: %d", base.RequestURI(), page.status)
	}
	for _, ref := range []string{`action="./"`, `href="a.txt"`} {
		if !strings.Contains(page.body, ref) {
			t.Fatalf("GET %s: no %s in the page:\n%s", base.RequestURI(), ref, page.body)
		}
	}
	for ref, want := range map[string]string{"./": "dir/a.txt", "a.txt": "a\n"} {
		u, _ := base.Parse(ref)
		got := serve(t, h, "GET", u.RequestURI(), nil)
		if ref == "./" {
			if got.status != 200 || !strings.Contains(got.body, `href="B.json"`) {
				t.Errorf("the form's action %s (%s): %d, want the listing of /dir/", ref, u.RequestURI(), got.status)
			}
			continue
		}
		if got.status != 200 || got.body != want {
			t.Errorf("the link %s (%s): %d %q, want %q", ref, u.RequestURI(), got.status, got.body, want)
		}
	}
	// Python's listing stays where it stands, as in Python 3.14.
	python := mustNew(t, mapFS(), fileserver.Options{})
	if got := serve(t, python, "GET", "/dir%2F", nil); got.status != 200 {
		t.Errorf("GET /dir%%2F, Python's listing: %d, want 200 as Python 3.14", got.status)
	}
}

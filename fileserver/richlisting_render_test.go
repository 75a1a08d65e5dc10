package fileserver

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// The rich listing was rendered with html/template until the template
// was replaced by richlisting.html's holes and appendRichHead (to keep
// html/template, and the 2.5 MB it costs, out of the binary). The old
// template is kept, verbatim, as testdata/richlisting.tmpl, and these
// tests check that the new renderer writes what it wrote, byte for byte,
// escaping included. The fixture is the page's specification: when the
// page is redesigned, update testdata/richlisting.tmpl with it (the same
// change in template syntax), or these tests fail.

// oldRichTemplate is testdata/richlisting.tmpl, parsed.
var oldRichTemplate = sync.OnceValues(func() (*template.Template, error) {
	src, err := os.ReadFile("testdata/richlisting.tmpl")
	if err != nil {
		return nil, err
	}
	return template.New("richlisting.tmpl").Parse(string(src))
})

// oldRich renders part ("head" or "tail") of p with the old template.
func oldRich(t testing.TB, part string, p richPage) string {
	t.Helper()
	tmpl, err := oldRichTemplate()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, part, p); err != nil {
		t.Fatalf("old template, %s of %+v: %v", part, p, err)
	}
	return b.String()
}

// checkRichPage checks that the head and tail of p are the old
// template's.
func checkRichPage(t testing.TB, p richPage) {
	t.Helper()
	if got, want := string(appendRichHead(nil, &p)), oldRich(t, "head", p); got != want {
		t.Errorf("head of %+v differs from the old template's:\n%s", p, firstDiff(got, want))
	}
	want := oldRich(t, "tail", p)
	if got := string(appendRichTail(nil, &p)); got != want {
		t.Errorf("tail of %+v differs from the old template's:\n%s", p, firstDiff(got, want))
	}
	if got := string(richTail(p.Count)); got != want {
		t.Errorf("richTail(%d) differs from the old template's:\n%s", p.Count, firstDiff(got, want))
	}
}

// firstDiff shows where got and want part.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("at byte %d:\n got  %q\n want %q", i, got[from:min(len(got), i+60)], want[from:min(len(want), i+60)])
}

// richHostile are strings for the title, crumbs and anything else that
// is escaped: every character html/template escapes, NUL, invalid UTF-8
// (and the bytes of an encoded surrogate), bidi and other marks, template
// and markup delimiters, noncharacters and a scheme.
var richHostile = []string{
	"",
	"plain",
	`"'+&<>`,
	"a\x00b",
	"\xff\xfe\x80",
	"\xed\xa0\x80\xed\xb2\x80",
	"\u202eexe.txt\u200f\u2066",
	"{{.Title}}}}{{",
	"</title><script>alert(1)</script>",
	"<!-- x -->",
	"/* c */ // c",
	"\u2028\u2029\ufeff\ufdd0\ufffe\uffff",
	"\t\r\n\x01\x1f\x7f",
	"&amp;&#34;%41%",
	"javascript:alert(1)",
	"a b?c=d#e;f,g!h$i*j@k[l]m(n)o`p{q}r|s\\t^u",
	"ünïcödé ✓ 日本",
}

// richClientPaths are escaped client paths of directories, as
// richPageOf takes them.
var richClientPaths = []string{
	"/",
	"/a/",
	"/docs/a%20b/c/",
	"/a//b/",
	"/%3Cx%3E/",
	"/sub%20%3Cdir%3E%20%26%20%22q%22/",
	"/%00/%FF%FE/%ED%A0%80/%ED%B2%80/",
	"/%7B%7B/%3C%2Ftitle%3E/%3C!--/",
	"/%E2%80%AE/%2B%27%22/",
	"/" + strings.Repeat("deep/", 40),
	"/a%2Fb/%25/",
}

// TestRichRenderMatchesTemplate renders many pages, through richPageOf
// as the handler does and with hostile fields set directly, and checks
// the head and tail against the old template's (see the comment at the
// top of this file: the fixture and richlisting.html cannot drift apart).
func TestRichRenderMatchesTemplate(t *testing.T) {
	var sorts []richSort
	for _, key := range []string{"name", "size", "date"} {
		sorts = append(sorts, richSort{key: key}, richSort{key: key, desc: true})
	}
	counts := []int{0, 1, 2, 10, 1000000, -1, math.MaxInt, math.MinInt}
	n := 0
	for _, path := range richClientPaths {
		for _, s := range sorts {
			for _, count := range counts {
				for flags := range 8 {
					h := &Handler{upload: flags&1 != 0, archive: flags&2 != 0}
					name := "."
					if flags&4 != 0 {
						name = "dir"
					}
					checkRichPage(t, h.richPageOf(name, path, path, s, count))
					n++
				}
			}
		}
	}
	for _, x := range richHostile {
		for _, y := range richHostile {
			p := richPage{
				Title:    x,
				Crumbs:   []richCrumb{{Name: y, Href: "../../"}, {Name: x, Href: "../"}, {Name: y}},
				Parent:   len(x)%2 == 0,
				Columns:  richColumns(richSort{key: "size", desc: len(y)%2 == 0}),
				Count:    len(y),
				Upload:   len(y)%2 == 1,
				Archives: []string{x, y},
			}
			checkRichPage(t, p)
			n++
		}
		// Columns and crumbs of any text.
		p := richPage{
			Title:  x,
			Crumbs: []richCrumb{{Name: x, Href: x + "/"}, {Name: x, Href: "./" + x}, {Name: x}},
			Columns: []richColumn{
				{Label: x, Class: x, Key: x, Order: "?" + x, AriaSort: x, Arrow: x, Note: x},
				{Label: x, Class: x, Key: x, Order: x},
			},
		}
		checkRichPage(t, p)
		n++
	}
	// No crumbs, no columns, nil and empty archives.
	checkRichPage(t, richPage{})
	checkRichPage(t, richPage{Archives: []string{}, Count: 3})
	t.Logf("%d pages", n+2)
}

// TestRichEscapers checks appendRichText and appendRichURL against
// html/template's escaping of the same string in each context they are
// used in.
func TestRichEscapers(t *testing.T) {
	for _, s := range richHostile {
		checkRichEscapers(t, s)
	}
	for c := range 256 {
		checkRichEscapers(t, string(rune(c)))
		checkRichEscapers(t, string([]byte{byte(c)}))
	}
}

// richEscapeTemplates are html/template's contexts of the page, and the
// same through appendRichText and appendRichURL.
var richEscapeTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Parse(
		`{{define "text"}}<p>{{.}}</p>{{end}}` +
			`{{define "title"}}<title>{{.}}</title>{{end}}` +
			`{{define "attr"}}<p class="{{.}}"></p>{{end}}` +
			`{{define "url"}}<a href="{{.}}"></a>{{end}}` +
			`{{define "query"}}<a href="?download={{.}}"></a>{{end}}`))
})

func checkRichEscapers(t testing.TB, s string) {
	t.Helper()
	tests := []struct {
		name string
		got  []byte
	}{
		{"text", append(appendRichText([]byte("<p>"), s), "</p>"...)},
		{"title", append(appendRichText([]byte("<title>"), s), "</title>"...)},
		{"attr", append(appendRichText([]byte(`<p class="`), s), `"></p>`...)},
		{"url", append(appendRichURL([]byte(`<a href="`), s, false), `"></a>`...)},
		{"query", append(appendRichURL([]byte(`<a href="?download=`), s, true), `"></a>`...)},
	}
	for _, tt := range tests {
		var want bytes.Buffer
		if err := richEscapeTemplates().ExecuteTemplate(&want, tt.name, s); err != nil {
			t.Fatal(err)
		}
		if string(tt.got) != want.String() {
			t.Errorf("%s %q: got %q, want %q", tt.name, s, tt.got, want.String())
		}
	}
}

// TestRichLayout checks that richlisting.html splits (richLayoutOf would
// panic at first use otherwise) and that a malformed page is refused.
func TestRichLayout(t *testing.T) {
	l, err := parseRichLayout(richListingHTML)
	if err != nil {
		t.Fatalf("richlisting.html: %v", err)
	}
	if richLayoutOf() == nil || len(l.head) != int(richHoleRows)+1 || len(l.tail) != 2 {
		t.Errorf("richlisting.html: %d segments in the head, %d in the tail", len(l.head), len(l.tail))
	}
	if strings.Contains(richListingHTML, "{{/*") || strings.Contains(richListingHTML, "{{-") {
		t.Error("richlisting.html holds template syntax: it is plain HTML with holes")
	}
	all := "{{title}}{{style}}{{script}}{{crumbs}}{{archives}}{{upload}}{{count}}{{columns}}{{parent}}{{rows}}{{empty}}"
	if _, err := parseRichLayout("<p>" + all + "</p>"); err != nil {
		t.Errorf("every hole once: %v", err)
	}
	for _, src := range []string{
		strings.Replace(all, "{{title}}", "{{titel}}", 1),
		strings.Replace(all, "{{count}}", "", 1),
		strings.Replace(all, "{{rows}}", "", 1),
		all + "{{title}}",
		all + "{{",
		all + "{{ title }}",
		all + "{{.Title}}",
		strings.Replace(strings.Replace(all, "{{empty}}", "", 1), "{{title}}", "{{empty}}", 1),
		strings.Replace(all, "{{title}}", "", 1) + "{{title}}",
	} {
		if _, err := parseRichLayout(src); err == nil {
			t.Errorf("parseRichLayout(%q) = nil error", src)
		}
	}
}

// FuzzRichHead renders the page of a client path as richHead does
// (crumbs by richCrumbs, title by urlpath.UnescapeName), then with a
// title given by another path and with that path as raw bytes, for any
// row count, sort order, upload, archives and parent row, and checks
// head and tail against the old template's; the raw string is also
// checked through each escaper.
func FuzzRichHead(f *testing.F) {
	for i, s := range richHostile {
		f.Add(richClientPaths[i%len(richClientPaths)], s, i-2, uint8(i), i%2 == 0, i%3 == 0, i%4 == 0)
	}
	for i, path := range richClientPaths {
		f.Add(path, path, i, uint8(i), true, true, true)
	}
	f.Add("/%ff%00/x%2b%26%27/", "/a%3c%22b%22%3e/", 1, uint8(5), false, true, false)
	f.Fuzz(func(t *testing.T, crumbPath, title string, count int, sortBy uint8, upload, archive, parent bool) {
		h := &Handler{upload: upload, archive: archive}
		name := "."
		if parent {
			name = "dir"
		}
		s := richSort{key: [...]string{"name", "size", "date"}[sortBy%3], desc: sortBy&4 != 0}
		page := h.richPageOf(name, crumbPath, crumbPath, s, count)
		checkRichPage(t, page)
		page.Title = urlpath.UnescapeName(title)
		checkRichPage(t, page)
		page.Title = title
		checkRichPage(t, page)
		checkRichEscapers(t, title)
	})
}

package main

// TestBrowserRichListing drives the rich listing (--listing rich) with
// headless Chromium, as TestBrowser does Python's: screenshots in light
// and dark mode at desktop (1280 px) and phone (390 px) widths, the layout
// measured in the browser (no horizontal scroll at phone width, the table
// as wide as the page at most), the filter box working with JavaScript,
// and, with JavaScript off, the page still complete: every row there, the
// sort buttons working, the filter box hidden. Refresh the README's
// screenshots with
//
//	go test -run BrowserRichListing ./cmd/simplehttp -rich-screenshots=$PWD/docs
//	pngquant --quality=70-90 --strip --force --ext .png docs/rich-listing-*.png
//
// (pngquant brings each from about 65 KB to about 20 KB).

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var richScreenshotsFlag = flag.String("rich-screenshots", "",
	"copy the rich listing's screenshots taken by TestBrowserRichListing into this `directory`")

// richTree is the served tree of the screenshots: what a shared folder
// holds, with a name that needs escaping, a link and a long name.
// Sizes are set by truncating, so nothing big is written.
var richTree = []struct {
	name string
	size int64
	age  time.Duration // before richNow
	link string        // target, for a symbolic link
}{
	{name: "docs/", age: 26 * time.Hour},
	{name: "images/", age: 3 * 24 * time.Hour},
	{name: "src/", age: 2 * time.Hour},
	{name: "README.md", size: 4321, age: 2 * time.Hour},
	{name: "LICENSE", size: 1067, age: 400 * 24 * time.Hour},
	{name: "build-2024.tar.gz", size: 15 << 20, age: 5 * time.Hour},
	{name: "latest.tar.gz", link: "build-2024.tar.gz", age: 5 * time.Hour},
	{name: "photo-from-the-summer-holiday-at-the-seaside-2024-07-14-panorama-stitched-final.jpg", size: 2_400_000, age: 30 * 24 * time.Hour},
	{name: "notes & <ideas>.txt", size: 512, age: 10 * time.Minute},
	{name: "report.pdf", size: 184_320, age: 7 * 24 * time.Hour},
}

// richNow is the time the fixture's ages count back from.
var richNow = time.Date(2024, 9, 12, 15, 30, 0, 0, time.UTC)

func writeRichTree(t *testing.T, root string) {
	t.Helper()
	for _, e := range richTree {
		p := filepath.Join(root, e.name)
		switch {
		case e.link != "":
			if err := os.Symlink(e.link, p); err != nil {
				t.Fatal(err)
			}
			continue
		case strings.HasSuffix(e.name, "/"):
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, e.size); err != nil {
				t.Fatal(err)
			}
		}
		mt := richNow.Add(-e.age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
}

// richProbe is a page, served beside the listing, that loads the listing
// in an iframe of the given width and writes what it measures there, as
// JSON, into its own DOM for --dump-dom: the document's scroll width and
// the viewport's width, the table's width, whether the filter box is
// left undrawn (hidden as the user sees it, not merely by its attribute),
// the width and type size of the name column, and, when filter is not "",
// the rows left visible after typing it into the filter box, with the
// count the page then shows, the text of every link and of the first
// time. An iframe sandboxed without allow-scripts shows the page as a
// browser with JavaScript off does (Chromium's --dump-dom needs
// JavaScript on in the page it dumps).
const richProbe = `<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="f" src="%s" style="border:0;width:%dpx;height:800px" %s></iframe>
<pre id="result"></pre>
<script>
` + richProbeJS + `</script>
</body></html>
`

// richProbeJS is the script of richProbe, which takes the filter, in
// ASCII (%+q): the probe page declares no charset.
const richProbeJS = `document.getElementById("f").addEventListener("load", function () {
  var w = this.contentWindow, d = this.contentDocument, out = {};
  out.scrollWidth = d.documentElement.scrollWidth;
  out.innerWidth = w.innerWidth;
  out.tableWidth = Math.ceil(d.getElementById("list").getBoundingClientRect().right);
  out.filterHidden = d.getElementById("filter-box").getClientRects().length === 0;
  var cell = d.querySelector("#list tbody td.n");
  out.nameWidth = Math.floor(cell.getBoundingClientRect().width);
  out.fontSize = parseFloat(w.getComputedStyle(cell).fontSize);
  var filter = %+q;
  if (filter) {
    var input = d.getElementById("filter");
    input.value = filter;
    input.dispatchEvent(new Event("input"));
  }
  out.visible = [];
  d.querySelectorAll("#list tbody tr").forEach(function (r) {
    if (!r.hidden && r.className !== "up") { out.visible.push(r.querySelector("a").textContent); }
  });
  out.count = d.getElementById("count").textContent;
  out.links = [];
  d.querySelectorAll("a, thead button").forEach(function (a) { out.links.push(a.textContent); });
  out.firstTime = d.querySelector("#list time").textContent;
  document.getElementById("result").textContent = JSON.stringify(out);
});
`

// richProbeCSP is richProbe for a server whose Content-Security-Policy
// allows no inline style or script: the iframe sized by its attributes
// (the width), the script a file beside the page (its name), which
// gives the iframe its src once it listens for the load (richProbeCSPJS).
const richProbeCSP = `<!DOCTYPE html>
<html><body>
<iframe id="f" width="%d" height="800"></iframe>
<pre id="result"></pre>
<script src="%s"></script>
</body></html>
`

// richProbeCSPJS is the script of richProbeCSP: richProbeJS, then the
// iframe's src.
const richProbeCSPJS = richProbeJS + `document.getElementById("f").src = %q;
`

// richMeasure is what richProbe writes.
type richMeasure struct {
	ScrollWidth, InnerWidth, TableWidth int
	NameWidth                           int     // of the name column
	FontSize                            float64 // of the names, in px
	FilterHidden                        bool
	Visible, Links                      []string
	Count, FirstTime                    string
}

func TestBrowserRichListing(t *testing.T) {
	chromium := needChromium(t)
	t.Setenv("TZ", "UTC") // the page's script shows times in the browser's zone

	root := t.TempDir()
	shared := filepath.Join(root, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	writeRichTree(t, shared)
	probes := filepath.Join(root, "probe")
	if err := os.Mkdir(probes, 0o755); err != nil {
		t.Fatal(err)
	}
	probe := func(name, target string, width int, noJS bool, filter string) string {
		attrs := ""
		if noJS {
			attrs = `sandbox="allow-same-origin"`
		}
		if err := os.WriteFile(filepath.Join(probes, name), fmt.Appendf(nil, richProbe, target, width, attrs, filter), 0o644); err != nil {
			t.Fatal(err)
		}
		return "/probe/" + name
	}
	srv := startBinary(t, "0", "-b", "127.0.0.1", "-d", root, "--listing", "rich")
	base := strings.TrimSuffix(srv.url, "/")
	// In the page's order: by name, as Python sorts.
	allNames := []string{"build-2024.tar.gz", "docs/", "images/", "latest.tar.gz", "LICENSE", "notes & <ideas>.txt",
		"photo-from-the-summer-holiday-at-the-seaside-2024-07-14-panorama-stitched-final.jpg", "README.md", "report.pdf", "src/"}

	measure := func(t *testing.T, path string) richMeasure {
		t.Helper()
		var got richMeasure
		probeResult(t, browserRun(t, chromium, "--virtual-time-budget=10000", "--dump-dom", base+path), &got)
		return got
	}

	for _, width := range []int{1280, 390, 320} {
		t.Run(fmt.Sprintf("layout-%d", width), func(t *testing.T) {
			got := measure(t, probe(fmt.Sprintf("layout-%d.html", width), "/shared/", width, false, ""))
			if got.InnerWidth != width {
				t.Fatalf("viewport %d px wide, want %d", got.InnerWidth, width)
			}
			if got.ScrollWidth > got.InnerWidth || got.TableWidth > got.InnerWidth {
				t.Errorf("at %d px: scroll width %d, table right edge %d: the page scrolls sideways", width, got.ScrollWidth, got.TableWidth)
			}
			// Readable: the names get at least 40% of the width, in
			// type of 13 px or more.
			if got.NameWidth*10 < width*4 || got.FontSize < 13 {
				t.Errorf("at %d px: name column %d px wide, type %.1f px: want at least %d px and 13 px", width, got.NameWidth, got.FontSize, width*4/10)
			}
			if got.FilterHidden {
				t.Errorf("with JavaScript the filter box is still hidden")
			}
			if !reflect.DeepEqual(got.Visible, allNames) || got.Count != "10 entries" {
				t.Errorf("rows %q, count %q; want %q, %q", got.Visible, got.Count, allNames, "10 entries")
			}
			// The script shows the times in the browser's zone, and
			// the heading no longer says UTC.
			if len(got.Links) < 4 || got.Links[3] != "Modified" {
				t.Errorf("links %q: want the time column's heading %q", got.Links, "Modified")
			}
		})
	}

	t.Run("filter", func(t *testing.T) {
		got := measure(t, probe("filter.html", "/shared/", 1280, false, "TAR"))
		want := []string{"build-2024.tar.gz", "latest.tar.gz"}
		if !reflect.DeepEqual(got.Visible, want) || got.Count != "2 of 10 entries" {
			t.Errorf("filter %q: rows %q, count %q; want %q, %q", "TAR", got.Visible, got.Count, want, "2 of 10 entries")
		}
		got = measure(t, probe("filter-none.html", "/shared/", 1280, false, "no such name"))
		if len(got.Visible) != 0 || got.Count != "0 of 10 entries" {
			t.Errorf("filter with no match: rows %q, count %q", got.Visible, got.Count)
		}
	})

	// A name typed on a keyboard is in NFC ("caf\u00e9"); one written on
	// macOS is often in NFD ("cafe\u0301"), and looks the same. The
	// filter found only the names in the form typed.
	t.Run("filter in either Unicode form", func(t *testing.T) {
		forms := filepath.Join(root, "forms")
		names := []string{"caf\u00e9 nfc.txt", "cafe\u0301 nfd.txt", "other.txt"}
		if err := os.Mkdir(forms, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(forms, n), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for i, typed := range []string{"caf\u00e9", "cafe\u0301", "CAF\u00c9"} {
			got := measure(t, probe(fmt.Sprintf("forms-%d.html", i), "/forms/", 1280, false, typed))
			want := []string{names[1], names[0]} // in Python's order: "e" before "\u00e9"
			if !reflect.DeepEqual(got.Visible, want) || got.Count != "2 of 3 entries" {
				t.Errorf("filter %q: rows %q, count %q; want %q, %q", typed, got.Visible, got.Count, want, "2 of 3 entries")
			}
		}
	})

	t.Run("without JavaScript", func(t *testing.T) {
		got := measure(t, probe("nojs.html", "/shared/?sort=size&order=desc", 390, true, ""))
		// The rows by size, largest first, the ascending order
		// reversed: files by size (the link and its target, of one
		// size, in reverse name order), then the directories (no
		// size), in reverse name order.
		rows := []string{"latest.tar.gz", "build-2024.tar.gz", allNames[6], "report.pdf", "README.md", "LICENSE",
			"notes & <ideas>.txt", "src/", "images/", "docs/"}
		if !reflect.DeepEqual(got.Visible, rows) {
			t.Errorf("rows sorted by size, descending:\n\t%q\nwant\n\t%q", got.Visible, rows)
		}
		// The breadcrumb to /, the three sort buttons, the parent row,
		// then the rows. The times are UTC, and the heading says so:
		// there is no script to show them in the reader's zone.
		links := append([]string{"/", "Name", "Size ▼", "Modified (UTC)", "Parent directory"}, rows...)
		if !reflect.DeepEqual(got.Links, links) {
			t.Errorf("links:\n\t%q\nwant\n\t%q", got.Links, links)
		}
		if !got.FilterHidden || got.Count != "10 entries" {
			t.Errorf("filter box hidden: %v, count %q; want hidden, %q", got.FilterHidden, got.Count, "10 entries")
		}
		if got.FirstTime != "2024-09-12 10:30" {
			t.Errorf("first time %q, want the page's UTC %q", got.FirstTime, "2024-09-12 10:30")
		}
		if got.ScrollWidth > got.InnerWidth {
			t.Errorf("at 390 px without JavaScript: scroll width %d: the page scrolls sideways", got.ScrollWidth)
		}
	})

	for _, mode := range []string{"light", "dark"} {
		for _, size := range []image.Point{{1280, 720}, {390, 844}} {
			name := fmt.Sprintf("rich-listing-%s-%d.png", mode, size.X)
			t.Run(name, func(t *testing.T) {
				scheme := "--blink-settings=preferredColorScheme=1"
				if mode == "dark" {
					scheme = "--blink-settings=preferredColorScheme=0"
				}
				data, img := browserScreenshot(t, chromium, base+"/shared/", size, "--hide-scrollbars", scheme)
				// The page's background, at the bottom left corner
				// (below the table), follows the colour scheme.
				r, g, b, _ := img.At(2, size.Y-3).RGBA()
				luma := (299*r + 587*g + 114*b) / 1000 >> 8
				if mode == "dark" && luma > 60 || mode == "light" && luma < 200 {
					t.Errorf("%s mode: background luma %d", mode, luma)
				}
				if dir := *richScreenshotsFlag; dir != "" {
					if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
						t.Error(err)
					}
				}
			})
		}
	}
}

// TestBrowserRichCSP loads the rich listing, as TestBrowserRichListing
// does, from a server that sends a Content-Security-Policy that allows
// no inline style or script (-H), as one that takes uploads may well do:
// the page keeps its styles (at phone width, no sideways scrolling, the
// names in its type) and its script (the filter box works).
func TestBrowserRichCSP(t *testing.T) {
	chromium := needChromium(t)
	t.Setenv("TZ", "UTC")
	root := t.TempDir()
	shared := filepath.Join(root, "shared")
	probes := filepath.Join(root, "probe")
	for _, dir := range []string{shared, probes} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeRichTree(t, shared)
	const width = 390
	for name, data := range map[string][]byte{
		"csp.html": fmt.Appendf(nil, richProbeCSP, width, "csp.js"),
		"csp.js":   fmt.Appendf(nil, richProbeCSPJS, "TAR", "/shared/"),
	} {
		if err := os.WriteFile(filepath.Join(probes, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, policy := range []string{"default-src 'self'", "default-src 'none'; style-src 'self'; script-src 'self'; frame-src 'self'"} {
		t.Run(policy, func(t *testing.T) {
			srv := startBinary(t, "0", "-b", "127.0.0.1", "-d", root, "--listing", "rich", "-H", "Content-Security-Policy: "+policy)
			var got richMeasure
			probeResult(t, browserRun(t, chromium, "--virtual-time-budget=10000", "--dump-dom", srv.url+"/probe/csp.html"), &got)
			if got.InnerWidth != width || got.ScrollWidth > got.InnerWidth || got.FontSize != 14 {
				t.Errorf("at %d px: viewport %d, scroll width %d, type %.1f px; want no sideways scrolling, the page's 14 px: its style sheet was refused",
					width, got.InnerWidth, got.ScrollWidth, got.FontSize)
			}
			want := []string{"build-2024.tar.gz", "latest.tar.gz"}
			if got.FilterHidden || !reflect.DeepEqual(got.Visible, want) || got.Count != "2 of 10 entries" {
				t.Errorf("filter %q: box hidden %v, rows %q, count %q; want %q, %q: its script was refused",
					"TAR", got.FilterHidden, got.Visible, got.Count, want, "2 of 10 entries")
			}
		})
	}
}

// probeResult decodes into v the JSON a probe page wrote into its
// <pre id="result">, from the DOM Chromium dumped.
func probeResult(t *testing.T, dom string, v any) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil || m[1] == "" {
		t.Fatalf("the probe wrote nothing:\n%s", dom)
	}
	if err := json.Unmarshal([]byte(strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(m[1])), v); err != nil {
		t.Fatalf("probe result %q: %v", m[1], err)
	}
}

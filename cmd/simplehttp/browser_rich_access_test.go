package main

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// probeFrame, formatted with a path, a width in px and a script, is a
// page, served beside a listing, that loads the path in an iframe that
// wide and, once it has loaded, runs the script with d and w the frame's
// document and window, then writes the object out it fills, as JSON,
// into its own DOM for --dump-dom (probeResult reads it).
const probeFrame = `<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="f" src="%s" style="border:0;width:%dpx;height:600px"></iframe>
<pre id="result"></pre>
<script>
document.getElementById("f").addEventListener("load", function () {
  var d = this.contentDocument, w = this.contentWindow, out = {};
%s
  document.getElementById("result").textContent = JSON.stringify(out);
});
</script>
</body></html>
`

// richAccessProbe is the script of a probeFrame that loads the listing
// (with --upload and --archive, below two right-to-left folder names)
// and measures there: each breadcrumb's text and left edge, in the order
// of the markup, whether it is a link, and if so whether it is
// underlined, its colour and the heading's; the accessible name, as a
// screen reader announces it, of every link, button and input (null
// where Chromium does not give it, computedName being behind
// --enable-blink-features=ComputedAccessibilityInfo); the colours of the
// filter box: its placeholder, its background, its border and the page's
// background; the width, height and colour of each archive button, the
// colours of plain text and of a link, and the colour of the folder
// icon; the type size of the names and of the sizes, and the page's
// scroll width and the viewport's; last, with the text spacing a reader
// may set (WCAG 1.4.12: line height 1.5, spacing 0.12em between letters,
// 0.16em between words, 2em after paragraphs), the page's scroll width
// and the viewport's.
const richAccessProbe = `
  out.crumbs = [];
  out.headingColor = w.getComputedStyle(d.querySelector("h1")).color;
  d.querySelectorAll("h1 a, h1 [aria-current]").forEach(function (c) {
    var style = w.getComputedStyle(c);
    out.crumbs.push({text: c.textContent, left: c.getBoundingClientRect().left, link: c.tagName === "A",
      underlined: style.textDecorationLine.indexOf("underline") >= 0, color: style.color});
  });
  var input = d.getElementById("filter"), inputStyle = w.getComputedStyle(input);
  out.placeholderColor = w.getComputedStyle(input, "::placeholder").color;
  out.inputBackground = inputStyle.backgroundColor;
  out.inputBorder = inputStyle.borderTopColor;
  out.pageBackground = w.getComputedStyle(d.body).backgroundColor;
  out.archiveButtons = [];
  d.querySelectorAll("form.archives button").forEach(function (b) {
    var r = b.getBoundingClientRect();
    out.archiveButtons.push({value: b.value, width: r.width, height: r.height, color: w.getComputedStyle(b).color});
  });
  out.textColor = w.getComputedStyle(d.getElementById("count")).color;
  out.linkColor = w.getComputedStyle(d.querySelector("#list tbody a")).color;
  out.folderIcon = w.getComputedStyle(d.querySelector("tr.d td.n a"), "::before").backgroundColor;
  out.nameSize = parseFloat(w.getComputedStyle(d.querySelector("#list tbody td.n")).fontSize);
  out.sizeSize = parseFloat(w.getComputedStyle(d.querySelector("#list tbody td.s")).fontSize);
  out.rootSize = parseFloat(w.getComputedStyle(d.documentElement).fontSize);
  out.scrollWidth = d.documentElement.scrollWidth;
  out.names = [];
  d.querySelectorAll("a, button, input:not([type=hidden])").forEach(function (c) {
    out.names.push({id: c.id || c.getAttribute("href") || c.value || c.textContent, name: c.computedName === undefined ? null : c.computedName});
  });
  var spacing = d.createElement("style");
  spacing.textContent = "*{line-height:1.5!important;letter-spacing:.12em!important;word-spacing:.16em!important}p{margin-bottom:2em!important}";
  d.head.appendChild(spacing);
  out.spacedScrollWidth = d.documentElement.scrollWidth;
  out.innerWidth = w.innerWidth;
`

// richAccessMeasure is what richAccessProbe writes.
type richAccessMeasure struct {
	Crumbs []struct {
		Text             string
		Left             float64
		Link, Underlined bool
		Color            string // "rgb(r, g, b)"
	}
	HeadingColor string
	Names        []struct {
		ID   string  // the id, href, value or text of the control
		Name *string // its accessible name; nil where Chromium does not give it
	}

	// The filter box's colours, and the page's background.
	PlaceholderColor, InputBackground, InputBorder, PageBackground string

	ArchiveButtons []struct {
		Value         string
		Width, Height float64 // in CSS px
		Color         string
	}
	TextColor, LinkColor, FolderIcon string

	NameSize, SizeSize float64 // type size, in px, of the names and sizes
	RootSize           float64 // the reader's default type size, in px
	ScrollWidth        int

	// With a reader's text spacing.
	SpacedScrollWidth, InnerWidth int
}

// TestBrowserRichAccess loads the rich listing in headless Chromium, in
// light mode on a desktop, dark mode on a phone 320 px wide and forced
// colours (Windows' high contrast themes), and
// checks what a reader meets beyond the layout TestBrowserRichListing
// measures: the breadcrumbs of right-to-left folder names read in the
// path's order, the parent first, and told from the heading around them
// by more than colour (WCAG 1.4.1); every control named by its words
// alone; the filter box's placeholder and border as legible as WCAG AA
// asks (4.5:1 for text, 3:1 for what shows where a control is); the
// archive buttons big enough to hit, and drawn as the links they look
// like; the folder icons drawn; the type as much larger as the reader
// made their browser's; and, with a reader's text spacing or type size,
// no sideways scrolling.
func TestBrowserRichAccess(t *testing.T) {
	chromium := needChromium(t)
	root := t.TempDir()
	names := []string{"مجلد", "ملفات"} // "folder", "files"
	if err := os.MkdirAll(filepath.Join(root, names[0], names[1], "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, names[0], names[1], "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "probe"), 0o755); err != nil {
		t.Fatal(err)
	}
	target := "/" + url.PathEscape(names[0]) + "/" + url.PathEscape(names[1]) + "/"
	srv := startBinary(t, "0", "-b", "127.0.0.1", "-d", root, "--listing", "rich", "--upload", "--archive")
	base := strings.TrimSuffix(srv.url, "/")

	// The accessible name of each link, button and input, by its id,
	// href, value or text: what a screen reader says for it (for the file
	// input, then what file is chosen). The arrows, of the parent row and
	// of the sorting column, are pictures, not words: not read.
	wantNames := map[string]string{
		"../../":      "/",
		"../":         names[0],
		"zip":         "Download this folder as .zip",
		"tar.gz":      "Download this folder as .tar.gz",
		"tar.zst":     "Download this folder as .tar.zst",
		"upload-file": "Upload files",
		"Upload":      "Upload",
		"filter":      "Filter",
		"name":        "Name",
		"size":        "Size",
		"date":        "Modified",
		"sub/":        "sub/",
		"a.txt":       "a.txt",
	}
	for _, tc := range []struct {
		mode     string
		width    int    // of the window, in CSS px
		settings string // Blink's, for --blink-settings
	}{
		{"light", 800, "preferredColorScheme=1"},
		{"dark", 320, "preferredColorScheme=0"},
		{"forced-colors", 800, "inForcedColors=true"},
		{"large-type", 800, "defaultFontSize=24"}, // Chromium's "Very large"
	} {
		t.Run(fmt.Sprintf("%s-%d", tc.mode, tc.width), func(t *testing.T) {
			probe := fmt.Sprintf("access-%d.html", tc.width)
			if err := os.WriteFile(filepath.Join(root, "probe", probe), fmt.Appendf(nil, probeFrame, target, tc.width, richAccessProbe), 0o644); err != nil {
				t.Fatal(err)
			}
			var got richAccessMeasure
			probeResult(t, browserRun(t, chromium, "--virtual-time-budget=10000", "--blink-settings="+tc.settings,
				"--enable-blink-features=ComputedAccessibilityInfo", "--dump-dom", base+"/probe/"+probe), &got)

			// The breadcrumbs, left to right as the page reads: "/",
			// then the folders from the top. Two right-to-left names
			// with only a "/" between them would run together into
			// one right-to-left stretch, child before parent.
			want := append([]string{"/"}, names...)
			var texts []string
			for _, c := range got.Crumbs {
				texts = append(texts, c.Text)
			}
			if strings.Join(texts, "|") != strings.Join(want, "|") {
				t.Fatalf("breadcrumbs %q, want %q", texts, want)
			}
			for i := 1; i < len(got.Crumbs); i++ {
				if got.Crumbs[i].Left <= got.Crumbs[i-1].Left {
					t.Errorf("breadcrumb %q (left edge %.0f px) is drawn left of %q (%.0f px), above it in the path %s",
						got.Crumbs[i].Text, got.Crumbs[i].Left, got.Crumbs[i-1].Text, got.Crumbs[i-1].Left, target)
				}
			}

			seen := map[string]bool{}
			for _, c := range got.Names {
				if c.Name == nil {
					t.Logf("this Chromium gives no computedName: accessible names not checked")
					break
				}
				id := c.ID
				if id == "../" && seen[id] { // the parent row, after the breadcrumb
					id = "parent row"
				}
				seen[id] = true
				want, ok := wantNames[id]
				if id == "parent row" {
					want, ok = "Parent directory", true
				}
				if !ok {
					t.Errorf("control %q (accessible name %q) not expected", id, *c.Name)
				} else if name := strings.TrimSpace(*c.Name); name != want && (id != "upload-file" || !strings.HasPrefix(name, want+":")) {
					t.Errorf("control %q: a screen reader says %q, want %q", id, *c.Name, want)
				}
			}

			// Each archive button is a target of 24 by 24 px at least
			// (WCAG 2.5.8): on a phone the three wrap one under the
			// other, where a finger meant for one can hit the next.
			if len(got.ArchiveButtons) != 3 {
				t.Errorf("%d archive buttons, want 3", len(got.ArchiveButtons))
			}
			for _, b := range got.ArchiveButtons {
				if b.Width < 24 || b.Height < 24 {
					t.Errorf("archive button %q is %.1f by %.1f px at %d px wide: under 24 by 24", b.Value, b.Width, b.Height, tc.width)
				}
			}

			// The archive buttons, drawn as links, are in the links'
			// colour, not the text's: in forced colours too, where the
			// browser paints a button's text as any other unless told.
			for _, b := range got.ArchiveButtons {
				if b.Color != got.LinkColor || b.Color == got.TextColor {
					t.Errorf("archive button %q in %s; links are in %s, text in %s: it does not look like the link it is drawn as",
						b.Value, b.Color, got.LinkColor, got.TextColor)
				}
			}
			// The folder icon, a box of colour, is drawn: in forced
			// colours the browser paints backgrounds as the page's.
			if r := contrastRatio(t, got.FolderIcon, got.PageBackground); r < 2 {
				t.Errorf("folder icon %s on the page's %s: %.2f:1, not told from the page", got.FolderIcon, got.PageBackground, r)
			}

			// The type follows the reader's default size (16 px unless
			// they set another): the names at 15/16 of it on a wide
			// screen, 14/16 on a narrow one (40 of the reader's rem),
			// the sizes at 12/16 at the narrowest.
			if min := got.RootSize * 14 / 16; got.NameSize < min {
				t.Errorf("names in %.1f px type with the reader's default at %.0f px: want %.2f px at least", got.NameSize, got.RootSize, min)
			}
			if min := got.RootSize * 12 / 16; got.SizeSize < min {
				t.Errorf("sizes in %.1f px type with the reader's default at %.0f px: want %.2f px at least", got.SizeSize, got.RootSize, min)
			}
			if got.ScrollWidth > got.InnerWidth {
				t.Errorf("at %d px, the page is %d px wide: it scrolls sideways", got.InnerWidth, got.ScrollWidth)
			}

			// A reader's text spacing does not push the page wider
			// than the window: on a phone, the file input, which
			// does not wrap, took 343 px of 320.
			if got.SpacedScrollWidth > got.InnerWidth {
				t.Errorf("with WCAG 1.4.12 text spacing at %d px, the page is %d px wide: it scrolls sideways", got.InnerWidth, got.SpacedScrollWidth)
			}

			// The filter box: its placeholder, the only words in it
			// until one types, is text (4.5:1); its border is what
			// shows where to type (3:1 against the page). In forced
			// colours they are the theme's, not the page's.
			if r := contrastRatio(t, got.PlaceholderColor, got.InputBackground); r < 4.5 && tc.mode != "forced-colors" {
				t.Errorf("filter placeholder %s on %s: %.2f:1, under 4.5:1", got.PlaceholderColor, got.InputBackground, r)
			}
			if r := contrastRatio(t, got.InputBorder, got.PageBackground); r < 3 && tc.mode != "forced-colors" {
				t.Errorf("filter box border %s on the page's %s: %.2f:1, under 3:1", got.InputBorder, got.PageBackground, r)
			}

			// A link in the heading is underlined, or its colour
			// stands out from the heading's by 3:1, so that it can be
			// told from the text without telling colours apart.
			for _, c := range got.Crumbs {
				if !c.Link || c.Underlined {
					continue
				}
				if r := contrastRatio(t, c.Color, got.HeadingColor); r < 3 {
					t.Errorf("breadcrumb link %q: not underlined, and its colour %s against the heading's %s is %.2f:1, under 3:1: only colour tells it is a link",
						c.Text, c.Color, got.HeadingColor, r)
				}
			}
		})
	}
}

// contrastRatio is WCAG's contrast ratio of two opaque colours written
// as the browser writes a computed colour, "rgb(r, g, b)".
func contrastRatio(t *testing.T, a, b string) float64 {
	t.Helper()
	la, lb := relativeLuminance(t, a), relativeLuminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// relativeLuminance is WCAG's relative luminance of the sRGB colour c,
// "rgb(r, g, b)".
func relativeLuminance(t *testing.T, c string) float64 {
	t.Helper()
	var rgb [3]float64
	if _, err := fmt.Sscanf(c, "rgb(%g, %g, %g)", &rgb[0], &rgb[1], &rgb[2]); err != nil {
		t.Fatalf("colour %q: %v", c, err)
	}
	for i, v := range rgb {
		v /= 255
		if v <= 0.04045 {
			rgb[i] = v / 12.92
		} else {
			rgb[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}

// richEmptyProbe is the script of a probeFrame that loads the rich
// listing of an empty directory, types into its filter box, if it is
// drawn, what a reader would, and writes whether the box is drawn,
// whether the "This directory is empty." row still is, and the count
// the page shows.
const richEmptyProbe = `
  out.filterDrawn = d.getElementById("filter-box").getClientRects().length > 0;
  if (out.filterDrawn) {
    var input = d.getElementById("filter");
    input.value = "x";
    input.dispatchEvent(new Event("input"));
  }
  out.emptyRowDrawn = d.querySelector("#list td.empty").getClientRects().length > 0;
  out.count = d.getElementById("count").textContent;
`

// TestBrowserRichEmpty checks the rich listing of an empty directory in
// headless Chromium: there is nothing to filter, so no filter box (one
// that hid the row saying the directory is empty and counted "0 of 0
// entries" would only puzzle), and that row and the count "0 entries"
// stay.
func TestBrowserRichEmpty(t *testing.T) {
	chromium := needChromium(t)
	root := t.TempDir()
	for _, dir := range []string{"empty", "probe"} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "probe", "empty.html"), fmt.Appendf(nil, probeFrame, "/empty/", 800, richEmptyProbe), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startBinary(t, "0", "-b", "127.0.0.1", "-d", root, "--listing", "rich")
	var got struct {
		FilterDrawn, EmptyRowDrawn bool
		Count                      string
	}
	probeResult(t, browserRun(t, chromium, "--virtual-time-budget=10000", "--dump-dom", strings.TrimSuffix(srv.url, "/")+"/probe/empty.html"), &got)
	if got.FilterDrawn {
		t.Errorf("an empty directory's listing shows a filter box")
	}
	if !got.EmptyRowDrawn || got.Count != "0 entries" {
		t.Errorf("%q shown: %v, count %q; want it shown, %q", "This directory is empty.", got.EmptyRowDrawn, got.Count, "0 entries")
	}
}

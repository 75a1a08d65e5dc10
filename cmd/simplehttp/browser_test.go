package main

// TestBrowser drives the built simplehttp binary with a real browser:
// headless Chromium (Debian's chromium package) loads a directory listing and
// an error page, and the test checks what a user sees there — the page
// title, the headings, the link texts and where the links go — from the DOM
// Chromium rendered (--dump-dom), and takes a screenshot (--screenshot).
//
// It needs the chromium binary on PATH and is skipped without it, and under
// -short. Keep the screenshot with
//
//	go test -run Browser ./cmd/simplehttp -browser-screenshot=/tmp/listing.png

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var browserScreenshotFlag = flag.String("browser-screenshot", "",
	"copy the listing screenshot taken by TestBrowser to this `file`")

// browserTimeout bounds each Chromium run. Chromium takes about a second on
// this machine but far longer on a loaded one; the bound is only there so a
// stuck browser fails the test instead of hanging it.
const browserTimeout = 60 * time.Second

// browserFiles is the served tree: names that need escaping in an href, in
// HTML text, or both, plus a plain subdirectory and one whose name needs
// escaping in the listing's title.
var browserFiles = map[string]string{
	"a&b.txt":                 "ampersand\n",
	"<x>.html":                "<p>angle brackets</p>\n",
	"space name.txt":          "space\n",
	"100%.txt":                "percent\n",
	"sub/z.txt":               "in sub\n",
	"sub & <dir>/q\"uote.txt": "quote\n",
}

func TestBrowser(t *testing.T) {
	chromium := needChromium(t)

	root := t.TempDir()
	for name, body := range browserFiles {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := startBinary(t, "0", "-b", "127.0.0.1", "-d", root)
	base := strings.TrimSuffix(srv.url, "/")

	t.Run("listing", func(t *testing.T) {
		page := browserDumpDOM(t, chromium, base+"/")
		want := browserPage{
			Title: "Directory listing for /",
			H1:    []string{"Directory listing for /"},
			// Python's order: by lower-cased name.
			Links: []browserLink{
				{Href: "100%25.txt", Text: "100%.txt"},
				{Href: "%3Cx%3E.html", Text: "<x>.html"},
				{Href: "a%26b.txt", Text: "a&b.txt"},
				{Href: "space%20name.txt", Text: "space name.txt"},
				{Href: "sub/", Text: "sub/"},
				{Href: "sub%20%26%20%3Cdir%3E/", Text: "sub & <dir>/"},
			},
		}
		browserCheckPage(t, page, want)
		// Each link, resolved as the browser resolves it, leads to the
		// file it names.
		for _, l := range page.Links {
			if strings.HasSuffix(l.Href, "/") {
				continue
			}
			target := browserResolve(t, base+"/", l.Href)
			if resp, got := get(t, target); resp.StatusCode != http.StatusOK || got != browserFiles[l.Text] {
				t.Errorf("link %q -> %s: %s, body %q; want 200, %q", l.Text, target, resp.Status, got, browserFiles[l.Text])
			}
		}
	})

	t.Run("subdirectory", func(t *testing.T) {
		page := browserDumpDOM(t, chromium, base+"/sub%20%26%20%3Cdir%3E/")
		want := browserPage{
			Title: "Directory listing for /sub & <dir>/",
			H1:    []string{"Directory listing for /sub & <dir>/"},
			Links: []browserLink{{Href: "q%22uote.txt", Text: `q"uote.txt`}},
		}
		browserCheckPage(t, page, want)
	})

	t.Run("error page", func(t *testing.T) {
		page := browserDumpDOM(t, chromium, base+"/missing")
		want := browserPage{
			Title: "Error response",
			H1:    []string{"Error response"},
			P: []string{
				"Error code: 404",
				"Message: File not found.",
				"Error code explanation: 404 - Nothing matches the given URI.",
			},
		}
		browserCheckPage(t, page, want)
	})

	t.Run("screenshot", func(t *testing.T) {
		data, _ := browserScreenshot(t, chromium, base+"/", image.Pt(800, 600))
		if *browserScreenshotFlag != "" {
			if err := os.WriteFile(*browserScreenshotFlag, data, 0o644); err != nil {
				t.Error(err)
			} else {
				t.Logf("screenshot copied to %s", *browserScreenshotFlag)
			}
		}
	})
}

// browserScreenshot loads url in Chromium at the window size (plus args)
// and returns the screenshot, as PNG bytes and decoded; it fails t unless
// the picture has that size and more than one colour (something was
// rendered).
func browserScreenshot(t *testing.T, chromium, url string, size image.Point, args ...string) ([]byte, image.Image) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	args = append(args, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", size.X, size.Y), url)
	browserRun(t, chromium, args...)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG (%d bytes): %v", len(data), err)
	}
	if got := img.Bounds().Size(); got != size {
		t.Errorf("screenshot is %v, want %v", got, size)
	}
	if !browserHasTwoColors(img) {
		t.Errorf("screenshot is a single colour: nothing was rendered")
	}
	return data, img
}

// needChromium returns the path of chromium, or skips t without it or
// under -short.
func needChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the headless-Chromium test in -short mode")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("skipping: no chromium on PATH (Debian: apt-get install chromium): %v", err)
	}
	return chromium
}

// browserRun runs headless Chromium with args and returns its stdout. The
// run is bounded by browserTimeout; on timeout Chromium's whole process group
// is killed, since it forks helpers that would otherwise outlive it.
func browserRun(t *testing.T, chromium string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	flags := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, chromium, append(flags, args...)...)
	cmd.Dir = t.TempDir()
	// Its crash reports and caches go under $HOME (or $TMPDIR without
	// one) whatever --user-data-dir says: a home of its own keeps them in
	// the test's temporary directory.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"))
	killGroupOnCancel(cmd)
	cmd.WaitDelay = 5 * time.Second // helpers may hold the pipes open
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("chromium %s: no result within %v; killed its process group\nstderr:\n%s",
			strings.Join(args, " "), browserTimeout, browserTail(stderr.String()))
	}
	if err != nil {
		t.Fatalf("chromium %s: %v\nstderr:\n%s", strings.Join(args, " "), err, browserTail(stderr.String()))
	}
	return stdout.String()
}

// TestBrowserLeavesNoFiles: a run of Chromium leaves nothing in the
// developer's home directory (it wrote ~/.config/chromium/Crash Reports
// and ~/.cache/dconf there, and into $TMPDIR when HOME was unset).
func TestBrowserLeavesNoFiles(t *testing.T) {
	chromium := needChromium(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	if dom := browserRun(t, chromium, "--dump-dom", "data:text/html,<p>hi</p>"); !strings.Contains(dom, "<p>hi</p>") {
		t.Fatalf("--dump-dom gave %q, want the page", dom)
	}
	des, err := os.ReadDir(home)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		t.Errorf("Chromium left %s in the home directory", filepath.Join(home, de.Name()))
	}
}

// browserTail keeps the end of Chromium's chatty stderr.
func browserTail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// browserDumpDOM loads url in Chromium and returns the rendered page.
func browserDumpDOM(t *testing.T, chromium, url string) browserPage {
	t.Helper()
	dom := browserRun(t, chromium, "--dump-dom", url)
	page, err := browserParse(dom)
	if err != nil {
		t.Fatalf("parsing the DOM of %s: %v\n%s", url, err, dom)
	}
	page.dom = dom
	return page
}

// browserPage is what a user reads on a page: its title, headings,
// paragraphs and links, with the text decoded as it is displayed.
type browserPage struct {
	Title string
	H1, P []string
	Links []browserLink
	dom   string
}

// browserLink is an <a> element: its href attribute as written in the page
// (percent-encoding kept) and its text as displayed.
type browserLink struct {
	Href, Text string
}

func browserCheckPage(t *testing.T, got, want browserPage) {
	t.Helper()
	if got.Title != want.Title {
		t.Errorf("title = %q, want %q", got.Title, want.Title)
	}
	if !reflect.DeepEqual(got.H1, want.H1) {
		t.Errorf("<h1> texts = %q, want %q", got.H1, want.H1)
	}
	if !reflect.DeepEqual(got.P, want.P) {
		t.Errorf("<p> texts = %q, want %q", got.P, want.P)
	}
	if !reflect.DeepEqual(got.Links, want.Links) {
		t.Errorf("links =\n\t%q\nwant\n\t%q", got.Links, want.Links)
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", got.dom)
	}
}

// browserParse reads Chromium's serialized DOM with encoding/xml in its
// lenient HTML mode (void elements auto-closed, HTML entities known).
func browserParse(dom string) (browserPage, error) {
	d := xml.NewDecoder(strings.NewReader(dom))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var (
		page browserPage
		open []string // element names from the root
		text strings.Builder
		href string
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return page, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(tok.Name.Local)
			open = append(open, name)
			switch name {
			case "title", "h1", "p", "a":
				text.Reset()
			}
			if name == "a" {
				href = ""
				for _, a := range tok.Attr {
					if strings.EqualFold(a.Name.Local, "href") {
						href = a.Value
					}
				}
			}
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			name := strings.ToLower(tok.Name.Local)
			switch name {
			case "title":
				page.Title = text.String()
			case "h1":
				page.H1 = append(page.H1, text.String())
			case "p":
				page.P = append(page.P, text.String())
			case "a":
				page.Links = append(page.Links, browserLink{Href: href, Text: text.String()})
			}
			if n := len(open); n > 0 {
				open = open[:n-1]
			}
		}
	}
	if len(open) != 0 {
		return page, fmt.Errorf("unclosed elements %q", open)
	}
	return page, nil
}

// browserResolve resolves href against the page URL, as the browser does
// when the link is followed.
func browserResolve(t *testing.T, page, href string) string {
	t.Helper()
	b, err := url.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(href)
	if err != nil {
		t.Fatalf("href %q: %v", href, err)
	}
	return b.ResolveReference(r).String()
}

// browserHasTwoColors reports whether img has pixels of at least two colours.
func browserHasTwoColors(img image.Image) bool {
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, a0 := first.RGBA()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bl != b0 || a != a0 {
				return true
			}
		}
	}
	return false
}

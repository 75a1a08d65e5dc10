package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// assetSite is a web app's build output: a page whose script and style
// sheet are big enough to compress, the script fingerprinted and with a
// precompressed copy, the style sheet without.
func assetSite(t *testing.T) (dir string, js, css string) {
	t.Helper()
	dir = t.TempDir()
	var jsb, cssb strings.Builder
	jsb.WriteString("const probe = document.getElementById('probe');\n")
	jsb.WriteString("document.getElementById('out').textContent = 'script ran; probe color ' + getComputedStyle(probe).color;\n")
	cssb.WriteString("#probe { color: rgb(1, 2, 3); }\n")
	for i := 0; jsb.Len() < 6000; i++ {
		fmt.Fprintf(&jsb, "function pad%d(x) { return x + %d; }\n", i, i)
		fmt.Fprintf(&cssb, ".pad%d { margin: %dpx; }\n", i, i%9)
	}
	js, css = jsb.String(), cssb.String()
	writeFile(t, filepath.Join(dir, "index.html"), `<!DOCTYPE html>
<html><head><title>App</title><link rel="stylesheet" href="/style.css"></head>
<body><p id="probe">probe</p><p id="out">script did not run</p>
<script src="/app.3f9a2c1b.js"></script></body></html>
`)
	writeFile(t, filepath.Join(dir, "app.3f9a2c1b.js"), js)
	writeFile(t, filepath.Join(dir, "style.css"), css)
	var br bytes.Buffer
	w := brotli.NewWriterLevel(&br, 11)
	w.Write([]byte(js))
	w.Close()
	writeFile(t, filepath.Join(dir, "app.3f9a2c1b.js.br"), br.String())
	return dir, js, css
}

// TestE2EAssets drives --precompressed, --compress, --cache-control and
// --spa with curl: each coding decoded by curl itself, the precompressed
// copy preferred, the policies on the right responses.
func TestE2EAssets(t *testing.T) {
	need(t, "curl")
	dir, js, css := assetSite(t)
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "-p", "HTTP/1.1",
		"--precompressed", "--compress", "--cache-control", "no-cache", "--spa", "index.html", "0")
	brSize := strconv.Itoa(len(mustRead(t, filepath.Join(dir, "app.3f9a2c1b.js.br"))))

	for _, coding := range []string{"br", "zstd", "gzip"} {
		t.Run(coding, func(t *testing.T) {
			status, h, body := headOf(t, curl(t, "--include", "--compressed", "-H", "Accept-Encoding: "+coding, p.url+"/style.css"))
			if status != "HTTP/1.1 200 OK" || body != css {
				t.Fatalf("style.css: %s, %d bytes decoded; want 200 and the file", status, len(body))
			}
			n, _ := strconv.Atoi(first(h["content-length"]))
			if first(h["content-encoding"]) != coding || n == 0 || n > len(css)/3 ||
				first(h["vary"]) != "Accept-Encoding" || first(h["cache-control"]) != "no-cache" {
				t.Errorf("style.css with %s: %v", coding, h)
			}
		})
	}
	t.Run("precompressed", func(t *testing.T) {
		_, h, body := headOf(t, curl(t, "--include", "--compressed", p.url+"/app.3f9a2c1b.js"))
		if body != js || first(h["content-encoding"]) != "br" || first(h["content-length"]) != brSize ||
			first(h["content-type"]) != "text/javascript" || first(h["cache-control"]) != "public, max-age=31536000, immutable" {
			t.Errorf("app.3f9a2c1b.js: %v", h)
		}
	})
	t.Run("identity", func(t *testing.T) {
		_, h, body := headOf(t, curl(t, "--include", p.url+"/style.css"))
		if body != css || first(h["content-encoding"]) != "" || first(h["vary"]) != "Accept-Encoding" {
			t.Errorf("style.css without --compressed: %v", h)
		}
	})
	t.Run("spa", func(t *testing.T) {
		status, h, body := headOf(t, curl(t, "--include", "-H", "Accept: text/html", p.url+"/users/42"))
		if status != "HTTP/1.1 200 OK" || !strings.Contains(body, "<title>App</title>") || first(h["cache-control"]) != "no-cache" {
			t.Errorf("/users/42: %s %v", status, h)
		}
		status, h, _ = headOf(t, curl(t, "--include", "-H", "Accept: text/html", p.url+"/missing.js"))
		if status != "HTTP/1.1 404 Not Found" || first(h["cache-control"]) != "" {
			t.Errorf("/missing.js: %s %v", status, h)
		}
	})
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBrowserAssets: Chromium loads a page whose script and style sheet
// arrive brotli-compressed (the script from its .br copy, the style sheet
// compressed by the server), runs the script and applies the style; the
// access log shows the compressed sizes went out.
func TestBrowserAssets(t *testing.T) {
	chromium := needChromium(t)
	dir, js, css := assetSite(t)
	p := startBinary(t, "-b", "127.0.0.1", "-d", dir, "--precompressed", "--compress", "0")
	dom := browserRun(t, chromium, "--virtual-time-budget=5000", "--dump-dom", p.url+"/")
	if !strings.Contains(dom, "script ran; probe color rgb(1, 2, 3)") {
		t.Fatalf("the page's script did not run with its style sheet applied:\n%s", dom)
	}

	// What went out, from the access log: the compressed sizes.
	brSize := len(mustRead(t, filepath.Join(dir, "app.3f9a2c1b.js.br")))
	sizes := map[string]int{}
	re := regexp.MustCompile(`"GET (\S+) HTTP/1\.1" 200 (\d+)`)
	deadline := time.Now().Add(waitLimit)
	for {
		for _, m := range re.FindAllStringSubmatch(p.stderr.String(), -1) {
			sizes[m[1]], _ = strconv.Atoi(m[2])
		}
		if sizes["/app.3f9a2c1b.js"] != 0 && sizes["/style.css"] != 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling: the log is flushed within 100 ms
	}
	if sizes["/app.3f9a2c1b.js"] != brSize {
		t.Errorf("the script went out as %d bytes, want its .br copy's %d (of %d); log:\n%s", sizes["/app.3f9a2c1b.js"], brSize, len(js), p.stderr)
	}
	if n := sizes["/style.css"]; n == 0 || n > len(css)/3 {
		t.Errorf("the style sheet went out as %d bytes of %d, want it compressed; log:\n%s", n, len(css), p.stderr)
	}
}

package fileserver_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/zstd"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// jsText is compressible text of n bytes.
func jsText(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		b.WriteString("function f" + strconv.Itoa(i) + "(x) { return x * " + strconv.Itoa(i%7) + "; }\n")
	}
	return b.Bytes()[:n]
}

func encodeWith(t testing.TB, token string, src []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	switch token {
	case "br":
		w := brotli.NewWriterLevel(&b, 5)
		w.Write(src)
		w.Close()
	case "gzip":
		w := gzip.NewWriter(&b)
		w.Write(src)
		w.Close()
	case "zstd":
		w, _ := zstd.NewWriter(&b)
		w.Write(src)
		w.Close()
	}
	return b.Bytes()
}

func decode(t testing.TB, token string, body string) string {
	t.Helper()
	var r io.Reader
	var err error
	switch token {
	case "br":
		r = brotli.NewReader(strings.NewReader(body))
	case "gzip":
		r, err = gzip.NewReader(strings.NewReader(body))
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(strings.NewReader(body))
		r = d
	default:
		return body
	}
	if err != nil {
		t.Fatalf("%s: %v", token, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", token, err)
	}
	return string(out)
}

// assetTree writes a site of static assets into a new directory.
func assetTree(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newDir(t *testing.T, dir string, links fileserver.SymlinkPolicy, opts fileserver.Options) *fileserver.Handler {
	t.Helper()
	h, err := fileserver.NewDir(dir, links, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	fileserver.SetClock(h, fileserver.HourAhead) // cache what the test just wrote
	return h
}

func TestPrecompressed(t *testing.T) {
	app := jsText(4000)
	big := jsText(300 << 10) // over the cache's 64 KiB: sent from disk
	files := map[string][]byte{
		"app.js":         app,
		"app.js.br":      encodeWith(t, "br", app),
		"app.js.gz":      encodeWith(t, "gzip", app),
		"big.js":         big,
		"big.js.br":      encodeWith(t, "br", big),
		"stale.js":       app,
		"stale.js.br":    encodeWith(t, "br", app),
		"photo.png":      app,
		"photo.png.gz":   encodeWith(t, "gzip", app),
		"plain.png":      app,
		"nocopy.css":     app,
		"outside/x.txt":  []byte("x"),
		"site/linked.js": app,
	}
	dir := assetTree(t, files)
	// A copy older than its original is stale.
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "stale.js.br"), past, past); err != nil {
		t.Fatal(err)
	}
	h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Precompressed: []string{"br", "zstd", "gzip"}})
	stat := func(name string) os.FileInfo {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}

	tests := []struct {
		name, target, accept string
		header               map[string]string
		wantStatus           int
		wantEncoding         string // "" for the original
		wantBody             []byte // nil: the original decoded must equal files[target]
		wantVary             bool
	}{
		{"br first", "/app.js", "gzip, deflate, br, zstd", nil, 200, "br", files["app.js.br"], true},
		{"gzip only", "/app.js", "gzip", nil, 200, "gzip", files["app.js.gz"], true},
		{"q-values", "/app.js", "br;q=0.5, gzip;q=0.8", nil, 200, "gzip", files["app.js.gz"], true},
		{"br excluded", "/app.js", "br;q=0, *", nil, 200, "gzip", files["app.js.gz"], true},
		{"no copy for zstd", "/app.js", "zstd", nil, 200, "", app, true},
		{"identity asked", "/app.js", "identity", nil, 200, "", app, true},
		{"no Accept-Encoding", "/app.js", "", nil, 200, "", app, true},
		{"x-gzip", "/app.js", "x-gzip", nil, 200, "gzip", files["app.js.gz"], true},
		{"range from the original", "/app.js", "br", map[string]string{"Range": "bytes=0-9"}, 206, "", app[:10], true},
		{"stale copy ignored", "/stale.js", "br", nil, 200, "", app, true},
		{"big copy from disk", "/big.js", "br", nil, 200, "br", files["big.js.br"], true},
		// A copy is used whatever the type: the operator made it.
		{"any type with a copy", "/photo.png", "gzip", nil, 200, "gzip", files["photo.png.gz"], true},
		// Whether it gets the copy depends on Accept-Encoding: Vary.
		{"any type with a copy, identity", "/photo.png", "", nil, 200, "", app, true},
		{"any type with a copy, another coding", "/photo.png", "br, zstd", nil, 200, "", app, true},
		{"any type with a copy, range", "/photo.png", "gzip", map[string]string{"Range": "bytes=0-9"}, 206, "", app[:10], true},
		{"a type without copies", "/plain.png", "gzip", nil, 200, "", app, false},
		{"a type without copies, identity", "/plain.png", "", nil, 200, "", app, false},
		{"no copies at all", "/nocopy.css", "br", nil, 200, "", app, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.accept != "" {
				hdr["Accept-Encoding"] = tt.accept
			}
			for k, v := range tt.header {
				hdr[k] = v
			}
			for _, method := range []string{"GET", "HEAD"} {
				got := serve(t, h, method, tt.target, hdr)
				what := method + " " + tt.target + " (" + tt.accept + ")"
				if got.status != tt.wantStatus {
					t.Fatalf("%s: status %d, want %d", what, got.status, tt.wantStatus)
				}
				want := map[string]string{
					"Content-Encoding": tt.wantEncoding,
					"Content-Length":   strconv.Itoa(len(tt.wantBody)),
					"Content-Type":     map[bool]string{true: "image/png", false: "text/javascript"}[strings.HasSuffix(tt.target, ".png")],
				}
				if strings.HasSuffix(tt.target, ".css") {
					want["Content-Type"] = "text/css"
				}
				if tt.wantVary {
					want["Vary"] = "Accept-Encoding"
				} else {
					want["Vary"] = ""
				}
				if tt.wantEncoding != "" {
					fi := stat(tt.target[1:] + map[string]string{"br": ".br", "gzip": ".gz"}[tt.wantEncoding])
					want["Last-Modified"] = fi.ModTime().UTC().Format(http.TimeFormat)
				}
				checkHeaders(t, what, got.header, want)
				if etag := got.header.Get("Etag"); tt.wantEncoding != "" && !strings.HasSuffix(etag, "-"+tt.wantEncoding+`"`) {
					t.Errorf("%s: ETag %s, want one marked -%s", what, etag, tt.wantEncoding)
				}
				wantBody := string(tt.wantBody)
				if method == "HEAD" {
					wantBody = ""
				}
				if got.body != wantBody {
					t.Errorf("%s: body of %d bytes, want %d", what, len(got.body), len(wantBody))
				}
			}
		})
	}

	// Each representation has its own ETag, and If-None-Match matches it.
	br := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "br"})
	plain := serve(t, h, "GET", "/app.js", nil)
	if br.header.Get("Etag") == plain.header.Get("Etag") {
		t.Errorf("the br copy and the original share the ETag %s", plain.header.Get("Etag"))
	}
	nm := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "br", "If-None-Match": br.header.Get("Etag")})
	checkHeaders(t, "If-None-Match on the br copy", nm.header, map[string]string{"Vary": "Accept-Encoding", "Content-Encoding": "", "Content-Length": ""})
	if nm.status != 304 {
		t.Errorf("If-None-Match on the br copy: %d, want 304", nm.status)
	}
	if nm := serve(t, h, "GET", "/app.js", map[string]string{"If-None-Match": br.header.Get("Etag")}); nm.status != 200 {
		t.Errorf("the br ETag matched the original: %d", nm.status)
	}
}

// A copy reached through a symbolic link follows the policy of the
// original's directory: under SymlinksInside a copy that links out of the
// root is not used (and not served under its own name either).
func TestPrecompressedSymlink(t *testing.T) {
	app := jsText(3000)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "evil.br"), encodeWith(t, "br", []byte("evil")), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := assetTree(t, map[string][]byte{"app.js": app, "in.js": app, "in.js.br.src": encodeWith(t, "br", app)})
	if err := os.Symlink(filepath.Join(outside, "evil.br"), filepath.Join(dir, "app.js.br")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("in.js.br.src", filepath.Join(dir, "in.js.br")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		links            fileserver.SymlinkPolicy
		target, encoding string
	}{
		{fileserver.SymlinksInside, "/app.js", ""},
		{fileserver.SymlinksNever, "/app.js", ""},
		{fileserver.SymlinksFollow, "/app.js", "br"}, // Python's policy follows every link
		{fileserver.SymlinksInside, "/in.js", "br"},
		{fileserver.SymlinksNever, "/in.js", ""},
	} {
		h := newDir(t, dir, tt.links, fileserver.Options{Precompressed: []string{"br"}})
		got := serve(t, h, "GET", tt.target, map[string]string{"Accept-Encoding": "br"})
		if got.status != 200 || got.header.Get("Content-Encoding") != tt.encoding {
			t.Errorf("%v %s: %d, Content-Encoding %q, want 200 %q", tt.links, tt.target, got.status, got.header.Get("Content-Encoding"), tt.encoding)
		}
		if tt.encoding == "" && got.body != string(app) {
			t.Errorf("%v %s: not the original", tt.links, tt.target)
		}
	}
}

// A copy made by brotli -k, which gives it the original's modification
// time cut to the second, is fresh; a copy from an earlier second is
// stale.
func TestPrecompressedSameSecond(t *testing.T) {
	app := jsText(4000)
	br := encodeWith(t, "br", app)
	dir := assetTree(t, map[string][]byte{"app.js": app, "app.js.br": br, "old.js": app, "old.js.br": br})
	orig := time.Date(2025, 1, 2, 3, 4, 5, 841701539, time.UTC) // ext4 keeps nanoseconds
	for name, mtime := range map[string]time.Time{
		"app.js": orig, "app.js.br": orig.Truncate(time.Second),
		"old.js": orig, "old.js.br": orig.Add(-time.Second),
	} {
		if err := os.Chtimes(filepath.Join(dir, name), mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Precompressed: []string{"br"}})
	got := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "br"})
	checkHeaders(t, "copy of the same second", got.header, map[string]string{
		"Content-Encoding": "br", "Content-Length": strconv.Itoa(len(br)), "Last-Modified": "Thu, 02 Jan 2025 03:04:05 GMT"})
	if got.body != string(br) {
		t.Errorf("copy of the same second: body of %d bytes, want the copy's %d", len(got.body), len(br))
	}
	got = serve(t, h, "GET", "/old.js", map[string]string{"Accept-Encoding": "br"})
	checkHeaders(t, "copy of the second before", got.header, map[string]string{
		"Content-Encoding": "", "Content-Length": strconv.Itoa(len(app))})
	if got.body != string(app) {
		t.Errorf("copy of the second before: body of %d bytes, want the original's %d", len(got.body), len(app))
	}
}

// lockedFS is an fs.FS (and fs.StatFS) whose file locked can be stat'ed
// but not opened, as a file of mode 0600 of another user.
type lockedFS struct {
	fs.StatFS
	locked string
}

func (l lockedFS) Open(name string) (fs.File, error) {
	if name == l.locked {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return l.StatFS.Open(name)
}

// A copy that cannot be opened is passed over for the next coding, or
// the original: the file is there, and readable.
func TestPrecompressedUnreadable(t *testing.T) {
	app := jsText(4000)
	gz := encodeWith(t, "gzip", app)
	dir := assetTree(t, map[string][]byte{"app.js": app, "app.js.br": encodeWith(t, "br", app), "app.js.gz": gz})
	for _, cache := range []bool{true, false} {
		var log bytes.Buffer
		h := mustNew(t, lockedFS{os.DirFS(dir).(fs.StatFS), "app.js.br"}, fileserver.Options{
			Precompressed: []string{"br", "gzip"}, DisableCache: !cache, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		for _, tt := range []struct {
			accept, encoding string
			body             []byte
		}{
			{"br", "", app},
			{"br, gzip", "gzip", gz},
		} {
			what := fmt.Sprintf("cache %v, Accept-Encoding %s", cache, tt.accept)
			got := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": tt.accept})
			if got.status != 200 {
				t.Fatalf("%s: %d, want 200", what, got.status)
			}
			checkHeaders(t, what, got.header, map[string]string{
				"Content-Encoding": tt.encoding, "Content-Length": strconv.Itoa(len(tt.body)), "Vary": "Accept-Encoding"})
			if got.body != string(tt.body) {
				t.Errorf("%s: body of %d bytes, want %d", what, len(got.body), len(tt.body))
			}
		}
		// Two requests met the copy; the log says so once (a line per
		// request would let clients flood it).
		if strings.Count(log.String(), "level=WARN") != 1 || !strings.Contains(log.String(), "app.js.br") {
			t.Errorf("cache %v: want one warning naming the copy:\n%s", cache, log.String())
		}
	}
}

// A compressed or precompressed response has its Content-Length whatever
// the conditionals (a browser's revalidation sends If-None-Match), from
// the cache and from disk, GET and HEAD alike; its 304 has none, and its
// 412 the error page's.
func TestEncodedContentLength(t *testing.T) {
	app := jsText(40000)
	dir := assetTree(t, map[string][]byte{"app.js": app, "app.js.gz": encodeWith(t, "gzip", app)})
	for name, opts := range map[string]fileserver.Options{
		"Compress":                 {Compress: true, CompressCodings: []string{"br"}},
		"Precompressed":            {Precompressed: []string{"gzip"}},
		"Precompressed, from disk": {Precompressed: []string{"gzip"}, DisableCache: true},
	} {
		h := newDir(t, dir, fileserver.SymlinksFollow, opts)
		plain := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "br, gzip"})
		etag, length := plain.header.Get("Etag"), strconv.Itoa(len(plain.body))
		if plain.status != 200 || plain.header.Get("Content-Encoding") == "" || plain.header.Get("Content-Length") != length {
			t.Fatalf("%s: %d %v, want 200 encoded with its Content-Length", name, plain.status, plain.header)
		}
		for _, cond := range []map[string]string{
			{"If-None-Match": `"other"`},
			{"If-Match": "*"},
			{"If-Match": etag},
			{"If-None-Match": `"other"`, "If-Unmodified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
			{"If-None-Match": etag},
			{"If-Match": `"nope"`},
		} {
			hdr := map[string]string{"Accept-Encoding": "br, gzip"}
			for k, v := range cond {
				hdr[k] = v
			}
			for _, method := range []string{"GET", "HEAD"} {
				got := serve(t, h, method, "/app.js", hdr)
				what := fmt.Sprintf("%s: %s %v", name, method, cond)
				if cond["If-None-Match"] == etag {
					if got.status != 304 || got.header.Get("Content-Length") != "" {
						t.Errorf("%s: %d with Content-Length %q, want 304 without", what, got.status, got.header.Get("Content-Length"))
					}
					continue
				}
				if cond["If-Match"] == `"nope"` {
					if got.status != 412 || method == "GET" && got.header.Get("Content-Length") != strconv.Itoa(len(got.body)) {
						t.Errorf("%s: %d with Content-Length %q for %d bytes, want 412 with the page's", what,
							got.status, got.header.Get("Content-Length"), len(got.body))
					}
					continue
				}
				wantBody := plain.body
				if method == "HEAD" {
					wantBody = ""
				}
				if got.status != 200 || got.header.Get("Content-Length") != length || got.body != wantBody {
					t.Errorf("%s: %d, Content-Length %q and %d bytes; want 200, %s and %d", what,
						got.status, got.header.Get("Content-Length"), len(got.body), length, len(wantBody))
				}
			}
		}
	}
}

func TestCompress(t *testing.T) {
	css := jsText(5000)
	png := make([]byte, 5000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range png {
		png[i] = byte(rng.Uint32())
	}
	files := map[string][]byte{
		"style.css":   css,
		"data.json":   jsText(3000),
		"photo.png":   png,
		"tiny.txt":    []byte("too small to pay\n"),
		"noise.txt":   png, // compressible type, incompressible content
		"dir/a.txt":   []byte("a"),
		"unknown.xyz": css,
	}
	dir := assetTree(t, files)
	h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true})

	for _, token := range []string{"br", "zstd", "gzip"} {
		for _, method := range []string{"GET", "HEAD"} {
			got := serve(t, h, method, "/style.css", map[string]string{"Accept-Encoding": token})
			what := method + " /style.css (" + token + ")"
			checkHeaders(t, what, got.header, map[string]string{
				"Content-Encoding": token, "Content-Type": "text/css", "Vary": "Accept-Encoding",
			})
			n, _ := strconv.Atoi(got.header.Get("Content-Length"))
			if n == 0 || n > len(css)/2 {
				t.Errorf("%s: Content-Length %d for %d bytes of CSS", what, n, len(css))
			}
			if method == "GET" && decode(t, token, got.body) != string(css) {
				t.Errorf("%s: does not decode to the file", what)
			}
			if !strings.HasSuffix(got.header.Get("Etag"), "-"+token+`"`) {
				t.Errorf("%s: ETag %s", what, got.header.Get("Etag"))
			}
		}
	}
	// The browser's choice, by the server's order among equals.
	if got := serve(t, h, "GET", "/data.json", map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}); got.header.Get("Content-Encoding") != "br" {
		t.Errorf("browser: Content-Encoding %q, want br", got.header.Get("Content-Encoding"))
	}

	for _, tt := range []struct {
		name, target string
		header       map[string]string
		wantStatus   int
		wantVary     string
	}{
		{"not asked", "/style.css", nil, 200, "Accept-Encoding"},
		{"range", "/style.css", map[string]string{"Accept-Encoding": "br", "Range": "bytes=1-3"}, 206, "Accept-Encoding"},
		{"image", "/photo.png", map[string]string{"Accept-Encoding": "br"}, 200, ""},
		{"under 1 KiB", "/tiny.txt", map[string]string{"Accept-Encoding": "br"}, 200, ""},
		{"does not pay", "/noise.txt", map[string]string{"Accept-Encoding": "br"}, 200, "Accept-Encoding"},
		{"unknown type", "/unknown.xyz", map[string]string{"Accept-Encoding": "br"}, 200, ""},
	} {
		got := serve(t, h, "GET", tt.target, tt.header)
		checkHeaders(t, tt.name, got.header, map[string]string{"Content-Encoding": "", "Vary": tt.wantVary})
		if got.status != tt.wantStatus {
			t.Errorf("%s: status %d, want %d", tt.name, got.status, tt.wantStatus)
		}
		want := string(files[tt.target[1:]])
		if tt.wantStatus == 206 {
			want = want[1:4]
		}
		if got.body != want {
			t.Errorf("%s: body is not the file", tt.name)
		}
	}

	// The compressed bytes are kept: one more cache entry per coding.
	before, _ := fileserver.CacheStats(h)
	serve(t, h, "GET", "/style.css", map[string]string{"Accept-Encoding": "br"})
	if after, _ := fileserver.CacheStats(h); after != before {
		t.Errorf("serving kept bytes again changed the cache: %d entries, then %d", before, after)
	}

	// A changed file is compressed again: never its old bytes.
	changed := jsText(6000)[1000:]
	if err := os.WriteFile(filepath.Join(dir, "style.css"), changed, 0o644); err != nil {
		t.Fatal(err)
	}
	got := serve(t, h, "GET", "/style.css", map[string]string{"Accept-Encoding": "br"})
	if decode(t, "br", got.body) != string(changed) {
		t.Error("after a write: the old compressed bytes")
	}

	// The listing, HTML and JSON.
	plain := serve(t, h, "GET", "/dir/", nil)
	for _, accept := range []string{"", "application/json"} {
		for _, token := range []string{"gzip", "br"} {
			hdr := map[string]string{"Accept-Encoding": token, "Accept": accept}
			want := plain.body
			if accept != "" {
				want = serve(t, h, "GET", "/dir/", map[string]string{"Accept": accept}).body
			}
			for range 2 { // rendered, then cached
				got := serve(t, h, "GET", "/dir/", hdr)
				if got.header.Get("Content-Encoding") != token || decode(t, token, got.body) != want ||
					got.header.Get("Content-Length") != strconv.Itoa(len(got.body)) {
					t.Errorf("listing %q %s: %v, want the listing compressed", accept, token, got.header)
				}
				if v := got.header.Values("Vary"); !slices.Equal(v, []string{"Accept, Accept-Encoding"}) {
					t.Errorf("listing %q %s: Vary %q", accept, token, v)
				}
			}
		}
	}
}

// An HLS segment is video: Compress leaves it as it is, though its
// extension, .ts, has a text type on Debian (the host's registry, which
// Python reads too: text/vnd.trolltech.linguist) that Compress takes;
// a TypeScript file of that name is compressed.
func TestCompressTransportStream(t *testing.T) {
	var seg []byte
	for i := range 40 { // packets of null PIDs, padded, as muxers write them
		seg = append(seg, 0x47, 0x1f, 0xff, 0x10|byte(i&15))
		seg = append(seg, bytes.Repeat([]byte{0xff}, 184)...)
	}
	files := map[string][]byte{"seg0.ts": seg, "app.ts": jsText(5000)}
	ext := fileserver.DefaultExtensions()
	ext[".ts"] = "text/vnd.trolltech.linguist"
	h := newDir(t, assetTree(t, files), fileserver.SymlinksFollow, fileserver.Options{Compress: true, Extensions: ext})
	for range 2 { // compressed, then from the cache
		for _, token := range []string{"br", "zstd", "gzip"} {
			got := serve(t, h, "GET", "/seg0.ts", map[string]string{"Accept-Encoding": token})
			checkHeaders(t, "segment "+token, got.header, map[string]string{"Content-Encoding": "", "Content-Length": strconv.Itoa(len(seg))})
			if got.body != string(seg) {
				t.Errorf("segment %s: body is not the file", token)
			}
			got = serve(t, h, "GET", "/app.ts", map[string]string{"Accept-Encoding": token})
			checkHeaders(t, "script "+token, got.header, map[string]string{"Content-Encoding": token})
			if decode(t, token, got.body) != string(files["app.ts"]) {
				t.Errorf("script %s: does not decode to the file", token)
			}
		}
	}
}

// A middleware that compresses already (chi's Compress), or any that set
// Content-Encoding before the file server runs: never encoded twice.
func TestCompressNotTwice(t *testing.T) {
	css := jsText(5000)
	dir := assetTree(t, map[string][]byte{"style.css": css})
	h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true})

	srv := httptest.NewServer(middleware.Compress(5, "text/css")(h))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/style.css", nil)
	req.Header.Set("Accept-Encoding", "br, gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if ce := res.Header.Get("Content-Encoding"); ce != "br" || decode(t, "br", string(body)) != string(css) {
		t.Errorf("behind chi's Compress: Content-Encoding %q; want our br, once", ce)
	}

	preset := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "x-custom")
		h.ServeHTTP(w, r)
	})
	got := serve(t, preset, "GET", "/style.css", map[string]string{"Accept-Encoding": "br"})
	if got.header.Get("Content-Encoding") != "x-custom" || got.body != string(css) {
		t.Errorf("under a Content-Encoding set outside: %v", got.header)
	}
}

// A file that Compress reads and finds not worth compressing goes out
// whole as it is, also from an fs.FS that cannot stat (the file is then
// opened once, read for compressing and sent): over a real connection,
// with sendfile for the large one and one write for the small one.
func TestCompressNotWorthItUnstattable(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "pub"), 0o755); err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	files := map[string][]byte{"small.txt": make([]byte, 2000), "large.txt": make([]byte, 100000)}
	for name, data := range files {
		for i := range data {
			data[i] = byte(rnd.Uint32()) // noise: it does not compress
		}
		if err := os.WriteFile(filepath.Join(dir, "pub", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := fs.Sub(os.DirFS(dir), "pub") // no fs.StatFS
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mustNew(t, sub, fileserver.Options{Compress: true}))
	defer srv.Close()
	for name, data := range files {
		req, _ := http.NewRequest("GET", srv.URL+"/"+name, nil)
		req.Header.Set("Accept-Encoding", "gzip, br")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, data) {
			t.Errorf("%s: status %d, Content-Encoding %q, Content-Length %s, %d bytes (%v); want the %d bytes of the file",
				name, res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Length"), len(body), err, len(data))
		}
	}
}

// replacedFS is an fs.StatFS over the directory dir that, right after its
// first stat of name, replaces name by renaming a file of content next over
// it: what a deploy does between a request's stat and its open. hideSys
// gives stats without Linux stat data, as on other systems.
type replacedFS struct {
	fs.StatFS
	dir, name string
	next      []byte
	hideSys   bool
	replaced  atomic.Bool
}

func (r *replacedFS) Stat(name string) (fs.FileInfo, error) {
	fi, err := r.StatFS.Stat(name)
	if name == r.name && !r.replaced.Swap(true) {
		tmp := filepath.Join(r.dir, ".next")
		if err := os.WriteFile(tmp, r.next, 0o644); err != nil {
			panic(err)
		}
		if err := os.Rename(tmp, filepath.Join(r.dir, name)); err != nil {
			panic(err)
		}
	}
	if err == nil && r.hideSys {
		fi = noSysInfo{fi}
	}
	return fi, err
}

type noSysInfo struct{ fs.FileInfo }

func (noSysInfo) Sys() any { return nil }

// Compress without a fileID to check a file by (the cache off, or stat
// data other than Linux's) reads the file it opens by name only if its
// own stat shows the version stat saw: a file replaced in between went
// out as the first bytes of the new version, compressed, as a whole
// 200 with the old version's ETag and Last-Modified. It is now sent as
// it is, the new version whole, with its own headers.
func TestCompressReplacedAfterStat(t *testing.T) {
	old := jsText(4000)
	for _, tt := range []struct {
		name    string
		next    []byte
		opts    fileserver.Options
		hideSys bool
	}{
		{"larger, cache off", append([]byte("/* v2 */\n"), jsText(8000)...), fileserver.Options{Compress: true, DisableCache: true}, false},
		{"same size, cache off", bytes.ToUpper(old), fileserver.Options{Compress: true, DisableCache: true}, false},
		{"larger, no Linux stat", append([]byte("/* v2 */\n"), jsText(8000)...), fileserver.Options{Compress: true}, true},
		{"same size, no Linux stat", bytes.ToUpper(old), fileserver.Options{Compress: true}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := assetTree(t, map[string][]byte{"app.js": old})
			fsys := &replacedFS{StatFS: os.DirFS(dir).(fs.StatFS), dir: dir, name: "app.js", next: tt.next, hideSys: tt.hideSys}
			h := mustNew(t, fsys, tt.opts)
			got := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "gzip"})
			fi, err := os.Stat(filepath.Join(dir, "app.js"))
			if err != nil {
				t.Fatal(err)
			}
			body := decode(t, got.header.Get("Content-Encoding"), got.body)
			if got.status != 200 || body != string(tt.next) {
				t.Fatalf("status %d, Content-Encoding %q, %d bytes starting %q; want the %d bytes of the new version",
					got.status, got.header.Get("Content-Encoding"), len(body), body[:min(len(body), 12)], len(tt.next))
			}
			checkHeaders(t, tt.name, got.header, map[string]string{
				"Last-Modified":  fi.ModTime().UTC().Format(http.TimeFormat),
				"Content-Length": strconv.Itoa(len(got.body)),
			})
		})
	}
}

// A file whose compressed bytes cannot be kept (the cache off, an FS
// without Linux stat data) is compressed for each response at the fast
// level, not the best one, which costs 10 to 20 times the time; kept
// bytes, in the cache or for good, are compressed at the best.
func TestCompressLevel(t *testing.T) {
	data := jsText(20000)
	dir := assetTree(t, map[string][]byte{"app.js": data})
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name string
		h    *fileserver.Handler
		once bool
	}{
		{"cache", newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true}), true},
		{"cache off", newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true, DisableCache: true}), false},
		{"MapFS", mustNew(t, fstest.MapFS{"app.js": {Data: data, ModTime: mtime}}, fileserver.Options{Compress: true}), false},
		{"MapFS, Immutable", mustNew(t, fstest.MapFS{"app.js": {Data: data, ModTime: mtime}}, fileserver.Options{Compress: true, Immutable: true}), true},
		{"MapFS, Immutable, cache off", mustNew(t, fstest.MapFS{"app.js": {Data: data, ModTime: mtime}}, fileserver.Options{Compress: true, Immutable: true, DisableCache: true}), false},
	} {
		for _, token := range []string{"br", "zstd", "gzip"} {
			want := fileserver.Encode(token, data, tt.once)
			for range 2 {
				got := serve(t, tt.h, "GET", "/app.js", map[string]string{"Accept-Encoding": token})
				if got.header.Get("Content-Encoding") != token || got.body != string(want) {
					t.Errorf("%s, %s: %q, %d bytes; want the %d bytes of the level for once=%v",
						tt.name, token, got.header.Get("Content-Encoding"), len(got.body), len(want), tt.once)
				}
			}
		}
	}
}

// A listing's compressed page is kept for the path as its links write
// it. The same directory asked for as "/dir//" or "/d%69r/" (a client can
// vary it without end) gets its own title compressed for that response
// only, at the fast level, and nothing more is kept.
func TestCompressListingTitles(t *testing.T) {
	dir := assetTree(t, map[string][]byte{"dir/a.txt": []byte("a"), "dir/b.txt": []byte("b")})
	for _, listing := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true, Listing: listing})
		br := map[string]string{"Accept-Encoding": "br"}
		got := serve(t, h, "GET", "/dir/", br)
		if got.header.Get("Content-Encoding") != "br" || decode(t, "br", got.body) != serve(t, h, "GET", "/dir/", nil).body {
			t.Fatalf("listing %v: /dir/ not the listing compressed", listing)
		}
		kept, _ := fileserver.CacheStats(h)
		for _, target := range []string{"/dir/", "/dir//", "/dir///", "/d%69r/", "/./dir/", "/dir/./"} {
			plain := serve(t, h, "GET", target, nil).body
			got := serve(t, h, "GET", target, br)
			if got.status != 200 || decode(t, "br", got.body) != plain {
				t.Errorf("listing %v: %s: %d, not its listing compressed", listing, target, got.status)
			}
			if target != "/dir/" && got.body != string(fileserver.Encode("br", []byte(plain), false)) {
				t.Errorf("listing %v: %s: not compressed at the fast level", listing, target)
			}
		}
		if n, _ := fileserver.CacheStats(h); n != kept {
			t.Errorf("listing %v: the other forms of the path took %d cache entries", listing, n-kept)
		}
	}
}

// A file too large for the cache to keep its compressed bytes, under a
// small CacheMaxBytes, is compressed again for each response: at the fast
// level, as where nothing keeps anything.
func TestCompressLevelTooLargeToKeep(t *testing.T) {
	const size, maxBytes = 64 << 10, 16 << 10
	rnd := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, size) // 8 letters: compressed to some 40%, past maxBytes
	for i := range data {
		data[i] = 'a' + byte(rnd.IntN(8))
	}
	dir := assetTree(t, map[string][]byte{"big.txt": data})
	opts := fileserver.Options{Compress: true, CacheMaxBytes: maxBytes}
	for _, tt := range []struct {
		name string
		h    *fileserver.Handler
	}{
		{"dir", newDir(t, dir, fileserver.SymlinksFollow, opts)},
		{"MapFS, Immutable", mustNew(t, fstest.MapFS{"big.txt": {Data: data}}, fileserver.Options{Compress: true, Immutable: true, CacheMaxBytes: maxBytes})},
	} {
		for _, token := range []string{"br", "zstd", "gzip"} {
			want := fileserver.Encode(token, data, false)
			got := serve(t, tt.h, "GET", "/big.txt", map[string]string{"Accept-Encoding": token})
			if got.header.Get("Content-Encoding") != token || got.body != string(want) {
				t.Errorf("%s, %s: %q, %d bytes; want the %d bytes of the fast level",
					tt.name, token, got.header.Get("Content-Encoding"), len(got.body), len(want))
			}
		}
	}
}

// Content that cannot change is compressed once and kept, however it is
// reached: reading it again would show in the count of reads.
func TestCompressImmutable(t *testing.T) {
	var reads atomic.Int64
	fsys := readCountingFS{fstest.MapFS{"app.js": {Data: jsText(4000)}}, &reads}
	h := mustNew(t, fsys, fileserver.Options{Compress: true, Immutable: true})
	first := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "gzip"})
	n := reads.Load()
	second := serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "gzip"})
	if first.body != second.body || decode(t, "gzip", second.body) != string(jsText(4000)) {
		t.Fatal("not the same compressed file")
	}
	if reads.Load() != n {
		t.Errorf("%d more reads for the same compressed file", reads.Load()-n)
	}
}

// The compressed copies of an Immutable FS's files are kept within
// CacheMaxBytes, however large the FS: a client that asks for every file
// must not make the handler hold all of them compressed. Once the cache
// is full, a file asked for once goes out as it is.
func TestCompressImmutableBounded(t *testing.T) {
	const files, size, maxBytes = 40, 16 << 10, 64 << 10
	fsys := fstest.MapFS{}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range files {
		b := make([]byte, size) // letters: compressed to some 60%
		for j := range b {
			b[j] = 'a' + byte(rnd.IntN(26))
		}
		fsys[fmt.Sprintf("f%d.txt", i)] = &fstest.MapFile{Data: b}
	}
	h := mustNew(t, fsys, fileserver.Options{Compress: true, Immutable: true, CacheMaxBytes: maxBytes})
	compressed := 0
	for i := range files {
		name := fmt.Sprintf("f%d.txt", i)
		got := serve(t, h, "GET", "/"+name, map[string]string{"Accept-Encoding": "gzip"})
		switch {
		case got.status != 200:
			t.Fatalf("%s: %d", name, got.status)
		case got.header.Get("Content-Encoding") == "gzip" && len(got.body) < size:
			compressed++
		case got.header.Get("Content-Encoding") != "" || got.body != string(fsys[name].Data):
			t.Fatalf("%s: Content-Encoding %q, %d bytes; want gzip, or the file as it is", name, got.header.Get("Content-Encoding"), len(got.body))
		}
	}
	if compressed == 0 {
		t.Errorf("no file compressed")
	}
	if n := fileserver.KeptBytes(h); n > maxBytes {
		t.Errorf("kept %d bytes for %d compressed files, more than CacheMaxBytes (%d)", n, files, maxBytes)
	}
}

func TestCacheControl(t *testing.T) {
	dir := assetTree(t, map[string][]byte{
		"index.html":         []byte("<p>app</p>\n"),
		"app.3f9a2c1b.js":    jsText(2000),
		"app.3f9a2c1b.js.br": encodeWith(t, "br", jsText(2000)),
		"sub/a.txt":          []byte("a"),
	})
	h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{
		CacheControl:  fileserver.ImmutableFingerprinted("no-cache"),
		Precompressed: []string{"br"},
		Compress:      true,
	})
	const immutable = "public, max-age=31536000, immutable"
	etag := serve(t, h, "GET", "/index.html", nil).header.Get("Etag")
	for _, tt := range []struct {
		name, target string
		header       map[string]string
		status       int
		want         string
	}{
		{"fingerprinted", "/app.3f9a2c1b.js", nil, 200, immutable},
		{"fingerprinted, precompressed", "/app.3f9a2c1b.js", map[string]string{"Accept-Encoding": "br"}, 200, immutable},
		{"fingerprinted, compressed", "/app.3f9a2c1b.js", map[string]string{"Accept-Encoding": "gzip"}, 200, immutable},
		{"index page", "/", nil, 200, "no-cache"},
		{"other file", "/index.html", nil, 200, "no-cache"},
		{"304", "/index.html", map[string]string{"If-None-Match": etag}, 304, "no-cache"},
		{"range", "/app.3f9a2c1b.js", map[string]string{"Range": "bytes=0-1"}, 206, immutable},
		{"listing: none", "/sub/", nil, 200, ""},
		{"404: none", "/missing.js", nil, 404, ""},
	} {
		got := serve(t, h, "GET", tt.target, tt.header)
		if got.status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, got.status, tt.status)
		}
		checkHeaders(t, tt.name, got.header, map[string]string{"Cache-Control": tt.want})
	}

	// Nor the errors of a file that exists, however ErrorHandler sends
	// them: http.Error keeps the header it finds.
	h = mustNew(t, lockedFS{os.DirFS(dir).(fs.StatFS), "index.html"}, fileserver.Options{
		CacheControl: fileserver.ImmutableFingerprinted("no-cache"),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, code int, message string) {
			http.Error(w, message, code)
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	for _, tt := range []struct {
		name, target string
		header       map[string]string
		status       int
	}{
		{"412", "/app.3f9a2c1b.js", map[string]string{"If-Match": `"other"`}, 412},
		{"416", "/app.3f9a2c1b.js", map[string]string{"Range": "bytes=99999-"}, 416},
		{"cannot be opened", "/index.html", nil, 404},
	} {
		got := serve(t, h, "GET", tt.target, tt.header)
		if got.status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, got.status, tt.status)
		}
		checkHeaders(t, tt.name, got.header, map[string]string{"Cache-Control": ""})
	}
}

func TestFallback(t *testing.T) {
	index := []byte("<!doctype html><p>app</p>\n")
	dir := assetTree(t, map[string][]byte{"index.html": index, "app.js": []byte("x"), "docs/guide.txt": []byte("g")})
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "nothing"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	h := newDir(t, dir, fileserver.SymlinksInside, fileserver.Options{Fallback: "index.html"})
	browser := map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
	for _, tt := range []struct {
		name, method, target string
		header               map[string]string
		want                 int
	}{
		{"a route", "GET", "/users/42", browser, 200},
		{"a route, HEAD", "HEAD", "/users/42", browser, 200},
		{"a route, trailing slash", "GET", "/settings/", browser, 200},
		{"a route, curl", "GET", "/users/42", map[string]string{"Accept": "*/*"}, 200},
		{"a route, no Accept", "GET", "/users/42", nil, 200},
		{"a route, JSON client", "GET", "/api/users", map[string]string{"Accept": "application/json"}, 404},
		{"a route, axios", "GET", "/api/users", map[string]string{"Accept": "application/json, text/plain, */*"}, 404},
		{"a route, JSON first, HTML named", "GET", "/api/users", map[string]string{"Accept": "application/json, text/html"}, 200},
		{"a route, fetch()", "GET", "/users/42", map[string]string{"Accept": "*/*"}, 200},
		{"a route, text then anything", "GET", "/users/42", map[string]string{"Accept": "text/plain, */*"}, 200},
		{"HTML refused", "GET", "/users/42", map[string]string{"Accept": "text/html;q=0, */*"}, 404},
		{"a missing file", "GET", "/missing.js", browser, 404},
		{"a missing file in a route", "GET", "/users/42/avatar.png", browser, 404},
		{"an existing file", "GET", "/app.js", browser, 200},
		{"climbing", "GET", "/docs/../users", browser, 404},
		{"climbing, encoded", "GET", "/docs/%2e%2e/users", browser, 404},
		{"a backslash", "GET", "/users%5c42", browser, 404},
		{"a link the policy refuses", "GET", "/escape", browser, 404},
		{"a dangling link", "GET", "/dangling", browser, 404},
		{"a file with a slash", "GET", "/app.js/more", browser, 404},
		{"POST", "POST", "/users/42", browser, 501},
	} {
		got := serve(t, h, tt.method, tt.target, tt.header)
		if got.status != tt.want {
			t.Errorf("%s: %s %s: status %d, want %d", tt.name, tt.method, tt.target, got.status, tt.want)
			continue
		}
		if tt.want == 200 && tt.target != "/app.js" {
			wantBody := string(index)
			if tt.method == "HEAD" {
				wantBody = ""
			}
			checkHeaders(t, tt.name, got.header, map[string]string{"Content-Type": "text/html", "Vary": "Accept"})
			if got.body != wantBody {
				t.Errorf("%s: body %q, want index.html", tt.name, got.body)
			}
		}
	}
}

// A Fallback file that cannot be served (misspelled, not built yet) makes
// every client-side route a 404, and the log says why once, not per
// request; once it is back and gone again, it says so again.
// Whether a route gets the fallback or 404 depends on Accept: both say
// so with Vary, even when the error page itself is not negotiated, so a
// cache never gives a JSON client's 404 to a browser. A miss that Accept
// does not decide has no Vary.
func TestFallbackVary(t *testing.T) {
	dir := assetTree(t, map[string][]byte{"index.html": []byte("<p>app</p>")})
	h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{
		Fallback: "index.html",
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, code int, message string) {
			http.Error(w, message, code) // the same page for every client
		},
	})
	for _, tt := range []struct {
		target, accept string
		status         int
		vary           string
	}{
		{"/users/42", "text/html", 200, "Accept"},
		{"/users/42", "application/json", 404, "Accept"},
		{"/users/42.json", "application/json", 404, ""},
	} {
		got := serve(t, h, "GET", tt.target, map[string]string{"Accept": tt.accept})
		what := tt.target + " (" + tt.accept + ")"
		if got.status != tt.status {
			t.Errorf("%s: %d, want %d", what, got.status, tt.status)
		}
		checkHeaders(t, what, got.header, map[string]string{"Vary": tt.vary})
	}
}

// TestVaryOneLine: the fields a response varies on go out on one Vary
// line, whatever added them (an outer handler, the listing's Accept, the
// codings' Accept-Encoding, the error page's Accept). nginx before 1.23
// keys what its proxy_cache stores on the last Vary line alone: with
// "Vary: Accept" and "Vary: Accept-Encoding" on two lines it gave the
// JSON listing a script had asked for to the next browser.
func TestVaryOneLine(t *testing.T) {
	dir := assetTree(t, map[string][]byte{
		"index.html":   bytes.Repeat([]byte("<p>app</p>\n"), 200),
		"dir/app.js":   jsText(4000),
		"dir/note.txt": []byte("x"),
	})
	h := newDir(t, dir, fileserver.SymlinksFollow, fileserver.Options{Compress: true, Fallback: "index.html"})
	origin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Vary"] = []string{"Origin"} // a CORS middleware's
		h.ServeHTTP(w, r)
	})
	blank := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Vary"] = []string{""} // the command's -H 'Vary:'
		h.ServeHTTP(w, r)
	})
	pages, err := errorpage.New(errorpage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paged := pages.Handler(h)
	for _, tt := range []struct {
		handler        http.Handler
		target, accept string
		hdr            map[string]string
		status         int
		vary           []string
	}{
		{h, "/dir/", "application/json", nil, 200, []string{"Accept, Accept-Encoding"}},
		{h, "/dir/", "text/html", map[string]string{"Accept-Encoding": "gzip"}, 200, []string{"Accept, Accept-Encoding"}},
		{h, "/users/42", "text/html", map[string]string{"Accept-Encoding": "br"}, 200, []string{"Accept, Accept-Encoding"}},
		{paged, "/dir/app.js", "", map[string]string{"Accept-Encoding": "br", "If-Match": `"other"`}, 412, []string{"Accept-Encoding, Accept"}},
		{paged, "/dir/app.js", "", map[string]string{"Range": "bytes=99999-"}, 416, []string{"Accept-Encoding, Accept"}},
		{origin, "/dir/app.js", "", map[string]string{"Accept-Encoding": "br"}, 200, []string{"Origin, Accept-Encoding"}},
		{origin, "/dir/", "", nil, 200, []string{"Origin, Accept, Accept-Encoding"}},
		// A blank line names no field: not ", Accept, Accept-Encoding".
		{blank, "/dir/", "", nil, 200, []string{"Accept, Accept-Encoding"}},
		{blank, "/dir/app.js", "", map[string]string{"Accept-Encoding": "br"}, 200, []string{"Accept-Encoding"}},
	} {
		hdr := map[string]string{"Accept": tt.accept}
		for k, v := range tt.hdr {
			hdr[k] = v
		}
		got := serve(t, tt.handler, "GET", tt.target, hdr)
		if v := got.header.Values("Vary"); got.status != tt.status || !slices.Equal(v, tt.vary) {
			t.Errorf("GET %s %v: %d, Vary %q; want %d, Vary %q", tt.target, hdr, got.status, v, tt.status, tt.vary)
		}
	}
}

func TestFallbackMissingLoggedOnce(t *testing.T) {
	fsys := fstest.MapFS{"index.html": {Data: []byte("app")}}
	var log syncbuf.Buffer
	h := mustNew(t, fsys, fileserver.Options{Fallback: "index.htm", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	route := func(want int) {
		t.Helper()
		if got := serve(t, h, "GET", "/users/42", nil); got.status != want {
			t.Errorf("GET /users/42: %d, want %d", got.status, want)
		}
	}
	warnings := func() int {
		return strings.Count(log.String(), `level=WARN msg="fileserver: the Options.Fallback file cannot be served`)
	}
	route(404)
	route(404)
	route(404)
	if n := warnings(); n != 1 || !strings.Contains(log.String(), "fallback=index.htm") {
		t.Errorf("%d warnings, want 1 naming the file:\n%s", n, log.String())
	}
	fsys["index.htm"] = &fstest.MapFile{Data: []byte("app")}
	route(200)
	delete(fsys, "index.htm")
	route(404)
	route(404)
	if n := warnings(); n != 2 {
		t.Errorf("%d warnings after the file came and went, want 2:\n%s", n, log.String())
	}
}

func TestAssetOptionErrors(t *testing.T) {
	for _, opts := range []fileserver.Options{
		{Precompressed: []string{"deflate"}},
		{Precompressed: []string{"br", "br"}},
		{Compress: true, CompressCodings: []string{"lzma"}},
		{CompressCodings: []string{"gzip"}},
		{CompressBudget: 1 << 20},
		{Fallback: "../index.html"},
		{Fallback: "/index.html"},
	} {
		if _, err := fileserver.New(fstest.MapFS{}, opts); err == nil {
			t.Errorf("New(%+v): no error", opts)
		}
	}
}

// Clients that ask at once for a file not yet compressed wait for one
// compression instead of each running their own (and each holding an
// encoder's memory).
func TestCompressOnce(t *testing.T) {
	data := jsText(200 << 10)
	one := func() int64 {
		var reads atomic.Int64
		h := mustNew(t, readCountingFS{fstest.MapFS{"app.js": {Data: data}}, &reads}, fileserver.Options{Compress: true, Immutable: true})
		serve(t, h, "GET", "/app.js", map[string]string{"Accept-Encoding": "br"})
		return reads.Load()
	}()
	var reads atomic.Int64
	h := mustNew(t, readCountingFS{fstest.MapFS{"app.js": {Data: data}}, &reads}, fileserver.Options{Compress: true, Immutable: true})
	start := make(chan struct{})
	var wg sync.WaitGroup
	bodies := make([]string, 16)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req := httptest.NewRequest("GET", "/app.js", nil)
			req.Header.Set("Accept-Encoding", "br")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			bodies[i] = rec.Body.String()
		}()
	}
	close(start)
	wg.Wait()
	for i, b := range bodies {
		if b != bodies[0] || decode(t, "br", b) != string(data) {
			t.Fatalf("response %d differs", i)
		}
	}
	// Only the compression reads the file, once, however many wait.
	if got := reads.Load(); got != one {
		t.Errorf("16 concurrent requests made %d reads, one request %d", got, one)
	}
}

// heldFS holds the reads of one file until release is closed, and says
// when the first has begun (reading).
type heldFS struct {
	fs.FS
	name             string
	reading, release chan struct{}
	once             *sync.Once
}

func (h heldFS) Open(name string) (fs.File, error) {
	f, err := h.FS.Open(name)
	if err != nil || name != h.name {
		return f, err
	}
	return heldFile{f, h}, nil
}

type heldFile struct {
	fs.File
	h heldFS
}

func (f heldFile) Read(p []byte) (int, error) {
	f.h.once.Do(func() { close(f.h.reading) })
	<-f.h.release
	return f.File.Read(p)
}

func (f heldFile) Seek(offset int64, whence int) (int64, error) {
	return f.File.(io.Seeker).Seek(offset, whence)
}

// TestCompressBudget: while a br compression of a 100 KiB file holds
// 800 KiB of a 1100 KiB CompressBudget, another file asked for with br
// (800 KiB more) is sent as it is, at once, and one asked for with gzip
// (200 KiB) is compressed, and a listing of 50 KiB (400 KiB with br) is
// sent as it is; once the first is done, br is back. The log
// says so once when the budget is first passed and once when a
// compression fits again.
func TestCompressBudget(t *testing.T) {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	a, b := jsText(100<<10), jsText(100<<10+1)
	tree := fstest.MapFS{"a.js": {Data: a, ModTime: mtime}, "b.js": {Data: b, ModTime: mtime}}
	for i := range 700 { // a listing page of some 50 KiB: 400 KiB with br
		tree[fmt.Sprintf("d/file-%06d.txt", i)] = &fstest.MapFile{ModTime: mtime}
	}
	fsys := heldFS{
		FS:      tree,
		name:    "a.js",
		reading: make(chan struct{}), release: make(chan struct{}), once: new(sync.Once),
	}
	var log syncbuf.Buffer
	h := mustNew(t, fsys, fileserver.Options{Compress: true, CompressBudget: 1100 << 10, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	first := make(chan response, 1)
	go func() { first <- serve(t, h, "GET", "/a.js", map[string]string{"Accept-Encoding": "br"}) }()
	<-fsys.reading

	got := serve(t, h, "GET", "/b.js", map[string]string{"Accept-Encoding": "br"})
	if got.status != 200 || got.header.Get("Content-Encoding") != "" || got.body != string(b) || got.header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("b.js with br past the budget: %d, Content-Encoding %q, Vary %q, %d bytes; want 200, the file as it is, Vary: Accept-Encoding",
			got.status, got.header.Get("Content-Encoding"), got.header.Get("Vary"), len(got.body))
	}
	got = serve(t, h, "GET", "/b.js", map[string]string{"Accept-Encoding": "gzip"})
	if got.status != 200 || got.header.Get("Content-Encoding") != "gzip" || decode(t, "gzip", got.body) != string(b) {
		t.Errorf("b.js with gzip, which fits: %d, Content-Encoding %q", got.status, got.header.Get("Content-Encoding"))
	}

	got = serve(t, h, "GET", "/d/", map[string]string{"Accept-Encoding": "br"})
	if got.status != 200 || got.header.Get("Content-Encoding") != "" || !strings.Contains(got.body, "file-000699.txt") {
		t.Errorf("a listing with br past the budget: %d, Content-Encoding %q; want 200 and the page as it is", got.status, got.header.Get("Content-Encoding"))
	}

	close(fsys.release)
	if got := <-first; got.status != 200 || got.header.Get("Content-Encoding") != "br" || decode(t, "br", got.body) != string(a) {
		t.Errorf("a.js with br: %d, Content-Encoding %q", got.status, got.header.Get("Content-Encoding"))
	}
	got = serve(t, h, "GET", "/b.js", map[string]string{"Accept-Encoding": "br"})
	if got.status != 200 || got.header.Get("Content-Encoding") != "br" || decode(t, "br", got.body) != string(b) {
		t.Errorf("b.js with br once the budget has room: %d, Content-Encoding %q", got.status, got.header.Get("Content-Encoding"))
	}
	got = serve(t, h, "GET", "/d/", map[string]string{"Accept-Encoding": "br"})
	if got.status != 200 || got.header.Get("Content-Encoding") != "br" || !strings.Contains(decode(t, "br", got.body), "file-000699.txt") {
		t.Errorf("a listing with br once the budget has room: %d, Content-Encoding %q", got.status, got.header.Get("Content-Encoding"))
	}
	const what = `fileserver: compressions in flight at Options.CompressBudget, sending files as they are`
	for _, line := range []string{
		what + `" err="compressions in flight hold 819200 bytes, 819208 more would pass Options.CompressBudget (1126400)" failures=1`,
		what + `: recovered" failures=0`,
	} {
		if n := strings.Count(log.String(), line); n != 1 {
			t.Errorf("%d log lines %q, want 1; the log:\n%s", n, line, log.String())
		}
	}
}

package fileserver_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// archiveTree writes, under base/root, a tree with hostile names, links in
// and out of it, a link loop and a FIFO, and base/outside/secret.txt; it
// returns the root. Every file has content of its own.
func archiveTree(t *testing.T, base string) string {
	t.Helper()
	root := filepath.Join(base, "root")
	big := make([]byte, 300<<10) // more than one buffer of every stage
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.IntN(16)) // compressible, but not trivially
	}
	files := map[string]string{
		"outside/secret.txt":       "SECRET\n",
		"root/a.txt":               "alpha\n",
		"root/big.bin":             string(big),
		"root/private.txt":         "mine\n",
		"root/sub/b.txt":           "bravo\n",
		"root/sub/deep/c.txt":      "charlie\n",
		"root/new\nline.txt":       "newline\n",
		"root/quo\"te'.txt":        "quotes\n",
		"root/..a":                 "dot dot a\n",
		"root/...":                 "three dots\n",
		"root/a..b":                "a dot dot b\n",
		"root/\xff\xfe.txt":        "not utf-8\n",
		"root/sp ace & %41.txt":    "space\n",
		"root/\u00e9t\u00e9.txt":   "summer\n",
		"root/photo.jpg":           "not really a jpeg\n",
		"root/sub/deep/empty.txt":  "",
		"root/sub/\u2028sep.txt":   "line separator\n",
		"root/sub/tab\tname.txt":   "tab\n",
		"root/sub/esc\x1b[31m.txt": "escape\n",
		// Over tar's 100 bytes, and not UTF-8: only GNU tar's long
		// names hold it; and a path of over 256 bytes.
		"root/" + strings.Repeat("long-", 40) + "\xff.txt":                                "long\n",
		"root/" + strings.Repeat("d", 200) + "/" + strings.Repeat("\u00e9", 100) + ".txt": "deep\n",
	}
	for name, content := range files {
		p := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "private.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"in.txt":   "a.txt",
		"indir":    "sub",
		"out.txt":  "../outside/secret.txt",
		"outdir":   "../outside",
		"sub/loop": "..", // the root again: a loop
		"selfloop": "selfloop",
		"dangling": "missing",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// wantArchiveTree is what an archive of archiveTree's root holds under each
// policy, as readTree gives it, under the directory "root".
func wantArchiveTree(t *testing.T, root string, policy fileserver.SymlinkPolicy) map[string]string {
	t.Helper()
	want := readTree(t, root)
	for name := range want {
		if name == "pipe" || strings.HasPrefix(want[name], "link ") {
			delete(want, name)
		}
	}
	if policy != fileserver.SymlinksNever {
		want["in.txt"] = want["a.txt"]
		for name, v := range readTree(t, filepath.Join(root, "sub")) {
			if !strings.HasPrefix(v, "link ") {
				want["indir/"+name] = v
			}
		}
		want["indir"] = "dir"
	}
	if policy == fileserver.SymlinksFollow {
		want["out.txt"] = "file 644 SECRET\n"
		want["outdir"] = "dir"
		want["outdir/secret.txt"] = "file 644 SECRET\n"
	}
	out := map[string]string{"root": "dir"}
	for name, v := range want {
		out["root/"+name] = v
	}
	return out
}

// readTree describes the tree under dir by name: "dir", "file MODE
// CONTENT" or "link TARGET" (the content is compared byte for byte).
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			tree[rel] = "dir"
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			tree[rel] = "link " + target
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			tree[rel] = "file " + strings.TrimPrefix(fi.Mode().Perm().String(), "-") + " " + string(b)
		default:
			tree[rel] = "other"
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Modes as octal digits, the way the want side writes them.
	for k, v := range tree {
		if rest, ok := strings.CutPrefix(v, "file "); ok {
			perm, content, _ := strings.Cut(rest, " ")
			tree[k] = "file " + octalPerm(perm) + " " + content
		}
	}
	return tree
}

// octalPerm turns "rw-r--r--" into "644".
func octalPerm(s string) string {
	var b [3]byte
	for i := range 3 {
		n := 0
		for j, bit := range []int{4, 2, 1} {
			if s[i*3+j] != '-' {
				n += bit
			}
		}
		b[i] = byte('0' + n)
	}
	return string(b[:])
}

// extract unpacks an archive with the system's unzip or tar into a new
// directory, which it returns, and fails the test if the tool complains.
func extract(t *testing.T, format string, body []byte) string {
	t.Helper()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "archive")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	var cmd *exec.Cmd
	switch format {
	case "zip":
		needTool(t, "unzip")
		// -^: keep control characters in names (unzip drops them by
		// default), to compare the names byte for byte.
		cmd = exec.Command("unzip", "-q", "-^", file, "-d", out)
	case "tar.gz":
		needTool(t, "tar")
		cmd = exec.Command("tar", "-xzf", file, "-C", out)
	case "tar.zst":
		needTool(t, "tar")
		needTool(t, "zstd")
		cmd = exec.Command("tar", "-I", "zstd", "-xf", file, "-C", out)
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if msg, err := cmd.CombinedOutput(); err != nil || len(msg) > 0 {
		t.Fatalf("%s: %v\n%s", cmd, err, msg)
	}
	return out
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (.ci/run installs it)", name)
	}
}

// diffTrees reports the names whose description differs.
func diffTrees(t *testing.T, got, want map[string]string) {
	t.Helper()
	var names []string
	for k := range got {
		names = append(names, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		g, gok := got[k]
		w, wok := want[k]
		switch {
		case !gok:
			t.Errorf("%q: missing from the archive, want %.40q", k, w)
		case !wok:
			t.Errorf("%q: in the archive (%.40q), want it left out", k, g)
		case g != w:
			t.Errorf("%q: got %.40q, want %.40q", k, g, w)
		}
	}
}

// logRecorder is a slog.Handler that keeps the records.
type logRecorder struct {
	mu   sync.Mutex
	recs []string // "LEVEL msg name=... err=..."
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, b.String())
	l.mu.Unlock()
	return nil
}

// find returns the records holding all of parts.
func (l *logRecorder) find(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.recs {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(r, p)
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

func newArchiveServer(t *testing.T, root string, policy fileserver.SymlinkPolicy, opts fileserver.Options) (*httptest.Server, *fileserver.Handler, *logRecorder) {
	t.Helper()
	logs := &logRecorder{}
	opts.Archive = true
	opts.Logger = slog.New(logs)
	h, err := fileserver.NewDir(root, policy, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h, logs
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp, body
}

// TestArchiveExtracted downloads the tree in each format under each
// symlink policy, unpacks it with the system's unzip or tar, and compares
// what comes out with the tree, byte for byte and mode for mode: hostile
// names come out as they are, links as the policy allows a request to
// follow them (a loop and a link out of the tree left out where a request
// could not follow it), the FIFO left out.
func TestArchiveExtracted(t *testing.T) {
	base := t.TempDir()
	root := archiveTree(t, base)
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		srv, _, logs := newArchiveServer(t, root, policy, fileserver.Options{})
		want := wantArchiveTree(t, root, policy)
		for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
			t.Run(policy.String()+"/"+format, func(t *testing.T) {
				resp, body := get(t, srv.URL+"/?download="+format)
				if resp.StatusCode != 200 {
					t.Fatalf("status = %d, want 200", resp.StatusCode)
				}
				diffTrees(t, readTree(t, extract(t, format, body)), want)
			})
		}
		if got := logs.find("left out of archive", "sub/loop"); len(got) == 0 {
			t.Errorf("%v: no log line says sub/loop was left out", policy)
		}
	}
}

// TestArchiveSubdirectory downloads a directory below the root: its
// entries go under its own name, and its file name is that name.
func TestArchiveSubdirectory(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{"\u00e9t\u00e9 dir/x.txt": "x\n", "\u00e9t\u00e9 dir/in/y.txt": "y\n", "other.txt": "no\n"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(root, name), []byte(content), 0o644)
	}
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksNever, fileserver.Options{})
	resp, body := get(t, srv.URL+"/%C3%A9t%C3%A9%20dir/?download=tar.gz")
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="__t__ dir.tar.gz"; filename*=UTF-8''%C3%A9t%C3%A9%20dir.tar.gz`; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
	diffTrees(t, readTree(t, extract(t, "tar.gz", body)), map[string]string{
		"\u00e9t\u00e9 dir":          "dir",
		"\u00e9t\u00e9 dir/x.txt":    "file 644 x\n",
		"\u00e9t\u00e9 dir/in":       "dir",
		"\u00e9t\u00e9 dir/in/y.txt": "file 644 y\n",
	})
}

// TestArchiveHeaders checks the response to each query: the archives'
// headers, HEAD without a body, and queries that are not exactly an
// archive's, which get the listing as before.
func TestArchiveHeaders(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("a\n"), 0o644)
	os.Mkdir(filepath.Join(root, "d"), 0o755)
	os.WriteFile(filepath.Join(root, "d", "index.html"), []byte("<p>index</p>\n"), 0o644)
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{})
	tests := []struct {
		name, method, target string
		wantStatus           int
		wantType             string
		wantDisposition      string
		wantBody             string // prefix of the body
	}{
		{"zip", "GET", "/?download=zip", 200, "application/zip", `attachment; filename="root.zip"`, "PK\x03\x04"},
		{"tar.gz", "GET", "/?download=tar.gz", 200, "application/gzip", `attachment; filename="root.tar.gz"`, "\x1f\x8b"},
		{"tar.zst", "GET", "/?download=tar.zst", 200, "application/zstd", `attachment; filename="root.tar.zst"`, "\x28\xb5\x2f\xfd"},
		{"HEAD has no body", "HEAD", "/?download=zip", 200, "application/zip", `attachment; filename="root.zip"`, ""},
		// A directory with an index page is not listed, nor archived:
		// the query is ignored, as Python ignores it.
		{"index page", "GET", "/d/?download=zip", 200, "text/html", "", "<p>index</p>"},
		// Only the exact queries: anything else is the listing, or the index page.
		{"other query", "GET", "/?download=zip&x=1", 200, "text/html; charset=utf-8", "", "<!DOCTYPE HTML>"},
		{"unknown format", "GET", "/?download=rar", 200, "text/html; charset=utf-8", "", "<!DOCTYPE HTML>"},
		{"case", "GET", "/?Download=ZIP", 200, "text/html; charset=utf-8", "", "<!DOCTYPE HTML>"},
		{"index page, other query", "GET", "/d/?download=", 200, "text/html", "", "<p>index</p>"},
		// A file is a file, whatever the query.
		{"file", "GET", "/a.txt?download=zip", 200, "text/plain", "", "a\n"},
		// A directory without its slash is redirected, the query kept.
		{"no slash", "GET", "/d?download=zip", 301, "", "", ""},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.target, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: status = %d, want %d", tt.method, tt.target, resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := resp.Header.Get("Content-Disposition"); got != tt.wantDisposition {
				t.Errorf("Content-Disposition = %q, want %q", got, tt.wantDisposition)
			}
			if tt.wantStatus == 301 {
				if got, want := resp.Header.Get("Location"), "/d/?download=zip"; got != want {
					t.Errorf("Location = %q, want %q", got, want)
				}
			}
			if tt.wantDisposition != "" && resp.ContentLength != -1 {
				t.Errorf("Content-Length = %d, want none (the size is not known)", resp.ContentLength)
			}
			if !strings.HasPrefix(string(body), tt.wantBody) || (tt.wantBody == "" && len(body) > 0) {
				t.Errorf("body starts %.20q, want %q", body, tt.wantBody)
			}
		})
	}
}

// TestArchiveIndexPage checks that a directory with an index page, which
// is never listed, gives away in no archive the names and files its page
// hides: a request for its own archive gets the page, and the archives
// of the directories above leave it out with all it holds (the zip
// comment names it), also where the page is a link the policy follows.
// A directory with an entry named like an index page that is not one (a
// directory, a link the policy refuses, a name not in IndexNames) is
// archived as before.
func TestArchiveIndexPage(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	for name, content := range map[string]string{
		"outside/page.html":             "<p>outside</p>\n",
		"root/a.txt":                    "a\n",
		"root/private/index.html":       "<p>nothing here</p>\n",
		"root/private/secret.txt":       "db password\n",
		"root/private/deep/more.txt":    "more\n",
		"root/linked/secret.txt":        "linked secret\n",
		"root/outlinked/secret.txt":     "outlinked secret\n",
		"root/home/index.htm":           "<p>home</p>\n",
		"root/home/secret.txt":          "home secret\n",
		"root/notpage/index.html/x.txt": "a directory named index.html\n",
		"root/other/index.txt":          "not an index page\n",
	} {
		mkdirs(t, filepath.Join(base, filepath.Dir(name)))
		writeFile(t, filepath.Join(base, name), content)
	}
	for link, target := range map[string]string{"linked/index.html": "../private/index.html", "outlinked/index.html": "../../outside/page.html"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	for _, policy := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		srv, _, _ := newArchiveServer(t, root, policy, fileserver.Options{})
		want := []string{"root", "root/a.txt", "root/notpage", "root/notpage/index.html", "root/notpage/index.html/x.txt", "root/other", "root/other/index.txt"}
		pages := []string{"home", "private"} // the directories with an index page
		switch policy {
		case fileserver.SymlinksFollow:
			pages = append(pages, "linked", "outlinked")
		case fileserver.SymlinksInside:
			pages = append(pages, "linked")
		}
		hidden := slices.Clone(pages) // the zip comment, in the walk's order
		switch policy {
		case fileserver.SymlinksInside:
			hidden = append(hidden, "outlinked/index.html") // the link refused
			want = append(want, "root/outlinked", "root/outlinked/secret.txt")
		case fileserver.SymlinksNever:
			hidden = append(hidden, "linked/index.html", "outlinked/index.html")
			want = append(want, "root/linked", "root/linked/secret.txt", "root/outlinked", "root/outlinked/secret.txt")
		}
		slices.Sort(want)
		slices.Sort(hidden)
		for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
			t.Run(policy.String()+"/"+format, func(t *testing.T) {
				resp, body := get(t, srv.URL+"/?download="+format)
				if resp.StatusCode != 200 {
					t.Fatalf("status = %d, want 200", resp.StatusCode)
				}
				tree := readTree(t, extract(t, format, body))
				if got := strings.Join(slices.Sorted(maps.Keys(tree)), " "); got != strings.Join(want, " ") {
					t.Errorf("archive holds\n%s\nwant\n%s", got, strings.Join(want, " "))
				}
				if format == "zip" {
					zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
					if err != nil {
						t.Fatal(err)
					}
					if got, want := zr.Comment, "simplehttp: left out of this archive:\n"+strings.Join(hidden, "\n"); got != want {
						t.Errorf("zip comment = %q, want %q", got, want)
					}
				}
				for _, dir := range pages {
					resp, body := get(t, srv.URL+"/"+dir+"/?download="+format)
					if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != "" || !bytes.HasPrefix(body, []byte("<p>")) {
						t.Errorf("/%s/?download=%s: %d, Content-Disposition %q, body %.30q; want 200 and the index page",
							dir, format, resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
					}
				}
			})
		}
	}
}

// TestArchiveListingLinks checks that the listing shows the three
// download buttons under its heading when archives are on, and nothing
// else changes.
func TestArchiveListingLinks(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("a\n"), 0o644)
	off, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	on, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{Archive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer on.Close()
	page := func(h http.Handler, target string) string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		return w.Body.String()
	}
	links := "<form method=\"get\"><p>Download: <button name=\"download\" value=\"zip\">zip</button> " +
		"<button name=\"download\" value=\"tar.gz\">tar.gz</button> " +
		"<button name=\"download\" value=\"tar.zst\">tar.zst</button></p></form>\n"
	want := strings.Replace(page(off, "/"), "</h1>\n<hr>\n", "</h1>\n"+links+"<hr>\n", 1)
	if got := page(on, "/"); got != want {
		t.Errorf("listing with Archive:\n%s\nwant:\n%s", got, want)
	}
	// Without Archive, the query changes nothing.
	if got, want := page(off, "/?download=zip"), page(off, "/"); got != want {
		t.Errorf("listing of /?download=zip without Archive:\n%s\nwant:\n%s", got, want)
	}
}

// TestArchiveOptions checks the options New refuses.
func TestArchiveOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts fileserver.Options
	}{
		{"with DisableListing", fileserver.Options{Archive: true, DisableListing: true}},
		{"negative bytes", fileserver.Options{Archive: true, ArchiveMaxBytes: -1}},
		{"negative entries", fileserver.Options{Archive: true, ArchiveMaxEntries: -1}},
		{"limit without Archive", fileserver.Options{ArchiveMaxBytes: 1 << 20}},
		{"budget without Archive", fileserver.Options{ArchiveBudget: 1 << 20}},
		{"excluded directories without Archive or Upload", fileserver.Options{ExcludeDirs: []string{"/cgi-bin"}}},
		{"excluded directory not clean", fileserver.Options{Archive: true, ExcludeDirs: []string{"/cgi-bin/"}}},
		{"excluded directory relative", fileserver.Options{Archive: true, ExcludeDirs: []string{"cgi-bin"}}},
		// A Fallback in a directory the handler in front runs would
		// send a script's source for every route.
		{"Fallback in an excluded directory", fileserver.Options{Archive: true, ExcludeDirs: []string{"/cgi-bin"}, Fallback: "cgi-bin/app.py"}},
		{"Fallback in an excluded directory, another case", fileserver.Options{Archive: true, ExcludeDirs: []string{"/htbin", "/cgi-bin"}, Fallback: "CGI-BIN/app.py"}},
		{"Fallback below an excluded directory", fileserver.Options{Archive: true, ExcludeDirs: []string{"/cgi-bin"}, Fallback: "cgi-bin/app/index.py"}},
	} {
		if _, err := fileserver.New(os.DirFS("."), tt.opts); err == nil {
			t.Errorf("%s: New returned no error", tt.name)
		}
	}
	// A Fallback beside the excluded directories, or in one whose name
	// only begins like theirs, is taken.
	for _, fallback := range []string{"index.html", "app/index.html", "cgi-bin-docs/index.html", "cgi-bin.html"} {
		if _, err := fileserver.New(os.DirFS("."), fileserver.Options{Archive: true, ExcludeDirs: []string{"/cgi-bin"}, Fallback: fallback}); err != nil {
			t.Errorf("Fallback %q beside ExcludeDirs: %v", fallback, err)
		}
	}
}

// TestArchiveExclude: the directories of Options.ExcludeDirs (the cgi
// middleware's, in the command) are not in any archive, in any letter
// case, not even by name, nor counted against the limits; an archive of
// an excluded directory itself is 404.
func TestArchiveExclude(t *testing.T) {
	root := t.TempDir()
	for name, content := range map[string]string{"a.txt": "a\n", "cgi-bin/run.sh": "#!/bin/sh\n# secret\n", "cgi-bin/sub/x.sh": "x", "Htbin/y.sh": "y", "docs/cgi-bin.txt": "not a script\n"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(root, name), []byte(content), 0o644)
	}
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{ExcludeDirs: []string{"/cgi-bin", "/htbin"}, ArchiveMaxBytes: int64(len("a\n") + len("not a script\n"))})
	want := "root root/a.txt root/docs root/docs/cgi-bin.txt"
	for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
		resp, body := get(t, srv.URL+"/?download="+format)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d, want 200 (the scripts count against no limit)", format, resp.StatusCode)
		}
		tree := readTree(t, extract(t, format, body))
		if got := strings.Join(slices.Sorted(maps.Keys(tree)), " "); got != want || tree["root/a.txt"] != "file 644 a\n" {
			t.Errorf("%s: archive holds %s (a.txt %q), want %s", format, got, tree["root/a.txt"], want)
		}
		if format == "zip" && (bytes.Contains(body, []byte("cgi-bin/")) || bytes.Contains(body, []byte("Htbin"))) {
			t.Errorf("zip: the excluded directory is named in the archive")
		}
	}
	if resp, _ := get(t, srv.URL+"/cgi-bin/?download=zip"); resp.StatusCode != 404 {
		t.Errorf("archive of the excluded directory: %d, want 404", resp.StatusCode)
	}
}

// TestExcludeDirsFoldedLonger: ExcludeDirs are compared ignoring case
// in Unicode's sense, as the cgi middleware compares its directories,
// also where the other case takes more bytes: "ſ" (U+017F) is an "s" in
// another case, and a case-insensitive file system (macOS, Windows)
// opens /scripts for /ſcripts. Neither its archive nor an upload into
// it is taken.
func TestExcludeDirsFoldedLonger(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "\u017fcripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{ExcludeDirs: []string{"/scripts"}, Archive: true, Upload: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/%C5%BFcripts/?download=zip", nil))
	if w.Code != 404 {
		t.Errorf("archive of /\u017fcripts/: %d, want 404", w.Code)
	}
	if w := upReq(h, "PUT", "/%C5%BFcripts/x.sh", []byte("x"), false); w.Code != 403 {
		t.Errorf("PUT /\u017fcripts/x.sh: %d, want 403", w.Code)
	}
}

// TestArchiveLimits checks that a tree over a limit is refused with 403
// before anything is sent, and that one just within it is sent whole.
func TestArchiveLimits(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		os.WriteFile(filepath.Join(root, name), bytes.Repeat([]byte(name), 100), 0o644)
	}
	// 4 entries (the directory and three files), 300 bytes.
	tests := []struct {
		name       string
		opts       fileserver.Options
		wantStatus int
	}{
		{"entries within", fileserver.Options{ArchiveMaxEntries: 4}, 200},
		{"entries over", fileserver.Options{ArchiveMaxEntries: 3}, 403},
		{"bytes within", fileserver.Options{ArchiveMaxBytes: 300}, 200},
		{"bytes over", fileserver.Options{ArchiveMaxBytes: 299}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, logs := newArchiveServer(t, root, fileserver.SymlinksFollow, tt.opts)
			for _, method := range []string{"GET", "HEAD"} {
				req, _ := http.NewRequest(method, srv.URL+"/?download=zip", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("%s: status = %d, want %d", method, resp.StatusCode, tt.wantStatus)
				}
				if tt.wantStatus == 403 {
					if method == "GET" && !strings.Contains(string(body), "<p>Message: Archive too large.</p>") {
						t.Errorf("body = %q, want Python's error page with \"Archive too large\"", body)
					}
					if resp.Header.Get("Content-Disposition") != "" {
						t.Errorf("Content-Disposition on a 403")
					}
				}
			}
			if tt.wantStatus == 403 && len(logs.find("INFO fileserver: archive refused")) == 0 {
				t.Errorf("no log line says the archive was refused")
			}
		})
	}
}

// TestArchiveVanished removes a file while the archive is made, before
// its turn: it is left out, the zip comment names it, and so does the log.
func TestArchiveVanished(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		os.WriteFile(filepath.Join(root, name), []byte(name), 0o644)
	}
	srv, h, logs := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{})
	fileserver.SetArchiveHook(h, func(_ context.Context, name string) {
		if name == "root/a.txt" {
			os.Remove(filepath.Join(root, "b.txt"))
		}
	})
	resp, body := get(t, srv.URL+"/?download=zip")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	zr, names := readZipNames(t, body)
	if want := []string{"root/", "root/a.txt", "root/c.txt"}; !slices.Equal(names, want) {
		t.Errorf("entries = %q, want %q", names, want)
	}
	if want := "simplehttp: left out of this archive:\nb.txt"; zr.Comment != want {
		t.Errorf("comment = %q, want %q", zr.Comment, want)
	}
	if len(logs.find("WARN fileserver: left out of archive", "name=b.txt")) == 0 {
		t.Errorf("no warning names b.txt; log: %q", logs.find(""))
	}
}

// TestArchiveShrank truncates a file after the archive has taken its size:
// the archive cannot be made right, so the response is cut and the client
// sees an incomplete download in every format, and the log says why.
func TestArchiveShrank(t *testing.T) {
	for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
		t.Run(format, func(t *testing.T) {
			root := t.TempDir()
			os.WriteFile(filepath.Join(root, "a.txt"), []byte("a\n"), 0o644)
			os.WriteFile(filepath.Join(root, "b.txt"), bytes.Repeat([]byte("b"), 1000), 0o644)
			srv, h, logs := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{})
			fileserver.SetArchiveHook(h, func(_ context.Context, name string) {
				if name == "root/b.txt" {
					os.Truncate(filepath.Join(root, "b.txt"), 10)
				}
			})
			resp, err := http.Get(srv.URL + "/?download=" + format)
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("reading the body: err = %v, want an unexpected EOF (a cut response)", err)
			}
			srv.Close() // waits for the handler
			if len(logs.find("WARN fileserver: archive aborted", "file shrank")) == 0 {
				t.Errorf("no log line says the archive was aborted; log: %q", logs.find(""))
			}
		})
	}
}

// TestArchiveFileGrew appends to a file after the archive has taken its
// size: in every format the file is archived as it was then, cut at that
// size with a CRC and sizes that match, and the archive is whole
// (unzip and tar check them).
func TestArchiveFileGrew(t *testing.T) {
	for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
		t.Run(format, func(t *testing.T) {
			root := t.TempDir()
			b := bytes.Repeat([]byte("b"), 1000)
			os.WriteFile(filepath.Join(root, "b.txt"), b, 0o644)
			os.WriteFile(filepath.Join(root, "c.txt"), []byte("c\n"), 0o644)
			srv, h, _ := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{})
			fileserver.SetArchiveHook(h, func(_ context.Context, name string) {
				if name == "root/b.txt" {
					f, _ := os.OpenFile(filepath.Join(root, "b.txt"), os.O_APPEND|os.O_WRONLY, 0)
					f.Write(bytes.Repeat([]byte("more"), 1<<14))
					f.Close()
				}
			})
			resp, body := get(t, srv.URL+"/?download="+format)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			want := map[string]string{"root": "dir", "root/b.txt": "file 644 " + string(b), "root/c.txt": "file 644 c\n"}
			diffTrees(t, readTree(t, extract(t, format, body)), want)
		})
	}
}

// TestArchiveGrewPastLimit adds files after the count: the tree is over
// the limit by the time the walk gets there, and the response is cut.
func TestArchiveGrewPastLimit(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "d"), 0o755)
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("a\n"), 0o644)
	srv, h, logs := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{ArchiveMaxEntries: 3})
	fileserver.SetArchiveHook(h, func(_ context.Context, name string) {
		if name == "root/a.txt" {
			os.WriteFile(filepath.Join(root, "d", "x.txt"), []byte("x\n"), 0o644)
		}
	})
	resp, err := http.Get(srv.URL + "/?download=tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("status %d, reading the body: err = %v; want 200 and a cut response", resp.StatusCode, err)
	}
	srv.Close()
	if len(logs.find("WARN fileserver: archive aborted", "more than 3 entries")) == 0 {
		t.Errorf("no log line says the archive was aborted; log: %q", logs.find(""))
	}
}

// TestArchiveDisconnect has the client go away while the archive is made:
// the walk stops at once, before the next entry, and says so in the log.
func TestArchiveDisconnect(t *testing.T) {
	root := t.TempDir()
	for i := range 20 {
		os.WriteFile(filepath.Join(root, string(rune('a'+i))+".txt"), bytes.Repeat([]byte{byte('a' + i)}, 10000), 0o644)
	}
	logs := &logRecorder{}
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{Archive: true, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var mu sync.Mutex
	var seen []string
	reached := make(chan struct{})
	fileserver.SetArchiveHook(h, func(ctx context.Context, name string) {
		mu.Lock()
		seen = append(seen, name)
		n := len(seen)
		mu.Unlock()
		if n == 3 {
			close(reached)
			<-ctx.Done() // until the server notices the client has gone
		}
	})
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/?download=tar.gz", nil)
	go func() {
		<-reached
		cancel() // closes the connection
	}()
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"root/", "root/a.txt", "root/b.txt"}; !slices.Equal(seen, want) {
		t.Errorf("entries written = %q, want %q and no more", seen, want)
	}
	if len(logs.find("DEBUG fileserver: archive stopped", "entries=3", "context canceled")) == 0 {
		t.Errorf("no log line says the archive stopped; log: %q", logs.find(""))
	}
}

// TestArchiveHalfClosed: a client that half-closes its side after the
// request (net/http then ends the request's context, as when a client
// goes away) stops the archive, and the connection is cut: before the
// download began, where net/http sent an empty 200 for the handler that
// wrote nothing; and once it had begun, where the handler's return ended
// the chunked body, so that the client read a complete-looking response
// holding part of an archive.
func TestArchiveHalfClosed(t *testing.T) {
	root := t.TempDir()
	for i := range 20 {
		os.WriteFile(filepath.Join(root, string(rune('a'+i))+".txt"), bytes.Repeat([]byte{byte('a' + i)}, 10000), 0o644)
	}
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{Archive: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	t.Run("before", func(t *testing.T) {
		done, cancel := context.WithCancel(context.Background())
		cancel()
		w := httptest.NewRecorder()
		var got any
		func() {
			defer func() { got = recover() }()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/?download=zip", nil).WithContext(done))
		}()
		if got != http.ErrAbortHandler { //nolint:errorlint // net/http compares it so
			t.Errorf("context done before the count: handler returned (panic %v) with %d and %d bytes; want it to panic with http.ErrAbortHandler",
				got, w.Code, w.Body.Len())
		}
	})

	t.Run("during", func(t *testing.T) {
		var entries atomic.Int32
		fileserver.SetArchiveHook(h, func(ctx context.Context, name string) {
			if entries.Add(1) == 3 {
				<-ctx.Done() // until net/http has read the client's EOF
			}
		})
		defer fileserver.SetArchiveHook(h, nil)
		srv := httptest.NewServer(h)
		defer srv.Close()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /?download=tar.gz HTTP/1.1\r\nHost: x\r\n\r\n")
		// The header is sent before the first entry; half-closed only
		// then, the client stops the archive and not its count.
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		conn.(*net.TCPConn).CloseWrite()
		_, err = io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("half-closed client: status %d, reading the body: err = %v; want 200 and a cut response", resp.StatusCode, err)
		}
	})
}

// TestArchiveBudget: while a tar.zst download holds 3 MiB of a 4 MiB
// ArchiveBudget (its client not reading; and 4 KiB for the entries of
// the two trees), a second tar.zst gets 503 with Retry-After, a zip
// (1 MiB) and a HEAD (nothing) are served; once the
// first is over, a tar.zst is served again. The log says so once when
// it begins and once when it ends.
func TestArchiveBudget(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("alpha\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, h, logs := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{ArchiveBudget: 4<<20 + 4<<10})
	reached, hold := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	fileserver.SetArchiveHook(h, func(ctx context.Context, name string) {
		if held.CompareAndSwap(false, true) { // the first archive's first entry
			close(reached)
			<-hold
		}
	})
	type result struct {
		status int
		body   []byte
		err    error
	}
	first := make(chan result, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/?download=tar.zst")
		if err != nil {
			first <- result{err: err}
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		first <- result{resp.StatusCode, body, err}
	}()
	<-reached

	resp, body := get(t, srv.URL+"/?download=tar.zst")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" || resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("a second tar.zst: %s, Retry-After %q, Content-Disposition %q; want 503, 1 and none",
			resp.Status, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Disposition"))
	}
	if !strings.Contains(string(body), "<p>Message: Service Unavailable.</p>") {
		t.Errorf("503 body = %q, want Python's error page", body)
	}
	resp, body = get(t, srv.URL+"/?download=zip")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a zip, which fits: %s", resp.Status)
	}
	if zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err != nil || len(zr.File) != 2 {
		t.Errorf("the zip: %v, want root/ and root/a.txt", err)
	}
	req, _ := http.NewRequest("HEAD", srv.URL+"/?download=tar.zst", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD of a tar.zst: %v %v, want 200", resp, err)
	}

	close(hold)
	if r := <-first; r.err != nil || r.status != http.StatusOK || !bytes.HasPrefix(r.body, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Fatalf("the first tar.zst: %d, %d bytes, %v; want 200 and a zstd frame", r.status, len(r.body), r.err)
	}
	if resp, body := get(t, srv.URL+"/?download=tar.zst"); resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Errorf("a tar.zst once the first is over: %s, want 200 and a zstd frame", resp.Status)
	}
	const shortage = "fileserver: archives in flight at Options.ArchiveBudget, answering 503"
	if got := logs.find("WARN "+shortage, "archives in flight hold 3145829 bytes, 3145829 more would pass Options.ArchiveBudget (4198400)", "failures=1"); len(got) != 1 {
		t.Errorf("log lines about the budget: %q, want one", logs.find(shortage))
	}
	if got := logs.find("INFO "+shortage+": recovered", "failures=0"); len(got) != 1 {
		t.Errorf("log lines about the end: %q, want one", got)
	}
}

// TestArchiveBudgetEntries: an archive holds the entries of the
// directories it is in while its client does not read, and a zip file
// those of all it has sent, hundreds of bytes each: a download of a
// directory of 3,000 files counts them against ArchiveBudget, so that a
// second one no longer fits where two compressors alone would.
func TestArchiveBudgetEntries(t *testing.T) {
	root := t.TempDir()
	for i := range 3000 {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("file-%05d.txt", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv, h, _ := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{ArchiveBudget: 2<<20 + 100<<10})
	reached, hold := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	t.Cleanup(release) // before the server's
	var held atomic.Bool
	fileserver.SetArchiveHook(h, func(ctx context.Context, name string) {
		if name == "root/file-02999.txt" && held.CompareAndSwap(false, true) {
			close(reached)
			<-hold
		}
	})
	first := make(chan error, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/?download=tar.gz")
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		first <- err
	}()
	<-reached
	for _, f := range []string{"tar.gz", "zip"} {
		if resp, _ := get(t, srv.URL+"/?download="+f); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("a %s of the 3,000 files while another holds them: %s, want 503", f, resp.Status)
		}
	}
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}

// TestArchiveBudgetCount: the count before an archive holds the entries
// of the directories it is in, also for a tree it then refuses as too
// large and for a HEAD; it charges them to the budget as it reads them,
// so that requests for the archive of a large directory, sent over and
// over, cannot hold memory past it. Alone, a count always fits.
func TestArchiveBudgetCount(t *testing.T) {
	root := t.TempDir()
	for i := range 3000 {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("file-%05d.txt", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "small"), 0o755); err != nil {
		t.Fatal(err)
	}
	// 3,000 entries of some 110 bytes: one count's worth, not two.
	srv, h, logs := newArchiveServer(t, root, fileserver.SymlinksFollow,
		fileserver.Options{ArchiveBudget: 500 << 10, ArchiveMaxEntries: 2000})
	reached, hold := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	t.Cleanup(release) // before the server's
	var held atomic.Bool
	fileserver.SetArchiveCountHook(h, func(ctx context.Context, name string) {
		if held.CompareAndSwap(false, true) {
			close(reached)
			<-hold
		}
	})
	first := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/?download=zip")
		if err != nil {
			first <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-reached
	for _, method := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(method, srv.URL+"/?download=tar.gz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s of a second archive of the 3,000 files while a count holds them: %s, Retry-After %q; want 503 and 1",
				method, resp.Status, resp.Header.Get("Retry-After"))
		}
	}
	release()
	if code := <-first; code != http.StatusForbidden {
		t.Errorf("the first archive, over ArchiveMaxEntries: %d, want 403", code)
	}
	if resp, _ := get(t, srv.URL+"/?download=tar.gz"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an archive once the count is over: %s, want 403", resp.Status)
	}
	const shortage = "fileserver: archives in flight at Options.ArchiveBudget, answering 503"
	if got := logs.find("WARN " + shortage); len(got) != 1 {
		t.Errorf("log lines about the budget: %q, want one", got)
	}
	// A count that fits ends the episode, for a HEAD too, which takes
	// nothing more.
	req, _ := http.NewRequest("HEAD", srv.URL+"/small/?download=zip", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD of a small archive once the count is over: %v %v", resp, err)
	}
	if got := logs.find("INFO " + shortage + ": recovered"); len(got) != 1 {
		t.Errorf("log lines about the budget's end: %q, want one", got)
	}

	// Alone, a count of a directory larger than the whole budget fits,
	// and so does its download.
	srv, _, _ = newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{ArchiveBudget: 1})
	if resp, body := get(t, srv.URL+"/?download=zip"); resp.StatusCode != http.StatusOK {
		t.Errorf("a lone zip of the 3,000 files under a budget of 1 byte: %s, want 200", resp.Status)
	} else if zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err != nil || len(zr.File) != 3002 {
		t.Errorf("the zip: %v, want root/, small/ and 3,000 files", err)
	}
}

// TestArchiveUploadTemp: with Upload on, the hidden files of uploads on
// their way (and of files an overwrite keeps aside) are neither listed
// nor served, and no archive holds them or their names either.
func TestArchiveUploadTemp(t *testing.T) {
	root := t.TempDir()
	temp := fileserver.TempPrefix + "0123456789abcdef"
	for name, content := range map[string]string{"a.txt": "a\n", temp: "half an upload", "sub/" + temp: "another"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(root, name), []byte(content), 0o644)
	}
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{Upload: true})
	if resp, _ := get(t, srv.URL+"/"+temp); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET of the temporary file: %s, want 404", resp.Status)
	}
	want := "root root/a.txt root/sub"
	for _, format := range []string{"zip", "tar.gz", "tar.zst"} {
		resp, body := get(t, srv.URL+"/?download="+format)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s, want 200", format, resp.Status)
		}
		tree := readTree(t, extract(t, format, body))
		if got := strings.Join(slices.Sorted(maps.Keys(tree)), " "); got != want {
			t.Errorf("%s: archive holds %s, want %s", format, got, want)
		}
		if format == "zip" && bytes.Contains(body, []byte(fileserver.TempPrefix)) {
			t.Errorf("zip: a temporary file is named in the archive")
		}
	}
}

// TestArchiveZipTimes: a zip entry's time is written twice, as an MS-DOS
// date (1980 to 2107; what Python's zipfile and Windows show) and as
// seconds since 1970 in 32 bits (what unzip shows). Times outside a
// range get its nearest end there rather than wrap around: a file of
// 1970 shows as of 1980, not of 2098, and keeps its exact time in the
// other field.
func TestArchiveZipTimes(t *testing.T) {
	root := t.TempDir()
	times := map[string]time.Time{
		"epoch.txt":  time.Unix(0, 0),
		"old.txt":    time.Date(1960, 6, 1, 12, 0, 0, 0, time.UTC),
		"future.txt": time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC),
		"now.txt":    time.Date(2020, 5, 17, 12, 34, 56, 0, time.UTC),
	}
	for name, mt := range times {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
		// A 32-bit time_t (linux/386, linux/arm) wraps 2200 around.
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(mt) {
			t.Skipf("%s: the system keeps no time of %v", name, mt)
		}
	}
	srv, _, _ := newArchiveServer(t, root, fileserver.SymlinksFollow, fileserver.Options{})
	_, body := get(t, srv.URL+"/?download=zip")
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	dos1980 := time.Date(1980, 1, 1, 0, 0, 0, 0, time.Local)
	last := time.Unix(1<<32-1, 0)
	want := map[string][2]time.Time{ // MS-DOS (local, to 2 s), extended
		"root/epoch.txt":  {dos1980, time.Unix(0, 0)},
		"root/old.txt":    {dos1980, time.Unix(0, 0)},
		"root/future.txt": {last.Add(-time.Second), last},
		"root/now.txt":    {times["now.txt"], times["now.txt"]},
	}
	for _, f := range zr.File {
		w, ok := want[f.Name]
		if !ok {
			continue
		}
		delete(want, f.Name)
		d, tm := int(f.ModifiedDate), int(f.ModifiedTime)
		dos := time.Date(d>>9+1980, time.Month(d>>5&15), d&31, tm>>11, tm>>5&63, tm&31*2, 0, time.Local)
		if !dos.Equal(w[0].In(time.Local)) || !f.Modified.Equal(w[1]) {
			t.Errorf("%s: MS-DOS time %v, extended %v; want %v and %v", f.Name, dos, f.Modified.UTC(), w[0].In(time.Local), w[1].UTC())
		}
	}
	if len(want) > 0 {
		t.Errorf("missing from the zip: %v", slices.Sorted(maps.Keys(want)))
	}
}

// emfileFS is an fs.FS whose Open of the names in fail fails as when the
// process has run out of file descriptors.
type emfileFS struct {
	fs.FS
	fail map[string]bool
}

func (f emfileFS) Open(name string) (fs.File, error) {
	if f.fail[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EMFILE}
	}
	return f.FS.Open(name)
}

// TestArchiveOverload: a file or directory that exists but cannot be
// opened for lack of file descriptors is not left out of a tar file that
// would look complete without it: before the first byte the answer is
// 503, as for a file; after it the response is cut.
func TestArchiveOverload(t *testing.T) {
	tree := fstest.MapFS{
		"a.txt":     {Data: []byte("alpha\n"), Mode: 0o644},
		"b.txt":     {Data: []byte("bravo\n"), Mode: 0o644},
		"sub/c.txt": {Data: []byte("charlie\n"), Mode: 0o644},
	}
	for _, name := range []string{"b.txt", "sub"} {
		for _, format := range []string{"tar.gz", "zip"} {
			h, err := fileserver.New(emfileFS{tree, map[string]bool{name: true}}, fileserver.Options{Archive: true, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			resp, err := http.Get(srv.URL + "/?download=" + format)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			srv.Close()
			if name == "sub" { // read by the count, before the first byte
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
					t.Errorf("sub out of descriptors, %s: %s, Retry-After %q; want 503, 1", format, resp.Status, resp.Header.Get("Retry-After"))
				}
			} else if resp.StatusCode != http.StatusOK || err == nil {
				t.Errorf("%s out of descriptors, %s: %s and %d bytes (%v), want 200 and a cut response", name, format, resp.Status, len(body), err)
			}
		}
	}
}

// TestArchiveOverloadLog: archives cut short for lack of file descriptors
// are logged as the files that get 503 for it are, once per episode, not
// with a warning per download: a server out of descriptors with many
// downloads in progress wrote a line for each.
func TestArchiveOverloadLog(t *testing.T) {
	tree := fstest.MapFS{
		"a.txt": {Data: []byte("alpha\n"), Mode: 0o644},
		"b.txt": {Data: []byte("bravo\n"), Mode: 0o644},
	}
	var log syncbuf.Buffer
	h, err := fileserver.New(emfileFS{tree, map[string]bool{"b.txt": true}}, fileserver.Options{Archive: true, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for range 3 {
		resp, err := http.Get(srv.URL + "/?download=tar.gz")
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err == nil {
			t.Fatalf("b.txt out of descriptors: %s (%v), want 200 and a cut response", resp.Status, err)
		}
	}
	srv.Close() // the handlers have returned
	var warns []string
	for _, l := range strings.Split(log.String(), "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			warns = append(warns, l)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], `msg="fileserver: out of file descriptors or memory, answering 503" err="open b.txt: too many open files" failures=1`) {
		t.Errorf("warnings for 3 archives cut short =\n%s\nwant the one line that says descriptors ran out\nwhole log:\n%s", strings.Join(warns, "\n"), log.String())
	}
}

// TestArchiveZipLongName downloads as a zip a tree of an fs.FS holding a
// file, and a directory, whose entry names are longer than the 65,535
// bytes a zip name can have (tar takes them, in PAX headers). The
// download aborted, cut short, for all the other files; they are now
// left out, named in the comment and logged, as any entry that cannot be
// archived, and the rest is sent whole.
func TestArchiveZipLongName(t *testing.T) {
	long := strings.Repeat("n", 1<<16)
	mt := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
	fsys := fstest.MapFS{
		"a.txt":              {Data: []byte("a\n"), ModTime: mt},
		long + ".txt":        {Data: []byte("long\n"), ModTime: mt},
		"d/" + long + "/x":   {Data: []byte("x\n"), ModTime: mt},
		"d/" + long + "/y/z": {Data: []byte("z\n"), ModTime: mt},
		"z.txt":              {Data: []byte("z\n"), ModTime: mt},
	}
	logs := &logRecorder{}
	h, err := fileserver.New(fsys, fileserver.Options{Archive: true, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/?download=zip")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, reading the body: %v", resp.StatusCode, err)
	}
	zr, names := readZipNames(t, body)
	if want := []string{"root/", "root/a.txt", "root/d/", "root/z.txt"}; !slices.Equal(names, want) {
		t.Errorf("entries = %q, want %q", names, want)
	}
	// Each name is longer than the comment can hold.
	if want := "simplehttp: left out of this archive:\n(and 2 more)"; zr.Comment != want {
		t.Errorf("comment = %.80q (%d bytes), want %q", zr.Comment, len(zr.Comment), want)
	}
	for _, name := range []string{long + ".txt", "d/" + long} {
		if len(logs.find("WARN fileserver: left out of archive", "name="+name+" ")) == 0 {
			t.Errorf("no warning names %.20q...", name)
		}
	}
}

// readZipNames opens the zip file body and returns its entries' names.
func readZipNames(t *testing.T, body []byte) (*zip.Reader, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return zr, names
}

// TestExcludeDirsOtherSpellings: ExcludeDirs are compared as a file
// system that ignores Unicode forms or characters that show as nothing
// may compare them: the casefold of older Linux kernels and HFS+ open
// /cgi-bin for /cgi\u200b-bin (a zero-width space), ZFS's formKC for
// /ｃｇｉ-bin. Here each spelling is a directory of its own, as such a
// file system would find it: neither its archive nor an upload into it
// is taken, nor is an upload form shown in its listing.
func TestExcludeDirsOtherSpellings(t *testing.T) {
	root := t.TempDir()
	spellings := []string{"cgi\u200b-bin", "\uff43gi-bin", "cgi-bin\u00ad", "\ufeffCGI-BIN", "\ufb01rst"}
	for _, d := range spellings {
		if err := os.WriteFile(filepath.Join(root, d+".txt"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, d, "run.sh"), []byte("#!/bin/sh\n# secret\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{ExcludeDirs: []string{"/cgi-bin", "/first"}, Archive: true, Upload: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	for _, d := range spellings {
		u := "/" + url.PathEscape(d) + "/"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", u+"?download=zip", nil))
		if w.Code != 404 || strings.Contains(w.Body.String(), "run.sh") {
			t.Errorf("archive of %s: %d, want 404", u, w.Code)
		}
		if w := upReq(h, "PUT", u+"x.sh", []byte("x"), false); w.Code != 403 || !strings.Contains(w.Body.String(), "Uploads into this directory are refused") {
			t.Errorf("PUT %sx.sh: %d %q, want 403", u, w.Code, w.Body.String())
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", u, nil))
		if w.Code != 200 || strings.Contains(w.Body.String(), "multipart/form-data") {
			t.Errorf("listing of %s: %d, upload form shown: %v", u, w.Code, strings.Contains(w.Body.String(), "multipart/form-data"))
		}
	}
	// The root's archive leaves them out, but not the files named alike.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/?download=zip", nil))
	if w.Code != 200 || strings.Contains(w.Body.String(), "run.sh") || !strings.Contains(w.Body.String(), spellings[0]+".txt") {
		t.Errorf("archive of the root: %d, holds a script: %v", w.Code, strings.Contains(w.Body.String(), "run.sh"))
	}
	if entries, _ := os.ReadDir(filepath.Join(root, spellings[0])); len(entries) != 1 {
		t.Errorf("%s holds %d entries, want only run.sh", spellings[0], len(entries))
	}
}

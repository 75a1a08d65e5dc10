package fileserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// sameListing serves path (HTML, GET and HEAD, twice each: the second from
// the cache when the first filled it) with cached and with disk, and fails
// unless status, headers and body are identical. It returns the body.
func sameListing(t *testing.T, cached, disk http.Handler, path string) string {
	t.Helper()
	for _, method := range []string{"GET", "HEAD"} {
		want := serve(t, disk, method, path, nil)
		for i := range 2 {
			got := serve(t, cached, method, path, nil)
			if got.status != want.status || got.body != want.body || !reflect.DeepEqual(got.header, want.header) {
				t.Fatalf("%s %s (#%d):\ncached: %d %v %q\ndisk:   %d %v %q", method, path, i+1,
					got.status, got.header, got.body, want.status, want.header, want.body)
			}
		}
	}
	return serve(t, cached, "GET", path, nil).body
}

// TestListingCache: a directory's HTML listing is kept, and whatever
// happens in the directory (entries added, removed, renamed, a file
// replaced by a directory), the next listing is exactly what a handler
// without cache sends. Directories holding symbolic links, and
// directories changed just before they are read, are not kept.
func TestListingCache(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	mkdirs(t, d)
	for _, n := range []string{"b.txt", "a.txt", "C.txt"} {
		writeFile(t, filepath.Join(d, n), "x")
	}
	cached, disk := cachedAndDisk(t, dir)

	step := func(what string, wantIn, wantOut []string) {
		t.Helper()
		body := sameListing(t, cached, disk, "/d/")
		for _, s := range wantIn {
			if !strings.Contains(body, s) {
				t.Fatalf("%s: listing lacks %q:\n%s", what, s, body)
			}
		}
		for _, s := range wantOut {
			if strings.Contains(body, s) {
				t.Fatalf("%s: listing still has %q:\n%s", what, s, body)
			}
		}
	}
	step("first read", []string{`<a href="a.txt">a.txt</a>`}, nil)
	if n, _ := fileserver.CacheStats(cached); n != 1 {
		t.Fatalf("cache holds %d entries after one listing, want 1", n)
	}

	writeFile(t, filepath.Join(d, "new.txt"), "")
	step("file added", []string{`<a href="new.txt">new.txt</a>`}, nil)
	if err := os.Remove(filepath.Join(d, "b.txt")); err != nil {
		t.Fatal(err)
	}
	step("file removed", nil, []string{"b.txt"})
	if err := os.Rename(filepath.Join(d, "a.txt"), filepath.Join(d, "z.txt")); err != nil {
		t.Fatal(err)
	}
	step("file renamed", []string{`<a href="z.txt">z.txt</a>`}, []string{"a.txt"})
	if err := os.Remove(filepath.Join(d, "new.txt")); err != nil {
		t.Fatal(err)
	}
	mkdirs(t, filepath.Join(d, "new.txt"))
	step("file replaced by a directory", []string{`<a href="new.txt/">new.txt/</a>`}, nil)
	writeFile(t, filepath.Join(d, "index.html"), "<p>index</p>")
	if got := serve(t, cached, "GET", "/d/", nil); got.body != "<p>index</p>" {
		t.Fatalf("index.html added: GET /d/ = %d %q, want the index page", got.status, got.body)
	}
	if err := os.Remove(filepath.Join(d, "index.html")); err != nil {
		t.Fatal(err)
	}
	step("index.html removed", []string{"z.txt"}, []string{"index.html"})

	// The title is the path the client asked for, whatever the mount.
	mounted := http.StripPrefix("/m", cached)
	if got, want := serve(t, mounted, "GET", "/m/d/", nil).body, serve(t, http.StripPrefix("/m", disk), "GET", "/m/d/", nil).body; got != want {
		t.Fatalf("under /m: cached listing\n%s\nwant\n%s", got, want)
	}

	// JSON shows sizes, which change without the directory: never kept.
	writeFile(t, filepath.Join(d, "z.txt"), "12345")
	var doc struct {
		Entries []struct {
			Name string `json:"name"`
			Size int64  `json:"size"`
		} `json:"entries"`
	}
	got := serve(t, cached, "GET", "/d/", map[string]string{"Accept": "application/json"})
	if err := json.Unmarshal([]byte(got.body), &doc); err != nil {
		t.Fatalf("JSON listing: %v\n%s", err, got.body)
	}
	for _, e := range doc.Entries {
		if e.Name == "z.txt" && e.Size != 5 {
			t.Fatalf("JSON listing: z.txt size %d, want 5", e.Size)
		}
	}
}

// TestListingCacheLinks: whether a link is listed as a directory depends
// on its target, which can change without the link's directory changing.
func TestListingCacheLinks(t *testing.T) {
	dir := t.TempDir()
	mkdirs(t, filepath.Join(dir, "links"), filepath.Join(dir, "targets"))
	target := filepath.Join(dir, "targets", "t")
	writeFile(t, target, "file")
	if err := os.Symlink("../targets/t", filepath.Join(dir, "links", "l")); err != nil {
		t.Fatal(err)
	}
	cached, disk := cachedAndDisk(t, dir)

	if body := sameListing(t, cached, disk, "/links/"); !strings.Contains(body, `<a href="l">l@</a>`) {
		t.Fatalf("link to a file: listing\n%s", body)
	}
	if err := os.Remove(target); err != nil {
		t.Fatal(err)
	}
	mkdirs(t, target)
	if body := sameListing(t, cached, disk, "/links/"); !strings.Contains(body, `<a href="l/">l@</a>`) {
		t.Fatalf("link to a directory now: listing\n%s", body)
	}
	if n, _ := fileserver.CacheStats(cached); n != 0 {
		t.Fatalf("cache holds %d entries, want none for a directory with a link", n)
	}
}

// TestListingCacheRecent: a directory changed less than 2 s before it is
// read is listed but not kept, so that a change in the same timestamp tick
// cannot go unseen.
func TestListingCacheRecent(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "x")
	h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got := serve(t, h, "GET", "/", nil); got.status != 200 || !strings.Contains(got.body, "a.txt") {
		t.Fatalf("GET / = %d %q", got.status, got.body)
	}
	if n, _ := fileserver.CacheStats(h); n != 0 {
		t.Fatalf("cache holds %d entries after listing a directory changed just now, want 0", n)
	}
}

func mkdirs(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestListingCacheBuffers: the lists kept in the cache stay intact while
// other lists are rendered: a small one (its buffer goes back to a pool
// and is rendered into again) and a big one (over 1 MiB, kept as
// rendered).
func TestListingCacheBuffers(t *testing.T) {
	dir := t.TempDir()
	pad := strings.Repeat("n", 100)
	for _, d := range []struct {
		name  string
		count int
	}{{"small1", 3}, {"small2", 5}, {"big1", 5000}, {"big2", 5200}} {
		mkdirs(t, filepath.Join(dir, d.name))
		for i := range d.count {
			writeFile(t, filepath.Join(dir, d.name, fmt.Sprintf("%s-%s-%05d", d.name, pad, i)), "")
		}
	}
	cached, disk := cachedAndDisk(t, dir)
	want := map[string]string{}
	for _, p := range []string{"/small1/", "/small2/", "/big1/", "/big2/"} {
		want[p] = sameListing(t, cached, disk, p)
	}
	if n := len(want["/big1/"]); n < 1<<20 {
		t.Fatalf("listing of big1 is %d bytes, want over 1 MiB", n)
	}
	if n, _ := fileserver.CacheStats(cached); n != 4 {
		t.Fatalf("cache holds %d entries, want the 4 listings", n)
	}
	for p, body := range want {
		if got := serve(t, cached, "GET", p, nil); got.body != body {
			t.Errorf("GET %s from the cache after other listings: body changed", p)
		}
	}
}

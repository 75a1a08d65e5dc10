package fileserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
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

// chunkFS hands out directories whose ReadDir(n) returns at most chunk
// entries a call, the last of them together with io.EOF, as an fs.FS may.
type chunkFS struct {
	fs.FS
	chunk int
}

func (c chunkFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if d, ok := f.(fs.ReadDirFile); ok {
		return &chunkDir{ReadDirFile: d, chunk: c.chunk}, nil
	}
	return f, nil
}

type chunkDir struct {
	fs.ReadDirFile
	chunk int
}

func (d *chunkDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		return d.ReadDirFile.ReadDir(n)
	}
	des, err := d.ReadDirFile.ReadDir(min(n, d.chunk))
	if err == nil && len(des) < min(n, d.chunk) {
		err = io.EOF // the last entries with io.EOF, not in a call of their own
	}
	return des, err
}

// TestListingLargeDirectory lists directories of more entries than one
// read takes, from disk and from an fs.FS whose reads return odd amounts
// (the last with io.EOF): every name once, in Python's order (by
// str.lower(), then by name), and the two pages alike.
func TestListingLargeDirectory(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "many")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	mapfs := fstest.MapFS{}
	var names []string
	for i := range 2500 {
		name := fmt.Sprintf("f%05d.txt", (i*7919)%2500)
		if i%3 == 0 {
			name = strings.ToUpper(name)
		}
		names = append(names, name)
		if err := os.WriteFile(filepath.Join(sub, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		mapfs["many/"+name] = &fstest.MapFile{}
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var want strings.Builder
	for _, n := range names {
		fmt.Fprintf(&want, "<li><a href=\"%s\">%s</a></li>\n", n, n)
	}

	disk, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	var pages []string
	for _, chunk := range []int{7, 1000, 1024, 5000} {
		h, err := fileserver.New(chunkFS{mapfs, chunk}, fileserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, serve(t, h, "GET", "/many/", nil).body)
		h.Close()
	}
	pages = append(pages, serve(t, disk, "GET", "/many/", nil).body)
	for i, page := range pages {
		start, end := strings.Index(page, "<ul>\n"), strings.Index(page, "</ul>")
		if start < 0 || end < start {
			t.Fatalf("page %d has no list:\n%.300s", i, page)
		}
		if got := page[start+len("<ul>\n") : end]; got != want.String() {
			t.Errorf("page %d: list of %d bytes differs from the %d expected; starts %.200q", i, len(got), want.Len(), got)
		}
		if page != pages[0] {
			t.Errorf("page %d differs from page 0", i)
		}
	}
}

// The JSON listing gives an entry without a modification time (embed.FS,
// a MapFS file without ModTime) "mtime": null, not year 1; and so one
// dated past the year 9999 or before the year 0, which RFC 3339 cannot
// write, while the rest of the listing is sent as usual, not a 500 for
// the whole directory.
func TestJSONListingWithoutMtime(t *testing.T) {
	entry := func(name, mtime string) string {
		return `{"name":"` + name + `","href":"` + name + `","type":"file","size":1,"mtime":` + mtime + `,"link":false}`
	}
	tests := []struct {
		name  string
		fsys  fstest.MapFS
		mtime []string // of the entries in order
	}{
		{"no time", fstest.MapFS{
			"a.txt": {Data: []byte("a")},
			"b.txt": {Data: []byte("b"), ModTime: time.Date(2024, 3, 5, 9, 7, 4, 0, time.UTC)},
		}, []string{"null", `"2024-03-05T09:07:04Z"`}},
		{"far dates", fstest.MapFS{
			"a.txt": {Data: []byte("a"), ModTime: time.Date(10001, 2, 4, 0, 0, 0, 0, time.UTC)},
			"b.txt": {Data: []byte("b"), ModTime: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
			"c.txt": {Data: []byte("c"), ModTime: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
			"d.txt": {Data: []byte("d"), ModTime: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
			// 10000-01-01 in UTC, which the listing writes.
			"e.txt": {Data: []byte("e"), ModTime: time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("", -2*3600))},
		}, []string{"null", "null", `"9999-12-31T23:59:59Z"`, `"0000-01-01T00:00:00Z"`, "null"}},
	}
	for _, tt := range tests {
		got := serve(t, mustNew(t, tt.fsys, fileserver.Options{}), "GET", "/", map[string]string{"Accept": "application/json"})
		var entries []string
		for i, m := range tt.mtime {
			entries = append(entries, entry(string(rune('a'+i))+".txt", m))
		}
		want := `{"path":"/","entries":[` + strings.Join(entries, ",") + "]}\n"
		if got.status != 200 || got.body != want {
			t.Errorf("%s: %d %s, want 200 %s", tt.name, got.status, got.body, want)
		}
	}
}

// TestJSONListingFromDisk: from a directory on disk, the JSON listing
// gives each entry as its own stat says, to the nanosecond, a link as
// what it leads to, with the many entries that are stat'ed in parallel
// as with few.
func TestJSONListingFromDisk(t *testing.T) {
	for _, extra := range []int{0, 2100} {
		dir := t.TempDir()
		mtime := time.Date(2024, 3, 5, 9, 7, 4, 123456789, time.UTC)
		os.WriteFile(filepath.Join(dir, "a.txt"), []byte("abc"), 0o644)
		os.Mkdir(filepath.Join(dir, "d"), 0o755)
		os.Symlink("a.txt", filepath.Join(dir, "l"))
		os.Symlink("nowhere", filepath.Join(dir, "broken"))
		fifo := mkfifo(filepath.Join(dir, "p"), 0o644) == nil
		for i := range extra {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("x%04d", i)), nil, 0o644)
		}
		// Times of their own, to the nanosecond.
		at := map[string]string{}
		for name, ns := range map[string]int{"a.txt": 5, "d": 2, "p": 1} {
			mt := mtime.Add(time.Duration(ns))
			os.Chtimes(filepath.Join(dir, name), mt, mt)
			at[name] = mt.Format(time.RFC3339Nano)
		}
		h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var got struct {
			Entries []struct {
				Name  string
				Type  string
				Size  int64
				Mtime *string
				Link  bool
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); w.Code != 200 || err != nil {
			t.Fatalf("%d %v\n%.300s", w.Code, err, w.Body)
		}
		want := map[string]string{
			"a.txt":  "file 3 " + at["a.txt"] + " false",
			"d":      "dir 0 " + at["d"] + " false",
			"l":      "file 3 " + at["a.txt"] + " true",
			"broken": "other 0 null true",
		}
		if fifo {
			want["p"] = "other 0 " + at["p"] + " false"
		}
		n := 0
		for _, e := range got.Entries {
			if strings.HasPrefix(e.Name, "x") {
				if e.Type != "file" || e.Mtime == nil {
					t.Errorf("%s: %s, mtime %v; want a file with its time", e.Name, e.Type, e.Mtime)
				}
				n++
				continue
			}
			mt := "null"
			if e.Mtime != nil {
				mt = *e.Mtime
			}
			if s := fmt.Sprintf("%s %d %s %v", e.Type, e.Size, mt, e.Link); s != want[e.Name] {
				t.Errorf("%d entries: %s: %s, want %s", extra, e.Name, s, want[e.Name])
			}
			delete(want, e.Name)
		}
		if len(want) != 0 || n != extra {
			t.Errorf("%d entries: missing %v; %d x files listed", extra, want, n)
		}
	}
}

// TestListingContextDone: a directory of more entries than the handler
// reads between looks at the request's context is listed in full even
// when that context is done. net/http ends it as soon as a client
// half-closes its side after the request, and such a client still reads
// the answer, as Python's and http.FileServer's listings give it; with
// the reading cut short it got a 200 with no body. The HTML, JSON and
// rich listings alike, from disk and from an fs.FS.
func TestListingContextDone(t *testing.T) {
	dir := t.TempDir()
	const n = 2500 // more than one look's worth and, for the rich listing, than its parallel stat's threshold
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.txt", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, style := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		for _, src := range []string{"dir", "fs"} {
			var h *fileserver.Handler
			var err error
			opts := fileserver.Options{Listing: style, DisableCache: true}
			if src == "dir" {
				h, err = fileserver.NewDir(dir, fileserver.SymlinksFollow, opts)
			} else {
				h, err = fileserver.New(os.DirFS(dir), opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, accept := range []string{"", "application/json"} {
				r := httptest.NewRequest("GET", "/", nil).WithContext(done)
				if accept != "" {
					r.Header.Set("Accept", accept)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				body := w.Body.String()
				last := fmt.Sprintf("f%04d.txt", n-1)
				if w.Code != 200 || w.Header().Get("Content-Length") != strconv.Itoa(len(body)) || !strings.Contains(body, last) {
					t.Errorf("%v listing from %s, Accept %q, context done: %d, Content-Length %q, %d bytes, has %s: %v; want 200 with every entry",
						style, src, accept, w.Code, w.Header().Get("Content-Length"), len(body), last, strings.Contains(body, last))
				}
			}
			h.Close()
		}
	}
}

// oddNamesFS renames entries of its directories as its ReadDir gives them:
// names that are not one element of a path, which no OS directory gives
// but an fs.FS of the application's may.
type oddNamesFS struct {
	fs.FS
	as map[string]string // a name it holds -> the name its ReadDir gives
}

func (o oddNamesFS) Open(name string) (fs.File, error) {
	f, err := o.FS.Open(name)
	if d, ok := f.(fs.ReadDirFile); ok && err == nil {
		return oddNamesDir{d, o.as}, nil
	}
	return f, err
}

type oddNamesDir struct {
	fs.ReadDirFile
	as map[string]string
}

func (d oddNamesDir) ReadDir(n int) ([]fs.DirEntry, error) {
	des, err := d.ReadDirFile.ReadDir(n)
	for i, de := range des {
		if as, ok := d.as[de.Name()]; ok {
			des[i] = renamedEntry{de, as}
		}
	}
	return des, err
}

type renamedEntry struct {
	fs.DirEntry
	name string
}

func (e renamedEntry) Name() string { return e.name }

// TestListingOddNames lists a directory whose fs.FS gives names that are
// not one element of a path ("..", "", "a/b", "."): every listing leaves
// them out and logs each, as archives do. They were listed as given: ".."
// linked to the parent directory, "a/b" to a file of a subdirectory, ""
// to the directory itself, each under a name it does not have.
func TestListingOddNames(t *testing.T) {
	m := fstest.MapFS{"d/ok.txt": {}, "d/up": {}, "d/empty": {}, "d/slash": {}, "d/dot": {}, "d/a/b": {}}
	odd := oddNamesFS{m, map[string]string{"up": "..", "empty": "", "slash": "a/b", "dot": "."}}
	href := regexp.MustCompile(`<a href="([^"]*)"`)
	for style, want := range map[fileserver.ListingStyle][]string{
		fileserver.ListingPython: {"a/", "ok.txt"},
		fileserver.ListingRich:   {"../", "../", "a/", "ok.txt"}, // the breadcrumb, the parent row
	} {
		var log strings.Builder
		h := mustNew(t, odd, fileserver.Options{Listing: style, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		page := serve(t, h, "GET", "/d/", nil)
		var hrefs []string
		for _, m := range href.FindAllStringSubmatch(page.body, -1) {
			hrefs = append(hrefs, m[1])
		}
		js := serve(t, h, "GET", "/d/", map[string]string{"Accept": "application/json"})
		var doc struct{ Entries []struct{ Name string } }
		if err := json.Unmarshal([]byte(js.body), &doc); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range doc.Entries {
			names = append(names, e.Name)
		}
		if page.status != 200 || !slices.Equal(hrefs, want) || !slices.Equal(names, []string{"a", "ok.txt"}) {
			t.Errorf("style %v: %d, links %q (want %q), JSON names %q (want a, ok.txt)", style, page.status, hrefs, want, names)
		}
		for _, name := range []string{"d/..", "d/", "d/a/b", "d/."} {
			if !strings.Contains(log.String(), `msg="fileserver: left out of listing" name=`+name+" ") {
				t.Errorf("style %v: the log does not name %s:\n%s", style, name, log.String())
			}
		}
	}
}

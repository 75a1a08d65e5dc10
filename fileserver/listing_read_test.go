package fileserver_test

import (
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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
// a MapFS file without ModTime) "mtime": null, not year 1.
func TestJSONListingWithoutMtime(t *testing.T) {
	mtime := time.Date(2024, 3, 5, 9, 7, 4, 0, time.UTC)
	h, err := fileserver.New(fstest.MapFS{"a.txt": {Data: []byte("a")}, "b.txt": {Data: []byte("b"), ModTime: mtime}}, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	want := `{"path":"/","entries":[{"name":"a.txt","type":"file","size":1,"mtime":null,"link":false},` +
		`{"name":"b.txt","type":"file","size":1,"mtime":"2024-03-05T09:07:04Z","link":false}]}` + "\n"
	if w.Code != 200 || w.Body.String() != want {
		t.Errorf("%d %s, want 200 %s", w.Code, w.Body, want)
	}
}

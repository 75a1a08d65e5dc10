package fileserver_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/urlpath"
)

// invalidTree is testdata/TestInvalidUTF8/from-python/tree.json, which
// record.py in testdata/TestInvalidUTF8 writes with the recordings: file
// names that are not valid UTF-8, as hex.
type invalidTree struct {
	Mtime   int64 `json:"mtime"`
	Entries []struct {
		Hex     string `json:"hex"`
		Content string `json:"content"`
		Dir     bool   `json:"dir"`
		Link    string `json:"link"` // hex of the target
	} `json:"entries"`
	Cases []parityCase `json:"cases"`
}

// invalidDir holds Python's recordings for TestInvalidUTF8; only
// testdata/TestInvalidUTF8/record.py writes them.
const invalidDir = "testdata/TestInvalidUTF8/from-python"

// buildInvalidTree builds the tree in a temporary directory, which it
// returns with the cases. Every entry, directories and links included, gets
// the recorded mtime, so a JSON listing of it is byte-stable.
func buildInvalidTree(t *testing.T) (root string, cases []parityCase) {
	t.Helper()
	var tree invalidTree
	readJSON(t, filepath.Join(invalidDir, "tree.json"), &tree)
	root = t.TempDir()
	mtime := time.Unix(tree.Mtime, 0)
	var made []string
	for _, e := range tree.Entries {
		name, err := hex.DecodeString(e.Hex)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, string(name))
		switch {
		case e.Dir:
			err = os.MkdirAll(p, 0o755)
		case e.Link != "":
			var target []byte
			if target, err = hex.DecodeString(e.Link); err == nil {
				err = os.Symlink(string(target), p)
			}
		default:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.WriteFile(p, []byte(e.Content), 0o644)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, p)
	}
	for i := len(made) - 1; i >= 0; i-- {
		if err := os.Chtimes(made[i], mtime, mtime); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return root, tree.Cases
}

// readGolden reads Python's answer to the named case.
func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(invalidDir, name+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// asOurs turns Python's recorded answer into ours, undoing the two
// differences TestInvalidUTF8 states.
func asOurs(t *testing.T, want []byte) []byte {
	t.Helper()
	if string(want) == "status: none\n" {
		return readGolden(t, "raw-bytes-escaped") // Python's 404 File not found
	}
	if utf8.Valid(want) {
		return want
	}
	head, body, _ := bytes.Cut(want, []byte("\n\n"))
	body = []byte(string([]rune(string(body)))) // one U+FFFD per stray byte
	cl := regexp.MustCompile(`(?m)^content-length: \d+$`)
	head = cl.ReplaceAll(head, []byte("content-length: "+strconv.Itoa(len(body))))
	return append(append(head, "\n\n"...), body...)
}

// TestInvalidUTF8 serves file names that are not valid UTF-8 (on Linux any
// bytes but '/' and NUL name a file) from an OS directory and compares
// every answer with Python's, as testdata/TestInvalidUTF8/record.py
// recorded it: the listing links each stray byte b as the lone surrogate
// U+DC00+b (0xFF is %ED%B3%BF), sorted as Python sorts those surrogates,
// and each link serves its file; %FF%FE, a stray byte anywhere in the path
// (everything then decodes to U+FFFD) and a truncated rune (one U+FFFD)
// behave as in Python. We differ on purpose twice:
//
//   - where Python writes a name's raw bytes into the listing page
//     (surrogateescape), we write one U+FFFD per byte, so the page is
//     valid UTF-8 as its charset says (Content-Length counts that);
//   - where Python's open() raises UnicodeEncodeError and the connection
//     closes unanswered (a surrogate that stands for no byte: U+D800,
//     U+DC7F), we answer 404 File not found.
//
// Sniffing is off, as Python has none (a link without an extension is
// application/octet-stream).
func TestInvalidUTF8(t *testing.T) {
	policies := map[string]fileserver.SymlinkPolicy{"follow": fileserver.SymlinksFollow, "inside": fileserver.SymlinksInside}
	for name, policy := range policies {
		t.Run(name, func(t *testing.T) {
			root, cases := buildInvalidTree(t)
			h, err := fileserver.NewDir(root, policy, fileserver.Options{DisableSniff: true})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			srv := httptest.NewServer(h)
			defer srv.Close()
			if len(cases) < 10 {
				t.Fatalf("only %d cases in tree.json", len(cases))
			}
			for _, c := range cases {
				want := asOurs(t, readGolden(t, c.Name))
				if got := rawRequest(t, srv.Listener.Addr().String(), c); !bytes.Equal(got, want) {
					t.Errorf("%s: GET %s differs from Python's\n--- got\n%s\n--- want (python, as ours)\n%s", c.Name, c.Target, got, want)
				}
			}
		})
	}
}

var liLine = regexp.MustCompile(`(?m)^<li><a href="([^"]*)">([^<]*)</a></li>$`)

// TestInvalidUTF8FS serves the same tree through fs.FS implementations that
// only take UTF-8 names (fs.ValidPath): os.DirFS and an os.Root's FS. They
// could never open a name that is not UTF-8, so the listing leaves such
// names out, lists the others exactly as Python does, each of their links
// serves its file, and the links Python gives the left-out names find
// nothing.
func TestInvalidUTF8FS(t *testing.T) {
	root, _ := buildInvalidTree(t)
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	python := liLine.FindAllStringSubmatch(string(readGolden(t, "listing")), -1)
	for name, fsys := range map[string]fs.FS{"os.DirFS": os.DirFS(root), "os.Root.FS": r.FS()} {
		t.Run(name, func(t *testing.T) {
			quiet := slog.New(slog.DiscardHandler) // each refused name logs a warning
			h := mustNew(t, fsys, fileserver.Options{DisableSniff: true, Logger: quiet})
			got := serve(t, h, "GET", "/d/", nil)
			var want []string
			for _, e := range python {
				href, text := e[1], e[2]
				res := serve(t, h, "GET", "/d/"+href, nil)
				if utf8.ValidString(text) {
					want = append(want, e[0])
					if res.status != 200 {
						t.Errorf("GET /d/%s: %d, want 200", href, res.status)
					}
				} else if res.status != 404 {
					t.Errorf("GET /d/%s: %d, want 404: the FS cannot open the name", href, res.status)
				}
			}
			var have []string
			for _, e := range liLine.FindAllStringSubmatch(got.body, -1) {
				have = append(have, e[0])
			}
			if strings.Join(have, "\n") != strings.Join(want, "\n") {
				t.Errorf("listing entries:\n%s\nwant Python's UTF-8 ones:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestInvalidUTF8JSON checks the JSON listing of names that are not valid
// UTF-8: encoding/json writes each stray byte as U+FFFD, so the document
// is valid UTF-8 and valid JSON, in the same order as the HTML listing.
// Two names then read the same ("\ufffd.txt" for both "\xff.txt" and
// "\xfe.txt"), and no name could be turned back into the file: each
// entry's "href", the link of the HTML listing, tells them apart and
// fetches its file.
func TestInvalidUTF8JSON(t *testing.T) {
	root, _ := buildInvalidTree(t)
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	got := serve(t, h, "GET", "/d/sub%ED%B3%BF/../", map[string]string{"Accept": "application/json"})
	if got.status != 200 || !utf8.ValidString(got.body) || !json.Valid([]byte(got.body)) {
		t.Fatalf("JSON listing: %d, not valid UTF-8 JSON:\n%q", got.status, got.body)
	}
	golden(t, "testdata/TestInvalidUTF8JSON/listing.golden", got.body)

	var listing struct {
		Entries []struct{ Name, Type, Href string }
	}
	if err := json.Unmarshal([]byte(got.body), &listing); err != nil {
		t.Fatal(err)
	}
	hrefs := map[string]bool{}
	for _, e := range listing.Entries {
		if e.Href == "" || hrefs[e.Href] {
			t.Errorf("%q: href %q, empty or another entry's too", e.Name, e.Href)
			continue
		}
		hrefs[e.Href] = true
		if e.Type != "file" {
			continue
		}
		file := serve(t, h, "GET", "/d/sub%ED%B3%BF/../"+e.Href, nil)
		want, err := os.ReadFile(filepath.Join(root, "d", urlpath.UnescapeName(e.Href)))
		if err != nil || file.status != 200 || file.body != string(want) {
			t.Errorf("%q: GET of its href %q: %d %q, want the file's %q (%v)", e.Name, e.Href, file.status, file.body, want, err)
		}
	}
}

// TestJSONListingHref: a script fetches every entry of the JSON listing
// by its "href", resolved against the listing's URL as a browser resolves
// a link, under a prefix too: names that are not UTF-8 (whose "name" reads
// U+FFFD, two of them the same), and names with '?', '#', '%', a space or
// a line separator. Before "href", such a name led nowhere: built from
// "name", its URL asked for U+FFFD and got 404.
func TestJSONListingHref(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"bad\xff.txt":          "ff",
		"bad\xfe.txt":          "fe",
		"sur\xed\xb3\xbf.txt":  "surrogate bytes",
		"q?#%.txt":             "query",
		"ls\u2028ps.txt":       "separator",
		"sub dir\x80/in.txt":   "inside",
		"plain/deeper/x.txt":   "x",
		"caf\xc3\xa9 \x01.txt": "control",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Skipf("this file system takes no such name: %v", err)
		}
	}
	if err := os.Symlink("plain", filepath.Join(root, "to\xffplain")); err != nil {
		t.Fatal(err)
	}
	h, err := fileserver.NewDir(root, fileserver.SymlinksFollow, fileserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(http.StripPrefix("/pub", h))
	defer srv.Close()

	type listing struct {
		Entries []struct {
			Name, Href, Type string
			Link             bool
		}
	}
	get := func(u *url.URL, accept string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", u.String(), nil)
		req.Header.Set("Accept", accept)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// Walk the tree through the JSON listings alone.
	fetched := map[string]string{}
	var walk func(u *url.URL, dir string)
	walk = func(u *url.URL, dir string) {
		status, body := get(u, "application/json")
		var l listing
		if err := json.Unmarshal([]byte(body), &l); status != 200 || err != nil {
			t.Fatalf("GET %s as JSON: %d %v %q", u, status, err, body)
		}
		for _, e := range l.Entries {
			ref, err := url.Parse(e.Href)
			if err != nil || e.Href == "" || ref.IsAbs() || ref.Host != "" || strings.HasPrefix(e.Href, "/") {
				t.Errorf("%s: href %q is not a relative path (%v)", dir, e.Href, err)
				continue
			}
			target := u.ResolveReference(ref)
			if e.Type == "dir" {
				if !strings.HasSuffix(e.Href, "/") {
					t.Errorf("%s: directory %q has href %q, without the slash", dir, e.Name, e.Href)
				}
				if e.Link || strings.Count(dir, "/") > 3 { // walked as plain
					if status, _ := get(target, "application/json"); status != 200 {
						t.Errorf("%s: GET href %q of the link %q = %d, want 200", dir, e.Href, e.Name, status)
					}
					continue
				}
				walk(target, dir+e.Name+"/")
				continue
			}
			status, content := get(target, "*/*")
			if status != 200 {
				t.Errorf("%s: GET href %q of %q = %d, want 200", dir, e.Href, e.Name, status)
				continue
			}
			fetched[content] = e.Href
		}
	}
	base, _ := url.Parse(srv.URL + "/pub/")
	walk(base, "/")
	for name, content := range files {
		if _, ok := fetched[content]; !ok {
			t.Errorf("file %q (%q) not reached by any href", name, content)
		}
	}
}

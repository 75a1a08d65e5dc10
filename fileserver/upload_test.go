package fileserver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/simplehttp/simplehttp/fileserver"
	"github.com/simplehttp/simplehttp/internal/filetree"
	"github.com/simplehttp/simplehttp/internal/goldenfile"
	"github.com/simplehttp/simplehttp/internal/syncbuf"
)

// tree is what an upload left behind under dir (see filetree.Read).
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := filetree.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameTree(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	got := tree(t, dir)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tree of %s:\n got %v\nwant %v", dir, got, want)
	}
}

func newUploader(t *testing.T, dir string, policy fileserver.SymlinkPolicy, opts fileserver.Options) *fileserver.Handler {
	t.Helper()
	opts.Upload = true
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h, err := fileserver.NewDir(dir, policy, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// upReq sends one request to h; chunked sends the body without a length.
func upReq(h http.Handler, method, target string, body []byte, chunked bool, hdr ...string) *httptest.ResponseRecorder {
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // hides the length from NewRequest
	}
	r := httptest.NewRequest(method, target, rd)
	if chunked {
		r.ContentLength = -1
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// transcript writes a response as a golden file shows it.
func transcript(b *bytes.Buffer, req string, w *httptest.ResponseRecorder) {
	fmt.Fprintf(b, "%s\n%d\n", req, w.Code)
	keys := make([]string, 0, len(w.Header()))
	for k := range w.Header() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s: %s\n", k, strings.Join(w.Header()[k], ", "))
	}
	fmt.Fprintf(b, "\n%s\n", w.Body.Bytes())
}

// eachTemp runs f with unnamed temporary files (O_TMPFILE, where the
// system has them) and with the hidden named ones.
func eachTemp(t *testing.T, f func(t *testing.T)) {
	t.Run("unnamed", f)
	t.Run("named", func(t *testing.T) {
		defer fileserver.SetUnnamedTemp(false)()
		f(t)
	})
}

func TestPut(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "sub"), 0o755)
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})

		w := upReq(h, "PUT", "/sub/new%20file.txt", []byte("hello\n"), false)
		if w.Code != 201 || w.Header().Get("Location") != "/sub/new%20file.txt" || w.Header().Get("Content-Length") != "0" || w.Body.Len() != 0 {
			t.Errorf("PUT: %d %v %q", w.Code, w.Header(), w.Body)
		}
		// Chunked, and empty.
		if w := upReq(h, "PUT", "/chunked.bin", bytes.Repeat([]byte{0, 1, 2}, 100000), true); w.Code != 201 {
			t.Errorf("chunked PUT: %d", w.Code)
		}
		if w := upReq(h, "PUT", "/empty", nil, false); w.Code != 201 {
			t.Errorf("empty PUT: %d", w.Code)
		}
		sameTree(t, dir, map[string]string{
			"./": "", "sub/": "", "sub/new file.txt": "hello\n",
			"chunked.bin": string(bytes.Repeat([]byte{0, 1, 2}, 100000)), "empty": "",
		})
		// What was uploaded is served, with the bytes uploaded.
		if w := upReq(h, "GET", "/sub/new%20file.txt", nil, false); w.Code != 200 || w.Body.String() != "hello\n" {
			t.Errorf("GET after PUT: %d %q", w.Code, w.Body)
		}
	})
}

// TestPutAnswers records every refusal of a PUT, with the page, and
// checks that none of them touched the tree.
func TestPutAnswers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "exists.txt"), []byte("old\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	before := tree(t, dir)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{MaxUploadSize: 100})

	long := strings.Repeat("x", 256)
	cases := []struct {
		target  string
		body    string
		chunked bool
	}{
		{"/exists.txt", "new\n", false},
		{"/adir", "x", false},
		{"/adir/", "x", false},
		{"/", "x", false},
		{"/missing/a.txt", "x", false},
		{"/exists.txt/a.txt", "x", false},
		{"/.git/config", "x", false},
		{"/big.bin", strings.Repeat("x", 101), false},
		{"/bigchunked.bin", strings.Repeat("x", 101), true},
		{"/.hidden", "x", false},
		{"/" + tempNameForTest(), "x", false},
		{"/a%00b", "x", false},
		{"/a%0Ab", "x", false},
		{"/a%1Bb", "x", false},
		{"/a%7Fb", "x", false},
		{"/a%C2%85b", "x", false},
		{"/txt.%E2%80%AEexe", "x", false},
		{"/a%E2%80%8Bb", "x", false},
		{"/a%E2%81%A0b", "x", false},
		{"/report%C2%AD.pdf", "x", false},
		{"/a%E3%85%A4b", "x", false},
		{"/a%5Cb", "x", false},
		{"/%FF", "x", false},
		{"/" + long, "x", false},
		{"/CON", "x", false},
		{"/lpt1.txt", "x", false},
		{"/COM0", "x", false},
		{"/LPT%C2%B9.txt", "x", false},
		{"/trailing.", "x", false},
		{"/%20lead", "x", false},
	}
	var b bytes.Buffer
	for _, tc := range cases {
		w := upReq(h, "PUT", tc.target, []byte(tc.body), tc.chunked)
		req := "PUT " + tc.target
		if tc.chunked {
			req += " (chunked)"
		}
		transcript(&b, req, w)
		if w.Code < 400 {
			t.Errorf("PUT %s: %d, want a refusal", tc.target, w.Code)
		}
	}
	goldenfile.Check(t, "testdata/TestPutAnswers.golden", b.Bytes())
	sameTree(t, dir, before)
}

func tempNameForTest() string { return fileserver.TempPrefix + "0123" }

// TestUploadPrecompressedCopy: with Options.Precompressed, an upload
// may not create the precompressed copy of a file that exists (it would
// be sent in place of the file to every client that takes its coding,
// as good as replacing the file), nor one whose extension differs only
// in case (a file system that ignores case, FAT or macOS's, opens
// app.js.GZ as app.js.gz), even where the other case of a letter takes
// more bytes (app.js.zſt for app.js.zst), nor one in another spelling
// that a file system takes for it: app.js.z\ufb06 (the ligature st, which
// ext4's casefold folds to "st", as Unicode's full case folding does),
// app.js.\uff47z (a fullwidth g, which ZFS's formKC makes ASCII); one of a
// name that does not exist, or with UploadOverwrite, is taken.
func TestUploadPrecompressedCopy(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "app.js"), []byte("original\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	os.Mkdir(filepath.Join(dir, "dir"), 0o755)
	os.Mkdir(filepath.Join(dir, "adir.js.gz"), 0o755)
	before := tree(t, dir)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Precompressed: []string{"br", "zstd", "gzip"}})
	// "\u017f" (ſ) is an "s" in another case, which takes two bytes.
	for _, name := range []string{"app.js.gz", "app.js.br", "app.js.zst", "app.js.GZ", "app.js.Zst", "app.js.z\u017ft", "app.js.Z\u017fT", "app.js.z\ufb06", "app.js.\uff47z", "app.js.\uff22\uff32"} {
		if w := upReq(h, "PUT", "/"+name, []byte("replaced\n"), false); w.Code != 409 || !strings.Contains(w.Body.String(), "A precompressed copy of a file that exists") {
			t.Errorf("PUT %s: %d %s", name, w.Code, w.Body)
		}
		body, ct := multipartBody(t, name, "replaced\n")
		if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 409 {
			t.Errorf("POST of %s: %d", name, w.Code)
		}
	}
	sameTree(t, dir, before)
	if w := upReq(h, "GET", "/app.js", nil, false, "Accept-Encoding", "gzip, br, zstd"); w.Code != 200 || w.Body.String() != "original\n" {
		t.Errorf("GET /app.js: %d %q", w.Code, w.Body)
	}
	// The copy of no file, or of a directory, is a file like any other.
	for _, name := range []string{"new.js.gz", "dir/new.js.br", "adir.gz"} {
		if w := upReq(h, "PUT", "/"+name, []byte("x"), false); w.Code != 201 {
			t.Errorf("PUT %s: %d %s", name, w.Code, w.Body)
		}
	}
	// Nor may the file come after its copy: in the same second, the
	// copy would be sent in its place.
	for _, name := range []string{"new.js", "dir/new.js"} {
		if w := upReq(h, "PUT", "/"+name, []byte("file\n"), false); w.Code != 409 || !strings.Contains(w.Body.String(), "A precompressed copy of that name exists") {
			t.Errorf("PUT %s after its copy: %d %s", name, w.Code, w.Body)
		}
	}
	body, ct := multipartBody(t, "new.js", "file\n")
	if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 409 {
		t.Errorf("POST of new.js after its copy: %d", w.Code)
	}
	if _, err := os.Lstat(filepath.Join(dir, "new.js")); err == nil {
		t.Error("new.js was created beside its copy")
	}
	// A name with a directory for a copy is a file like any other.
	if w := upReq(h, "PUT", "/adir.js", []byte("x"), false); w.Code != 201 {
		t.Errorf("PUT adir.js: %d %s", w.Code, w.Body)
	}
	// Replacing a file is what UploadOverwrite allows.
	h = newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Precompressed: []string{"gzip"}, UploadOverwrite: true})
	if w := upReq(h, "PUT", "/app.js.gz", []byte("x"), false); w.Code != 201 {
		t.Errorf("PUT app.js.gz with UploadOverwrite: %d %s", w.Code, w.Body)
	}
}

// TestUploadPrecompressedCopyMeanwhile: the file or its precompressed
// copy that another upload creates while a body arrives is seen at the
// commit. A copy that passed the check before its body, and was then
// named once the file existed, would be the fresher of the two and sent in
// the file's place to the clients that take its coding.
func TestUploadPrecompressedCopyMeanwhile(t *testing.T) {
	for _, tc := range []struct{ method, upload, meanwhile string }{
		{"PUT", "app.js.gz", "app.js"},
		{"PUT", "app.js", "app.js.gz"},
		{"POST", "app.js.gz", "app.js"},
		{"POST", "app.js", "app.js.gz"},
	} {
		dir := t.TempDir()
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Precompressed: []string{"gzip"}})
		// The other upload creates its file before the body ends.
		meanwhile := readerFunc(func([]byte) (int, error) {
			if err := os.WriteFile(filepath.Join(dir, tc.meanwhile), []byte("theirs\n"), 0o644); err != nil {
				t.Error(err)
			}
			return 0, io.EOF
		})
		body := io.MultiReader(strings.NewReader("mine"), meanwhile)
		target, ct := "/"+tc.upload, ""
		if tc.method == "POST" {
			var mp []byte
			mp, ct = multipartBody(t, tc.upload, "mine")
			end := bytes.LastIndex(mp, []byte("\r\n--")) // the closing boundary
			body, target = io.MultiReader(bytes.NewReader(mp[:end]), meanwhile, bytes.NewReader(mp[end:])), "/"
		}
		r := httptest.NewRequest(tc.method, target, body)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 409 {
			t.Errorf("%s of %s while %s is created: %d, want 409", tc.method, tc.upload, tc.meanwhile, w.Code)
		}
		sameTree(t, dir, map[string]string{"./": "", tc.meanwhile: "theirs\n"})
	}
}

// TestPutPrecompressedCopyBeforeBody: a PUT refused for a precompressed
// copy (of a file there, or whose copy is there) is refused before its
// body is read, as one refused for a file that exists: a client does not
// send a large file only to learn that it could never be stored.
func TestPutPrecompressedCopyBeforeBody(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"app.js", "lib.js.gz"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("theirs\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Precompressed: []string{"gzip"}})
	for target, msg := range map[string]string{
		"/app.js.gz": "A precompressed copy of a file that exists",
		"/lib.js":    "A precompressed copy of that name exists",
		"/app.js":    "File exists",
	} {
		read := false
		body := readerFunc(func(p []byte) (int, error) {
			read = true
			return copy(p, "mine\n"), io.EOF
		})
		r := httptest.NewRequest("PUT", target, body)
		r.ContentLength = 5
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 409 || !strings.Contains(w.Body.String(), msg) || read {
			t.Errorf("PUT %s: %d, body read %v; want 409 %s, the body unread; got the page %q", target, w.Code, read, msg, w.Body)
		}
	}
	sameTree(t, dir, map[string]string{"./": "", "app.js": "theirs\n", "lib.js.gz": "theirs\n"})
}

// TestPostFileWithItsCopy: a multipart upload that brings a file and its
// precompressed copy together, into a directory that holds neither, is
// stored whole, in either order: neither replaces another's file. What
// was there before still counts (see TestUploadPrecompressedCopy).
func TestPostFileWithItsCopy(t *testing.T) {
	for _, names := range [][2]string{{"app.js", "app.js.gz"}, {"app.js.gz", "app.js"}} {
		dir := t.TempDir()
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Precompressed: []string{"gzip"}})
		body, ct := multipartBody(t, names[0], "first\n", names[1], "second\n")
		if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 201 {
			t.Errorf("POST of %s and %s: %d %s, want 201", names[0], names[1], w.Code, w.Body)
		}
		sameTree(t, dir, map[string]string{"./": "", names[0]: "first\n", names[1]: "second\n"})
	}
}

// readerFunc is a Read method.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestPutOverwrite(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "f.txt"), []byte("old\n"), 0o644)
		os.Mkdir(filepath.Join(dir, "adir"), 0o755)
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true})
		if w := upReq(h, "PUT", "/f.txt", []byte("new\n"), false); w.Code != 204 || w.Header().Get("Location") != "/f.txt" {
			t.Errorf("overwrite: %d %v", w.Code, w.Header())
		}
		if w := upReq(h, "PUT", "/adir", []byte("x"), false); w.Code != 409 {
			t.Errorf("PUT over a directory: %d", w.Code)
		}
		if w := upReq(h, "PUT", "/g.txt", []byte("g\n"), false); w.Code != 201 {
			t.Errorf("create: %d", w.Code)
		}
		sameTree(t, dir, map[string]string{"./": "", "f.txt": "new\n", "g.txt": "g\n", "adir/": ""})
	})
}

// A PUT with If-Match, If-None-Match or If-Unmodified-Since is evaluated
// against the file at its name, with the ETag and time a GET answers
// with: a false precondition is 412 and leaves the file as it was.
func TestPutPreconditions(t *testing.T) {
	dir := t.TempDir()
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	reset := func() {
		t.Helper()
		os.Remove(filepath.Join(dir, "new.txt"))
		if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(filepath.Join(dir, "a.txt"), old, old)
	}
	reset()
	for _, overwrite := range []bool{true, false} {
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: overwrite, DisableCache: true})
		etag := upReq(h, "GET", "/a.txt", nil, false).Header().Get("Etag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		replaced := map[bool]int{true: 204, false: 409}[overwrite]
		for _, c := range []struct {
			target, header, value string
			want                  int
		}{
			{"/a.txt", "If-None-Match", "*", 412},
			{"/a.txt", "If-None-Match", `"x", ` + etag, 412},
			{"/a.txt", "If-None-Match", "W/" + etag, 412},
			{"/a.txt", "If-None-Match", `"x"`, replaced},
			{"/a.txt", "If-Match", `"not-the-etag"`, 412},
			{"/a.txt", "If-Match", "W/" + etag, 412},
			{"/a.txt", "If-Match", `"x", ` + etag, replaced},
			{"/a.txt", "If-Match", "*", replaced},
			{"/a.txt", "If-Unmodified-Since", old.Add(-time.Second).Format(http.TimeFormat), 412},
			{"/a.txt", "If-Unmodified-Since", old.Format(http.TimeFormat), replaced},
			{"/a.txt", "If-Unmodified-Since", "not a date", replaced},
			{"/new.txt", "If-Match", "*", 412},
			{"/new.txt", "If-Match", etag, 412},
			{"/new.txt", "If-None-Match", "*", 201},
			{"/new.txt", "If-Unmodified-Since", old.Format(http.TimeFormat), 201},
		} {
			w := upReq(h, "PUT", c.target, []byte("new\n"), false, c.header, c.value)
			want := map[string]string{"./": "", "a.txt": "old\n"}
			switch c.want {
			case 201:
				want["new.txt"] = "new\n"
			case 204:
				want["a.txt"] = "new\n"
			}
			if w.Code != c.want || c.want == 412 && !strings.Contains(w.Body.String(), "Precondition Failed") {
				t.Errorf("overwrite %v: PUT %s with %s: %s: %d, want %d", overwrite, c.target, c.header, c.value, w.Code, c.want)
			}
			sameTree(t, dir, want)
			reset()
		}
		// A name created while the body arrives fails "If-None-Match:
		// *" at the commit, and is kept.
		pr, pw := io.Pipe()
		r := httptest.NewRequest("PUT", "/new.txt", pr)
		r.ContentLength = 8
		r.Header.Set("If-None-Match", "*")
		w := httptest.NewRecorder()
		served := make(chan struct{})
		go func() { h.ServeHTTP(w, r); close(served) }()
		pw.Write([]byte("new\n")) // returns once the handler reads it
		os.WriteFile(filepath.Join(dir, "new.txt"), []byte("theirs\n"), 0o644)
		pw.Write([]byte("new\n"))
		pw.Close()
		<-served
		if w.Code != 412 {
			t.Errorf("overwrite %v: If-None-Match: * and the name created meanwhile: %d, want 412", overwrite, w.Code)
		}
		sameTree(t, dir, map[string]string{"./": "", "a.txt": "old\n", "new.txt": "theirs\n"})
		reset()
	}
}

// TestPutNoneMatchAtLink: a PUT with "If-None-Match: *" whose name is
// taken after its last check, just before its file is named, gets 412
// and the file there is kept, with UploadOverwrite too (the name is then
// linked as without it, never renamed over). A directory removed at that
// moment gets what it gets without the header, 409 "No such directory":
// a 412 would tell the client that the file exists.
func TestPutNoneMatchAtLink(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		for _, overwrite := range []bool{false, true} {
			dir := t.TempDir()
			sub := filepath.Join(dir, "sub")
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: overwrite, DisableCache: true})
			fileserver.SetNameHook(h, func() {
				if err := os.WriteFile(filepath.Join(sub, "taken.txt"), []byte("theirs\n"), 0o644); err != nil {
					t.Error(err)
				}
			})
			w := upReq(h, "PUT", "/sub/taken.txt", []byte("mine\n"), false, "If-None-Match", "*")
			if w.Code != 412 || !strings.Contains(w.Body.String(), "Precondition Failed") {
				t.Errorf("overwrite %v: PUT with If-None-Match: *, the name taken before the link: %d, want 412 Precondition Failed", overwrite, w.Code)
			}
			sameTree(t, dir, map[string]string{"./": "", "sub/": "", "sub/taken.txt": "theirs\n"})

			fileserver.SetNameHook(h, func() {
				if err := os.RemoveAll(sub); err != nil {
					t.Error(err)
				}
			})
			w = upReq(h, "PUT", "/sub/new.txt", []byte("mine\n"), false, "If-None-Match", "*")
			if w.Code != 409 || !strings.Contains(w.Body.String(), "No such directory") {
				t.Errorf("overwrite %v: PUT with If-None-Match: *, the directory removed before the link: %d %.200q, want 409 No such directory", overwrite, w.Code, w.Body)
			}
			sameTree(t, dir, map[string]string{"./": ""})
		}
	})
}

// Two clients that read the same version of a file and PUT their edits
// of it with If-Match, the version's ETag, at once: one is stored, the
// other gets 412, however their commits interleave. Neither edit is lost
// under a 204.
func TestPutIfMatchRace(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true, DisableCache: true})
	etag := upReq(h, "GET", "/a.txt", nil, false).Header().Get("Etag")
	var first *httptest.ResponseRecorder
	hooked := false
	fileserver.SetCommitHook(h, func() {
		if !hooked {
			hooked = true
			// The other client's edit lands while this one's body
			// is complete and its precondition was checked once.
			first = upReq(h, "PUT", "/a.txt", []byte("first edit\n"), false, "If-Match", etag)
		}
	})
	second := upReq(h, "PUT", "/a.txt", []byte("second edit\n"), false, "If-Match", etag)
	if first == nil || first.Code != 204 || second.Code != 412 {
		code := 0
		if first != nil {
			code = first.Code
		}
		t.Errorf("PUTs with If-Match %s: %d, then the one that began first %d; want 204 and 412", etag, code, second.Code)
	}
	sameTree(t, dir, map[string]string{"./": "", "a.txt": "first edit\n"})
}

// A stored PUT answers with the ETag a GET of the file then gives, so a
// client that edits the file again sends it with If-Match without a GET
// in between.
func TestPutETag(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true, DisableCache: true})
	etag := ""
	for i, want := range []int{201, 204, 204} {
		var hdr []string
		if etag != "" {
			hdr = []string{"If-Match", etag}
		}
		body := []byte(strings.Repeat("edit\n", i+1))
		put := upReq(h, "PUT", "/a.txt", body, false, hdr...)
		get := upReq(h, "GET", "/a.txt", nil, false)
		etag = put.Header().Get("Etag")
		if put.Code != want || etag == "" || etag != get.Header().Get("Etag") || get.Body.String() != string(body) {
			t.Fatalf("PUT #%d: %d, ETag %q; the GET after: ETag %q, %q; want %d and the GET's ETag", i+1, put.Code, etag, get.Header().Get("Etag"), get.Body, want)
		}
	}
	if got := upReq(h, "PUT", "/a.txt", []byte("late\n"), false, "If-Match", `"0-0"`); got.Code != 412 || got.Header().Get("Etag") != "" {
		t.Errorf("PUT with a stale If-Match: %d, ETag %q; want 412 and none", got.Code, got.Header().Get("Etag"))
	}
}

// A version replaced within one tick of a coarse file clock (4 ms on
// kernels before 6.13) must not give its ETag, the time and size, to the
// one that replaces it: an edit sent with If-Match and the old ETag would
// then replace the new version. Here the file the PUT replaces is dated a
// little after the new one was written, as a clock that had not moved
// would leave it; the new version comes out later.
func TestPutLaterThanReplaced(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true, DisableCache: true})
	var old time.Time
	fileserver.SetCommitHook(h, func() {
		old = time.Now().Add(10 * time.Millisecond)
		os.Chtimes(p, old, old)
	})
	put := upReq(h, "PUT", "/a.txt", []byte("new\n"), false)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	get := upReq(h, "GET", "/a.txt", nil, false)
	if put.Code != 204 || !fi.ModTime().After(old) || get.Body.String() != "new\n" || put.Header().Get("Etag") != get.Header().Get("Etag") {
		t.Errorf("PUT over a file dated %v: %d, the new version dated %v (%q), ETag %q, the GET's %q; want 204, later, and the GET's ETag",
			old, put.Code, fi.ModTime(), get.Body, put.Header().Get("Etag"), get.Header().Get("Etag"))
	}
}

// A form post that replaces files gives them the same guarantee as a
// PUT: each new version is dated after the one it replaces, whether its
// file waited open or closed (parked, past the files that may wait
// open) for the upload's last part. Here the replaced files are dated a
// little after the new ones were written, as a clock that had not moved
// would leave them.
func TestPostLaterThanReplaced(t *testing.T) {
	for _, open := range []int64{256, 0} {
		dir := t.TempDir()
		names := []string{"a.txt", "b.txt"}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true, DisableCache: true})
		fileserver.SetOpenWaiting(h, open)
		var old time.Time
		fileserver.SetCommitHook(h, func() {
			old = time.Now().Add(10 * time.Millisecond)
			for _, n := range names {
				os.Chtimes(filepath.Join(dir, n), old, old)
			}
		})
		form, ct := multipartBody(t, "a.txt", "new\n", "b.txt", "new\n")
		if w := upReq(h, "POST", "/", form, false, "Content-Type", ct); w.Code != 201 {
			t.Fatalf("POST (%d may wait open): %d %s", open, w.Code, w.Body)
		}
		for _, n := range names {
			fi, err := os.Stat(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			get := upReq(h, "GET", "/"+n, nil, false)
			if !fi.ModTime().After(old) || get.Body.String() != "new\n" {
				t.Errorf("POST over %s dated %v (%d may wait open): the new version dated %v (%q); want later",
					n, old, open, fi.ModTime(), get.Body)
			}
		}
	}
}

// With UploadOverwrite, what an upload answers and does is decided by
// what is at its name when the file is named, not when the upload began:
// a file created while the body arrived is replaced, and a PUT answered
// 204 (not 201, which would tell the client nothing was there); a link
// or directory put there meanwhile is never replaced (409).
func TestOverwriteWhatIsThereAtTheEnd(t *testing.T) {
	for _, c := range []struct {
		name string
		make func(p string) error
		post bool // a form post, else a PUT
		want int
		kept string // what the name holds after, "" for the upload
	}{
		{"file", func(p string) error { return os.WriteFile(p, []byte("theirs\n"), 0o644) }, false, 204, ""},
		{"link", func(p string) error { return os.Symlink("target.txt", p) }, false, 409, "link"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, false, 409, "dir"},
		{"file, posted", func(p string) error { return os.WriteFile(p, []byte("theirs\n"), 0o644) }, true, 201, ""},
		{"link, posted", func(p string) error { return os.Symlink("target.txt", p) }, true, 409, "link"},
		{"directory, posted", func(p string) error { return os.Mkdir(p, 0o755) }, true, 409, "dir"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "target.txt"), []byte("target\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true, DisableCache: true})
			fileserver.SetCommitHook(h, func() {
				if err := c.make(filepath.Join(dir, "new.txt")); err != nil {
					t.Error(err)
				}
			})
			var w *httptest.ResponseRecorder
			method := "PUT"
			if c.post {
				method = "POST"
				body, ct := multipartBody(t, "new.txt", "mine\n")
				w = upReq(h, "POST", "/", body, false, "Content-Type", ct)
			} else {
				w = upReq(h, "PUT", "/new.txt", []byte("mine\n"), false)
			}
			if w.Code != c.want {
				t.Errorf("%s of a name that became a %s meanwhile: %d, want %d", method, c.name, w.Code, c.want)
			}
			fi, err := os.Lstat(filepath.Join(dir, "new.txt"))
			switch {
			case err != nil:
				t.Fatal(err)
			case c.kept == "link" && fi.Mode()&os.ModeSymlink == 0, c.kept == "dir" && !fi.IsDir():
				t.Errorf("the %s was replaced: %v", c.name, fi.Mode())
			case c.kept == "":
				if b, _ := os.ReadFile(filepath.Join(dir, "new.txt")); string(b) != "mine\n" {
					t.Errorf("new.txt holds %q, want the upload", b)
				}
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "target.txt")); string(b) != "target\n" {
				t.Errorf("the link's target holds %q", b)
			}
		})
	}
}

func TestUploadOptions(t *testing.T) {
	if _, err := fileserver.New(os.DirFS(t.TempDir()), fileserver.Options{Upload: true}); err == nil {
		t.Error("New with Upload: no error")
	}
	for _, opts := range []fileserver.Options{{MaxUploadSize: 10}, {UploadOverwrite: true}, {Upload: true, MaxUploadSize: -1}} {
		if h, err := fileserver.NewDir(t.TempDir(), fileserver.SymlinksFollow, opts); err == nil {
			h.Close()
			t.Errorf("NewDir(%+v): no error", opts)
		}
	}
	// Without Upload, PUT and POST stay Python's 501.
	h, _ := fileserver.NewDir(t.TempDir(), fileserver.SymlinksFollow, fileserver.Options{})
	defer h.Close()
	for _, m := range []string{"PUT", "POST"} {
		if w := upReq(h, m, "/x", []byte("x"), false); w.Code != 501 {
			t.Errorf("%s without uploads: %d", m, w.Code)
		}
	}
	// With it, other methods still are.
	hu := newUploader(t, t.TempDir(), fileserver.SymlinksFollow, fileserver.Options{})
	if w := upReq(hu, "DELETE", "/x", nil, false); w.Code != 501 {
		t.Errorf("DELETE with uploads: %d", w.Code)
	}
}

// TestUploadSymlinks: whatever the policy for reads, an upload never
// writes outside the served directory, never through a link that leaves
// it, and never through any link with SymlinksNever.
func TestUploadSymlinks(t *testing.T) {
	for _, p := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside, fileserver.SymlinksNever} {
		t.Run(p.String(), func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "root")
			os.MkdirAll(filepath.Join(root, "dir"), 0o755)
			os.MkdirAll(filepath.Join(base, "outside"), 0o755)
			os.WriteFile(filepath.Join(base, "outside", "secret.txt"), []byte("SECRET\n"), 0o644)
			os.Symlink("../outside", filepath.Join(root, "outdir"))
			os.Symlink(filepath.Join(base, "outside"), filepath.Join(root, "outabs"))
			os.Symlink("dir", filepath.Join(root, "indir"))
			os.Symlink("../outside/secret.txt", filepath.Join(root, "secret.txt"))
			outside := tree(t, filepath.Join(base, "outside"))

			for _, overwrite := range []bool{false, true} {
				h, err := fileserver.NewDir(root, p, fileserver.Options{Upload: true, UploadOverwrite: overwrite})
				if err != nil {
					t.Fatal(err)
				}
				for _, target := range []string{"/outdir/new.txt", "/outabs/new.txt", "/outdir/secret.txt"} {
					if w := upReq(h, "PUT", target, []byte("x"), false); w.Code != 403 {
						t.Errorf("PUT %s (overwrite %v): %d, want 403", target, overwrite, w.Code)
					}
				}
				// ".." never climbs: these name root/outside/new.txt,
				// and root has no directory "outside".
				for _, target := range []string{"/%2E%2E/outside/new.txt", "/dir/../../outside/new.txt", "/../outside/new.txt"} {
					if w := upReq(h, "PUT", target, []byte("x"), false); w.Code != 409 || !strings.Contains(w.Body.String(), "No such directory") {
						t.Errorf("PUT %s: %d, want 409 No such directory", target, w.Code)
					}
				}
				// A name that is a link out: without overwrite it exists;
				// with it, the link itself is replaced, never its target.
				w := upReq(h, "PUT", "/secret.txt", []byte("replaced\n"), false)
				if !overwrite && w.Code != 409 || overwrite && w.Code != 409 {
					// A link is not a regular file: refused either way.
					t.Errorf("PUT over a link (overwrite %v): %d, want 409", overwrite, w.Code)
				}
				w = upReq(h, "PUT", "/indir/via-link.txt", []byte("x"), false)
				want := map[bool]int{false: 201, true: 204}[overwrite]
				if p == fileserver.SymlinksNever {
					want = 403
				}
				if w.Code != want {
					t.Errorf("PUT through a link inside (overwrite %v): %d, want %d", overwrite, w.Code, want)
				}
				h.Close()
			}
			sameTree(t, filepath.Join(base, "outside"), outside)
		})
	}
}

// An upload never writes into a hidden directory or an excluded one
// (the CGI directories), whether the request names it or a link inside
// the tree leads there, at any depth.
func TestUploadIntoRefusedDirs(t *testing.T) {
	for _, p := range []fileserver.SymlinkPolicy{fileserver.SymlinksFollow, fileserver.SymlinksInside} {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range []string{".ssh", ".git/hooks", "cgi-bin/sub", "a", "pub"} {
				os.MkdirAll(filepath.Join(dir, d), 0o755)
			}
			for link, target := range map[string]string{
				"keys": ".ssh", "a/b": "../.git", "a/c": "b/hooks", "scripts": "cgi-bin",
				"pub/deep": "../cgi-bin/sub", "pub/up": "../pub/../.ssh", "ok": "pub",
			} {
				if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
					t.Fatal(err)
				}
			}
			before := tree(t, dir)
			h := newUploader(t, dir, p, fileserver.Options{ExcludeDirs: []string{"/cgi-bin"}})
			hidden, excluded := "Uploads into hidden directories are refused", "Uploads into this directory are refused"
			for target, msg := range map[string]string{
				"/.ssh/authorized_keys": hidden, "/keys/authorized_keys": hidden, "/a/b/config": hidden,
				"/a/c/post-checkout": hidden, "/pub/up/authorized_keys": hidden,
				"/cgi-bin/x.cgi": excluded, "/CGI-BIN/x.cgi": excluded, "/cgi-bin/sub/x.cgi": excluded,
				"/scripts/x.cgi": excluded, "/pub/deep/x.cgi": excluded,
			} {
				w := upReq(h, "PUT", target, []byte("pwned\n"), false)
				if w.Code != 403 || !strings.Contains(w.Body.String(), msg) {
					t.Errorf("PUT %s: %d, want 403 %q", target, w.Code, msg)
				}
				body, ct := multipartBody(t, "x.txt", "pwned\n")
				dirTarget := target[:strings.LastIndexByte(target, '/')+1]
				if w := upReq(h, "POST", dirTarget, body, false, "Content-Type", ct); w.Code != 403 || !strings.Contains(w.Body.String(), msg) {
					t.Errorf("POST %s: %d, want 403 %q", dirTarget, w.Code, msg)
				}
			}
			sameTree(t, dir, before)
			// A link to a directory that takes uploads still does.
			if w := upReq(h, "PUT", "/ok/new.txt", []byte("fine\n"), false); w.Code != 201 {
				t.Errorf("PUT through a link to a visible directory: %d, want 201", w.Code)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "pub", "new.txt")); string(b) != "fine\n" {
				t.Errorf("pub/new.txt: %q, %v", b, err)
			}
		})
	}
}

// A directory whose path, walked again from the root without following
// links, does not lead to it (a link swapped after it was opened) is
// refused rather than named.
func TestUploadDirMoved(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".ssh"), 0o700)
	os.MkdirAll(filepath.Join(dir, "pub", "sub"), 0o755)
	os.Symlink("pub", filepath.Join(dir, "link"))
	h := newUploader(t, dir, fileserver.SymlinksInside, fileserver.Options{})
	ssh, err := os.Open(filepath.Join(dir, ".ssh"))
	if err != nil {
		t.Fatal(err)
	}
	defer ssh.Close()
	// Opened through "link" when it led to .ssh; it now leads to pub.
	if got, err := fileserver.UploadDirAt(h, ssh, "link"); err == nil {
		t.Errorf(".ssh opened as link, now to pub: found at %q, want an error", got)
	}
	sub, err := os.Open(filepath.Join(dir, "pub", "sub"))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if got, err := fileserver.UploadDirAt(h, sub, "link/../link/sub"); got != "pub/sub" || err != nil {
		t.Errorf("pub/sub opened as link/../link/sub: found at %q, %v", got, err)
	}
}

// multipartBody builds a multipart/form-data body of files (name,
// content pairs) and fields (FIELD=value).
func multipartBody(t *testing.T, parts ...string) (body []byte, contentType string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary("BOUNDARY")
	for i := 0; i+1 < len(parts); i += 2 {
		var pw io.Writer
		var err error
		if field, ok := strings.CutPrefix(parts[i], "FIELD="); ok {
			pw, err = mw.CreateFormField(field)
		} else {
			hdr := make(textproto.MIMEHeader)
			hdr.Set("Content-Disposition", `form-data; name="file"; filename="`+strings.ReplaceAll(parts[i], `"`, `\"`)+`"`)
			hdr.Set("Content-Type", "application/octet-stream")
			pw, err = mw.CreatePart(hdr)
		}
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(parts[i+1]))
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func TestPost(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "sub dir"), 0o755)
		h := newUploader(t, dir, fileserver.SymlinksInside, fileserver.Options{})
		body, ct := multipartBody(t, "FIELD=note", "ignored", "a.txt", "A\n", `C:\Users\me\b <&>.txt`, "B\n", "../../etc/passwd", "P\n", "", "")
		w := upReq(h, "POST", "/sub%20dir/", body, false, "Content-Type", ct)
		var b bytes.Buffer
		transcript(&b, "POST /sub%20dir/ (a.txt, b <&>.txt, passwd, a field and an empty file input)", w)
		body, ct = multipartBody(t, "one.txt", "1\n")
		w = upReq(h, "POST", "/", body, true, "Content-Type", ct)
		transcript(&b, "POST / (one.txt, chunked)", w)
		goldenfile.Check(t, "testdata/TestPost.golden", b.Bytes())
		sameTree(t, dir, map[string]string{
			"./": "", "sub dir/": "", "sub dir/a.txt": "A\n", "sub dir/b <&>.txt": "B\n", "sub dir/passwd": "P\n", "one.txt": "1\n",
		})
	})
}

// The page a multipart upload answers with links the files and the
// listing right whether or not the directory's URL ends in '/', under a
// mount prefix too: each link, resolved against the request's URL, is
// where the file is served.
func TestPostWithoutSlash(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub dir"), 0o755)
	h := newUploader(t, dir, fileserver.SymlinksInside, fileserver.Options{})
	mux := http.NewServeMux()
	mux.Handle("/share/", http.StripPrefix("/share/", h))
	mux.Handle("/share", http.StripPrefix("/share", h))
	for i, target := range []string{"/share/sub%20dir", "/share/sub%20dir/", "/share", "/share/"} {
		name := fmt.Sprintf("f%d.txt", i)
		w, base, links := postForLinks(t, mux, target, name)
		file, _ := url.Parse(links[0])
		back, _ := url.Parse(links[1])
		dirURL := strings.TrimSuffix(target, "/") + "/"
		if got := base.ResolveReference(file).RequestURI(); got != dirURL+name || got != w.Header().Get("Location") {
			t.Errorf("POST %s: the file's link %q leads to %s, want %s (Location %s)", target, links[0], got, dirURL+name, w.Header().Get("Location"))
		}
		if got := base.ResolveReference(back).RequestURI(); got != dirURL {
			t.Errorf("POST %s: the listing's link %q leads to %s, want %s", target, links[1], got, dirURL)
		}
		if g := upReq(mux, "GET", dirURL+name, nil, false); g.Body.String() != "content "+name {
			t.Errorf("GET %s: %d %q", dirURL+name, g.Code, g.Body)
		}
	}
}

// TestPostAllOrNothing: a multipart upload that is refused at any point
// stores none of its files.
func TestPostAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "taken.txt"), []byte("mine\n"), 0o644)
	before := tree(t, dir)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{MaxUploadSize: 1000})
	var b bytes.Buffer
	for _, tc := range []struct {
		what  string
		parts []string
		ct    string
	}{
		{"a name that exists, second", []string{"new.txt", "x", "taken.txt", "y"}, ""},
		{"the same name twice", []string{"new.txt", "x", "new.txt", "y"}, ""},
		{"a bad name, second", []string{"new.txt", "x", ".env", "y"}, ""},
		{"no file", []string{"FIELD=a", "b"}, ""},
		{"over the limit in the second file", []string{"new.txt", "x", "big.bin", strings.Repeat("z", 2000)}, ""},
		{"not multipart", []string{"new.txt", "x"}, "application/x-www-form-urlencoded"},
	} {
		body, ct := multipartBody(t, tc.parts...)
		if tc.ct != "" {
			ct = tc.ct
		}
		w := upReq(h, "POST", "/", body, true, "Content-Type", ct)
		transcript(&b, "POST / ("+tc.what+")", w)
	}
	// A multipart body cut short.
	body, ct := multipartBody(t, "new.txt", "x", "cut.txt", strings.Repeat("c", 500))
	w := upReq(h, "POST", "/", body[:len(body)-300], false, "Content-Type", ct)
	transcript(&b, "POST / (body cut short)", w)
	// To a directory that is not there.
	body, ct = multipartBody(t, "new.txt", "x")
	w = upReq(h, "POST", "/missing/", body, false, "Content-Type", ct)
	transcript(&b, "POST /missing/", w)
	goldenfile.Check(t, "testdata/TestPostAllOrNothing.golden", b.Bytes())
	sameTree(t, dir, before)
}

func testPostOverwriteAllOrNothing(t *testing.T, afterFailure string) {
	for _, existed := range []bool{true, false} {
		dir := t.TempDir()
		want := map[string]string{"./": "", "b.txt/": ""}
		if existed {
			os.WriteFile(filepath.Join(dir, "a.txt"), []byte("old a\n"), 0o644)
			want["a.txt"] = afterFailure
		}
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true})
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		r := httptest.NewRequest("POST", "/", pr)
		r.ContentLength = -1
		r.Header.Set("Content-Type", mw.FormDataContentType())
		w := httptest.NewRecorder()
		served := make(chan struct{})
		go func() { h.ServeHTTP(w, r); close(served) }()
		p, _ := mw.CreateFormFile("f", "a.txt")
		p.Write([]byte("new a\n"))
		p, _ = mw.CreateFormFile("f", "b.txt")
		// Returns once the handler reads it: b.txt was checked.
		p.Write(bytes.Repeat([]byte("b"), 300<<10))
		os.Mkdir(filepath.Join(dir, "b.txt"), 0o755)
		mw.Close()
		pw.Close()
		<-served
		if w.Code != 409 {
			t.Errorf("a.txt existed %v: %d, want 409", existed, w.Code)
		}
		sameTree(t, dir, want)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("old a\n"), 0o644)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: true})
	body, ct := multipartBody(t, "a.txt", "new a\n", "b.txt", "new b\n")
	if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 201 {
		t.Errorf("POST over a.txt: %d, want 201", w.Code)
	}
	sameTree(t, dir, map[string]string{"./": "", "a.txt": "new a\n", "b.txt": "new b\n"})
}

// TestUploadDiskFull: a write that fails as a full disk does answers 507
// and leaves nothing behind, for PUT and POST.
func TestUploadDiskFull(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		before := tree(t, dir)
		defer fileserver.SetUploadWriter(func(f *os.File) io.Writer { return &fullDisk{f: f, room: 5000} })()
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
		if w := upReq(h, "PUT", "/big.bin", bytes.Repeat([]byte("x"), 100000), false); w.Code != 507 || !strings.Contains(w.Body.String(), "Not enough space on the disk") {
			t.Errorf("PUT on a full disk: %d %s", w.Code, w.Body)
		}
		body, ct := multipartBody(t, "small.txt", "x", "big.bin", strings.Repeat("y", 100000))
		if w := upReq(h, "POST", "/", body, false, "Content-Type", ct); w.Code != 507 {
			t.Errorf("POST on a full disk: %d", w.Code)
		}
		sameTree(t, dir, before)
	})
}

// TestUploadDiskFullLog: uploads that fail on a full disk are logged
// once when it begins and once when an upload is stored again, not once
// each: a script that retried its upload every second wrote a line a
// second to the server's log, for as long as the disk stayed full.
func TestUploadDiskFullLog(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	restore := fileserver.SetUploadWriter(func(f *os.File) io.Writer { return &fullDisk{f: f, room: 10} })
	const tries = 5
	for i := range tries {
		w := upReq(h, "PUT", fmt.Sprintf("/big%d.bin", i), bytes.Repeat([]byte("x"), 1000), true)
		if w.Code != 507 {
			t.Fatalf("PUT on a full disk: %d, want 507", w.Code)
		}
	}
	body, ct := multipartBody(t, "a.txt", strings.Repeat("y", 1000))
	if w := upReq(h, "POST", "/", body, true, "Content-Type", ct); w.Code != 507 {
		t.Fatalf("POST on a full disk: %d, want 507", w.Code)
	}
	restore()
	if w := upReq(h, "PUT", "/ok.txt", []byte("ok\n"), false); w.Code != 201 {
		t.Fatalf("PUT once there is room: %d, want 201", w.Code)
	}
	lines := uploadLogLines(&log)
	if len(lines) != 2 ||
		!strings.Contains(lines[0], `level=WARN msg="fileserver: no space left for uploads, answering 507" err=`) ||
		!strings.Contains(lines[0], `no space left on device" failures=1`) ||
		!strings.HasSuffix(lines[1], `level=INFO msg="fileserver: no space left for uploads, answering 507: recovered" failures=`+fmt.Sprint(tries)) {
		t.Errorf("log of %d uploads on a full disk and one stored =\n%s\nwant one WARN line with failures=1 and one INFO recovered line with failures=%d", tries+1, log.String(), tries)
	}
}

// uploadLogLines are the lines of log but the warning that a
// ResponseRecorder cannot set read deadlines.
func uploadLogLines(log *bytes.Buffer) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n") {
		if !strings.Contains(l, "UploadIdleTimeout has no effect") {
			lines = append(lines, l)
		}
	}
	return lines
}

// fullDisk writes room bytes to f, then fails with ENOSPC.
type fullDisk struct {
	f    *os.File
	room int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.room {
		n, _ := d.f.Write(p[:d.room])
		d.room = 0
		return n, &os.PathError{Op: "write", Path: d.f.Name(), Err: syscall.ENOSPC}
	}
	d.room -= len(p)
	return d.f.Write(p)
}

// TestUploadConcurrentSameName: of uploads of one name at once, exactly
// one creates it and the others get 409; the file holds the whole body
// of the one that won, never a mix.
func TestUploadConcurrentSameName(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
		const n = 8
		codes := make([]int, n)
		bodies := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			bodies[i] = bytes.Repeat([]byte{byte('a' + i)}, 300000)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					codes[i] = upReq(h, "PUT", "/same.bin", bodies[i], true).Code
				} else {
					body, ct := multipartBody(t, "same.bin", string(bodies[i]))
					codes[i] = upReq(h, "POST", "/", body, false, "Content-Type", ct).Code
				}
			}()
		}
		wg.Wait()
		won := -1
		for i, c := range codes {
			switch c {
			case 201:
				if won >= 0 {
					t.Errorf("uploads %d and %d both got 201", won, i)
				}
				won = i
			case 409:
			default:
				t.Errorf("upload %d: %d", i, c)
			}
		}
		got, _ := os.ReadFile(filepath.Join(dir, "same.bin"))
		if won < 0 || !bytes.Equal(got, bodies[won]) {
			t.Errorf("the file holds %d bytes starting %q, not the winner's (%d)", len(got), got[:min(len(got), 8)], won)
		}
		if names, _ := os.ReadDir(dir); len(names) != 1 {
			t.Errorf("left in the directory: %v", names)
		}
	})
}

// startPut starts a PUT of target to h whose body is written to pw;
// served is closed when the handler returns.
func startPut(h http.Handler, target string, length int64) (pw *io.PipeWriter, w *httptest.ResponseRecorder, served chan struct{}) {
	pr, pw := io.Pipe()
	r := httptest.NewRequest("PUT", target, pr)
	r.ContentLength = length
	w = httptest.NewRecorder()
	served = make(chan struct{})
	go func() { h.ServeHTTP(w, r); close(served) }()
	return pw, w, served
}

// TestUploadInFlight: while an upload is on its way its temporary file
// is neither listed nor served, and Close waits for it to end.
func TestUploadInFlight(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Upload: true})
		if err != nil {
			t.Fatal(err)
		}
		pw, w, served := startPut(h, "/slow.txt", -1)
		pw.Write([]byte("first half "))
		// The bytes are in a temporary file now (the write returned once
		// the handler read them); find it if it has a name.
		entries, _ := os.ReadDir(dir)
		// A named temporary file is there, hidden (an unnamed one is
		// not, where the file system has O_TMPFILE).
		if strings.HasSuffix(t.Name(), "/named") && len(entries) != 1 {
			t.Errorf("mid-upload the directory holds %v; want the temporary file", entries)
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), fileserver.TempPrefix) {
				t.Errorf("unexpected %q in the directory mid-upload", e.Name())
				continue
			}
			if g := upReq(h, "GET", "/"+e.Name(), nil, false); g.Code != 404 {
				t.Errorf("GET of the temporary file: %d", g.Code)
			}
		}
		if l := upReq(h, "GET", "/", nil, false); strings.Contains(l.Body.String(), fileserver.TempPrefix) || !strings.Contains(l.Body.String(), "<form") {
			t.Errorf("listing mid-upload:\n%s", l.Body)
		}
		if l := upReq(h, "GET", "/", nil, false, "Accept", "application/json"); strings.Contains(l.Body.String(), fileserver.TempPrefix) {
			t.Errorf("JSON listing mid-upload:\n%s", l.Body)
		}
		closed := make(chan struct{})
		go func() { h.Close(); close(closed) }()
		select {
		case <-closed:
			t.Fatal("Close returned with an upload in flight")
		case <-served:
			t.Fatal("the upload ended before its body did")
		default:
		}
		pw.Write([]byte("second half"))
		pw.Close()
		<-served
		<-closed
		if w.Code != 201 {
			t.Errorf("upload during Close: %d", w.Code)
		}
		sameTree(t, dir, map[string]string{"./": "", "slow.txt": "first half second half"})
		// After Close, no upload starts.
		if w := upReq(h, "PUT", "/late.txt", []byte("x"), false); w.Code != 503 {
			t.Errorf("upload after Close: %d", w.Code)
		}
	})
}

// TestUploadClientGone: a client that goes away mid-upload leaves no
// trace, whether its connection breaks or the body ends short.
func TestUploadClientGone(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, fileserver.Options{Upload: true})
		if err != nil {
			t.Fatal(err)
		}
		pw, w, served := startPut(h, "/gone.txt", 1<<20)
		pw.Write(bytes.Repeat([]byte("x"), 1000))
		pw.CloseWithError(errors.New("connection reset by peer"))
		<-served
		h.Close()
		if w.Code != 400 {
			t.Errorf("status %d", w.Code)
		}
		sameTree(t, dir, map[string]string{"./": ""})
	})
}

// TestUploadHalfClose: a body that arrived whole is stored, even if the
// request's context is done by the time it has been read: net/http
// cancels it when the client half-closes its connection after sending
// the request (as nc -N does) and waits for the answer. Such uploads got
// 400 "Incomplete upload" and were dropped, now and then.
func TestUploadHalfClose(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
		mp, ct := multipartBody(t, "b.txt", "b\n")
		for _, tc := range []struct{ method, target, ct, body string }{
			{"PUT", "/a.txt", "", "a\n"},
			{"POST", "/", ct, string(mp)},
		} {
			ctx, cancel := context.WithCancel(context.Background())
			r := httptest.NewRequest(tc.method, tc.target, &cancelAtEOF{r: strings.NewReader(tc.body), cancel: cancel}).WithContext(ctx)
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 201 {
				t.Errorf("%s %s: %d %s", tc.method, tc.target, w.Code, w.Body)
			}
		}
		sameTree(t, dir, map[string]string{"./": "", "a.txt": "a\n", "b.txt": "b\n"})
	})
}

// cancelAtEOF reads r, and calls cancel when it reaches its end.
type cancelAtEOF struct {
	r      io.Reader
	cancel func()
}

func (c *cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

// TestPostPartHeadTooLarge: a part's header over 64 KiB gets 400, and no
// more of it is read (mime/multipart would hold up to 10 MiB of it in
// memory, for as long as its client let it wait); headers of browsers'
// size are taken.
func TestPostPartHeadTooLarge(t *testing.T) {
	dir := t.TempDir()
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	for _, pad := range []int{1000, 100 << 10, 9 << 20} {
		body := "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a" + itoa(pad) + "\"\r\nX-Pad: " +
			strings.Repeat("x", pad) + "\r\n\r\ndata\r\n--B--\r\n"
		sr := strings.NewReader(body)
		r := httptest.NewRequest("POST", "/", sr)
		r.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if pad < 64<<10 {
			if w.Code != 201 {
				t.Errorf("part header of %d bytes: %d %s", pad, w.Code, w.Body)
			}
			continue
		}
		if w.Code != 400 || !strings.Contains(w.Body.String(), "Multipart part header larger than 65536 bytes") {
			t.Errorf("part header of %d bytes: %d %s", pad, w.Code, w.Body)
		}
		if read := len(body) - sr.Len(); read > 128<<10 {
			t.Errorf("part header of %d bytes: %d bytes of the body read", pad, read)
		}
	}
	sameTree(t, dir, map[string]string{"./": "", "a1000": "data"})
}

func TestListingUploadForm(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	w := upReq(h, "GET", "/", nil, false)
	goldenfile.Check(t, "testdata/TestListingUploadForm.golden", w.Body.Bytes())
}

// TestListingNoFormWhereRefused: the listing of a directory that uploads
// never write into (a hidden one, one inside it, one of ExcludeDirs)
// offers no upload form, in either listing style, cached or not, since
// every upload from it would get 403; its neighbours keep the form.
func TestListingNoFormWhereRefused(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{".private/inner", "cgi-bin", "sub"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, style := range []fileserver.ListingStyle{fileserver.ListingPython, fileserver.ListingRich} {
		for _, nocache := range []bool{false, true} {
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{
				Listing: style, ExcludeDirs: []string{"/cgi-bin"}, DisableCache: nocache})
			for path, form := range map[string]bool{
				"/": true, "/sub/": true, "/.private/": false, "/.private/inner/": false, "/cgi-bin/": false,
			} {
				for range 2 { // the second from the cache
					w := upReq(h, "GET", path, nil, false)
					if got := strings.Contains(w.Body.String(), `enctype="multipart/form-data"`); w.Code != 200 || got != form {
						t.Errorf("style %v, no cache %v: GET %s: %d, form %v, want 200 and form %v", style, nocache, path, w.Code, got, form)
					}
				}
			}
		}
	}
}

// TestUploadOutOfDescriptors: an upload that fails for lack of file
// descriptors gets 503 with Retry-After, as reads do, and leaves nothing;
// the log says so once, and once an upload is stored again says that it
// is over, on a server that takes uploads and serves nothing meanwhile.
func TestUploadOutOfDescriptors(t *testing.T) {
	dir := t.TempDir()
	restore := fileserver.SetUploadWriter(func(f *os.File) io.Writer { return emfileWriter{} })
	var log bytes.Buffer
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	for range 3 {
		w := upReq(h, "PUT", "/a.txt", []byte("x"), false)
		if w.Code != 503 || w.Header().Get("Retry-After") != "1" {
			t.Errorf("PUT out of descriptors: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
	}
	sameTree(t, dir, map[string]string{"./": ""})
	restore()
	if w := upReq(h, "PUT", "/a.txt", []byte("x"), false); w.Code != 201 {
		t.Errorf("PUT with descriptors back: %d, want 201", w.Code)
	}
	lines := uploadLogLines(&log)
	if len(lines) != 2 ||
		!strings.Contains(lines[0], `level=WARN msg="fileserver: out of file descriptors or memory, answering 503" err=`) ||
		!strings.HasSuffix(lines[1], `level=INFO msg="fileserver: out of file descriptors or memory, answering 503: recovered" failures=2`) {
		t.Errorf("log =\n%s\nwant one WARN line when it began and one INFO line when an upload was stored again", log.String())
	}
}

type emfileWriter struct{}

func (emfileWriter) Write(p []byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "x", Err: syscall.EMFILE}
}

// TestRichListingUploadAndArchives: the rich listing shows the upload
// form and the archive buttons exactly when their options are on.
func TestRichListingUploadAndArchives(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	for _, opts := range []fileserver.Options{
		{Listing: fileserver.ListingRich},
		{Listing: fileserver.ListingRich, Upload: true, Archive: true},
	} {
		h, err := fileserver.NewDir(dir, fileserver.SymlinksFollow, opts)
		if err != nil {
			t.Fatal(err)
		}
		body := upReq(h, "GET", "/", nil, false).Body.String()
		h.Close()
		form := strings.Contains(body, `enctype="multipart/form-data"`) && strings.Contains(body, `type="file" name="file" multiple`)
		links := strings.Contains(body, `<button name="download" value="zip">`) && strings.Contains(body, `<button name="download" value="tar.gz">`) && strings.Contains(body, `<button name="download" value="tar.zst">`)
		if form != opts.Upload || links != opts.Archive {
			t.Errorf("Upload %v, Archive %v: form shown %v, archive buttons shown %v", opts.Upload, opts.Archive, form, links)
		}
	}
}

// TestUploadBufferBudget: uploads that hold their copy buffers (a client
// that sends a little and then waits) take large buffers only within the
// budget; the ones past it copy through small buffers and still store
// their files whole. The log says so once, and once more when an upload
// takes a large buffer again.
func TestUploadBufferBudget(t *testing.T) {
	dir := t.TempDir()
	var log syncbuf.Buffer
	h := newUploader(t, dir, fileserver.SymlinksInside, fileserver.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	fileserver.SetUploadBufferBudget(h, 512<<10) // two 256 KiB buffers
	const uploads = 5
	want := map[string]string{"./": ""}
	type put struct {
		pw     *io.PipeWriter
		w      *httptest.ResponseRecorder
		served chan struct{}
		rest   string
	}
	var puts []put
	for i := range uploads {
		name := fmt.Sprintf("up%d.txt", i)
		first, rest := strings.Repeat(name, 1000), strings.Repeat("rest", 100000)
		want[name] = first + rest
		pw, w, served := startPut(h, "/"+name, int64(len(first)+len(rest)))
		// The write returns once the handler has read the bytes: it holds
		// its buffer.
		if _, err := pw.Write([]byte(first)); err != nil {
			t.Fatal(err)
		}
		puts = append(puts, put{pw, w, served, rest})
	}
	if got := fileserver.UploadBuffers(h); got != 512<<10 {
		t.Errorf("large buffers held by %d uploads: %d bytes, want the budget, %d", uploads, got, 512<<10)
	}
	const begins = `fileserver: upload buffers in flight at their limit, copying through 32 KiB`
	if n := strings.Count(log.String(), begins+`" err="upload buffers in flight hold 524288 bytes, 262144 more would pass their limit (524288)" failures=1`); n != 1 {
		t.Errorf("log says %d times that uploads are past the budget, want once:\n%s", n, log.String())
	}
	for _, p := range puts {
		if _, err := io.WriteString(p.pw, p.rest); err != nil {
			t.Fatal(err)
		}
		p.pw.Close()
		<-p.served
		if p.w.Code != http.StatusCreated {
			t.Errorf("status %d, want 201; body %q", p.w.Code, p.w.Body)
		}
	}
	if got := fileserver.UploadBuffers(h); got != 0 {
		t.Errorf("large buffers held once the uploads are over: %d bytes", got)
	}
	// The next upload takes a large buffer again: the episode is over.
	if w := upReq(h, "PUT", "/after.txt", []byte("after\n"), false); w.Code != http.StatusCreated {
		t.Errorf("PUT once the uploads are over: %d, want 201", w.Code)
	}
	want["after.txt"] = "after\n"
	if n := strings.Count(log.String(), begins+`: recovered" failures=2`); n != 1 {
		t.Errorf("log says %d times that the budget has room again (after 3 uploads past it), want once:\n%s", n, log.String())
	}
	sameTree(t, dir, want)
}

// A browser holds the ETag of the representation it was sent, compressed
// or a precompressed copy: a PUT's If-Match and If-None-Match take it as
// naming the file's current version, as the plain file's own ETag does,
// and not once the file has changed.
func TestPutPreconditionsEncoded(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts fileserver.Options
	}{
		{"plain", fileserver.Options{UploadOverwrite: true}},
		{"Compress", fileserver.Options{UploadOverwrite: true, Compress: true}},
		{"Precompressed", fileserver.Options{UploadOverwrite: true, Precompressed: []string{"gzip"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			content := strings.Repeat("some text that compresses well\n", 200)
			old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
			reset := func() {
				t.Helper()
				if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				os.Chtimes(filepath.Join(dir, "a.txt"), old, old)
			}
			reset()
			if err := os.WriteFile(filepath.Join(dir, "a.txt.gz"), []byte("a copy"), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(filepath.Join(dir, "a.txt.gz"), old, old) // made with the file: stale once it changes
			h := newUploader(t, dir, fileserver.SymlinksFollow, tc.opts)
			etag := func() string {
				g := upReq(h, "GET", "/a.txt", nil, false, "Accept-Encoding", "gzip")
				if want := tc.name != "plain"; (g.Header().Get("Content-Encoding") == "gzip") != want {
					t.Fatalf("GET: Content-Encoding %q", g.Header().Get("Content-Encoding"))
				}
				return g.Header().Get("Etag")
			}
			tag := etag()
			if w := upReq(h, "PUT", "/a.txt", []byte("new\n"), false, "If-None-Match", tag); w.Code != 412 {
				t.Errorf("If-None-Match %s, the GET's: %d, want 412", tag, w.Code)
			}
			if w := upReq(h, "PUT", "/a.txt", []byte("new\n"), false, "If-Match", tag); w.Code != 204 {
				t.Errorf("If-Match %s, the GET's: %d, want 204", tag, w.Code)
			}
			// The file has changed since: the same tag is stale.
			if w := upReq(h, "PUT", "/a.txt", []byte("newer\n"), false, "If-Match", tag); w.Code != 412 {
				t.Errorf("If-Match %s after a change: %d, want 412", tag, w.Code)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "a.txt")); string(b) != "new\n" {
				t.Errorf("the file holds %q, want the first PUT's", b)
			}
		})
	}
}

// A multipart post may bring at most 1,000 files, each held open until
// the last has arrived: one more is refused with 413, and none is kept.
func TestPostFileLimit(t *testing.T) {
	dir := t.TempDir()
	before := tree(t, dir)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	parts := make([]string, 0, 2*1001)
	for i := range 1001 {
		parts = append(parts, fmt.Sprintf("f%d.txt", i), "x")
	}
	body, ct := multipartBody(t, parts...)
	w := upReq(h, "POST", "/", body, false, "Content-Type", ct)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "Message: More than 1000 files in one upload.") {
		t.Errorf("1,001 files: %d\n%s", w.Code, w.Body)
	}
	sameTree(t, dir, before)
}

// removingReader removes a directory when the body is first read, as
// another client or a cleanup script may while an upload arrives.
type removingReader struct {
	r    io.Reader
	dir  string
	done bool
}

func (rr *removingReader) Read(p []byte) (int, error) {
	if !rr.done {
		rr.done = true
		if err := os.RemoveAll(rr.dir); err != nil {
			return 0, err
		}
	}
	return rr.r.Read(p)
}

// TestUploadDirRemovedMeanwhile: a directory removed while an upload's
// body arrives gets 409 "No such directory", what a PUT into a directory
// that is not there gets, not a 500 and a warning in the log.
func TestUploadDirRemovedMeanwhile(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		for _, overwrite := range []bool{false, true} {
			dir := t.TempDir()
			sub := filepath.Join(dir, "sub")
			var form bytes.Buffer
			mw := multipart.NewWriter(&form)
			fw, _ := mw.CreateFormFile("file", "posted.txt")
			fw.Write([]byte("posted\n"))
			mw.Close()
			var logs bytes.Buffer
			h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{UploadOverwrite: overwrite,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			for _, tt := range []struct {
				method, target, ct string
				body               []byte
			}{
				{"PUT", "/sub/new.txt", "", []byte("hello\n")},
				{"POST", "/sub/", mw.FormDataContentType(), form.Bytes()},
			} {
				if err := os.Mkdir(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				r := httptest.NewRequest(tt.method, tt.target, &removingReader{r: bytes.NewReader(tt.body), dir: sub})
				r.ContentLength = int64(len(tt.body))
				if tt.ct != "" {
					r.Header.Set("Content-Type", tt.ct)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 409 || !strings.Contains(w.Body.String(), "No such directory") {
					t.Errorf("%s %s, overwrite %v, directory removed meanwhile: %d %.200q, want 409 No such directory", tt.method, tt.target, overwrite, w.Code, w.Body)
				}
			}
			if strings.Contains(logs.String(), "level=WARN msg=\"fileserver: upload failed") {
				t.Errorf("logged: %s", logs.String())
			}
			sameTree(t, dir, map[string]string{"./": ""})
		}
	})
}

// TestUploadLimitOfMiddleware: behind http.MaxBytesHandler (or any
// middleware that puts a smaller http.MaxBytesReader on the body), an
// upload past that limit got 413 with a page naming MaxUploadSize ("Upload
// larger than 1073741824 bytes") instead of the limit it passed.
func TestUploadLimitOfMiddleware(t *testing.T) {
	dir := t.TempDir()
	h := http.MaxBytesHandler(newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{}), 10)
	body := bytes.Repeat([]byte("x"), 100)
	form, ctype := multipartBody(t, "a.txt", string(body))
	for _, c := range []struct {
		name string
		w    *httptest.ResponseRecorder
	}{
		{"PUT", upReq(h, "PUT", "/a.txt", body, false)},
		{"chunked PUT", upReq(h, "PUT", "/a.txt", body, true)},
		{"POST", upReq(h, "POST", "/", form, false, "Content-Type", ctype)},
	} {
		if c.w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(c.w.Body.String(), "<p>Message: Upload larger than 10 bytes.</p>") {
			t.Errorf("%s: %d %q, want 413 \"Upload larger than 10 bytes\"", c.name, c.w.Code, c.w.Body)
		}
	}
	sameTree(t, dir, map[string]string{"./": ""})
}

// TestUploadTempNameAnyCase: with uploads on, a temporary file is not
// served under its name in another letter case either, as a file system
// that ignores case (vfat, exFAT, macOS's, where uploads use named
// temporary files) would open it. The file is made here under that
// spelling, as such a file system would find it.
func TestUploadTempNameAnyCase(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{tempNameForTest(), strings.ToUpper(tempNameForTest()), ".Simplehttp-Upload-4567"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("half an upload"), 0o644); err != nil {
			t.Fatal(err)
		}
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
		if w := upReq(h, "GET", "/"+name, nil, false); w.Code != 404 || strings.Contains(w.Body.String(), "half") {
			t.Errorf("GET /%s: %d %q, want 404", name, w.Code, w.Body.String())
		}
	}
}

// TestUploadIntoDirNotUTF8 uploads into a directory whose name is not
// UTF-8 ("d\xe9j\xe0", Latin-1), by the link its parent's listing gives
// it (each such byte as a surrogate escape, %ED%B3%A9 for 0xE9), as the
// upload form of its own listing posts. Every such upload was refused,
// 400 "Bad file name: not valid UTF-8", whatever the file's own name: the
// file goes into the directory, and a name of its own that is not UTF-8,
// or a stray byte (%E9) that names no directory, is still refused.
func TestUploadIntoDirNotUTF8(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d\xe9j\xe0"), 0o755); err != nil {
		t.Skipf("the file system takes no such name: %v", err)
	}
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{})
	listing := upReq(h, "GET", "/", nil, false)
	const link = "d%ED%B3%A9j%ED%B3%A0/"
	if !strings.Contains(listing.Body.String(), `href="`+link+`"`) {
		t.Fatalf("the listing does not link %q:\n%s", link, listing.Body)
	}
	if w := upReq(h, "PUT", "/"+link+"put.txt", []byte("put\n"), false); w.Code != 201 || w.Header().Get("Location") != "/"+link+"put.txt" {
		t.Errorf("PUT into the directory: %d, Location %q, %q", w.Code, w.Header().Get("Location"), w.Body)
	}
	body, ct := multipartBody(t, "posted.txt", "posted\n")
	if w := upReq(h, "POST", "/"+link, body, false, "Content-Type", ct); w.Code != 201 || !strings.Contains(w.Body.String(), `href="posted.txt"`) {
		t.Errorf("POST into the directory: %d %q", w.Code, w.Body)
	}
	for _, target := range []string{"/" + link + "caf%ED%B3%A9", "/d%E9j%E0/put2.txt", "/d%ED%A0%80/put3.txt"} {
		if w := upReq(h, "PUT", target, []byte("x"), false); w.Code != 400 {
			t.Errorf("PUT %s: %d, want 400", target, w.Code)
		}
	}
	sameTree(t, dir, map[string]string{
		"./": "", "d\xe9j\xe0/": "", "d\xe9j\xe0/put.txt": "put\n", "d\xe9j\xe0/posted.txt": "posted\n",
	})
	if w := upReq(h, "GET", "/"+link+"put.txt", nil, false); w.Code != 200 || w.Body.String() != "put\n" {
		t.Errorf("GET after PUT: %d %q", w.Code, w.Body)
	}
}

// TestPostLinksStayOnHost: the page a multipart upload to a path whose
// last segment starts with an escaped slash ("/%2F%2Fsub%2F") answers
// with links the file and the listing on this server: the segment,
// decoded, made them "//sub//f.txt", a link to the host "sub".
func TestPostLinksStayOnHost(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	h := newUploader(t, dir, fileserver.SymlinksInside, fileserver.Options{})
	for i, target := range []string{"/%2F%2Fsub%2F", "/%2fsub", "/x/..%2F%2Fsub"} {
		name := fmt.Sprintf("f%d.txt", i)
		_, base, links := postForLinks(t, h, target, name)
		for j, want := range []string{"content " + name, ""} {
			u, _ := base.Parse(links[j])
			if u.Host != "example.com" {
				t.Errorf("POST %s: the link %q leads to the host %q", target, links[j], u.Host)
				continue
			}
			g := upReq(h, "GET", u.RequestURI(), nil, false)
			if j == 0 && (g.Code != 200 || g.Body.String() != want) {
				t.Errorf("POST %s: the file's link %q: GET %s: %d %q, want %q", target, links[j], u.RequestURI(), g.Code, g.Body, want)
			}
			if j == 1 && (g.Code != 200 || !strings.Contains(g.Body.String(), `href="`+name+`"`)) {
				t.Errorf("POST %s: the listing's link %q: GET %s: %d, want the listing of sub", target, links[j], u.RequestURI(), g.Code)
			}
		}
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// postForLinks posts the file name (its content "content NAME") to
// target, and returns the answer, the URL it was posted to and the page's
// two links: the file's and the listing's.
func postForLinks(t *testing.T, h http.Handler, target, name string) (w *httptest.ResponseRecorder, base *url.URL, links []string) {
	t.Helper()
	body, ct := multipartBody(t, name, "content "+name)
	w = upReq(h, "POST", target, body, false, "Content-Type", ct)
	for _, m := range hrefRE.FindAllStringSubmatch(w.Body.String(), -1) {
		links = append(links, m[1])
	}
	if w.Code != 201 || len(links) != 2 {
		t.Fatalf("POST %s: %d, links %v", target, w.Code, links)
	}
	base, _ = url.Parse("http://example.com" + target)
	return w, base, links
}

// TestPostLinksFollowStorage: the page a multipart upload answers links
// the file where it was stored when the last segment of the path has an
// escaped empty segment before a "..": POST /a%2F%2F..%2Fb stores into b
// (Python's translate_path collapses "a//../b" to "b"), but the page
// linked "a//../b/f.txt", which a browser resolves to /a/b/f.txt, another
// directory's file of the same name.
func TestPostLinksFollowStorage(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a/b", "b"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "f0.txt"), []byte("another file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newUploader(t, dir, fileserver.SymlinksInside, fileserver.Options{})
	for i, target := range []string{"/a%2F%2F..%2Fb", "/a%2F%2F..%2F%2Fb"} {
		name := fmt.Sprintf("f%d.txt", i)
		w, base, links := postForLinks(t, h, target, name)
		if _, err := os.Stat(filepath.Join(dir, "b", name)); err != nil {
			t.Fatalf("POST %s: not stored in b: %v", target, err)
		}
		file, _ := base.Parse(links[0])
		if got := file.RequestURI(); got != w.Header().Get("Location") {
			t.Errorf("POST %s: the file's link %q leads to %s, want %s (Location)", target, links[0], got, w.Header().Get("Location"))
		}
		if g := upReq(h, "GET", file.RequestURI(), nil, false); g.Code != 200 || g.Body.String() != "content "+name {
			t.Errorf("POST %s: the file's link %q: GET %s: %d %q, want %q", target, links[0], file.RequestURI(), g.Code, g.Body, "content "+name)
		}
		back, _ := base.Parse(links[1])
		if g := upReq(h, "GET", back.RequestURI(), nil, false); g.Code != 200 || !strings.Contains(g.Body.String(), `href="`+name+`"`) {
			t.Errorf("POST %s: the listing's link %q: GET %s: %d, want the listing of b", target, links[1], back.RequestURI(), g.Code)
		}
	}
}

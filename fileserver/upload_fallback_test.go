package fileserver_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// TestUploadFallbackRefused: an upload never creates or replaces the
// Fallback file, nor a precompressed copy of it, whether it exists or
// not: served for every client-side route, an uploader's file there
// would take over the application. Before, with the file not built yet,
// anyone could upload it and have it served at /users/42.
func TestUploadFallbackRefused(t *testing.T) {
	eachTemp(t, func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "app"), 0o755)
		os.Symlink("app", filepath.Join(dir, "link"))
		before := tree(t, dir)
		h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{
			Fallback: "app/index.html", Precompressed: []string{"gzip", "zstd"},
		})
		refused := func(target, name string) {
			t.Helper()
			w := upReq(h, "PUT", target, []byte("<script>steal()</script>"), false)
			if w.Code != 403 || !strings.Contains(w.Body.String(), "Uploads to the fallback file are refused") {
				t.Errorf("PUT %s: %d %q, want 403", target, w.Code, w.Body)
			}
			dirURL := target[:strings.LastIndexByte(target, '/')+1]
			body, ct := multipartBody(t, name, "<script>steal()</script>")
			if w := upReq(h, "POST", dirURL, body, false, "Content-Type", ct); w.Code != 403 || !strings.Contains(w.Body.String(), "Uploads to the fallback file are refused") {
				t.Errorf("POST %s to %s: %d %q, want 403", name, dirURL, w.Code, w.Body)
			}
		}
		refused("/app/index.html", "index.html")
		refused("/link/index.html", "index.html") // through a link
		refused("/app/INDEX.HTML", "INDEX.HTML")  // a file system that ignores case opens it
		refused("/app/index.html.gz", "index.html.gz")
		refused("/app/index.html.Z%C5%BFT", "index.html.Z\u017fT") // ſ is an s
		// ZFS's formKC opens a fullwidth letter as the ASCII one, and
		// ext4's casefold the ligature st as "st".
		refused("/app/%EF%BD%89ndex.html", "\uff49ndex.html")
		refused("/app/index.html.z%EF%AC%86", "index.html.z\ufb06")
		sameTree(t, dir, before)
		if w := upReq(h, "GET", "/users/42", nil, false, "Accept", "text/html"); w.Code != 404 {
			t.Errorf("GET /users/42: %d %q, want 404", w.Code, w.Body)
		}
		// Other names, and the same name elsewhere, are taken.
		for _, target := range []string{"/app/main.js", "/index.html", "/app/index.htm"} {
			if w := upReq(h, "PUT", target, []byte("x"), false); w.Code != 201 {
				t.Errorf("PUT %s: %d, want 201", target, w.Code)
			}
		}
	})
	// Built, the file is not replaced with UploadOverwrite either.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("app\n"), 0o644)
	h := newUploader(t, dir, fileserver.SymlinksFollow, fileserver.Options{Fallback: "index.html", UploadOverwrite: true})
	if w := upReq(h, "PUT", "/index.html", []byte("<script>steal()</script>"), false); w.Code != 403 {
		t.Errorf("PUT /index.html with UploadOverwrite: %d, want 403", w.Code)
	}
	if w := upReq(h, "GET", "/users/42", nil, false, "Accept", "text/html"); w.Code != 200 || w.Body.String() != "app\n" {
		t.Errorf("GET /users/42: %d %q, want the application", w.Code, w.Body)
	}
}

package fileserver_test

import (
	"archive/zip"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/simplehttp/simplehttp/fileserver"
)

func ExampleNew() {
	fsys := fstest.MapFS{
		"hello.txt": {Data: []byte("hello\n"), ModTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	h, err := fileserver.New(fsys, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/hello.txt", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Last-Modified"))
	fmt.Print(rec.Body.String())
	// Output:
	// 200 text/plain Tue, 02 Jan 2024 03:04:05 GMT
	// hello
}

func ExampleNewDir() {
	// Serve ./site as `python3 -m http.server -d site` would, but follow
	// only the symbolic links that stay inside it. It serves until Ctrl-C,
	// so it has no output to check: go test compiles it without running it.
	h, err := fileserver.NewDir("site", fileserver.SymlinksInside, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: "127.0.0.1:8000", Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err = <-errc: // could not listen
	case <-ctx.Done():
		stop() // a second Ctrl-C ends the program at once
		// ListenAndServe returns as soon as Shutdown begins: wait for
		// Shutdown itself, which returns once the requests in flight
		// (a download, an upload) are done; past 10 s, cut them off,
		// or a client that stopped reading would hold it for ever.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err = srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}
	h.Close() // after Shutdown: releases the directory
	if err != nil {
		log.Fatal(err)
	}
}

// Mounting under a prefix in chi: strip the prefix, and the handler's
// redirects and listing titles still show the path the client sent.
func Example_chiMount() {
	fsys := fstest.MapFS{"docs/a.txt": {Data: []byte("a\n")}}
	h, err := fileserver.New(fsys, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount("/static", http.StripPrefix("/static", h))

	for _, target := range []string{"/static", "/static/docs", "/static/docs/a.txt"} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		fmt.Println(target, rec.Code, rec.Header().Get("Location"))
	}
	// Output:
	// /static 301 /static/
	// /static/docs 301 /static/docs/
	// /static/docs/a.txt 200
}

// Mounting in a plain http.ServeMux. The pattern "/files" sends the bare
// prefix to the handler too, for Python's 301 to "/files/": with
// "/files/" alone, ServeMux answers it with a 307 of its own.
func Example_serveMux() {
	fsys := fstest.MapFS{"a.txt": {Data: []byte("a\n")}}
	h, err := fileserver.New(fsys, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	files := http.StripPrefix("/files", h)
	mux := http.NewServeMux()
	mux.Handle("/files/", files)
	mux.Handle("/files", files)

	for _, target := range []string{"/files/", "/files"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		fmt.Printf("%s %d Location: %q\n", target, rec.Code, rec.Header().Get("Location"))
	}
	// Output:
	// /files/ 200 Location: ""
	// /files 301 Location: "/files/"
}

//go:embed testdata/embed
var assets embed.FS

// Serving embedded files, rooted at their directory with fs.Sub. Embedded
// files have no modification time: each gets a hash of its content as
// ETag, taken once, so a 304 costs no more than for a file on disk.
func Example_embed() {
	site, err := fs.Sub(assets, "testdata/embed")
	if err != nil {
		log.Fatal(err)
	}
	h, err := fileserver.New(site, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/hello.txt", nil))
	fmt.Printf("%d %s %q\n", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())

	req := httptest.NewRequest("GET", "/hello.txt", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("Etag"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// 200 text/plain "embedded hello\n"
	// 304
}

// An ErrorHandler sends every error the handler answers with, here as
// JSON. It gets the code and the message Python would send.
func ExampleOptions_errorHandler() {
	h, err := fileserver.New(fstest.MapFS{}, fileserver.Options{
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, code int, message string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			json.NewEncoder(w).Encode(map[string]any{"code": code, "message": message})
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, method := range []string{"GET", "POST"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/missing.txt", nil))
		fmt.Print(method, " ", rec.Code, " ", rec.Body.String())
	}
	// Output:
	// GET 404 {"code":404,"message":"File not found"}
	// POST 501 {"code":501,"message":"Unsupported method ('POST')"}
}

// A web app's bundle: compressed once per version for clients that take
// it, cached for a year when the name is fingerprinted, and index.html
// for the client-side routes.
func ExampleOptions_staticAssets() {
	css := strings.Repeat("body { margin: 0; padding: 0; }\n", 100)
	dist := fstest.MapFS{
		"index.html":       {Data: []byte("<!doctype html><p>app</p>\n"), ModTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		"app.3f9a2c1b.css": {Data: []byte(css), ModTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	h, err := fileserver.New(dist, fileserver.Options{
		Compress:     true,
		CacheControl: fileserver.ImmutableFingerprinted("no-cache"),
		Fallback:     "index.html",
	})
	if err != nil {
		log.Fatal(err)
	}

	req := httptest.NewRequest("GET", "/app.3f9a2c1b.css", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
	fmt.Println(rec.Header().Get("Cache-Control"))
	fmt.Println(len(css), "bytes sent as", rec.Body.Len())

	req = httptest.NewRequest("GET", "/settings/profile", nil)
	req.Header.Set("Accept", "text/html")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Header().Get("Cache-Control"), " ", rec.Body.String())
	// Output:
	// 200 gzip Accept-Encoding
	// public, max-age=31536000, immutable
	// 3200 bytes sent as 76
	// 200 no-cache <!doctype html><p>app</p>
}

// Uploads into a directory, mounted under /share/ as an app would mount
// them (behind its own authentication in real use): the first PUT of a
// name creates it, a second is refused, and the file is served back.
func ExampleOptions_upload() {
	dir, err := os.MkdirTemp("", "inbox")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files, err := fileserver.NewDir(dir, fileserver.SymlinksInside, fileserver.Options{
		Upload:        true,
		MaxUploadSize: 10 << 20,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer files.Close() // waits for uploads in flight
	mux := http.NewServeMux()
	mux.Handle("/share/", http.StripPrefix("/share", files))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for range 2 {
		req, _ := http.NewRequest("PUT", srv.URL+"/share/notes.txt", strings.NewReader("hello\n"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(strings.TrimSpace(resp.Status + " " + resp.Header.Get("Location")))
	}
	b, _ := os.ReadFile(filepath.Join(dir, "notes.txt"))
	fmt.Printf("on disk: %q\n", b)
	// Output:
	// 201 Created /share/notes.txt
	// 409 Conflict
	// on disk: "hello\n"
}

// A directory downloaded as a zip file, made while it is sent; with a
// MapFS the walk reads its names in order.
func ExampleOptions_archive() {
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	fsys := fstest.MapFS{
		"photos/a.txt":     {Data: []byte("first\n"), ModTime: mtime, Mode: 0o644},
		"photos/sub/b.txt": {Data: []byte("second\n"), ModTime: mtime, Mode: 0o644},
	}
	h, err := fileserver.New(fsys, fileserver.Options{Archive: true, ArchiveMaxBytes: 1 << 30})
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/photos/?download=zip", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("Content-Disposition"))
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range zr.File {
		fmt.Println(f.Name, f.UncompressedSize64)
	}
	// Output:
	// 200 application/zip
	// attachment; filename="photos.zip"
	// photos/ 0
	// photos/a.txt 6
	// photos/sub/ 0
	// photos/sub/b.txt 7
}

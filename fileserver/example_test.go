package fileserver_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
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
	// Serve ./site as `python3 -m http.server -d site` would, refusing
	// symbolic links that leave it.
	h, err := fileserver.NewDir("site", fileserver.SymlinksInside, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	log.Fatal(http.ListenAndServe("127.0.0.1:8000", h))
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

// Mounting in a plain http.ServeMux.
func Example_serveMux() {
	fsys := fstest.MapFS{"a.txt": {Data: []byte("a\n")}}
	h, err := fileserver.New(fsys, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files", h))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/files/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output:
	// 200 text/html; charset=utf-8
}

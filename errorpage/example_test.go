package errorpage_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"

	"github.com/simplehttp/simplehttp/errorpage"
)

// A handler answers a missing file the way Python's SimpleHTTPRequestHandler
// does.
func ExampleError() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errorpage.Error(w, r, http.StatusNotFound, "File not found", "")
	})

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/missing.txt", nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)

	fmt.Println(res.Status)
	fmt.Println("Content-Type:", res.Header.Get("Content-Type"))
	fmt.Println("Content-Length:", res.Header.Get("Content-Length"))
	fmt.Println()
	fmt.Print(string(body))
	// Output:
	// 404 Not Found
	// Content-Type: text/html;charset=utf-8
	// Content-Length: 460
	//
	// <!DOCTYPE HTML>
	// <html lang="en">
	//     <head>
	//         <meta charset="utf-8">
	//         <style type="text/css">
	//             :root {
	//                 color-scheme: light dark;
	//             }
	//         </style>
	//         <title>Error response</title>
	//     </head>
	//     <body>
	//         <h1>Error response</h1>
	//         <p>Error code: 404</p>
	//         <p>Message: File not found.</p>
	//         <p>Error code explanation: 404 - Nothing matches the given URI.</p>
	//     </body>
	// </html>
}

func ExampleStatusText() {
	for _, code := range []int{404, 413, 599} {
		message, explain := errorpage.StatusText(code)
		fmt.Printf("%d %s: %s\n", code, message, explain)
	}
	// Output:
	// 404 Not Found: Nothing matches the given URI
	// 413 Content Too Large: Content is too large
	// 599 ???: ???
}

// The middleware in front of a plain http.ServeMux: the mux's own 404 (an
// http.NotFound text) becomes Python's page, and a client asking for JSON
// gets JSON.
func ExampleMiddleware_Handler() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		// A typed error body passes through untouched.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"error":"id must be a number"}`+"\n")
	})
	ep, err := errorpage.New(errorpage.Options{})
	if err != nil {
		panic(err)
	}
	handler := ep.Handler(mux)

	for _, tc := range []struct{ path, accept string }{
		{"/missing", "application/json"},
		{"/missing", "text/plain"},
		{"/api/items/x", "application/json"},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("Accept", tc.accept)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Printf("%d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	// Output:
	// 404 application/json {"code":404,"message":"Not Found","explain":"Nothing matches the given URI"}
	// 404 text/plain; charset=utf-8 404 Not Found: Nothing matches the given URI.
	// 422 application/json {"error":"id must be a number"}
}

// With chi: r.Use(ep.Handler). The page here is a short one of our own,
// given as a Python %-format string (the form of Python's
// error_message_format).
func Example_chi() {
	format, err := errorpage.PythonFormat("<h1>%(code)d %(message)s</h1>\n<p>%(explain)s.</p>\n")
	if err != nil {
		panic(err)
	}
	ep, err := errorpage.New(errorpage.Options{Format: format, DisableNegotiation: true})
	if err != nil {
		panic(err)
	}
	r := chi.NewRouter()
	r.Use(ep.Handler)
	r.Get("/teapot", func(w http.ResponseWriter, r *http.Request) {
		errorpage.Error(w, r, http.StatusTeapot, "Short & stout", "")
	})

	for _, path := range []string{"/teapot", "/nowhere"} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Printf("%d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	// Output:
	// 418 text/html;charset=utf-8
	// <h1>418 Short &amp; stout</h1>
	// <p>Server refuses to brew coffee because it is a teapot.</p>
	// 404 text/html;charset=utf-8
	// <h1>404 Not Found</h1>
	// <p>Nothing matches the given URI.</p>
}

func ExamplePythonFormat() {
	// A page in the form of Python's error_message_format.
	format, err := errorpage.PythonFormat("<h1>%(code)d %(message)s</h1>\n<p>%(explain)s.</p>\n")
	if err != nil {
		panic(err)
	}
	ep, err := errorpage.New(errorpage.Options{Format: format, DisableNegotiation: true})
	if err != nil {
		panic(err)
	}
	h := ep.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errorpage.Error(w, r, http.StatusForbidden, "No <peeking>", "")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Print(rec.Body)
	// Output:
	// <h1>403 No &lt;peeking&gt;</h1>
	// <p>Request forbidden -- authorization will not help.</p>
}

// A page written as an html/template, with a condition on the code.
func ExampleParseFormat() {
	format, err := errorpage.ParseFormat(`<h1>{{.Code}}</h1><p>{{.Message}}{{if ge .Code 500}} (we are on it){{end}}</p>` + "\n")
	if err != nil {
		panic(err)
	}
	ep, err := errorpage.New(errorpage.Options{Format: format, DisableNegotiation: true})
	if err != nil {
		panic(err)
	}
	h := ep.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		http.NotFound(w, r)
	}))
	for _, path := range []string{"/nowhere", "/broken"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Print(rec.Body)
	}
	// Output:
	// <h1>404</h1><p>Not Found</p>
	// <h1>502</h1><p>Bad Gateway (we are on it)</p>
}

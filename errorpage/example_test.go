package errorpage_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

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
	fmt.Println("Connection:", res.Header.Get("Connection"))
	fmt.Println("Content-Type:", res.Header.Get("Content-Type"))
	fmt.Println("Content-Length:", res.Header.Get("Content-Length"))
	fmt.Println()
	fmt.Print(string(body))
	// Output:
	// 404 Not Found
	// Connection: close
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

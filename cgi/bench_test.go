package cgi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/simplehttp/simplehttp/cgi"
)

// BenchmarkHandler measures the CGI adapter's two paths: a request that
// is not for a script passes through to the next handler (every request
// of `simplehttp --cgi` takes this path first: Python's is_cgi on the
// decoded path), and a request that runs a small shell script, which is
// mostly fork and exec of the launcher and the script.
func BenchmarkHandler(b *testing.B) {
	root := writeTree(b, map[string]string{
		"cgi-bin/hello.sh": "#!/bin/sh\n" + header + "echo hello\n",
		"index.html":       "<p>hi</p>",
	})
	h, err := cgi.New(cgi.Options{Root: root, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mw := h.Handler(next)
	for _, tc := range []struct {
		name, target string
		want         int
	}{
		{"pass-through", "/static/css/site.css?v=3", http.StatusNoContent},
		{"pass-through-escaped", "/a%20b/c%2Fd/../e.txt", http.StatusNoContent},
		{"script", "/cgi-bin/hello.sh/extra?q=1", http.StatusOK},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", tc.target, nil)
			w := &benchWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.code = 0
				mw.ServeHTTP(w, req)
				if w.code != tc.want {
					b.Fatalf("GET %s = %d, want %d", tc.target, w.code, tc.want)
				}
			}
		})
	}
}

// benchWriter discards the body; its header map is cleared between
// requests, as net/http's would be new, so allocs/op are the handler's.
type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *benchWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

func (w *benchWriter) Flush() {}

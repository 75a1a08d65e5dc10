//go:build !race

// The race detector adds allocations of its own, so allocations are only
// counted without it.

package errorpage

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/simplehttp/simplehttp/accesslog"
)

// The middleware costs two allocations on a success response, for state
// that must not outlive the request: its writer and the context that
// carries it (new for each request, so that nothing a handler leaves
// behind reaches another one), and the copy of the request with that
// context (r.WithContext).
func TestMiddlewareNoAllocs(t *testing.T) {
	body := make([]byte, 1024)
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	r := httptest.NewRequest("GET", "/", nil)
	w := discardWriter{http.Header{}}
	h.ServeHTTP(w, r)
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 2 {
		t.Errorf("%v allocations per request, want 2", n)
	}
}

// A repeated error page costs no allocation: the body, its Content-Length
// and the other header values are shared, and no access log is there to
// take the log line.
func TestErrorNoAllocs(t *testing.T) {
	r := httptest.NewRequest("GET", "/missing", nil)
	w := discardWriter{http.Header{}}
	Error(w, r, http.StatusNotFound, "File not found", "")
	if n := testing.AllocsPerRun(100, func() {
		clear(w.h)
		Error(w, r, http.StatusNotFound, "File not found", "")
	}); n != 0 {
		t.Errorf("%v allocations per page, want 0", n)
	}
}

// A repeated error page through an access log costs the two middlewares'
// allocations only: its log line comes made with the cached page, and the
// Entry holds one message in place.
func TestLoggedErrorAllocs(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	al, err := accesslog.New(accesslog.Options{Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	h := al.Handler(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, http.StatusNotFound, "File not found", "")
	})))
	r := httptest.NewRequest("GET", "/missing", nil)
	w := discardWriter{http.Header{}}
	h.ServeHTTP(w, r)
	if n := testing.AllocsPerRun(100, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}); n != 3 {
		t.Errorf("%v allocations per logged page, want 3", n)
	}
}

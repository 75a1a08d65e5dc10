//go:build !race

// The race detector adds allocations of its own, so allocations are only
// counted without it.

package accesslog

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A logged request costs two allocations in the text formats: its state
// (the writer, the Entry and the context that carries it, new for each
// request so that nothing a handler leaves behind reaches another), and
// the copy of the request with that context. The line is formatted in a
// pooled buffer.
func TestNoAllocs(t *testing.T) {
	body := make([]byte, 1024)
	for _, f := range []Format{Python, Common, Combined} {
		m := newMiddleware(t, Options{Writer: io.Discard, Format: f})
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
		r := httptest.NewRequest("GET", "/some/file.txt?x=1", nil)
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, r) // fill the buffer pool and the time-stamp cache
		if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 2 {
			t.Errorf("%v: %v allocations per request, want 2", f, n)
		}
	}
}

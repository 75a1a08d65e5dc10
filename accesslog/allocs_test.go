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

// A logged request costs three allocations in the text formats: its state
// (the writer and the Entry, new for each request so that nothing a handler
// leaves behind reaches another), and the context that carries the Entry
// with the copy of the request. The line is formatted in a pooled buffer.
func TestNoAllocs(t *testing.T) {
	body := make([]byte, 1024)
	for _, f := range []Format{Python, Common, Combined} {
		m := newMiddleware(t, Options{Writer: io.Discard, Format: f})
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
		r := httptest.NewRequest("GET", "/some/file.txt?x=1", nil)
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, r) // fill the buffer pool and the time-stamp cache
		if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 3 {
			t.Errorf("%v: %v allocations per request, want 3", f, n)
		}
	}
}

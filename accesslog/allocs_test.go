//go:build !race

// The race detector makes sync.Pool drop items at random, so allocations
// are only counted without it.

package accesslog

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A logged request costs no allocation in the text formats: no copy of
// the request, a pooled writer, a reused line buffer.
func TestNoAllocs(t *testing.T) {
	body := make([]byte, 1024)
	for _, f := range []Format{Python, Common, Combined} {
		m := newMiddleware(t, Options{Writer: io.Discard, Format: f})
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
		r := httptest.NewRequest("GET", "/some/file.txt?x=1", nil)
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, r) // fill the pool and the time-stamp cache
		if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
			t.Errorf("%v: %v allocations per request, want 0", f, n)
		}
	}
}

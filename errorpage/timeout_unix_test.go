//go:build unix && !aix && !solaris

package errorpage

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// writeHeaderHook calls f after each WriteHeader.
type writeHeaderHook struct {
	http.ResponseWriter
	f func()
}

func (w writeHeaderHook) WriteHeader(code int) {
	w.ResponseWriter.WriteHeader(code)
	w.f()
}

// Behind http.TimeoutHandler the handler runs on a goroutine of its own,
// which may call Error after the timeout, while the 503 goes through the
// middleware on the request's goroutine: Error must not write what that
// reads (run with -race, as make test does). The handler waits for the 503
// on a pipe, through system calls that syscall.Read and Write would
// annotate for the race detector as an ordering of the two.
func TestErrorBehindTimeoutHandler(t *testing.T) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(p[0])
	defer syscall.Close(p[1])
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	late := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		var b [1]byte
		if _, _, errno := syscall.Syscall(syscall.SYS_READ, uintptr(p[0]), uintptr(unsafe.Pointer(&b[0])), 1); errno != 0 {
			t.Error(errno)
		}
		Error(w, r, http.StatusNotFound, "", "")
	})
	rec := httptest.NewRecorder()
	w := writeHeaderHook{rec, func() {
		b := [1]byte{0}
		if _, _, errno := syscall.Syscall(syscall.SYS_WRITE, uintptr(p[1]), uintptr(unsafe.Pointer(&b[0])), 1); errno != 0 {
			t.Error(errno)
		}
	}}
	m.Handler(http.TimeoutHandler(late, time.Millisecond, "")).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	<-done
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "<p>Error code: 503</p>") {
		t.Errorf("got %d %q, want the 503 page", rec.Code, rec.Body)
	}
}

// A handler behind http.TimeoutHandler that sends its error page and then
// overstays the timeout: the page stays in the TimeoutHandler's buffer,
// and the client gets the timeout's 503 as the middleware's page. The
// page called Error had turned interception off for the response, and the
// 503 went out with net/http's own "<h1>Timeout</h1>" and no Content-Type.
func TestErrorThenTimeout(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	written := make(chan struct{})
	done := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		Error(w, r, http.StatusNotFound, "", "")
		<-written // until after the timeout's 503
	})
	rec := httptest.NewRecorder()
	w := writeHeaderHook{rec, func() { close(written) }}
	m.Handler(http.TimeoutHandler(slow, time.Millisecond, "")).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	<-done
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Content-Type") != "text/html;charset=utf-8" ||
		!strings.Contains(rec.Body.String(), "<p>Error code: 503</p>") {
		t.Errorf("got %d %q %q, want the 503 page", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

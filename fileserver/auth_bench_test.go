package fileserver_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/simplehttp/simplehttp/fileserver"
)

// BenchmarkBasicAuth measures an authenticated GET through BasicAuth to
// a handler that writes nothing: the first request of a user (a bcrypt
// comparison at the default cost, as htpasswd -B makes, or a keyed
// digest for a plain password) against the following ones (a keyed hash
// looked up in the cache). "none" is the handler alone.
func BenchmarkBasicAuth(b *testing.B) {
	hash, err := bcrypt.GenerateFromPassword([]byte("hunter2"), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	users := map[string]map[string]string{
		"bcrypt": {"bob": string(hash)},
		"plain":  {"bob": "hunter2"},
	}
	newHandler := func(b *testing.B, kind string) http.Handler {
		a, err := fileserver.NewBasicAuth(fileserver.BasicAuthOptions{Users: users[kind], Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		return a.Handler(noop)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth("bob", "hunter2")
	serve := func(b *testing.B, h http.Handler) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d, want 200", w.Code)
		}
	}
	for _, kind := range []string{"bcrypt", "plain"} {
		b.Run(kind+"/first", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(b, newHandler(b, kind)) // a new cache each time
			}
		})
		b.Run(kind+"/cached", func(b *testing.B) {
			h := newHandler(b, kind)
			serve(b, h)
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h)
			}
		})
	}
	b.Run("none", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			serve(b, noop)
		}
	})
}

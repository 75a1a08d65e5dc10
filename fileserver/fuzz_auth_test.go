package fileserver_test

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/simplehttp/simplehttp/fileserver"
)

// FuzzBasicAuth sends any Authorization header: the request gets through
// exactly when the header is one set of Basic credentials, as
// net/http's Request.BasicAuth reads them (and so as the access log
// does), that names a user with its password; otherwise it gets 401 with
// the challenge.
func FuzzBasicAuth(f *testing.F) {
	users := map[string]string{"alice": "secret", "bob": hunter2Hash}
	for _, s := range []string{
		basic("alice:secret"), basic("bob:hunter2"), "basic " + basic("alice:secret")[6:],
		basic("alice:secret") + " ", "Basic  " + basic("alice:secret")[6:], basic("alice:secret\x00"),
		basic("alice"), basic(":"), "Basic", "Bearer x", "Basic !!", basic("bob:hunter2" + string(make([]byte, 80))),
	} {
		f.Add(s)
	}
	a, err := fileserver.NewBasicAuth(fileserver.BasicAuthOptions{Users: users, MaxFailures: 1 << 30, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	h := a.Handler(reached)
	f.Fuzz(func(t *testing.T, auth string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = []string{auth}
		user, pw, ok := r.BasicAuth()
		want := 401
		if ok && len(auth) <= 4096 && (users[user] == pw && user == "alice" || user == "bob" && pw == "hunter2") {
			want = 200
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Fatalf("Authorization %q (user %q, password %q): status %d, want %d", auth, user, pw, w.Code, want)
		}
		if (w.Header().Get("Www-Authenticate") != "") != (want == 401) {
			t.Fatalf("Authorization %q: status %d with WWW-Authenticate %q", auth, w.Code, w.Header().Get("Www-Authenticate"))
		}
	})
}

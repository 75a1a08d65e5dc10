package fileserver_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing/fstest"

	"github.com/go-chi/chi/v5"

	"github.com/simplehttp/simplehttp/errorpage"
	"github.com/simplehttp/simplehttp/fileserver"
)

// The users of an htpasswd file made with `htpasswd -B`, in front of a
// file server: 401 with the challenge, rendered by errorpage, until the
// client sends a user's credentials.
func ExampleNewBasicAuth() {
	users, err := fileserver.ReadHtpasswd(strings.NewReader(
		"# htpasswd -nbB -C 4 bob hunter2 (cost 4 keeps the example fast)\n" +
			"bob:$2y$04$eouE9lZt.x6ilSVM7Ijp4.AE9yMCdoW1ZQoS35zRPXpCkjIn5LCCq\n"))
	if err != nil {
		log.Fatal(err) // e.g. `line 2: user "ann": a SHA-1 hash ({SHA}, htpasswd -s) is not supported: ...`
	}
	auth, err := fileserver.NewBasicAuth(fileserver.BasicAuthOptions{Realm: "team files", Users: users})
	if err != nil {
		log.Fatal(err)
	}
	files, err := fileserver.New(fstest.MapFS{"plan.txt": {Data: []byte("the plan\n")}}, fileserver.Options{})
	if err != nil {
		log.Fatal(err)
	}
	pages, err := errorpage.New(errorpage.Options{})
	if err != nil {
		log.Fatal(err)
	}
	h := pages.Handler(auth.Handler(files))

	for _, cred := range []string{"", "bob:wrong", "bob:hunter2"} {
		r := httptest.NewRequest("GET", "/plan.txt", nil)
		r.Header.Set("Accept", "text/plain") // errorpage's one-line page
		if user, pw, ok := strings.Cut(cred, ":"); ok {
			r.SetBasicAuth(user, pw)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%q: %d %s", cred, w.Code, w.Header().Get("WWW-Authenticate"))))
		fmt.Print(w.Body)
	}
	// Output:
	// "": 401 Basic realm="team files", charset="UTF-8"
	// 401 Unauthorized: No permission -- see authorization schemes.
	// "bob:wrong": 401 Basic realm="team files", charset="UTF-8"
	// 401 Unauthorized: No permission -- see authorization schemes.
	// "bob:hunter2": 200
	// the plan
}

// With chi: anyone may read, only the users may write (the uploads of
// an upload-enabled file server, or any handler of the other methods).
// BasicAuth.Handler is chi middleware as it is.
func Example_basicAuthChi() {
	auth, err := fileserver.NewBasicAuth(fileserver.BasicAuthOptions{
		// A bcrypt hash (htpasswd -nbB alice s3cret) keeps the password
		// out of the program; a plain one works too.
		Users: map[string]string{"alice": "$2a$04$MTOM9q3ARaeDzeqtMDOuJOEQ1NIQVItOEUz.Wh8CjonkJ7YuNEwLS"},
		Scope: fileserver.AuthWrites,
	})
	if err != nil {
		log.Fatal(err)
	}
	pages, err := errorpage.New(errorpage.Options{})
	if err != nil {
		log.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(pages.Handler, auth.Handler)
	r.Handle("/*", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, r.Method, "served")
	}))

	for _, method := range []string{"GET", "PUT"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(method, "/notes.txt", nil))
		fmt.Println(method, w.Code)
	}
	// Output:
	// GET 200
	// PUT 401
}

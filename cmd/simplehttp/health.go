package main

import (
	"net/http"
	"path"
	"strings"
)

// validHealthPath reports whether p can be the --health path: a clean
// absolute path other than "/", of letters, digits and -._~/ only, so that
// it is spelt the same escaped or not.
func validHealthPath(p string) bool {
	if p == "/" || !strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0) {
			return false
		}
	}
	return true
}

// The answers of the health check.
var (
	healthOK       = []byte("ok\n")
	healthNotAllow = []byte("Method Not Allowed\n")
	textPlain      = []string{"text/plain; charset=utf-8"}
	noStore        = []string{"no-store"}
)

// withHealth answers the requests for the path p (--health) itself, and
// hands every other request to next. It goes in front of everything else
// (the access log included), so that a load balancer's or a container
// runtime's probe, every few seconds, neither fills the log nor touches
// the disk, and shows only that the server accepts and answers requests:
// GET and HEAD get 200 "ok\n", any other method 405 with Allow: GET,
// HEAD, both as text/plain with Cache-Control: no-store, and with the
// headers hs (-H and Server) that every response carries. The query is
// ignored; the path must match exactly (decoded, as the file server
// decodes it), so "/healthz/" or "/healthz.txt" still reach the files.
func withHealth(p string, hs []header, next http.Handler) http.Handler {
	answer := withHeaders(hs)(http.HandlerFunc(answerHealth))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != p {
			next.ServeHTTP(w, r)
			return
		}
		answer.ServeHTTP(w, r)
	})
}

// answerHealth is the answer of withHealth.
func answerHealth(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["Content-Type"] = textPlain
	hdr["Cache-Control"] = noStore
	body := healthOK
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		hdr["Content-Length"] = []string{"3"}
		w.WriteHeader(http.StatusOK)
	} else {
		body = healthNotAllow
		hdr["Allow"] = []string{"GET, HEAD"}
		hdr["Content-Length"] = []string{"19"}
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

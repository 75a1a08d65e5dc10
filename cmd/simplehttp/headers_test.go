package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// Every response carries the Server header, error pages included, once;
// -H 'Server: ...' replaces it; repeated -H names keep all their values.
func TestServerHeader(t *testing.T) {
	for _, tt := range []struct {
		name    string
		headers []header
		want    map[string][]string
	}{
		{"default", nil, map[string][]string{"Server": {"simplehttp/devel"}}},
		{"replaced", []header{{"Server", "mine/1"}}, map[string][]string{"Server": {"mine/1"}}},
		{"with others", []header{{"X-A", "1"}, {"X-A", "2"}, {"X-B", "3"}},
			map[string][]string{"Server": {"simplehttp/devel"}, "X-A": {"1", "2"}, "X-B": {"3"}}},
	} {
		h := withHeaders(withServer(tt.headers))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["X-B"] = append(w.Header()["X-B"], "handler")
			http.NotFound(w, r)
		}))
		for range 2 { // the shared values are not changed by a response
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			for name, want := range tt.want {
				if name == "X-B" {
					want = append(slices.Clone(want), "handler")
				}
				if got := rec.Header()[name]; !slices.Equal(got, want) {
					t.Errorf("%s: %s = %q, want %q", tt.name, name, got, want)
				}
			}
		}
	}
	if got := serverToken(); got != "simplehttp/devel" {
		t.Errorf("serverToken() = %q in a test binary, want simplehttp/devel", got)
	}
}

package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestRunListing: --listing rich serves the rich listing, sortable by the
// query; without it, or with --listing python, directories get Python's
// list.
func TestRunListing(t *testing.T) {
	dir := site(t)
	tests := []struct {
		name  string
		flags []string
		want  string // a line of the page
	}{
		{"default", nil, `<li><a href="hello.txt">hello.txt</a></li>`},
		{"python", []string{"--listing", "python"}, `<li><a href="hello.txt">hello.txt</a></li>`},
		{"rich", []string{"--listing=rich"}, `<tr class="f"><td class="n"><a href="hello.txt">hello.txt</a></td><td class="s" title="6 bytes">6 B</td>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRun(t, append([]string{"-b", "127.0.0.1", "-d", dir, "0"}, tt.flags...)...)
			resp, body := get(t, r.baseURL(t)+"/?sort=size&order=desc")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(body, tt.want) {
				t.Errorf("GET /: %d %q, body\n%s\nwant a line %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.want)
			}
			r.exit(t)
		})
	}
}

package negotiate

import (
	"strings"
	"testing"
)

func TestBest(t *testing.T) {
	html, json, plain := "text/html", "application/json", "text/plain"
	tests := []struct {
		name, accept string
		want         string
	}{
		{"empty", "", html},
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", html},
		{"curl", "*/*", html},
		{"json only", "application/json", json},
		{"json preferred by q", "text/html;q=0.5, application/json", json},
		{"html preferred by q", "application/json;q=0.4, text/html;q=0.9", html},
		{"plain", "text/plain", plain},
		{"text wildcard ties go to first offer", "text/*", html},
		{"specific q=0 beats wildcard", "text/html;q=0, */*", json},
		{"nothing acceptable falls back", "image/png", html},
		{"case-insensitive", "Application/JSON", json},
		{"bad q", "application/json;q=abc, text/html;q=0.1", html},
		{"spaces", " application/json ; q=1.0 ", json},
		{"axios", "application/json, text/plain, */*", json},
		{"named beats wildcard", "*/*, application/json", json},
		{"named beats type wildcard", "text/*, application/json", json},
		{"named plain beats wildcard", "text/plain, */*", plain},
		{"browser naming json lower", "text/html, application/json;q=0.9, */*", html},
		{"wildcard q above named", "application/json;q=0.5, */*", html},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Best(tt.accept, html, json, plain); got != tt.want {
				t.Errorf("Best(%q) = %q, want %q", tt.accept, got, tt.want)
			}
		})
	}
}

func TestList(t *testing.T) {
	for _, tt := range []struct {
		lines []string
		want  string
	}{
		{nil, ""},
		{[]string{"text/html"}, "text/html"},
		{[]string{"text/html;q=0.1", "application/json"}, "text/html;q=0.1,application/json"},
	} {
		if got := List(tt.lines); got != tt.want {
			t.Errorf("List(%q) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}

// FuzzBest: whatever the Accept header, Best returns one of the offers;
// one other than the first only when the header takes it (Accepts) at a
// q-value no other offer beats; and the same offer when the header's
// ASCII letters change case (media types and the q parameter are
// case-insensitive), when spaces are added around its commas and
// semicolons (optional white space), or when it is split into field
// lines at its commas and joined again by List.
func FuzzBest(f *testing.F) {
	for _, s := range []string{"", "*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"application/json", "text/html;q=0, */*", "application/*;q=0.5, text/plain;q=0.6", "TEXT/HTML;Q=0",
		"text/html;q=NaN, application/json;q=1e-3", "text/plain;q=1.0001", ";;,,/", "*/html", "text/html;level=1;q=0.1"} {
		f.Add(s)
	}
	offers := []string{"text/html", "application/json", "text/plain"}
	f.Fuzz(func(t *testing.T, accept string) {
		got := Best(accept, offers...)
		i := -1
		for j, o := range offers {
			if o == got {
				i = j
			}
		}
		if i < 0 {
			t.Fatalf("Best(%q) = %q, not an offer", accept, got)
		}
		if i > 0 {
			if !Accepts(accept, got) {
				t.Fatalf("Best(%q) = %q, which the header does not accept", accept, got)
			}
			for _, o := range offers {
				if quality(accept, o) > quality(accept, got) {
					t.Fatalf("Best(%q) = %q, but %q has a higher q-value", accept, got, o)
				}
			}
		}
		upper := []byte(accept)
		for j, c := range upper {
			if 'a' <= c && c <= 'z' {
				upper[j] = c - 'a' + 'A'
			}
		}
		spaced := strings.NewReplacer(",", " , ", ";", " ; ").Replace(accept)
		for _, v := range []string{string(upper), spaced, List(strings.Split(accept, ","))} {
			if b := Best(v, offers...); b != got {
				t.Fatalf("Best(%q) = %q, but Best(%q) = %q", accept, got, v, b)
			}
		}
	})
}

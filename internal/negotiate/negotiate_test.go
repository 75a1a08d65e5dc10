package negotiate

import "testing"

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

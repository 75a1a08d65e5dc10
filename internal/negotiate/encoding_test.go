package negotiate

import (
	"strings"
	"testing"
)

func TestEncoding(t *testing.T) {
	offers := []string{"br", "zstd", "gzip"}
	tests := []struct {
		name   string
		accept []string // nil: no Accept-Encoding field
		want   string
		wantOK bool
	}{
		{"no field: identity", nil, "", true},
		{"empty field: identity only", []string{""}, "", true},
		{"browser", []string{"gzip, deflate, br, zstd"}, "br", true},
		{"server order among equals", []string{"gzip, zstd"}, "zstd", true},
		{"q decides", []string{"br;q=0.5, gzip"}, "gzip", true},
		{"q=0 excludes", []string{"br;q=0, gzip;q=0.1"}, "gzip", true},
		{"case-insensitive", []string{"GZIP"}, "gzip", true},
		{"x-gzip is gzip", []string{"x-gzip"}, "gzip", true},
		{"spaces and empty elements", []string{" , gzip ; q=0.8 ,, "}, "gzip", true},
		{"unknown codings only", []string{"compress, deflate"}, "", true},
		{"star", []string{"*"}, "br", true},
		{"star with exclusions", []string{"*, br;q=0"}, "zstd", true},
		{"identity preferred", []string{"gzip;q=0.5, identity"}, "", true},
		{"coding over identity at equal q", []string{"gzip, identity"}, "gzip", true},
		{"identity excluded, gzip ok", []string{"identity;q=0, gzip"}, "gzip", true},
		{"nothing acceptable", []string{"identity;q=0"}, "", false},
		{"star q=0 excludes identity", []string{"*;q=0"}, "", false},
		{"star q=0, identity named", []string{"*;q=0, identity"}, "", true},
		{"star q=0, gzip named", []string{"*;q=0, gzip"}, "gzip", true},
		{"bad q is 0", []string{"br;q=2, gzip;q=x, zstd;q=0.3"}, "zstd", true},
		{"NaN is a bad q", []string{"gzip, identity;q=NaN"}, "gzip", true},
		{"several lines", []string{"br;q=0", "gzip"}, "gzip", true},
		{"repeated: the best q counts", []string{"gzip;q=0, gzip;q=0.5"}, "gzip", true},
	}
	for _, tt := range tests {
		got, ok := Encoding(tt.accept, offers...)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: Encoding(%q) = %q, %v; want %q, %v", tt.name, tt.accept, got, ok, tt.want, tt.wantOK)
		}
	}
	if got, _ := Encoding([]string{"gzip"}); got != "" {
		t.Errorf("no offers: %q", got)
	}
}

// FuzzEncoding: whatever the header, Encoding returns identity or one of
// the offers, never one the header names only with q=0, and the same
// answer when the header is split into field lines at its commas.
func FuzzEncoding(f *testing.F) {
	for _, s := range []string{"", "gzip", "br;q=0, *", "*;q=0", "identity;q=0,gzip;q=0.001", "x-gzip;q=1.0", ";;,,q=", "gzip;q=0.5;q=0"} {
		f.Add(s)
	}
	offers := []string{"br", "zstd", "gzip"}
	f.Fuzz(func(t *testing.T, accept string) {
		got, _ := Encoding([]string{accept}, offers...)
		if got == "" {
			return
		}
		found := false
		for _, o := range offers {
			found = found || got == o
		}
		if !found {
			t.Fatalf("Encoding(%q) = %q, not an offer", accept, got)
		}
		if named(accept, got, false) && !named(accept, got, true) {
			t.Fatalf("Encoding(%q) = %q, which it names only with q=0", accept, got)
		}
		if again, _ := Encoding(strings.Split(accept, ","), offers...); again != got {
			t.Fatalf("Encoding(%q) = %q, but %q split into lines", accept, got, again)
		}
	})
}

// named reports whether accept names coding (with a q above 0, if
// positive).
func named(accept, coding string, positive bool) bool {
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if strings.EqualFold(name, "x-gzip") {
			name = "gzip"
		}
		if strings.EqualFold(name, coding) && (!positive || paramQ(params) > 0) {
			return true
		}
	}
	return false
}

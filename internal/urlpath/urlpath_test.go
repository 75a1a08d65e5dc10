package urlpath

import (
	"io/fs"
	"net/url"
	"path"
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	tests := []struct {
		escaped  string
		wantName string
		wantDir  bool
	}{
		{"", ".", false},
		{"/", ".", true},
		{"/a", "a", false},
		{"/a/", "a", true},
		{"/a/b/../c", "a/c", false},
		{"/../../etc/passwd", "etc/passwd", false}, // ".." never climbs above the root
		{"/%2e%2e/%2E%2E/etc/passwd", "etc/passwd", false},
		{"/a/%2e%2e%2f%2e%2e%2fetc", "etc", false}, // decoded once, then resolved: a/../../etc
		{"/a%2F", "a", false},                      // an escaped slash does not make a directory
		{"/a%2fb", "a/b", false},
		{"//evil.com/dir", "evil.com/dir", false},
		{"///a//b///", "a/b", true},
		{"/./a/./", "a", true},
		{"/a b/c%20d", "a b/c d", false},
		{"/%zz%", "%zz%", false},                 // malformed escapes stay as written
		{"/%ff%fe", "\uFFFD\uFFFD", false},       // invalid UTF-8 becomes U+FFFD, as in Python
		{"/%C3%BC", "ü", false},                  // UTF-8 decoded
		{"/a?x=/", "a", false},                   // query ignored, also for the slash test
		{"/a#frag/", "a", false},                 // fragment ignored
		{"/a/ ", "a/ ", true},                    // Python rstrips only for the slash test
		{"/..%5c..%5cetc", "..\\..\\etc", false}, // a backslash is an ordinary byte on POSIX
		{"/a%00b", "a\x00b", false},              // NUL passes; opening it fails later
		{"/+x", "+x", false},                     // '+' is not a space in a path
	}
	for _, tt := range tests {
		name, dir := Name(tt.escaped)
		if name != tt.wantName || dir != tt.wantDir {
			t.Errorf("Name(%q) = %q, %v; want %q, %v", tt.escaped, name, dir, tt.wantName, tt.wantDir)
		}
		if !fs.ValidPath(name) {
			t.Errorf("Name(%q) = %q, not a valid fs path", tt.escaped, name)
		}
	}
}

func TestFromRequestURI(t *testing.T) {
	tests := []struct {
		uri, wantPath, wantRest string
	}{
		{"/a/b?x=1#f", "/a/b", "?x=1#f"},
		{"/a#f?x", "/a", "#f?x"},
		{"//evil.com/dir?q", "/evil.com/dir", "?q"},
		{"////evil.com", "/evil.com", ""},
		{"http://other.example/dir?x=1", "/dir", "?x=1"},
		{"http://other.example", "/", ""},
		{"*", "/", ""},
		{"", "/", ""},
		{"/a?", "/a", "?"},
	}
	for _, tt := range tests {
		p, rest := FromRequestURI(tt.uri)
		if p != tt.wantPath || rest != tt.wantRest {
			t.Errorf("FromRequestURI(%q) = %q, %q; want %q, %q", tt.uri, p, rest, tt.wantPath, tt.wantRest)
		}
	}
}

func TestLocation(t *testing.T) {
	tests := []struct {
		path, rest, want string
	}{
		{"/dir/", "", "/dir/"},
		{"/dir/", "?a=1&b=%20#top", "/dir/?a=1&b=%20#top"},
		{"/static/", "", "/static/"},
		{"/\\evil.com/", "", "/%5Cevil.com/"},
		{"//evil.com/", "", "/evil.com/"},
		{"/\\\\evil.com/", "", "/%5C%5Cevil.com/"},
		{"/%5Cevil.com/", "", "/%5Cevil.com/"},
		{"/\t/evil.com/", "", "/%09/evil.com/"},
		{"/a b/", "?q=a b", "/a%20b/?q=a%20b"},
		{"/ü/", "", "/%C3%BC/"},
	}
	for _, tt := range tests {
		if got := Location(tt.path, tt.rest); got != tt.want {
			t.Errorf("Location(%q, %q) = %q, want %q", tt.path, tt.rest, got, tt.want)
		}
	}
}

// sameHost reports whether a browser resolving loc against
// http://site.example/base/ stays on site.example.
func sameHost(loc string) bool {
	// Browsers treat '\' like '/' and drop tab, CR and LF before parsing.
	loc = strings.NewReplacer("\\", "/", "\t", "", "\r", "", "\n", "").Replace(loc)
	base, _ := url.Parse("http://site.example/base/")
	u, err := url.Parse(loc)
	if err != nil {
		return true // not followed at all
	}
	return base.ResolveReference(u).Host == "site.example"
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"/", "/%2e%2e/x", "..\\..\\x", "//evil.com", "/a\nb", "\x85", "/%ff", "/a/../../..", "%2f%2e%2e%2f", "/a?b#c", "/%c0%ae%c0%ae/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, _ := Name(s)
		if !fs.ValidPath(name) {
			t.Fatalf("Name(%q) = %q: not fs.ValidPath", s, name)
		}
		if name != "." && path.Clean(name) != name {
			t.Fatalf("Name(%q) = %q: cleaning again changes it", s, name)
		}
		for _, elem := range strings.Split(name, "/") {
			if elem == ".." {
				t.Fatalf("Name(%q) = %q: climbs", s, name)
			}
		}
	})
}

func FuzzLocation(f *testing.F) {
	for _, s := range []string{"//evil.com", "/\\evil.com", "\\\\evil.com", "/%2f%2fevil.com", "/%5cevil.com", "http://evil.com/x", "/\t/evil.com", "/./\\evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		p, rest := FromRequestURI(uri)
		loc := Location(p+"/", rest)
		if !sameHost(loc) {
			t.Fatalf("request %q: Location %q leaves the site", uri, loc)
		}
		for i := 0; i < len(loc); i++ {
			if c := loc[i]; c <= ' ' || c >= 0x7f || c == '\\' {
				t.Fatalf("request %q: Location %q has raw byte %#x", uri, loc, c)
			}
		}
	})
}

package urlpath

import (
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/pyescape"
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
		{"/a%2F", "a", true},                       // an escaped slash ends in '/' once decoded, as in Python 3.14
		{"/a%2f?x", "a", true},
		{"/a/%2f", "a", true},
		{"/a%2fb", "a/b", false},
		{"//evil.com/dir", "evil.com/dir", false},
		{"///a//b///", "a/b", true},
		{"/./a/./", "a", true},
		{"/a b/c%20d", "a b/c d", false},
		{"/%zz%", "%zz%", false},           // malformed escapes stay as written
		{"/%ff%fe", "\uFFFD\uFFFD", false}, // invalid UTF-8 becomes U+FFFD, as in Python
		// A name that is not UTF-8, as Python's listing links it: each
		// stray byte b is the lone surrogate U+DC00+b (Python's surrogateescape).
		{"/d/bad%ED%B3%BF%ED%B3%BE.txt", "d/bad\xff\xfe.txt", false},
		{"/%ed%b2%80/", "\x80", true},
		{"/%ED%B2%AE%ED%B2%AE/x", "\xae\xae/x", false},       // 0xAE, not '.': no ".." segment
		{"/a/%ED%B3%BF/../b", "a/b", false},                  // resolved like any segment
		{"/%ED%B3%BF%FF", "\uFFFD\uFFFD\uFFFD\uFFFD", false}, // a stray byte anywhere: all U+FFFD
		{"/%ED%A0%80x", "\x00x", false},                      // a surrogate no byte stands for: opens nothing
		{"/%C3%BC", "ü", false},                              // UTF-8 decoded
		{"/a?x=/", "a", false},                               // query ignored, also for the slash test
		{"/a#frag/", "a", false},                             // fragment ignored
		{"/a/ ", "a/ ", false},                               // Python 3.14 no longer rstrips for the slash test
		{"/..%5c..%5cetc", "..\\..\\etc", false},             // a backslash is an ordinary byte on POSIX
		{"/a%00b", "a\x00b", false},                          // NUL passes; opening it fails later
		{"/+x", "+x", false},                                 // '+' is not a space in a path
	}
	for _, tt := range tests {
		name, dir := Name(tt.escaped)
		if name != tt.wantName || dir != tt.wantDir {
			t.Errorf("Name(%q) = %q, %v; want %q, %v", tt.escaped, name, dir, tt.wantName, tt.wantDir)
		}
		if !ValidName(name) || utf8.ValidString(name) && !fs.ValidPath(name) {
			t.Errorf("Name(%q) = %q, not a valid fs path", tt.escaped, name)
		}
	}
}

// TestUnescape pins both decoders against what Python 3.11 gives for the
// same string: unquote(s) for Unescape, and os.fsencode of
// unquote(s, errors='surrogatepass') (falling back to unquote(s)) for
// UnescapeName, as translate_path and open() do. Where Python's open()
// raises UnicodeEncodeError and the request gets no answer, UnescapeName
// gives a NUL byte.
func TestUnescape(t *testing.T) {
	tests := []struct{ in, plain, name string }{
		{"", "", ""},
		{"a%20b+c", "a b+c", "a b+c"},
		{"%zz%4", "%zz%4", "%zz%4"},
		{"%C3%BC", "ü", "ü"},
		{"%ff%fe", "\uFFFD\uFFFD", "\uFFFD\uFFFD"},
		// One U+FFFD per maximal subpart, as Python's decoder gives.
		{"%E2%82a", "\uFFFDa", "\uFFFDa"},
		{"%C0%AF", "\uFFFD\uFFFD", "\uFFFD\uFFFD"},
		{"%F0%90%80", "\uFFFD", "\uFFFD"},
		{"%F4%90%80%80", "\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"%E0%80%80", "\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD"},
		{"%E0%A0", "\uFFFD", "\uFFFD"},
		{"%F5%80", "\uFFFD\uFFFD", "\uFFFD\uFFFD"},
		{"%ED%B3", "\uFFFD\uFFFD", "\uFFFD\uFFFD"},
		{"%ED%9F%BF%EE%80%80", "\uD7FF\uE000", "\uD7FF\uE000"},
		// Surrogates U+DC80–U+DCFF: the bytes 0x80–0xFF of a name.
		{"%ED%B3%BF", "\uFFFD\uFFFD\uFFFD", "\xff"},
		{"%ED%B2%80", "\uFFFD\uFFFD\uFFFD", "\x80"},
		{"a%ED%B3%BFb%C3%BC", "a\uFFFD\uFFFD\uFFFDbü", "a\xffbü"},
		{"%ED%B3%83%ED%B2%A9", strings.Repeat("\uFFFD", 6), "é"}, // the bytes C3 A9, valid UTF-8
		{"%ED%B2%AE%ED%B2%AE", strings.Repeat("\uFFFD", 6), "\xae\xae"},
		// Other surrogates: Python fails; a NUL each, which opens nothing.
		{"%ED%A0%80", "\uFFFD\uFFFD\uFFFD", "\x00"},
		{"%ED%B1%BF", "\uFFFD\uFFFD\uFFFD", "\x00"},
		{"%ED%BF%BF", "\uFFFD\uFFFD\uFFFD", "\x00"},
		{"%ED%B3%BF%ED%A0%80", strings.Repeat("\uFFFD", 6), "\xff\x00"},
		// A stray byte anywhere: Python falls back to unquote(s) whole.
		{"%ED%B3%BF%FF", "\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"%ff%2e%2e", "\uFFFD..", "\uFFFD.."},
	}
	for _, tt := range tests {
		if got := Unescape(tt.in); got != tt.plain {
			t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.plain)
		}
		if got := UnescapeName(tt.in); got != tt.name {
			t.Errorf("UnescapeName(%q) = %q, want %q", tt.in, got, tt.name)
		}
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".", true},
		{"a/b", true},
		{"bad\xff\xfe.txt", true},
		{"\xff/\x80", true},
		{"\xff/", false},
		{"/\xff", false},
		{"\xff//a", false},
		{"\xff/../a", false},
		{"\xff/./a", false},
		{"", false},
		{"..", false},
	}
	for _, tt := range tests {
		if got := ValidName(tt.name); got != tt.want {
			t.Errorf("ValidName(%q) = %v, want %v", tt.name, got, tt.want)
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
		// Python's urlunsplit drops an empty query and fragment
		// (recorded from Python's urlsplit/urlunsplit).
		{"/dir/", "?", "/dir/"},
		{"/dir/", "?#", "/dir/"},
		{"/dir/", "#", "/dir/"},
		{"/dir/", "?#x", "/dir/#x"},
		{"/dir/", "?a=1#", "/dir/?a=1"},
		{"/dir/", "?a=1#f#g", "/dir/?a=1#f#g"},
		{"/dir/", "??", "/dir/??"},
	}
	for _, tt := range tests {
		if got := Location(tt.path, tt.rest); got != tt.want {
			t.Errorf("Location(%q, %q) = %q, want %q", tt.path, tt.rest, got, tt.want)
		}
	}
}

// sameHost reports whether a browser resolving loc against
// http://site.example/base/ stays on site.example.
// schemeStart matches a URL that starts with a scheme, after the C0
// controls and spaces a browser strips from its start.
var schemeStart = regexp.MustCompile(`^[\x00- ]*[A-Za-z][A-Za-z0-9+.-]*:`)

func sameHost(loc string) bool {
	// Browsers treat '\' like '/' and drop tab, CR and LF before parsing.
	loc = strings.NewReplacer("\\", "/", "\t", "", "\r", "", "\n", "").Replace(loc)
	base, _ := url.Parse("http://site.example/base/")
	u, err := url.Parse(loc)
	if err != nil {
		// A browser follows what Go's parser refuses ("/%zz"): it
		// stays on the host only as a path with no scheme and no "//"
		// (an authority) at its start.
		return !strings.HasPrefix(loc, "//") && !schemeStart.MatchString(loc)
	}
	return base.ResolveReference(u).Host == "site.example"
}

// FuzzName checks, for any request path s, that Name never panics and
// returns a name that cannot leave the root: ValidName always, and
// fs.ValidPath whenever it is valid UTF-8 (its only other bytes are the
// 0x80–0xFF that surrogate escapes stand for); cleaning it again changes
// nothing, and no element is "..". Unescape always gives valid UTF-8, and
// UnescapeName differs from it only where Python's surrogatepass decoding
// succeeds. Read as a file name, s comes back unchanged from
// UnescapeName(pyescape.URL(s)): every href of the listing leads back to
// its file.
func FuzzName(f *testing.F) {
	for _, s := range []string{"/", "/%2e%2e/x", "..\\..\\x", "//evil.com", "/a\nb", "\x85", "/%ff", "/a/../../..", "%2f%2e%2e%2f", "/a?b#c", "/%c0%ae%c0%ae/",
		"/bad%ED%B3%BF%ED%B3%BE.txt", "/%ED%B2%AE%ED%B2%AE/..", "/%ED%A0%80%ED%B3%BF", "/%ED%B3%BF%FF", "bad\xff\xfe", "\xed\xb3\xbf/..", "%E2%82a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, _ := Name(s)
		if !ValidName(name) {
			t.Fatalf("Name(%q) = %q: not ValidName", s, name)
		}
		if utf8.ValidString(name) && !fs.ValidPath(name) {
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
		plain, raw := Unescape(s), UnescapeName(s)
		if !utf8.ValidString(plain) {
			t.Fatalf("Unescape(%q) = %q: not valid UTF-8", s, plain)
		}
		if raw != plain {
			if b := percentDecode(s); utf8.Valid(b) || !validSurrogatePass(b) {
				t.Fatalf("UnescapeName(%q) = %q, want Unescape's %q", s, raw, plain)
			}
		}
		href := pyescape.URL(s)
		if got := UnescapeName(href); got != s {
			t.Fatalf("UnescapeName(pyescape.URL(%q)) = %q via %q", s, got, href)
		}
	})
}

// FuzzLocation checks, for any request target, that the redirect
// Location built from FromRequestURI stays on the same host once a browser
// resolves it (treating '\' as '/' and dropping tab, CR and LF), and that
// it holds no raw space, control character, backslash or byte >= 0x7f.
func FuzzLocation(f *testing.F) {
	for _, s := range []string{"//evil.com", "/\\evil.com", "\\\\evil.com", "/%2f%2fevil.com", "/%5cevil.com", "http://evil.com/x", "/\t/evil.com", "/./\\evil", "//evil.com/%zz"} {
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

func TestDecodesExactly(t *testing.T) {
	for s, want := range map[string]bool{
		"/a/b.txt":        true,
		"/caf%C3%A9":      true,
		"/caf%c3%a9":      true,
		"/100%.txt":       true,
		"/100%zz":         true,
		"/%":              true,
		"/%F":             true,
		"/%FF":            false,
		"/%C3":            false,
		"/%ED%B3%BF":      true, // the escape of the byte 0xFF, as the listing links it
		"/d%ED%B3%A9j/x":  true,
		"/%ED%B2%80":      true,  // U+DC80, the byte 0x80
		"/%ED%B2%7F":      false, // not a surrogate: a stray byte
		"/%ED%A0%80":      false, // U+D800: no byte
		"/%ED%B1%BF":      false, // U+DC7F: no byte
		"/%ED%B3%BF%FF":   false,
		"/\xff":           false,
		"/%E2%80%AE.exe":  true, // valid; refusing it is for the caller
		"/%F0%9F%98%80x":  true,
		"/%F0%9F%98%80%F": true,
	} {
		if got := DecodesExactly(s); got != want {
			t.Errorf("DecodesExactly(%q) = %v, want %v", s, got, want)
		}
		// What it accepts decodes without a U+FFFD or a NUL standing
		// for what was sent.
		if n := UnescapeName(s); DecodesExactly(s) && (strings.Contains(n, "\uFFFD") || strings.Contains(n, "\x00")) {
			t.Errorf("DecodesExactly(%q), but UnescapeName gives %q", s, UnescapeName(s))
		}
	}
}

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://files.example.com":   "https://files.example.com",
		"http://host:8080/":           "http://host:8080",
		"files.example.com":           "",
		"https://files.example.com/a": "",
		"ftp://x":                     "",
		"https://":                    "",
		"https://u:p@x":               "",
		"https://x?q":                 "",
		// As a browser sends it: the host in lower case, no default port.
		"HTTPS://Files.Example.COM":     "https://files.example.com",
		"https://files.example.com:443": "https://files.example.com",
		"http://host:80":                "http://host",
		"http://host:":                  "http://host",
		"https://host:80":               "https://host:80",
		"http://[::1]:80":               "http://[::1]",
		"http://[::1]:8080":             "http://[::1]:8080",
		"https://bücher.example":        "",
		"https://:443":                  "",
	} {
		got, ok := Origin(in)
		if got != want || ok != (want != "") {
			t.Errorf("Origin(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

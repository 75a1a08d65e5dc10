package accesslog

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/simplehttp/simplehttp/internal/pyescape"
)

// FuzzScrub checks the scrubbing of any message: Scrub's output
// holds no raw C0 control or DEL byte, no C1 control code point
// U+0080–U+009F and no lone byte 0x80–0x9F of invalid UTF-8 (which it
// writes as \xHH too); AppendScrub appends exactly Scrub's output; and,
// but for such lone bytes (written as the code point, so they cannot come
// back as bytes), pyescape.UnescapeLog gives the message back.
func FuzzScrub(f *testing.F) {
	for _, s := range []string{
		"", "plain", "a\nb", "\r\n", "\x1b[31m", "\x00\x7f", "\x85", "\u0085",
		"\xc2\x9b[2J", "\xe2\x85", "\xff\xfe\x80\x9f\xa0", `back\slash \x41 \\`,
		"%2e%2e/..\\", "//evil", "ü日本😀\u2028",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Scrub(s)
		for i := 0; i < len(got); i++ {
			c := got[i]
			if c < 0x20 || c == 0x7f {
				t.Fatalf("Scrub(%q) = %q: raw byte %#x", s, got, c)
			}
		}
		for i, r := range got {
			if r == utf8.RuneError {
				continue
			}
			if 0x80 <= r && r <= 0x9f {
				t.Fatalf("Scrub(%q) = %q: C1 control U+%04X at %d", s, got, r, i)
			}
		}
		// Lone bytes 0x80–0x9F of invalid UTF-8: none may survive.
		for i := 0; i < len(got); {
			r, size := utf8.DecodeRuneInString(got[i:])
			if r == utf8.RuneError && size == 1 && got[i] <= 0x9f {
				t.Fatalf("Scrub(%q) = %q: lone byte %#x at %d", s, got, got[i], i)
			}
			i += size
		}
		if string(AppendScrub([]byte("x"), s)) != "x"+got {
			t.Fatalf("AppendScrub(%q) differs from Scrub", s)
		}
		if !hasLoneC1(s) {
			back, err := pyescape.UnescapeLog(got)
			if err != nil || back != s {
				t.Fatalf("UnescapeLog(Scrub(%q)) = %q, %v", s, back, err)
			}
		}
	})
}

// hasLoneC1 reports whether s has a byte 0x80–0x9F outside valid UTF-8:
// Scrub writes it as the code point, so it does not round-trip.
func hasLoneC1(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 && s[i] <= 0x9f {
			return true
		}
		i += size
	}
	return false
}

// FuzzRedactPassword checks the password redaction of request targets and
// Referers against net/url. Property: when url.Parse finds a password in
// s, the logged text parses too, to the same URL but for the password,
// which is "xxxxx"; and text without '@' is logged as it is.
func FuzzRedactPassword(f *testing.F) {
	for _, s := range []string{
		"http://user:pass@host/", "//u:p@h/x?q#f", "user:pass@host:443", "http://a:b@c:d@host/p",
		"HTTP://u:p@h", "http://u@h/", "http://u:@h/", "x+y.z://u:p@h/a@b", "http://h/?a=u:p@h",
		"http://u:p%zz@h/", "http://u:p@h:bad/", "ftp://u:p@[::1]:21/", "http:u:p@h", "http:///u:p@h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, authorityForm := range []bool{false, true} {
			got := redactPassword(s, authorityForm)
			if !strings.Contains(s, "@") && got != s {
				t.Fatalf("redactPassword(%q, %v) = %q, want it unchanged", s, authorityForm, got)
			}
			u, err := url.Parse(s)
			if err != nil || u.User == nil {
				continue
			}
			if pw, ok := u.User.Password(); !ok || pw == "" {
				continue
			}
			v, err := url.Parse(got)
			if err != nil || v.User == nil {
				t.Fatalf("redactPassword(%q, %v) = %q: %v", s, authorityForm, got, err)
			}
			pw, _ := v.User.Password()
			v.User = url.UserPassword(v.User.Username(), pw)
			want := *u
			want.User = url.UserPassword(u.User.Username(), "xxxxx")
			if v.String() != want.String() {
				t.Fatalf("redactPassword(%q, %v) = %q, which reads as %q, want %q", s, authorityForm, got, v, want.String())
			}
		}
	})
}

// TestRedactPassword pins the edges of redaction the fuzz seeds leave
// open: an empty user name, a scheme of one letter or of every character
// RFC 3986 allows, and texts that only look like a URL with a password,
// which are logged as sent.
func TestRedactPassword(t *testing.T) {
	for _, tt := range []struct {
		s             string
		authorityForm bool
		want          string
	}{
		{"http://:secret@host/", false, "http://:xxxxx@host/"},
		{":secret@host:443", true, ":xxxxx@host:443"},
		{"a://u:p@h/", false, "a://u:xxxxx@h/"},
		{"azAZ09+-.://u:p@h/", false, "azAZ09+-.://u:xxxxx@h/"},
		{"0a://u:p@h/", false, "0a://u:p@h/"},
		{"a b://u:p@h/", false, "a b://u:p@h/"},
		{"a_b://u:p@h/", false, "a_b://u:p@h/"},
		{"http//u:p@h/", false, "http//u:p@h/"},
		{"http:///x:y@z", false, "http:///x:y@z"},
	} {
		if got := redactPassword(tt.s, tt.authorityForm); got != tt.want {
			t.Errorf("redactPassword(%q, %v) = %q, want %q", tt.s, tt.authorityForm, got, tt.want)
		}
	}
}

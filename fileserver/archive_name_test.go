package fileserver

import (
	"mime"
	"strings"
	"testing"
	"unicode"
)

// TestContentDisposition: the ASCII fallback and the UTF-8 name of an
// archive's download; controls and bidirectional formatting characters
// never reach the name a browser shows.
func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"site.zip", `attachment; filename="site.zip"`},
		{`a"b\c%d.zip`, `attachment; filename="a_b_c_d.zip"; filename*=UTF-8''a%22b%5Cc%25d.zip`},
		{"été.tar.gz", `attachment; filename="__t__.tar.gz"; filename*=UTF-8''%C3%A9t%C3%A9.tar.gz`},
		{"photos\u202egpj.exe.zip", `attachment; filename="photos___gpj.exe.zip"; filename*=UTF-8''photos_gpj.exe.zip`},
		{"a\u2066b\u200fc\u0085d.zip", `attachment; filename="a___b___c__d.zip"; filename*=UTF-8''a_b_c_d.zip`},
		{"bad\xffname.zip", `attachment; filename="bad_name.zip"; filename*=UTF-8''bad%EF%BF%BDname.zip`},
	} {
		if got := contentDisposition(tc.name); got != tc.want {
			t.Errorf("contentDisposition(%q) =\n  %s\nwant\n  %s", tc.name, got, tc.want)
		}
	}
}

// FuzzContentDisposition builds the header for any directory name.
// Properties: the header holds only visible ASCII and spaces (it can never
// split the response or carry a raw control); mime.ParseMediaType reads it
// as an attachment whose file name, from filename* where there is one, is
// the name with bytes that are not UTF-8 as U+FFFD and control and
// bidirectional formatting characters as '_'; and the ASCII fallback is
// as long as the name in bytes.
func FuzzContentDisposition(f *testing.F) {
	for _, s := range []string{"site.zip", `a"b\c%d.zip`, "été.tar.gz", "photos\u202egpj.exe.zip",
		"a\u2066b\u200fc\u0085d.zip", "bad\xffname.zip", "", " ", "a;b=c.zip", "x\r\nSet-Cookie: a=b", "'", "*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		v := contentDisposition(name)
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] >= 0x7f {
				t.Fatalf("contentDisposition(%q) = %q: byte %#x", name, v, v[i])
			}
		}
		disp, params, err := mime.ParseMediaType(v)
		if err != nil || disp != "attachment" {
			t.Fatalf("contentDisposition(%q) = %q: ParseMediaType: %q, %v", name, v, disp, err)
		}
		want := strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				return '_'
			}
			return r
		}, strings.ToValidUTF8(name, "\uFFFD"))
		if params["filename"] != want {
			t.Fatalf("contentDisposition(%q) = %q: file name %q, want %q", name, v, params["filename"], want)
		}
		fallback, _, _ := strings.Cut(strings.TrimPrefix(v, `attachment; filename="`), `"`)
		if len(fallback) != len(name) {
			t.Fatalf("contentDisposition(%q) = %q: fallback %q", name, v, fallback)
		}
	})
}

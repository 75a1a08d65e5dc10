package fileserver

import "testing"

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

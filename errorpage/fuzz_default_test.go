package errorpage

import (
	"bytes"
	"testing"
)

// FuzzDefaultPage checks that Python's page, rendered by substitution,
// is the page html/template makes of the same format through
// PythonFormat, for any code, message and explanation (markup, quotes,
// "{{", invalid UTF-8): the two ways of rendering cannot drift apart.
func FuzzDefaultPage(f *testing.F) {
	f.Add(404, "File not found", "Nothing matches the given URI")
	f.Add(400, `Bad request version ('\x16\x03\x01')`, "Bad request syntax or unsupported method")
	f.Add(500, "<script>alert('x')</script> & \"q\"", "{{.Code}} %(code)d %%")
	f.Add(-1, "\xff\xfe invalid", "")
	f.Add(999, "", "\x00\r\n")
	format, err := PythonFormat(defaultFormat)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code int, message, explain string) {
		sub := &page{segs: defaultPage.segs, contentType: defaultContentType}
		tmpl := &page{format: format, contentType: defaultContentType}
		got := sub.body(code, message, explain)
		want, err := tmpl.render(code, message, explain)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.body) {
			t.Fatalf("code %d, message %q, explain %q:\nsubstitution\n%s\nhtml/template\n%s", code, message, explain, got, want.body)
		}
	})
}

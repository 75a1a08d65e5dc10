package errorpage_test

import (
	htmltemplate "html/template"
	"strings"
	"testing"
	"text/template"

	"github.com/simplehttp/simplehttp/errorpage"
)

// pyFormat is a model of what Python's send_error does with
// error_message_format % {'code': ..., 'message': ..., 'explain': ...}
// for the conversions PythonFormat accepts: "%%", "%(code)d", "%(code)i",
// "%(code)s", "%(message)s" and "%(explain)s". ok is false for anything
// else.
func pyFormat(s, code, message, explain string) (out string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if strings.HasPrefix(s[i:], "%%") {
			b.WriteByte('%')
			i++
			continue
		}
		if !strings.HasPrefix(s[i:], "%(") {
			return "", false
		}
		key, rest, found := strings.Cut(s[i+2:], ")")
		if !found || rest == "" {
			return "", false
		}
		switch key + ")" + rest[:1] {
		case "code)d", "code)i", "code)s":
			b.WriteString(code)
		case "message)s":
			b.WriteString(message)
		case "explain)s":
			b.WriteString(explain)
		default:
			return "", false
		}
		i += 2 + len(key) + 1 // at the conversion letter
	}
	return b.String(), true
}

// FuzzPythonFormat checks the error-format parser, PythonFormat, against
// a model of Python's % formatting: it accepts exactly the formats the
// model accepts; the html/template text it converts them to parses, and
// executed (as text, so that only the conversion is checked, not
// html/template's contextual escaping) gives what Python would give,
// whatever literal "{{", "}}" or "%" the format holds; and the
// substitution that renders Python's own page gives what Python's
// send_error gives, escaping and all.
func FuzzPythonFormat(f *testing.F) {
	for _, s := range []string{
		"", "<p>%(code)d %(message)s</p>", "%(explain)s.", "%%", "100%% %(code)i", "%(code)s",
		"%(code)x", "%(nope)s", "%(code", "%(code)", "%", "%s", "{{.Code}}", "{%(code)d}", "{{%(message)s}}",
		"{{{", "}}", "{{/* x */}}", "%(message)s{{", "{%(code)d{", "%%(code)d", "%((code)d", "%(co)de)d",
		"<A", "<a href=\"%(message)s", "<script>%(explain)s",
	} {
		f.Add(s)
	}
	data := struct {
		Code             int
		Message, Explain string
	}{404, "File <not> & found", "Nothing {{matches}}"}
	f.Fuzz(func(t *testing.T, s string) {
		want, ok := pyFormat(s, "404", data.Message, data.Explain)
		got, err := errorpage.PythonTemplate(s)
		if ok != (err == nil) {
			t.Fatalf("PythonTemplate(%q) = %q, %v; Python accepts it: %v", s, got, err, ok)
		}
		_, perr := errorpage.PythonFormat(s)
		if err != nil {
			if perr == nil {
				t.Fatalf("PythonFormat(%q) accepted what PythonTemplate refuses: %v", s, err)
			}
			return
		}
		// Beyond the conversion, PythonFormat refuses only what
		// html/template refuses (markup left open at the end: "<a").
		if _, ferr := errorpage.ParseFormat(got); (perr == nil) != (ferr == nil) {
			t.Fatalf("PythonFormat(%q): error %v, ParseFormat of its template: %v", s, perr, ferr)
		}
		if _, err := htmltemplate.New("page").Parse(got); err != nil {
			t.Fatalf("PythonTemplate(%q) = %q: not an html/template: %v", s, got, err)
		}
		tmpl, err := template.New("page").Parse(got)
		if err != nil {
			t.Fatalf("PythonTemplate(%q) = %q: %v", s, got, err)
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, data); err != nil {
			t.Fatalf("PythonTemplate(%q) = %q: %v", s, got, err)
		}
		if b.String() != want {
			t.Fatalf("PythonTemplate(%q) = %q gives %q, Python %q", s, got, b.String(), want)
		}
		// Python's own page is rendered by substitution: it must give
		// what Python gives, with send_error's escaping (&, < and >).
		sub, err := errorpage.RenderPython(s, 404, data.Message, data.Explain)
		if err != nil {
			t.Fatalf("RenderPython(%q): %v", s, err)
		}
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
		escaped, _ := pyFormat(s, "404", esc(data.Message), esc(data.Explain))
		if sub != escaped {
			t.Fatalf("RenderPython(%q) = %q, Python %q", s, sub, escaped)
		}
	})
}

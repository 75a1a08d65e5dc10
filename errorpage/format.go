package errorpage

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// A Format is an error page of your own for [Options.Format], made by
// [ParseFormat] from html/template text or by [PythonFormat] from a Python
// %-format string. It is immutable and safe for concurrent use; a Format
// not made by either is refused by [New].
//
// A Format is a value of its own rather than text in Options so that a
// program that never makes one does not link html/template's executor,
// whose reflective method calls make the Go linker keep every exported
// method of every type in the program (some 2.5 MB of the simplehttp
// command). Python's own page is rendered without a template.
type Format struct {
	name string
	exec func(w io.Writer, d pageData) error
}

// samplePage is what ParseFormat executes a new template with once.
var samplePage = pageData{Code: 404, Message: "File not found", Explain: "Nothing matches the given URI"}

// ParseFormat returns the Format of text, an [html/template] executed with
// the fields of Python's error_message_format: .Code (an int), .Message
// and .Explain. Message and Explain arrive already escaped as send_error
// escapes them (&, < and > only, quotes kept) and typed template.HTML, so
// the template does not escape them again: put them in element text only,
// never in an attribute, a script or a style.
//
// It returns an error if text is not a valid template or fails on a
// sample page (a missing field, say), so that it fails here and not on a
// client. The template is named "Format" in its errors.
func ParseFormat(text string) (*Format, error) {
	t, err := template.New("Format").Parse(text)
	if err != nil {
		return nil, err // already says "template: Format:..."
	}
	if err := t.Execute(io.Discard, samplePage); err != nil {
		return nil, err
	}
	return &Format{name: t.Name(), exec: func(w io.Writer, d pageData) error { return t.Execute(w, d) }}, nil
}

// PythonFormat returns the Format of a Python error_message_format, a
// %-format string with the keys code, message and explain
// ("<p>%(code)d %(message)s</p>"): the page Python's send_error would
// make of it, in element text (see [ParseFormat], which it calls with the
// html/template equivalent of s). It accepts what send_error can format:
// %(code)d, %(code)i and %(code)s; %(message)s and %(explain)s; and %%
// for a percent sign. Any other conversion, flag, width or key is an
// error, as it would be (or would format differently) in Python; so is
// a page html/template refuses (markup left open at its end, "<a"),
// which Python would send as it is.
//
// Literal "{{" in s is kept literal; it must not occur inside a <script>
// or <style> element, where html/template would escape it. As
// html/template does with any template, HTML comments (<!-- -->) in s are
// left out of the page, where Python sends them.
func PythonFormat(s string) (*Format, error) {
	text, err := pythonTemplate(s)
	if err != nil {
		return nil, err
	}
	return ParseFormat(text)
}

// A segment is a run of a Python %-format: literal text, then one field
// ("code", "message" or "explain"), or none at the end.
type segment struct {
	text, field string
}

// parsePython splits a Python error_message_format into segments, refusing
// what send_error could not format (see PythonFormat).
func parsePython(s string) ([]segment, error) {
	var segs []segment
	var lit strings.Builder // literal text not yet in a segment
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		if i+1 >= len(s) || s[i+1] != '(' {
			return nil, fmt.Errorf("errorpage: Python format at byte %d: only %%(code)d, %%(message)s, %%(explain)s and %%%% are supported", i)
		}
		end := strings.IndexByte(s[i+2:], ')')
		if end < 0 {
			return nil, fmt.Errorf("errorpage: Python format at byte %d: incomplete format key", i)
		}
		key := s[i+2 : i+2+end]
		j := i + 2 + end + 1
		if j >= len(s) {
			return nil, fmt.Errorf("errorpage: Python format at byte %d: incomplete format", i)
		}
		conv := s[j]
		switch {
		case key == "code" && (conv == 'd' || conv == 'i' || conv == 's'),
			key == "message" && conv == 's',
			key == "explain" && conv == 's':
		default:
			return nil, fmt.Errorf("errorpage: Python format at byte %d: unsupported %q", i, s[i:j+1])
		}
		segs = append(segs, segment{lit.String(), key})
		lit.Reset()
		i = j + 1
	}
	return append(segs, segment{text: lit.String()}), nil
}

// pythonTemplate converts a Python error_message_format into the
// html/template text of the same page.
func pythonTemplate(s string) (string, error) {
	segs, err := parsePython(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, seg := range segs {
		t := seg.text
		for i := 0; i < len(t); i++ {
			// A '{' followed by another '{', in t or by the action that
			// comes next, would open an action: write it as one.
			if t[i] == '{' && (i+1 < len(t) && t[i+1] == '{' || i+1 == len(t) && seg.field != "") {
				b.WriteString(`{{"{"}}`)
				continue
			}
			b.WriteByte(t[i])
		}
		switch seg.field {
		case "code":
			b.WriteString("{{.Code}}")
		case "message":
			b.WriteString("{{.Message}}")
		case "explain":
			b.WriteString("{{.Explain}}")
		}
	}
	return b.String(), nil
}

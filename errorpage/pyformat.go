package errorpage

import (
	"fmt"
	"strings"
)

// PythonFormat converts a Python error_message_format, a %-format string
// with the keys code, message and explain ("<p>%(code)d %(message)s</p>"),
// into the html/template text [Options.Format] takes. It accepts what
// send_error can format: %(code)d, %(code)i and %(code)s; %(message)s and
// %(explain)s; and %% for a percent sign. Any other conversion, flag, width
// or key is an error, as it would be (or would format differently) in
// Python.
//
// Literal "{{" in s (which html/template would read as an action) is kept
// literal; it must not occur inside a <script> or <style> element, where
// html/template would escape it.
func PythonFormat(s string) (string, error) {
	var b strings.Builder
	var lit strings.Builder // literal text not yet written
	flush := func(beforeAction bool) {
		t := lit.String()
		lit.Reset()
		for i := 0; i < len(t); i++ {
			// A '{' followed by another '{', in t or by the action that
			// comes next, would open an action: write it as one.
			if t[i] == '{' && (i+1 < len(t) && t[i+1] == '{' || i+1 == len(t) && beforeAction) {
				b.WriteString(`{{"{"}}`)
				continue
			}
			b.WriteByte(t[i])
		}
	}
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
			return "", fmt.Errorf("errorpage: Python format at byte %d: only %%(code)d, %%(message)s, %%(explain)s and %%%% are supported", i)
		}
		end := strings.IndexByte(s[i+2:], ')')
		if end < 0 {
			return "", fmt.Errorf("errorpage: Python format at byte %d: incomplete format key", i)
		}
		key := s[i+2 : i+2+end]
		j := i + 2 + end + 1
		if j >= len(s) {
			return "", fmt.Errorf("errorpage: Python format at byte %d: incomplete format", i)
		}
		conv := s[j]
		var action string
		switch {
		case key == "code" && (conv == 'd' || conv == 'i' || conv == 's'):
			action = "{{.Code}}"
		case key == "message" && conv == 's':
			action = "{{.Message}}"
		case key == "explain" && conv == 's':
			action = "{{.Explain}}"
		default:
			return "", fmt.Errorf("errorpage: Python format at byte %d: unsupported %q", i, s[i:j+1])
		}
		flush(true)
		b.WriteString(action)
		i = j + 1
	}
	flush(false)
	return b.String(), nil
}

package errorpage

// PythonTemplate exposes the conversion behind PythonFormat to the
// package's external tests.
var PythonTemplate = pythonTemplate

// RenderPython renders the Python %-format s by substitution, as Python's
// own page is rendered, or fails as PythonFormat fails.
func RenderPython(s string, code int, message, explain string) (string, error) {
	segs, err := parsePython(s)
	if err != nil {
		return "", err
	}
	p := &page{segs: segs, contentType: defaultContentType}
	return string(p.body(code, message, explain)), nil
}

package pyescape

// Fields splits s as Python's str.split() splits a header value it has
// decoded as Latin-1, one character a byte: at runs of the bytes that are
// white space as Latin-1 characters, which include 0x1C-0x1F, 0x85 (NEL)
// and 0xA0 (no-break space), and not at the Unicode spaces
// strings.Fields finds in UTF-8 (U+3000, or U+00A0 as C2 A0), which
// Python sees as other characters.
func Fields(s string) []string {
	var f []string
	start := -1
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) {
			if start >= 0 {
				f = append(f, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		f = append(f, s[start:])
	}
	return f
}

// isSpace reports whether the Latin-1 character c is white space to
// Python's str.split() and str.strip().
func isSpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r' || 0x1c <= c && c <= 0x1f || c == 0x85 || c == 0xa0
}

package pyescape

import (
	"slices"
	"unicode/utf8"
)

// htmlExtra gives, for each ASCII byte, how many bytes longer its escape is.
var htmlExtra = [utf8.RuneSelf]uint8{
	'&': 4, // &amp;
	'<': 3, // &lt;
	'>': 3, // &gt;
}

// replacementExtra is how much longer U+FFFD is than the byte it replaces.
const replacementExtra = len("\uFFFD") - 1

// HTML returns s escaped like Python's html.escape(s, quote=False): only
// '&', '<' and '>' become "&amp;", "&lt;" and "&gt;". Quotes are kept, so
// the result belongs in element text, never in an attribute value.
//
// Each byte of s that is not part of valid UTF-8 becomes U+FFFD, so the
// result is always valid UTF-8. This deliberately differs from Python,
// which writes the undecodable bytes of a file name back out unchanged
// (surrogateescape).
//
// If s needs no escaping, HTML returns s itself without allocating.
func HTML(s string) string {
	n := htmlGrowth(s)
	if n == 0 {
		return s
	}
	return bytesToString(appendHTML(make([]byte, 0, len(s)+n), s))
}

// AppendHTML appends [HTML](s) to dst and returns the extended buffer. It
// allocates only to grow dst, at most once.
func AppendHTML(dst []byte, s string) []byte {
	n := htmlGrowth(s)
	if n == 0 {
		return append(dst, s...)
	}
	return appendHTML(slices.Grow(dst, len(s)+n), s)
}

// htmlGrowth returns len(HTML(s)) - len(s), which is 0 exactly when s
// needs no escaping.
func htmlGrowth(s string) int {
	n := 0
	for i, retry := 0, 0; i < len(s); {
		if i >= retry && i+8 <= len(s) {
			if htmlClean8(s, i) {
				i += 8
				continue
			}
			retry = i + 8 // some byte in s[i:i+8] needs work
		}
		if c := s[i]; c < utf8.RuneSelf {
			n += int(htmlExtra[c])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += replacementExtra
		}
		i += size
	}
	return n
}

func appendHTML(dst []byte, s string) []byte {
	start := 0 // s[start:i] needs no escaping and is not yet appended
	for i, retry := 0, 0; i < len(s); {
		if i >= retry && i+8 <= len(s) {
			if htmlClean8(s, i) {
				i += 8
				continue
			}
			retry = i + 8 // some byte in s[i:i+8] needs work
		}
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch c {
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			default:
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = utf8.AppendRune(dst, utf8.RuneError)
			start = i + 1
		}
		i += size
	}
	return append(dst, s[start:]...)
}

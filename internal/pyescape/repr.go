package pyescape

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Repr returns s quoted as Python's repr() quotes a str, for the messages
// Python builds with %r: "Unsupported method ('PUT')", "No such CGI script
// ('/cgi-bin/x')". It uses single quotes unless s holds a single quote and
// no double quote; writes a backslash as \\, the quote as \' (or \"),
// tab, newline and carriage return as \t, \n and \r, and the other code
// points that are not printable as \xhh (below U+0100: the other C0
// controls, DEL, the C1 controls, U+00A0 and U+00AD), \uhhhh or
// \Uhhhhhhhh. Bytes that are not valid
// UTF-8 are written as U+FFFD, which Python, given the same bytes decoded
// with errors='replace', prints as it is.
func Repr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, q)
	for _, r := range s {
		switch {
		case r == '\\':
			b = append(b, `\\`...)
		case r == rune(q):
			b = append(b, '\\', q)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == utf8.RuneError:
			b = utf8.AppendRune(b, r)
		case r != ' ' && !strconv.IsPrint(r):
			switch {
			case r < 0x100:
				b = append(b, '\\', 'x', lowerHex[r>>4], lowerHex[r&0xf])
			case r < 0x10000:
				b = append(b, `\u`...)
				b = appendHex(b, r, 4)
			default:
				b = append(b, `\U`...)
				b = appendHex(b, r, 8)
			}
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(append(b, q))
}

// appendHex appends r as n lower-case hex digits.
func appendHex(b []byte, r rune, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, lowerHex[(r>>(4*i))&0xf])
	}
	return b
}

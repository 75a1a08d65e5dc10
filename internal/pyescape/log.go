package pyescape

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// logExtra gives, for each ASCII byte, how many bytes longer its escape is:
// 3 for C0 controls and DEL (\xHH), 1 for the backslash (\\).
var logExtra = func() (t [utf8.RuneSelf]uint8) {
	for c := range 0x20 {
		t[c] = 3
	}
	t[0x7f] = 3
	t['\\'] = 1
	return t
}()

const lowerHex = "0123456789abcdef"

// Log returns s scrubbed like the message in Python's
// BaseHTTPRequestHandler.log_message, which translates it through
// _control_char_table: the code points U+0000–U+001F and U+007F–U+009F
// become \xHH with two lower-case hex digits, a backslash becomes \\, and
// everything else is kept.
//
// A byte 0x80–0x9F that is not part of valid UTF-8 also becomes \xHH, the
// text Python writes for the code point U+0080–U+009F such a byte stands
// for when it decodes a request line as ISO-8859-1. So no C0, DEL or C1
// control reaches the log, neither as a raw byte nor UTF-8 encoded. The
// other bytes of invalid UTF-8 (0xA0–0xFF) are kept.
//
// If s needs no scrubbing, Log returns s itself without allocating.
func Log(s string) string {
	n := logGrowth(s)
	if n == 0 {
		return s
	}
	return bytesToString(appendLog(make([]byte, 0, len(s)+n), s))
}

// AppendLog appends [Log](s) to dst and returns the extended buffer. It
// allocates only to grow dst, at most once.
func AppendLog(dst []byte, s string) []byte {
	n := logGrowth(s)
	if n == 0 {
		return append(dst, s...)
	}
	return appendLog(slices.Grow(dst, len(s)+n), s)
}

// isC1 reports whether s[i:] starts with the UTF-8 encoding of a C1
// control, U+0080–U+009F, which is 0xC2 followed by 0x80–0x9F.
func isC1(s string, i int) bool {
	return s[i] == 0xc2 && i+1 < len(s) && 0x80 <= s[i+1] && s[i+1] <= 0x9f
}

// logGrowth returns len(Log(s)) - len(s), which is 0 exactly when s needs
// no scrubbing.
func logGrowth(s string) int {
	n := 0
	for i, retry := 0, 0; i < len(s); {
		if i >= retry && i+8 <= len(s) {
			if logClean8(s, i) {
				i += 8
				continue
			}
			retry = i + 8 // some byte in s[i:i+8] needs work
		}
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			n += int(logExtra[c])
			i++
		case isC1(s, i):
			n += 2 // two bytes become four
			i += 2
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			if size == 1 && c <= 0x9f { // a lone byte 0x80–0x9F
				n += 3
			}
			i += size
		}
	}
	return n
}

func appendLog(dst []byte, s string) []byte {
	start := 0 // s[start:i] needs no scrubbing and is not yet appended
	for i, retry := 0, 0; i < len(s); {
		if i >= retry && i+8 <= len(s) {
			if logClean8(s, i) {
				i += 8
				continue
			}
			retry = i + 8 // some byte in s[i:i+8] needs work
		}
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			if logExtra[c] == 0 {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			if c == '\\' {
				dst = append(dst, '\\', '\\')
			} else {
				dst = append(dst, '\\', 'x', lowerHex[c>>4], lowerHex[c&0xf])
			}
			i++
		case isC1(s, i):
			dst = append(dst, s[start:i]...)
			c = s[i+1] // U+0080–U+009F: the code point is the second byte
			dst = append(dst, '\\', 'x', lowerHex[c>>4], lowerHex[c&0xf])
			i += 2
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			if size > 1 || c > 0x9f {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'x', lowerHex[c>>4], lowerHex[c&0xf])
			i++
		}
		start = i
	}
	return append(dst, s[start:]...)
}

// UnescapeLog reverses [Log]: \\ becomes a backslash and \xHH becomes the
// UTF-8 encoding of the code point U+00HH. It is meant for tests and tools
// that read log lines back, not for request handling.
//
// UnescapeLog(Log(s)) == s for every s without lone bytes 0x80–0x9F, in
// particular for all valid UTF-8. A lone byte 0x80–0x9F and the code point
// U+0080–U+009F are logged alike, as \xHH, and come back as the code point.
//
// UnescapeLog accepts only the escapes Log writes: it returns an error for
// a backslash that is not followed by a backslash or by x and two
// lower-case hex digits naming a C0 control, DEL or a C1 control.
// Unescaped text, control characters included, is copied as it is.
func UnescapeLog(s string) (string, error) {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i >= 0 {
		b = append(b, s[:i]...)
		s = s[i:]
		switch {
		case strings.HasPrefix(s, `\\`):
			b = append(b, '\\')
			s = s[2:]
		case strings.HasPrefix(s, `\x`) && len(s) >= 4:
			hi, lo := unhex(s[2]), unhex(s[3])
			v := hi<<4 | lo
			if hi < 0 || lo < 0 || !(v < 0x20 || 0x7f <= v && v <= 0x9f) {
				return "", fmt.Errorf("pyescape: invalid log escape %q", s[:4])
			}
			b = utf8.AppendRune(b, rune(v))
			s = s[4:]
		default:
			return "", fmt.Errorf("pyescape: invalid log escape %q", s[:min(len(s), 4)])
		}
		i = strings.IndexByte(s, '\\')
	}
	return bytesToString(append(b, s...)), nil
}

// unhex returns the value of the lower-case hex digit c, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	}
	return -1
}

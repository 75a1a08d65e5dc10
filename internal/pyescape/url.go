package pyescape

import (
	"slices"
	"unicode/utf8"
)

// urlSafe reports which bytes urllib.parse.quote(s, safe='/') keeps as they
// are: quote's _ALWAYS_SAFE (A-Z a-z 0-9 _ . - ~) plus '/'.
var urlSafe = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c-'A'+'a'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "_.-~/" {
		t[c] = true
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

// surrogateQuotedExtra is how much longer "%ED%B3%BF", the quoted lone
// surrogate that stands for an undecodable byte, is than that byte.
const surrogateQuotedExtra = len("%ED%B3%BF") - 1

// URL returns s percent-encoded like Python's
// urllib.parse.quote(s, safe='/', errors='surrogatepass'), applied as
// list_directory applies it to a name os.listdir decoded with
// surrogateescape: the letters A-Z and a-z, the digits and _ . - ~ / are
// kept, every other byte becomes %XX with upper-case hex digits.
// Non-ASCII characters are encoded as their UTF-8 bytes. A byte b that is
// not part of valid UTF-8 stands for the lone surrogate U+DC00+b, as in
// Python, and is encoded as that surrogate's three bytes: 0xFF becomes
// %ED%B3%BF. urlpath.UnescapeName of the result gives back s, as Python's
// translate_path does; url.PathUnescape gives [SurrogateEscape](s).
// Unlike [net/url.PathEscape], URL quotes ':', '@', '&', '=', '+', '$'
// and ','.
//
// If s needs no quoting, URL returns s itself without allocating.
func URL(s string) string {
	n, valid := urlGrowth(s)
	if n == 0 {
		return s
	}
	return bytesToString(appendURL(make([]byte, 0, len(s)+n), s, valid))
}

// AppendURL appends [URL](s) to dst and returns the extended buffer. It
// allocates only to grow dst, at most once.
func AppendURL(dst []byte, s string) []byte {
	n, valid := urlGrowth(s)
	if n == 0 {
		return append(dst, s...)
	}
	return appendURL(slices.Grow(dst, len(s)+n), s, valid)
}

// urlGrowth returns len(URL(s)) - len(s), which is 0 exactly when s needs
// no quoting, and whether s is valid UTF-8.
func urlGrowth(s string) (n int, valid bool) {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; !urlSafe[c] {
			if c >= utf8.RuneSelf {
				break
			}
			n += 2
		}
	}
	valid = true
	for i < len(s) { // from the first non-ASCII byte on, if any
		c := s[i]
		if c < utf8.RuneSelf {
			if !urlSafe[c] {
				n += 2
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += surrogateQuotedExtra
			valid = false
		} else {
			n += 2 * size
		}
		i += size
	}
	return n, valid
}

// appendURL appends URL(s); valid says whether s is valid UTF-8, so that
// every byte can be quoted by itself.
func appendURL(dst []byte, s string, valid bool) []byte {
	start := 0 // s[start:i] is safe and not yet appended
	if valid {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if urlSafe[c] {
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&0xf])
			start = i + 1
		}
		return append(dst, s[start:]...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if urlSafe[c] {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		size := 1
		if c >= utf8.RuneSelf {
			var r rune
			if r, size = utf8.DecodeRuneInString(s[i:]); r == utf8.RuneError && size == 1 {
				b1, b2 := surrogateTail(c)
				dst = append(dst, '%', 'E', 'D',
					'%', upperHex[b1>>4], upperHex[b1&0xf],
					'%', upperHex[b2>>4], upperHex[b2&0xf])
				i++
				start = i
				continue
			}
		}
		for j := i; j < i+size; j++ {
			dst = append(dst, '%', upperHex[s[j]>>4], upperHex[s[j]&0xf])
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// surrogateTail returns the second and third bytes of the generalised
// UTF-8 encoding of U+DC00+c, the lone surrogate that Python's
// surrogateescape decodes the byte c (0x80–0xFF) to. The first byte is
// always 0xED.
func surrogateTail(c byte) (b1, b2 byte) {
	return 0xB2 | c>>6&1, 0x80 | c&0x3F
}

// SurrogateEscape returns s with each byte b that is not part of valid
// UTF-8 replaced by the three bytes ED B2 80 to ED B3 BF: the lone
// surrogate U+DC00+b that Python's surrogateescape decodes the byte to, in
// the generalised UTF-8 that Python's surrogatepass writes. Go does not
// accept surrogates as valid UTF-8, so the result is as invalid as s was,
// but byte-wise comparison of such results orders strings as Python
// orders the str values os.listdir returns for the same names. If s is
// valid UTF-8, SurrogateEscape returns s itself without allocating.
func SurrogateEscape(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	start := 0 // s[start:i] is valid and not yet appended
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b1, b2 := surrogateTail(s[i])
			b = append(b, s[start:i]...)
			b = append(b, 0xED, b1, b2)
			start = i + 1
		}
		i += size
	}
	return bytesToString(append(b, s[start:]...))
}

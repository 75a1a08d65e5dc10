package pyescape

import "slices"

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

// URL returns s percent-encoded like Python's
// urllib.parse.quote(s, safe='/'): the letters A-Z and a-z, the digits and
// _ . - ~ / are kept, every other byte of s becomes %XX with upper-case hex
// digits. Non-ASCII characters are encoded as their UTF-8 bytes, and the
// bytes of invalid UTF-8 are encoded one by one, so url.PathUnescape of the
// result always gives back s. Unlike [net/url.PathEscape], URL quotes
// ':', '@', '&', '=', '+', '$' and ','.
//
// If s needs no quoting, URL returns s itself without allocating.
func URL(s string) string {
	n := urlQuoted(s)
	if n == 0 {
		return s
	}
	return bytesToString(appendURL(make([]byte, 0, len(s)+2*n), s))
}

// AppendURL appends [URL](s) to dst and returns the extended buffer. It
// allocates only to grow dst, at most once.
func AppendURL(dst []byte, s string) []byte {
	n := urlQuoted(s)
	if n == 0 {
		return append(dst, s...)
	}
	return appendURL(slices.Grow(dst, len(s)+2*n), s)
}

// urlQuoted returns the number of bytes of s that URL quotes.
func urlQuoted(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if !urlSafe[s[i]] {
			n++
		}
	}
	return n
}

func appendURL(dst []byte, s string) []byte {
	start := 0 // s[start:i] is safe and not yet appended
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

// Package urlpath turns the path of a request URL into a name inside a
// served tree, the way Python's SimpleHTTPRequestHandler.translate_path does,
// and builds the paths the client sees (redirect targets, listing titles).
//
// Every package of the module that maps URLs to files goes through [Name],
// so the rules live in one place: percent-decoding happens exactly once,
// "." and ".." segments are resolved and can never climb above the root,
// and the result is always a valid [fs.ValidPath] name.
package urlpath

import (
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// Name maps an escaped URL path (as [url.URL.EscapedPath] returns it) to an
// [fs.FS] name, following SPEC §1.1 (Python's translate_path):
//
//  1. everything from the first '?' and then from the first '#' is dropped;
//  2. dir reports whether what remains ends in '/' after trailing white
//     space is trimmed (an escaped %2F does not count);
//  3. the path is percent-decoded once, like urllib.parse.unquote: a
//     malformed escape stays as it is and invalid UTF-8 becomes U+FFFD;
//  4. "//", "." and ".." are resolved as posixpath.normpath does, never
//     above the root.
//
// The name is "." for the root and otherwise has no leading or trailing
// slash, so it always satisfies fs.ValidPath.
func Name(escaped string) (name string, dir bool) {
	if i := strings.IndexByte(escaped, '?'); i >= 0 {
		escaped = escaped[:i]
	}
	if i := strings.IndexByte(escaped, '#'); i >= 0 {
		escaped = escaped[:i]
	}
	dir = strings.HasSuffix(strings.TrimRight(escaped, " \t\n\r\v\f"), "/")
	p := Unescape(escaped)
	if p == "" || p == "/" {
		return ".", dir
	}
	// path.Clean of a rooted path resolves every ".." against the root and
	// leaves no empty, "." or ".." element behind.
	if p[0] != '/' {
		p = "/" + p
	}
	p = path.Clean(p) // no allocation when p is clean already

	if p == "/" {
		return ".", dir
	}
	return p[1:], dir
}

// Unescape percent-decodes s like Python's urllib.parse.unquote: "%XX" with
// two hex digits becomes that byte, anything else (a lone '%', "%zz") stays
// as written, and '+' is left alone. Byte sequences that are not valid UTF-8
// are replaced with U+FFFD, as Python's fallback decoding does, so the
// result is always valid UTF-8.
func Unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	if utf8.Valid(b) {
		return string(b)
	}
	// Each byte that does not start a valid sequence becomes one U+FFFD.
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return string(out)
}

// FromRequestURI splits a request target as the client sent it
// (http.Request.RequestURI) into its escaped path and the rest (the query
// and fragment with their leading '?' or '#', or ""). A path that starts
// with "//" is reduced to a single leading '/', as Python does since the
// fix for CVE-2021-28861. An absolute-form target ("http://host/p?q")
// yields only its path and query: the host is never carried over.
func FromRequestURI(requestURI string) (escapedPath, rest string) {
	if requestURI == "" || requestURI == "*" {
		return "/", ""
	}
	if requestURI[0] != '/' {
		u, err := url.Parse(requestURI)
		if err != nil {
			return "/", ""
		}
		escapedPath = u.EscapedPath()
		if escapedPath == "" || escapedPath[0] != '/' {
			escapedPath = "/" + escapedPath
		}
		if u.RawQuery != "" || u.ForceQuery {
			rest = "?" + u.RawQuery
		}
	} else {
		escapedPath = requestURI
		if i := strings.IndexAny(escapedPath, "?#"); i >= 0 {
			escapedPath, rest = escapedPath[:i], escapedPath[i:]
		}
	}
	if strings.HasPrefix(escapedPath, "//") {
		escapedPath = "/" + strings.TrimLeft(escapedPath, "/")
	}
	return escapedPath, rest
}

// Location returns a redirect target that a browser resolves on the same
// host: escapedPath (as returned by [FromRequestURI]) followed by rest, with
// every backslash, control character, space and non-ASCII byte
// percent-encoded, and leading slashes reduced to one. Browsers read '\' as
// '/' and drop tabs and newlines, so "/\evil.com" or "/\t/evil.com" would
// otherwise leave the site.
func Location(escapedPath, rest string) string {
	var b strings.Builder
	b.Grow(len(escapedPath) + len(rest) + 8)
	p := strings.TrimLeft(escapedPath, "/")
	b.WriteByte('/')
	appendSafe(&b, p)
	appendSafe(&b, rest)
	return b.String()
}

func appendSafe(b *strings.Builder, s string) {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' {
			b.WriteByte('%')
			b.WriteByte(hexUpper[c>>4])
			b.WriteByte(hexUpper[c&15])
			continue
		}
		b.WriteByte(c)
	}
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// Package urlpath turns the path of a request URL into a name inside a
// served tree, the way Python's SimpleHTTPRequestHandler.translate_path does,
// and builds the paths the client sees (redirect targets, listing titles).
//
// Every package of the module that maps URLs to files goes through [Name],
// so the rules live in one place: percent-decoding happens exactly once,
// "." and ".." segments are resolved and can never climb above the root,
// and the result is always a [ValidName]: an [fs.ValidPath] name, or one
// that differs from it only by bytes 0x80–0xFF of a file name that is not
// valid UTF-8.
package urlpath

import (
	"io/fs"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// Name maps an escaped URL path (as [url.URL.EscapedPath] returns it) to an
// [fs.FS] name, as Python's translate_path does:
//
//  1. everything from the first '?' and then from the first '#' is dropped;
//  2. dir reports whether what remains, once decoded, ends in '/': it
//     ends in '/' or in an escaped slash, %2F or %2f (Python 3.14's
//     send_head and translate_path; 3.11 counted only a '/' and first
//     trimmed trailing white space);
//  3. the path is percent-decoded once by [UnescapeName], like
//     urllib.parse.unquote(path, errors='surrogatepass') followed by
//     Python's file system encoding;
//  4. "//", "." and ".." are resolved as posixpath.normpath does, never
//     above the root.
//
// The name is "." for the root and otherwise has no leading or trailing
// slash. It satisfies fs.ValidPath whenever it is valid UTF-8, and
// [ValidName] always: the only bytes that can make it invalid UTF-8 are
// the 0x80–0xFF that the escapes %ED%B2%80–%ED%B3%BF stand for, never '/'
// or '.', so they cannot change its segments. Such a name can be opened
// only by an FS that accepts names that are not UTF-8 (the fileserver's
// own OS directory does; os.DirFS does not). The name may hold a NUL
// (from %00, or from a surrogate no byte stands for), which no OS file
// name holds.
func Name(escaped string) (name string, dir bool) {
	if i := strings.IndexByte(escaped, '?'); i >= 0 {
		escaped = escaped[:i]
	}
	if i := strings.IndexByte(escaped, '#'); i >= 0 {
		escaped = escaped[:i]
	}
	dir = strings.HasSuffix(escaped, "/") || strings.HasSuffix(escaped, "%2F") || strings.HasSuffix(escaped, "%2f")
	p := UnescapeName(escaped)
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

// ValidName reports whether name is fs.ValidPath once every byte that is
// not part of valid UTF-8 is ignored: the names [Name] returns. Such bytes
// are never ASCII, so they cannot form or hide a '/', "." or ".." element.
// An FS that opens OS files by raw byte names can accept exactly these.
func ValidName(name string) bool {
	if utf8.ValidString(name) {
		return fs.ValidPath(name)
	}
	return fs.ValidPath(strings.ToValidUTF8(name, "\uFFFD"))
}

// Unescape percent-decodes s like Python's urllib.parse.unquote(s): "%XX"
// with two hex digits becomes that byte, anything else (a lone '%', "%zz")
// stays as written, and '+' is left alone. Each maximal part of an
// invalid UTF-8 sequence (Unicode's recommended practice, as Python's
// decoder does it) becomes one U+FFFD, so the result is always valid
// UTF-8. This is how Python's CGI handler decodes a path
// (_url_collapse_path); file names use [UnescapeName].
func Unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && utf8.ValidString(s) {
		return s
	}
	b := percentDecode(s)
	if utf8.Valid(b) {
		return string(b)
	}
	return string(appendReplacingInvalid(make([]byte, 0, len(b)+8), b))
}

// UnescapeName percent-decodes s into the bytes of a file name, as
// Python's translate_path and list_directory do: urllib.parse.unquote(s,
// errors='surrogatepass'), whose lone surrogates the file system encoding
// (UTF-8 with surrogateescape) then turns back into bytes.
//
//   - If the decoded bytes are valid UTF-8, they are the result.
//   - If they are valid UTF-8 but for encoded surrogates (ED A0 80 to
//     ED BF BF), each surrogate U+DC80–U+DCFF becomes the single byte
//     0x80–0xFF it stands for: %ED%B3%BF is the byte 0xFF, the href
//     Python's listing gives a name holding that byte. Any other
//     surrogate cannot be encoded, and Python fails the request; it
//     becomes a NUL byte, which no file name holds, so the name opens
//     nothing (a U+FFFD would open a file that has one).
//   - Otherwise (a stray %FF, an overlong form) Python falls back to
//     unquote(s) for the whole string, and so does UnescapeName: the
//     result is [Unescape](s), valid UTF-8 with U+FFFD.
//
// The result is thus valid UTF-8 except for the bytes 0x80–0xFF that
// surrogates stand for.
func UnescapeName(s string) string {
	if strings.IndexByte(s, '%') < 0 && utf8.ValidString(s) {
		return s
	}
	b := percentDecode(s)
	if utf8.Valid(b) {
		return string(b)
	}
	if !validSurrogatePass(b) {
		return string(appendReplacingInvalid(make([]byte, 0, len(b)+8), b))
	}
	// Every surrogate shrinks from 3 bytes to 1, so b can be rewritten in
	// place.
	out := b[:0]
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			out = append(out, b[i:i+size]...)
			i += size
			continue
		}
		// An encoded surrogate: ED A0..BF 80..BF is U+D800..U+DFFF.
		cp := rune(b[i+1]&0x3F)<<6 | rune(b[i+2]&0x3F) | 0xD000
		if 0xDC80 <= cp && cp <= 0xDCFF {
			out = append(out, byte(cp-0xDC00))
		} else {
			out = append(out, 0)
		}
		i += 3
	}
	return string(out)
}

// percentDecode decodes every "%XX" of s and copies the rest.
func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// validSurrogatePass reports whether b decodes as UTF-8 with Python's
// surrogatepass error handler: valid UTF-8, except that encoded surrogates
// (ED A0..BF 80..BF) are allowed.
func validSurrogatePass(b []byte) bool {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		if b[i] != 0xED || i+2 >= len(b) || b[i+1] < 0xA0 || b[i+1] > 0xBF || b[i+2] < 0x80 || b[i+2] > 0xBF {
			return false
		}
		i += 3
	}
	return true
}

// appendReplacingInvalid appends b to dst with each maximal subpart of an
// invalid sequence replaced by one U+FFFD, as Python's UTF-8 decoder does
// with errors='replace' ("\xe2\x82a" gives "\ufffda", "\xc0\xaf" gives
// two U+FFFD).
func appendReplacingInvalid(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			dst = append(dst, b[i:i+size]...)
			i += size
			continue
		}
		dst = append(dst, "\uFFFD"...)
		i += maximalSubpart(b[i:])
	}
	return dst
}

// maximalSubpart returns the length of the longest prefix of p, which
// starts with an invalid UTF-8 sequence, that is the start of some valid
// sequence, or 1 if there is none (Unicode §3.9, U+FFFD substitution).
func maximalSubpart(p []byte) int {
	lo, hi := byte(0x80), byte(0xBF) // range of the next byte
	var n int                        // length of the sequence p[0] starts
	switch c := p[0]; {
	case 0xC2 <= c && c <= 0xDF:
		n = 2
	case c == 0xE0:
		n, lo = 3, 0xA0
	case c == 0xED:
		n, hi = 3, 0x9F
	case 0xE1 <= c && c <= 0xEF:
		n = 3
	case c == 0xF0:
		n, lo = 4, 0x90
	case 0xF1 <= c && c <= 0xF3:
		n = 4
	case c == 0xF4:
		n, hi = 4, 0x8F
	default:
		return 1
	}
	i := 1
	for i < n && i < len(p) && lo <= p[i] && p[i] <= hi {
		lo, hi = 0x80, 0xBF
		i++
	}
	return i
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
// otherwise leave the site. An empty query or fragment in rest ("?", "#")
// is dropped, as Python's urlunsplit drops it: "/dir?" redirects to
// "/dir/".
func Location(escapedPath, rest string) string {
	query, fragment, hasFragment := strings.Cut(rest, "#")
	if query == "?" {
		query = ""
	}
	if hasFragment && fragment == "" {
		hasFragment = false
	}
	var b strings.Builder
	b.Grow(len(escapedPath) + len(rest) + 8)
	p := strings.TrimLeft(escapedPath, "/")
	b.WriteByte('/')
	appendSafe(&b, p)
	appendSafe(&b, query)
	if hasFragment {
		b.WriteByte('#')
		appendSafe(&b, fragment)
	}
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

// DecodesExactly reports whether the escaped path s percent-decodes (as
// [Unescape] does: a '%' not followed by two hex digits stands for
// itself) to the bytes [UnescapeName] gives, with nothing put in the
// place of what the client sent: valid UTF-8, or valid UTF-8 but for the
// surrogate escapes of the bytes 0x80–0xFF (%ED%B2%80–%ED%B3%BF), which
// the listing links names that are not UTF-8 with. A stray byte (%FF),
// which UnescapeName makes U+FFFD, or a surrogate no byte stands for,
// which it makes a NUL, is not.
func DecodesExactly(s string) bool {
	if strings.IndexByte(s, '%') < 0 {
		return utf8.ValidString(s)
	}
	b := percentDecode(s)
	if utf8.Valid(b) {
		return true
	}
	if !validSurrogatePass(b) {
		return false
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		// ED B2..B3 80..BF is U+DC80..U+DCFF, a byte's escape.
		if b[i+1] != 0xB2 && b[i+1] != 0xB3 {
			return false
		}
		i += 3
	}
	return true
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

// Origin returns s, an origin ("https://files.example.com",
// "http://host:8080"), as scheme://host exactly as a browser sends it in
// an Origin header, which is compared byte for byte: the host in lower
// case, without the scheme's default port ("HTTPS://Files.Example.com:443"
// is "https://files.example.com"). ok is false when s is not one (no http
// or https scheme, no host, user info, a path beyond "/", a query or a
// fragment), and for a host that is not ASCII, which browsers send in its
// punycode form ("xn--...").
func Origin(s string) (origin string, ok bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	host := strings.ToLower(u.Host)
	for i := 0; i < len(host); i++ {
		if host[i] >= utf8.RuneSelf {
			return "", false
		}
	}
	if port := u.Port(); port == "" || (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		host = strings.TrimSuffix(strings.TrimSuffix(host, port), ":")
	}
	if host == "" {
		return "", false
	}
	return u.Scheme + "://" + host, true
}

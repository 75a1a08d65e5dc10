// Package pyescape provides the Python-compatible escapers shared by the
// directory listing, the error page and the access log.
//
// Each function mirrors one piece of CPython's standard library:
//
//   - [URL] is urllib.parse.quote(s, safe='/', errors='surrogatepass'),
//     used by SimpleHTTPRequestHandler.list_directory for the href of
//     each entry.
//   - [HTML] is html.escape(s, quote=False), used for the listing's title
//     and entry text and for the error page.
//   - [Log] is the translation through
//     BaseHTTPRequestHandler._control_char_table that log_message applies
//     to every message (Python 3.12, and 3.11.1 and 3.10.9 onwards).
//   - [Lower] is str.lower(), the key list_directory sorts entries by.
//   - [Fields] is str.split() of a header value, which Python reads as
//     Latin-1: the words of an If-Modified-Since date, and of an
//     Authorization header for a CGI script's AUTH_TYPE and REMOTE_USER.
//
// Every function has a fast path: when nothing needs to change, [URL],
// [HTML], [Log] and [Lower] return their argument without allocating, and
// the Append variants ([AppendURL], [AppendHTML], [AppendLog]) allocate at
// most once, to grow dst. All functions are safe for concurrent use.
//
// # Strings that are not valid UTF-8
//
// Python sees file names through the surrogateescape error handler and
// request lines through ISO-8859-1, so its escapers never meet invalid
// UTF-8. Go strings can hold any bytes, so each function defines that case:
//
//   - [URL] encodes each such byte b as the lone surrogate U+DC00+b that
//     Python's surrogateescape gives os.listdir's name for it (0xFF becomes
//     %ED%B3%BF), exactly as list_directory does, so urlpath.UnescapeName
//     of the result gives back the input bytes. [SurrogateEscape] makes
//     the same substitution without the percent-encoding, for sorting.
//   - [HTML] replaces each such byte with U+FFFD, so the listing is always
//     valid UTF-8. This deliberately differs from Python, which writes the
//     raw bytes back out through surrogateescape.
//   - [Log] writes each lone byte 0x80–0x9F as \xHH, the same text Python
//     writes for the code point U+0080–U+009F that the byte stands for in
//     ISO-8859-1, so no C1 control reaches the log, raw or encoded. Other
//     invalid bytes (0xA0–0xFF) pass through unchanged.
//   - [Lower] leaves such bytes unchanged, as Python leaves the lone
//     surrogates that stand for them; they are neither cased nor
//     case-ignorable for the Final_Sigma rule.
//
// # Unicode version
//
// [Lower] uses Go's unicode tables (Unicode 15.0.0 for Go 1.21 to 1.26).
// Python 3.11 uses Unicode 14.0.0 and Python 3.14 Unicode 16.0.0, so the
// results can differ for code points assigned in between. TestPythonUnicode
// checks the lower-case mapping and the cased and case-ignorable classes of
// every code point both assign against a table recorded from Python.
package pyescape

import "unsafe"

// bytesToString returns b as a string without copying. The caller must not
// modify b afterwards; every caller here has just built b and drops it.
func bytesToString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

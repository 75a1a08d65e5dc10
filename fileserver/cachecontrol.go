package fileserver

import (
	"path"
	"strings"
)

// ImmutableCacheControl is the Cache-Control value of a file whose name
// carries a fingerprint of its content: it can be cached for a year and
// never revalidated, since new content gets a new name.
const ImmutableCacheControl = "public, max-age=31536000, immutable"

// ImmutableFingerprinted returns a function for [Options.CacheControl]
// that gives [ImmutableCacheControl] to files whose names carry a content
// fingerprint, as bundlers write them (app.3f9a2c1b.js from webpack,
// index-BqX7r9Jd.js from Vite, main.5f3b2a1c9d8e7f60.css), and other to
// every other file ("" for none, or a short policy such as "max-age=60" or
// "no-cache" for index.html and the like).
//
// A fingerprint is a part of the base name, before the extension and
// after a '.' or a '-', of 8 to 64 letters, digits and underscores with at
// least one digit and at least one letter. A name without one is never
// taken for fingerprinted, so the risk is only that some fingerprinted
// names (a hash without a digit) get other.
func ImmutableFingerprinted(other string) func(name string) string {
	return func(name string) string {
		if Fingerprinted(name) {
			return ImmutableCacheControl
		}
		return other
	}
}

// Fingerprinted reports whether the base name of name carries a content
// fingerprint, as [ImmutableFingerprinted] decides it.
func Fingerprinted(name string) bool {
	base := path.Base(name)
	dot := strings.IndexByte(base, '.')
	if dot <= 0 {
		return false // no extension, or a dotfile
	}
	// Everything before the last extension: "app.3f9a2c1b" of
	// "app.3f9a2c1b.js", "lib.min.5f3b2a1c" of "lib.min.5f3b2a1c.js".
	stem := base[:strings.LastIndexByte(base, '.')]
	for stem != "" {
		i := strings.LastIndexAny(stem, ".-")
		if i < 0 {
			return false // the first part is the name, not a fingerprint
		}
		if isFingerprint(stem[i+1:]) {
			return true
		}
		stem = stem[:i]
	}
	return false
}

func isFingerprint(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	digit, letter := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c == '_':
		default:
			return false
		}
	}
	return digit && letter
}

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
// after a '.' or a '-', with at least one digit and at least one letter:
// 8 to 64 hexadecimal digits (webpack, Parcel, Next.js, Hugo, Rails), or
// exactly 8 letters, digits and underscores (the hashes of Vite, Rollup
// and esbuild). Words and numbers of other shapes, as in release names
// (app_1.2.3_linux_amd64.tar.gz, video-1080p60fps.mp4), are not
// fingerprints: such a file may be replaced under its name, and a client
// told it is immutable would keep the old one for a year. Two risks are
// left. Some fingerprinted names (a hash without a digit, or of another
// shape) get other, which costs a revalidation. And a word of exactly 8
// letters and digits after a '-' or '.' (tool-linux386.tar.gz,
// app-mips64le.bin) looks like a hash and gets ImmutableCacheControl:
// where such names are replaced in place, use a CacheControl function of
// your own that recognises them first.
//
// Behind [BasicAuth] (AuthAll), "public" lets a shared cache in front give
// a file fetched with credentials to clients without them (RFC 9111
// section 3.5): use a function of your own that gives fingerprinted
// names "private, max-age=31536000, immutable", as the simplehttp
// command does under --auth.
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
	digit, letter, hex := false, false, true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			letter = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			letter = letter || c != '_'
			hex = false
		default:
			return false
		}
	}
	return digit && letter && (hex || len(s) == 8)
}

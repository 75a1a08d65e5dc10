// Package samename tells whether two spellings of a name may open the
// same file. A file system that ignores letter case or Unicode
// normalization (ext4 and f2fs with casefold, FAT and exFAT, macOS's
// APFS and HFS+, ZFS with normalization, a Windows or Samba share) finds
// a file under spellings other than the one it was made with: "CGI-BIN",
// "cgi\u200b-bin" (a zero-width space, which the casefold tables of
// older Linux kernels and HFS+ leave out, as do other systems that
// ignore Unicode's default ignorable characters), "ｃｇｉ-bin" (fullwidth
// letters, which ZFS's formKC makes ASCII). A rule about a name that
// compares bytes lets those other spellings past it.
package samename

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Ignorable reports whether c is a default ignorable code point of
// Unicode: one that shows as nothing where it has no effect, and that
// some file systems leave out when they compare names.
func Ignorable(c rune) bool {
	return unicode.Is(unicode.Variation_Selector, c) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, c) ||
		unicode.Is(unicode.Cf, c) && !unicode.Is(unicode.Prepended_Concatenation_Mark, c)
}

// Key is the spelling of s that every spelling a file system may take
// for it shares: its default ignorable characters left out, a letter
// whose simple upper or lower case is ASCII made that ASCII letter ("ı"
// and "İ" are "i"), then compatibility forms made plain (NFKC) and letter
// case folded (full case folding: "ß" is "ss", "ﬁ" is "fi", the Kelvin
// sign is "k"), about as Unicode's NFKC_Casefold does; a letter that the
// normalization makes ASCII in case is made ASCII too ("𝚤", a
// mathematical dotless i, is "i"). It is coarser than
// any file system's rule, on purpose: it is for refusing a name, where a
// name refused that no file system takes for the other costs little, and
// one let through costs the rule. An ASCII name's key is the name in
// lower case.
func Key(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	// Folding can undo a normalization and normalizing can make a
	// letter that folds, or one whose case is ASCII ("𝚤", a
	// mathematical dotless i, is "ı" in NFKC): fold and make plain
	// between two normalizations, twice, so that the key of a key is
	// itself.
	k := norm.NFKC.String(plain(s))
	for range 2 {
		k = norm.NFKC.String(plain(cases.Fold().String(k)))
	}
	return k
}

// plain leaves out the default ignorable characters of s and makes
// ASCII a letter whose simple upper or lower case is ASCII.
func plain(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range s {
		switch {
		case Ignorable(c):
		case unicode.ToLower(c) < utf8.RuneSelf:
			b = append(b, byte(unicode.ToLower(c)))
		case unicode.ToUpper(c) < utf8.RuneSelf:
			// The dotless i and the long s, whose upper case is ASCII:
			// a file system that compares names in upper case (NTFS's
			// table, and those built from it) takes "cgı-bin" for
			// "CGI-BIN". Full case folding keeps them apart.
			b = append(b, byte(unicode.ToLower(unicode.ToUpper(c))))
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return string(b)
}

// Equal reports whether a and b may name the same file on some file
// system (see Key): equal in any letter case, or with equal keys. Two
// ASCII names cost no allocation.
func Equal(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	if isASCII(a) && isASCII(b) {
		return false // their keys are their lower case
	}
	return Key(a) == Key(b)
}

// isASCII reports whether s holds ASCII characters alone.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

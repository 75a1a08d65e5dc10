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
// system (see Key): equal in any letter case, or with equal keys, or,
// element by element of two paths, with one element the short name
// ("CGI-SC~1") that FAT and NTFS give a name that does not fit their
// 8.3 form ("cgi-scripts"), and by which they open it too. Two ASCII
// names without a '~' cost no allocation.
func Equal(a, b string) bool {
	if strings.EqualFold(a, b) || sameKey(a, b) {
		return true
	}
	return (strings.IndexByte(a, '~') >= 0 || strings.IndexByte(b, '~') >= 0) && shortEqual(a, b)
}

// sameKey reports whether a and b have one key.
func sameKey(a, b string) bool {
	if isASCII(a) && isASCII(b) {
		return false // their keys are their lower case
	}
	return Key(a) == Key(b)
}

// shortEqual reports whether the paths a and b have as many elements
// and each of a is the same name as b's in its place, or the short name
// of it, or the name it is the short name of.
func shortEqual(a, b string) bool {
	ea, eb := strings.Split(a, "/"), strings.Split(b, "/")
	if len(ea) != len(eb) {
		return false
	}
	for i, x := range ea {
		y := eb[i]
		if !strings.EqualFold(x, y) && !sameKey(x, y) && !mayBeShortName(x, y) && !mayBeShortName(y, x) {
			return false
		}
	}
	return true
}

// mayBeShortName reports whether s may be the short name that a FAT or
// NTFS file system made for long: the start of long's basis (in upper
// case, spaces and all dots but the last left out, characters a short
// name cannot hold made '_'), '~' and a number, then the first three
// characters of its extension; or, once several names share a basis,
// its first two characters and four hexadecimal digits before the '~'
// (Windows). A name that fits 8.3 has no short name. Like Key, it errs
// towards yes.
func mayBeShortName(s, long string) bool {
	tilde := strings.LastIndexByte(s, '~')
	if tilde < 1 || fits83(long) {
		return false
	}
	num, ext, _ := strings.Cut(s[tilde+1:], ".")
	if num == "" || len(num) > 6 || strings.Trim(num, "0123456789") != "" {
		return false
	}
	lbase, lext := shortBasis(long)
	if !strings.EqualFold(shortChars(ext), lext[:min(3, len(lext))]) {
		return false
	}
	prefix := shortChars(s[:tilde])
	if strings.HasPrefix(lbase, prefix) {
		return true
	}
	return len(prefix) == 6 && strings.HasPrefix(lbase, prefix[:2]) && strings.Trim(prefix[2:], "0123456789ABCDEF") == ""
}

// fits83 reports whether name is a valid 8.3 name in some letter case:
// up to eight characters, and a dot and up to three more, of those a
// short name may hold.
func fits83(name string) bool {
	base, ext, dot := strings.Cut(name, ".")
	if base == "" || len(base) > 8 || len(ext) > 3 || dot && ext == "" {
		return false
	}
	return shortChars(base+ext) == strings.ToUpper(base+ext)
}

// shortBasis is long as a short name's basis, split at its last dot:
// spaces and the other dots left out, and shortChars.
func shortBasis(long string) (base, ext string) {
	long = strings.TrimLeft(long, ". ")
	if i := strings.LastIndexByte(long, '.'); i >= 0 {
		base, ext = long[:i], long[i+1:]
	} else {
		base = long
	}
	drop := func(s string) string { return strings.NewReplacer(" ", "", ".", "").Replace(s) }
	return shortChars(drop(base)), shortChars(drop(ext))
}

// shortChars is s in upper case, with each character a short name
// cannot hold (anything but ASCII letters, digits and !#$%&'()-@^_`{}~)
// made '_'.
func shortChars(s string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case 'a' <= c && c <= 'z':
			return c - 'a' + 'A'
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.ContainsRune("!#$%&'()-@^_`{}~", c):
			return c
		}
		return '_'
	}, s)
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

package pyescape

import (
	"unicode"
	"unicode/utf8"
)

const (
	capitalSigma    = 'Σ' // U+03A3 GREEK CAPITAL LETTER SIGMA
	smallSigma      = 'σ' // U+03C3 GREEK SMALL LETTER SIGMA
	finalSigma      = 'ς' // U+03C2 GREEK SMALL LETTER FINAL SIGMA
	capitalIWithDot = 'İ' // U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE
	lowerIWithDot   = "i\u0307"
	lowerSlack      = len(lowerIWithDot) - len("İ") // room for one İ; append grows b beyond
)

// Lower returns s lower-cased like Python's str.lower(), the full Unicode
// lower-case mapping. It is [strings.ToLower] plus the two rules from
// SpecialCasing.txt that Python applies:
//
//   - U+0130 'İ' becomes "i\u0307" (i and COMBINING DOT ABOVE), not "i";
//   - U+03A3 'Σ' becomes 'ς' (final sigma) when it ends a word, that is
//     when it follows a cased letter and is not followed by one, skipping
//     case-ignorable characters on both sides (the Final_Sigma context of
//     the Unicode Standard, section 3.13), and 'σ' otherwise. The full
//     stop is case-ignorable, so in "ΌΣΟΣ.txt" no sigma is final: the
//     result is "όσοσ.txt", as in Python.
//
// Like Python, Lower keeps 'ß' and maps K (U+212A KELVIN SIGN) to 'k'. Bytes
// that are not part of valid UTF-8 are kept as they are; strings.ToLower
// would replace them with U+FFFD.
//
// Lower(Lower(s)) == Lower(s). If s is already lower case, Lower returns s
// itself without allocating.
func Lower(s string) string {
	for i, retry := 0, 0; i < len(s); {
		if i >= retry && i+8 <= len(s) {
			if lowerClean8(s, i) {
				i += 8
				continue
			}
			retry = i + 8 // some byte in s[i:i+8] needs work
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return lowerFrom(s, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == capitalSigma || r == capitalIWithDot || unicode.ToLower(r) != r {
			return lowerFrom(s, i)
		}
		i += size
	}
	return s
}

// lowerFrom returns Lower(s), given that s[:i] is already lower case.
func lowerFrom(s string, i int) string {
	b := make([]byte, i, len(s)+lowerSlack)
	copy(b, s[:i])
	for retry := i; i < len(s); {
		if i >= retry && i+8 <= len(s) {
			if lowerClean8(s, i) {
				b = append(b, s[i:i+8]...)
				i += 8
				continue
			}
			retry = i + 8 // some byte in s[i:i+8] needs work
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, c) // invalid UTF-8: keep the byte
		case r == capitalIWithDot:
			b = append(b, lowerIWithDot...)
		case r == capitalSigma:
			if isFinalSigma(s, i, i+size) {
				b = utf8.AppendRune(b, finalSigma)
			} else {
				b = utf8.AppendRune(b, smallSigma)
			}
		default:
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		i += size
	}
	return bytesToString(b)
}

// isFinalSigma reports whether the capital sigma s[start:end] is in the
// Final_Sigma context:
//
//	Before: \p{cased} (\p{case-ignorable})*
//	After:  not ((\p{case-ignorable})* \p{cased})
//
// As in CPython's handle_capital_sigma, a character that is both cased and
// case-ignorable (like U+02B0 'ʰ') counts as case-ignorable. A byte of
// invalid UTF-8 is neither, like the lone surrogate Python would see.
func isFinalSigma(s string, start, end int) bool {
	before := false
	for j := start; j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if r == utf8.RuneError && size == 1 {
			break
		}
		if !isCaseIgnorable(r) {
			before = isCased(r)
			break
		}
	}
	if !before {
		return false
	}
	for j := end; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		j += size
		if r == utf8.RuneError && size == 1 {
			return true
		}
		if !isCaseIgnorable(r) {
			return !isCased(r)
		}
	}
	return true
}

// cased is the Unicode property Cased: Lowercase, Uppercase or Lt, where
// Lowercase is Ll plus Other_Lowercase and Uppercase is Lu plus
// Other_Uppercase (DerivedCoreProperties.txt).
var cased = []*unicode.RangeTable{
	unicode.Lu, unicode.Ll, unicode.Lt,
	unicode.Other_Lowercase, unicode.Other_Uppercase,
}

// caseIgnorable is the Unicode property Case_Ignorable: the general
// categories Mn, Me, Cf, Lm and Sk, and Word_Break MidLetter, MidNumLet and
// Single_Quote, which Go's unicode package does not have (wordBreakMid).
var caseIgnorable = []*unicode.RangeTable{
	unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk,
	wordBreakMid,
}

// wordBreakMid holds the code points with Word_Break MidLetter, MidNumLet or
// Single_Quote (WordBreakProperty.txt, Unicode 15.0.0).
var wordBreakMid = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x0027, Hi: 0x0027, Stride: 1}, // ' Single_Quote
		{Lo: 0x002e, Hi: 0x002e, Stride: 1}, // . MidNumLet
		{Lo: 0x003a, Hi: 0x003a, Stride: 1}, // : MidLetter
		{Lo: 0x00b7, Hi: 0x00b7, Stride: 1}, // · MidLetter
		{Lo: 0x0387, Hi: 0x0387, Stride: 1}, // · GREEK ANO TELEIA, MidLetter
		{Lo: 0x055f, Hi: 0x055f, Stride: 1}, // ARMENIAN ABBREVIATION MARK, MidLetter
		{Lo: 0x05f4, Hi: 0x05f4, Stride: 1}, // HEBREW PUNCTUATION GERSHAYIM, MidLetter
		{Lo: 0x2018, Hi: 0x2019, Stride: 1}, // ‘ ’ MidNumLet
		{Lo: 0x2024, Hi: 0x2024, Stride: 1}, // ONE DOT LEADER, MidNumLet
		{Lo: 0x2027, Hi: 0x2027, Stride: 1}, // HYPHENATION POINT, MidLetter
		{Lo: 0xfe13, Hi: 0xfe13, Stride: 1}, // PRESENTATION FORM FOR VERTICAL COLON, MidLetter
		{Lo: 0xfe52, Hi: 0xfe52, Stride: 1}, // SMALL FULL STOP, MidNumLet
		{Lo: 0xfe55, Hi: 0xfe55, Stride: 1}, // SMALL COLON, MidLetter
		{Lo: 0xff07, Hi: 0xff07, Stride: 1}, // FULLWIDTH APOSTROPHE, MidNumLet
		{Lo: 0xff0e, Hi: 0xff0e, Stride: 1}, // FULLWIDTH FULL STOP, MidNumLet
		{Lo: 0xff1a, Hi: 0xff1a, Stride: 1}, // FULLWIDTH COLON, MidLetter
	},
	LatinOffset: 4,
}

func isCased(r rune) bool         { return unicode.IsOneOf(cased, r) }
func isCaseIgnorable(r rune) bool { return unicode.IsOneOf(caseIgnorable, r) }

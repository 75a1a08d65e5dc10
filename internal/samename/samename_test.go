package samename

import (
	"strings"
	"testing"
)

func TestEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"/cgi-bin", "/cgi-bin", true},
		{"/CGI-BIN", "/cgi-bin", true},
		{"/\u212agi", "/kgi", true},            // the Kelvin sign
		{"/cgi\u200b-bin", "/cgi-bin", true},   // a zero-width space
		{"/cgi-bin\u00ad", "/cgi-bin", true},   // a soft hyphen
		{"/\ufeffcgi-bin", "/cgi-bin", true},   // a byte order mark
		{"/\uff43gi-bin", "/cgi-bin", true},    // a fullwidth c
		{"/\ufb01rst", "/first", true},         // the ligature fi
		{"/stra\u00dfe", "/STRASSE", true},     // full case folding
		{"/cafe\u0301", "/CAF\u00c9", true},    // decomposed, another case
		{"/fir\u017ft", "/first", true},        // a long s
		{"/cgi-bin", "/cgi-bin2", false},       // another name
		{"/cgi-bin", "/cgi_bin", false},        // another character
		{"/caf\u00e9", "/cafe", false},         // an accent is not nothing
		{"/\u0131", "/i", true},                // dotless i: upper case I
		{"/cg\u0131-bin", "/CGI-BIN", true},    // as NTFS's upper case finds it
		{"/cgi\u2010bin", "/cgi-bin", false},   // another hyphen
		{"/cgi\u0301-bin", "/cgi-bin", false},  // a combining mark shows
		{"/cgi\u00a0bin", "/cgi bin", true},    // a no-break space is a space
		{"/\u0130", "/i", true},                // dotted capital I: lower case i
		{"/cgi-bin/\u200b", "/cgi-bin/", true}, // ignorable at the end
		{"/ab\u034fc", "/abc", true},           // combining grapheme joiner
		{"/ab\U000e0041c", "/abc", true},       // a tag character
		{"/a\ufe0fb", "/ab", true},             // a variation selector
		{"/\u3164x", "/x", true},               // a Hangul filler
		{"/x\u2063y", "/xy", true},             // an invisible separator
		{"/x\u0600y", "/xy", false},            // a prepended mark shows
		{"/\u00e9", "/e\u0301", true},          // composed and decomposed
		{"/\u2126", "/\u03c9", true},           // the Ohm sign is omega
		{"/\u212b", "/\u00e5", true},           // the Angstrom sign
		{"/\u1e9e", "/ss", true},               // capital sharp s
		{"/\u03c2", "/\u03a3", true},           // final sigma
		{"/\u0345", "/\u03b9", true},           // ypogegrammeni
		{"/\u00bd", "/1\u20442", true},         // a vulgar fraction
		{"/\u24b8", "/c", true},                // a circled letter
		{"/\U0001d41a", "/a", true},            // a mathematical letter
		{"/ÅNGSTRÖM", "/a\u030angstro\u0308m", true},
		// A mathematical dotless i, which NFKC makes a dotless i.
		{"/cg\U0001d6a4-bin", "/CGI-BIN", true},
		// Short names, by which FAT and NTFS open a longer name.
		{"/CGI-SC~1", "/cgi-scripts", true},
		{"/cgi-sc~2/x.sh", "/cgi-scripts/x.sh", true},
		{"/CGI-S~10", "/cgi-scripts", true},
		{"/CG4F2A~1", "/cgi-scripts", true}, // Windows's hashed form
		{"/CG4F2G~1", "/cgi-scripts", false},
		{"/MYDOCU~1", "/My Documents", true},
		{"/A_B~1", "/a+b c", true},
		{"/INDEX~1.HTM", "/index.html", true},
		{"/INDEX~1", "/index.html", false}, // the extension is kept
		{"/INDEX~1.HTML", "/index.html", false},
		{"/HIDDEN~1", "/.hidden", true},
		{"/_CAF~1", "/\u00e9caf\u00e9", true},
		{"/CGI-BI~1", "/cgi-bin", false}, // a name that fits 8.3 has none
		{"/Cgi-Bin~1", "/cgi-bin", false},
		{"/OTHER~1", "/cgi-scripts", false},
		{"/CGI-SC~X", "/cgi-scripts", false},
		{"/CGI-SC~1/y", "/cgi-scripts/x", false},
		{"/CGI-SC~1", "/cgi-scripts/x", false},
		{"/~1", "/cgi-scripts", false},
	} {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%+q, %+q) = %v, want %v (keys %+q, %+q)", c.a, c.b, got, c.want, Key(c.a), Key(c.b))
		}
		if got := Equal(c.b, c.a); got != c.want {
			t.Errorf("Equal(%+q, %+q) = %v, want %v", c.b, c.a, got, c.want)
		}
		for _, s := range []string{c.a, c.b} {
			if k := Key(s); Key(k) != k {
				t.Errorf("Key(Key(%+q)) = %+q, not %+q", s, Key(k), k)
			}
		}
	}
}

func TestEqualASCIINoAlloc(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Equal("/Cgi-Bin", "/cgi-bin2") }); n != 0 {
		t.Errorf("Equal of two ASCII names: %v allocations", n)
	}
}

func TestMayBeShortName(t *testing.T) {
	for _, long := range []string{"cgi-bin", "htbin", "CGI-BIN", "a.txt", "README", "x~1", "12345678.abc"} {
		if mayBeShortName("CGI-BI~1", long) || mayBeShortName("X~1", long) || mayBeShortName("12345~1.ABC", long) {
			t.Errorf("%q fits 8.3, and has no short name", long)
		}
	}
	for _, long := range []string{"cgi-scripts", "a b", "a.b.c", "x.html", "caf\u00e9", ".x", "abcdefghi"} {
		if fits83(long) {
			t.Errorf("fits83(%q) = true", long)
		}
	}
}

// FuzzKey checks what the callers rely on for any name: a key is its own
// key (so that comparing keys is comparing names, however often a name
// was folded), Equal is symmetric and agrees with the keys, and a name
// equal to an ASCII one in any letter case is Equal to it.
func FuzzKey(f *testing.F) {
	for _, s := range []string{"cgi-bin", "CGI-BIN", "cg\u0131-bin", "\U0001d6a4", "fir\u017ft", "\ufb01rst",
		"stra\u00dfe", "cafe\u0301", "\u212a", "\u0130", "cgi\u200b-bin", "\uff43gi-bin", "\u1e9e", "\u03c2", "\u0345", "\xff\xfe"} {
		f.Add(s, "cgi-bin")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := Key(a)
		if k := Key(ka); k != ka {
			t.Errorf("Key(%+q) = %+q, whose key is %+q", a, ka, k)
		}
		if Equal(a, b) != Equal(b, a) {
			t.Errorf("Equal(%+q, %+q) = %v, but not the other way round", a, b, Equal(a, b))
		}
		if ka == Key(b) && !Equal(a, b) {
			t.Errorf("%+q and %+q have one key, %+q, but are not Equal", a, b, ka)
		}
		if isASCII(b) && strings.EqualFold(a, b) && !Equal(a, b) {
			t.Errorf("%+q and %+q are equal in another case, but not Equal", a, b)
		}
	})
}

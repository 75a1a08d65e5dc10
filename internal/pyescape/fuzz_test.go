package pyescape

import (
	"html"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzSeeds are the nasty inputs every fuzz target starts from.
var fuzzSeeds = []string{
	"",
	"plain.txt",
	"a b",
	"100%",
	"%2e%2e",
	"%2e%2e/%2fetc",
	"..\\",
	"..\\..\\windows",
	"//evil",
	"a\nb",
	"a\r\nb\t",
	"\x00\x1b[31m\x7f",
	"\x85",      // lone byte 0x85
	"\u0085",    // the code point U+0085 (C2 85)
	"\xc2\x9b[", // the code point U+009B, CSI
	"\xe2\x85",  // truncated rune whose last byte is a C1 byte
	"\xff\xfe\x80\x9f\xa0",
	"\xed\xa0\x80", // UTF-8 of a surrogate
	"\xc0\xaf",     // overlong '/'
	`back\slash \x41 \\`,
	"<script>&amp;\"'</script>",
	"a?b#c&d=e+f;g,h$i@j:k",
	"ü日本😀\u2028\ufeff\ufffd",
	"ΟΔΥΣΣΕΥΣ ΌΣΟΣ.txt AΣ'S ʰΣ ⒶΣ",
	"İstanbul İΣ I\u0307",
	"ß ẞ \u212a ǅ Ⱥ",
	"A\xffΣ\xffb",
}

// surrogateEscaped is the reference for SurrogateEscape: each byte b that
// utf8 rejects becomes the generalised UTF-8 of U+DC00+b, built here from
// the code point rather than by SurrogateEscape's bit tricks.
func surrogateEscaped(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			cp := 0xDC00 + rune(s[i])
			b = append(b, 0xE0|byte(cp>>12), 0x80|byte(cp>>6&0x3F), 0x80|byte(cp&0x3F))
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// FuzzURL checks that URL's output uses only the bytes quote() keeps
// (A-Z a-z 0-9 _ . - ~ /) and "%XX" with upper-case hex, never quotes a
// byte quote() keeps, and percent-decodes (url.PathUnescape) to
// SurrogateEscape of the input: the input itself when it is valid UTF-8,
// else each stray byte b as the surrogate U+DC00+b, as Python's
// quote(name, errors='surrogatepass') writes a surrogateescaped name.
// SurrogateEscape agrees with an independent reference, and AppendURL
// appends exactly URL's output. (urlpath's FuzzName checks that
// urlpath.UnescapeName gives the input back.)
func FuzzURL(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := URL(s)
		esc := SurrogateEscape(s)
		if want := surrogateEscaped(s); esc != want {
			t.Fatalf("SurrogateEscape(%q) = %q, want %q", s, esc, want)
		}
		if utf8.ValidString(s) && esc != s {
			t.Fatalf("SurrogateEscape(%q) = %q, want the input", s, esc)
		}
		if got, err := url.PathUnescape(out); err != nil || got != esc {
			t.Fatalf("PathUnescape(URL(%q)) = %q, %v, want %q; URL gave %q", s, got, err, esc, out)
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			if urlSafe[c] {
				continue
			}
			if c != '%' || i+2 >= len(out) || !isUpperHex(out[i+1]) || !isUpperHex(out[i+2]) {
				t.Fatalf("URL(%q) = %q: byte %d is neither safe nor %%XX", s, out, i)
			}
			// Python never quotes a safe byte.
			if b := unhexUpper(out[i+1])<<4 | unhexUpper(out[i+2]); urlSafe[b] {
				t.Fatalf("URL(%q) = %q: quotes the safe byte %q", s, out, b)
			}
			i += 2
		}
		if got := AppendURL([]byte("pre"), s); string(got) != "pre"+out {
			t.Fatalf("AppendURL(pre, %q) = %q, want %q", s, got, "pre"+out)
		}
	})
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// FuzzHTML checks that HTML's output is valid UTF-8, holds no '<' or '>',
// has a '&' only as the start of "&amp;", "&lt;" or "&gt;", unescapes
// (html.UnescapeString) back to valid UTF-8 input, and equals a reference
// built from strings.Replacer with each invalid byte as U+FFFD; AppendHTML
// appends exactly HTML's output.
func FuzzHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := HTML(s)
		if !utf8.ValidString(out) {
			t.Fatalf("HTML(%q) = %q, not valid UTF-8", s, out)
		}
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("HTML(%q) = %q contains < or >", s, out)
		}
		for rest := out; ; {
			i := strings.IndexByte(rest, '&')
			if i < 0 {
				break
			}
			rest = rest[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Fatalf("HTML(%q) = %q: & not starting &amp; &lt; or &gt;", s, out)
			}
			rest = rest[1:]
		}
		if utf8.ValidString(s) {
			if got := html.UnescapeString(out); got != s {
				t.Fatalf("UnescapeString(HTML(%q)) = %q; HTML gave %q", s, got, out)
			}
		}
		// Reference: []rune turns each invalid byte into U+FFFD, as HTML does.
		if want := htmlReplacer.Replace(string([]rune(s))); out != want {
			t.Fatalf("HTML(%q) = %q, want %q", s, out, want)
		}
		if got := AppendHTML([]byte("pre"), s); string(got) != "pre"+out {
			t.Fatalf("AppendHTML(pre, %q) = %q, want %q", s, got, "pre"+out)
		}
	})
}

// c1AsCodePoints returns s with each lone byte 0x80–0x9F replaced by the
// UTF-8 of the code point with that value: what UnescapeLog(Log(s)) gives.
func c1AsCodePoints(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 && 0x80 <= s[i] && s[i] <= 0x9f {
			b = utf8.AppendRune(b, rune(s[i]))
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// FuzzLog checks that Log's output holds no C0 control, DEL or C1
// control, neither as a code point nor as a lone byte 0x80–0x9F; that
// UnescapeLog reverses it to the input, with each lone byte 0x80–0x9F read
// as the code point of that value (exactly the input for valid UTF-8);
// that Log of that is Log's output again; and that AppendLog appends
// exactly Log's output.
func FuzzLog(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Log(s)
		for i := 0; i < len(out); {
			r, size := utf8.DecodeRuneInString(out[i:])
			if r == utf8.RuneError && size == 1 {
				r = rune(out[i]) // a raw byte: check its value
			}
			if r < 0x20 || 0x7f <= r && r <= 0x9f {
				t.Fatalf("Log(%q) = %q: control %#x at byte %d", s, out, r, i)
			}
			i += size
		}
		got, err := UnescapeLog(out)
		if err != nil {
			t.Fatalf("UnescapeLog(Log(%q)) = %v; Log gave %q", s, err, out)
		}
		if want := c1AsCodePoints(s); got != want {
			t.Fatalf("UnescapeLog(Log(%q)) = %q, want %q; Log gave %q", s, got, want, out)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("UnescapeLog(Log(%q)) = %q, want the input", s, got)
		}
		if again := Log(got); again != out {
			t.Fatalf("Log(UnescapeLog(Log(%q))) = %q, want %q", s, again, out)
		}
		if got := AppendLog([]byte("pre"), s); string(got) != "pre"+out {
			t.Fatalf("AppendLog(pre, %q) = %q, want %q", s, got, "pre"+out)
		}
	})
}

// sigmaFold maps final sigma to sigma, the only place Lower and
// strings.ToLower disagree once İ is spelled I + U+0307.
func sigmaFold(s string) string { return strings.ReplaceAll(s, "ς", "σ") }

// FuzzLower checks what Lower guarantees without Python at hand: it never
// panics; it is idempotent (as Python's str.lower is: lower(lower(c)) ==
// lower(c) for every code point); it keeps a string valid or invalid UTF-8;
// its result is all lower case; and for valid UTF-8 it agrees with
// strings.ToLower up to σ/ς once İ is written I + U+0307 (which lowers the
// same and gives the same Final_Sigma context). Agreement with Python
// itself is TestPython's and TestPythonUnicode's job.
func FuzzLower(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Lower(s)
		if again := Lower(out); again != out {
			t.Fatalf("Lower(Lower(%q)) = %q, want %q", s, again, out)
		}
		if utf8.ValidString(out) != utf8.ValidString(s) {
			t.Fatalf("Lower(%q) = %q: UTF-8 validity changed", s, out)
		}
		if !utf8.ValidString(s) {
			return
		}
		for _, r := range out {
			if r == capitalSigma || r == capitalIWithDot || unicode.ToLower(r) != r {
				t.Fatalf("Lower(%q) = %q: %q is not lower case", s, out, r)
			}
		}
		dotted := strings.ReplaceAll(s, "İ", "I\u0307")
		if got := Lower(dotted); got != out {
			t.Fatalf("Lower(%q) = %q, but Lower(%q) = %q", s, out, dotted, got)
		}
		if want := sigmaFold(strings.ToLower(dotted)); sigmaFold(out) != want {
			t.Fatalf("Lower(%q) = %q, want %q up to σ/ς", s, out, want)
		}
		if n, want := utf8.RuneCountInString(out), utf8.RuneCountInString(dotted); n != want {
			t.Fatalf("Lower(%q) = %q: %d runes, want %d", s, out, n, want)
		}
	})
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func unhexUpper(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}

// FuzzFields checks Fields against its definition and against
// strings.Fields. Properties: the fields hold no white space byte, are
// never empty, and put together are s without its white space bytes;
// joined with single spaces and split again they come back the same; on
// ASCII without 0x1C-0x1F (the only ASCII white space Python has and
// strings.Fields has not) they are the fields of strings.Fields.
func FuzzFields(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("Sun,\xa006\x85Nov 1994\x1c08:49:37 GMT")
	f.Add("Basic\u3000dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, s string) {
		white := func(c byte) bool {
			return c == ' ' || '\t' <= c && c <= '\r' || 0x1c <= c && c <= 0x1f || c == 0x85 || c == 0xa0
		}
		got := Fields(s)
		var rest strings.Builder
		ascii := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !white(c) {
				rest.WriteByte(c)
			}
			if c >= 0x80 || 0x1c <= c && c <= 0x1f {
				ascii = false
			}
		}
		for _, w := range got {
			if w == "" || slices.ContainsFunc([]byte(w), white) {
				t.Fatalf("Fields(%q) = %q: an empty field or one with white space", s, got)
			}
		}
		if j := strings.Join(got, ""); j != rest.String() {
			t.Fatalf("Fields(%q) = %q, which hold %q, want %q", s, got, j, rest.String())
		}
		if again := Fields(strings.Join(got, " ")); !slices.Equal(again, got) {
			t.Fatalf("Fields(%q) = %q, but split again %q", s, got, again)
		}
		if want := strings.Fields(s); ascii && !slices.Equal(got, want) && len(got)+len(want) != 0 {
			t.Fatalf("Fields(%q) = %q, strings.Fields %q", s, got, want)
		}
	})
}
